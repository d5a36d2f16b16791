package io.aurum.canonical;

import io.aurum.canonical.SourceRecord.ChildRecord;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The assembler's state for one parent record id: the parent row (possibly not seen yet, or deleted), the
 * children attached to it (by child source then child key), and the steward assertions that name it.
 */
public record RecordState(StoredRow parent, Map<String, Map<String, ChildRecord>> children, Set<String> assertions) {

    public RecordState {
        assertions = assertions == null ? Set.of() : assertions;
    }

    public static RecordState empty() {
        return new RecordState(null, new TreeMap<>(), Set.of());
    }

    public RecordState withParent(StoredRow row) {
        return new RecordState(row, children, assertions);
    }

    public RecordState withAssertion(AssertionChange change) {
        Set<String> copy = new TreeSet<>(assertions);
        if (change.present()) {
            copy.add(change.assertionId());
        } else {
            copy.remove(change.assertionId());
        }
        return new RecordState(parent, children, copy);
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
        return new RecordState(parent, copy, assertions);
    }

    /** Nothing worth keeping: no parent version to guard, no waiting children, no assertion. */
    public boolean isEmpty() {
        return parent == null && children.isEmpty() && assertions.isEmpty();
    }
}
