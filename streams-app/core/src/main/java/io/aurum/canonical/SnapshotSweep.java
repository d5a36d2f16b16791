package io.aurum.canonical;

/**
 * A blocking snapshot ({@code generation}: the WAL position it read at) has delivered every row of {@code source}
 * that CDC partition {@code partition} holds. A row of that source and partition that no event since the snapshot
 * began has confirmed (its {@link StoredRow#seen()} is older) no longer exists: it was deleted while nothing was
 * streaming, e.g. between a crash during an earlier snapshot and the snapshot that replaced it, and is removed.
 *
 * <p>Sent by the map stage after the last read of the generation in that partition, so in every downstream
 * partition it follows all of those reads.
 */
public record SnapshotSweep(String source, int partition, long generation) implements RowEvent {
    /**
     * Header of the marker record that Aurum's capture writes to every partition of a table's change topic once a
     * blocking snapshot of its database has completed (value: the snapshot's LSN, in decimal). The marker has no key
     * and no value; nothing else is in it.
     */
    public static final String COMPLETED_HEADER = "aurum.snapshot.completed";

    /** Whether this sweep removes a row with this state. */
    public boolean removes(StoredRow row) {
        return row != null && !row.deleted() && row.partition() == partition && row.seen() < generation;
    }

    /**
     * Where a removed row stands: just before the generation, so any read of this or a later snapshot and any
     * streamed change brings it back, and no older event does.
     */
    public Position position() {
        return new Position(generation - 1, true, 0);
    }
}
