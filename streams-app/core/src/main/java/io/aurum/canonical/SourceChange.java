package io.aurum.canonical;

import java.util.Map;
import java.util.Set;

/**
 * One row change mapped through the pipeline config: canonical attribute values instead of columns. A change
 * is a delta, not a record: attributes listed in {@code unchanged} were not sent (an unchanged TOAST column) and
 * keep their previous value when the change is applied.
 *
 * @param links     target record id per link column, for rows that name another source's key
 * @param parentId  for a child row, the record id of its parent
 * @param origin    streamed, or read by a snapshot (and whether it is the last read of its table)
 * @param partition the CDC topic partition the event came from (snapshot sweeps are per partition)
 */
public record SourceChange(
        String source,
        String key,
        boolean delete,
        Map<String, Object> attributes,
        Set<String> unchanged,
        Map<String, String> links,
        String parentId,
        Long createdAt,
        Position position,
        Origin origin,
        int partition)
        implements RowEvent {

    /** How Debezium produced the event. */
    public enum Origin {
        /** A change streamed from the WAL. */
        STREAM,
        /** A row read by a blocking snapshot (initial, restarted after a crash, or ad hoc); its LSN names the snapshot. */
        SNAPSHOT,
        /** The last row a blocking snapshot read of its table ({@code last_in_data_collection}). */
        SNAPSHOT_LAST,
        /** The last row of the whole blocking snapshot ({@code last}): the last of its table, too. */
        SNAPSHOT_END,
        /** A row read by an incremental snapshot, in between streamed changes. */
        INCREMENTAL;

        /** Whether this is a read of a blocking snapshot, which belongs to the generation its LSN names. */
        public boolean blockingRead() {
            return this == SNAPSHOT || this == SNAPSHOT_LAST || this == SNAPSHOT_END;
        }
    }

    public SourceChange {
        origin = origin == null ? (position != null && position.snapshot() ? Origin.SNAPSHOT : Origin.STREAM) : origin;
    }

    public String recordId() {
        return RecordIds.of(source, key);
    }

    public SourceChange withPartition(int p) {
        return new SourceChange(
                source, key, delete, attributes, unchanged, links, parentId, createdAt, position, origin, p);
    }
}
