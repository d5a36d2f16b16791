package io.aurum.topology;

import io.aurum.canonical.CdcMapper;
import io.aurum.canonical.ChildTracker;
import io.aurum.canonical.MapProcessor;
import io.aurum.canonical.RowEvent;
import io.aurum.canonical.SnapshotProgress;
import io.aurum.canonical.SnapshotSweep;
import io.aurum.canonical.SourceChange;
import io.aurum.config.PipelineConfig;
import io.aurum.config.PipelineConfig.SourceDef;
import io.aurum.golden.GoldenTable;
import io.aurum.resolve.Message;
import io.aurum.resolve.Resolver;
import io.aurum.schemas.GoldenCustomer;
import io.aurum.steward.AssertionTracker;
import io.aurum.survivorship.OverrideTracker;
import io.aurum.topology.Stores.Store;
import java.util.Map;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Materialized.StoreType;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;

/**
 * The whole Aurum topology, top to bottom in data-flow order:
 * capture → canonical rows → (records topic) → resolver (identity, clusters, survivorship) → public topics.
 *
 * <p>Two stages. The first reads the CDC topics where they are partitioned and turns rows into messages for the
 * records they concern (children reach their parent's record; steward assertions and overrides their targets). The
 * second is the resolver: record, identifier and cluster nodes in one processor per partition, which talk to each
 * other through the resolver topic (a cycle the DSL cannot express, hence the Processor API for this stage) or
 * directly within a task, and publish golden records, xref, redirects, quality issues and conflicts only when they
 * change. Node, topic and store names are fixed (here, in {@link Topics} and in {@link Stores}): a renamed store or
 * topic orphans state on upgrade ({@code TopologySnapshotTest}).
 */
public final class AurumTopology {
    private AurumTopology() {}

    /** @param partitions partition count of the records and resolver topics (the scale-out unit of the job) */
    public static Topology build(PipelineConfig config, Topics topics, int partitions) {
        return build(config, topics, partitions, StoreType.ROCKS_DB);
    }

    /**
     * @param storeType where state lives; RocksDB in production (state larger than memory, fast restarts), in
     *                  memory for short-lived test drivers (restored from changelogs when used for real)
     */
    public static Topology build(PipelineConfig config, Topics topics, int partitions, StoreType storeType) {
        return build(config, topics, partitions, storeType, Resolver.STEP);
    }

    /** @param step how much held-back work the resolver does per step after a snapshot ({@link Resolver#STEP}) */
    public static Topology build(PipelineConfig config, Topics topics, int partitions, StoreType storeType, int step) {
        StreamsBuilder builder = new StreamsBuilder();
        StoreBuilders stores = new StoreBuilders(storeType);
        Topic<String, Message> records = topics.records();
        Produced<String, Message> toRecords =
                Produced.with(Serdes.String(), records.valueSerde()).withStreamPartitioner(Resolver.PARTITIONER);

        // 1. Capture: the raw Debezium topics, as bytes, so a bad event reaches the DLQ exactly as it came.
        KStream<byte[], byte[]> cdc = builder.stream(
                topics.cdc().stream().map(Topic::name).toList(),
                Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()).withName("cdc"));

        // 2. Canonical rows: map through the config; child rows find their parent record; each becomes a message
        //    for the record it concerns. The map stage also ends blocking snapshots (sweeps) and reports them.
        builder.addStateStore(stores.builder(Stores.GENERATIONS));
        Map<String, KStream<String, RowEvent>> rows = cdc.process(
                        () -> new MapProcessor(new CdcMapper(config, topics.cdcDecoder()), Stores.GENERATIONS.name()),
                        Named.as("map"),
                        Stores.GENERATIONS.name())
                .split(Named.as("rows-"))
                .branch((key, row) -> isChildRow(config, row), Branched.as("children"))
                .defaultBranch(Branched.as("parents"));
        builder.addStateStore(stores.builder(Stores.CHILD_ROWS));
        rows.get("rows-children")
                .process(
                        () -> new ChildTracker(Stores.CHILD_ROWS.name()),
                        Named.as("track-children"),
                        Stores.CHILD_ROWS.name())
                .mapValues((parent, change) -> (Message) new Message.Child(parent, change), Named.as("child-message"))
                .to(records.name(), toRecords.withName("children-to-records"));
        rows.get("rows-parents")
                .mapValues(AurumTopology::message, Named.as("row-message"))
                .to(records.name(), toRecords.withName("rows-to-records"));

        //    Steward inputs: must-link assertions reach each record they name; overrides their record or golden id.
        builder.addStateStore(stores.builder(Stores.ASSERTIONS));
        builder.stream(
                        topics.assertions().name(),
                        topics.assertions().consumed().withName("assertions"))
                .process(
                        () -> new AssertionTracker(config, Stores.ASSERTIONS.name()),
                        Named.as("track-assertions"),
                        Stores.ASSERTIONS.name())
                .mapValues((rid, a) -> (Message) new Message.Assertion(rid, a), Named.as("assertion-message"))
                .to(records.name(), toRecords.withName("assertions-to-records"));
        builder.addStateStore(stores.builder(Stores.OVERRIDES));
        builder.stream(topics.overrides().name(), topics.overrides().consumed().withName("overrides"))
                .process(
                        () -> new OverrideTracker(config, Stores.OVERRIDES.name()),
                        Named.as("track-overrides"),
                        Stores.OVERRIDES.name())
                .mapValues(
                        c -> (Message) new Message.Override(c.id(), c.now(), c.before()), Named.as("override-message"))
                .to(records.name(), toRecords.withName("overrides-to-records"));

        // 3. The resolver: identity (label propagation between record and identifier nodes), clusters and
        //    survivorship, publishing what changed (docs/identity-resolution.md).
        Topology topology = builder.build();
        topology.addSource(
                "resolver-in",
                Serdes.String().deserializer(),
                records.valueSerde().deserializer(),
                records.name(),
                topics.resolver().name());
        Resolver.StoreNames names = new Resolver.StoreNames(
                Stores.RECORDS.name(), Stores.IDENTIFIERS.name(), Stores.CLUSTERS.name(), Stores.RESOLVER_STATE.name());
        topology.addProcessor("resolve", () -> new Resolver(config, partitions, names, step), "resolver-in");
        for (Store<?> store :
                new Store<?>[] {Stores.RECORDS, Stores.IDENTIFIERS, Stores.CLUSTERS, Stores.RESOLVER_STATE}) {
            topology.addStateStore(stores.builder(store), "resolve");
        }
        topology.addSink(
                Resolver.TO_RESOLVER,
                topics.resolver().name(),
                Serdes.String().serializer(),
                topics.resolver().valueSerde().serializer(),
                Resolver.PARTITIONER,
                "resolve");

        // 4. Public topics, each written only when what it says changed.
        //    Golden records go out twice: as they are, and flat and typed for sink connectors and SQL engines.
        GoldenTable table = new GoldenTable(config);
        topology.addProcessor(Resolver.TO_GOLDEN, () -> new GoldenOutput(table), "resolve");
        sink(topology, GoldenOutput.GOLDEN, topics.golden(), Resolver.TO_GOLDEN);
        sink(topology, GoldenOutput.TABLE, topics.goldenTable(), Resolver.TO_GOLDEN);
        sink(topology, Resolver.TO_XREF, topics.xref());
        sink(topology, Resolver.TO_REDIRECTS, topics.redirects());
        sink(topology, Resolver.TO_QUALITY, topics.quality());
        sink(topology, Resolver.TO_CONFLICTS, topics.conflicts());
        return topology;
    }

    private static <V> void sink(Topology topology, String name, Topic<String, V> topic) {
        sink(topology, name, topic, "resolve");
    }

    private static <V> void sink(Topology topology, String name, Topic<String, V> topic, String parent) {
        topology.addSink(
                name,
                topic.name(),
                Serdes.String().serializer(),
                topic.valueSerde().serializer(),
                parent);
    }

    /** Forwards each golden record (or tombstone) unchanged and as its typed table row. */
    private static final class GoldenOutput implements Processor<String, GoldenCustomer, String, Object> {
        static final String GOLDEN = "golden";
        static final String TABLE = "golden-table";
        private final GoldenTable table;
        private ProcessorContext<String, Object> context;

        GoldenOutput(GoldenTable table) {
            this.table = table;
        }

        @Override
        public void init(ProcessorContext<String, Object> context) {
            this.context = context;
        }

        @Override
        public void process(Record<String, GoldenCustomer> record) {
            context.forward(record.withValue((Object) record.value()), GOLDEN);
            context.forward(record.withValue((Object) table.row(record.value())), TABLE);
        }
    }

    private static boolean isChildRow(PipelineConfig config, RowEvent row) {
        if (row instanceof SnapshotProgress) {
            return false;
        }
        SourceDef source = config.sources().get(row.source());
        return source != null && source.isChild();
    }

    private static Message message(RowEvent row) {
        if (row instanceof SourceChange change) {
            return new Message.Row(change);
        }
        if (row instanceof SnapshotSweep sweep) {
            return new Message.Sweep(sweep);
        }
        SnapshotProgress progress = (SnapshotProgress) row;
        return new Message.Snapshot(progress.slot(), progress.running());
    }

    /** Store builders of one kind (RocksDB or in memory), from the store registry. */
    private record StoreBuilders(StoreType type) {
        <V> StoreBuilder<KeyValueStore<String, V>> builder(Store<V> store) {
            KeyValueBytesStoreSupplier supplier = type == StoreType.IN_MEMORY
                    ? org.apache.kafka.streams.state.Stores.inMemoryKeyValueStore(store.name())
                    : org.apache.kafka.streams.state.Stores.persistentKeyValueStore(store.name());
            StoreBuilder<KeyValueStore<String, V>> b = org.apache.kafka.streams.state.Stores.keyValueStoreBuilder(
                    supplier, Serdes.String(), store.valueSerde());
            return store.cached() ? b.withCachingEnabled() : b.withCachingDisabled();
        }
    }
}
