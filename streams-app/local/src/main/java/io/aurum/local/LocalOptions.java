package io.aurum.local;

import java.nio.file.Path;
import java.time.Duration;

/**
 * What {@code aurum local} was asked to do.
 *
 * @param dataDir     where Postgres data, Kafka logs, capture offsets and Streams state live between runs
 * @param seedDir     SQL files to apply after capture starts (name order; {@code 010-crm.sql} goes to database crm)
 * @param httpPort    0 picks a free port, as do the other ports
 * @param logFile     where the full log goes (shown in the banner), or null when logging was left as it was
 */
public record LocalOptions(
        Path dataDir,
        boolean fresh,
        boolean demoData,
        Path seedDir,
        int httpPort,
        int kafkaPort,
        int registryPort,
        int postgresPort,
        Duration idleTimeout,
        Path logFile) {

    public LocalOptions(
            Path dataDir,
            boolean fresh,
            boolean demoData,
            Path seedDir,
            int httpPort,
            int kafkaPort,
            int registryPort,
            int postgresPort,
            Duration idleTimeout) {
        this(dataDir, fresh, demoData, seedDir, httpPort, kafkaPort, registryPort, postgresPort, idleTimeout, null);
    }
}
