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
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.security.auth.SecurityProtocol;
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
 *
 * <p>By default clients connect to one PLAINTEXT listener. For security tests the builder declares other client
 * listeners instead ({@code SASL_SSL}, {@code SSL}; their TLS and SASL settings are broker properties, e.g.
 * {@code listener.name.sasl.ssl.client.auth}), the controller listener's protocol, and SCRAM credentials, which
 * the formatter writes into the new cluster's first metadata so that they exist before the first client connects.
 */
public final class EmbeddedKafkaBroker implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafkaBroker.class);
    private static final int NODE_ID = 1;
    private static final String BROKER_LISTENER = "PLAINTEXT";
    private static final String CONTROLLER_LISTENER = "CONTROLLER";
    private static final Pattern LISTENER_NAME = Pattern.compile("[A-Z][A-Z0-9_]*");

    /** A client listener: its name (upper case, as Kafka's listener names), protocol and port (0: a free one). */
    public record Listener(String name, SecurityProtocol protocol, int port) {
        public Listener {
            if (!LISTENER_NAME.matcher(name).matches() || name.equals(CONTROLLER_LISTENER)) {
                throw new IllegalArgumentException(
                        "listener name must be upper case, not " + CONTROLLER_LISTENER + ": " + name);
            }
            Objects.requireNonNull(protocol, "protocol");
            if (port < 0) {
                throw new IllegalArgumentException("port must be >= 0 (0 picks a free port)");
            }
        }
    }

    private final Path logDir;
    private final List<Listener> listeners;
    private final String interBrokerListener;
    private final SecurityProtocol controllerProtocol;
    private final int requestedControllerPort;
    private final Map<String, String> extraProperties;
    private final List<String> scramArguments;
    private final Map<String, Object> clientProperties;

    private KafkaRaftServer server;
    private final Map<String, Integer> ports = new LinkedHashMap<>();
    private int controllerPort;

    public EmbeddedKafkaBroker(Path logDir, int brokerPort, int controllerPort, Map<String, String> extraProperties) {
        this(
                logDir,
                List.of(new Listener(BROKER_LISTENER, SecurityProtocol.PLAINTEXT, brokerPort)),
                null,
                SecurityProtocol.PLAINTEXT,
                controllerPort,
                extraProperties,
                List.of(),
                Map.of());
    }

    private EmbeddedKafkaBroker(
            Path logDir,
            List<Listener> listeners,
            String interBrokerListener,
            SecurityProtocol controllerProtocol,
            int controllerPort,
            Map<String, String> extraProperties,
            List<String> scramArguments,
            Map<String, Object> clientProperties) {
        this.logDir = Objects.requireNonNull(logDir, "logDir").toAbsolutePath();
        if (controllerPort < 0) {
            throw new IllegalArgumentException("ports must be >= 0 (0 picks a free port)");
        }
        if (listeners.isEmpty()) {
            throw new IllegalArgumentException("at least one client listener is required");
        }
        if (listeners.stream().map(Listener::name).distinct().count() != listeners.size()) {
            throw new IllegalArgumentException("listener names must be unique: " + listeners);
        }
        this.listeners = List.copyOf(listeners);
        this.interBrokerListener =
                interBrokerListener == null ? listeners.get(0).name() : interBrokerListener;
        if (listeners.stream().noneMatch(l -> l.name().equals(this.interBrokerListener))) {
            throw new IllegalArgumentException("inter-broker listener " + interBrokerListener + " is not one of "
                    + listeners.stream().map(Listener::name).toList());
        }
        this.controllerProtocol = Objects.requireNonNull(controllerProtocol, "controllerProtocol");
        this.requestedControllerPort = controllerPort;
        this.extraProperties = Map.copyOf(extraProperties == null ? Map.of() : extraProperties);
        this.scramArguments = List.copyOf(scramArguments);
        this.clientProperties = Map.copyOf(clientProperties);
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
        ports.clear();
        for (Listener listener : listeners) {
            ports.put(listener.name(), listener.port() == 0 ? freePort(taken()) : listener.port());
        }
        controllerPort = requestedControllerPort == 0 ? freePort(taken()) : requestedControllerPort;
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

    /** The first client listener's address. */
    public synchronized String bootstrapServers() {
        return "localhost:" + port();
    }

    /** The address of the client listener named {@code listener}. */
    public synchronized String bootstrapServers(String listener) {
        return "localhost:" + port(listener);
    }

    /** The first client listener's port. */
    public synchronized int port() {
        return port(listeners.get(0).name());
    }

    public synchronized int port(String listener) {
        if (server == null) {
            throw new IllegalStateException("broker not started");
        }
        Integer port = ports.get(listener);
        if (port == null) {
            throw new IllegalArgumentException("no listener " + listener + "; listeners: " + ports.keySet());
        }
        return port;
    }

    private int[] taken() {
        int[] out = ports.values().stream().mapToInt(Integer::intValue).toArray();
        return out;
    }

    public Path logDir() {
        return logDir;
    }

    /**
     * Creates the topics that do not exist yet and waits until every partition of every topic can take writes,
     * through the first listener with the builder's client properties.
     */
    public void createTopics(Collection<NewTopic> topics) {
        Map<String, Object> config = new LinkedHashMap<>(clientProperties);
        config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        try (Admin admin = Admin.create(config)) {
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
                ports.get(listeners.get(0).name()),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos));
    }

    private Properties serverProperties() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("process.roles", "broker,controller");
        p.put("node.id", Integer.toString(NODE_ID));
        p.put("controller.quorum.voters", NODE_ID + "@localhost:" + controllerPort);
        List<String> clientListeners = new ArrayList<>();
        List<String> protocols = new ArrayList<>();
        for (Listener listener : listeners) {
            clientListeners.add(listener.name() + "://localhost:" + ports.get(listener.name()));
            protocols.add(listener.name() + ":" + listener.protocol().name);
        }
        protocols.add(CONTROLLER_LISTENER + ":" + controllerProtocol.name);
        p.put(
                "listeners",
                String.join(",", clientListeners) + "," + CONTROLLER_LISTENER + "://localhost:" + controllerPort);
        p.put("advertised.listeners", String.join(",", clientListeners));
        p.put("controller.listener.names", CONTROLLER_LISTENER);
        p.put("inter.broker.listener.name", interBrokerListener);
        p.put("listener.security.protocol.map", String.join(",", protocols));
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
                .setScramArguments(scramArguments)
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
        private final List<Listener> listeners = new ArrayList<>();
        private String interBrokerListener;
        private SecurityProtocol controllerProtocol = SecurityProtocol.PLAINTEXT;
        private final List<String> scram = new ArrayList<>();
        private final Map<String, Object> clientProperties = new LinkedHashMap<>();

        private Builder(Path logDir) {
            this.logDir = logDir;
        }

        /** The port of the default PLAINTEXT listener (or of the first declared listener); 0 picks a free one. */
        public Builder brokerPort(int port) {
            this.brokerPort = port;
            return this;
        }

        /**
         * Declares a client listener on a free port. Declared listeners replace the default PLAINTEXT one; the first
         * is the one {@link #bootstrapServers()} names and, unless {@link #interBrokerListener} says otherwise, the
         * inter-broker listener. Its TLS/SASL settings are broker properties ({@link #property}).
         */
        public Builder listener(String name, SecurityProtocol protocol) {
            listeners.add(new Listener(name, protocol, 0));
            return this;
        }

        public Builder interBrokerListener(String name) {
            this.interBrokerListener = name;
            return this;
        }

        /**
         * The controller listener's protocol: PLAINTEXT (the default) or SSL (the broker then authenticates to its
         * controller with its own key store, {@code ssl.keystore.*}, as the principal its certificate maps to).
         */
        public Builder controllerProtocol(SecurityProtocol protocol) {
            this.controllerProtocol = protocol;
            return this;
        }

        /**
         * A SCRAM credential written when the log directory is formatted (kafka-storage's {@code --add-scram}), so
         * that it exists from the first start. Names and passwords of letters, digits, '-' and '_' only.
         */
        public Builder scramCredential(String mechanism, String user, String password) {
            Pattern plain = Pattern.compile("[A-Za-z0-9_-]+");
            if (!plain.matcher(user).matches() || !plain.matcher(password).matches()) {
                throw new IllegalArgumentException("SCRAM user and password: letters, digits, '-' and '_' only");
            }
            scram.add(mechanism + "=[name=" + user + ",password=" + password + "]");
            return this;
        }

        /** Client settings (security) for the broker's own admin client ({@link #createTopics}). */
        public Builder clientProperties(Map<String, ?> properties) {
            clientProperties.putAll(properties);
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
            List<Listener> declared = new ArrayList<>(listeners);
            if (declared.isEmpty()) {
                declared.add(new Listener(BROKER_LISTENER, SecurityProtocol.PLAINTEXT, brokerPort));
            } else if (brokerPort != 0) {
                Listener first = declared.get(0);
                declared.set(0, new Listener(first.name(), first.protocol(), brokerPort));
            }
            return new EmbeddedKafkaBroker(
                    logDir,
                    declared,
                    interBrokerListener,
                    controllerProtocol,
                    controllerPort,
                    properties,
                    scram,
                    clientProperties);
        }
    }
}
