package io.aurum.capture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.aurum.embedded.EmbeddedKafkaBroker;
import io.aurum.embedded.EmbeddedPostgresServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

class CaptureServiceTest {

    private static final Logger LOG = LoggerFactory.getLogger(CaptureServiceTest.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    static Path dir;

    static EmbeddedPostgresServer pg;
    static EmbeddedKafkaBroker broker;

    @BeforeAll
    static void startInfrastructure() {
        pg = new EmbeddedPostgresServer(dir.resolve("pg")).start();
        broker = EmbeddedKafkaBroker.builder(dir.resolve("kafka")).build().start();
    }

    @AfterAll
    static void stopInfrastructure() {
        if (broker != null) {
            broker.close();
        }
        if (pg != null) {
            pg.close();
        }
    }

    /** A database of the embedded server, captured under its own name. */
    static CaptureSource source(EmbeddedPostgresServer server, String database) {
        return CaptureSource.of(database, server.host(), server.port(), database, server.user(), server.password());
    }

    @Test
    void snapshotThenStreamingThenResumeWithoutSnapshot() throws Exception {
        pg.createDatabaseIfMissing("crm");
        pg.executeSql("crm", """
                CREATE TABLE contacts (id int PRIMARY KEY, name text NOT NULL, email text);
                CREATE TABLE ignored (id int PRIMARY KEY);
                INSERT INTO contacts VALUES (1, 'Ada', 'ada@example.com'), (2, 'Grace', NULL), (3, 'Linus', 'l@x.org');
                INSERT INTO ignored VALUES (1);
                """);
        CaptureSource source = source(pg, "crm").withTables(List.of("public.contacts"));
        CaptureSettings settings = CaptureSettings.defaults(dir.resolve("offsets"));
        String topic = "crm.public.contacts";
        Map<TopicPartition, Long> position;

        try (CaptureService capture =
                new CaptureService(broker.bootstrapServers(), List.of(source), settings).start()) {
            capture.awaitSnapshotComplete(WAIT);
            assertThat(capture.stats("crm").snapshotCompleted()).isTrue();
            assertThat(capture.stats("crm").snapshotEvents()).isEqualTo(3);

            List<ConsumerRecord<byte[], byte[]>> snapshot = new ArrayList<>();
            position = readToEnd(topic, Map.of(), snapshot);
            assertThat(snapshot).hasSize(3);
            JsonNode first = JSON.readTree(snapshot.get(0).value());
            assertThat(first.has("schema")).isTrue();
            assertThat(first.at("/schema/name").asText()).isEqualTo("crm.public.contacts.Envelope");
            JsonNode payload = first.get("payload");
            assertThat(payload.fieldNames()).toIterable().contains("before", "after", "source", "op", "ts_ms");
            assertThat(snapshot).allSatisfy(r -> assertThat(op(r)).isEqualTo("r"));
            assertThat(payload.at("/after/name").asText()).isEqualTo("Ada");
            assertThat(payload.at("/source/snapshot").asText()).isIn("first", "true");
            JsonNode key = JSON.readTree(snapshot.get(0).key());
            assertThat(key.at("/payload/id").asInt()).isEqualTo(1);
            assertThat(key.at("/schema/name").asText()).isEqualTo("crm.public.contacts.Key");

            pg.executeSql("crm", """
                    INSERT INTO contacts VALUES (4, 'Barbara', 'b@example.com');
                    UPDATE contacts SET email = 'ada@lovelace.org' WHERE id = 1;
                    DELETE FROM contacts WHERE id = 2;
                    INSERT INTO ignored VALUES (2);
                    """);
            capture.awaitCaughtUp("crm", WAIT);

            List<ConsumerRecord<byte[], byte[]>> changes = new ArrayList<>();
            position = readToEnd(topic, position, changes);
            assertThat(changes).extracting(CaptureServiceTest::op).containsExactly("c", "u", "d", null);
            assertThat(JSON.readTree(changes.get(1).value())
                            .at("/payload/after/email")
                            .asText())
                    .isEqualTo("ada@lovelace.org");
            // Default REPLICA IDENTITY: a delete carries the key columns only.
            assertThat(JSON.readTree(changes.get(2).value())
                            .at("/payload/before/id")
                            .asInt())
                    .isEqualTo(2);
            assertThat(JSON.readTree(changes.get(3).key()).at("/payload/id").asInt())
                    .isEqualTo(2);
            assertThat(changes.get(3).value()).isNull();
            assertThat(capture.stats("crm").streamingEvents()).isEqualTo(4);
            assertThat(capture.failure()).isEmpty();

            // Watermarks are bookkeeping, not data; other tables are filtered out.
            try (Admin admin = admin()) {
                assertThat(admin.listTopics().names().get())
                        .contains(topic)
                        .doesNotContain("crm.message", "crm.public.ignored");
            }
        }

        pg.executeSql("crm", "INSERT INTO contacts VALUES (5, 'Edsger', NULL)");
        try (CaptureService capture =
                new CaptureService(broker.bootstrapServers(), List.of(source), settings).start()) {
            capture.awaitSnapshotComplete(WAIT);
            pg.executeSql("crm", "UPDATE contacts SET name = 'Ada L.' WHERE id = 1");
            capture.awaitCaughtUp("crm", WAIT);
            assertThat(capture.stats("crm").snapshotEvents()).isZero();

            List<ConsumerRecord<byte[], byte[]>> afterRestart = new ArrayList<>();
            readToEnd(topic, position, afterRestart);
            // At-least-once may redeliver the tail of the first run, but nothing is snapshotted again.
            assertThat(afterRestart)
                    .extracting(CaptureServiceTest::op)
                    .doesNotContain("r")
                    .contains("c", "u");
            assertThat(afterRestart)
                    .extracting(r ->
                            JSON.readTree(r.value()).at("/payload/after/id").asInt())
                    .contains(5, 1);
        }
    }

    @Test
    void partitionsByKeyLikeKafkaConnect() throws Exception {
        pg.createDatabaseIfMissing("parts");
        pg.executeSql(
                "parts",
                "CREATE TABLE accounts (id int PRIMARY KEY, name text);"
                        + "INSERT INTO accounts SELECT g, 'a' || g FROM generate_series(1, 30) g;");
        CaptureSettings settings = CaptureSettings.builder(dir.resolve("offsets-parts"))
                .topicPartitions(3)
                .build();
        try (CaptureService capture =
                new CaptureService(broker.bootstrapServers(), List.of(source(pg, "parts")), settings).start()) {
            capture.awaitSnapshotComplete(WAIT);
            List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
            readToEnd("parts.public.accounts", Map.of(), records);
            assertThat(records).hasSize(30);
            assertThat(records.stream().map(ConsumerRecord::partition).distinct())
                    .hasSize(3);
            // The producer's default partitioner over the serialized key, as a Connect worker would partition.
            assertThat(records)
                    .allSatisfy(r -> assertThat(r.partition()).isEqualTo(Utils.toPositive(Utils.murmur2(r.key())) % 3));
            // Debezium's context headers are carried over like Connect's header converter would.
            assertThat(records.get(0).headers().lastHeader("__debezium.context.connectorLogicalName"))
                    .isNotNull();
        }
    }

    @Test
    void engineFailureIsSurfaced() throws Exception {
        CaptureSource missing =
                CaptureSource.of("nowhere", pg.host(), pg.port(), "no_such_db", pg.user(), pg.password());
        try (CaptureService capture = new CaptureService(
                        broker.bootstrapServers(),
                        List.of(missing),
                        CaptureSettings.defaults(dir.resolve("offsets-fail")))
                .start()) {
            assertThatThrownBy(() -> capture.awaitSnapshotComplete(WAIT)).isInstanceOf(CaptureException.class);
            assertThat(capture.failure()).isPresent();
            assertThat(capture.stats("nowhere").failure()).isPresent();
        }
    }

    @Test
    void throughput() throws Exception {
        int rows = Integer.parseInt(System.getenv().getOrDefault("AURUM_TEST_ROWS", "10000"));
        pg.createDatabaseIfMissing("perf");
        pg.executeSql(
                "perf",
                "CREATE TABLE items (id int PRIMARY KEY, name text, qty int);"
                        + "INSERT INTO items SELECT g, 'item ' || g, g % 100 FROM generate_series(1, " + rows + ") g;");
        CaptureSource source = source(pg, "perf");
        try (CaptureService capture = new CaptureService(
                        broker.bootstrapServers(),
                        List.of(source),
                        CaptureSettings.defaults(dir.resolve("offsets-perf")))
                .start()) {
            long start = System.nanoTime();
            capture.awaitSnapshotComplete(WAIT);
            double snapshotSeconds = (System.nanoTime() - start) / 1e9;
            assertThat(capture.stats("perf").snapshotEvents()).isEqualTo(rows);

            start = System.nanoTime();
            pg.executeSql(
                    "perf",
                    "INSERT INTO items SELECT g, 'item ' || g, 1 FROM generate_series(" + (rows + 1) + ", " + (2 * rows)
                            + ") g;");
            capture.awaitCaughtUp("perf", WAIT);
            double streamingSeconds = (System.nanoTime() - start) / 1e9;
            assertThat(capture.stats("perf").streamingEvents()).isEqualTo(rows);

            start = System.nanoTime();
            pg.executeSql("perf", "UPDATE items SET qty = 0 WHERE id = 1");
            capture.awaitCaughtUp("perf", WAIT);
            LOG.info("One change caught up in {} ms", Math.round((System.nanoTime() - start) / 1e6));
            LOG.info(
                    "Throughput: snapshot {} rows in {} s = {} events/s (engine-measured {} events/s); "
                            + "streaming {} rows in {} s = {} events/s",
                    rows,
                    round(snapshotSeconds),
                    Math.round(rows / snapshotSeconds),
                    Math.round(capture.stats("perf").snapshotEventsPerSecond()),
                    rows,
                    round(streamingSeconds),
                    Math.round(rows / streamingSeconds));
        }
    }

    @Test
    void kafkaRejectionStopsTheEngineAndIsSurfaced() throws Exception {
        pg.createDatabaseIfMissing("rejected");
        pg.executeSql("rejected", "CREATE TABLE t (id int PRIMARY KEY, v text); INSERT INTO t VALUES (1, 'x');");
        // Every record is larger than the producer may send: Kafka never acknowledges anything.
        try (CaptureService capture = new CaptureService(
                        broker.bootstrapServers(),
                        List.of(source(pg, "rejected")),
                        CaptureSettings.defaults(dir.resolve("offsets-rej")),
                        Map.of("max.request.size", 200))
                .start()) {
            assertThatThrownBy(() -> capture.awaitSnapshotComplete(WAIT)).isInstanceOf(CaptureException.class);
            assertThat(capture.failure()).get().asString().contains("rejected");
            assertThat(capture.stats("rejected").snapshotEvents()).isZero();
        }
    }

    /**
     * WAL is one stream for the whole server: while one database is busy, the slot of a quiet one would hold all of
     * it forever, for it never sees a change of its own to confirm. Heartbeats with their action query give the
     * quiet database something to decode, and its slot's confirmed position follows the server's WAL.
     */
    @Test
    void aQuietDatabasesSlotAdvancesWhileAnotherDatabaseIsBusy() throws Exception {
        pg.createDatabaseIfMissing("quiet");
        pg.createDatabaseIfMissing("busy");
        pg.executeSql("quiet", "CREATE TABLE IF NOT EXISTS notes (id int PRIMARY KEY, body text)");
        pg.executeSql("busy", "CREATE TABLE IF NOT EXISTS events (id serial PRIMARY KEY, body text)");
        CaptureSettings settings = CaptureSettings.builder(dir.resolve("offsets-heartbeat"))
                .heartbeat(Duration.ofMillis(500), CaptureSettings.DEFAULT_HEARTBEAT_QUERY)
                .offsetFlushInterval(Duration.ofMillis(500))
                .build();
        try (CaptureService capture = new CaptureService(
                        broker.bootstrapServers(), List.of(source(pg, "quiet"), source(pg, "busy")), settings)
                .start()) {
            capture.awaitSnapshotComplete(WAIT);
            capture.awaitCaughtUp("quiet", WAIT);
            long start = confirmedLsn("aurum_quiet");
            long busyWal = 0;
            long quietLsn = start;
            long deadline = System.nanoTime() + WAIT.toNanos();
            // The busy database writes WAL; the quiet one is left alone, and must confirm past where the busy one
            // had written to when we looked.
            while (System.nanoTime() < deadline) {
                pg.executeSql("busy", "INSERT INTO events(body) SELECT repeat('x', 200) FROM generate_series(1, 200)");
                if (busyWal == 0) {
                    busyWal = currentWalLsn();
                }
                quietLsn = confirmedLsn("aurum_quiet");
                if (quietLsn >= busyWal) {
                    break;
                }
                Thread.sleep(200);
            }
            LOG.info(
                    "quiet slot confirmed {} -> {}; the busy database had written up to {}",
                    Long.toHexString(start),
                    Long.toHexString(quietLsn),
                    Long.toHexString(busyWal));
            assertThat(quietLsn)
                    .as("the quiet database's slot confirms past the WAL the busy one wrote")
                    .isGreaterThanOrEqualTo(busyWal)
                    .isGreaterThan(start);
            assertThat(capture.stats("quiet").streamingEvents())
                    .as("heartbeats are not change events")
                    .isZero();
        }
    }

    private static long confirmedLsn(String slot) throws Exception {
        return lsn("SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = '" + slot + "'");
    }

    private static long currentWalLsn() throws Exception {
        return lsn("SELECT pg_current_wal_lsn()");
    }

    private static long lsn(String sql) throws Exception {
        try (var c = pg.connect("postgres");
                var st = c.createStatement();
                var rs = st.executeQuery(sql)) {
            if (!rs.next() || rs.getString(1) == null) {
                return 0;
            }
            String[] parts = rs.getString(1).split("/");
            return (Long.parseLong(parts[0], 16) << 32) + Long.parseLong(parts[1], 16);
        }
    }

    /**
     * Postgres goes away twice while capture streams, briefly and for a few seconds. Debezium's own retries are
     * turned off here ({@code errors.max.retries=0}), so each loss ends the engine, as it does with them on when
     * Debezium's task restart meets a database going down again (seen in a fault soak: "Unable to get last
     * available log position"). Capture starts the engine again until the database is back, and every row
     * committed before, between and after arrives.
     */
    @Test
    void reconnectsWhenItsDatabaseRestarts() throws Exception {
        int port;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        EmbeddedPostgresServer own = new EmbeddedPostgresServer(dir.resolve("pg-restarting"), port).start();
        try {
            own.createDatabaseIfMissing("shop");
            own.executeSql("shop", """
                    CREATE TABLE orders (id int PRIMARY KEY, item text NOT NULL);
                    INSERT INTO orders VALUES (1, 'tea');
                    """);
            CaptureSource source = source(own, "shop").withTables(List.of("public.orders"));
            try (CaptureService capture = new CaptureService(
                            broker.bootstrapServers(),
                            List.of(source),
                            CaptureSettings.builder(dir.resolve("offsets-restarting"))
                                    .heartbeat(Duration.ofSeconds(1), CaptureSettings.DEFAULT_HEARTBEAT_QUERY)
                                    .debeziumProperty("errors.max.retries", "0")
                                    .build())
                    .start()) {
                capture.awaitSnapshotComplete(WAIT);
                int next = 2;
                for (long downMillis : new long[] {500, 4_000}) {
                    own.executeSql("shop", "INSERT INTO orders VALUES (" + next++ + ", 'before')");
                    own.close();
                    Thread.sleep(downMillis);
                    own = new EmbeddedPostgresServer(dir.resolve("pg-restarting"), port).start();
                    own.executeSql("shop", "INSERT INTO orders VALUES (" + next++ + ", 'after')");
                    awaitCaughtUpThroughReconnects(capture, "shop");
                }
                assertThat(capture.failure()).isEmpty();
                assertThat(capture.stats("shop").reconnects())
                        .as("each restart ended the engine and capture started it again")
                        .isGreaterThanOrEqualTo(2);
                assertThat(capture.stats("shop").reconnectingSince()).isEmpty();

                List<ConsumerRecord<byte[], byte[]>> all = new ArrayList<>();
                readToEnd("shop.public.orders", Map.of(), all);
                java.util.Set<Integer> ids = new java.util.TreeSet<>();
                for (ConsumerRecord<byte[], byte[]> r : all) {
                    if (r.value() != null) {
                        ids.add(JSON.readTree(r.value()).at("/payload/after/id").asInt());
                    }
                }
                assertThat(ids).containsExactly(1, 2, 3, 4, 5);
            }
        } finally {
            own.close();
        }
    }

    /** A watermark needs the database: while the engine reconnects it may fail; the data must still arrive. */
    private static void awaitCaughtUpThroughReconnects(CaptureService capture, String database) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (true) {
            try {
                capture.awaitCaughtUp(database, Duration.ofSeconds(30));
                return;
            } catch (CaptureException | TimeoutException e) {
                if (System.nanoTime() > deadline || capture.failure().isPresent()) {
                    throw e;
                }
                Thread.sleep(500);
            }
        }
    }

    @Test
    void aLostConnectionIsTemporaryAndASetupMistakeIsNot() {
        // The chain that ended capture in a fault soak: Debezium's task restart met Postgres going down again.
        Exception lost = new io.debezium.DebeziumException(
                "Unable to get last available log position",
                new org.postgresql.util.PSQLException(
                        "An I/O error occurred while sending to the backend.",
                        org.postgresql.util.PSQLState.CONNECTION_FAILURE,
                        new java.net.SocketException("Broken pipe")));
        assertThat(CaptureService.connectionLost(lost)).isTrue();
        assertThat(CaptureService.connectionLost(
                        new java.sql.SQLException("FATAL: the database system is starting up", "57P03")))
                .isTrue();
        assertThat(CaptureService.connectionLost(
                        new java.sql.SQLException("FATAL: password authentication failed for user \"aurum\"", "28P01")))
                .isFalse();
        assertThat(CaptureService.connectionLost(new io.debezium.DebeziumException(
                        "Postgres server wal_level property must be 'logical' but is: 'replica'")))
                .isFalse();
        assertThat(CaptureService.connectionLost(null)).isFalse();
    }

    @Test
    void awaitCaughtUpRejectsUnknownDatabase() {
        CaptureSource source = source(pg, "postgres");
        CaptureService capture = new CaptureService(
                broker.bootstrapServers(), List.of(source), CaptureSettings.defaults(dir.resolve("offsets-unknown")));
        assertThatThrownBy(() -> capture.awaitCaughtUp("other", Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(source.slotName()).isEqualTo("aurum_postgres");
        assertThat(CaptureSource.of("crm", "h", 5432, "crm", "u", "s3cret").toString())
                .doesNotContain("s3cret");
    }

    private static String round(double seconds) {
        return String.format(java.util.Locale.ROOT, "%.2f", seconds);
    }

    private static String op(ConsumerRecord<byte[], byte[]> record) {
        if (record.value() == null) {
            return null;
        }
        try {
            return JSON.readTree(record.value()).at("/payload/op").asText();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()));
    }

    /** Reads every partition of the topic from the given offsets (else the beginning) to its current end. */
    private static Map<TopicPartition, Long> readToEnd(
            String topic, Map<TopicPartition, Long> from, List<ConsumerRecord<byte[], byte[]>> out)
            throws TimeoutException {
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(
                Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()),
                new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            consumer.partitionsFor(topic).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
            consumer.assign(partitions);
            for (TopicPartition tp : partitions) {
                consumer.seek(tp, from.getOrDefault(tp, 0L));
            }
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long deadline = System.currentTimeMillis() + 30_000;
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                if (System.currentTimeMillis() > deadline) {
                    throw new TimeoutException("could not read " + topic + " to " + end);
                }
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
            }
            Map<TopicPartition, Long> positions = new HashMap<>();
            partitions.forEach(tp -> positions.put(tp, consumer.position(tp)));
            return positions;
        }
    }

    @SuppressWarnings("unused")
    private static String text(byte[] bytes) {
        return bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
    }
}
