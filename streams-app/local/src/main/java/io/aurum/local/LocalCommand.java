package io.aurum.local;

import io.aurum.config.AurumConfig;
import io.aurum.topology.Topics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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
            description = "With the built-in demo config: create the demo tables but load none of the demo rows."
                    + " (With --config FILE, local mode never creates tables or rows: it creates one empty database"
                    + " per database the config's sources read, and the seed files or you create the tables.)")
    boolean noDemoData;

    @Option(
            names = "--seed",
            paramLabel = "DIR",
            description = "Apply DIR/*.sql in name order (010-crm.sql goes to database crm), waiting for idle after"
                    + " each, in a temporary data directory with free ports. The databases are created empty (with the"
                    + " demo config: with the demo tables, without their rows), so the seed files create their own"
                    + " tables; CREATE TABLE in a seed file runs as CREATE TABLE IF NOT EXISTS. Exits 1 with a summary"
                    + " when the run wrote dead letters or produced no golden record (see --allow-dead-letters,"
                    + " --allow-empty).")
    Path seed;

    @Option(
            names = "--allow-dead-letters",
            description = "A --seed run that wrote dead letters still exits 0 (the summary lists them).")
    boolean allowDeadLetters;

    @Option(names = "--allow-empty", description = "A --seed run that produced no golden record still exits 0.")
    boolean allowEmpty;

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
            if (seed != null) {
                return seedVerdict(pipeline.goldenRecords().size(), pipeline.deadLetters());
            }
        }
        return 0;
    }

    /**
     * A seed run is a check: dead letters mean the config and the tables disagree (a missing column, an undecodable
     * value), and no golden record at all means nothing reached the end. Either fails the run, with what went wrong,
     * unless explicitly allowed.
     */
    int seedVerdict(int golden, List<String> deadLetters) {
        List<String> problems = new ArrayList<>();
        if (!deadLetters.isEmpty() && !allowDeadLetters) {
            problems.add(
                    deadLetters.size() + " dead letter(s) on " + Topics.DLQ + " (allow with --allow-dead-letters)");
        }
        if (golden == 0 && !allowEmpty) {
            problems.add("no golden record was produced (allow with --allow-empty)");
        }
        if (!deadLetters.isEmpty()) {
            System.out.println("Dead letters (input topic@offset: reason):");
            deadLetters.stream().limit(20).forEach(d -> System.out.println("  " + d));
            if (deadLetters.size() > 20) {
                System.out.println("  ... and " + (deadLetters.size() - 20) + " more");
            }
        }
        if (problems.isEmpty()) {
            return 0;
        }
        System.out.println("Seed run failed: " + String.join("; ", problems));
        return 1;
    }

    private static int port(Integer given, int normal, boolean ephemeral) {
        return given != null ? given : ephemeral ? 0 : normal;
    }
}
