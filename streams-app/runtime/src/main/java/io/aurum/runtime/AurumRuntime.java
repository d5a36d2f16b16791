package io.aurum.runtime;

import static io.aurum.infra.Closeables.closeQuietly;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aurum.app.AurumStreams;
import io.aurum.app.GoldenJson;
import io.aurum.app.ProgressMonitor;
import io.aurum.app.StewardLog;
import io.aurum.capture.CaptureService;
import io.aurum.capture.CaptureSettings;
import io.aurum.capture.CaptureSource;
import io.aurum.capture.CaptureStats;
import io.aurum.client.AurumClient;
import io.aurum.config.AurumConfig;
import io.aurum.errors.DeadLetters;
import io.aurum.http.Console;
import io.aurum.http.HttpApi;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running Aurum deployment: optional Debezium capture (when Aurum runs it rather than Kafka Connect), the
 * Streams job, metrics and the HTTP API. Local mode wraps this with embedded Postgres and Kafka; production runs
 * it as is against external systems.
 */
public final class AurumRuntime implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AurumRuntime.class);

    private final AurumConfig config;
    private final String bootstrapServers;
    private final CaptureService capture;
    private final AurumStreams streams;
    private final PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final int httpPort;
    private final String registryUrl;
    private HttpApi http;
    private AurumClient view;
    private StewardLog stewardLog;
    private KafkaProducer<String, byte[]> stewardProducer;
    private ViewMetrics viewMetrics;
    private KafkaStreamsMetrics streamsMetrics;
    private Admin monitorAdmin;
    private ProgressMonitor progress;

    public AurumRuntime(
            AurumConfig config,
            String bootstrapServers,
            String registryUrl,
            List<CaptureSource> captureSources,
            Path workDir,
            int httpPort) {
        this.config = config;
        this.bootstrapServers = bootstrapServers;
        this.registryUrl = registryUrl;
        this.httpPort = httpPort;
        if (captureSources.isEmpty()) {
            this.capture = null;
        } else {
            CaptureSettings settings = CaptureSettings.builder(workDir.resolve("capture"))
                    .pollInterval(Duration.ofMillis(config.capture().pollIntervalMs()))
                    .topicPartitions(config.capture().topicPartitions())
                    .replicationFactor(config.streams().replicationFactor())
                    .heartbeat(
                            Duration.ofMillis(config.capture().heartbeatIntervalMs()),
                            config.capture()
                                    .heartbeatActionQuery()
                                    .orElse(io.aurum.capture.CaptureSettings.DEFAULT_HEARTBEAT_QUERY))
                    .reconnectFor(Duration.ofMillis(config.capture().reconnectMs()))
                    .debeziumProperties(config.capture().debeziumProperties())
                    .build();
            // kafka.properties (security: SASL, TLS) reach every client, the capture's included.
            this.capture = new CaptureService(
                    bootstrapServers,
                    withPipelineTopics(config, captureSources),
                    settings,
                    producerSettings(config.kafka().properties()));
        }
        this.streams = new AurumStreams(
                config,
                bootstrapServers,
                registryUrl,
                workDir.resolve("streams").toString());
    }

    /**
     * Each capture source with the change topics the pipeline reads from its database: the topics whose partitions
     * get a snapshot-completed marker when its snapshot ends.
     */
    public static List<CaptureSource> withPipelineTopics(AurumConfig config, List<CaptureSource> sources) {
        return sources.stream()
                .map(source -> source.withTopics(config.pipeline().sources().values().stream()
                        .filter(def -> def.database().equals(source.name()))
                        .map(def -> def.topic())
                        .distinct()
                        .toList()))
                .toList();
    }

    /** The client properties a producer knows (others would only be warned about as unknown). */
    private static Map<String, Object> producerSettings(Map<String, String> clientProperties) {
        Map<String, Object> out = new java.util.HashMap<>();
        clientProperties.forEach((k, v) -> {
            if (org.apache.kafka.clients.producer.ProducerConfig.configNames().contains(k)) {
                out.put(k, v);
            }
        });
        return out;
    }

    public AurumRuntime start() throws IOException {
        if (capture != null) {
            capture.start();
            for (String db : capture.databases()) {
                Gauge.builder("aurum.capture.events", capture, c -> c.stats(db).totalEvents())
                        .tag("database", db)
                        .description("Change events captured since start")
                        .register(metrics);
            }
        }
        // The HTTP server binds first: its port is what this instance tells the others (application.server), so
        // that any instance can forward a lookup to the one holding the key.
        streams.provisionTopics();
        Console console = config.http().console() ? startConsole() : null;
        http = new HttpApi(config.http().bindAddress(), httpPort, streams, metrics, this::health, console).start();
        streams.start(advertisedHost() + ":" + http.port());
        streamsMetrics = new KafkaStreamsMetrics(streams.streams());
        streamsMetrics.bindTo(metrics);
        new JvmMemoryMetrics().bindTo(metrics);
        new JvmGcMetrics().bindTo(metrics);
        Gauge.builder("aurum.golden.customers", streams, AurumStreams::goldenCount)
                .description("Golden customers held by this instance (estimate)")
                .register(metrics);
        Gauge.builder("aurum.dlq.records", DeadLetters::count)
                .description("Dead letters written by this instance since start")
                .register(metrics);
        viewMetrics = new ViewMetrics(metrics, config.pipeline(), view, stewardLog, streams::streams).start();
        monitorAdmin = streams.admin();
        progress = new ProgressMonitor(
                        monitorAdmin,
                        streams.idleProbe(monitorAdmin),
                        Duration.ofMillis(config.streams().stallAfterMs()),
                        streams::restoredRecords,
                        bootstrapServers)
                .start(Duration.ofSeconds(5));
        return this;
    }

    /**
     * The steward console's views: the public topics through the client library (so the console never reads Streams
     * state), the steward and dead-letter topics, and a producer for the stewards' writes.
     */
    private Console startConsole() {
        AurumClient.Builder b = AurumClient.builder(bootstrapServers, registryUrl);
        config.kafka().properties().forEach(b::consumerProperty);
        config.registry().properties().forEach(b::serdeProperty);
        view = b.build().start();
        stewardLog = new StewardLog(
                        bootstrapServers,
                        config.kafka().properties(),
                        streams.topics().overrides().valueSerde().deserializer())
                .start();
        Properties p = new Properties();
        p.putAll(config.kafka().properties());
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        stewardProducer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
        return new Console(
                config.pipeline(),
                view,
                stewardLog,
                stewardProducer,
                streams.topics().overrides().valueSerde().serializer(),
                this::resolverMetrics);
    }

    /** The resolver's own figures from the Streams job's metrics (group {@code stream-aurum-resolver-metrics}). */
    private Map<String, Double> resolverMetrics() {
        Map<String, Double> out = new java.util.TreeMap<>();
        if (streams.streams() == null) {
            return out;
        }
        streams.streams().metrics().forEach((name, metric) -> {
            if (name.group().contains("resolver") && metric.metricValue() instanceof Number n) {
                out.merge(name.name(), n.doubleValue(), Double::sum);
            }
        });
        return out;
    }

    /** The host name the other instances reach this one's HTTP API at. */
    private String advertisedHost() {
        if (config.http().advertisedHost() != null) {
            return config.http().advertisedHost();
        }
        String bind = config.http().bindAddress();
        if (!bind.equals("0.0.0.0") && !bind.equals("::")) {
            return bind;
        }
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            return "localhost";
        }
    }

    /** The console's view of the public topics (null when the console is off). */
    public AurumClient view() {
        return view;
    }

    private ObjectNode health() {
        ObjectNode node = captureHealth();
        if (progress != null) {
            node.set("progress", progress.toJson());
        }
        return node;
    }

    private ObjectNode captureHealth() {
        ObjectNode node = GoldenJson.JSON.createObjectNode();
        if (capture == null) {
            node.put("capture", "external");
            return node;
        }
        ObjectNode dbs = node.putObject("capture");
        boolean failed = capture.failure().isPresent();
        for (Map.Entry<String, CaptureStats> e : capture.stats().entrySet()) {
            CaptureStats s = e.getValue();
            ObjectNode db = dbs.putObject(e.getKey())
                    .put("snapshotCompleted", s.snapshotCompleted() || s.snapshotSkipped())
                    .put("events", s.totalEvents())
                    .put("failed", s.failure().isPresent())
                    .put("reconnects", s.reconnects());
            // Reconnecting is not DOWN: restarting Aurum would not bring the database back sooner.
            s.reconnectingSince().ifPresent(since -> db.putObject("reconnecting")
                    .put("since", since.toString())
                    .put("reason", s.reconnectReason()));
        }
        node.put("failed", failed || streams.failure() != null);
        return node;
    }

    public CaptureService capture() {
        return capture;
    }

    public AurumStreams streams() {
        return streams;
    }

    public int httpPort() {
        return http.port();
    }

    /**
     * Waits until capture has reached each source's current WAL position and the Streams job has consumed
     * everything: the "idle" of {@code --until-idle}.
     */
    public void awaitIdle(Duration timeout) throws InterruptedException, TimeoutException {
        long start = System.nanoTime();
        if (capture != null) {
            for (String db : capture.databases()) {
                capture.awaitCaughtUp(db, timeout);
            }
        }
        try (Admin admin = streams.admin()) {
            // Idle: every input committed, and no resolver task with work left in steps (which goes on by
            // punctuation after its inputs are committed, and sends more; see Resolver.HELD_WORK).
            do {
                Duration left = timeout.minusNanos(System.nanoTime() - start);
                if (left.isNegative()) {
                    throw new TimeoutException("the resolver still has work left in steps after " + timeout);
                }
                streams.idleProbe(admin).awaitIdle(left, Duration.ofMillis(500));
                while (resolverMetrics().getOrDefault(io.aurum.resolve.Resolver.HELD_WORK, 0.0) > 0) {
                    if (System.nanoTime() - start > timeout.toNanos()) {
                        throw new TimeoutException("the resolver still has work left in steps after " + timeout);
                    }
                    Thread.sleep(100);
                }
            } while (!streams.idleProbe(admin).backlog().isEmpty());
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("could not read the job's offsets", e);
        }
        failIfBroken();
    }

    /** Surfaces a capture or Streams failure instead of waiting forever on a dead pipeline. */
    public void failIfBroken() {
        if (capture != null && capture.failure().isPresent()) {
            throw new IllegalStateException(
                    "capture failed: " + capture.failure().get().getMessage(),
                    capture.failure().get());
        }
        if (streams.failure() != null) {
            throw new IllegalStateException(
                    "the Streams job failed: " + streams.failure().getMessage(), streams.failure());
        }
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    @Override
    public void close() {
        if (http != null) {
            http.close();
        }
        if (progress != null) {
            progress.close();
            monitorAdmin.close(Duration.ofSeconds(5));
        }
        if (viewMetrics != null) {
            viewMetrics.close();
        }
        if (streamsMetrics != null) {
            streamsMetrics.close();
        }
        streams.close();
        closeQuietly(view);
        closeQuietly(stewardLog);
        if (stewardProducer != null) {
            stewardProducer.close(Duration.ofSeconds(5));
        }
        if (capture != null) {
            capture.close();
        }
        metrics.close();
        LOG.info("Aurum stopped");
    }
}
