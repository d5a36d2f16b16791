package io.aurum.topology;

import io.aurum.canonical.StoredRow;
import io.aurum.resolve.Codecs;
import io.aurum.survivorship.Steward;
import java.util.List;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * Every state store of the topology, by stage, with its value serde (keys are strings). Each store has a changelog
 * topic {@code <application id>-<name>-changelog}: a renamed store starts empty and orphans its changelog, which
 * {@code TopologySnapshotTest} guards against. Values are in the internal binary form ({@link Codecs}).
 */
public final class Stores {
    private Stores() {}

    /**
     * A state store: its name, the serde of its values, and whether writes go through Streams' record cache (which
     * turns the writes of one key within a commit interval into one RocksDB write and one changelog record).
     */
    public record Store<V>(String name, Serde<V> valueSerde, boolean cached) {}

    // 2. Canonical rows (per CDC partition) and the steward inputs' trackers
    public static final Store<Long> GENERATIONS = new Store<>("snapshot-generations", Codecs.LONG.serde(), false);
    public static final Store<StoredRow> CHILD_ROWS = new Store<>("child-rows", Codecs.STORED_ROW.serde(), false);
    public static final Store<List<String>> ASSERTIONS = new Store<>("assertions", Codecs.STRINGS.serde(), false);
    public static final Store<Steward> OVERRIDES = new Store<>("overrides", Codecs.STEWARD.serde(), false);
    // 3. The resolver: record, identifier and cluster nodes (queryable: records and clusters, for lookups). Their
    //    values are the nodes' Codecs bytes, which the resolver encodes and decodes itself: it compares them to tell
    //    a write-back that changes nothing (resolve.NodeStore); lookups decode them (resolve.Lookups).
    public static final Store<byte[]> RECORDS = new Store<>("resolver-records", Serdes.ByteArray(), true);
    public static final Store<byte[]> IDENTIFIERS = new Store<>("resolver-identifiers", Serdes.ByteArray(), true);
    public static final Store<byte[]> CLUSTERS = new Store<>("resolver-clusters", Serdes.ByteArray(), true);
    /** Snapshots running, partitions holding back, and the search for rest after them (resolve.Quiescence). */
    public static final Store<Long> RESOLVER_STATE = new Store<>("resolver-state", Codecs.LONG.serde(), true);

    /** Every store, in stage order. */
    public static final List<Store<?>> ALL =
            List.of(GENERATIONS, CHILD_ROWS, ASSERTIONS, OVERRIDES, RECORDS, IDENTIFIERS, CLUSTERS, RESOLVER_STATE);
}
