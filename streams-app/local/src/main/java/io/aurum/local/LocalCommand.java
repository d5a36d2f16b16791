package io.aurum.local;

import io.aurum.config.AurumConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code aurum local}: the whole pipeline on this machine (see {@link LocalPipeline}). */
@Command(
        name = "local",
        mixinStandardHelpOptions = true,
        description = "Run the whole pipeline in one JVM: embedded Postgres, Kafka, registry, Debezium, Streams.")
public final class LocalCommand implements Callable<Integer> {
    @Option(names = "--config", description = "Pipeline config (default: the built-in demo config).")
    Path config;

    @Option(
            names = "--data-dir",
            defaultValue = ".aurum/local",
            description = "Where state is kept between runs (default: ${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(names = "--fresh", description = "Delete the data directory first and start over.")
    boolean fresh;

    @Option(
            names = "--no-demo-data",
            negatable = false,
            description = "Create the source databases empty (tables only).")
    boolean noDemoData;

    @Option(
            names = "--seed",
            paramLabel = "DIR",
            description =
                    "Apply DIR/*.sql in name order (010-crm.sql goes to database crm), waiting for idle after each; uses a temporary data directory.")
    Path seed;

    @Option(names = "--until-idle", description = "Stop once the pipeline is idle instead of running until Ctrl-C.")
    boolean untilIdle;

    @Option(
            names = "--dump-golden",
            paramLabel = "FILE",
            description = "Write every golden record to FILE as JSON lines before exiting.")
    Path dumpGolden;

    @Option(names = "--http-port", description = "HTTP API port (default 8080; a --seed run picks a free one).")
    Integer httpPort;

    @Option(names = "--kafka-port", description = "Kafka broker port (default 9092; a --seed run picks a free one).")
    Integer kafkaPort;

    @Option(
            names = "--registry-port",
            description = "Schema registry port (default 8081; a --seed run picks a free one).")
    Integer registryPort;

    @Option(names = "--postgres-port", description = "Postgres port (default 15432; a --seed run picks a free one).")
    Integer postgresPort;

    @Option(
            names = "--idle-timeout",
            defaultValue = "600",
            description = "Seconds to wait for idle (default: ${DEFAULT-VALUE}).")
    long idleTimeoutSeconds;

    @Option(
            names = "--log-file",
            paramLabel = "FILE",
            description =
                    "Where the full log goes (default: <data dir>/aurum.log; a --seed run: a new temporary file).")
    Path logFile;

    @Option(names = "--verbose", description = "Show the full log on the console too, not only Aurum's warnings.")
    boolean verbose;

    @Override
    public Integer call() throws Exception {
        AurumConfig cfg = AurumConfig.loadOrDemo(config);
        if (seed != null && !Files.isDirectory(seed)) {
            throw new IllegalArgumentException("--seed " + seed + " is not a directory");
        }
        boolean ephemeral = seed != null;
        Path log = logFile != null
                ? logFile
                : ephemeral ? Files.createTempFile("aurum-seed-", ".log") : dataDir.resolve("aurum.log");
        if (fresh && logFile == null && !ephemeral) {
            // --fresh removes the data directory, and the log with it: start the new one afterwards.
            Files.deleteIfExists(log);
        }
        LocalLogging.toFile(log, verbose);
        LocalOptions options = new LocalOptions(
                dataDir,
                fresh,
                !noDemoData,
                seed,
                port(httpPort, cfg.http().port(), ephemeral),
                port(kafkaPort, 9092, ephemeral),
                port(registryPort, 8081, ephemeral),
                port(postgresPort, 15432, ephemeral),
                Duration.ofSeconds(idleTimeoutSeconds),
                log);
        LocalPipeline pipeline = new LocalPipeline(cfg, options);
        if (!untilIdle && dumpGolden == null && seed == null) {
            pipeline.start();
            pipeline.runUntilStopped();
            return 0;
        }
        try (pipeline) {
            pipeline.start();
            if (seed != null) {
                pipeline.seed(seed);
            }
            if (untilIdle || seed == null) {
                pipeline.awaitIdle();
            }
            System.out.println(pipeline.progress());
            if (dumpGolden != null) {
                int n = pipeline.dumpGolden(dumpGolden);
                System.out.printf("Wrote %d golden records to %s%n", n, dumpGolden);
            }
        }
        return 0;
    }

    private static int port(Integer given, int normal, boolean ephemeral) {
        return given != null ? given : ephemeral ? 0 : normal;
    }
}
