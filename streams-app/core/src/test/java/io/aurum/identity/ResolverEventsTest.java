package io.aurum.identity;

import static org.assertj.core.api.Assertions.assertThat;

import io.aurum.config.AurumConfig;
import io.aurum.resolve.Resolver;
import io.aurum.schemas.QualityIssueKind;
import io.aurum.schemas.Redirect;
import io.aurum.testing.Cdc;
import io.aurum.testing.TopologyHarness;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.MetricName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The resolver's event metrics (group {@code stream-aurum-resolver-metrics}, what /metrics re-exports as
 * {@code aurum_resolver_*}): a merge, a split, an id handed on by a deleted record, a hub found and cleared, and
 * dangling links each move exactly their metric by exactly the real change, and a redelivered input that changes
 * nothing moves nothing. With 1 partition every message between nodes stays in the task; with 4 most go through
 * the resolver topic.
 */
class ResolverEventsTest {
    static final String CONTACTS = "crm.public.contacts";
    static final String CUSTOMERS = "billing.public.customers";
    static final String USERS = "support.public.users";

    /** The counters (summed over tasks) and the gauge. */
    static final List<String> METRICS = List.of(
            "merges-total",
            "splits-total",
            "id-handovers-total",
            "hubs-found-total",
            "hubs-cleared-total",
            "dangling-links");

    final Cdc cdc = new Cdc();

    static TopologyHarness harness(int partitions) {
        return new TopologyHarness(AurumConfig.fromClasspath("config/demo.yaml"), partitions);
    }

    /** Each metric of {@link #METRICS} summed over the tasks. */
    static Map<String, Long> values(TopologyHarness t) {
        Map<String, Long> out = new TreeMap<>();
        METRICS.forEach(m -> out.put(m, 0L));
        for (var e : t.driver.metrics().entrySet()) {
            MetricName name = e.getKey();
            if (name.group().equals(Resolver.METRICS_GROUP) && out.containsKey(name.name())) {
                out.merge(name.name(), (long) ((Number) e.getValue().metricValue()).doubleValue(), Long::sum);
            }
        }
        return out;
    }

    /** What moved since {@code before}, by how much; metrics that did not move are left out. */
    static Map<String, Long> moved(Map<String, Long> before, TopologyHarness t) {
        Map<String, Long> out = new TreeMap<>();
        values(t).forEach((m, v) -> {
            if (v - before.get(m) != 0) {
                out.put(m, v - before.get(m));
            }
        });
        return out;
    }

    /** Pipes the events and requires exactly {@code expected} to move. */
    static void expect(TopologyHarness t, Map<String, Long> expected, Cdc.Event... events) {
        expect(t, expected, () -> t.pipe(events));
    }

    /** Does {@code step} and requires exactly {@code expected} to move. */
    static void expect(TopologyHarness t, Map<String, Long> expected, Runnable step) {
        Map<String, Long> before = values(t);
        step.run();
        assertThat(moved(before, t)).isEqualTo(expected);
    }

    // Rows of the demo's tables, as IdentityStageTest builds them.
    static Map<String, Object> user(int id, String email, String phone) {
        return IdentityStageTest.user(id, email, phone, String.format("2020-01-%02dT00:00:00Z", Math.min(28, id)));
    }

    static Map<String, Object> customer(long id, Long crmContact, String created) {
        return IdentityStageTest.customer(id, "C" + id, "c" + id + "@corp.io", crmContact, created);
    }

    static Map<String, Object> contact(long id, String created) {
        return IdentityStageTest.contact(id, "f" + id + "@home.net", null, created);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 4})
    void aMergeCountsOnceAndItsSplitOnce(int partitions) {
        try (TopologyHarness t = harness(partitions)) {
            String g1 = GoldenIds.of("support.users:1");
            String g2 = GoldenIds.of("support.users:2");
            // New records: published for the first time, nothing merged away.
            expect(
                    t,
                    Map.of(),
                    cdc.insert(USERS, user(1, "u1@gmail.com", null)),
                    cdc.insert(USERS, user(2, "u2@gmail.com", null)));
            assertThat(t.golden()).containsOnlyKeys(g1, g2);

            // User 2 takes user 1's address: customer g2 merges into the older g1, and g2 redirects there.
            Cdc.Event bridge = cdc.update(USERS, user(2, "u1@gmail.com", null));
            expect(t, Map.of("merges-total", 1L), bridge);
            assertThat(t.golden()).containsOnlyKeys(g1);
            assertThat(t.redirects().get(g2).getGoldenId()).isEqualTo(g1);
            // Redelivered: the record keeps its newest version, nothing changes, nothing counts.
            expect(t, Map.of(), bridge);

            // User 2 leaves: g1 announces that g2 split off from it; g2 is live again, which is no merge.
            Cdc.Event leave = cdc.update(USERS, user(2, "u2@gmail.com", null));
            expect(t, Map.of("splits-total", 1L), leave);
            assertThat(t.golden()).containsOnlyKeys(g1, g2);
            Redirect announced = t.redirects().get(g1);
            assertThat(announced.getGoldenId()).isEqualTo(g1);
            assertThat(announced.getSplitInto()).containsExactly(g2);
            expect(t, Map.of(), leave);

            // Merged again and split again: each is a new event.
            expect(t, Map.of("merges-total", 1L), cdc.update(USERS, user(2, "u1@gmail.com", null)));
            expect(t, Map.of("splits-total", 1L), cdc.update(USERS, user(2, "u2@gmail.com", null)));
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 4})
    void aMergeHeldBackByASnapshotCountsWhenItIsPublished(int partitions) {
        try (TopologyHarness t = harness(partitions)) {
            String g1 = GoldenIds.of("support.users:1");
            String g2 = GoldenIds.of("support.users:2");
            // Both snapshots, so that the second can change a row: a snapshot read never overrides a streamed change.
            cdc.beginSnapshot();
            expect(
                    t,
                    Map.of(),
                    cdc.read(USERS, user(1, "u1@gmail.com", null)),
                    cdc.read(USERS, user(2, "u2@gmail.com", null)));
            expect(t, Map.of(), () -> t.advanceWallClock(Duration.ofSeconds(61)));
            assertThat(t.golden()).containsOnlyKeys(g1, g2);

            // A new snapshot reads user 2 with user 1's address: the merge is resolved but held back, not counted.
            cdc.beginSnapshot();
            expect(
                    t,
                    Map.of(),
                    cdc.read(USERS, user(1, "u1@gmail.com", null)),
                    cdc.read(USERS, user(2, "u1@gmail.com", null)));
            assertThat(t.xref().get("support.users:2").getGoldenId()).isEqualTo(g2);

            // No snapshot row for a minute: the partition publishes what it held back, and the merge counts now.
            expect(t, Map.of("merges-total", 1L), () -> t.advanceWallClock(Duration.ofSeconds(61)));
            assertThat(t.xref().get("support.users:2").getGoldenId()).isEqualTo(g1);
            assertThat(t.redirects().get(g2).getGoldenId()).isEqualTo(g1);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 4})
    void aDeletedAnchorHandsItsIdOnOnce(int partitions) {
        try (TopologyHarness t = harness(partitions)) {
            String g3 = GoldenIds.of("support.users:3");
            String g4 = GoldenIds.of("support.users:4");
            expect(
                    t,
                    Map.of(),
                    cdc.insert(USERS, user(3, "u3@gmail.com", "+1 415 555 0103")),
                    cdc.insert(USERS, user(4, "u4@gmail.com", "+1 415 555 0103")));
            assertThat(t.golden()).containsOnlyKeys(g3);

            // The anchor goes: its id is handed to its linked neighbour, whose cluster continues under g4.
            Cdc.Event delete = cdc.delete(USERS, 3);
            expect(t, Map.of("id-handovers-total", 1L), delete);
            assertThat(t.golden()).containsOnlyKeys(g4);
            assertThat(t.redirects().get(g3).getGoldenId()).isEqualTo(g4);
            assertThat(t.redirects().get(g3).getReason()).isEqualTo("deleted; continued by support.users:4");
            expect(t, Map.of(), delete);

            // The heir goes too, with no one to hand on to: the chain ends (a tombstone), nothing is handed on.
            expect(t, Map.of(), cdc.delete(USERS, 4));
            assertThat(t.golden()).isEmpty();
            assertThat(t.redirects()).doesNotContainKey(g3);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 4})
    void aHubIsFoundOnceAndClearedOnceAndABlocklistedValueIsNoHub(int partitions) {
        try (TopologyHarness t = harness(partitions)) {
            // The demo limit for e-mail is 25 records per value: 25 users are one customer.
            for (int i = 1; i <= 25; i++) {
                expect(t, Map.of(), cdc.insert(USERS, user(i, "office@initech.io", null)));
            }
            assertThat(t.golden()).hasSize(1);

            // The 26th makes the value a hub: it stops linking, and the customer it glued splits into the 25 users'
            // own ids, 24 of them announced on the anchor's id (user 26 was never in it).
            Cdc.Event hub = cdc.insert(USERS, user(26, "office@initech.io", null));
            expect(t, Map.of("hubs-found-total", 1L, "splits-total", 24L), hub);
            assertThat(t.golden()).hasSize(26);
            assertThat(t.quality().get("email=office@initech.io").getKind()).isEqualTo(QualityIssueKind.HUB);
            expect(t, Map.of(), hub);

            // A blocklisted value is reported too, but by configuration: it is no hub.
            expect(t, Map.of(), cdc.insert(USERS, user(27, "info@initech.io", null)));
            assertThat(t.quality().get("email=info@initech.io").getKind()).isEqualTo(QualityIssueKind.BLOCKLISTED);

            // Back to the limit: the hub clears, the value links again and the 24 ids merge back into the anchor's.
            Cdc.Event clear = cdc.delete(USERS, 26);
            expect(t, Map.of("hubs-cleared-total", 1L, "merges-total", 24L), clear);
            assertThat(t.quality()).containsOnlyKeys("email=info@initech.io");
            assertThat(t.golden()).hasSize(2);
            expect(t, Map.of(), clear);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 4})
    void danglingLinksFollowTheRecordsTheyPointTo(int partitions) {
        try (TopologyHarness t = harness(partitions)) {
            // billing.customers.crm_contact_id links to crm.contacts: contact 77 does not exist (yet).
            Cdc.Event dangling = cdc.insert(CUSTOMERS, customer(40, 77L, "2024-01-01T00:00:00Z"));
            expect(t, Map.of("dangling-links", 1L), dangling);
            expect(t, Map.of(), dangling);
            assertThat(t.deadLetters()).isEmpty();
            expect(t, Map.of(), cdc.insert(CUSTOMERS, customer(41, null, "2024-01-02T00:00:00Z")));

            // The contact arrives (younger than the customer, so it joins the customer's cluster): the link holds.
            expect(t, Map.of("dangling-links", -1L), cdc.insert(CONTACTS, contact(77, "2025-01-01T00:00:00Z")));
            assertThat(t.deadLetters()).isEmpty();
            assertThat(t.golden())
                    .containsOnlyKeys(GoldenIds.of("billing.customers:40"), GoldenIds.of("billing.customers:41"));

            // The contact is deleted: the link dangles again, and the contact's id is handed to the customer.
            Cdc.Event gone = cdc.delete(CONTACTS, 77);
            expect(t, Map.of("dangling-links", 1L, "id-handovers-total", 1L), gone);
            expect(t, Map.of(), gone);

            // The customer drops the link: nothing dangles.
            expect(t, Map.of("dangling-links", -1L), cdc.update(CUSTOMERS, customer(40, null, "2024-01-01T00:00:00Z")));
            // Two customers point at two missing contacts; deleting one leaves one dangling link.
            expect(
                    t,
                    Map.of("dangling-links", 2L),
                    cdc.update(CUSTOMERS, customer(40, 78L, "2024-01-01T00:00:00Z")),
                    cdc.update(CUSTOMERS, customer(41, 79L, "2024-01-02T00:00:00Z")));
            expect(t, Map.of("dangling-links", -1L), cdc.delete(CUSTOMERS, 41));
        }
    }
}
