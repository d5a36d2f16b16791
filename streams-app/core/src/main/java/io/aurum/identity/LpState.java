package io.aurum.identity;

import java.util.List;
import java.util.Map;
import java.util.Set;

/** State of the partitioned resolver's nodes. */
public final class LpState {
    private LpState() {}

    /**
     * A record node.
     *
     * @param ids      its identifiers, including its own link identifier {@code @<record id>}
     * @param offers   per identifier, the best linked co-holder label offered in the current generation
     * @param via      per identifier, the smallest linked co-holder (for the explanation)
     * @param pending  identifiers whose reply to this node's last JOIN or LABEL has not arrived
     * @param goldenId the membership last emitted (null before the first)
     * @param ghost    the record was deleted: the node only remains to hand its id on
     * @param heir     for a ghost, the neighbour its id was handed to
     * @param target   for a ghost, the golden id its id leads to now
     * @param ancestors records to tell when this record's golden id changes: deleted records that named it heir,
     *                  and anchors of clusters it left
     * @param anchorOf  the anchor of the cluster in the membership last emitted
     * @param departed  for an anchor: records that left its cluster, with the golden id each is in now
     */
    public record RecordNode(
            List<String> ids,
            Anchor anchor,
            Map<String, String> features,
            long gen,
            Anchor label,
            Map<String, Anchor> offers,
            Map<String, String> via,
            Set<String> pending,
            String goldenId,
            String reason,
            boolean ghost,
            String heir,
            String target,
            Set<String> ancestors,
            String anchorOf,
            Map<String, String> departed) {
        public RecordNode {
            ancestors = ancestors == null ? Set.of() : ancestors;
            departed = departed == null ? Map.of() : departed;
        }

        RecordNode with(Set<String> nextAncestors, Map<String, String> nextDeparted) {
            return new RecordNode(
                    ids,
                    anchor,
                    features,
                    gen,
                    label,
                    offers,
                    via,
                    pending,
                    goldenId,
                    reason,
                    ghost,
                    heir,
                    target,
                    nextAncestors,
                    anchorOf,
                    nextDeparted);
        }
    }

    /**
     * A holder as an identifier node knows it: its label in the identifier's generation (null: not yet heard), and
     * the last offer and explanation sent to it in that generation, so that only news is sent.
     */
    public record Holder(Anchor label, Map<String, String> features, Anchor offered, String via) {
        public Holder(Anchor label, Map<String, String> features) {
            this(label, features, null, null);
        }

        Holder offered(Anchor offer, String byWhom) {
            return new Holder(label, features, offer, byWhom);
        }
    }

    /** An identifier node: its generation and holders, and whether it linked them when last computed. */
    public record IdentifierNode(long gen, Map<String, Holder> holders, boolean active) {}
}
