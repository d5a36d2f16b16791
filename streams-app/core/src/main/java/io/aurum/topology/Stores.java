package io.aurum.topology;

import io.aurum.canonical.RecordState;
import io.aurum.canonical.SourceRecord;
import io.aurum.canonical.StoredRow;
import io.aurum.cluster.ClusterView;
import io.aurum.identity.LpState;
import io.aurum.identity.Membership;
import io.aurum.schemas.GoldenCustomer;
import io.aurum.survivorship.ConflictTracker;
import io.aurum.survivorship.Overrides;
import io.aurum.survivorship.Steward;
import java.util.List;
import org.apache.kafka.common.serialization.Serde;

/**
 * Every state store of the topology, by stage, with its value serde (keys are strings). Each store has a changelog
 * topic {@code <application id>-<name>-changelog}: a renamed store starts empty and orphans its changelog, which
 * {@code TopologySnapshotTest} guards against.
 */
public final class Stores {
    private Stores() {}

    /** A state store: its name and the serde of its values. */
    public record Store<V>(String name, Serde<V> valueSerde) {
        static <V> Store<V> json(String name, Class<V> type) {
            return new Store<>(name, JsonSerde.of(type));
        }

        /** The same store with the value serde the deployment configures (for a store of a public topic's values). */
        Store<V> withSerde(Serde<V> serde) {
            return new Store<>(name, serde);
        }
    }

    // 2. Canonical records; "snapshot-generations": per CDC partition, the blocking snapshot arriving there
    public static final Store<Long> SNAPSHOT_GENERATIONS = Store.json("snapshot-generations", Long.class);
    public static final Store<StoredRow> CHILD_ROWS = Store.json("child-rows", StoredRow.class);
    public static final Store<RecordState> RECORD_STATE = Store.json("record-state", RecordState.class);
    public static final Store<List<String>> ASSERTIONS = new Store<>("assertions", JsonSerde.listOf(String.class));
    public static final Store<SourceRecord> RECORDS = Store.json("records", SourceRecord.class);
    // 3. Identity; "xref" (record id → membership) is queryable, for the HTTP API
    public static final Store<LpState.RecordNode> IDENTITY_RECORDS =
            Store.json("identity-records", LpState.RecordNode.class);
    public static final Store<LpState.IdentifierNode> IDENTITY_IDENTIFIERS =
            Store.json("identity-identifiers", LpState.IdentifierNode.class);
    public static final Store<Membership> XREF = Store.json("xref", Membership.class);
    // 4. Clusters
    public static final Store<ClusterView> CLUSTERS = Store.json("clusters", ClusterView.class);
    // 5. Steward overrides
    public static final Store<Steward> OVERRIDES = Store.json("overrides", Steward.class);
    public static final Store<Steward> OVERRIDE_TARGETS = Store.json(Topics.OVERRIDE_TARGETS, Steward.class);
    public static final Store<Overrides> GOLDEN_OVERRIDES = Store.json("golden-overrides", Overrides.class);
    // 6. Survivorship; "golden" is queryable, for the HTTP API, and holds customers.golden's values in its serde
    public static final Store<GoldenCustomer> GOLDEN = new Store<>("golden", null);
    public static final Store<ConflictTracker.Open> OPEN_CONFLICTS =
            Store.json("open-conflicts", ConflictTracker.Open.class);

    /** Every store, in stage order. */
    public static final List<Store<?>> ALL = List.of(
            SNAPSHOT_GENERATIONS,
            CHILD_ROWS,
            RECORD_STATE,
            ASSERTIONS,
            RECORDS,
            IDENTITY_RECORDS,
            IDENTITY_IDENTIFIERS,
            XREF,
            CLUSTERS,
            OVERRIDES,
            OVERRIDE_TARGETS,
            GOLDEN_OVERRIDES,
            GOLDEN,
            OPEN_CONFLICTS);
}
