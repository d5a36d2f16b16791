package io.aurum.canonical;

/**
 * What the record assembler consumes: a change of the parent row itself, of one of its children, or of a steward
 * assertion naming it. Exactly one part is set.
 */
public record RecordEvent(SourceChange parent, ChildChange child, AssertionChange assertion) {
    public static RecordEvent of(SourceChange parent) {
        return new RecordEvent(parent, null, null);
    }

    public static RecordEvent of(ChildChange child) {
        return new RecordEvent(null, child, null);
    }

    public static RecordEvent of(AssertionChange assertion) {
        return new RecordEvent(null, null, assertion);
    }
}
