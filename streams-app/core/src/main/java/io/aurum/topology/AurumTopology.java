package io.aurum.topology;

import io.aurum.canonical.CdcMapper;
import io.aurum.canonical.ChildTracker;
import io.aurum.canonical.MapProcessor;
import io.aurum.canonical.RecordAssembler;
import io.aurum.canonical.RecordEvent;
import io.aurum.canonical.RecordIds;
import io.aurum.canonical.RowEvent;
import io.aurum.canonical.SnapshotSweep;
import io.aurum.canonical.SourceRecord;
import io.aurum.cluster.ClusterView;
import io.aurum.cluster.Member;
import io.aurum.config.PipelineConfig;
import io.aurum.golden.GoldenTable;
import io.aurum.identity.IdentifierNodeProcessor;
import io.aurum.identity.IdentityEvent;
import io.aurum.identity.LpMessages.RecordInput;
import io.aurum.identity.LpOutput;
import io.aurum.identity.Membership;
import io.aurum.identity.QualityReport;
import io.aurum.identity.RecordNodeProcessor;
import io.aurum.schemas.GoldenCustomer;
import io.aurum.schemas.QualityIssue;
import io.aurum.schemas.QualityIssueKind;
import io.aurum.schemas.Redirect;
import io.aurum.schemas.SourceRef;
import io.aurum.schemas.XrefEntry;
import io.aurum.steward.AssertionTracker;
import io.aurum.survivorship.ConflictTracker;
import io.aurum.survivorship.Outcome;
import io.aurum.survivorship.Overrides;
import io.aurum.survivorship.Steward;
import io.aurum.survivorship.Survivorship;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.KTable;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Materialized.StoreType;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.TableJoined;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;

/**
 * The whole Aurum topology, top to bottom in data-flow order:
 * capture → canonical record → identity → cluster → (overrides) → survivorship → golden and conflicts.
 *
 * <p>Every stage is keyed by its own key and repartitioned explicitly, with a name, so internal topics and
 * stores keep stable names across releases (a changed name would orphan state on upgrade).
 */
public final class AurumTopology {
    private AurumTopology() {}

    /**
     * @param partitions partition count of every internal repartition topic (the scale-out unit of the job)
     */
    public static Topology build(PipelineConfig config, Topics topics, int partitions) {
        return build(config, topics, partitions, StoreType.ROCKS_DB);
    }

    /**
     * @param storeType where state lives; RocksDB in production (state larger than memory, fast restarts), in
     *                  memory for short-lived test drivers (restored from changelogs when used for real)
     */
    public static Topology build(PipelineConfig config, Topics topics, int partitions, StoreType storeType) {
        StreamsBuilder builder = new StreamsBuilder();
        StoreFactory stores = new StoreFactory(storeType);
        Survivorship survivorship = new Survivorship(config);

        // 1. Capture: the raw Debezium topics, as bytes, so a bad event reaches the DLQ exactly as it came.
        KStream<byte[], byte[]> cdc = builder.stream(
                topics.cdc().stream().map(Topic::name).toList(),
                Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()).withName("cdc"));

        // 2. Canonical records: map rows through the config, then assemble each parent record with its children.
        //    The map stage also ends each blocking snapshot per table and partition (a sweep, see SnapshotSweep).
        builder.addStateStore(stores.builder(Stores.SNAPSHOT_GENERATIONS));
        KStream<String, RowEvent> rows = cdc.process(
                () -> new MapProcessor(new CdcMapper(config, topics.cdcDecoder()), Stores.SNAPSHOT_GENERATIONS.name()),
                Named.as("map"),
                Stores.SNAPSHOT_GENERATIONS.name());
        Map<String, KStream<String, RowEvent>> bySort = rows.split(Named.as("rows-"))
                .branch((id, row) -> config.sources().get(row.source()).isChild(), Branched.as("children"))
                .defaultBranch(Branched.as("parents"));
        builder.addStateStore(stores.builder(Stores.CHILD_ROWS));
        KStream<String, RecordEvent> childEvents = bySort.get("rows-children")
                .process(
                        () -> new ChildTracker(Stores.CHILD_ROWS.name()),
                        Named.as("track-children"),
                        Stores.CHILD_ROWS.name())
                .repartition(Topics.CHILD_CHANGES.repartitioned(partitions))
                .mapValues(c -> (RecordEvent) c, Named.as("child-event"));
        // A sweep reaches every partition: the parent rows of its source are spread over all of them.
        KStream<String, RecordEvent> parentEvents = bySort.get("rows-parents")
                .repartition(Topics.RECORD_CHANGES
                        .repartitioned(partitions)
                        .withStreamPartitioner(AurumTopology::rowPartitions))
                .mapValues(e -> (RecordEvent) e, Named.as("parent-event"));
        builder.addStateStore(stores.builder(Stores.RECORD_STATE));
        // Steward must-link assertions reach each record they name and become identifiers of it.
        builder.addStateStore(stores.builder(Stores.ASSERTIONS));
        KStream<String, RecordEvent> assertionEvents = builder.stream(
                        topics.assertions().name(),
                        topics.assertions().consumed().withName("assertions"))
                .process(
                        () -> new AssertionTracker(config, Stores.ASSERTIONS.name()),
                        Named.as("track-assertions"),
                        Stores.ASSERTIONS.name())
                .repartition(Topics.ASSERTION_CHANGES.repartitioned(partitions))
                .mapValues(a -> (RecordEvent) a, Named.as("assertion-event"));
        KStream<String, SourceRecord> records = parentEvents
                .merge(childEvents, Named.as("record-events"))
                .merge(assertionEvents, Named.as("all-record-events"))
                .process(
                        () -> new RecordAssembler(config, Stores.RECORD_STATE.name()),
                        Named.as("assemble"),
                        Stores.RECORD_STATE.name());
        KTable<String, SourceRecord> recordTable = records.toTable(
                Named.as("record-table"), stores.materialized(Stores.RECORDS).withCachingDisabled());

        // 3. Identity: which records are the same customer, as a membership per record id. Record nodes and
        //    identifier nodes exchange labels until each cluster agrees on its anchor (docs/identity-resolution.md).
        builder.addStateStore(stores.builder(Stores.IDENTITY_RECORDS));
        builder.addStateStore(stores.builder(Stores.IDENTITY_IDENTIFIERS));
        KStream<String, RecordInput> recordInputs = records.mapValues(
                        r -> new RecordInput(true, r, null), Named.as("record-input"))
                .merge(
                        builder.stream(
                                        topics.identityToRecords().name(),
                                        topics.identityToRecords().consumed().withName("identity-to-records"))
                                .mapValues(m -> new RecordInput(false, null, m), Named.as("offer-input")),
                        Named.as("record-node-input"));
        Map<String, KStream<String, LpOutput>> fromRecords = recordInputs
                .process(
                        () -> new RecordNodeProcessor(config, Stores.IDENTITY_RECORDS.name()),
                        Named.as("record-nodes"),
                        Stores.IDENTITY_RECORDS.name())
                .split(Named.as("record-nodes-"))
                .branch((key, out) -> out.toIdentifier() != null, Branched.as("messages"))
                .branch((key, out) -> out.toRecord() != null, Branched.as("successions"))
                .branch((key, out) -> out.isRedirect(), Branched.as("redirects"))
                .defaultBranch(Branched.as("memberships"));
        fromRecords
                .get("record-nodes-messages")
                .mapValues(LpOutput::toIdentifier, Named.as("to-identifier"))
                .to(
                        topics.identityToIdentifiers().name(),
                        topics.identityToIdentifiers().produced());
        fromRecords
                .get("record-nodes-successions")
                .mapValues(LpOutput::toRecord, Named.as("succession"))
                .to(
                        topics.identityToRecords().name(),
                        topics.identityToRecords().produced());
        // Every record's own id leads to the cluster it is in; a deleted record's id to its heir's cluster.
        fromRecords
                .get("record-nodes-redirects")
                .mapValues(AurumTopology::redirect, Named.as("redirect"))
                .to(topics.redirects().name(), topics.redirects().produced());
        Map<String, KStream<String, LpOutput>> fromIdentifiers = builder.stream(
                        topics.identityToIdentifiers().name(),
                        topics.identityToIdentifiers().consumed().withName("identity-to-identifiers"))
                .process(
                        () -> new IdentifierNodeProcessor(config, Stores.IDENTITY_IDENTIFIERS.name()),
                        Named.as("identifier-nodes"),
                        Stores.IDENTITY_IDENTIFIERS.name())
                .split(Named.as("identifier-nodes-"))
                .branch((key, out) -> out.toRecord() != null, Branched.as("messages"))
                .defaultBranch(Branched.as("quality"));
        fromIdentifiers
                .get("identifier-nodes-messages")
                .mapValues(LpOutput::toRecord, Named.as("to-record"))
                .to(
                        topics.identityToRecords().name(),
                        topics.identityToRecords().produced());
        fromIdentifiers
                .get("identifier-nodes-quality")
                .mapValues(out -> qualityIssue(out.event()), Named.as("quality"))
                .to(topics.quality().name(), topics.quality().produced());
        // Memberships are keyed by record id like the records they are joined with. (Streams still re-partitions
        // a processor's output before a table, as it cannot know the key was kept.)
        KTable<String, Membership> memberships = fromRecords
                .get("record-nodes-memberships")
                .mapValues(out -> out.event().membership(), Named.as("membership"))
                .toTable(
                        Named.as("membership-table"),
                        stores.materialized(Stores.XREF).withCachingDisabled());

        // 4. Clusters: every record joins its golden id's member set; moves between clusters subtract then add.
        //    Both joined tables run without a cache: a record and its membership are often deleted by the same
        //    input, and with caches flushed store by store each side of the join would see the other already
        //    gone and neither would retract the member.
        KTable<String, ClusterView> clusters = recordTable
                .join(memberships, (record, membership) -> Member.of(record, membership), Named.as("member"))
                .groupBy(
                        (recordId, member) -> KeyValue.pair(member.goldenId(), member),
                        Topics.CLUSTER_MEMBERS.grouped())
                .aggregate(
                        ClusterView::empty,
                        (goldenId, member, view) -> view.with(member),
                        (goldenId, member, view) -> view.without(member),
                        Named.as("cluster"),
                        stores.materialized(Stores.CLUSTERS));

        // 5. Steward overrides, each with the golden id it applies to right now.
        KTable<String, Overrides> overrides = overrides(builder, config, topics, memberships, stores);

        // 6. Survivorship: one golden record per cluster, every field with its lineage, and the open conflicts.
        KTable<String, Outcome> outcomes = clusters.leftJoin(
                        overrides, Survivorship.Input::new, Named.as("survivorship-input"))
                .mapValues(
                        (goldenId, in) -> survivorship.survive(goldenId, in.cluster(), in.overrides()),
                        Named.as("survive"));
        KTable<String, GoldenCustomer> golden = outcomes.mapValues(
                Outcome::golden,
                Named.as("golden"),
                stores.materialized(Stores.GOLDEN.withSerde(topics.golden().valueSerde())));

        // 7. Golden output: the golden topic (and its typed table form), the local id → golden id
        //    cross-reference, and the conflicts.
        KStream<String, GoldenCustomer> goldenChanges = golden.toStream(Named.as("golden-changes"));
        goldenChanges.to(topics.golden().name(), topics.golden().produced());
        GoldenTable table = new GoldenTable(config);
        goldenChanges
                .mapValues(table::row, Named.as("golden-table"))
                .to(topics.goldenTable().name(), topics.goldenTable().produced());
        memberships
                .toStream(Named.as("xref-changes"))
                .mapValues(AurumTopology::xref, Named.as("xref"))
                .to(topics.xref().name(), topics.xref().produced());
        builder.addStateStore(stores.builder(Stores.OPEN_CONFLICTS));
        outcomes.toStream(Named.as("outcome-changes"))
                .process(
                        () -> new ConflictTracker(Stores.OPEN_CONFLICTS.name()),
                        Named.as("track-conflicts"),
                        Stores.OPEN_CONFLICTS.name())
                .to(topics.conflicts().name(), topics.conflicts().produced());

        return builder.build();
    }

    /** Row changes by record id, as the default partitioner would place them; a snapshot sweep to every partition. */
    private static Optional<Set<Integer>> rowPartitions(String topic, String key, RowEvent event, int partitions) {
        if (event instanceof SnapshotSweep) {
            return Optional.of(IntStream.range(0, partitions).boxed().collect(Collectors.toSet()));
        }
        return Optional.of(Set.of(Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % partitions));
    }

    private static Redirect redirect(LpOutput out) {
        LpOutput.RedirectTo r = out.redirect();
        if (r == null) {
            return null;
        }
        return Redirect.newBuilder()
                .setGoldenId(r.goldenId())
                .setRecord(new SourceRef(RecordIds.source(r.recordId()), RecordIds.key(r.recordId())))
                .setReason(r.reason())
                .setSplitInto(r.splitInto())
                .build();
    }

    private static QualityIssue qualityIssue(IdentityEvent event) {
        if (event == null) {
            return null;
        }
        QualityReport r = event.report();
        if (r == null) {
            return null;
        }
        return QualityIssue.newBuilder()
                .setKind(QualityIssueKind.valueOf(r.kind()))
                .setMatchKey(r.matchKey())
                .setValue(r.value())
                .setRecords(r.records())
                .setLimit(r.limit())
                .setSample(r.sample().stream()
                        .map(id -> new SourceRef(RecordIds.source(id), RecordIds.key(id)))
                        .toList())
                .build();
    }

    /**
     * customers.overrides, checked against the config (a bad override goes to the dead-letter topic), each routed
     * to a golden id: its own target, or for a source-record target the golden id in the record's membership, so
     * the override moves whenever the record moves to another cluster.
     */
    private static KTable<String, Overrides> overrides(
            StreamsBuilder builder,
            PipelineConfig config,
            Topics topics,
            KTable<String, Membership> memberships,
            StoreFactory stores) {
        KTable<String, Steward> stewards = builder.stream(
                        topics.overrides().name(), topics.overrides().consumed().withName("overrides"))
                .mapValues((id, o) -> Steward.of(config, id, o), Named.as("override"))
                .toTable(Named.as("override-table"), stores.materialized(Stores.OVERRIDES));
        // A golden-id target has no foreign key and passes through the left join as it is.
        KTable<String, Steward> routed = stewards.leftJoin(
                memberships,
                Steward::recordId,
                (s, m) -> s.recordId() == null ? s : m == null ? null : s.routedTo(m.goldenId()),
                TableJoined.as(Topics.OVERRIDE_TARGETS),
                stores.materialized(Stores.OVERRIDE_TARGETS));
        return routed.groupBy((id, s) -> KeyValue.pair(s.goldenId(), s), Topics.OVERRIDES_BY_GOLDEN.grouped())
                .aggregate(
                        Overrides::empty,
                        (goldenId, s, set) -> set.with(s),
                        (goldenId, s, set) -> set.without(s),
                        Named.as("golden-override-set"),
                        stores.materialized(Stores.GOLDEN_OVERRIDES));
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

    /** Store builders of one kind (RocksDB or in memory) for the stores declared in {@link Stores}. */
    private record StoreFactory(StoreType type) {
        <V> StoreBuilder<KeyValueStore<String, V>> builder(Stores.Store<V> store) {
            KeyValueBytesStoreSupplier supplier = type == StoreType.IN_MEMORY
                    ? org.apache.kafka.streams.state.Stores.inMemoryKeyValueStore(store.name())
                    : org.apache.kafka.streams.state.Stores.persistentKeyValueStore(store.name());
            return org.apache.kafka.streams.state.Stores.keyValueStoreBuilder(
                    supplier, Serdes.String(), store.valueSerde());
        }

        <V> Materialized<String, V, KeyValueStore<Bytes, byte[]>> materialized(Stores.Store<V> store) {
            return Materialized.<String, V, KeyValueStore<Bytes, byte[]>>as(store.name())
                    .withStoreType(type)
                    .withKeySerde(Serdes.String())
                    .withValueSerde(store.valueSerde());
        }
    }
}
