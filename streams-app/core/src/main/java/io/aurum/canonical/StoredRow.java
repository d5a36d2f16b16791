package io.aurum.canonical;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The latest applied version of one row, parent or child. A deleted row keeps its position, so that an older
 * change arriving after the delete cannot bring it back.
 *
 * @param attributeTs per attribute, the time of the change that last modified its value (see {@link Position})
 * @param seen        the latest WAL position at which an event confirmed the row exists: a streamed change, or a
 *                    snapshot read (whose LSN is the snapshot's), applied or not. A snapshot that completes without
 *                    confirming the row proves it gone ({@link SnapshotSweep}).
 * @param partition   the CDC partition the row's events come from
 */
public record StoredRow(
        Map<String, Object> attributes,
        Map<String, Long> attributeTs,
        Map<String, String> links,
        String parentId,
        Long createdAt,
        Position position,
        boolean deleted,
        long seen,
        int partition) {

    /**
     * Applies a change if it is newer than this version. Returns this same instance when nothing changes; a copy
     * with a later {@link #seen} when the change only confirms that the row still exists.
     */
    public static StoredRow apply(StoredRow previous, SourceChange change) {
        long lsn = change.position().lsn();
        if (previous != null && !change.position().isNewerThan(previous.position())) {
            if (!change.delete() && !previous.deleted() && lsn > previous.seen()) {
                return new StoredRow(
                        previous.attributes,
                        previous.attributeTs,
                        previous.links,
                        previous.parentId,
                        previous.createdAt,
                        previous.position,
                        false,
                        lsn,
                        change.partition());
            }
            return previous;
        }
        if (change.delete()) {
            String parent =
                    change.parentId() != null ? change.parentId() : previous == null ? null : previous.parentId();
            return new StoredRow(
                    Map.of(),
                    Map.of(),
                    Map.of(),
                    parent,
                    null,
                    change.position(),
                    true,
                    previous == null ? lsn : Math.max(previous.seen(), lsn),
                    change.partition());
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
        // A change timed by its commit modifies what differs and leaves the rest as old as it was. A row's own time
        // (its updated_at, or a read's 0) holds for the row as a whole: every attribute takes it, so a row read
        // twice, or read where another run saw it change, ends the same.
        boolean wholeRow = change.position().rowTime();
        for (Map.Entry<String, Object> e : attributes.entrySet()) {
            Object before = hadValues ? previous.attributes().get(e.getKey()) : null;
            Long beforeTs = hadValues ? previous.attributeTs().get(e.getKey()) : null;
            attributeTs.put(
                    e.getKey(), !wholeRow && Objects.equals(before, e.getValue()) && beforeTs != null ? beforeTs : ts);
        }
        return new StoredRow(
                attributes,
                attributeTs,
                change.links(),
                change.parentId(),
                change.createdAt(),
                change.position(),
                false,
                previous == null ? lsn : Math.max(previous.seen(), lsn),
                change.partition());
    }

    /** The row removed by a snapshot that did not see it. */
    public StoredRow sweptBy(SnapshotSweep sweep) {
        return new StoredRow(Map.of(), Map.of(), Map.of(), parentId, null, sweep.position(), true, seen, partition);
    }

    /** Whether the two hold the same version of the row (they may differ in {@link #seen} only). */
    public boolean sameVersion(StoredRow other) {
        return other != null
                && deleted == other.deleted
                && Objects.equals(position, other.position)
                && Objects.equals(attributes, other.attributes)
                && Objects.equals(parentId, other.parentId);
    }
}
