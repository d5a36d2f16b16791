package io.aurum.resolve;

import io.aurum.canonical.SourceRecord;
import io.aurum.cluster.ClusterView;
import io.aurum.codec.Codec;
import io.aurum.config.PipelineConfig;
import io.aurum.identity.Membership;
import io.aurum.schemas.GoldenCustomer;
import io.aurum.survivorship.Overrides;
import io.aurum.survivorship.Steward;
import io.aurum.survivorship.Survivorship;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * Answers point lookups from the resolver's stores: "my local id → golden id" from a record node, and the golden
 * record of a cluster, computed as its cluster node would publish it. A store holds what its instance owns.
 */
public final class Lookups {
    private final Survivorship survivorship;

    public Lookups(PipelineConfig config) {
        this.survivorship = new Survivorship(config);
    }

    /** The record's published membership, or null (unknown here, or not settled yet). */
    public Membership membership(ReadOnlyKeyValueStore<String, ?> records, String recordId) {
        RecordNode n = decode(records.get(recordId), Codecs.RECORD_NODE);
        if (n == null || n.goldenId == null || !n.present()) {
            return null;
        }
        return new Membership(n.goldenId, n.reason);
    }

    /** The cluster's golden record, or null when no cluster here has that id. */
    public GoldenCustomer golden(ReadOnlyKeyValueStore<String, ?> clusters, String goldenId) {
        ClusterNode c = decode(clusters.get(goldenId), Codecs.CLUSTER_NODE);
        if (c == null || c.members.isEmpty()) {
            return null;
        }
        Map<String, SourceRecord> records = new TreeMap<>();
        Map<String, Steward> overrides = new TreeMap<>();
        c.members.forEach((rid, m) -> {
            records.put(rid, m.record());
            m.overrides().forEach((id, s) -> overrides.put(id, s.routedTo(goldenId)));
        });
        overrides.putAll(c.overrides);
        return survivorship
                .survive(goldenId, new ClusterView(records), new Overrides(overrides))
                .golden();
    }

    /** A node from a resolver store's value (its codec's bytes, see {@code Stores}), or null. */
    private static <N> N decode(Object value, Codec<N> codec) {
        return value instanceof byte[] bytes ? codec.decode(bytes) : null;
    }

    /** How many clusters this store holds that have members (counted exactly; for a progress line). */
    public static long clusters(ReadOnlyKeyValueStore<String, ?> clusters) {
        long n = 0;
        try (var it = clusters.all()) {
            while (it.hasNext()) {
                ClusterNode c = decode(it.next().value, Codecs.CLUSTER_NODE);
                if (c != null && !c.members.isEmpty()) {
                    n++;
                }
            }
        }
        return n;
    }
}
