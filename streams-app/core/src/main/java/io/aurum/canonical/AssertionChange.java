package io.aurum.canonical;

/**
 * A steward's assertion starting or ceasing to name a record. Keyed by that record's id; the record then holds the
 * assertion as an identifier: a must-link as {@code !<assertion id>}, which links it to the other named records, a
 * cannot-link ({@code cannotLink}) as {@code ~<assertion id>}, which links nothing and keeps it apart from the
 * other named record.
 */
public record AssertionChange(String assertionId, boolean present, boolean cannotLink) {
    /** A must-link assertion's change. */
    public AssertionChange(String assertionId, boolean present) {
        this(assertionId, present, false);
    }
}
