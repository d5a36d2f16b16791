package io.aurum.capture;

import io.aurum.canonical.SnapshotSweep;
import io.aurum.infra.TopicAdmin;
import io.debezium.embedded.Connect;
import io.debezium.embedded.async.AsyncEngineConfig;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import io.debezium.engine.format.ChangeEventFormat;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.header.Header;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.storage.SimpleHeaderConverter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Captures Postgres databases with one Debezium embedded engine each and writes their change events to Kafka exactly
 * as Debezium on Kafka Connect with the {@link JsonConverter} (schemas enabled) would: same topics, key and value
 * bytes, headers and partitioning.
 *
 * <p>Uses {@code DebeziumEngine.create(ChangeEventFormat.of(Connect.class))}, which in Debezium 3.x is served by the
 * asynchronous engine ({@code AsyncEmbeddedEngine}, the only {@code BuilderFactory} left after the legacy
 * {@code EmbeddedEngine} was removed). The Connect format hands over the raw {@link SourceRecord}s, so this class
 * converts them itself with Kafka's own converters and can read {@code source.snapshot} and logical messages.
 *
 * <p>Delivery is at least once: a batch is sent and flushed, every send is checked, and only then are its records
 * marked processed, so offsets (and the slot's confirmed position) never move past what Kafka acknowledged. After a
 * crash the events since the last offset flush are delivered again.
 */
public final class CaptureService implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(CaptureService.class);

    static final String WATERMARK_PREFIX = "aurum.watermark";
    private static final String NOTIFICATION_TOPIC_PREFIX = "__aurum.capture.notifications.";
    /** Debezium's default {@code topic.heartbeat.prefix}. */
    private static final String HEARTBEAT_TOPIC_PREFIX = "__debezium-heartbeat";

    private static final Duration TOPIC_CREATION_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration ENGINE_STOP_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration RECONNECT_FIRST_DELAY = Duration.ofSeconds(1);
    private static final Duration RECONNECT_MAX_DELAY = Duration.ofSeconds(30);
    private static final long SNAPSHOT_PROGRESS_LOG_NANOS =
            Duration.ofSeconds(10).toNanos();

    private final String bootstrapServers;
    private final CaptureSettings settings;
    private final Map<String, SourceEngine> engines = new LinkedHashMap<>();
    private final Set<String> knownTopics = ConcurrentHashMap.newKeySet();
    private final Map<String, Object> producerOverrides;
    private final Map<String, Object> clientOverrides;

    private ExecutorService executor;
    /** Waits out the backoff before an engine that lost its database starts again. */
    private ScheduledExecutorService restarts;
    /** How long an engine may take to start (or stop) its task (see {@link #taskTimeout}). */
    static final Duration TASK_START_TIMEOUT = Duration.ofMinutes(5);

    /**
     * The engine gives a task 40 s to start by default (4 × executor.shutdown.timeout.ms), and then fails it as a
     * setup problem. A start under load can take longer: the 1M-row bench saw a task time out while the snapshots of
     * the other databases on the same server kept both cores busy. A start that is slow is not broken, and
     * capture.debezium can still set another value. The key comes from Debezium's own field: it is an internal one,
     * {@code internal.task.management.timeout.ms}, and the bare name is silently ignored.
     */
    static void taskTimeout(Map<String, String> engineProperties) {
        engineProperties.put(
                AsyncEngineConfig.TASK_MANAGEMENT_TIMEOUT_MS.name(), Long.toString(TASK_START_TIMEOUT.toMillis()));
    }

    private KafkaProducer<byte[], byte[]> producer;
    private Admin admin;
    private volatile boolean closing;
    private volatile boolean started;

    public CaptureService(String bootstrapServers, List<CaptureSource> sources, CaptureSettings settings) {
        this(bootstrapServers, sources, settings, Map.of());
    }

    /**
     * @param producerOverrides extra {@link KafkaProducer} settings (e.g. security), applied over Aurum's; those that
     *     are not producer settings (security, SASL, TLS) reach the capture's admin client as well
     */
    public CaptureService(
            String bootstrapServers,
            List<CaptureSource> sources,
            CaptureSettings settings,
            Map<String, Object> producerOverrides) {
        this.bootstrapServers = requireText(bootstrapServers, "bootstrapServers");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.producerOverrides = Map.copyOf(producerOverrides);
        this.clientOverrides = new HashMap<>();
        producerOverrides.forEach((k, v) -> {
            if (org.apache.kafka.clients.admin.AdminClientConfig.configNames().contains(k)) {
                clientOverrides.put(k, v);
            }
        });
        if (sources.isEmpty()) {
            throw new IllegalArgumentException("at least one capture source is required");
        }
        for (CaptureSource source : sources) {
            if (engines.putIfAbsent(source.name(), new SourceEngine(source)) != null) {
                throw new IllegalArgumentException("two capture sources share the name " + source.name());
            }
        }
    }

    /** Starts one engine per source; returns at once, the engines connect and snapshot in the background. */
    public synchronized CaptureService start() {
        if (started) {
            throw new IllegalStateException("capture service already started");
        }
        started = true;
        try {
            Files.createDirectories(settings.offsetsDir());
        } catch (IOException e) {
            throw new UncheckedIOException("Could not create offsets directory " + settings.offsetsDir(), e);
        }
        try {
            startClientsAndEngines();
        } catch (RuntimeException e) {
            try {
                close();
            } catch (RuntimeException closeFailure) {
                e.addSuppressed(closeFailure);
            }
            throw e;
        }
        return this;
    }

    private void startClientsAndEngines() {
        Map<String, Object> producerConfig = new HashMap<>();
        producerConfig.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        producerConfig.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        producerConfig.put(ProducerConfig.ACKS_CONFIG, "all");
        producerConfig.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        // Every value repeats its full JSON schema, so records compress very well; lz4 costs little CPU and cuts
        // the bytes the broker has to write before it acknowledges a batch.
        producerConfig.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        producerConfig.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        producerConfig.put(ProducerConfig.CLIENT_ID_CONFIG, "aurum-capture");
        producerConfig.putAll(producerOverrides);
        producer = new KafkaProducer<>(producerConfig, new ByteArraySerializer(), new ByteArraySerializer());
        Map<String, Object> adminConfig = new HashMap<>(clientOverrides);
        adminConfig.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        adminConfig.put(AdminClientConfig.CLIENT_ID_CONFIG, "aurum-capture-admin");
        admin = Admin.create(adminConfig);
        AtomicInteger threadIndex = new AtomicInteger();
        executor = Executors.newFixedThreadPool(engines.size(), runnable -> {
            Thread thread = new Thread(runnable, "aurum-capture-" + threadIndex.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        restarts = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "aurum-capture-reconnect");
            thread.setDaemon(true);
            return thread;
        });
        for (SourceEngine engine : engines.values()) {
            engine.start();
        }
    }

    public Set<String> databases() {
        return Collections.unmodifiableSet(engines.keySet());
    }

    /** Stats of one source, by its logical name. */
    public CaptureStats stats(String database) {
        return engine(database).stats;
    }

    public Map<String, CaptureStats> stats() {
        Map<String, CaptureStats> all = new LinkedHashMap<>();
        engines.forEach((name, engine) -> all.put(name, engine.stats));
        return all;
    }

    /** The first engine failure, if any engine has stopped with an error. */
    public Optional<Throwable> failure() {
        return engines.values().stream()
                .map(e -> e.stats.failure())
                .flatMap(Optional::stream)
                .findFirst();
    }

    /**
     * Blocks until every change committed in the database before this call has been written to Kafka and
     * acknowledged.
     *
     * <p>Emits a transactional logical decoding message ({@code pg_logical_emit_message(true, 'aurum.watermark',
     * uuid)}). pgoutput delivers it (Debezium asks for {@code messages} on Postgres 14+) in commit order, after every
     * earlier commit and after the snapshot, and Debezium surfaces it as an event on {@code <prefix>.message}. The
     * handler does not forward it to Kafka; it releases this wait once the batch holding it has been flushed, which
     * covers all earlier events. (A pass-through {@code message.prefix.exclude.list} must not exclude the
     * {@code aurum.watermark} prefix.)
     */
    public void awaitCaughtUp(String database, Duration timeout) throws InterruptedException, TimeoutException {
        long deadline = System.nanoTime() + timeout.toNanos();
        SourceEngine engine = engine(database);
        requireStarted();
        engine.awaitWatermark(deadline);
    }

    /** Blocks until every source has finished (or skipped) its initial snapshot and Kafka acknowledged it. */
    public void awaitSnapshotComplete(Duration timeout) throws InterruptedException, TimeoutException {
        long deadline = System.nanoTime() + timeout.toNanos();
        requireStarted();
        for (SourceEngine engine : engines.values()) {
            engine.awaitSnapshotComplete(deadline);
        }
    }

    /** Stops the engines (which commit their last acknowledged offsets), then flushes and closes the producer. */
    @Override
    public synchronized void close() {
        if (!started || closing) {
            return;
        }
        closing = true;
        long startNanos = System.nanoTime();
        if (restarts != null) {
            restarts.shutdownNow(); // no engine starts again once closing
        }
        List<Exception> problems = new ArrayList<>();
        for (SourceEngine engine : engines.values()) {
            try {
                engine.stop();
            } catch (IOException | RuntimeException e) {
                problems.add(e);
                LOG.warn("Error stopping capture engine for {}", engine.source.name(), e);
            }
        }
        if (executor != null) { // null if start() failed early
            executor.shutdown();
            try {
                if (!executor.awaitTermination(ENGINE_STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                    LOG.warn("Capture engines did not stop within {}; interrupting them", ENGINE_STOP_TIMEOUT);
                    executor.shutdownNow();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                executor.shutdownNow();
            }
        }
        for (SourceEngine engine : engines.values()) {
            engine.failPendingWaits(new CaptureException("capture service closed"));
        }
        try {
            if (producer != null) {
                producer.flush();
            }
        } finally {
            if (producer != null) {
                producer.close(Duration.ofSeconds(30));
            }
            if (admin != null) {
                admin.close(Duration.ofSeconds(10));
            }
        }
        LOG.info("Capture service stopped in {} ms", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos));
        if (!problems.isEmpty()) {
            CaptureException failure = new CaptureException("capture engines did not stop cleanly", problems.get(0));
            problems.stream().skip(1).forEach(failure::addSuppressed);
            throw failure;
        }
    }

    private void requireStarted() {
        if (!started) {
            throw new IllegalStateException("capture service not started");
        }
    }

    private SourceEngine engine(String database) {
        SourceEngine engine = engines.get(database);
        if (engine == null) {
            throw new IllegalArgumentException("no capture source named " + database + "; known: " + engines.keySet());
        }
        return engine;
    }

    private void ensureTopic(String topic) {
        if (knownTopics.contains(topic)) {
            return;
        }
        TopicAdmin.createTopics(
                admin,
                List.of(new NewTopic(topic, settings.topicPartitions(), settings.replicationFactor())),
                TOPIC_CREATION_TIMEOUT);
        knownTopics.add(topic);
    }

    private final Map<String, Integer> partitionCounts = new ConcurrentHashMap<>();

    private int partitionCount(String topic) {
        return partitionCounts.computeIfAbsent(topic, t -> {
            try {
                return admin.describeTopics(List.of(t))
                        .allTopicNames()
                        .get(TOPIC_CREATION_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                        .get(t)
                        .partitions()
                        .size();
            } catch (ExecutionException | TimeoutException e) {
                throw new CaptureException("Could not describe topic " + t, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CaptureException("Interrupted while describing topic " + t, e);
            }
        });
    }

    /**
     * Whether an engine failure is a lost or refused database connection, which a restart can heal: a socket error,
     * a Postgres connection exception (SQLSTATE class 08) or operator intervention (57P: shutdown, crash, "cannot
     * connect now" while it starts), or what Debezium itself calls retriable. A wrong password (28P01), a missing
     * privilege or {@code wal_level} are not: those stay failures.
     */
    static boolean connectionLost(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SocketException
                    || t instanceof SocketTimeoutException
                    || t instanceof EOFException
                    || t instanceof RetriableException) {
                return true;
            }
            if (t instanceof SQLException sql && sql.getSQLState() != null) {
                String state = sql.getSQLState();
                if (state.startsWith("08") || state.startsWith("57P")) {
                    return true;
                }
            }
        }
        return false;
    }

    private static String rootMessage(Throwable error, String fallback) {
        Throwable root = error;
        while (root != null && root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String text = root == null ? fallback : root.getClass().getSimpleName() + ": " + root.getMessage();
        return error == null || root == error ? text : error.getMessage() + " <- " + text;
    }

    private static String requireText(String value, String what) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(what + " must not be blank");
        }
        return value;
    }

    private static long remainingMillis(long deadlineNanos) {
        return Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime()));
    }

    /** One source: its engine, the conversion to Kafka records and its bookkeeping. */
    private final class SourceEngine implements DebeziumEngine.ChangeConsumer<RecordChangeEvent<SourceRecord>> {

        private final CaptureSource source;
        private final CaptureStats stats;
        private final String notificationTopic;
        private final String messageTopic;
        private final JsonConverter keyConverter = new JsonConverter();
        private final JsonConverter valueConverter = new JsonConverter();
        private final SimpleHeaderConverter headerConverter = new SimpleHeaderConverter();
        private final Map<String, CompletableFuture<Void>> watermarks = new ConcurrentHashMap<>();
        private final CompletableFuture<Void> taskStarted = new CompletableFuture<>();
        private final CompletableFuture<Void> snapshotDone = new CompletableFuture<>();
        /** Completed exceptionally when the engine stops, so every wait ends instead of running to its timeout. */
        private final CompletableFuture<Void> stopped = new CompletableFuture<>();

        private DebeziumEngine<RecordChangeEvent<SourceRecord>> engine;
        private volatile boolean finished;
        /** Engines started so far: each restart after a lost connection is a new run. */
        private int runs;
        /** Restarts since data last flowed. */
        private volatile int attempts;

        private long lastProgressLogNanos;
        /** The LSN that names the blocking snapshot of this run (every read of it carries it). */
        private Long blockingGeneration;

        private boolean markersWritten;

        SourceEngine(CaptureSource source) {
            this.source = source;
            this.stats = new CaptureStats(source.name());
            this.notificationTopic = NOTIFICATION_TOPIC_PREFIX + source.name();
            this.messageTopic = source.name() + ".message";
            // The Connect worker defaults: JSON with embedded schemas.
            keyConverter.configure(Map.of("schemas.enable", "true"), true);
            valueConverter.configure(Map.of("schemas.enable", "true"), false);
            headerConverter.configure(Map.of());
        }

        void start() {
            launch();
            LOG.info(
                    "Capture of {} starting ({}:{}/{}, slot {}, publication {})",
                    source.name(),
                    source.host(),
                    source.port(),
                    source.database(),
                    source.slotName(),
                    source.publicationName());
        }

        /** Builds a fresh engine (it resumes from the offsets file) and runs it on the capture executor. */
        private synchronized void launch() {
            if (closing) {
                return;
            }
            int run = ++runs;
            // Anything of the previous run's blocking snapshot is void: Debezium redoes an interrupted snapshot from
            // the start, at a new position, and that position names the new generation.
            blockingGeneration = null;
            DebeziumEngine<RecordChangeEvent<SourceRecord>> created = DebeziumEngine.create(
                            ChangeEventFormat.of(Connect.class))
                    .using(engineProperties())
                    .using(new DebeziumEngine.ConnectorCallback() {
                        @Override
                        public void taskStarted() {
                            taskStarted.complete(null);
                        }
                    })
                    .using((success, message, error) -> engineCompleted(run, success, message, error))
                    .notifying(this)
                    .build();
            engine = created;
            finished = false;
            executor.execute(() -> {
                if (!closing) {
                    created.run();
                }
            });
        }

        synchronized void stop() throws IOException {
            if (engine == null || finished) {
                return;
            }
            try {
                engine.close();
            } catch (IllegalStateException e) {
                // The engine may stop on its own (a failure) between the check above and close().
                if (!finished) {
                    throw e;
                }
            }
        }

        private Properties engineProperties() {
            Map<String, String> p = new LinkedHashMap<>();
            p.put("name", "aurum-capture-" + source.name());
            p.put("connector.class", "io.debezium.connector.postgresql.PostgresConnector");
            p.put("offset.storage", "org.apache.kafka.connect.storage.FileOffsetBackingStore");
            p.put(
                    "offset.storage.file.filename",
                    settings.offsetsDir()
                            .resolve(source.name() + ".offsets")
                            .toAbsolutePath()
                            .toString());
            p.put(
                    "offset.flush.interval.ms",
                    Long.toString(settings.offsetFlushInterval().toMillis()));
            p.put("database.hostname", source.host());
            p.put("database.port", Integer.toString(source.port()));
            p.put("database.user", source.user());
            p.put("database.password", source.password());
            p.put("database.dbname", source.database());
            source.ssl().forEach((k, v) -> p.put("database." + k, v));
            p.put("topic.prefix", source.name());
            // decoderbufs (Debezium's default) needs a server extension; pgoutput ships with Postgres.
            p.put("plugin.name", "pgoutput");
            p.put("slot.name", source.slotName());
            p.put("publication.name", source.publicationName());
            if (source.tableIncludeList().isEmpty()) {
                p.put("publication.autocreate.mode", "all_tables");
            } else {
                p.put("publication.autocreate.mode", "filtered");
                p.put("table.include.list", String.join(",", source.tableIncludeList()));
            }
            p.put("snapshot.mode", settings.snapshotMode());
            p.put("poll.interval.ms", Long.toString(settings.pollInterval().toMillis()));
            p.put("tombstones.on.delete", "true");
            // Snapshot notifications travel through the event queue, in order with the rows, which makes "snapshot
            // completed" exact; they are consumed here and never written to Kafka.
            p.put("notification.enabled.channels", "sink");
            if (!settings.heartbeatInterval().isZero()) {
                p.put(
                        "heartbeat.interval.ms",
                        Long.toString(settings.heartbeatInterval().toMillis()));
                if (settings.heartbeatActionQuery() != null) {
                    p.put("heartbeat.action.query", settings.heartbeatActionQuery());
                }
            }
            taskTimeout(p);
            p.putAll(settings.debeziumProperties());
            // Pass-through properties may add channels but not take away the one snapshot tracking depends on.
            String channels = p.get("notification.enabled.channels");
            if (!List.of(channels.split("\\s*,\\s*")).contains("sink")) {
                p.put("notification.enabled.channels", channels + ",sink");
            }
            p.put("notification.sink.topic.name", notificationTopic);
            Properties props = new Properties();
            props.putAll(p);
            return props;
        }

        private void engineCompleted(int run, boolean success, String message, Throwable error) {
            synchronized (this) {
                if (run != runs) {
                    return; // a run already replaced (cannot happen while runs start one after another)
                }
                finished = true;
            }
            if (closing) {
                LOG.debug("Capture engine for {} stopped: {}", source.name(), message);
                return;
            }
            if (error != null || !success) {
                if (!reconnect(message, error)) {
                    fail(message, error);
                }
            } else {
                LOG.warn("Capture engine for {} stopped on its own: {}", source.name(), message);
                failPendingWaits(new CaptureException("capture engine for " + source.name() + " stopped: " + message));
            }
        }

        private void fail(String message, Throwable error) {
            CaptureException failure = new CaptureException(
                    "Capture engine for " + source.name() + " failed: " + message + tlsHint(message, error), error);
            stats.markFailed(failure);
            LOG.error("Capture engine for {} stopped with an error: {}", source.name(), message, error);
            failPendingWaits(failure);
        }

        /**
         * Starts the engine again after it lost its database, if it had started before and the budget of
         * {@link CaptureSettings#reconnectFor()} is not spent. Debezium retries a lost connection itself while it
         * streams, but a failure while its task (re)starts (the database still or again going down: "Unable to get
         * last available log position", or a connector validation that cannot connect) ends the engine; without
         * this a database restart could end capture for good. Nothing is lost: the new engine resumes from the last
         * committed offset (redoing an interrupted snapshot), and delivery stays at least once.
         *
         * <p>A failure counts as a lost database when its causes say so ({@link #connectionLost}) or when Aurum's
         * own connection to the database fails in the same way right after it. A source that never started has a
         * setup problem and fails at once, and so does anything else (Kafka refusing a batch, a missing privilege).
         *
         * @return true if a restart is scheduled
         */
        private boolean reconnect(String message, Throwable error) {
            if (!taskStarted.isDone() || settings.reconnectFor().isZero()) {
                return false;
            }
            Optional<String> lost = connectionLost(error) ? Optional.of(rootMessage(error, message)) : unreachable();
            if (lost.isEmpty()) {
                return false;
            }
            stats.markReconnecting(lost.get());
            return scheduleReconnect(lost.get());
        }

        private boolean scheduleReconnect(String reason) {
            Duration waited = Duration.between(stats.reconnectingSince().orElseGet(Instant::now), Instant.now());
            if (waited.compareTo(settings.reconnectFor()) > 0) {
                LOG.error(
                        "Capture of {} could not reconnect to {}:{}/{} within {} s; giving up",
                        source.name(),
                        source.host(),
                        source.port(),
                        source.database(),
                        settings.reconnectFor().toSeconds());
                return false;
            }
            attempts++;
            long delayMs = Math.min(
                    RECONNECT_MAX_DELAY.toMillis(), RECONNECT_FIRST_DELAY.toMillis() << Math.min(attempts - 1, 10));
            LOG.warn(
                    "Capture of {} {} {}:{}/{} ({}); reconnecting in {} ms (attempt {}, gives up {} s after the"
                            + " loss)",
                    source.name(),
                    attempts == 1 ? "lost" : "still cannot reach",
                    source.host(),
                    source.port(),
                    source.database(),
                    reason,
                    delayMs,
                    attempts,
                    settings.reconnectFor().toSeconds());
            try {
                restarts.schedule(this::relaunch, delayMs, TimeUnit.MILLISECONDS);
                return true;
            } catch (RejectedExecutionException closed) {
                return false; // the service is closing
            }
        }

        /** Starts a new engine once the database answers again; until then waits on with backoff. */
        private void relaunch() {
            if (closing) {
                return;
            }
            Optional<String> still = unreachable();
            if (still.isEmpty()) {
                launch();
            } else if (!scheduleReconnect(still.get())) {
                fail("could not reconnect: " + still.get(), null);
            }
        }

        /** Why Aurum's own connection to the database fails as a lost connection would; empty if it connects. */
        private Optional<String> unreachable() {
            try (Connection ignored = connect()) {
                return Optional.empty();
            } catch (SQLException e) {
                return connectionLost(e) ? Optional.of(rootMessage(e, e.getMessage())) : Optional.empty();
            }
        }

        /** Called with every batch: data flows again, so a stretch of reconnecting is over. */
        private void connected() {
            if (attempts == 0) {
                return;
            }
            stats.markConnected()
                    .ifPresent(since -> LOG.info(
                            "Capture of {} reconnected after {} attempt(s), {} s",
                            source.name(),
                            attempts,
                            Duration.between(since, Instant.now()).toSeconds()));
            attempts = 0;
        }

        /**
         * When the connection failed in TLS, says which server, mode and CA were used: the usual causes are a
         * {@code sslrootcert} that did not sign the server's certificate, or a certificate that does not name the host.
         */
        private String tlsHint(String message, Throwable error) {
            boolean tls = message != null && message.contains("SSL");
            for (Throwable t = error; t != null && !tls; t = t.getCause()) {
                tls = t instanceof javax.net.ssl.SSLException
                        || (t.getMessage() != null && t.getMessage().contains("SSL error"));
            }
            if (!tls) {
                return "";
            }
            return " [TLS to " + source.host() + ":" + source.port() + "/" + source.database() + " with sslmode="
                    + source.ssl().getOrDefault("sslmode", "prefer (pgjdbc's default)") + ", sslrootcert="
                    + source.ssl().getOrDefault("sslrootcert", "~/.postgresql/root.crt (pgjdbc's default)")
                    + ": the server's certificate must be signed by that CA and, for verify-full, name the host]";
        }

        void failPendingWaits(Throwable reason) {
            stopped.completeExceptionally(reason);
        }

        @Override
        public boolean supportsTombstoneEvents() {
            return true;
        }

        @Override
        public void handleBatch(
                List<RecordChangeEvent<SourceRecord>> events,
                DebeziumEngine.RecordCommitter<RecordChangeEvent<SourceRecord>> committer)
                throws InterruptedException {
            connected();
            List<Future<RecordMetadata>> sends = new ArrayList<>(events.size());
            List<String> sendTopics = new ArrayList<>(events.size());
            List<String> batchWatermarks = new ArrayList<>();
            long snapshotEvents = 0;
            long streamingEvents = 0;
            String snapshotNotification = null;
            boolean sawStreaming = false;
            for (RecordChangeEvent<SourceRecord> event : events) {
                SourceRecord record = event.record();
                if (notificationTopic.equals(record.topic())) {
                    snapshotNotification = snapshotStatus(record, snapshotNotification);
                    if ("COMPLETED".equals(snapshotNotification)) {
                        markSnapshotCompleted(lsnOf(record), sends, sendTopics);
                    }
                    continue;
                }
                if (isHeartbeat(record)) {
                    // Its offset is committed below like any other (that is its purpose: the slot's confirmed
                    // position moves on); Connect would write it to a heartbeat topic nobody reads.
                    continue;
                }
                String watermark = watermarkId(record);
                if (watermark != null) {
                    markSnapshotCompleted(lsnOf(record), sends, sendTopics);
                    batchWatermarks.add(watermark);
                    continue;
                }
                String snapshot = snapshotMarker(record);
                if (snapshot != null) {
                    snapshotEvents++;
                    if (!"incremental".equals(snapshot) && blockingGeneration == null) {
                        blockingGeneration = lsnOf(record);
                    }
                    if (!stats.snapshotCompleted() && stats.markSnapshotStarted()) {
                        LOG.info("Snapshot of {} started", source.name());
                        lastProgressLogNanos = System.nanoTime();
                    }
                } else {
                    // Streaming only ever follows a blocking snapshot: the snapshot of this run, if any, is over.
                    markSnapshotCompleted(lsnOf(record), sends, sendTopics);
                    streamingEvents++;
                    sawStreaming = true;
                }
                sends.add(send(record));
                sendTopics.add(record.topic());
            }
            producer.flush();
            for (int i = 0; i < sends.size(); i++) {
                try {
                    sends.get(i).get();
                } catch (ExecutionException e) {
                    // Throwing stops the engine before these offsets are committed: the batch is redelivered on
                    // restart rather than lost.
                    throw new CaptureException(
                            "Kafka rejected a change event of " + source.name() + " for topic " + sendTopics.get(i)
                                    + ": " + e.getCause().getMessage(),
                            e.getCause());
                }
            }
            stats.recordAcknowledged(snapshotEvents, streamingEvents);
            for (RecordChangeEvent<SourceRecord> event : events) {
                // A notification carries no position of its own: Debezium's sink channel gives the "snapshot
                // started" notification an empty source offset. Committing it would overwrite the offset that
                // says a snapshot is in progress with {}, and after a crash the engine would find an offset, see no
                // snapshot running and stream on, never reading the rest of the tables. Only data, watermarks and
                // heartbeats, whose offsets are real positions, are committed.
                if (!notificationTopic.equals(event.record().topic())) {
                    committer.markProcessed(event);
                }
            }
            committer.markBatchFinished();

            boolean completedNow = "COMPLETED".equals(snapshotNotification) || "ABORTED".equals(snapshotNotification);
            boolean skipped = "SKIPPED".equals(snapshotNotification);
            // Streamed events and watermarks only ever follow the snapshot, so they prove it finished.
            if (completedNow || skipped || sawStreaming || !batchWatermarks.isEmpty()) {
                markSnapshotDone(skipped && !stats.snapshotRunning(), snapshotNotification);
            } else if (stats.snapshotRunning()
                    && System.nanoTime() - lastProgressLogNanos >= SNAPSHOT_PROGRESS_LOG_NANOS) {
                lastProgressLogNanos = System.nanoTime();
                LOG.info(
                        "Snapshot of {} in progress: {} rows in {} s ({} rows/s)",
                        source.name(),
                        stats.snapshotEvents(),
                        stats.snapshotDuration().toSeconds(),
                        Math.round(stats.snapshotEventsPerSecond()));
            }
            for (String watermark : batchWatermarks) {
                CompletableFuture<Void> waiter = watermarks.remove(watermark);
                if (waiter != null) {
                    waiter.complete(null);
                }
            }
        }

        private void markSnapshotDone(boolean skipped, String notification) {
            if (!stats.markSnapshotCompleted(skipped)) {
                return;
            }
            if (stats.snapshotSkipped()) {
                LOG.info("Capture of {} resumed streaming from stored offsets; no snapshot needed", source.name());
            } else if (stats.snapshotStartedAt().isPresent()) {
                LOG.info(
                        "Snapshot of {} {}: {} rows in {} s ({} rows/s)",
                        source.name(),
                        "ABORTED".equals(notification) ? "aborted" : "completed",
                        stats.snapshotEvents(),
                        String.format(
                                java.util.Locale.ROOT,
                                "%.1f",
                                stats.snapshotDuration().toMillis() / 1000.0),
                        Math.round(stats.snapshotEventsPerSecond()));
            } else {
                LOG.info("Capture of {} is streaming (no snapshot rows)", source.name());
            }
            snapshotDone.complete(null);
        }

        private Future<RecordMetadata> send(SourceRecord record) {
            String topic = record.topic();
            ensureTopic(topic);
            // The same steps as Kafka Connect's source task: headers, key and value through their converters, the
            // connector's partition if it set one (else the producer's partitioner over the key bytes), its
            // timestamp if valid.
            RecordHeaders headers = new RecordHeaders();
            for (Header header : record.headers()) {
                headers.add(
                        header.key(),
                        headerConverter.fromConnectHeader(topic, header.key(), header.schema(), header.value()));
            }
            byte[] key = keyConverter.fromConnectData(topic, headers, record.keySchema(), record.key());
            // JsonConverter maps a tombstone (no schema, no value) to null bytes, as on Connect.
            byte[] value = valueConverter.fromConnectData(topic, headers, record.valueSchema(), record.value());
            Long timestamp = record.timestamp() != null && record.timestamp() >= 0 ? record.timestamp() : null;
            return producer.send(new ProducerRecord<>(topic, record.kafkaPartition(), timestamp, key, value, headers));
        }

        /** Debezium's {@code source.snapshot} of a snapshot read ({@code true}, {@code last}, ..., {@code incremental}), else null. */
        private String snapshotMarker(SourceRecord record) {
            if (!(record.value() instanceof Struct value)) {
                return null; // tombstones only follow deletes, which are streamed
            }
            Field sourceField = value.schema().field("source");
            if (sourceField == null || !(value.get(sourceField) instanceof Struct sourceInfo)) {
                return null;
            }
            Field snapshotField = sourceInfo.schema().field("snapshot");
            Object marker = snapshotField == null ? null : sourceInfo.get(snapshotField);
            return marker == null || "false".equals(marker.toString()) ? null : marker.toString();
        }

        private static Long lsnOf(SourceRecord record) {
            Object lsn =
                    record.sourceOffset() == null ? null : record.sourceOffset().get("lsn");
            return lsn instanceof Number n ? n.longValue() : null;
        }

        /**
         * Once a blocking snapshot of this run is over, writes a snapshot-completed marker (see
         * {@link SnapshotSweep#COMPLETED_HEADER}) to every partition of every change topic the pipeline reads from
         * this database, before anything that streams after it. The pipeline then removes the rows the snapshot did
         * not see: rows deleted while nothing streamed, such as between a crash during an earlier snapshot and the
         * snapshot that replaced it. Tables left empty get the marker too, which Debezium's own last-read markers
         * cannot give them.
         *
         * @param fallbackLsn a position at or after the snapshot's, for a snapshot that read no rows at all
         */
        private void markSnapshotCompleted(
                Long fallbackLsn, List<Future<RecordMetadata>> sends, List<String> sendTopics) {
            if (!stats.snapshotRunning() || markersWritten || source.topics().isEmpty()) {
                return;
            }
            Long generation = blockingGeneration != null ? blockingGeneration : fallbackLsn;
            if (generation == null) {
                LOG.warn(
                        "Snapshot of {} completed without a position; rows it did not see are not removed",
                        source.name());
                return;
            }
            markersWritten = true;
            byte[] value = Long.toString(generation).getBytes(StandardCharsets.UTF_8);
            for (String topic : source.topics()) {
                ensureTopic(topic);
                for (int partition = 0; partition < partitionCount(topic); partition++) {
                    RecordHeaders headers = new RecordHeaders();
                    headers.add(SnapshotSweep.COMPLETED_HEADER, value);
                    sends.add(producer.send(new ProducerRecord<>(topic, partition, null, null, null, headers)));
                    sendTopics.add(topic);
                }
            }
            LOG.info(
                    "Snapshot of {} (generation {}) completed; marked the end in {}",
                    source.name(),
                    generation,
                    source.topics());
        }

        /** Debezium's heartbeat record, or the logical message of the heartbeat action query. */
        private boolean isHeartbeat(SourceRecord record) {
            if (record.topic().startsWith(HEARTBEAT_TOPIC_PREFIX)) {
                return true;
            }
            return CaptureSettings.HEARTBEAT_PREFIX.equals(messagePrefix(record));
        }

        private String messagePrefix(SourceRecord record) {
            if (!messageTopic.equals(record.topic()) || !(record.value() instanceof Struct value)) {
                return null;
            }
            Field messageField = value.schema().field("message");
            return messageField != null && value.get(messageField) instanceof Struct message
                    ? message.getString("prefix")
                    : null;
        }

        private String watermarkId(SourceRecord record) {
            if (!messageTopic.equals(record.topic()) || !(record.value() instanceof Struct value)) {
                return null;
            }
            Field messageField = value.schema().field("message");
            if (messageField == null
                    || !(value.get(messageField) instanceof Struct message)
                    || !WATERMARK_PREFIX.equals(message.getString("prefix"))) {
                return null;
            }
            Object content = message.get("content");
            if (content instanceof byte[] bytes) {
                return new String(bytes, StandardCharsets.UTF_8);
            }
            if (content instanceof java.nio.ByteBuffer buffer) {
                return StandardCharsets.UTF_8.decode(buffer.duplicate()).toString();
            }
            return String.valueOf(content);
        }

        private String snapshotStatus(SourceRecord record, String previous) {
            if (!(record.value() instanceof Struct value)) {
                return previous;
            }
            String aggregate =
                    value.schema().field("aggregate_type") == null ? null : value.getString("aggregate_type");
            String type = value.schema().field("type") == null ? null : value.getString("type");
            LOG.debug("Notification from {}: {} {}", source.name(), aggregate, type);
            if (!"Initial Snapshot".equals(aggregate) || type == null) {
                return previous;
            }
            // The start is marked at once so that rows later in the same batch count towards the snapshot.
            if ("STARTED".equals(type)) {
                if (stats.markSnapshotStarted()) {
                    LOG.info("Snapshot of {} started", source.name());
                    lastProgressLogNanos = System.nanoTime();
                }
                return previous;
            }
            return switch (type) {
                case "COMPLETED", "ABORTED", "SKIPPED" -> type;
                default -> previous;
            };
        }

        void awaitWatermark(long deadlineNanos) throws InterruptedException, TimeoutException {
            // A message written before the slot exists would never be decoded; the slot is created when the
            // connector task starts.
            awaitAny(deadlineNanos, "the capture task of " + source.name() + " to start", taskStarted);
            if (!awaitSlot(deadlineNanos)) {
                throw new TimeoutException("Replication slot " + source.slotName() + " of " + source.name()
                        + " did not appear (" + stats + ")");
            }
            String id = UUID.randomUUID().toString();
            CompletableFuture<Void> waiter = new CompletableFuture<>();
            watermarks.put(id, waiter);
            try {
                emitWatermark(id);
                awaitAny(deadlineNanos, "watermark " + id + " of " + source.name(), waiter);
            } finally {
                watermarks.remove(id);
            }
        }

        void awaitSnapshotComplete(long deadlineNanos) throws InterruptedException, TimeoutException {
            String what = "the snapshot of " + source.name();
            if (snapshotDone.isDone()) {
                return;
            }
            awaitAny(deadlineNanos, what, taskStarted, snapshotDone);
            // With nothing to snapshot and no changes, no event would ever reveal that streaming began; a
            // watermark does, and it is harmless while a snapshot is still running. Without a slot (e.g.
            // snapshot.mode=initial_only) only the completion notification can tell.
            long slotDeadline = Math.min(
                    deadlineNanos, System.nanoTime() + Duration.ofSeconds(5).toNanos());
            if (snapshotDone.isDone() || !awaitSlot(slotDeadline)) {
                awaitAny(deadlineNanos, what, snapshotDone);
                return;
            }
            String id = UUID.randomUUID().toString();
            CompletableFuture<Void> waiter = new CompletableFuture<>();
            watermarks.put(id, waiter);
            try {
                emitWatermark(id);
                awaitAny(deadlineNanos, what, snapshotDone, waiter);
            } finally {
                watermarks.remove(id);
            }
        }

        /** Returns once any target completes; fails fast if the engine stops first. */
        @SafeVarargs
        private void awaitAny(long deadlineNanos, String what, CompletableFuture<Void>... targets)
                throws InterruptedException, TimeoutException {
            CompletableFuture<?>[] all = new CompletableFuture<?>[targets.length + 1];
            System.arraycopy(targets, 0, all, 0, targets.length);
            all[targets.length] = stopped;
            try {
                CompletableFuture.anyOf(all).get(remainingMillis(deadlineNanos), TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                // The engine may stop on its own right after reaching what was awaited (e.g. initial_only).
                for (CompletableFuture<Void> target : targets) {
                    if (target.isDone() && !target.isCompletedExceptionally()) {
                        return;
                    }
                }
                throw new CaptureException("Gave up waiting for " + what, e.getCause());
            } catch (TimeoutException e) {
                TimeoutException timeout = new TimeoutException("Timed out waiting for " + what + " (" + stats + ")");
                timeout.initCause(e);
                throw timeout;
            }
        }

        /** @return false if the slot did not appear before the deadline */
        private boolean awaitSlot(long deadlineNanos) throws InterruptedException {
            long backoff = 10;
            try (Connection connection = connect();
                    PreparedStatement query = connection.prepareStatement(
                            "SELECT 1 FROM pg_replication_slots WHERE slot_name = ? AND database = ?")) {
                query.setString(1, source.slotName());
                query.setString(2, source.database());
                while (true) {
                    try (ResultSet rs = query.executeQuery()) {
                        if (rs.next()) {
                            return true;
                        }
                    }
                    if (stopped.isCompletedExceptionally()) {
                        throw new CaptureException(
                                "Capture engine for " + source.name() + " stopped",
                                stats.failure().orElse(null));
                    }
                    if (System.nanoTime() >= deadlineNanos) {
                        return false;
                    }
                    Thread.sleep(backoff); // Postgres cannot notify slot creation
                    backoff = Math.min(backoff * 2, 200);
                }
            } catch (SQLException e) {
                throw new CaptureException(
                        "Could not check replication slot " + source.slotName() + " in " + source.database(), e);
            }
        }

        private void emitWatermark(String id) {
            try (Connection connection = connect();
                    PreparedStatement emit =
                            connection.prepareStatement("SELECT pg_logical_emit_message(true, ?, ?)")) {
                emit.setString(1, WATERMARK_PREFIX);
                emit.setString(2, id);
                emit.execute();
            } catch (SQLException e) {
                throw new CaptureException("Could not emit a watermark into " + source.database(), e);
            }
        }

        private Connection connect() throws SQLException {
            Properties props = new Properties();
            props.put("loginTimeout", "10");
            props.put("user", source.user());
            props.put("password", source.password());
            props.putAll(source.ssl());
            return DriverManager.getConnection(
                    "jdbc:postgresql://" + source.host() + ":" + source.port() + "/" + source.database(), props);
        }
    }
}
