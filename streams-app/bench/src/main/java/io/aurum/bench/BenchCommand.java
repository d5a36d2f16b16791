package io.aurum.bench;

import io.aurum.config.AurumConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code aurum bench}: synthetic data with ground truth, resolution quality, throughput and latency. */
@Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        description = {
            "Benchmarks on embedded Postgres and Kafka with generated data; prints a table and rewrites "
                    + "this benchmark's section of docs/benchmarks.md.",
            "  generate  write a seeded data set (seed layout + truth.csv) to --out",
            "  quality   Aurum vs Duke: pairwise and B-cubed precision/recall/F1, wall time",
            "  load      (c) capture only, (d) Streams only from CDC topics, (a) whole pipeline initial load",
            "  resolver  (c) and (d) only",
            "  latency   (b) commit→golden latency at fixed change rates",
            "  updates   apply the change load to a running `aurum local` (--jdbc, --rates, --step-seconds)"
        })
public final class BenchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "KIND", description = "generate | quality | load | resolver | latency")
    String kind;

    @Option(
            names = "--records",
            defaultValue = "100000",
            description = "Source rows to generate, parents and children (default: ${DEFAULT-VALUE}).")
    long records;

    @Option(names = "--seed", defaultValue = "42", description = "Generator seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--out", description = "generate: output directory.")
    Path out;

    @Option(
            names = "--sql",
            negatable = true,
            defaultValue = "true",
            fallbackValue = "true",
            description = "generate: write the SQL seed layout (default: ${DEFAULT-VALUE}).")
    boolean sql;

    @Option(names = "--csv", description = "generate: also write one CSV per table (for COPY).")
    boolean csv;

    @Option(
            names = "--rates",
            defaultValue = "500,1000,2000,4000",
            description = "latency: changes/s, in order (default: ${DEFAULT-VALUE}).")
    String rates;

    @Option(
            names = "--step-seconds",
            defaultValue = "30",
            description = "latency: seconds per rate (default: ${DEFAULT-VALUE}).")
    double stepSeconds;

    @Option(
            names = "--runs",
            defaultValue = "3",
            description = "load, resolver: trials per phase, each from an empty Kafka; the report gives each and the "
                    + "medians (default: ${DEFAULT-VALUE}).")
    int runs;

    @Option(
            names = "--threads",
            split = ",",
            description = "load, resolver: run (d) once per stream thread count, e.g. 1,2 (default: the config's).")
    java.util.List<Integer> threads = new java.util.ArrayList<>();

    @Option(
            names = "--duke-threads",
            defaultValue = "2",
            description = "quality: Duke's threads (default: ${DEFAULT-VALUE}).")
    int dukeThreads;

    @Option(
            names = "--jdbc",
            defaultValue = "jdbc:postgresql://localhost:15432/",
            description =
                    "updates: JDBC URL prefix of the source databases, user postgres (default: ${DEFAULT-VALUE}).")
    String jdbc;

    @Option(names = "--config", description = "Pipeline config (default: the built-in demo config).")
    Path config;

    @Option(
            names = "--streams-property",
            paramLabel = "KEY=VALUE",
            description = "Kafka Streams property over the config's (e.g. num.stream.threads=2), for what-if runs.")
    java.util.Map<String, String> streamsProperties = new java.util.LinkedHashMap<>();

    @Option(
            names = "--doc",
            defaultValue = "docs/benchmarks.md",
            description = "Report file whose section is rewritten (default: ${DEFAULT-VALUE}).")
    Path doc;

    @Option(names = "--no-doc", description = "Print only; leave the report file alone.")
    boolean noDoc;

    @Option(
            names = "--timeout",
            defaultValue = "1800",
            description = "Seconds to wait for convergence (default: ${DEFAULT-VALUE}).")
    long timeoutSeconds;

    @Override
    public Integer call() throws Exception {
        AurumConfig cfg = AurumConfig.loadOrDemo(config);
        if (!streamsProperties.isEmpty()) {
            AurumConfig.StreamsSettings s = cfg.streams();
            java.util.Map<String, String> props = new java.util.LinkedHashMap<>(s.properties());
            props.putAll(streamsProperties);
            cfg = cfg.withStreams(s.withProperties(props));
        }
        if (runs < 1) {
            throw new IllegalArgumentException("--runs must be at least 1");
        }
        java.util.List<Integer> threadCounts = threads.isEmpty() ? java.util.List.of(configuredThreads(cfg)) : threads;
        Benchmarks bench = new Benchmarks(cfg, kind, seed, Duration.ofSeconds(timeoutSeconds));
        String command = "./aurum "
                + String.join(" ", spec.commandLine().getParseResult().originalArgs());
        BenchReport report;
        // What-if runs (other rates, Streams overrides) get their own section instead of replacing the standard one.
        String variant = (streamsProperties.isEmpty() ? "" : ":" + streamsProperties)
                + (threads.isEmpty() ? "" : ":threads=" + threads)
                + (config == null ? "" : ":" + config.getFileName())
                + ("latency".equals(kind) && spec.commandLine().getParseResult().hasMatchedOption("--rates")
                        ? ":" + rates
                        : "");
        String what = (streamsProperties.isEmpty() ? "" : " with " + streamsProperties)
                + (config == null ? "" : ", config " + config.getFileName());
        switch (kind) {
            case "generate" -> {
                if (out == null) {
                    throw new IllegalArgumentException("generate needs --out DIR");
                }
                bench.generate(records, out, sql, csv, seed);
                System.out.println(
                        "Apply with: ./aurum local --seed " + out + " --until-idle --dump-golden golden.jsonl");
                return 0;
            }
            case "updates" -> {
                UpdateStream updates = new UpdateStream(
                        db -> java.sql.DriverManager.getConnection(jdbc + db, "postgres", "postgres"), seed);
                for (double rate : Benchmarks.rates(rates)) {
                    UpdateStream.Result r = updates.run(rate, stepSeconds);
                    System.out.printf(
                            "target %.0f changes/s: applied %,d in %.1f s (%.0f/s)%n",
                            rate, r.applied(), r.seconds(), r.rate());
                }
                return 0;
            }
            case "quality" -> {
                report = new BenchReport(
                        "quality:" + records + variant,
                        "Quality: Aurum vs Duke, " + String.format("%,d", records) + " rows" + what,
                        command);
                bench.quality(records, dukeThreads, report);
            }
            case "load" -> {
                report = new BenchReport(
                        "load:" + records + variant,
                        "Initial load, capture baseline and Streams alone, " + String.format("%,d", records) + " rows"
                                + what,
                        command);
                bench.load(records, true, runs, threadCounts, report);
            }
            case "resolver" -> {
                report = new BenchReport(
                        "resolver:" + records + variant,
                        "Capture baseline and Streams alone, " + String.format("%,d", records) + " rows" + what,
                        command);
                bench.load(records, false, runs, threadCounts, report);
            }
            case "latency" -> {
                report = new BenchReport(
                        "latency:" + records + variant,
                        "Steady state: commit→golden latency, " + String.format("%,d", records) + " rows loaded" + what,
                        command);
                bench.latency(records, Benchmarks.rates(rates), stepSeconds, report);
            }
            default ->
                throw new IllegalArgumentException(
                        "unknown benchmark " + kind + " (generate | quality | load | resolver | latency)");
        }
        System.out.println(report.text());
        if (!noDoc) {
            report.writeTo(doc);
            System.out.println("Rewrote this run's section of " + doc);
        }
        bench.results.forEach(System.out::println);
        return 0;
    }

    private static int configuredThreads(AurumConfig cfg) {
        String p = cfg.streams().properties().get("num.stream.threads");
        return p != null ? Integer.parseInt(p.trim()) : cfg.streams().threads();
    }
}
