package io.aurum.identity;

import java.util.List;
import java.util.Map;

/**
 * The identity stage's view of one record: its identifiers, its anchor key, the attribute values compound rules
 * compare, and its current membership.
 */
public record IdNode(List<String> identifiers, Anchor anchor, Map<String, String> features, String goldenId,
                     String reason) {

    public IdNode withMembership(String goldenId, String reason) {
        return new IdNode(identifiers, anchor, features, goldenId, reason);
    }

    /** Same graph position: identifiers, anchor and compared features (membership aside). */
    public boolean sameShape(IdNode other) {
        return other != null && identifiers.equals(other.identifiers) && anchor.equals(other.anchor)
                && features.equals(other.features);
    }
}
