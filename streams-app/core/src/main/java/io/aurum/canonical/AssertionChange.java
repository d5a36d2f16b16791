package io.aurum.canonical;

/**
 * A steward's must-link assertion starting or ceasing to name a record. Keyed by that record's id; the record
 * then holds the assertion as an identifier ({@code !<assertion id>}), which links it to the other named records.
 */
public record AssertionChange(String assertionId, boolean present) {}
