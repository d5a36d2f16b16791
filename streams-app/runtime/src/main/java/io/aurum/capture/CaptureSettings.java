package io.aurum.capture;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Settings shared by all capture engines.
 *
 * @param pollInterval       Debezium {@code poll.interval.ms}; end-to-end latency is roughly 2.4 times this value
 * @param snapshotMode       Debezium {@code snapshot.mode} ({@code initial} by default)
 * @param offsetsDir         holds one offsets file per source; keeping it lets a restart resume streaming instead
 *                           of snapshotting again
 * @param topicPartitions    partitions of each change topic created on first sight
 * @param replicationFactor  replication factor of each change topic created on first sight
 * @param offsetFlushInterval how often acknowledged positions are written to the offsets file (and confirmed to the
 *                           slot); anything newer is redelivered after a crash
 * @param heartbeatInterval  Debezium {@code heartbeat.interval.ms} (zero: off). A heartbeat commits the
 *                           connector's position even when none of its tables changed, so the slot's confirmed
 *                           position moves and Postgres can recycle WAL that other databases wrote
 * @param heartbeatActionQuery Debezium {@code heartbeat.action.query}: run in the captured database at each
 *                           heartbeat, so a database with no changes of its own still has something to decode and
 *                           confirm (null: none)
 * @param reconnectFor       how long a source that lost its database connection after it had started keeps
 *                           reconnecting (with backoff) before capture counts it as failed; zero: never reconnect.
 *                           A source that never started (a wrong host, password or {@code wal_level}) fails at once
 * @param debeziumProperties passed through to every engine last, so they override Aurum's choices
 */
public record CaptureSettings(
        Duration pollInterval,
        String snapshotMode,
        Path offsetsDir,
        int topicPartitions,
        short replicationFactor,
        Duration offsetFlushInterval,
        Duration heartbeatInterval,
        String heartbeatActionQuery,
        Duration reconnectFor,
        Map<String, String> debeziumProperties) {

    /** Heartbeats every 10 s, each writing a non-transactional logical message (no table needed). */
    public static final Duration DEFAULT_HEARTBEAT = Duration.ofSeconds(10);

    public static final String HEARTBEAT_PREFIX = "aurum.heartbeat";
    public static final String DEFAULT_HEARTBEAT_QUERY =
            "SELECT pg_logical_emit_message(false, '" + HEARTBEAT_PREFIX + "', now()::text)";

    /** Long enough for a database restart or a fail-over, short enough that a lost database is reported. */
    public static final Duration DEFAULT_RECONNECT_FOR = Duration.ofMinutes(30);

    public CaptureSettings {
        Objects.requireNonNull(offsetsDir, "offsetsDir");
        reconnectFor = reconnectFor == null ? DEFAULT_RECONNECT_FOR : reconnectFor;
        if (reconnectFor.isNegative()) {
            throw new IllegalArgumentException("reconnectFor must not be negative");
        }
        pollInterval = pollInterval == null ? Duration.ofMillis(100) : pollInterval;
        snapshotMode = snapshotMode == null || snapshotMode.isBlank() ? "initial" : snapshotMode;
        offsetFlushInterval = offsetFlushInterval == null ? Duration.ofSeconds(1) : offsetFlushInterval;
        heartbeatInterval = heartbeatInterval == null ? Duration.ZERO : heartbeatInterval;
        if (heartbeatInterval.isNegative()) {
            throw new IllegalArgumentException("heartbeatInterval must not be negative");
        }
        heartbeatActionQuery =
                heartbeatActionQuery == null || heartbeatActionQuery.isBlank() ? null : heartbeatActionQuery;
        if (topicPartitions < 1) {
            throw new IllegalArgumentException("topicPartitions must be >= 1");
        }
        if (replicationFactor < 1) {
            throw new IllegalArgumentException("replicationFactor must be >= 1");
        }
        if (pollInterval.isNegative() || pollInterval.isZero()) {
            throw new IllegalArgumentException("pollInterval must be positive");
        }
        debeziumProperties = debeziumProperties == null ? Map.of() : Map.copyOf(debeziumProperties);
    }

    public static Builder builder(Path offsetsDir) {
        return new Builder(offsetsDir);
    }

    public static CaptureSettings defaults(Path offsetsDir) {
        return builder(offsetsDir).build();
    }

    public static final class Builder {
        private final Path offsetsDir;
        private Duration pollInterval = Duration.ofMillis(100);
        private String snapshotMode = "initial";
        private int topicPartitions = 1;
        private short replicationFactor = 1;
        private Duration offsetFlushInterval = Duration.ofSeconds(1);
        private Duration heartbeatInterval = DEFAULT_HEARTBEAT;
        private String heartbeatActionQuery = DEFAULT_HEARTBEAT_QUERY;
        private Duration reconnectFor = DEFAULT_RECONNECT_FOR;
        private final Map<String, String> debeziumProperties = new LinkedHashMap<>();

        private Builder(Path offsetsDir) {
            this.offsetsDir = offsetsDir;
        }

        public Builder pollInterval(Duration value) {
            this.pollInterval = value;
            return this;
        }

        public Builder snapshotMode(String value) {
            this.snapshotMode = value;
            return this;
        }

        public Builder topicPartitions(int value) {
            this.topicPartitions = value;
            return this;
        }

        public Builder replicationFactor(short value) {
            this.replicationFactor = value;
            return this;
        }

        public Builder offsetFlushInterval(Duration value) {
            this.offsetFlushInterval = value;
            return this;
        }

        /** @param interval zero turns heartbeats off; @param actionQuery null or blank: no action query */
        public Builder heartbeat(Duration interval, String actionQuery) {
            this.heartbeatInterval = interval;
            this.heartbeatActionQuery = actionQuery;
            return this;
        }

        /** @param value zero: a lost connection fails the source at once */
        public Builder reconnectFor(Duration value) {
            this.reconnectFor = value;
            return this;
        }

        public Builder debeziumProperty(String key, String value) {
            debeziumProperties.put(key, value);
            return this;
        }

        public Builder debeziumProperties(Map<String, String> values) {
            debeziumProperties.putAll(values);
            return this;
        }

        public CaptureSettings build() {
            return new CaptureSettings(
                    pollInterval,
                    snapshotMode,
                    offsetsDir,
                    topicPartitions,
                    replicationFactor,
                    offsetFlushInterval,
                    heartbeatInterval,
                    heartbeatActionQuery,
                    reconnectFor,
                    debeziumProperties);
        }
    }
}
