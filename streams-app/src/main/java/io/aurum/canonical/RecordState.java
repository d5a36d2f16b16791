package io.aurum.canonical;

import io.aurum.canonical.SourceRecord.ChildRecord;
import java.util.Map;
import java.util.TreeMap;

/**
 * The assembler's state for one parent record id: the parent row (possibly not seen yet, or deleted) and the
 * children attached to it, by child source then child key.
 */
public record RecordState(StoredRow parent, Map<String, Map<String, ChildRecord>> children) {

    public static RecordState empty() {
        return new RecordState(null, new TreeMap<>());
    }

    public RecordState withParent(StoredRow row) {
        return new RecordState(row, children);
    }

    public RecordState withChild(ChildChange change) {
        Map<String, Map<String, ChildRecord>> copy = new TreeMap<>();
        children.forEach((source, rows) -> copy.put(source, new TreeMap<>(rows)));
        Map<String, ChildRecord> rows = copy.computeIfAbsent(change.childSource(), s -> new TreeMap<>());
        if (change.child() == null) {
            rows.remove(change.childKey());
            if (rows.isEmpty()) {
                copy.remove(change.childSource());
            }
        } else {
            rows.put(change.childKey(), change.child());
        }
        return new RecordState(parent, copy);
    }

    /** Nothing worth keeping: no parent version to guard and no waiting children. */
    public boolean isEmpty() {
        return parent == null && children.isEmpty();
    }
}
