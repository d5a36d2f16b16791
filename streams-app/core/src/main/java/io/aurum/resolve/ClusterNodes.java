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
 * record and open conflicts whenever they change, never a repeat. While a snapshot holds publishing back, it only
 * marks itself changed, and publishes once when the snapshot is over.
 */
final class ClusterNodes {
    private final Survivorship survivorship;

    ClusterNodes(PipelineConfig config) {
        this.survivorship = new Survivorship(config);
    }

    void member(String goldenId, ClusterNode c, Message.Member m, boolean publish, Mailbox mail) {
        MemberState next = new MemberState(m.record(), m.overrides());
        if (!next.equals(c.members.put(m.record().recordId(), next))) {
            changed(goldenId, c, publish, mail);
        }
    }

    void leave(String goldenId, ClusterNode c, Message.Leave m, boolean publish, Mailbox mail) {
        if (c.members.remove(m.recordId()) != null) {
            changed(goldenId, c, publish, mail);
        }
    }

    /** An override aimed at the golden id itself. */
    void override(String goldenId, ClusterNode c, String id, Steward override, boolean publish, Mailbox mail) {
        Steward before = override == null ? c.overrides.remove(id) : c.overrides.put(id, override);
        if (!Objects.equals(before, override)) {
            changed(goldenId, c, publish, mail);
        }
    }

    private void changed(String goldenId, ClusterNode c, boolean publish, Mailbox mail) {
        if (publish) {
            publish(goldenId, c, mail);
        } else {
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
