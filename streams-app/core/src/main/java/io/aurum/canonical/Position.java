package io.aurum.canonical;

/**
 * Where a change sits in its source's history, used to keep only the newest version of a row whatever order
 * changes arrive in (redelivery after a Debezium restart, replays, or a snapshot racing the stream).
 *
 * <p>Within streaming, a row's changes are ordered by their WAL position: Postgres' row locks mean a later change
 * to the same row always has a higher LSN. A snapshot read carries the snapshot's LSN, which can be higher than a
 * streamed change of a transaction that was still open when the snapshot began, so a streamed change always wins
 * over a snapshot read, and snapshot reads only replace each other. Sources without an LSN fall back to the
 * commit timestamp.
 */
public record Position(long lsn, boolean snapshot, long tsMs, boolean rowTime) {

    /**
     * @param tsMs    the time of the change (see docs/configuration.md, Times)
     * @param rowTime whether {@code tsMs} is the row's own time, which then holds for every attribute of the row:
     *                the row's {@code updated_at} column, or a snapshot read's 0. Otherwise it is a streamed
     *                change's commit time, which holds only for the attributes the change modified.
     */
    public Position {}

    /** A position whose time is the row's own exactly when it is a snapshot read's. */
    public Position(long lsn, boolean snapshot, long tsMs) {
        this(lsn, snapshot, tsMs, snapshot);
    }

    public boolean isNewerThan(Position other) {
        if (other == null) {
            return true;
        }
        if (snapshot != other.snapshot) {
            return !snapshot;
        }
        if (lsn >= 0 && other.lsn >= 0) {
            return lsn > other.lsn;
        }
        return tsMs > other.tsMs;
    }
}
