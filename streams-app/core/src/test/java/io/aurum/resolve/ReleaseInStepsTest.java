package io.aurum.resolve;

import static org.assertj.core.api.Assertions.assertThat;

import io.aurum.config.AurumConfig;
import io.aurum.testing.Cdc;
import io.aurum.testing.TopologyHarness;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * After a snapshot, the records a partition held back are released, and the clusters that changed meanwhile
 * published, in bounded steps across inputs and punctuations (one input doing it all outlasted the transaction
 * timeout at 1M rows). Done in steps of 3 nodes, the outcome is the one of a release in one go: the same golden
 * records, xref and redirects, no golden record shown before every partition released, and each written once.
 */
class ReleaseInStepsTest {
    static final AurumConfig CONFIG = AurumConfig.fromClasspath("config/demo.yaml");
    static final String CONTACTS = "crm.public.contacts";
    static final String CUSTOMERS = "billing.public.customers";
    static final String USERS = "support.public.users";
    static final int CUSTOMERS_N = 60;
    static final String CREATED = "2021-01-01T00:00:00Z";
    /** Contacts, billing customers and (for every other customer) a support user. */
    static final int RECORDS = CUSTOMERS_N * 2 + CUSTOMERS_N / 2;

    @ParameterizedTest(name = "{0} partitions")
    @ValueSource(ints = {1, 4})
    void aReleaseInStepsEndsWhereOneInOneGoEnds(int partitions) {
        List<Cdc.Event> snapshot = snapshot(new Cdc());
        try (TopologyHarness stepped = new TopologyHarness(CONFIG, partitions, 3);
                TopologyHarness whole = new TopologyHarness(CONFIG, partitions)) {
            whole.pipe(snapshot.toArray(Cdc.Event[]::new));
            stepped.pipe(snapshot.toArray(Cdc.Event[]::new));
            assertThat(whole.xref()).as("records released in one go").hasSize(RECORDS);
            assertThat(stepped.xref().size())
                    .as("records released by the first step")
                    .isLessThan(RECORDS);
            assertThat(stepped.golden())
                    .as("no golden record before every partition released what it held")
                    .isEmpty();
            int punctuations = 0;
            while ((stepped.golden().size() < CUSTOMERS_N || whole.golden().size() < CUSTOMERS_N)
                    && punctuations < 10_000) {
                stepped.advanceWallClock(Resolver.STEP_EVERY);
                whole.advanceWallClock(Resolver.STEP_EVERY);
                punctuations++;
            }
            assertThat(whole.golden()).hasSize(CUSTOMERS_N);
            assertThat(stepped.xref()).hasSize(RECORDS);

            assertThat(new TreeMap<>(stepped.golden())).isEqualTo(new TreeMap<>(whole.golden()));
            assertThat(new TreeMap<>(stepped.xref())).isEqualTo(new TreeMap<>(whole.xref()));
            assertThat(new TreeMap<>(stepped.redirects())).isEqualTo(new TreeMap<>(whole.redirects()));
            Map<String, Long> writes = stepped.goldenLog().stream()
                    .collect(Collectors.groupingBy(r -> r.key(), TreeMap::new, Collectors.counting()));
            assertThat(writes.values()).as("golden writes per customer").containsOnly(1L);

            // After the steps, changes publish at once again.
            Map<String, ?> before = new TreeMap<>(stepped.golden());
            stepped.pipe(new Cdc().update(CONTACTS, contact(7, "Renamed")));
            assertThat(stepped.golden()).isNotEqualTo(before);
            assertThat(stepped.field("crm.contacts:7", "name")).isEqualTo("Renamed L7");
        }
    }

    /** Customers whose records merge across tables by e-mail, phone and explicit link, read table by table. */
    static List<Cdc.Event> snapshot(Cdc cdc) {
        cdc.beginSnapshot();
        List<Cdc.Event> out = new ArrayList<>();
        for (int i = 0; i < CUSTOMERS_N; i++) {
            Map<String, Object> row = contact(i, "F");
            out.add(i == CUSTOMERS_N - 1 ? cdc.lastRead(CONTACTS, row) : cdc.read(CONTACTS, row));
        }
        for (int i = 0; i < CUSTOMERS_N; i++) {
            Map<String, Object> row = Cdc.row(
                    "id",
                    (long) (1000 + i),
                    "name",
                    "B" + i,
                    "email",
                    i % 2 == 0 ? email(i) : null,
                    "phone",
                    i % 2 == 0 ? null : phone(i),
                    "address_line1",
                    null,
                    "city",
                    null,
                    "postal_code",
                    null,
                    "country",
                    "US",
                    "crm_contact_id",
                    i % 3 == 0 ? (long) i : null,
                    "created_at",
                    CREATED,
                    "updated_at",
                    CREATED);
            out.add(i == CUSTOMERS_N - 1 ? cdc.lastRead(CUSTOMERS, row) : cdc.read(CUSTOMERS, row));
        }
        for (int i = 0; i < CUSTOMERS_N; i += 2) {
            Map<String, Object> row = Cdc.row(
                    "id", (long) (5000 + i), "name", "U" + i, "email", email(i), "phone", null, "created_at", CREATED);
            out.add(i == CUSTOMERS_N - 2 ? cdc.finalRead(USERS, row) : cdc.read(USERS, row));
        }
        // Aurum's capture marks the end in every table's topic, the empty tables' too.
        CONFIG.pipeline().sources().values().forEach(source -> out.add(cdc.snapshotCompleted(source.topic())));
        return out;
    }

    static Map<String, Object> contact(int i, String first) {
        return Cdc.row(
                "id",
                (long) i,
                "first_name",
                first,
                "last_name",
                "L" + i,
                "email",
                email(i),
                "phone",
                phone(i),
                "company",
                null,
                "created_at",
                CREATED,
                "updated_at",
                CREATED);
    }

    static String email(int i) {
        return "person" + i + "@gmail.com";
    }

    static String phone(int i) {
        return String.format("+1 415 555 %04d", 1000 + i);
    }
}
