package io.aurum.bench;

import io.aurum.bench.BenchReport.Table;
import io.aurum.bench.ClusterMetrics.Scores;
import io.aurum.bench.DataGenerator.Dataset;
import io.aurum.capture.CaptureService;
import io.aurum.capture.CaptureStats;
import io.aurum.config.AurumConfig;
import io.aurum.runtime.AurumRuntime;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The benchmarks behind {@code aurum bench}. Each runs in one JVM on embedded Postgres and Kafka, so every figure
 * of a run shares the machine, the JVM and the data with the capture baseline it is divided by.
 */
final class Benchmarks {
    /** Rows of the warm-up data set: enough for the JIT to compile the hot paths of capture and Streams. */
    static final long WARMUP_ROWS = 30_000;

    record Phase(String name, long events, double seconds, long heapMb, long rssMb, double cores) {
        double rate() {
            return events / seconds;
        }
    }

    private final AurumConfig config;
    private final Duration timeout;
    private final long seed;

    Benchmarks(AurumConfig config, long seed, Duration timeout) {
        this.config = config;
        this.seed = seed;
        this.timeout = timeout;
    }

    private static void log(String fmt, Object... args) {
        System.out.printf("[bench] " + fmt + "%n", args);
    }

    Dataset generate(long rows, Path dir, boolean sql, boolean csv, long seedValue) throws Exception {
        long t0 = System.nanoTime();
        Dataset d = DataGenerator.generate(seedValue, rows, dir, sql, csv);
        log(
                "generated %,d rows (%,d customers, %,d parent records) in %.1f s",
                d.rows(), d.customers(), d.parents().size(), (System.nanoTime() - t0) / 1e9);
        return d;
    }

    /** (a) (c) (d): capture alone, Streams alone from the captured topics, then the whole pipeline from scratch. */
    void load(long rows, boolean full, BenchReport report) throws Exception {
        Path work = Files.createTempDirectory("aurum-bench-");
        try (BenchEnvironment env = new BenchEnvironment(config, work)) {
            long g0 = System.nanoTime();
            Dataset data = generate(rows, work.resolve("data"), false, true, seed);
            double genSeconds = (System.nanoTime() - g0) / 1e9;
            Dataset warm = generate(WARMUP_ROWS, work.resolve("warmup"), false, true, seed + 1);
            env.startPostgres();
            warmUp(env, warm);

            long l0 = System.nanoTime();
            env.load(data.dir());
            double loadSeconds = (System.nanoTime() - l0) / 1e9;
            log("COPY of %,d rows into Postgres took %.1f s", data.rows(), loadSeconds);

            env.freshKafka();
            Phase capture = captureOnly(env, data.rows());
            Phase streams = streamsOnly(env, data.rows());
            Map<String, String> truth = ClusterMetrics.readTruth(data.dir().resolve("truth.csv"));
            Scores quality = ClusterMetrics.evaluate(truth, env.goldenClusters());
            BenchEnvironment.Churn churn = env.goldenChurn();
            Scores oracle = ClusterMetrics.evaluate(truth, RuleOracle.resolve(data.parents(), false));
            Phase pipeline = null;
            if (full) {
                env.dropSlots();
                env.freshKafka();
                pipeline = fullPipeline(env, data.rows(), "(a) initial load: snapshot → converged golden");
            }

            Table t = report.table(
                    String.format(
                            "%,d source rows (%,d customers, %,d parent records); seed %d",
                            data.rows(), data.customers(), data.parents().size(), seed),
                    "phase",
                    "events",
                    "seconds",
                    "events/s",
                    "ratio to capture",
                    "peak heap MiB",
                    "peak RSS MiB",
                    "JVM cores busy");
            for (Phase p : full ? List.of(capture, streams, pipeline) : List.of(capture, streams)) {
                BenchReport.row(
                        t,
                        p.name(),
                        String.format("%,d", p.events()),
                        p.seconds(),
                        p.rate(),
                        p == capture ? "1.00" : String.format("%.2f", p.rate() / capture.rate()),
                        p.heapMb(),
                        p.rssMb(),
                        p.cores());
            }
            report.note(String.format(
                    "Generator: %,d rows in %.1f s (%,.0f rows/s), CSV for COPY; COPY into Postgres " + "%.1f s.",
                    data.rows(), genSeconds, data.rows() / genSeconds, loadSeconds));
            report.note(String.format(
                    "Golden records after (d): pairwise F1 %.4f (precision %.4f, recall %.4f), "
                            + "B-cubed F1 %.4f, over %,d parent records (rules 1–3 applied offline reach pairwise F1 %.4f on this data).",
                    quality.f1(),
                    quality.precision(),
                    quality.recall(),
                    quality.b3F1(),
                    quality.records(),
                    oracle.f1()));
            report.note(String.format(
                    "Flaps during (d): %,d golden states written on customers.golden for %,d final "
                            + "customers (%.2f per customer); %,d golden ids were published and later vanished (records "
                            + "shown before their cluster settled, or clusters merged away), %.1f%% of the %,d ids ever "
                            + "published.",
                    churn.writes(),
                    churn.finalIds(),
                    (double) churn.writes() / churn.finalIds(),
                    churn.transientIds(),
                    100.0 * churn.transientIds() / Math.max(1, churn.idsSeen()),
                    churn.idsSeen()));
            report.note("Each phase is timed from starting its component to a converged state: capture until "
                    + "Debezium's snapshot of every database is acknowledged by Kafka; Streams and the pipeline until "
                    + "`awaitIdle` (capture past a WAL watermark, every input and repartition topic committed), "
                    + "which adds up to ~1 s of settling. A warm-up run of " + WARMUP_ROWS + " rows through the "
                    + "whole pipeline precedes the measured phases in the same JVM.");
        }
    }

    private void warmUp(BenchEnvironment env, Dataset warm) throws Exception {
        env.load(warm.dir());
        env.freshKafka();
        fullPipeline(env, warm.rows(), "warm-up");
        env.resetSources();
    }

    Phase captureOnly(BenchEnvironment env, long events) throws Exception {
        log("(c) capture only: Debezium snapshot to Kafka, Streams off");
        CaptureService capture = env.capture();
        try (ResourceSampler s = new ResourceSampler()) {
            long t0 = System.nanoTime();
            capture.start();
            capture.awaitSnapshotComplete(timeout);
            double secs = (System.nanoTime() - t0) / 1e9;
            long captured = capture.stats().values().stream()
                    .mapToLong(CaptureStats::totalEvents)
                    .sum();
            s.close();
            capture.close();
            log("(c) %,d events in %.1f s", captured, secs);
            return new Phase(
                    "(c) capture only (Debezium → Kafka)", captured, secs, s.peakHeapMb(), s.peakRssMb(), s.cores());
        } finally {
            capture.close();
        }
    }

    Phase streamsOnly(BenchEnvironment env, long events) throws Exception {
        log("(d) Streams only, from the pre-filled CDC topics");
        return timed(env.runtime(false), "(d) resolver + survivorship alone (CDC topics → golden)", "(d)", events);
    }

    Phase fullPipeline(BenchEnvironment env, long events, String name) throws Exception {
        log("%s: %,d rows", name, events);
        return timed(env.runtime(true), name, name, events);
    }

    /** Starts a runtime and times it to a converged state, sampling heap, RSS and CPU meanwhile. */
    private Phase timed(AurumRuntime rt, String name, String label, long events) throws Exception {
        try (ResourceSampler s = new ResourceSampler()) {
            long t0 = System.nanoTime();
            rt.start();
            rt.awaitIdle(timeout);
            double secs = (System.nanoTime() - t0) / 1e9;
            s.close();
            log("%s: converged in %.1f s", label, secs);
            return new Phase(name, events, secs, s.peakHeapMb(), s.peakRssMb(), s.cores());
        } finally {
            rt.close();
        }
    }

    /** Aurum (whole pipeline, snapshot to golden) and Duke (in memory) on the same parent records. */
    void quality(long rows, int dukeThreads, BenchReport report) throws Exception {
        Path work = Files.createTempDirectory("aurum-bench-");
        try (BenchEnvironment env = new BenchEnvironment(config, work)) {
            Dataset data = generate(rows, work.resolve("data"), false, true, seed);
            Map<String, String> truth = ClusterMetrics.readTruth(data.dir().resolve("truth.csv"));
            env.startPostgres();
            env.load(data.dir());
            env.freshKafka();
            Phase aurum = fullPipeline(env, data.rows(), "Aurum");
            Scores a = ClusterMetrics.evaluate(truth, env.goldenClusters());

            log("Duke: deduplicating %,d parent records", data.parents().size());
            long d0 = System.nanoTime();
            Map<String, String> dukeClusters = DukeResolver.resolve(data.parents(), dukeThreads);
            double dukeSeconds = (System.nanoTime() - d0) / 1e9;
            Scores d = ClusterMetrics.evaluate(truth, dukeClusters);
            // A clustering that puts nobody together: the floor every resolver has to beat.
            Scores none = ClusterMetrics.evaluate(truth, Map.of());
            long o0 = System.nanoTime();
            Scores rules3 = ClusterMetrics.evaluate(truth, RuleOracle.resolve(data.parents(), false));
            double rules3Seconds = (System.nanoTime() - o0) / 1e9;
            o0 = System.nanoTime();
            Scores rules4 = ClusterMetrics.evaluate(truth, RuleOracle.resolve(data.parents(), true));
            double rules4Seconds = (System.nanoTime() - o0) / 1e9;

            Table t = report.table(
                    String.format(
                            "%,d source rows: %,d true customers, %,d parent records, seed %d",
                            data.rows(), data.customers(), truth.size(), seed),
                    "resolver",
                    "pairwise precision",
                    "pairwise recall",
                    "pairwise F1",
                    "B³ precision",
                    "B³ recall",
                    "B³ F1",
                    "clusters",
                    "wall s");
            row(t, "Aurum (demo config)", a, String.format("%.1f", aurum.seconds()));
            row(
                    t,
                    "Duke 1.2 (threshold " + DukeResolver.THRESHOLD + ", " + dukeThreads + " threads)",
                    d,
                    String.format("%.1f", dukeSeconds));
            row(
                    t,
                    "rules 1–3 offline (e-mail, phone, crm link; in memory)",
                    rules3,
                    String.format("%.1f", rules3Seconds));
            row(
                    t,
                    "rules 1–4 offline (+ same company domain and org name JW ≥ 0.9)",
                    rules4,
                    String.format("%.1f", rules4Seconds));
            row(t, "no merging at all (floor)", none, "–");
            report.note(String.format(
                    "True clusters: %,d; true pairs: %,d. Aurum's wall time is the whole pipeline "
                            + "(Debezium snapshot → Kafka → Streams → converged golden topic); Duke's is deduplication of the same "
                            + "records already in memory (Lucene in-memory index), so it is the smaller job.",
                    a.trueClusters(), a.truePairs()));
            report.note("Duke's input is cleaned with Aurum's own normalisers (e-mail trim/lower-case, phone E.164 "
                    + "with the billing country as region), so the comparison is of the matching, not of the cleaning. "
                    + "Duke properties (low/high probability): EMAIL exact (0.45/0.99), PHONE exact (0.4/0.98), LINK "
                    + "(crm id ↔ crm_contact_id) exact (0.5/0.99), NAME PersonNameComparator (0.4/0.8), COMPANY "
                    + "Jaro-Winkler (0.4/0.85), non-free-mail DOMAIN exact (0.45/0.75); EMAIL, PHONE, LINK and DOMAIN are "
                    + "Lucene lookup keys; threshold " + DukeResolver.THRESHOLD + ".");
        }
    }

    private static void row(Table t, String name, Scores s, String wall) {
        BenchReport.row(
                t,
                name,
                s.precision(),
                s.recall(),
                s.f1(),
                s.b3Precision(),
                s.b3Recall(),
                s.b3F1(),
                String.format("%,d", s.predictedClusters()),
                wall);
    }

    /** (b): fixed change rates against a loaded, converged pipeline; commit→golden latency per rate. */
    void latency(long rows, List<Double> rates, double stepSeconds, BenchReport report) throws Exception {
        Path work = Files.createTempDirectory("aurum-bench-");
        try (BenchEnvironment env = new BenchEnvironment(config, work)) {
            Dataset data = generate(rows, work.resolve("data"), false, true, seed);
            env.startPostgres();
            env.load(data.dir());
            env.freshKafka();
            AurumRuntime rt = env.runtime(true);
            try {
                rt.start();
                rt.awaitIdle(timeout);
                log("initial load converged; starting the update stream");
                UpdateStream updates = new UpdateStream(env.postgres, seed);
                try (LatencyProbe probe = new LatencyProbe(
                        env.bootstrap(),
                        config.kafka().properties(),
                        env.goldenSerde().deserializer())) {
                    Thread.sleep(2_000);
                    Table t = report.table(
                            String.format(
                                    "%,d source rows loaded (%,d customers), then %s s per rate",
                                    data.rows(), data.customers(), BenchReport.fmt(stepSeconds)),
                            "target changes/s",
                            "applied/s",
                            "golden states seen",
                            "p50 ms",
                            "p99 ms",
                            "max ms",
                            "p50 first third / last third ms",
                            "drain after stop s",
                            "sustained");
                    step(rt, updates, probe, 200, Math.min(15, stepSeconds), null); // warm-up, not reported
                    for (double rate : rates) {
                        boolean ok = step(rt, updates, probe, rate, stepSeconds, t);
                        if (!ok) {
                            log("rate %.0f/s not sustained; stopping", rate);
                            break;
                        }
                    }
                }
            } finally {
                rt.close();
            }
            report.note("Latency = the moment a read_committed consumer of customers.golden receives a golden state − "
                    + "that state's updatedAt (the latest Debezium source.ts_ms, i.e. Postgres commit time, among its "
                    + "members); first appearance of each (golden id, updatedAt) counts. Changes are single-row "
                    + "transactions spread over crm.contacts (last_name), billing.customers (address_line1) and "
                    + "support.tickets (status), one JDBC connection per database. A warm-up step at 200/s precedes.");
            report.note("Sustained = at least 95% of the target rate applied, the median latency of the last third of "
                    + "the step not more than twice that of the first third plus 200 ms, and the backlog drained "
                    + "within 5 s after the updates stopped.");
        }
    }

    private boolean step(
            AurumRuntime rt, UpdateStream updates, LatencyProbe probe, double rate, double seconds, Table table)
            throws Exception {
        log("(b) %.0f changes/s for %.0f s", rate, seconds);
        UpdateStream.Result r = updates.run(rate, seconds);
        long s0 = System.nanoTime();
        rt.awaitIdle(timeout);
        double drain = (System.nanoTime() - s0) / 1e9;
        Thread.sleep(500); // the probe's last poll
        List<LatencyProbe.Sample> all = probe.between(r.startMs(), r.endMs());
        long third = (r.endMs() - r.startMs()) / 3;
        double firstP50 = percentile(probe.between(r.startMs(), r.startMs() + third), 50);
        double lastP50 = percentile(probe.between(r.endMs() - third, r.endMs()), 50);
        boolean sustained = r.rate() >= 0.95 * rate && lastP50 <= 2 * firstP50 + 200 && drain <= 5;
        log(
                "(b) %.0f/s: applied %.0f/s, %d golden states, p50 %.0f p99 %.0f max %.0f ms; drain %.1f s; %s",
                rate,
                r.rate(),
                all.size(),
                percentile(all, 50),
                percentile(all, 99),
                percentile(all, 100),
                drain,
                sustained ? "sustained" : "NOT sustained");
        if (table != null) {
            BenchReport.row(
                    table,
                    String.format("%,.0f", rate),
                    String.format("%,.0f", r.rate()),
                    String.format("%,d", all.size()),
                    percentile(all, 50),
                    percentile(all, 99),
                    percentile(all, 100),
                    BenchReport.fmt(firstP50) + " / " + BenchReport.fmt(lastP50),
                    drain,
                    sustained ? "yes" : "no");
        }
        return sustained;
    }

    static double percentile(List<LatencyProbe.Sample> samples, double p) {
        if (samples.isEmpty()) {
            return Double.NaN;
        }
        long[] v = samples.stream()
                .mapToLong(LatencyProbe.Sample::latencyMs)
                .sorted()
                .toArray();
        int i = (int) Math.ceil(p / 100.0 * v.length) - 1;
        return v[Math.max(0, Math.min(v.length - 1, i))];
    }

    static List<Double> rates(String csv) {
        List<Double> out = new ArrayList<>();
        for (String s : csv.split(",")) {
            out.add(Double.parseDouble(s.trim()));
        }
        return out;
    }
}
