package io.aurum.canonical;

/**
 * What the record assembler consumes, keyed by a parent record id: a change of the parent row itself, of one of
 * its children, of a steward assertion naming it, or (broadcast to every partition) the end of a snapshot of a
 * parent source.
 */
public sealed interface RecordEvent permits SourceChange, ChildChange, AssertionChange, SnapshotSweep {}
