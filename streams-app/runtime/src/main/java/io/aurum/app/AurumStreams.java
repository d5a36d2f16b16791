package io.aurum.app;

import io.aurum.config.AurumConfig;
import io.aurum.identity.Membership;
import io.aurum.infra.TopicAdmin;
import io.aurum.schemas.GoldenCustomer;
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
import org.apache.kafka.common.serialization.Serdes;
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

    public AurumStreams(AurumConfig config, String bootstrapServers, String registryUrl, String defaultStateDir) {
        this.config = config;
        this.bootstrapServers = bootstrapServers;
        this.topics = new Topics(RegistrySerdes.of(config, registryUrl), config);
        this.properties = StreamsProperties.build(config, bootstrapServers, defaultStateDir);
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

    /**
     * The golden record of a cluster this instance holds, or null (held elsewhere, unknown, or the job is not
     * running). The one place that knows how golden records are stored: lookups go through here.
     */
    public GoldenCustomer golden(String goldenId) {
        ReadOnlyKeyValueStore<String, GoldenCustomer> store = goldenStore();
        return store == null ? null : store.get(goldenId);
    }

    /** The published membership (golden id, reason) of a source record this instance holds, or null. */
    public Membership membership(String recordId) {
        ReadOnlyKeyValueStore<String, Membership> store = store(Stores.XREF.name());
        return store == null ? null : store.get(recordId);
    }

    /**
     * Which instance holds golden id {@code goldenId} (its HTTP host and port), or empty when unknown (not running,
     * rebalancing). The one place that knows where golden records are stored and how they are partitioned.
     */
    public Optional<HostInfo> ownerOfGolden(String goldenId) {
        return owner(Stores.GOLDEN.name(), goldenId);
    }

    /** Which instance holds the membership of source record {@code recordId}, or empty when unknown. */
    public Optional<HostInfo> ownerOfRecord(String recordId) {
        return owner(Stores.XREF.name(), recordId);
    }

    private Optional<HostInfo> owner(String store, String key) {
        if (!isRunning()) {
            return Optional.empty();
        }
        try {
            KeyQueryMetadata meta =
                    streams.queryMetadataForKey(store, key, Serdes.String().serializer());
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

    private ReadOnlyKeyValueStore<String, GoldenCustomer> goldenStore() {
        return store(Stores.GOLDEN.name());
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
