package io.aurum.identity;

import io.aurum.identity.LpMessages.ToIdentifier;
import io.aurum.identity.LpMessages.ToRecord;

/** What the resolver's processors emit: a message to the other side, or an identity event for downstream. */
public record LpOutput(ToIdentifier toIdentifier, ToRecord toRecord, IdentityEvent event) {
    static LpOutput toIdentifier(ToIdentifier m) {
        return new LpOutput(m, null, null);
    }

    static LpOutput toRecord(ToRecord m) {
        return new LpOutput(null, m, null);
    }

    static LpOutput event(IdentityEvent e) {
        return new LpOutput(null, null, e);
    }
}
