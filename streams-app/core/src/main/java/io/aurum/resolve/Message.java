package io.aurum.resolve;

import io.aurum.canonical.AssertionChange;
import io.aurum.canonical.ChildChange;
import io.aurum.canonical.SnapshotSweep;
import io.aurum.canonical.SourceChange;
import io.aurum.canonical.SourceRecord;
import io.aurum.identity.Anchor;
import io.aurum.survivorship.Steward;
import java.util.List;
import java.util.Map;

/**
 * Everything the resolver consumes, one type per kind, each addressed to one node: a record node (keyed by record
 * id), an identifier node (keyed by identifier) or a cluster node (keyed by golden id). The first five come from
 * the stages before it (through the {@code records} repartition topic); the rest are what its nodes say to each
 * other (through the {@code resolver} topic, or directly when the addressee lives in the same task).
 */
public sealed interface Message {

    /** The kind of node a message is for; with {@link #key()} it decides the partition. */
    enum Target {
        RECORD,
        IDENTIFIER,
        CLUSTER,
        EVERY_PARTITION,
        /** One resolver partition, whose number is the key: for the partitions' coordination messages. */
        PARTITION
    }

    Target target();

    /** The addressee's key (record id, identifier or golden id); for a broadcast, anything stable. */
    String key();

    /** A parent row changed. */
    record Row(SourceChange change) implements Message {
        public Target target() {
            return Target.RECORD;
        }

        public String key() {
            return change.recordId();
        }
    }

    /** A child row arrived at, changed under, or left the parent record {@code parentId}. */
    record Child(String parentId, ChildChange change) implements Message {
        public Target target() {
            return Target.RECORD;
        }

        public String key() {
            return parentId;
        }
    }

    /** A steward assertion started or ceased to name record {@code recordId}. */
    record Assertion(String recordId, AssertionChange change) implements Message {
        public Target target() {
            return Target.RECORD;
        }

        public String key() {
            return recordId;
        }
    }

    /**
     * A steward override appeared, changed or was withdrawn ({@code override} null, {@code previous} the one
     * withdrawn). A record-level override goes to its record, which carries it to whatever cluster it is in; one
     * aimed at a golden id goes to that cluster.
     */
    record Override(String id, Steward override, Steward previous) implements Message {
        public Target target() {
            Steward s = override != null ? override : previous;
            return s.recordId() != null ? Target.RECORD : Target.CLUSTER;
        }

        public String key() {
            Steward s = override != null ? override : previous;
            return s.recordId() != null ? s.recordId() : s.goldenId();
        }
    }

    /** A blocking snapshot of a parent source finished in one CDC partition: reaches every partition. */
    record Sweep(SnapshotSweep sweep) implements Message {
        public Target target() {
            return Target.EVERY_PARTITION;
        }

        public String key() {
            return sweep.source();
        }
    }

    /**
     * A blocking snapshot of a database started or ended. While one runs, clusters change without publishing:
     * a snapshot delivers a customer's records one table after another, and publishing each intermediate state
     * would show consumers customers that are about to merge. When it ends, every changed cluster is published once.
     */
    record Snapshot(String database, boolean running) implements Message {
        public Target target() {
            return Target.EVERY_PARTITION;
        }

        public String key() {
            return database;
        }
    }

    /**
     * Resolver partition {@code partition} starts or stops holding back what its record nodes publish (while a
     * snapshot runs there). Sent to every partition after, when it stops, every held-back membership went out: a
     * cluster node publishes only while no partition holds, so a cluster is first published with all its members.
     */
    record Hold(int partition, boolean holding) implements Message {
        public Target target() {
            return Target.EVERY_PARTITION;
        }

        public String key() {
            return "#" + partition;
        }
    }

    /**
     * The coordinator (partition 0) asks every partition, in round {@code round}, how many resolver messages it has
     * sent and received through the resolver topic (see {@link Quiescence}).
     */
    record Probe(long round) implements Message {
        public Target target() {
            return Target.EVERY_PARTITION;
        }

        public String key() {
            return "#probe";
        }
    }

    /**
     * A partition's answer to {@link Probe}: its counts of resolver messages sent and received so far, and whether it
     * knows of a partition that holds back (a wave that meets one finds no rest, whatever the counts).
     */
    record Status(long round, int partition, long sent, long received, boolean holding) implements Message {
        public Target target() {
            return Target.PARTITION;
        }

        public String key() {
            return Integer.toString(Quiescence.COORDINATOR);
        }
    }

    /**
     * Small node messages one input sends to the same other partition, in the order they were sent, as one record of
     * the resolver topic (a combiner, as in Pregel): one record to produce, consume and commit instead of several,
     * and the receiving task handles them as one input, so a node several of them address is read and written once.
     */
    record Batch(int partition, java.util.List<Message> messages) implements Message {
        public Batch {
            messages = java.util.List.copyOf(messages);
        }

        public Target target() {
            return Target.PARTITION;
        }

        public String key() {
            return Integer.toString(partition);
        }
    }

    /** No resolver message is on its way anywhere: what clusters held back since a snapshot may be published. */
    record Quiet(long round) implements Message {
        public Target target() {
            return Target.EVERY_PARTITION;
        }

        public String key() {
            return "#quiet";
        }
    }

    /**
     * Label propagation, record → identifier: a record joins, relabels or leaves (see {@link IdentifierNodes}).
     * {@code label} is its label L_1 over every tier; {@code more} its labels L_2.. over the stronger tiers and
     * {@code dirty} its dirty flags (bit j-1: D_j), both only there once a cannot-link applies (see
     * docs/identity-resolution.md, *Cannot-link*); empty and 0 otherwise.
     */
    record ToIdentifier(
            Kind kind,
            String identifier,
            String recordId,
            long gen,
            Anchor label,
            Map<String, String> features,
            List<Anchor> more,
            int dirty)
            implements Message {
        public ToIdentifier(
                Kind kind, String identifier, String recordId, long gen, Anchor label, Map<String, String> features) {
            this(kind, identifier, recordId, gen, label, features, List.of(), 0);
        }

        public enum Kind {
            JOIN,
            LABEL,
            LEAVE
        }

        public Target target() {
            return Target.IDENTIFIER;
        }

        public String key() {
            return identifier;
        }
    }

    /**
     * Label propagation, identifier → record. {@code reset} pulls the record into generation {@code gen}; otherwise
     * it is an offer: the best label among the co-holders the identifier links the record to ({@code label} null
     * when there are none) and the smallest such co-holder ({@code via}), for explanations. {@code ack} marks the
     * reply to the record's own JOIN or LABEL. {@code more} offers the best labels at levels 2.. and {@code dirty}
     * the dirty flags, once a cannot-link applies (see {@link ToIdentifier}); empty and 0 otherwise.
     */
    record ToRecord(
            String recordId,
            String identifier,
            long gen,
            boolean reset,
            boolean ack,
            Anchor label,
            String via,
            List<Anchor> more,
            int dirty)
            implements Message {
        public ToRecord(
                String recordId, String identifier, long gen, boolean reset, boolean ack, Anchor label, String via) {
            this(recordId, identifier, gen, reset, ack, label, via, List.of(), 0);
        }

        public Target target() {
            return Target.RECORD;
        }

        public String key() {
            return recordId;
        }
    }

    /**
     * A compound rule's block → record: the records this block links {@code recordId} to (by comparing them where
     * the block lives). {@code full}: the whole list, the reply to the record's JOIN (or a change of its compared
     * values), which replaces what the record had from this block; otherwise what changed since, as another holder
     * joined, changed or left, or the block became or stopped being a hub.
     */
    record RuleLinks(String recordId, String block, boolean full, List<String> linked, List<String> unlinked)
            implements Message {
        public RuleLinks {
            linked = List.copyOf(linked);
            unlinked = List.copyOf(unlinked);
        }

        public Target target() {
            return Target.RECORD;
        }

        public String key() {
            return recordId;
        }
    }

    /**
     * Between record nodes, about ids that outlive their cluster: {@code adopt} asks the heir to take the deleted
     * record {@code from} as an ancestor; otherwise it tells an ancestor the golden id {@code from} now leads to
     * ({@code departure}: the first such report from a record that left the receiver's cluster). {@code origin} is
     * the live record whose golden id that is (it reached {@code from} through a chain of deleted records): a
     * deleted record that gets back a golden id of its own making learns that it is stale (see
     * {@code RecordNodes.succession}).
     */
    record Succession(String recordId, boolean adopt, String from, String goldenId, boolean departure, String origin)
            implements Message {
        public Target target() {
            return Target.RECORD;
        }

        public String key() {
            return recordId;
        }
    }

    /** Record node → cluster node: this is the member's current content (and its record-level overrides). */
    record Member(String goldenId, SourceRecord record, Map<String, Steward> overrides) implements Message {
        public Target target() {
            return Target.CLUSTER;
        }

        public String key() {
            return goldenId;
        }
    }

    /** Record node → cluster node: the record is no longer a member. */
    record Leave(String goldenId, String recordId) implements Message {
        public Target target() {
            return Target.CLUSTER;
        }

        public String key() {
            return goldenId;
        }
    }
}
