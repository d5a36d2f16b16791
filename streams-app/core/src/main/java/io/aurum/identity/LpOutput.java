package io.aurum.identity;

import io.aurum.identity.LpMessages.ToIdentifier;
import io.aurum.identity.LpMessages.ToRecord;
import java.util.List;

/**
 * What the resolver's processors emit: a message to a node, an identity event for downstream, or a redirect
 * (keyed by the id that redirects; {@code redirect} null with {@code isRedirect} = a tombstone).
 */
public record LpOutput(
        ToIdentifier toIdentifier, ToRecord toRecord, IdentityEvent event, boolean isRedirect, RedirectTo redirect) {

    /**
     * Where a golden id leads: the current golden id, the record whose own id it is, why, and, when the id is live,
     * the clusters that split off from it.
     */
    public record RedirectTo(String goldenId, String recordId, String reason, List<String> splitInto) {}

    static LpOutput toIdentifier(ToIdentifier m) {
        return new LpOutput(m, null, null, false, null);
    }

    static LpOutput toRecord(ToRecord m) {
        return new LpOutput(null, m, null, false, null);
    }

    static LpOutput event(IdentityEvent e) {
        return new LpOutput(null, null, e, false, null);
    }

    static LpOutput redirect(RedirectTo r) {
        return new LpOutput(null, null, null, true, r);
    }
}
