package io.aurum.runtime;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aurum.app.AurumStreams;
import io.aurum.app.GoldenJson;
import io.aurum.app.ProgressMonitor;
import io.aurum.capture.CaptureService;
import io.aurum.capture.CaptureSettings;
import io.aurum.capture.CaptureSource;
import io.aurum.capture.CaptureStats;
import io.aurum.config.AurumConfig;
import io.aurum.errors.DeadLetters;
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
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
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
    private HttpApi http;
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
        streams.start();
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
        monitorAdmin = streams.admin();
        progress = new ProgressMonitor(
                        monitorAdmin,
                        streams.idleProbe(monitorAdmin),
                        Duration.ofMillis(config.streams().stallAfterMs()),
                        streams::restoredRecords,
                        bootstrapServers)
                .start(Duration.ofSeconds(5));
        http = new HttpApi(config.http().bindAddress(), httpPort, streams, metrics, this::health).start();
        return this;
    }

    private ObjectNode health() {
        ObjectNode node = captureHealth();
        node.set("progress", progress.toJson());
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
            dbs.putObject(e.getKey())
                    .put("snapshotCompleted", s.snapshotCompleted() || s.snapshotSkipped())
                    .put("events", s.totalEvents())
                    .put("failed", s.failure().isPresent());
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
            Duration left = timeout.minusNanos(System.nanoTime() - start);
            streams.idleProbe(admin)
                    .awaitIdle(left.isNegative() ? Duration.ofSeconds(1) : left, Duration.ofMillis(500));
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
        if (streamsMetrics != null) {
            streamsMetrics.close();
        }
        streams.close();
        if (capture != null) {
            capture.close();
        }
        metrics.close();
        LOG.info("Aurum stopped");
    }
}
