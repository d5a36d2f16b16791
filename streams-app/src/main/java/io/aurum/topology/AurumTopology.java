package io.aurum.topology;

import io.aurum.canonical.CdcMapper;
import io.aurum.canonical.ChildChange;
import io.aurum.canonical.ChildTracker;
import io.aurum.canonical.MapProcessor;
import io.aurum.canonical.RecordAssembler;
import io.aurum.canonical.RecordEvent;
import io.aurum.canonical.RecordIds;
import io.aurum.canonical.RecordState;
import io.aurum.canonical.SourceChange;
import io.aurum.canonical.SourceRecord;
import io.aurum.canonical.StoredRow;
import io.aurum.cluster.ClusterView;
import io.aurum.cluster.Member;
import io.aurum.config.PipelineConfig;
import io.aurum.config.PipelineConfig.SourceDef;
import io.aurum.identity.IdNode;
import io.aurum.identity.IdentityResolver;
import io.aurum.identity.Membership;
import io.aurum.schemas.GoldenCustomer;
import io.aurum.schemas.XrefEntry;
import io.aurum.survivorship.ConflictTracker;
import io.aurum.survivorship.Outcome;
import io.aurum.survivorship.Overrides;
import io.aurum.survivorship.Steward;
import io.aurum.survivorship.Survivorship;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.KTable;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.kstream.TableJoined;
import org.apache.kafka.streams.state.Stores;

/**
 * The whole Aurum topology, top to bottom in data-flow order:
 * capture → canonical record → identity → cluster → (overrides) → survivorship → golden and conflicts.
 *
 * <p>Every stage is keyed by its own key and repartitioned explicitly, with a name, so internal topics and
 * stores keep stable names across releases (a changed name would orphan state on upgrade).
 */
public final class AurumTopology {
    /** Queryable stores, for the HTTP API. */
    public static final String GOLDEN_STORE = "golden";
    public static final String XREF_STORE = "xref";
    static final String RECORDS_STORE = "records";
    static final String CLUSTERS_STORE = "clusters";
    static final String OVERRIDES_STORE = "overrides";
    static final String GOLDEN_OVERRIDES_STORE = "golden-overrides";

    private static final JsonSerde<SourceChange> CHANGE = JsonSerde.of(SourceChange.class);
    private static final JsonSerde<ChildChange> CHILD_CHANGE = JsonSerde.of(ChildChange.class);
    private static final JsonSerde<RecordEvent> RECORD_EVENT = JsonSerde.of(RecordEvent.class);
    private static final JsonSerde<SourceRecord> RECORD = JsonSerde.of(SourceRecord.class);
    private static final JsonSerde<Membership> MEMBERSHIP = JsonSerde.of(Membership.class);
    private static final JsonSerde<Member> MEMBER = JsonSerde.of(Member.class);
    private static final JsonSerde<ClusterView> CLUSTER = JsonSerde.of(ClusterView.class);
    private static final JsonSerde<Steward> STEWARD = JsonSerde.of(Steward.class);

    private AurumTopology() { }

    /**
     * @param partitions partition count of every internal repartition topic (the scale-out unit of the job)
     */
    public static Topology build(PipelineConfig config, Topics topics, int partitions) {
        StreamsBuilder builder = new StreamsBuilder();
        Survivorship survivorship = new Survivorship(config);

        // 1. Capture: the raw Debezium topics, as bytes, so a bad event reaches the DLQ exactly as it came.
        List<String> cdcTopics = config.sources().values().stream().map(SourceDef::topic).distinct().toList();
        KStream<byte[], byte[]> cdc = builder.stream(cdcTopics,
                Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()).withName("cdc"));

        // 2. Canonical records: map rows through the config, then assemble each parent record with its children.
        KStream<String, SourceChange> changes = cdc.process(() -> new MapProcessor(new CdcMapper(config)),
                Named.as("map"));
        Map<String, KStream<String, SourceChange>> bySort = changes
                .split(Named.as("rows-"))
                .branch((id, change) -> config.sources().get(change.source()).isChild(), org.apache.kafka.streams.kstream.Branched.as("children"))
                .defaultBranch(org.apache.kafka.streams.kstream.Branched.as("parents"));
        builder.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(ChildTracker.STORE), Serdes.String(), JsonSerde.of(StoredRow.class)));
        KStream<String, RecordEvent> childEvents = bySort.get("rows-children")
                .process(ChildTracker::new, Named.as("track-children"), ChildTracker.STORE)
                .repartition(repartitioned(Topics.CHILD_CHANGES, CHILD_CHANGE, partitions))
                .mapValues(RecordEvent::of, Named.as("child-event"));
        KStream<String, RecordEvent> parentEvents = bySort.get("rows-parents")
                .repartition(repartitioned(Topics.RECORD_CHANGES, CHANGE, partitions))
                .mapValues(RecordEvent::of, Named.as("parent-event"));
        builder.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(RecordAssembler.STORE), Serdes.String(), JsonSerde.of(RecordState.class)));
        KStream<String, SourceRecord> records = parentEvents.merge(childEvents, Named.as("record-events"))
                .process(() -> new RecordAssembler(config), Named.as("assemble"), RecordAssembler.STORE);
        KTable<String, SourceRecord> recordTable = records.toTable(Named.as("record-table"),
                Materialized.<String, SourceRecord, org.apache.kafka.streams.state.KeyValueStore<org.apache.kafka.common.utils.Bytes, byte[]>>as(RECORDS_STORE)
                        .withKeySerde(Serdes.String()).withValueSerde(RECORD));

        // 3. Identity: which records are the same customer, as a membership per record id.
        builder.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(IdentityResolver.NODES), Serdes.String(), JsonSerde.of(IdNode.class)));
        builder.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(IdentityResolver.INDEX), Serdes.String(), JsonSerde.listOf(String.class)));
        KTable<String, Membership> memberships = records
                .repartition(repartitioned(Topics.IDENTITY_INPUT, RECORD, 1))
                .process(() -> new IdentityResolver(config), Named.as("resolve-identity"),
                        IdentityResolver.NODES, IdentityResolver.INDEX)
                .repartition(repartitioned(Topics.MEMBERSHIPS, MEMBERSHIP, partitions))
                .toTable(Named.as("membership-table"),
                        Materialized.<String, Membership, org.apache.kafka.streams.state.KeyValueStore<org.apache.kafka.common.utils.Bytes, byte[]>>as(XREF_STORE)
                                .withKeySerde(Serdes.String()).withValueSerde(MEMBERSHIP));

        // 4. Clusters: every record joins its golden id's member set; moves between clusters subtract then add.
        KTable<String, ClusterView> clusters = recordTable
                .join(memberships, (record, membership) -> Member.of(record, membership), Named.as("member"))
                .groupBy((recordId, member) -> KeyValue.pair(member.goldenId(), member),
                        Grouped.with(Topics.CLUSTER_MEMBERS, Serdes.String(), MEMBER))
                .aggregate(ClusterView::empty,
                        (goldenId, member, view) -> view.with(member),
                        (goldenId, member, view) -> view.without(member),
                        Named.as("cluster"),
                        Materialized.<String, ClusterView, org.apache.kafka.streams.state.KeyValueStore<org.apache.kafka.common.utils.Bytes, byte[]>>as(CLUSTERS_STORE)
                                .withKeySerde(Serdes.String()).withValueSerde(CLUSTER));

        // 5. Steward overrides, each with the golden id it applies to right now.
        KTable<String, Overrides> overrides = overrides(builder, config, topics, memberships);

        // 6. Survivorship: one golden record per cluster, every field with its lineage, and the open conflicts.
        KTable<String, Outcome> outcomes = clusters
                .leftJoin(overrides, Survivorship.Input::new, Named.as("survivorship-input"))
                .mapValues((goldenId, in) -> survivorship.survive(goldenId, in.cluster(), in.overrides()),
                        Named.as("survive"));
        KTable<String, GoldenCustomer> golden = outcomes.mapValues(Outcome::golden, Named.as("golden"),
                Materialized.<String, GoldenCustomer, org.apache.kafka.streams.state.KeyValueStore<org.apache.kafka.common.utils.Bytes, byte[]>>as(GOLDEN_STORE)
                        .withKeySerde(Serdes.String()).withValueSerde(topics.golden().valueSerde()));

        // 7. Golden output: the golden topic, the local id → golden id cross-reference, and the conflicts.
        golden.toStream(Named.as("golden-changes")).to(topics.golden().name(), topics.golden().produced());
        memberships.toStream(Named.as("xref-changes"))
                .mapValues(AurumTopology::xref, Named.as("xref"))
                .to(topics.xref().name(), topics.xref().produced());
        builder.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(ConflictTracker.STORE), Serdes.String(), JsonSerde.of(ConflictTracker.Open.class)));
        outcomes.toStream(Named.as("outcome-changes"))
                .process(ConflictTracker::new, Named.as("track-conflicts"), ConflictTracker.STORE)
                .to(topics.conflicts().name(), topics.conflicts().produced());

        return builder.build();
    }

    /**
     * customers.overrides, checked against the config (a bad override goes to the dead-letter topic), each routed
     * to a golden id: its own target, or for a source-record target the golden id in the record's membership, so
     * the override moves whenever the record moves to another cluster.
     */
    private static KTable<String, Overrides> overrides(StreamsBuilder builder, PipelineConfig config, Topics topics,
                                                       KTable<String, Membership> memberships) {
        KTable<String, Steward> stewards = builder.stream(topics.overrides().name(),
                        topics.overrides().consumed().withName("overrides"))
                .mapValues((id, o) -> Steward.of(config, id, o), Named.as("override"))
                .toTable(Named.as("override-table"),
                        Materialized.<String, Steward, org.apache.kafka.streams.state.KeyValueStore<org.apache.kafka.common.utils.Bytes, byte[]>>as(OVERRIDES_STORE)
                                .withKeySerde(Serdes.String()).withValueSerde(STEWARD));
        // A golden-id target has no foreign key and passes through the left join as it is.
        KTable<String, Steward> routed = stewards.leftJoin(memberships, Steward::recordId,
                (s, m) -> s.recordId() == null ? s : m == null ? null : s.routedTo(m.goldenId()),
                TableJoined.as(Topics.OVERRIDE_TARGETS),
                Materialized.<String, Steward, org.apache.kafka.streams.state.KeyValueStore<org.apache.kafka.common.utils.Bytes, byte[]>>as(Topics.OVERRIDE_TARGETS)
                        .withKeySerde(Serdes.String()).withValueSerde(STEWARD));
        return routed
                .groupBy((id, s) -> KeyValue.pair(s.goldenId(), s),
                        Grouped.with(Topics.OVERRIDES_BY_GOLDEN, Serdes.String(), STEWARD))
                .aggregate(Overrides::empty,
                        (goldenId, s, set) -> set.with(s),
                        (goldenId, s, set) -> set.without(s),
                        Named.as("golden-override-set"),
                        Materialized.<String, Overrides, org.apache.kafka.streams.state.KeyValueStore<org.apache.kafka.common.utils.Bytes, byte[]>>as(GOLDEN_OVERRIDES_STORE)
                                .withKeySerde(Serdes.String()).withValueSerde(JsonSerde.of(Overrides.class)));
    }

    private static XrefEntry xref(String recordId, Membership membership) {
        if (membership == null) {
            return null;
        }
        return XrefEntry.newBuilder()
                .setGoldenId(membership.goldenId())
                .setSource(RecordIds.source(recordId))
                .setKey(RecordIds.key(recordId))
                .setReason(membership.reason())
                .build();
    }

    private static <V> Repartitioned<String, V> repartitioned(String name, JsonSerde<V> serde, int partitions) {
        return Repartitioned.<String, V>as(name).withKeySerde(Serdes.String()).withValueSerde(serde)
                .withNumberOfPartitions(partitions);
    }
}
