package io.aurum.canonical;

/**
 * A blocking snapshot of {@code database} started ({@code running}) or ended, as seen from CDC partition
 * {@code partition}. Downstream holds back publishing while one runs: a snapshot delivers each customer's records
 * one table after another, and every intermediate state would show consumers a customer about to merge.
 */
public record SnapshotProgress(String database, int partition, boolean running) implements RowEvent {
    @Override
    public String source() {
        return database;
    }

    /** Names the snapshot of one database seen from one CDC partition. */
    public String slot() {
        return database + "/" + partition;
    }
}
