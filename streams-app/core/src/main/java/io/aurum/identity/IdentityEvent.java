package io.aurum.identity;

/**
 * What the identity stage emits: a record's membership (keyed by record id; null membership = the record is
 * gone), or a quality report (keyed by identifier; null report = the issue cleared).
 */
public record IdentityEvent(boolean quality, Membership membership, QualityReport report) {
    static IdentityEvent membership(Membership m) {
        return new IdentityEvent(false, m, null);
    }

    static IdentityEvent quality(QualityReport r) {
        return new IdentityEvent(true, null, r);
    }
}
