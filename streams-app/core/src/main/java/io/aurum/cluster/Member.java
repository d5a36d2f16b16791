package io.aurum.cluster;

import io.aurum.canonical.SourceRecord;
import io.aurum.identity.Membership;

/** A source record together with the cluster it belongs to: what the golden aggregation groups by golden id. */
public record Member(String goldenId, String reason, SourceRecord record) {
    public static Member of(SourceRecord record, Membership membership) {
        return new Member(membership.goldenId(), membership.reason(), record);
    }
}
