package io.aurum.canonical;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The latest applied version of one row, parent or child. A deleted row keeps its position, so that an older
 * change arriving after the delete cannot bring it back.
 *
 * @param attributeTs per attribute, the commit time of the change that last modified its value
 */
public record StoredRow(
        Map<String, Object> attributes,
        Map<String, Long> attributeTs,
        Map<String, String> links,
        String parentId,
        Long createdAt,
        Position position,
        boolean deleted) {

    /** Applies a change if it is newer than this version; returns this same instance when it is not. */
    public static StoredRow apply(StoredRow previous, SourceChange change) {
        if (previous != null && !change.position().isNewerThan(previous.position())) {
            return previous;
        }
        if (change.delete()) {
            String parent = change.parentId() != null ? change.parentId()
                    : previous == null ? null : previous.parentId();
            return new StoredRow(Map.of(), Map.of(), Map.of(), parent, null, change.position(), true);
        }
        boolean hadValues = previous != null && !previous.deleted();
        Map<String, Object> attributes = new LinkedHashMap<>(change.attributes());
        for (String name : change.unchanged()) {
            // An unchanged TOAST column: the value is whatever the row held before.
            Object before = hadValues ? previous.attributes().get(name) : null;
            if (before != null) {
                attributes.put(name, before);
            }
        }
        long ts = change.position().tsMs();
        Map<String, Long> attributeTs = new HashMap<>();
        for (Map.Entry<String, Object> e : attributes.entrySet()) {
            Object before = hadValues ? previous.attributes().get(e.getKey()) : null;
            Long beforeTs = hadValues ? previous.attributeTs().get(e.getKey()) : null;
            attributeTs.put(e.getKey(), Objects.equals(before, e.getValue()) && beforeTs != null ? beforeTs : ts);
        }
        return new StoredRow(attributes, attributeTs, change.links(), change.parentId(), change.createdAt(),
                change.position(), false);
    }
}
