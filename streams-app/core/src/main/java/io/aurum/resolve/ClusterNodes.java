package io.aurum.resolve;

import io.aurum.canonical.SourceRecord;
import io.aurum.cluster.ClusterView;
import io.aurum.config.PipelineConfig;
import io.aurum.resolve.ClusterNode.MemberState;
import io.aurum.schemas.Conflict;
import io.aurum.survivorship.Outcome;
import io.aurum.survivorship.Overrides;
import io.aurum.survivorship.Steward;
import io.aurum.survivorship.Survivorship;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What a cluster node does: it keeps its members' content as their record nodes send it, and publishes its golden
 * record and open conflicts when they changed, never a repeat. A change only marks the node ({@code dirty}); the
 * resolver publishes it once at the end of the input that changed it, or, while a snapshot holds publishing back,
 * once when the hold is over.
 */
final class ClusterNodes {
    private final Survivorship survivorship;

    ClusterNodes(PipelineConfig config) {
        this.survivorship = new Survivorship(config);
    }

    void member(ClusterNode c, Message.Member m) {
        MemberState next = new MemberState(m.record(), m.overrides());
        if (!next.equals(c.members.put(m.record().recordId(), next))) {
            c.dirty = true;
        }
    }

    void leave(ClusterNode c, Message.Leave m) {
        if (c.members.remove(m.recordId()) != null) {
            c.dirty = true;
        }
    }

    /** An override aimed at the golden id itself. */
    void override(ClusterNode c, String id, Steward override) {
        Steward before = override == null ? c.overrides.remove(id) : c.overrides.put(id, override);
        if (!Objects.equals(before, override)) {
            c.dirty = true;
        }
    }

    /** Publishes the cluster's golden record and conflicts, those that changed since last published. */
    void publish(String goldenId, ClusterNode c, Mailbox mail) {
        c.dirty = false;
        if (c.members.isEmpty()) {
            if (c.goldenDigest != 0) {
                mail.golden(goldenId, null);
                c.goldenDigest = 0;
            }
            c.conflicts.keySet().forEach(field -> mail.conflict(ConflictKeys.of(goldenId, field), null));
            c.conflicts.clear();
            return;
        }
        Map<String, SourceRecord> records = new TreeMap<>();
        Map<String, Steward> overrides = new TreeMap<>();
        c.members.forEach((rid, m) -> {
            records.put(rid, m.record());
            m.overrides().forEach((id, s) -> overrides.put(id, s.routedTo(goldenId)));
        });
        overrides.putAll(c.overrides);
        Outcome outcome = survivorship.survive(goldenId, new ClusterView(records), new Overrides(overrides));
        long digest = Digest.of(outcome.golden());
        if (digest != c.goldenDigest) {
            mail.golden(goldenId, outcome.golden());
            c.goldenDigest = digest;
        }
        Map<String, Long> open = new TreeMap<>();
        for (Conflict conflict : outcome.conflicts()) {
            long d = Digest.of(conflict);
            open.put(conflict.getField(), d);
            if (!Long.valueOf(d).equals(c.conflicts.get(conflict.getField()))) {
                mail.conflict(ConflictKeys.of(goldenId, conflict.getField()), conflict);
            }
        }
        for (String field : c.conflicts.keySet()) {
            if (!open.containsKey(field)) {
                mail.conflict(ConflictKeys.of(goldenId, field), null);
            }
        }
        c.conflicts.clear();
        c.conflicts.putAll(open);
    }

    /** The key on customers.conflicts. Golden ids never contain '/', so the field is whatever follows the first. */
    static final class ConflictKeys {
        private ConflictKeys() {}

        static String of(String goldenId, String field) {
            return goldenId + "/" + field;
        }
    }
}
