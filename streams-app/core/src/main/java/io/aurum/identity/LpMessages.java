package io.aurum.identity;

import io.aurum.canonical.SourceRecord;
import java.util.Map;

/** The messages of the partitioned resolver, and the union types its two processors consume. */
public final class LpMessages {
    private LpMessages() {}

    public enum ToIdKind {
        JOIN,
        LABEL,
        LEAVE
    }

    /**
     * From a record node to an identifier node (keyed by identifier).
     *
     * @param label    the record's current label (JOIN, LABEL)
     * @param features the record's compared attribute values (JOIN)
     */
    public record ToIdentifier(ToIdKind kind, String recordId, long gen, Anchor label, Map<String, String> features) {}

    /**
     * From an identifier node to a record node (keyed by record id). {@code reset} pulls the record into generation
     * {@code gen}; otherwise it is an offer: the best label among the co-holders the identifier links the record to
     * ({@code label} null when there are none), and the smallest such co-holder ({@code via}), for explanations.
     * {@code ack} marks the reply to the record's own JOIN or LABEL.
     */
    public record ToRecord(
            String identifier, long gen, boolean reset, boolean ack, Anchor label, String via, Succession succession) {
        public ToRecord(String identifier, long gen, boolean reset, boolean ack, Anchor label, String via) {
            this(identifier, gen, reset, ack, label, via, null);
        }
    }

    /**
     * Between record nodes, about ids that outlive their cluster: {@code adopt} asks the heir to take the deleted
     * record {@code from} as an ancestor; {@code target} tells an ancestor the golden id {@code from} now leads to;
     * {@code departure} marks the first such report from a record that left the receiver's cluster.
     */
    public record Succession(boolean adopt, String from, String target, boolean departure) {
        public Succession(boolean adopt, String from, String target) {
            this(adopt, from, target, false);
        }
    }

    /** What a record node consumes: its record's new state (null = deleted) or a message from an identifier. */
    public record RecordInput(boolean change, SourceRecord record, ToRecord message) {}
}
