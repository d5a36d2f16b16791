package io.aurum.local;

import static io.aurum.local.EndToEndTest.sql;
import static org.assertj.core.api.Assertions.assertThat;

import io.aurum.client.AurumClient;
import io.aurum.client.CustomerListener;
import io.aurum.client.ViewStore;
import io.aurum.config.AurumConfig;
import io.aurum.identity.GoldenIds;
import io.aurum.schemas.GoldenCustomer;
import io.aurum.topology.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client library against the real pipeline and broker, as a downstream service uses it: two clients (one view
 * in memory, one in RocksDB) follow customers through a merge, a split and a delete, answer lookups and searches on
 * normalized values, and tell their listeners.
 */
class ClientLibraryTest {
    final AurumConfig config = AurumConfig.fromClasspath("config/demo.yaml");

    @TempDir
    Path dataDir;

    @TempDir
    Path rocks;

    /** What a listener heard, in order. */
    static final class Heard implements CustomerListener {
        final List<String> events = new CopyOnWriteArrayList<>();

        @Override
        public void onUpsert(GoldenCustomer c) {
            events.add("upsert " + c.getId());
        }

        @Override
        public void onMerge(String from, String into) {
            events.add("merge " + from + " into " + into);
        }

        @Override
        public void onSplit(String goldenId, List<String> into) {
            events.add("split " + goldenId + " into " + into);
        }

        @Override
        public void onDelete(String goldenId) {
            events.add("delete " + goldenId);
        }
    }

    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 90 s: " + what);
            }
            Thread.sleep(100);
        }
    }

    @Test
    void followsMergesSplitsAndDeletesAndAnswersLookups() throws Exception {
        assertThat(AurumClient.TOPICS)
                .as("the client reads the public topics by their contract names")
                .containsExactly(Topics.GOLDEN, Topics.XREF, Topics.REDIRECTS, Topics.CONFLICTS, Topics.QUALITY);
        String al = GoldenIds.of("crm.contacts:1");
        String ray = GoldenIds.of("support.users:2");
        LocalOptions options = new LocalOptions(dataDir, false, false, null, 0, 0, 0, 0, Duration.ofMinutes(3));
        try (LocalPipeline p = new LocalPipeline(config, options).start()) {
            sql(
                    p,
                    "crm",
                    "INSERT INTO contacts(id, first_name, last_name, email, phone, created_at) VALUES "
                            + "(1, 'Al', 'Ray', 'al@gmail.com', '(415) 555-0134', '2020-01-01Z')");
            sql(
                    p,
                    "support",
                    "INSERT INTO users(id, name, email, created_at) VALUES (2, 'Al Ray', 'al.ray@yahoo.com', '2021-01-01Z')");
            p.awaitIdle();

            Heard memory = new Heard();
            Heard disk = new Heard();
            try (AurumClient a = AurumClient.builder(p.broker().bootstrapServers(), p.registryUrl())
                            .listener(memory)
                            .build()
                            .start();
                    AurumClient b = AurumClient.builder(p.broker().bootstrapServers(), p.registryUrl())
                            .store(ViewStore.rocksDb(rocks))
                            .listener(disk)
                            .build()
                            .start()) {
                a.awaitCaughtUp(Duration.ofMinutes(1));
                b.awaitCaughtUp(Duration.ofMinutes(1));
                for (AurumClient c : List.of(a, b)) {
                    assertThat(c.size()).isEqualTo(2);
                    assertThat(c.lookup("support.users", "2")).contains(ray);
                    assertThat(c.findByEmail("  AL@Gmail.com "))
                            .extracting(GoldenCustomer::getId)
                            .containsExactly(al);
                    assertThat(c.findByPhone("415.555.0134"))
                            .extracting(GoldenCustomer::getId)
                            .containsExactly(al);
                    assertThat(c.findByName("al r", 10))
                            .extracting(GoldenCustomer::getId)
                            .containsExactlyInAnyOrder(al, ray);
                }
                assertThat(memory.events)
                        .as("only changes after the initial load are told")
                        .isEmpty();

                // A bridge merges the two: the younger id redirects, get() follows it, listeners hear a merge.
                sql(
                        p,
                        "billing",
                        "INSERT INTO customers(id, name, email, country, crm_contact_id, created_at) VALUES "
                                + "(3, 'Al Ray', 'al.ray@yahoo.com', 'US', 1, '2022-01-01Z')");
                p.awaitIdle();
                for (Heard h : List.of(memory, disk)) {
                    await("merge heard", () -> h.events.contains("merge " + ray + " into " + al));
                }
                for (AurumClient c : List.of(a, b)) {
                    await("merge in view", () -> c.size() == 1);
                    assertThat(c.get(ray).orElseThrow().getId()).isEqualTo(al);
                    assertThat(c.get(ray).orElseThrow().getSources()).hasSize(3);
                    assertThat(c.lookup("support.users", "2")).contains(al);
                    assertThat(c.lookup("billing.customers", "3")).contains(al);
                    assertThat(c.findByEmail("al.ray@YAHOO.com"))
                            .extracting(GoldenCustomer::getId)
                            .containsExactly(al);
                }

                // The bridge leaves: the customer splits and the old id is back; listeners hear a split.
                sql(p, "billing", "DELETE FROM customers WHERE id = 3");
                p.awaitIdle();
                for (Heard h : List.of(memory, disk)) {
                    await("split heard", () -> h.events.contains("split " + al + " into [" + ray + "]"));
                    await("the split-off customer is back", () -> h.events.contains("upsert " + ray));
                }
                for (AurumClient c : List.of(a, b)) {
                    await("split in view", () -> c.size() == 2);
                    assertThat(c.get(ray).orElseThrow().getId()).isEqualTo(ray);
                    assertThat(c.lookup("billing.customers", "3")).isEmpty();
                }

                // Every record of a customer is deleted: it is gone, with no successor.
                sql(p, "support", "DELETE FROM users WHERE id = 2");
                p.awaitIdle();
                for (Heard h : List.of(memory, disk)) {
                    await("delete heard", () -> h.events.contains("delete " + ray));
                }
                for (AurumClient c : List.of(a, b)) {
                    await("delete in view", () -> c.get(ray).isEmpty());
                    assertThat(c.lookup("support.users", "2")).isEmpty();
                    assertThat(c.findByName("al", 10))
                            .extracting(GoldenCustomer::getId)
                            .containsExactly(al);
                }
                assertThat(disk.events)
                        .as("both stores tell the same story")
                        .containsExactlyInAnyOrderElementsOf(memory.events);
                assertThat(a.errors()).isZero();
                assertThat(b.errors()).isZero();
            }
        }
    }
}
