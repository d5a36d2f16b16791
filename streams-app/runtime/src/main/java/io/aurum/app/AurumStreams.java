package io.aurum.app;

import io.aurum.config.AurumConfig;
import io.aurum.infra.TopicAdmin;
import io.aurum.schemas.GoldenCustomer;
import io.aurum.serde.AurumSerdes;
import io.aurum.topology.AurumTopology;
import io.aurum.topology.StreamsProperties;
import io.aurum.topology.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Aurum Kafka Streams job: provisions its public topics, builds the topology with the configured serdes,
 * and runs it. The same class runs in local mode and in production; only the config differs.
 */
public final class AurumStreams implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AurumStreams.class);

    private final AurumConfig config;
    private final String bootstrapServers;
    private final Map<String, Object> serdeConfig;
    private final Topics topics;
    private final Properties properties;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private KafkaStreams streams;

    public AurumStreams(AurumConfig config, String bootstrapServers, String registryUrl, String defaultStateDir) {
        this.config = config;
        this.bootstrapServers = bootstrapServers;
        this.serdeConfig = serdeConfig(config, registryUrl);
        this.topics = new Topics(new Topics.AvroSerdes() {
            @Override
            public <T extends org.apache.avro.specific.SpecificRecord> Serde<T> serde(Class<T> type) {
                return AurumSerdes.valueSerde(type, serdeConfig);
            }
        }, config.streams().applicationId());
        this.properties = StreamsProperties.build(config, bootstrapServers, defaultStateDir);
    }

    /** What the Avro serdes are configured with: the registry URL and any {@code registry.properties}. */
    public static Map<String, Object> serdeConfig(AurumConfig config, String registryUrl) {
        Map<String, Object> m = new HashMap<>(config.registry().properties());
        m.put("schema.registry.url", registryUrl);
        return m;
    }

    public Serde<GoldenCustomer> goldenSerde() {
        return topics.golden().valueSerde();
    }

    public synchronized AurumStreams start() {
        provisionTopics();
        streams = new KafkaStreams(AurumTopology.build(config.pipeline(), topics, config.streams().partitions()),
                properties);
        streams.setUncaughtExceptionHandler(e -> {
            // A failure that is not bad input (bad input goes to the DLQ) must not be skipped: stop, and let the
            // supervisor restart the job from its last committed state.
            failure.compareAndSet(null, e);
            LOG.error("Streams job failed; shutting down so it can restart from its last commit", e);
            return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        });
        streams.setStateListener((now, before) -> LOG.info("Streams {} -> {}", before, now));
        streams.start();
        return this;
    }

    /**
     * Creates the public topics (golden, xref, quality, redirects, conflicts), the steward input topics
     * (assertions, overrides), the resolver's message topics and aurum.dlq if missing, and the CDC topics of every configured
     * source: Debezium creates a table's topic only with its first event, and Streams refuses to run while a source
     * topic is missing. Streams creates its internal topics itself.
     */
    private void provisionTopics() {
        int partitions = config.streams().partitions();
        short rf = config.streams().replicationFactor();
        Map<String, String> compacted = Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT);
        List<NewTopic> newTopics = new ArrayList<>();
        newTopics.add(new NewTopic(Topics.GOLDEN, partitions, rf).configs(compacted));
        newTopics.add(new NewTopic(Topics.XREF, partitions, rf).configs(compacted));
        newTopics.add(new NewTopic(Topics.QUALITY, partitions, rf).configs(compacted));
        newTopics.add(new NewTopic(Topics.REDIRECTS, partitions, rf).configs(compacted));
        newTopics.add(new NewTopic(Topics.ASSERTIONS, partitions, rf).configs(compacted));
        // The resolver's message topics carry transient traffic; a week's retention outlasts any sane outage.
        Map<String, String> transient_ = Map.of(TopicConfig.RETENTION_MS_CONFIG, Long.toString(Duration.ofDays(7).toMillis()));
        newTopics.add(new NewTopic(topics.identityToIdentifiers(), partitions, rf).configs(transient_));
        newTopics.add(new NewTopic(topics.identityToRecords(), partitions, rf).configs(transient_));
        newTopics.add(new NewTopic(Topics.CONFLICTS, partitions, rf).configs(compacted));
        newTopics.add(new NewTopic(Topics.OVERRIDES, partitions, rf).configs(compacted));
        // Dead letters are kept a month: long enough for an operator to inspect and replay them.
        newTopics.add(new NewTopic(Topics.DLQ, 1, rf).configs(Map.of(TopicConfig.RETENTION_MS_CONFIG,
                Long.toString(Duration.ofDays(30).toMillis()))));
        config.pipeline().sources().values().stream().map(s -> s.topic()).distinct().forEach(topic ->
                newTopics.add(new NewTopic(topic, config.capture().topicPartitions(), rf)));
        try (Admin admin = admin()) {
            TopicAdmin.createTopics(admin, newTopics, Duration.ofSeconds(60));
        }
    }

    public Admin admin() {
        Properties p = new Properties();
        p.putAll(config.kafka().properties());
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        return Admin.create(p);
    }

    public KafkaStreams streams() {
        return streams;
    }

    public Throwable failure() {
        return failure.get();
    }

    public boolean isRunning() {
        return streams != null && streams.state() == KafkaStreams.State.RUNNING;
    }

    private static final long EXACT_COUNT_LIMIT = 200_000;

    /**
     * Golden customers held by this instance's tasks. Counted exactly up to 200k (RocksDB's own estimate is far off
     * after deletes and merges), beyond that the estimate is good enough for a progress line.
     */
    public long goldenCount() {
        ReadOnlyKeyValueStore<String, GoldenCustomer> store = goldenStore();
        if (store == null) {
            return 0;
        }
        long estimate = store.approximateNumEntries();
        if (estimate > EXACT_COUNT_LIMIT) {
            return estimate;
        }
        long n = 0;
        try (var it = store.all()) {
            while (it.hasNext()) {
                it.next();
                n++;
            }
        }
        return n;
    }

    public ReadOnlyKeyValueStore<String, GoldenCustomer> goldenStore() {
        return store(AurumTopology.GOLDEN_STORE);
    }

    public <V> ReadOnlyKeyValueStore<String, V> store(String name) {
        if (!isRunning()) {
            return null;
        }
        try {
            return streams.store(StoreQueryParameters.fromNameAndType(name,
                    QueryableStoreTypes.<String, V>keyValueStore()));
        } catch (RuntimeException e) {
            return null;
        }
    }

    public IdleProbe idleProbe(Admin admin) {
        List<String> inputs = new ArrayList<>(config.pipeline().sources().values().stream().map(s -> s.topic()).distinct().toList());
        inputs.add(Topics.ASSERTIONS);
        inputs.add(topics.identityToIdentifiers());
        inputs.add(topics.identityToRecords());
        inputs.add(Topics.OVERRIDES);
        return new IdleProbe(admin, config.streams().applicationId(), inputs);
    }

    @Override
    public synchronized void close() {
        if (streams != null) {
            streams.close(Duration.ofSeconds(30));
            streams = null;
        }
    }
}
