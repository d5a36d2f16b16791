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

    /** One timed phase; {@code work} is what Streams did in it ({@link WorkCounts#NONE} for capture alone). */
    record Phase(String name, long events, double seconds, long heapMb, long rssMb, double cores, WorkCounts work) {
        double rate() {
            return events / seconds;
        }

        double internalPerChange() {
            return (double) work.internalTotal() / events;
        }

        double storeWritesPerChange() {
            return (double) work.storeWritesTotal() / events;
        }

        /** The trial with the median time stands for all (its counts too); heap and RSS are the peaks of all. */
        static Phase median(String name, List<Phase> runs) {
            List<Phase> sorted = runs.stream()
                    .sorted(java.util.Comparator.comparingDouble(Phase::seconds))
                    .toList();
            Phase m = sorted.get((sorted.size() - 1) / 2);
            if (sorted.size() % 2 == 0) {
                double secs = (m.seconds() + sorted.get(sorted.size() / 2).seconds()) / 2;
                m = new Phase(m.name(), m.events(), secs, m.heapMb(), m.rssMb(), m.cores(), m.work());
            }
            long heap = runs.stream().mapToLong(Phase::heapMb).max().orElse(0);
            long rss = runs.stream().mapToLong(Phase::rssMb).max().orElse(0);
            return new Phase(name, m.events(), m.seconds(), heap, rss, m.cores(), m.work());
        }

        /** The machine-readable line issue 10 asks of every load, resolver and latency run. */
        String result(String kind, long records, String phase, double ratio) {
            return String.format(
                    java.util.Locale.ROOT,
                    "RESULT kind=%s records=%d phase=%s events=%d seconds=%.3f eps=%.1f ratio=%.3f "
                            + "internal_per_change=%.3f store_writes_per_change=%.3f heap_mib=%d rss_mib=%d",
                    kind,
                    records,
                    phase,
                    events,
                    seconds,
                    rate(),
                    ratio,
                    internalPerChange(),
                    storeWritesPerChange(),
                    heapMb,
                    rssMb);
        }
    }

    private final AurumConfig config;
    private final Duration timeout;
    private final long seed;
    private final String kind;
    /** The {@code RESULT} lines of this run, printed last so that scripts find them in one place. */
    final List<String> results = new ArrayList<>();

    Benchmarks(AurumConfig config, String kind, long seed, Duration timeout) {
        this.config = config;
        this.kind = kind;
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

    /**
     * (a) (c) (d): capture alone, Streams alone from the captured topics, then the whole pipeline from scratch.
     * Each of {@code runs} trials starts from an empty Kafka; (c) and (d) run once per trial and per stream thread
     * count, so every (d) is divided by the (c) of its own trial; the report gives each trial and the medians.
     */
    void load(long rows, boolean full, int runs, List<Integer> threadCounts, BenchReport report) throws Exception {
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

            Map<String, String> truth = ClusterMetrics.readTruth(data.dir().resolve("truth.csv"));
            Scores oracle = ClusterMetrics.evaluate(truth, RuleOracle.resolve(data.parents(), false));
            List<Phase> captures = new ArrayList<>();
            Map<Integer, List<Phase>> streams = new java.util.LinkedHashMap<>();
            Map<Integer, List<Double>> ratios = new java.util.LinkedHashMap<>();
            Scores quality = null;
            BenchEnvironment.Churn churn = null;
            for (int threads : threadCounts) {
                for (int run = 1; run <= runs; run++) {
                    env.dropSlots();
                    env.freshKafka();
                    Phase capture = captureOnly(env, run);
                    Phase s = streamsOnly(env, data.rows(), threads, run);
                    captures.add(capture);
                    streams.computeIfAbsent(threads, t -> new ArrayList<>()).add(s);
                    ratios.computeIfAbsent(threads, t -> new ArrayList<>()).add(s.rate() / capture.rate());
                    if (quality == null) {
                        quality = ClusterMetrics.evaluate(truth, env.goldenClusters());
                        churn = env.goldenChurn();
                    }
                }
            }
            List<Phase> pipelines = new ArrayList<>();
            if (full) {
                for (int run = 1; run <= runs; run++) {
                    env.dropSlots();
                    env.freshKafka();
                    pipelines.add(fullPipeline(
                            env, data.rows(), "(a) initial load: snapshot → converged golden, run " + run));
                }
            }

            Table t = report.table(
                    String.format(
                            "%,d source rows (%,d customers, %,d parent records); seed %d; %d run%s, medians last",
                            data.rows(), data.customers(), data.parents().size(), seed, runs, runs == 1 ? "" : "s"),
                    "phase",
                    "events",
                    "seconds",
                    "events/s",
                    "ratio to capture",
                    "internal records / change",
                    "store writes / change",
                    "peak heap MiB",
                    "peak RSS MiB",
                    "JVM cores busy");
            double captureMedian = median(captures.stream().map(Phase::rate).toList());
            for (Phase p : captures) {
                phaseRow(t, p, "1.00");
            }
            for (Map.Entry<Integer, List<Phase>> e : streams.entrySet()) {
                List<Phase> ps = e.getValue();
                List<Double> rs = ratios.get(e.getKey());
                for (int i = 0; i < ps.size(); i++) {
                    phaseRow(t, ps.get(i), String.format("%.2f", rs.get(i)));
                }
            }
            for (Phase p : pipelines) {
                phaseRow(t, p, String.format("%.2f", p.rate() / captureMedian));
            }
            Phase captureMed = Phase.median("(c) capture only: median", captures);
            phaseRow(t, captureMed, "1.00");
            results.add(captureMed.result(kind, rows, "capture", 1.0));
            for (Map.Entry<Integer, List<Phase>> e : streams.entrySet()) {
                int threads = e.getKey();
                Phase med = Phase.median("(d) Streams alone, " + threadsLabel(threads) + ": median", e.getValue());
                double ratio = median(ratios.get(threads));
                phaseRow(t, med, String.format("%.2f", ratio));
                String k = threads == threadCounts.get(0) ? kind : kind + "-threads" + threads;
                results.add(med.result(k, rows, "streams", ratio));
            }
            if (full) {
                Phase med = Phase.median("(a) initial load: median", pipelines);
                double ratio = med.rate() / captureMed.rate();
                phaseRow(t, med, String.format("%.2f", ratio));
                results.add(med.result(kind, rows, "pipeline", ratio));
            }
            Phase first = streams.values().iterator().next().get(0);
            report.note("Work per source change in (d), run 1 (counted from Streams' producer metrics, so independent "
                    + "of machine load): internal topics: "
                    + WorkCounts.perChange(first.work().internal(), first.events())
                    + "; store writes (changelog records, i.e. writes that got past the record cache into RocksDB): "
                    + WorkCounts.perChange(first.work().storeWrites(), first.events())
                    + "; output topics: " + WorkCounts.perChange(first.work().outputs(), first.events())
                    + String.format(
                            "; resolver messages handed over inside a task (no record, but node reads and writes): "
                                    + "%.2f. Of its %.1f s, the stream threads waited in Kafka's clients (summed over "
                                    + "threads; KIP-761 time metrics): %s.",
                            (double) first.work().localMessages() / first.events(),
                            first.seconds(),
                            first.work().waits()));
            report.note(String.format(
                    "Generator: %,d rows in %.1f s (%,.0f rows/s), CSV for COPY; COPY into Postgres " + "%.1f s.",
                    data.rows(), genSeconds, data.rows() / genSeconds, loadSeconds));
            report.note(String.format(
                    "Golden records after (d), run 1: pairwise F1 %.4f (precision %.4f, recall %.4f), "
                            + "B-cubed F1 %.4f, over %,d parent records (rules 1–3 applied offline reach pairwise F1 %.4f on this data).",
                    quality.f1(),
                    quality.precision(),
                    quality.recall(),
                    quality.b3F1(),
                    quality.records(),
                    oracle.f1()));
            report.note(String.format(
                    "Flaps during (d), run 1: %,d golden states written on customers.golden for %,d final "
                            + "customers (%.2f per customer); %,d golden ids were published and later vanished (records "
                            + "shown before their cluster settled, or clusters merged away), %.1f%% of the %,d ids ever "
                            + "published.",
                    churn.writes(),
                    churn.finalIds(),
                    (double) churn.writes() / churn.finalIds(),
                    churn.transientIds(),
                    100.0 * churn.transientIds() / Math.max(1, churn.idsSeen()),
                    churn.idsSeen()));
            results.add(String.format(
                    java.util.Locale.ROOT,
                    "RESULT kind=%s records=%d phase=flapping golden_writes=%d final_customers=%d writes_per_customer=%.3f "
                            + "ids_published=%d ids_vanished=%d vanished_pct=%.2f",
                    kind,
                    rows,
                    churn.writes(),
                    churn.finalIds(),
                    (double) churn.writes() / churn.finalIds(),
                    churn.idsSeen(),
                    churn.transientIds(),
                    100.0 * churn.transientIds() / Math.max(1, churn.idsSeen())));
            report.note("Each phase is timed from starting its component to a converged state: capture until "
                    + "Debezium's snapshot of every database is acknowledged by Kafka; Streams and the pipeline until "
                    + "`awaitIdle` (capture past a WAL watermark, every input and repartition topic committed), "
                    + "which adds up to ~1 s of settling. A warm-up run of " + WARMUP_ROWS + " rows through the "
                    + "whole pipeline precedes the measured phases in the same JVM; every trial starts from an empty "
                    + "Kafka.");
        }
    }

    private static String threadsLabel(int threads) {
        return threads + (threads == 1 ? " stream thread" : " stream threads");
    }

    private static void phaseRow(Table t, Phase p, String ratio) {
        BenchReport.row(
                t,
                p.name(),
                String.format("%,d", p.events()),
                p.seconds(),
                p.rate(),
                ratio,
                p.work() == WorkCounts.NONE ? "–" : String.format("%.2f", p.internalPerChange()),
                p.work() == WorkCounts.NONE ? "–" : String.format("%.2f", p.storeWritesPerChange()),
                p.heapMb(),
                p.rssMb(),
                p.cores());
    }

    static double median(List<Double> values) {
        List<Double> v = values.stream().sorted().toList();
        int n = v.size();
        return n % 2 == 1 ? v.get(n / 2) : (v.get(n / 2 - 1) + v.get(n / 2)) / 2;
    }

    private void warmUp(BenchEnvironment env, Dataset warm) throws Exception {
        env.load(warm.dir());
        env.freshKafka();
        fullPipeline(env, warm.rows(), "warm-up");
        env.resetSources();
    }

    Phase captureOnly(BenchEnvironment env, int run) throws Exception {
        log("(c) capture only, run %d: Debezium snapshot to Kafka, Streams off", run);
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
                    "(c) capture only (Debezium → Kafka), run " + run,
                    captured,
                    secs,
                    s.peakHeapMb(),
                    s.peakRssMb(),
                    s.cores(),
                    WorkCounts.NONE);
        } finally {
            capture.close();
        }
    }

    Phase streamsOnly(BenchEnvironment env, long events, int threads, int run) throws Exception {
        log("(d) Streams only, %s, run %d, from the pre-filled CDC topics", threadsLabel(threads), run);
        return timed(
                env.runtime(false, threads),
                "(d) Streams alone (CDC topics → golden), " + threadsLabel(threads) + ", run " + run,
                "(d)",
                events);
    }

    Phase fullPipeline(BenchEnvironment env, long events, String name) throws Exception {
        log("%s: %,d rows", name, events);
        return timed(env.runtime(true, 0), name, name, events);
    }

    /** Starts a runtime and times it to a converged state, sampling heap, RSS and CPU meanwhile. */
    private Phase timed(AurumRuntime rt, String name, String label, long events) throws Exception {
        try (ResourceSampler s = new ResourceSampler()) {
            long t0 = System.nanoTime();
            rt.start();
            rt.awaitIdle(timeout);
            double secs = (System.nanoTime() - t0) / 1e9;
            s.close();
            WorkCounts work =
                    WorkCounts.of(rt.streams().streams(), config.streams().applicationId());
            log(
                    "%s: converged in %.1f s; per change: %.2f internal records, %.2f store writes, %.0f µs of "
                            + "stream-thread CPU; stream threads waited: %s",
                    label,
                    secs,
                    (double) work.internalTotal() / events,
                    (double) work.storeWritesTotal() / events,
                    s.streamThreadCpuNanos() / 1e3 / events,
                    work.waits());
            return new Phase(name, events, secs, s.peakHeapMb(), s.peakRssMb(), s.cores(), work);
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
            results.add(String.format(
                    java.util.Locale.ROOT,
                    "RESULT kind=quality records=%d seed=%d phase=quality precision=%.4f recall=%.4f f1=%.4f "
                            + "b3_precision=%.4f b3_recall=%.4f b3_f1=%.4f duke_f1=%.4f",
                    rows,
                    seed,
                    a.precision(),
                    a.recall(),
                    a.f1(),
                    a.b3Precision(),
                    a.b3Recall(),
                    a.b3F1(),
                    d.f1()));
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
            AurumRuntime rt = env.runtime(true, 0);
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
                            "internal records / change",
                            "store writes / change",
                            "sustained");
                    step(rows, rt, updates, probe, 200, Math.min(15, stepSeconds), null); // warm-up, not reported
                    for (double rate : rates) {
                        boolean ok = step(rows, rt, updates, probe, rate, stepSeconds, t);
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
            long rows,
            AurumRuntime rt,
            UpdateStream updates,
            LatencyProbe probe,
            double rate,
            double seconds,
            Table table)
            throws Exception {
        log("(b) %.0f changes/s for %.0f s", rate, seconds);
        String app = config.streams().applicationId();
        WorkCounts before = WorkCounts.of(rt.streams().streams(), app);
        UpdateStream.Result r;
        double drain;
        ResourceSampler sampler = new ResourceSampler();
        try (sampler) {
            r = updates.run(rate, seconds);
            long s0 = System.nanoTime();
            rt.awaitIdle(timeout);
            drain = (System.nanoTime() - s0) / 1e9;
        }
        WorkCounts work = WorkCounts.of(rt.streams().streams(), app).minus(before);
        Thread.sleep(500); // the probe's last poll
        List<LatencyProbe.Sample> all = probe.between(r.startMs(), r.endMs());
        long third = (r.endMs() - r.startMs()) / 3;
        double firstP50 = percentile(probe.between(r.startMs(), r.startMs() + third), 50);
        double lastP50 = percentile(probe.between(r.endMs() - third, r.endMs()), 50);
        boolean sustained = r.rate() >= 0.95 * rate && lastP50 <= 2 * firstP50 + 200 && drain <= 5;
        double internal = (double) work.internalTotal() / Math.max(1, r.applied());
        double stores = (double) work.storeWritesTotal() / Math.max(1, r.applied());
        log(
                "(b) %.0f/s: applied %.0f/s, %d golden states, p50 %.0f p99 %.0f max %.0f ms; drain %.1f s; "
                        + "%.2f internal records and %.2f store writes per change; %s",
                rate,
                r.rate(),
                all.size(),
                percentile(all, 50),
                percentile(all, 99),
                percentile(all, 100),
                drain,
                internal,
                stores,
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
                    String.format("%.2f", internal),
                    String.format("%.2f", stores),
                    sustained ? "yes" : "no");
            // ratio: the update stream has no capture-only twin in this run, so there is nothing to divide by.
            results.add(String.format(
                    java.util.Locale.ROOT,
                    "RESULT kind=%s records=%d phase=latency events=%d seconds=%.3f eps=%.1f ratio=na "
                            + "internal_per_change=%.3f store_writes_per_change=%.3f heap_mib=%d rss_mib=%d "
                            + "rate=%.0f p50_ms=%.0f p99_ms=%.0f max_ms=%.0f sustained=%s",
                    kind,
                    rows,
                    r.applied(),
                    r.seconds(),
                    r.rate(),
                    internal,
                    stores,
                    sampler.peakHeapMb(),
                    sampler.peakRssMb(),
                    rate,
                    percentile(all, 50),
                    percentile(all, 99),
                    percentile(all, 100),
                    sustained));
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
