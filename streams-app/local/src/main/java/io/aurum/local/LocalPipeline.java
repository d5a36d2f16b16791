package io.aurum.local;

import static io.aurum.infra.Closeables.closeQuietly;

import io.aurum.app.GoldenJson;
import io.aurum.app.GoldenReader;
import io.aurum.app.HangingTransactions;
import io.aurum.app.RegistrySerdes;
import io.aurum.capture.CaptureSource;
import io.aurum.capture.CaptureStats;
import io.aurum.config.AurumConfig;
import io.aurum.config.PipelineConfig.SourceDef;
import io.aurum.embedded.EmbeddedKafkaBroker;
import io.aurum.embedded.EmbeddedPostgresServer;
import io.aurum.errors.DeadLetters;
import io.aurum.registry.KafkaSchemaStore;
import io.aurum.registry.LocalSchemaRegistry;
import io.aurum.runtime.AurumRuntime;
import io.aurum.schemas.GoldenCustomer;
import io.aurum.topology.Topics;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Serde;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code aurum local}: the whole pipeline in one JVM. Embedded Postgres (logical decoding on) with the source
 * databases, an in-process KRaft broker, a schema registry backed by the broker, Debezium capture, the Streams
 * job and the HTTP API. Everything except a seed run keeps its data in the data directory, so a restart resumes
 * where the last run stopped.
 */
public final class LocalPipeline implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LocalPipeline.class);
    private static final Pattern SEED_NAME = Pattern.compile("^[^-]*-([A-Za-z0-9_]+)[-.].*$");
    private static final Pattern CREATE_TABLE = Pattern.compile("(?i)\\bcreate\\s+table\\s+(?!if\\s+not\\s+exists\\b)");

    private final AurumConfig config;
    private final LocalOptions options;
    private final Path dataDir;
    private final boolean temporary;
    private EmbeddedPostgresServer postgres;
    private EmbeddedKafkaBroker broker;
    private KafkaSchemaStore schemaStore;
    private LocalSchemaRegistry registry;
    private AurumRuntime runtime;
    /** The JVM's dead-letter count when this pipeline started: the progress line counts this pipeline's own. */
    private final long deadLettersBefore = DeadLetters.count();

    private final Thread shutdownHook = new Thread(this::close, "aurum-local-shutdown");

    public LocalPipeline(AurumConfig config, LocalOptions options) throws IOException {
        // One instance per data directory: it may always rejoin the consumer group as the same static member.
        this.config = config.streams().instanceId().isPresent()
                ? config
                : config.withStreams(
                        config.streams().withInstanceId(config.streams().applicationId() + "-local"));
        this.options = options;
        // A seed run is a self-contained experiment: it never sees, nor leaves, anyone else's data.
        this.temporary = options.seedDir() != null;
        this.dataDir = temporary
                ? Files.createTempDirectory("aurum-seed-")
                : options.dataDir().toAbsolutePath();
    }

    /** The source databases: every database a configured source reads from, in config order. */
    List<String> databases() {
        Set<String> dbs = new LinkedHashSet<>();
        for (SourceDef s : config.pipeline().sources().values()) {
            dbs.add(s.database());
        }
        return new ArrayList<>(dbs);
    }

    public LocalPipeline start() throws IOException {
        long t0 = System.nanoTime();
        if (options.fresh() && !temporary && Files.exists(dataDir)) {
            LOG.info("--fresh: removing {}", dataDir);
            deleteRecursively(dataDir, options.logFile());
        }
        Files.createDirectories(dataDir);

        // Postgres stops in this pipeline's own order (capture first) rather than in a shutdown hook of its own,
        // which would pull the database from under a capture that is still streaming.
        postgres = new EmbeddedPostgresServer(dataDir.resolve("postgres"), options.postgresPort())
                .withoutShutdownHook()
                .start();
        Runtime.getRuntime().addShutdownHook(shutdownHook);
        List<CaptureSource> sources = new ArrayList<>();
        // The demo tables belong to the demo config alone: a user's own crm.contacts is the user's, whatever the
        // database is called. With any other config the databases start empty and the seed files create the tables.
        boolean demo = config.isDemo();
        for (String db : databases()) {
            boolean created = postgres.createDatabaseIfMissing(db);
            String schema = demo ? resource("demo/schema/" + db + ".sql") : null;
            if (schema != null) {
                postgres.executeSql(db, schema);
            }
            if (demo && created && options.demoData() && !temporary) {
                String data = demoData(db);
                if (data != null) {
                    postgres.executeSql(db, data);
                    LOG.info("Seeded database {} with the demo data", db);
                }
            }
            sources.add(
                    CaptureSource.of(db, postgres.host(), postgres.port(), db, postgres.user(), postgres.password()));
        }

        broker = EmbeddedKafkaBroker.builder(dataDir.resolve("kafka"))
                .brokerPort(options.kafkaPort())
                .build()
                .start();
        finishOpenTransactions();
        schemaStore = new KafkaSchemaStore(broker.bootstrapServers());
        schemaStore.start();
        registry = new LocalSchemaRegistry(options.registryPort(), schemaStore).start();

        runtime = new AurumRuntime(
                        config,
                        broker.bootstrapServers(),
                        registry.url(),
                        config.capture().enabled() ? sources : List.of(),
                        dataDir,
                        options.httpPort())
                .start();

        List<String> topics = runtime.streams().topics().overview();
        System.out.printf(
                """

                Aurum local is up in %.1f s (data: %s%s)
                  Postgres        %s  (user postgres; databases %s)
                  Kafka           %s
                  Schema registry %s
                  HTTP API        http://localhost:%d/health  /golden/{id}  /xref/{source}/{key}  /metrics
                  Topics          %s;
                                  %s
                %s
                """,
                (System.nanoTime() - t0) / 1e9,
                dataDir,
                temporary ? ", temporary" : "",
                postgres.jdbcUrl("<db>"),
                String.join(", ", databases()),
                broker.bootstrapServers(),
                registry.url(),
                runtime.httpPort(),
                topics.get(0),
                String.join("; ", topics.subList(1, topics.size())),
                options.logFile() == null ? "" : "  Log             " + options.logFile() + "\n");
        return this;
    }

    /**
     * The broker died with the process that wrote to it. After a SIGKILL the restarted coordinator can end a
     * transaction (commit or abort) without its marker reaching every partition (see {@link LocalTransactionLog});
     * nothing would ever end it there, and the job could not read past it. Nothing of ours writes yet: write the
     * marker the coordinator left undone, as its own log says. (One the log does not explain is only reported.)
     */
    private void finishOpenTransactions() {
        try (Admin admin =
                Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
            HangingTransactions hanging = new HangingTransactions(admin, Duration.ofSeconds(60));
            for (HangingTransactions.Open o : hanging.find(LocalTransactionLog.read(broker.logDir()))) {
                try {
                    switch (o.verdict()) {
                        case ABORTED -> hanging.abort(o);
                        case COMMITTED -> TransactionMarkers.commit("localhost", broker.port(), o);
                        default -> {
                            LOG.warn("An open transaction its coordinator is not ending: {}. Not touched.", o);
                            continue;
                        }
                    }
                    LOG.warn(
                            "Wrote the {} marker its coordinator left undone: {}",
                            o.verdict() == HangingTransactions.Verdict.ABORTED ? "abort" : "commit",
                            o);
                } catch (Exception e) {
                    LOG.warn("Could not finish the open transaction {}: {}", o, e.toString());
                }
            }
        } catch (Exception e) {
            // The check is a courtesy: failing to run it must not keep the pipeline from starting.
            LOG.warn("Could not check the local broker for open transactions: {}", e.toString());
        }
    }

    /** Applies each seed file in name order and waits for the pipeline to go idle after each. */
    public void seed(Path dir) throws IOException, InterruptedException, TimeoutException {
        List<Path> files;
        try (Stream<Path> list = Files.list(dir)) {
            files = list.filter(p -> p.getFileName().toString().endsWith(".sql"))
                    .sorted()
                    .toList();
        }
        if (files.isEmpty()) {
            throw new IllegalArgumentException("no *.sql files in " + dir);
        }
        for (Path file : files) {
            String db = databaseOf(file.getFileName().toString());
            if (!databases().contains(db)) {
                throw new IllegalArgumentException(file + ": the word after the first dash names database '" + db
                        + "', which no configured source reads (databases: " + databases() + ")");
            }
            long t0 = System.nanoTime();
            postgres.executeSql(db, tolerateExistingTables(Files.readString(file)));
            runtime.awaitIdle(options.idleTimeout());
            LOG.info(
                    "Applied {} to {}; the pipeline was idle again after {} ms",
                    file.getFileName(),
                    db,
                    (System.nanoTime() - t0) / 1_000_000);
        }
    }

    /**
     * With the demo config its tables already exist (they are the contract), so a seed file that creates them too
     * should not fail: every {@code CREATE TABLE} of a seed file becomes {@code CREATE TABLE IF NOT EXISTS}. With any
     * other config the databases start empty and the seed files create their tables; the rewrite changes nothing then.
     */
    static String tolerateExistingTables(String sql) {
        return CREATE_TABLE.matcher(sql).replaceAll("CREATE TABLE IF NOT EXISTS ");
    }

    static String databaseOf(String fileName) {
        Matcher m = SEED_NAME.matcher(fileName);
        if (!m.matches()) {
            throw new IllegalArgumentException(
                    "seed file " + fileName + " does not name a database after its first dash (e.g. 010-crm.sql)");
        }
        return m.group(1);
    }

    public void awaitIdle() throws InterruptedException, TimeoutException {
        runtime.awaitIdle(options.idleTimeout());
    }

    /** Every current golden record on customers.golden, sorted by golden id. */
    public Map<String, GoldenCustomer> goldenRecords() {
        Serde<GoldenCustomer> serde = RegistrySerdes.of(config, registry.url()).golden();
        try (GoldenReader reader =
                new GoldenReader(broker.bootstrapServers(), config.kafka().properties(), serde.deserializer())) {
            return reader.snapshot();
        }
    }

    /**
     * Every dead letter on aurum.dlq, oldest first, as one line each: where the input came from and why it was
     * refused (the {@code __streams.errors.*} headers).
     */
    public List<String> deadLetters() {
        Map<String, Object> props = new HashMap<>(config.kafka().properties());
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        List<String> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts = consumer.partitionsFor(Topics.DLQ, Duration.ofSeconds(30)).stream()
                    .map(i -> new TopicPartition(i.topic(), i.partition()))
                    .toList();
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            Map<TopicPartition, Long> end = consumer.endOffsets(parts);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (parts.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp)) && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    out.add(header(r, DeadLetters.HEADER_TOPIC) + "@" + header(r, DeadLetters.HEADER_OFFSET) + ": "
                            + header(r, DeadLetters.HEADER_MESSAGE));
                }
            }
        }
        return out;
    }

    private static String header(ConsumerRecord<?, ?> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null || h.value() == null ? "?" : new String(h.value(), StandardCharsets.UTF_8);
    }

    /** Writes every current golden record as one JSON line, sorted by golden id; returns how many. */
    public int dumpGolden(Path file) throws IOException {
        Map<String, GoldenCustomer> golden = goldenRecords();
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            for (GoldenCustomer g : golden.values()) {
                out.write(GoldenJson.line(g));
                out.newLine();
            }
        }
        return golden.size();
    }

    /** Prints progress every few seconds until the JVM is asked to stop (Ctrl-C). */
    public void runUntilStopped() throws InterruptedException {
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            System.out.println("\nStopping Aurum local...");
                            close();
                            stopped.countDown();
                        },
                        "aurum-shutdown"));
        String last = "";
        while (!stopped.await(5, TimeUnit.SECONDS)) {
            String line;
            synchronized (this) {
                if (runtime == null) {
                    break; // stopping
                }
                runtime.failIfBroken();
                line = progress();
            }
            if (!line.equals(last)) {
                System.out.println(line);
                last = line;
            }
        }
    }

    public String progress() {
        StringBuilder sb =
                new StringBuilder("golden customers: ").append(runtime.streams().goldenCount());
        if (runtime.capture() != null) {
            sb.append(" | captured:");
            for (Map.Entry<String, CaptureStats> e : runtime.capture().stats().entrySet()) {
                CaptureStats s = e.getValue();
                sb.append(' ').append(e.getKey()).append('=').append(s.totalEvents());
                if (s.snapshotRunning()) {
                    sb.append(" (snapshotting)");
                }
            }
        }
        return sb.append(" | dead letters: ")
                .append(DeadLetters.count() - deadLettersBefore)
                .toString();
    }

    public AurumRuntime runtime() {
        return runtime;
    }

    public EmbeddedPostgresServer postgres() {
        return postgres;
    }

    public EmbeddedKafkaBroker broker() {
        return broker;
    }

    public Path dataDir() {
        return dataDir;
    }

    public String registryUrl() {
        return registry.url();
    }

    private static String resource(String name) {
        try (InputStream in = LocalPipeline.class.getClassLoader().getResourceAsStream(name)) {
            return in == null ? null : new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String demoData(String db) {
        for (String prefix : List.of("010-", "020-", "030-")) {
            String sql = resource("demo/data/" + prefix + db + ".sql");
            if (sql != null) {
                return sql;
            }
        }
        return null;
    }

    /** Deletes {@code dir} and everything in it except {@code keep} (the log being written) and its parents. */
    private static void deleteRecursively(Path dir, Path keep) throws IOException {
        Path kept = keep == null ? null : keep.toAbsolutePath().normalize();
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Path abs = p.toAbsolutePath().normalize();
                if (kept != null && kept.startsWith(abs)) {
                    continue;
                }
                Files.deleteIfExists(p);
            }
        }
    }

    @Override
    public synchronized void close() {
        if (Thread.currentThread() != shutdownHook) {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException | IllegalArgumentException e) {
                // The JVM is already shutting down (the hook runs), or the hook was never added.
            }
        }
        closeQuietly(runtime);
        runtime = null;
        closeQuietly(registry);
        registry = null;
        closeQuietly(schemaStore);
        schemaStore = null;
        closeQuietly(broker);
        broker = null;
        closeQuietly(postgres);
        postgres = null;
        if (temporary) {
            try {
                deleteRecursively(dataDir, null);
            } catch (IOException e) {
                LOG.warn("Could not remove the temporary data directory {}: {}", dataDir, e.getMessage());
            }
        }
    }
}
