package io.aurum.canonical;

/** What the record assembler consumes: a change of the parent row itself, or of one of its children. */
public record RecordEvent(SourceChange parent, ChildChange child) {
    public static RecordEvent of(SourceChange parent) {
        return new RecordEvent(parent, null);
    }

    public static RecordEvent of(ChildChange child) {
        return new RecordEvent(null, child);
    }
}
