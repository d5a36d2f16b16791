package io.aurum.resolve;

import io.aurum.identity.Anchor;
import java.util.Map;
import java.util.TreeMap;

/**
 * An identifier's node (keyed by the identifier, e.g. {@code email=jane@x.com}): its generation, its holders with
 * what it knows and last said to each, and whether it linked them when last computed. Mutable, like every node.
 */
final class IdentifierNode {
    long gen;
    final Map<String, Holder> holders = new TreeMap<>();
    boolean active = true;

    /**
     * A holder as the identifier knows it: its label in the identifier's generation (null: not yet heard), the
     * values compound rules compare, and the last offer and explanation sent to it in that generation, so that
     * only news is sent.
     */
    record Holder(Anchor label, Map<String, String> features, Anchor offered, String via) {
        Holder(Anchor label, Map<String, String> features) {
            this(label, features, null, null);
        }

        Holder withLabel(Anchor l) {
            return new Holder(l, features, offered, via);
        }

        Holder offered(Anchor offer, String byWhom) {
            return new Holder(label, features, offer, byWhom);
        }

        /** Forgets what was heard and said: a new generation starts. */
        Holder reset() {
            return new Holder(null, features, null, null);
        }
    }
}
