package io.aurum.resolve;

import io.aurum.canonical.SourceRecord;
import io.aurum.survivorship.Steward;
import java.util.Map;
import java.util.TreeMap;

/**
 * One cluster (keyed by its golden id): the current content of its members, the overrides aimed at its golden
 * id, and digests of what was last published for it, so that only changes are published. It lives in the same
 * partition as its anchor's record node (both are placed by the anchor's golden id), so most of what the anchor
 * says to it never leaves the task.
 */
final class ClusterNode {
    /** Members by record id: their content and the overrides that follow them. */
    final Map<String, MemberState> members = new TreeMap<>();
    /** Overrides aimed at the golden id itself, by override id. */
    final Map<String, Steward> overrides = new TreeMap<>();
    /** Digest of the golden record last published; 0 when none is (never, or tombstoned). */
    long goldenDigest;
    /** Digests of the open conflicts last published, by field. */
    final Map<String, Long> conflicts = new TreeMap<>();
    /** Changed since last published (while a snapshot holds publishing back). */
    boolean dirty;

    record MemberState(SourceRecord record, Map<String, Steward> overrides) {}

    boolean isEmpty() {
        return members.isEmpty() && overrides.isEmpty() && goldenDigest == 0 && conflicts.isEmpty();
    }
}
