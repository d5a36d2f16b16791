package io.aurum.identity;

/**
 * Which cluster a source record belongs to, and why.
 *
 * @param reason the identifier (masked) or link that ties the record to another member; null when alone
 */
public record Membership(String goldenId, String reason) {}
