package io.aurum.capture;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Live counters of one captured database. Counts only events acknowledged by Kafka, split by Debezium's
 * {@code source.snapshot} marker (snapshot and incremental-snapshot reads versus streamed changes, tombstones
 * included in streaming). Thread-safe; the getters are cheap enough to back gauges.
 */
public final class CaptureStats {

    /** Window over which {@link #eventsPerSecond()} is measured. */
    private static final long RATE_WINDOW_NANOS = Duration.ofSeconds(5).toNanos();

    private final String database;
    private final AtomicLong snapshotEvents = new AtomicLong();
    private final AtomicLong streamingEvents = new AtomicLong();
    private volatile Instant snapshotStartedAt;
    private volatile Instant snapshotCompletedAt;
    private volatile boolean snapshotSkipped;
    private volatile Instant lastEventAt;
    private volatile Throwable failure;
    private volatile Instant reconnectingSince;
    private volatile String reconnectReason;
    private final AtomicLong reconnects = new AtomicLong();

    private final Object rateLock = new Object();
    private long windowStartNanos = System.nanoTime();
    private long windowEvents;
    private double lastWindowRate;
    private long lastWindowEndNanos = System.nanoTime();

    CaptureStats(String database) {
        this.database = database;
    }

    public String database() {
        return database;
    }

    public long snapshotEvents() {
        return snapshotEvents.get();
    }

    public long streamingEvents() {
        return streamingEvents.get();
    }

    public long totalEvents() {
        return snapshotEvents.get() + streamingEvents.get();
    }

    public boolean snapshotRunning() {
        return snapshotStartedAt != null && snapshotCompletedAt == null;
    }

    /** True once the initial snapshot finished, was not needed (resumed from offsets) or streaming has begun. */
    public boolean snapshotCompleted() {
        return snapshotCompletedAt != null;
    }

    public boolean snapshotSkipped() {
        return snapshotSkipped;
    }

    public Optional<Instant> snapshotStartedAt() {
        return Optional.ofNullable(snapshotStartedAt);
    }

    public Optional<Instant> snapshotCompletedAt() {
        return Optional.ofNullable(snapshotCompletedAt);
    }

    /** Snapshot duration so far (or in total once completed); zero if no snapshot ran. */
    public Duration snapshotDuration() {
        Instant start = snapshotStartedAt;
        if (start == null) {
            return Duration.ZERO;
        }
        Instant end = snapshotCompletedAt;
        return Duration.between(start, end == null ? Instant.now() : end);
    }

    /** Average snapshot throughput (rows/s) over the snapshot so far. */
    public double snapshotEventsPerSecond() {
        double seconds = snapshotDuration().toNanos() / 1e9;
        return seconds <= 0 ? 0 : snapshotEvents.get() / seconds;
    }

    /** Throughput of all events over the last complete measuring window (about 5 seconds). */
    public double eventsPerSecond() {
        synchronized (rateLock) {
            long now = System.nanoTime();
            if (now - windowStartNanos >= RATE_WINDOW_NANOS) {
                rollWindow(now);
            }
            // A window that ended long ago describes a burst that is over.
            return now - lastWindowEndNanos > 2 * RATE_WINDOW_NANOS ? 0 : lastWindowRate;
        }
    }

    public Optional<Instant> lastEventAt() {
        return Optional.ofNullable(lastEventAt);
    }

    /** The error that stopped this database's engine, if any. */
    public Optional<Throwable> failure() {
        return Optional.ofNullable(failure);
    }

    /** Since when the engine has been reconnecting after it lost its database; empty while it runs normally. */
    public Optional<Instant> reconnectingSince() {
        return Optional.ofNullable(reconnectingSince);
    }

    /** Why the engine is reconnecting (the last error), or null. */
    public String reconnectReason() {
        return reconnectReason;
    }

    /** How many times capture lost its database (and began reconnecting) since the service started. */
    public long reconnects() {
        return reconnects.get();
    }

    /** @return when the current stretch of reconnecting began (this call's time if it began now) */
    Instant markReconnecting(String reason) {
        reconnects.incrementAndGet();
        reconnectReason = reason;
        if (reconnectingSince == null) {
            reconnectingSince = Instant.now();
        }
        return reconnectingSince;
    }

    /** @return since when it had been reconnecting, if it was */
    Optional<Instant> markConnected() {
        Instant since = reconnectingSince;
        reconnectingSince = null;
        reconnectReason = null;
        return Optional.ofNullable(since);
    }

    void recordAcknowledged(long snapshot, long streaming) {
        if (snapshot == 0 && streaming == 0) {
            return;
        }
        snapshotEvents.addAndGet(snapshot);
        streamingEvents.addAndGet(streaming);
        lastEventAt = Instant.now();
        synchronized (rateLock) {
            long now = System.nanoTime();
            if (now - windowStartNanos >= RATE_WINDOW_NANOS) {
                rollWindow(now);
            }
            windowEvents += snapshot + streaming;
        }
    }

    private void rollWindow(long now) {
        lastWindowRate = windowEvents / ((now - windowStartNanos) / 1e9);
        lastWindowEndNanos = now;
        windowStartNanos = now;
        windowEvents = 0;
    }

    /** @return true if this call marked the start */
    boolean markSnapshotStarted() {
        if (snapshotStartedAt != null) {
            return false;
        }
        snapshotStartedAt = Instant.now();
        return true;
    }

    /** @return true if this call marked the completion */
    boolean markSnapshotCompleted(boolean skipped) {
        if (snapshotCompletedAt != null) {
            return false;
        }
        snapshotSkipped = skipped && snapshotStartedAt == null;
        snapshotCompletedAt = Instant.now();
        return true;
    }

    void markFailed(Throwable error) {
        failure = error;
    }

    @Override
    public String toString() {
        return "CaptureStats[" + database + ": snapshot=" + snapshotEvents() + " ("
                + (snapshotCompleted() ? "done" : snapshotRunning() ? "running" : "pending") + "), streaming="
                + streamingEvents() + "]";
    }
}
