package io.aurum.canonical;

import io.aurum.canonical.SourceRecord.ChildRecord;

/**
 * A child row arriving at, or leaving, a parent record. Keyed by the parent's record id, so children that arrive
 * before their parent wait in the parent's state, and a child that moves to another parent leaves the old one.
 *
 * @param child the child's current state, or null when it left this parent (deleted or moved)
 */
public record ChildChange(String childSource, String childKey, ChildRecord child) {}
