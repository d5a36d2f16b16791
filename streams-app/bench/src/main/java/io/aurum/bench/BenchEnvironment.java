package io.aurum.bench;

import static io.aurum.infra.Closeables.closeQuietly;

import io.aurum.app.GoldenReader;
import io.aurum.app.RegistrySerdes;
import io.aurum.bench.DataGenerator.TableDef;
import io.aurum.capture.CaptureService;
import io.aurum.capture.CaptureSettings;
import io.aurum.capture.CaptureSource;
import io.aurum.config.AurumConfig;
import io.aurum.embedded.EmbeddedKafkaBroker;
import io.aurum.embedded.EmbeddedPostgresServer;
import io.aurum.registry.KafkaSchemaStore;
import io.aurum.registry.LocalSchemaRegistry;
import io.aurum.runtime.AurumRuntime;
import io.aurum.schemas.GoldenCustomer;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.kafka.common.serialization.Serde;
import org.postgresql.copy.CopyManager;
import org.postgresql.core.BaseConnection;

/**
 * The pieces of {@code aurum local}, started one by one so that a benchmark can load Postgres before capture
 * starts (an initial load is a Debezium snapshot, not a stream of inserts), run capture with Streams off, and
 * swap in a fresh Kafka between phases while keeping the loaded databases.
 */
final class BenchEnvironment implements AutoCloseable {
    static final List<String> DATABASES = List.of("crm", "billing", "support");

    final AurumConfig config;
    final Path workDir;
    EmbeddedPostgresServer postgres;
    private EmbeddedKafkaBroker broker;
    private KafkaSchemaStore schemaStore;
    private LocalSchemaRegistry registry;
    private int kafkaGeneration;

    BenchEnvironment(AurumConfig config, Path workDir) {
        this.config = config;
        this.workDir = workDir;
    }

    BenchEnvironment startPostgres() throws IOException {
        postgres = new EmbeddedPostgresServer(workDir.resolve("postgres"), 0).start();
        for (String db : DATABASES) {
            postgres.createDatabaseIfMissing(db);
            postgres.executeSql(db, resource("demo/schema/" + db + ".sql"));
        }
        return this;
    }

    /** COPY is the fastest way into Postgres; a 1M-row load takes seconds instead of minutes of INSERTs. */
    long load(Path dir) throws IOException, SQLException {
        long rows = 0;
        for (TableDef t : DataGenerator.TABLES) {
            Path csv = dir.resolve(t.source() + ".csv");
            try (Connection c = postgres.connect(t.database());
                    Reader in = Files.newBufferedReader(csv, StandardCharsets.UTF_8)) {
                CopyManager copy = new CopyManager(c.unwrap(BaseConnection.class));
                rows += copy.copyIn("COPY " + t.table() + " (" + t.columns() + ") FROM STDIN WITH (FORMAT csv)", in);
            }
        }
        for (String db : DATABASES) {
            postgres.executeSql(db, "ANALYZE");
        }
        return rows;
    }

    /** Empties the source tables and drops the replication slots, so the next capture starts from nothing. */
    void resetSources() {
        for (String db : DATABASES) {
            String tables = DataGenerator.TABLES.stream()
                    .filter(t -> t.database().equals(db))
                    .map(TableDef::table)
                    .reduce((a, b) -> a + ", " + b)
                    .orElseThrow();
            postgres.executeSql(db, "TRUNCATE " + tables + " CASCADE");
        }
        dropSlots();
    }

    void dropSlots() {
        try (Connection c = postgres.connect("postgres");
                Statement s = c.createStatement()) {
            s.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE NOT active");
        } catch (SQLException e) {
            throw new IllegalStateException("could not drop replication slots", e);
        }
    }

    /** A new, empty broker and registry; the previous ones (and all their topics) are gone. */
    void freshKafka() throws IOException {
        closeKafka();
        Path dir = workDir.resolve("kafka-" + (++kafkaGeneration));
        broker = EmbeddedKafkaBroker.builder(dir.resolve("log"))
                .brokerPort(0)
                .build()
                .start();
        schemaStore = new KafkaSchemaStore(broker.bootstrapServers());
        schemaStore.start();
        registry = new LocalSchemaRegistry(0, schemaStore).start();
    }

    String bootstrap() {
        return broker.bootstrapServers();
    }

    String registryUrl() {
        return registry.url();
    }

    Path phaseDir(String name) {
        return workDir.resolve("kafka-" + kafkaGeneration).resolve(name);
    }

    List<CaptureSource> sources() {
        List<CaptureSource> s = new ArrayList<>();
        for (String db : DATABASES) {
            s.add(CaptureSource.of(db, postgres.host(), postgres.port(), db, postgres.user(), postgres.password()));
        }
        return s;
    }

    /** Capture alone, configured exactly as {@link AurumRuntime} configures it. */
    CaptureService capture() {
        CaptureSettings settings = CaptureSettings.builder(phaseDir("capture-only"))
                .pollInterval(Duration.ofMillis(config.capture().pollIntervalMs()))
                .topicPartitions(config.capture().topicPartitions())
                .replicationFactor(config.streams().replicationFactor())
                .heartbeat(
                        Duration.ofMillis(config.capture().heartbeatIntervalMs()),
                        config.capture()
                                .heartbeatActionQuery()
                                .orElse(io.aurum.capture.CaptureSettings.DEFAULT_HEARTBEAT_QUERY))
                .debeziumProperties(config.capture().debeziumProperties())
                .build();
        return new CaptureService(bootstrap(), AurumRuntime.withPipelineTopics(config, sources()), settings);
    }

    /** A runtime on this environment; {@code streamThreads} > 0 overrides the config's {@code num.stream.threads}. */
    AurumRuntime runtime(boolean withCapture, int streamThreads) {
        AurumConfig cfg = config;
        if (streamThreads > 0) {
            Map<String, String> props =
                    new java.util.LinkedHashMap<>(config.streams().properties());
            props.put("num.stream.threads", String.valueOf(streamThreads));
            cfg = config.withStreams(config.streams().withProperties(props));
        }
        return new AurumRuntime(
                cfg,
                bootstrap(),
                registryUrl(),
                withCapture ? sources() : List.of(),
                phaseDir(withCapture ? "pipeline" : "streams-only"),
                0);
    }

    Serde<GoldenCustomer> goldenSerde() {
        return RegistrySerdes.of(config, registryUrl()).golden();
    }

    /** Record id ({@code source:key}) → golden id, from the current state of customers.golden. */
    /**
     * Record id → golden id, as the compacted golden topic says now. Read as a stream that keeps only each golden
     * record's source references: holding 140k whole golden records (lineage and all) does not fit the bench's 1 GiB.
     */
    Map<String, String> goldenClusters() {
        Map<String, List<String>> members = new HashMap<>();
        try (GoldenReader reader = new GoldenReader(
                bootstrap(), config.kafka().properties(), goldenSerde().deserializer())) {
            reader.replay((id, golden) -> {
                if (golden == null) {
                    members.remove(id);
                } else {
                    members.put(
                            id,
                            golden.getSources().stream()
                                    .map(ref -> ref.getSource() + ":" + ref.getKey())
                                    .toList());
                }
            });
        }
        Map<String, String> clusters = new HashMap<>();
        members.forEach((id, records) -> records.forEach(r -> clusters.put(r, id)));
        return clusters;
    }

    /**
     * How much customers.golden churned: states written, ids ever published, ids live at the end, and ids that were
     * published and later vanished (a record shown before its cluster settled, or a cluster merged away). A lower
     * bound if log compaction already ran.
     */
    record Churn(long writes, int idsSeen, int finalIds, int transientIds) {}

    Churn goldenChurn() {
        java.util.Set<String> seen = new java.util.HashSet<>();
        java.util.Set<String> live = new java.util.HashSet<>();
        long[] writes = {0};
        try (GoldenReader reader = new GoldenReader(
                bootstrap(), config.kafka().properties(), goldenSerde().deserializer())) {
            reader.replay((id, golden) -> {
                writes[0]++;
                seen.add(id);
                if (golden == null) {
                    live.remove(id);
                } else {
                    live.add(id);
                }
            });
        }
        return new Churn(writes[0], seen.size(), live.size(), (int)
                seen.stream().filter(id -> !live.contains(id)).count());
    }

    private void closeKafka() {
        closeQuietly(registry);
        closeQuietly(schemaStore);
        closeQuietly(broker);
        registry = null;
        schemaStore = null;
        broker = null;
    }

    @Override
    public void close() {
        closeKafka();
        closeQuietly(postgres);
        try (Stream<Path> walk = Files.walk(workDir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            System.err.println("could not remove " + workDir + ": " + e.getMessage());
        }
    }

    private static String resource(String name) throws IOException {
        try (InputStream in = BenchEnvironment.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                throw new IOException("missing resource " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
