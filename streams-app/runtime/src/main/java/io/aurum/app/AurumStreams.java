package io.aurum.app;

import io.aurum.config.AurumConfig;
import io.aurum.golden.GoldenTable;
import io.aurum.identity.Membership;
import io.aurum.infra.TopicAdmin;
import io.aurum.resolve.Lookups;
import io.aurum.resolve.Message;
import io.aurum.resolve.Resolver;
import io.aurum.schemas.GoldenCustomer;
import io.aurum.serde.GenericAvroWireSerde;
import io.aurum.topology.AurumTopology;
import io.aurum.topology.Stores;
import io.aurum.topology.StreamsProperties;
import io.aurum.topology.Topics;
import java.time.Duration;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.apache.kafka.streams.processor.StateRestoreListener;
import org.apache.kafka.streams.state.HostInfo;
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
    private final Topics topics;
    private final Properties properties;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final Restores restores = new Restores();
    private KafkaStreams streams;
    private final Lookups lookups;

    public AurumStreams(AurumConfig config, String bootstrapServers, String registryUrl, String defaultStateDir) {
        this.config = config;
        this.bootstrapServers = bootstrapServers;
        this.topics = new Topics(RegistrySerdes.of(config, registryUrl), config);
        this.properties = StreamsProperties.build(config, bootstrapServers, defaultStateDir);
        this.lookups = new Lookups(config.pipeline());
    }

    public Serde<GoldenCustomer> goldenSerde() {
        return topics.golden().valueSerde();
    }

    /** Every topic of this deployment, with its serdes. */
    public Topics topics() {
        return topics;
    }

    public synchronized AurumStreams start() {
        return start(null);
    }

    /**
     * Starts the job. {@code applicationServer} ({@code host:port} of this instance's HTTP API) is what Kafka Streams
     * tells the other instances, so that a lookup of a key this instance holds can be forwarded here; null when
     * this instance answers no lookups for others.
     */
    public synchronized AurumStreams start(String applicationServer) {
        provisionTopics();
        if (applicationServer != null) {
            properties.put(StreamsConfig.APPLICATION_SERVER_CONFIG, applicationServer);
        }
        streams = new KafkaStreams(
                AurumTopology.build(config.pipeline(), topics, config.streams().partitions()), properties);
        streams.setUncaughtExceptionHandler(e -> {
            // A failure that is not bad input (bad input goes to the DLQ) must not be skipped: stop, and let the
            // supervisor restart the job from its last committed state.
            failure.compareAndSet(null, e);
            LOG.error("Streams job failed; shutting down so it can restart from its last commit", e);
            return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        });
        streams.setStateListener((now, before) -> LOG.info("Streams {} -> {}", before, now));
        streams.setGlobalStateRestoreListener(restores);
        streams.start();
        return this;
    }

    /**
     * Creates every topic {@link Topics} declares if missing (public, steward input, resolver, dead letters and the
     * CDC topics of every configured source), each as its spec says. Streams creates its internal topics itself.
     */
    public void provisionTopics() {
        try (Admin admin = admin()) {
            TopicAdmin.createTopics(admin, topics.newTopics(), Duration.ofSeconds(60));
        }
        registerGoldenTableSchema();
    }

    /**
     * Registers customers.golden.table's schema, derived from the config, before the first row: a sink connector
     * started now finds it, and a config change the registry refuses (a field that changed type) stops the start
     * with the registry's reason instead of failing on the first golden change.
     */
    private void registerGoldenTableSchema() {
        if (topics.goldenTable().valueSerde() instanceof GenericAvroWireSerde serde) {
            org.apache.avro.Schema schema = GoldenTable.schemaFor(config.pipeline());
            try {
                int id = serde.register(Topics.GOLDEN_TABLE, schema);
                LOG.info(
                        "Schema of {} registered (id {}): {} typed golden columns",
                        Topics.GOLDEN_TABLE,
                        id,
                        schema.getFields().size() - 5);
            } catch (RuntimeException e) {
                throw new IllegalStateException(
                        "The schema registry refuses the schema of " + Topics.GOLDEN_TABLE + " derived from the config"
                                + " (a golden field that changed type is an incompatible change: give it a new name): "
                                + e.getMessage(),
                        e);
            }
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

    /** Records restored into state stores from their changelogs so far: it grows while a restore makes progress. */
    public long restoredRecords() {
        return restores.restored.get();
    }

    /** Counts restored records: a restore is slow progress, not a stall, for as long as it moves. */
    private static final class Restores implements StateRestoreListener {
        private final java.util.concurrent.atomic.AtomicLong restored = new java.util.concurrent.atomic.AtomicLong();

        @Override
        public void onRestoreStart(TopicPartition partition, String store, long start, long end) {}

        @Override
        public void onBatchRestored(TopicPartition partition, String store, long batchEnd, long count) {
            restored.addAndGet(count);
        }

        @Override
        public void onRestoreEnd(TopicPartition partition, String store, long total) {}
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
        ReadOnlyKeyValueStore<String, Object> store = store(Stores.CLUSTERS.name());
        if (store == null) {
            return 0;
        }
        long estimate = store.approximateNumEntries();
        return estimate > EXACT_COUNT_LIMIT ? estimate : Lookups.clusters(store);
    }

    /**
     * The golden record of a cluster this instance holds, or null (held elsewhere, unknown, or the job is not
     * running): computed from its cluster node as it would be published. The one place that knows how golden
     * records are stored: lookups go through here.
     */
    public GoldenCustomer golden(String goldenId) {
        ReadOnlyKeyValueStore<String, Object> store = store(Stores.CLUSTERS.name());
        return store == null ? null : lookups.golden(store, goldenId);
    }

    /** The published membership (golden id, reason) of a source record this instance holds, or null. */
    public Membership membership(String recordId) {
        ReadOnlyKeyValueStore<String, Object> store = store(Stores.RECORDS.name());
        return store == null ? null : lookups.membership(store, recordId);
    }

    /**
     * Which instance holds golden id {@code goldenId} (its HTTP host and port), or empty when unknown (not running,
     * rebalancing). The one place that knows where golden records are stored and how they are partitioned.
     */
    public Optional<HostInfo> ownerOfGolden(String goldenId) {
        return owner(Stores.CLUSTERS.name(), goldenId, Message.Target.CLUSTER);
    }

    /** Which instance holds the membership of source record {@code recordId}, or empty when unknown. */
    public Optional<HostInfo> ownerOfRecord(String recordId) {
        return owner(Stores.RECORDS.name(), recordId, Message.Target.RECORD);
    }

    /** Where the resolver keeps {@code key}: its nodes are placed by {@link Resolver#partition}, not by Kafka's default. */
    private Optional<HostInfo> owner(String store, String key, Message.Target target) {
        if (!isRunning()) {
            return Optional.empty();
        }
        try {
            KeyQueryMetadata meta = streams.queryMetadataForKey(
                    store,
                    key,
                    (String topic, String k, Object v, int n) ->
                            Optional.of(java.util.Set.of(Resolver.partition(target, k, n))));
            if (meta == null || KeyQueryMetadata.NOT_AVAILABLE.equals(meta)) {
                return Optional.empty();
            }
            return Optional.of(meta.activeHost());
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    /** This instance's {@code application.server}, or null. */
    public String applicationServer() {
        Object v = properties.get(StreamsConfig.APPLICATION_SERVER_CONFIG);
        return v == null ? null : v.toString();
    }

    public <V> ReadOnlyKeyValueStore<String, V> store(String name) {
        if (!isRunning()) {
            return null;
        }
        try {
            return streams.store(
                    StoreQueryParameters.fromNameAndType(name, QueryableStoreTypes.<String, V>keyValueStore()));
        } catch (RuntimeException e) {
            return null;
        }
    }

    public IdleProbe idleProbe(Admin admin) {
        return new IdleProbe(admin, config.streams().applicationId(), topics.inputs());
    }

    @Override
    public synchronized void close() {
        if (streams != null) {
            streams.close(Duration.ofSeconds(30));
            streams = null;
        }
    }
}
