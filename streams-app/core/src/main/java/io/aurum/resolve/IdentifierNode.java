package io.aurum.resolve;

import io.aurum.identity.Anchor;
import java.util.List;
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
     * only news is sent. Once a cannot-link applies, also its labels at levels 2.. and dirty flags ({@code more},
     * {@code dirty}) and those last offered to it ({@code offeredMore}, {@code offeredDirty}); empty and 0
     * otherwise.
     */
    record Holder(
            Anchor label,
            Map<String, String> features,
            Anchor offered,
            String via,
            List<Anchor> more,
            int dirty,
            List<Anchor> offeredMore,
            int offeredDirty) {
        Holder(Anchor label, Map<String, String> features) {
            this(label, features, null, null, List.of(), 0, List.of(), 0);
        }

        Holder(Anchor label, Map<String, String> features, Anchor offered, String via) {
            this(label, features, offered, via, List.of(), 0, List.of(), 0);
        }

        /** The holder's labels and dirty flags as its latest message has them. */
        Holder heard(Anchor l, List<Anchor> m, int d) {
            return new Holder(l, features, offered, via, m, d, offeredMore, offeredDirty);
        }

        /** What was last offered to it. */
        Holder offered(Message.ToRecord offer) {
            return new Holder(label, features, offer.label(), offer.via(), more, dirty, offer.more(), offer.dirty());
        }

        /** Forgets what was heard and said: a new generation starts. */
        Holder reset() {
            return new Holder(null, features, null, null, List.of(), 0, List.of(), 0);
        }

        /** Whether it holds anything beyond the single label (stored apart, so nodes without stay as compact). */
        boolean extended() {
            return !more.isEmpty() || dirty != 0 || !offeredMore.isEmpty() || offeredDirty != 0;
        }
    }
}
