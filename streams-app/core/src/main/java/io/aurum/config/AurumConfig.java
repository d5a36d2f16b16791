package io.aurum.config;

import java.net.URI;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The whole configuration of one Aurum deployment: where Kafka, the registry and the sources are, how the
 * Streams job runs, and the pipeline itself. One YAML file holds it all so that a mistake anywhere is reported
 * the same way (file, line, key). Every runtime section is optional: local mode fills in its embedded parts.
 */
public record AurumConfig(
        String file,
        KafkaSettings kafka,
        RegistrySettings registry,
        StreamsSettings streams,
        CaptureSettings capture,
        HttpSettings http,
        PipelineConfig pipeline) {

    public record KafkaSettings(Optional<String> bootstrapServers, Map<String, String> properties) {}

    public record RegistrySettings(Optional<String> url, Map<String, String> properties) {}

    /**
     * @param instanceId a stable identity of this instance in the consumer group (static membership): a restarted
     *                   instance takes its partitions back at once instead of waiting out the session of the one
     *                   that died. Unique per instance, e.g. the pod name.
     * @param stallAfterMs  work waiting and nothing committed for this long: {@code /health} reports STALLED
     * @param standbyReplicas warm copies of each task's state kept by other instances ({@code num.standby.replicas}):
     *                   a task whose instance dies moves to one that already holds its state
     * @param applicationServer {@code host:port} at which other instances reach this one's HTTP API
     *                   ({@code application.server}), for lookups of keys held elsewhere
     */
    public record StreamsSettings(
            String applicationId,
            int partitions,
            short replicationFactor,
            int threads,
            long commitIntervalMs,
            Optional<String> stateDir,
            Optional<String> instanceId,
            long stallAfterMs,
            int standbyReplicas,
            Optional<String> applicationServer,
            Map<String, String> properties) {
        public StreamsSettings withInstanceId(String id) {
            return new StreamsSettings(
                    applicationId,
                    partitions,
                    replicationFactor,
                    threads,
                    commitIntervalMs,
                    stateDir,
                    Optional.of(id),
                    stallAfterMs,
                    standbyReplicas,
                    applicationServer,
                    properties);
        }

        public StreamsSettings withProperties(Map<String, String> props) {
            return new StreamsSettings(
                    applicationId,
                    partitions,
                    replicationFactor,
                    threads,
                    commitIntervalMs,
                    stateDir,
                    instanceId,
                    stallAfterMs,
                    standbyReplicas,
                    applicationServer,
                    Map.copyOf(props));
        }
    }

    /** A source database to capture from, when Aurum runs Debezium itself. */
    /**
     * @param ssl pgjdbc/libpq TLS settings, by their names ({@code sslmode}, {@code sslrootcert}, {@code sslcert},
     *            {@code sslkey}, {@code sslpassword}): given to Debezium ({@code database.*}) and to Aurum's own
     *            connections alike
     */
    public record CaptureDatabase(
            String name,
            String host,
            int port,
            String database,
            String user,
            String password,
            Map<String, String> ssl) {
        @Override
        public String toString() {
            // Never print the password.
            return "CaptureDatabase[" + name + ", " + host + ":" + port + "/" + database + ", user " + user + ", ssl "
                    + ssl.keySet() + "]";
        }
    }

    static final Set<String> SSL_KEYS = Set.of("sslmode", "sslrootcert", "sslcert", "sslkey", "sslpassword");

    /**
     * @param heartbeatIntervalMs  Debezium heartbeats (0: off): a quiet database's slot confirms new positions
     * @param heartbeatActionQuery run in each captured database at every heartbeat; empty: none (the capture's
     *                             default writes a logical message, see {@code io.aurum.capture.CaptureSettings})
     * @param reconnectMs          how long a source that lost its database after it had started keeps reconnecting
     *                             before capture counts it as failed (0: never reconnect)
     */
    public record CaptureSettings(
            boolean enabled,
            long pollIntervalMs,
            int topicPartitions,
            long heartbeatIntervalMs,
            Optional<String> heartbeatActionQuery,
            long reconnectMs,
            Map<String, CaptureDatabase> databases,
            Map<String, String> debeziumProperties) {}

    /**
     * @param advertisedHost the host name other instances reach this one's HTTP API at (Kafka Streams'
     *                       {@code application.server}, for lookups of keys another instance holds); null: this
     *                       machine's host name
     * @param console        whether the steward console (and the view of the public topics behind it) runs
     */
    public record HttpSettings(int port, String bindAddress, String advertisedHost, boolean console) {}

    private static final Set<String> TOP = new HashSet<>(PipelineConfig.KEYS);

    static {
        TOP.addAll(Set.of("kafka", "registry", "streams", "capture", "http"));
    }

    /** The built-in demo config: the demo databases' pipeline; what {@code aurum local} and {@code bench} use by default. */
    public static final String DEMO = "config/demo.yaml";

    /** The config file given, or the built-in {@link #DEMO demo config} when there is none. */
    public static AurumConfig loadOrDemo(Path file) {
        return file == null ? fromClasspath(DEMO) : load(file);
    }

    /**
     * Whether this is the built-in demo config itself (not a copy of it in a file): local mode creates the demo
     * tables and rows only for this one.
     */
    public boolean isDemo() {
        return ("classpath:" + DEMO).equals(file);
    }

    /** This config with other Streams settings. */
    public AurumConfig withStreams(StreamsSettings settings) {
        return new AurumConfig(file, kafka, registry, settings, capture, http, pipeline);
    }

    public static AurumConfig load(Path path) {
        return from(YamlDocument.load(path, System.getenv()));
    }

    /** A config shipped inside the jar, such as the demo's {@code config/demo.yaml}. */
    public static AurumConfig fromClasspath(String resource) {
        try (var in = AurumConfig.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new ConfigException("classpath:" + resource, 0, "", "no such resource");
            }
            String text = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            return from(YamlDocument.parse("classpath:" + resource, text, System.getenv()));
        } catch (java.io.IOException e) {
            throw new ConfigException("classpath:" + resource, 0, "", "cannot read: " + e.getMessage());
        }
    }

    public static AurumConfig from(YamlDocument doc) {
        ConfigNode root = doc.root().requireKeys(TOP);

        ConfigNode k = root.get("kafka").requireKeys(Set.of("bootstrap_servers", "properties"));
        KafkaSettings kafka = new KafkaSettings(
                k.optString("bootstrap_servers"), k.get("properties").stringMap());

        ConfigNode r = root.get("registry").requireKeys(Set.of("url", "properties"));
        r.optString("url").ifPresent(url -> checkUrl(r.get("url"), url));
        RegistrySettings registry =
                new RegistrySettings(r.optString("url"), r.get("properties").stringMap());

        ConfigNode s = root.get("streams")
                .requireKeys(Set.of(
                        "application_id",
                        "partitions",
                        "replication_factor",
                        "threads",
                        "commit_interval_ms",
                        "state_dir",
                        "instance_id",
                        "stall_after_ms",
                        "standby_replicas",
                        "application_server",
                        "properties"));
        int partitions = positive(s, "partitions", 4);
        int rf = positive(s, "replication_factor", 1);
        StreamsSettings streams = new StreamsSettings(
                s.string("application_id", "aurum"),
                partitions,
                (short) rf,
                positive(s, "threads", 1),
                s.longValue("commit_interval_ms", 100),
                s.optString("state_dir"),
                s.optString("instance_id"),
                positive(s, "stall_after_ms", 120_000),
                notNegative(s, "standby_replicas", 0),
                s.optString("application_server"),
                s.get("properties").stringMap());
        streams.applicationServer().ifPresent(server -> {
            int colon = server.lastIndexOf(':');
            if (colon <= 0 || !server.substring(colon + 1).matches("[0-9]{1,5}")) {
                throw s.get("application_server").error("expected host:port, got '" + server + "'");
            }
        });

        ConfigNode c = root.get("capture")
                .requireKeys(Set.of(
                        "enabled",
                        "poll_interval_ms",
                        "topic_partitions",
                        "heartbeat_interval_ms",
                        "heartbeat_action_query",
                        "reconnect_ms",
                        "databases",
                        "debezium"));
        Map<String, CaptureDatabase> databases = new LinkedHashMap<>();
        c.get("databases").entries().forEach((name, node) -> databases.put(name, bindDatabase(name, node)));
        CaptureSettings capture = new CaptureSettings(
                c.bool("enabled", true),
                c.longValue("poll_interval_ms", 100),
                positive(c, "topic_partitions", 1),
                notNegativeLong(c, "heartbeat_interval_ms", 10_000),
                c.optString("heartbeat_action_query"),
                notNegativeLong(c, "reconnect_ms", 1_800_000),
                databases,
                c.get("debezium").stringMap());

        ConfigNode h = root.get("http").requireKeys(Set.of("port", "bind_address", "advertised_host", "console"));
        int port = h.intValue("port", 8080);
        if (port < 0 || port > 65535) {
            throw h.get("port").error("not a TCP port: " + port);
        }
        HttpSettings http = new HttpSettings(
                port,
                h.string("bind_address", "0.0.0.0"),
                h.optString("advertised_host").orElse(null),
                h.bool("console", true));

        PipelineConfig pipeline = PipelineConfig.bind(root);
        for (Map.Entry<String, CaptureDatabase> db : databases.entrySet()) {
            boolean used = pipeline.sources().values().stream()
                    .anyMatch(src -> src.database().equals(db.getKey()));
            if (!used) {
                throw c.get("databases").get(db.getKey()).error("no source reads from database '" + db.getKey() + "'");
            }
        }
        return new AurumConfig(doc.file(), kafka, registry, streams, capture, http, pipeline);
    }

    private static int positive(ConfigNode node, String key, int fallback) {
        int value = node.intValue(key, fallback);
        if (value <= 0) {
            throw node.get(key).error("must be at least 1");
        }
        return value;
    }

    private static int notNegative(ConfigNode node, String key, int fallback) {
        int value = node.intValue(key, fallback);
        if (value < 0) {
            throw node.get(key).error("must be 0 or more");
        }
        return value;
    }

    private static long notNegativeLong(ConfigNode node, String key, long fallback) {
        long value = node.longValue(key, fallback);
        if (value < 0) {
            throw node.get(key).error("must be 0 or more");
        }
        return value;
    }

    private static void checkUrl(ConfigNode node, String url) {
        try {
            URI uri = URI.create(url.split(",")[0].trim());
            if (uri.getScheme() == null || uri.getHost() == null) {
                throw node.error("not an http(s) URL: " + url);
            }
        } catch (IllegalArgumentException e) {
            throw node.error("not a URL: " + url);
        }
    }

    private static CaptureDatabase bindDatabase(String name, ConfigNode node) {
        Set<String> keys = new HashSet<>(SSL_KEYS);
        keys.addAll(Set.of("jdbc_url", "user", "password"));
        node.requireKeys(keys);
        Map<String, String> ssl = new LinkedHashMap<>();
        for (String k : List.of("sslmode", "sslrootcert", "sslcert", "sslkey", "sslpassword")) {
            node.optString(k).ifPresent(v -> ssl.put(k, v));
        }
        String mode = ssl.get("sslmode");
        if (mode != null
                && !List.of("disable", "allow", "prefer", "require", "verify-ca", "verify-full")
                        .contains(mode)) {
            throw node.get("sslmode")
                    .error("expected one of disable, allow, prefer, require, verify-ca, verify-full; got '" + mode
                            + "'");
        }
        String jdbc = node.string("jdbc_url");
        String prefix = "jdbc:postgresql://";
        if (!jdbc.startsWith(prefix)) {
            throw node.get("jdbc_url").error("expected jdbc:postgresql://host[:port]/database");
        }
        URI uri;
        try {
            uri = URI.create("postgresql://" + jdbc.substring(prefix.length()));
        } catch (IllegalArgumentException e) {
            throw node.get("jdbc_url").error("not a valid JDBC URL: " + e.getMessage());
        }
        String path = uri.getPath();
        if (uri.getHost() == null || path == null || path.length() < 2) {
            throw node.get("jdbc_url").error("expected jdbc:postgresql://host[:port]/database");
        }
        return new CaptureDatabase(
                name,
                uri.getHost(),
                uri.getPort() < 0 ? 5432 : uri.getPort(),
                path.substring(1),
                node.string("user", "postgres"),
                node.string("password", ""),
                Map.copyOf(ssl));
    }
}
