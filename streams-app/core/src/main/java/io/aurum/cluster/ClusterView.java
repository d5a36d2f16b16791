package io.aurum.cluster;

import io.aurum.canonical.SourceRecord;
import java.util.Map;
import java.util.TreeMap;

/** The current members of one cluster, by record id: the whole input of survivorship for one golden id. */
public record ClusterView(Map<String, SourceRecord> members) {

    public static ClusterView empty() {
        return new ClusterView(new TreeMap<>());
    }

    public ClusterView with(Member member) {
        Map<String, SourceRecord> copy = new TreeMap<>(members);
        copy.put(member.record().recordId(), member.record());
        return new ClusterView(copy);
    }

    /** Without the member, or null when that leaves the cluster empty (a tombstone for its golden id). */
    public ClusterView without(Member member) {
        Map<String, SourceRecord> copy = new TreeMap<>(members);
        copy.remove(member.record().recordId());
        return copy.isEmpty() ? null : new ClusterView(copy);
    }
}
