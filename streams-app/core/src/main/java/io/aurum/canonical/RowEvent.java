package io.aurum.canonical;

/**
 * What the map stage says: a row changed; a snapshot of a table has finished in one CDC partition and every row it
 * did not see is gone; or a database's snapshot started or ended in one CDC partition.
 */
public sealed interface RowEvent permits SourceChange, SnapshotSweep, SnapshotProgress {
    /** The source ({@code <database>.<table>}) whose rows this is about; for a database's snapshot, the database. */
    String source();
}
