package io.aurum.embedded;

import io.aurum.infra.TopicAdmin;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.MetadataVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A single-node KRaft Kafka (combined broker and controller) running inside this JVM, for local mode and tests.
 *
 * <p>The log directory is persistent: it is formatted with Kafka's own {@link Formatter} only when it holds no
 * {@code meta.properties} yet, so a restart on the same directory keeps topics, data and committed offsets.
 */
public final class EmbeddedKafkaBroker implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafkaBroker.class);
    private static final int NODE_ID = 1;
    private static final String BROKER_LISTENER = "PLAINTEXT";
    private static final String CONTROLLER_LISTENER = "CONTROLLER";

    private final Path logDir;
    private final int requestedBrokerPort;
    private final int requestedControllerPort;
    private final Map<String, String> extraProperties;

    private KafkaRaftServer server;
    private int brokerPort;
    private int controllerPort;

    public EmbeddedKafkaBroker(Path logDir, int brokerPort, int controllerPort, Map<String, String> extraProperties) {
        this.logDir = Objects.requireNonNull(logDir, "logDir").toAbsolutePath();
        if (brokerPort < 0 || controllerPort < 0) {
            throw new IllegalArgumentException("ports must be >= 0 (0 picks a free port)");
        }
        this.requestedBrokerPort = brokerPort;
        this.requestedControllerPort = controllerPort;
        this.extraProperties = Map.copyOf(extraProperties == null ? Map.of() : extraProperties);
    }

    public EmbeddedKafkaBroker(Path logDir) {
        this(logDir, 0, 0, Map.of());
    }

    public static Builder builder(Path logDir) {
        return new Builder(logDir);
    }

    /** Formats the log directory if it is new, then starts the server and blocks until the broker is unfenced. */
    public synchronized EmbeddedKafkaBroker start() {
        if (server != null) {
            throw new IllegalStateException("broker already started on " + bootstrapServers());
        }
        long startNanos = System.nanoTime();
        // Picking the ports up front (instead of binding port 0) is what lets the static controller quorum and the
        // advertised listener name a real port; the window in which another process could take them is tiny.
        brokerPort = requestedBrokerPort == 0 ? freePort() : requestedBrokerPort;
        controllerPort = requestedControllerPort == 0 ? freePort(brokerPort) : requestedControllerPort;
        Properties props = serverProperties();
        KafkaConfig config = KafkaConfig.fromProps(props, false);
        boolean formatted = formatIfNeeded(config);
        long formattedNanos = System.nanoTime();
        KafkaRaftServer raftServer = new KafkaRaftServer(config, Time.SYSTEM);
        try {
            raftServer.startup();
        } catch (RuntimeException e) {
            shutdownQuietly(raftServer);
            throw new IllegalStateException("Kafka broker failed to start in " + logDir, e);
        }
        server = raftServer;
        LOG.info(
                "Kafka broker started on {} in {} ms ({} log dir {} in {} ms)",
                bootstrapServers(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos),
                formatted ? "formatted new" : "reused",
                logDir,
                TimeUnit.NANOSECONDS.toMillis(formattedNanos - startNanos));
        return this;
    }

    public synchronized String bootstrapServers() {
        if (server == null) {
            throw new IllegalStateException("broker not started");
        }
        return "localhost:" + brokerPort;
    }

    public synchronized int port() {
        if (server == null) {
            throw new IllegalStateException("broker not started");
        }
        return brokerPort;
    }

    public Path logDir() {
        return logDir;
    }

    /** Creates the topics that do not exist yet and waits until every partition of every topic can take writes. */
    public void createTopics(Collection<NewTopic> topics) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers()))) {
            TopicAdmin.createTopics(admin, topics, TopicAdmin.DEFAULT_TIMEOUT);
        }
    }

    @Override
    public synchronized void close() {
        KafkaRaftServer raftServer = server;
        if (raftServer == null) {
            return;
        }
        server = null;
        long startNanos = System.nanoTime();
        raftServer.shutdown();
        raftServer.awaitShutdown();
        LOG.info(
                "Kafka broker on localhost:{} stopped in {} ms",
                brokerPort,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos));
    }

    private Properties serverProperties() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("process.roles", "broker,controller");
        p.put("node.id", Integer.toString(NODE_ID));
        p.put("controller.quorum.voters", NODE_ID + "@localhost:" + controllerPort);
        p.put(
                "listeners",
                BROKER_LISTENER + "://localhost:" + brokerPort + "," + CONTROLLER_LISTENER + "://localhost:"
                        + controllerPort);
        p.put("advertised.listeners", BROKER_LISTENER + "://localhost:" + brokerPort);
        p.put("controller.listener.names", CONTROLLER_LISTENER);
        p.put("inter.broker.listener.name", BROKER_LISTENER);
        p.put("listener.security.protocol.map", BROKER_LISTENER + ":PLAINTEXT," + CONTROLLER_LISTENER + ":PLAINTEXT");
        p.put("log.dirs", logDir.toString());
        p.put("metadata.log.dir", logDir.toString());

        // A single node can only ever hold one replica of the internal topics.
        p.put("default.replication.factor", "1");
        p.put("min.insync.replicas", "1");
        p.put("offsets.topic.replication.factor", "1");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        // 50 partitions per internal topic only cost start-up time and file handles on a laptop.
        p.put("offsets.topic.num.partitions", "5");
        p.put("transaction.state.log.num.partitions", "5");
        p.put("share.coordinator.state.topic.num.partitions", "5");

        p.put("group.initial.rebalance.delay.ms", "0");
        // A process that dies mid-transaction restarts within seconds here: abort its timed-out transactions within
        // a second of their timeout rather than ten, so the restarted job can read its committed offsets sooner.
        p.put("transaction.abort.timed.out.transaction.cleanup.interval.ms", "1000");
        // Topics are created explicitly (with their partition count and cleanup policy); a typo must not create one.
        p.put("auto.create.topics.enable", "false");
        p.put("num.partitions", "1");

        // Compacted changelogs and golden-record topics rely on the cleaner; keep it on, with a modest buffer.
        p.put("log.cleaner.enable", "true");
        p.put("log.cleaner.threads", "1");
        p.put("log.cleaner.dedupe.buffer.size", Long.toString(32L * 1024 * 1024));
        // Small segments let compaction and retention act on a dev box's modest volumes; a week or 1 GiB per
        // partition, whichever comes first, bounds the disk used.
        p.put("log.segment.bytes", Integer.toString(16 * 1024 * 1024));
        p.put("offsets.topic.segment.bytes", Integer.toString(16 * 1024 * 1024));
        p.put("transaction.state.log.segment.bytes", Integer.toString(16 * 1024 * 1024));
        p.put("log.retention.hours", "168");
        p.put("log.retention.bytes", Long.toString(1024L * 1024 * 1024));

        // Two shared cores: the defaults (3 network, 8 I/O threads) only add contention.
        p.put("num.network.threads", "2");
        p.put("num.io.threads", "2");
        p.put("num.recovery.threads.per.data.dir", "1");

        p.putAll(extraProperties);
        Properties props = new Properties();
        props.putAll(p);
        return props;
    }

    private boolean formatIfNeeded(KafkaConfig config) {
        if (Files.exists(logDir.resolve("meta.properties"))) {
            return false;
        }
        try {
            Files.createDirectories(logDir);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not create Kafka log directory " + logDir, e);
        }
        ByteArrayOutputStream formatterOutput = new ByteArrayOutputStream();
        Formatter formatter = new Formatter()
                .setPrintStream(new PrintStream(formatterOutput, true, StandardCharsets.UTF_8))
                .setNodeId(NODE_ID)
                .setClusterId(Uuid.randomUuid().toString())
                .setDirectories(List.of(logDir.toString()))
                .setMetadataLogDirectory(config.metadataLogDir())
                .setControllerListenerName(CONTROLLER_LISTENER)
                .setReleaseVersion(MetadataVersion.latestProduction())
                .setIgnoreFormatted(true);
        try {
            formatter.run();
        } catch (Exception e) {
            throw new IllegalStateException(
                    "Could not format Kafka log directory " + logDir + ": "
                            + formatterOutput.toString(StandardCharsets.UTF_8).trim(),
                    e);
        }
        LOG.debug(
                "Formatted {}: {}",
                logDir,
                formatterOutput.toString(StandardCharsets.UTF_8).trim());
        return true;
    }

    private static int freePort(int... avoid) {
        for (int attempt = 0; attempt < 10; attempt++) {
            try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                socket.setReuseAddress(true);
                int port = socket.getLocalPort();
                boolean clash = false;
                for (int a : avoid) {
                    clash |= a == port;
                }
                if (!clash) {
                    return port;
                }
            } catch (IOException e) {
                throw new UncheckedIOException("Could not find a free local port", e);
            }
        }
        throw new IllegalStateException("Could not find a free local port");
    }

    private static void shutdownQuietly(KafkaRaftServer raftServer) {
        try {
            raftServer.shutdown();
            raftServer.awaitShutdown();
        } catch (RuntimeException e) {
            LOG.warn("Error while shutting down a Kafka broker that failed to start", e);
        }
    }

    public static final class Builder {
        private final Path logDir;
        private int brokerPort;
        private int controllerPort;
        private final Map<String, String> properties = new LinkedHashMap<>();

        private Builder(Path logDir) {
            this.logDir = logDir;
        }

        /** 0 (the default) picks a free port. */
        public Builder brokerPort(int port) {
            this.brokerPort = port;
            return this;
        }

        /** 0 (the default) picks a free port. */
        public Builder controllerPort(int port) {
            this.controllerPort = port;
            return this;
        }

        /** Overrides or adds a broker property; applied after Aurum's defaults. */
        public Builder property(String key, String value) {
            properties.put(key, value);
            return this;
        }

        public Builder properties(Map<String, String> extra) {
            properties.putAll(extra);
            return this;
        }

        public EmbeddedKafkaBroker build() {
            return new EmbeddedKafkaBroker(logDir, brokerPort, controllerPort, properties);
        }
    }
}
