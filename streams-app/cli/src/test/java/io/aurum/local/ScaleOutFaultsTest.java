package io.aurum.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.aurum.bench.DataGenerator;
import io.aurum.local.SourceWorkload.Databases;
import io.aurum.local.SourceWorkload.Tx;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Several {@code aurum run} instances (separate JVMs, static members with {@code application.server} and a standby
 * replica each) share one broker while Debezium loads and streams the sources, and things fail around them: instances
 * join and leave during the snapshot, one is killed with SIGKILL while changes stream (the others take its tasks)
 * and later rejoins on its old state directory, the broker restarts under load, and so does Postgres (capture
 * reconnects and resumes from its slot). At the end the golden, xref and redirect topics must equal those of a
 * single instance that read the same CDC records on a broker of its own and never saw a failure (redirects: those
 * of current records, the part that is a function of the sources; every other one must lead to a live id); every source
 * record is in exactly one golden record; the three topics agree with each other; and no golden version was
 * written twice for one change.
 *
 * <p>{@code -Daurum.faults.seed=N} replays a run (the seed is printed); {@code -Daurum.faults.rounds=N} repeats
 * the kill/restart cycle N more times (the soak variant, not run by default); {@code -Daurum.faults.rows=N} sizes
 * the data set.
 */
class ScaleOutFaultsTest {
    static final long ROWS = Long.getLong("aurum.faults.rows", 3_000);
    static final Duration START = Duration.ofMinutes(2);
    static final Duration IDLE = Duration.ofMinutes(5);

    @TempDir
    Path tmp;

    final List<RunProcess> running = new ArrayList<>();

    @AfterEach
    void killWhatIsLeft() throws InterruptedException {
        for (RunProcess p : running) {
            p.close();
        }
    }

    @Test
    void instancesJoinLeaveDieAndRejoinWhileTheBrokerAndPostgresRestartAndTheResultEqualsOneCleanInstance()
            throws Exception {
        long seed = Long.getLong("aurum.faults.seed", System.currentTimeMillis() % 100_000);
        int rounds = Integer.getInteger("aurum.faults.rounds", 0);
        System.out.printf("ScaleOutFaultsTest seed %d (replay with -Daurum.faults.seed=%d)%n", seed, seed);
        Random random = new Random(seed);
        Path logs = Files.createDirectories(Path.of("target", "scale-out"));
        try (Stream<Path> old = Files.list(logs)) {
            for (Path p : old.toList()) {
                Files.deleteIfExists(p);
            }
        }
        int pgPort = LocalProcess.Ports.free().postgres();
        Path run = tmp.resolve("run");
        DataGenerator.Dataset data = SourceWorkload.prepare(run.resolve("postgres"), pgPort, seed, ROWS);
        SourceWorkload workload = new SourceWorkload(seed, data);
        Databases sources = Databases.at(pgPort);
        List<Tx> changes = new ArrayList<>();
        int kills = 0;
        int restarts = 0;

        Outputs result;
        Path anyConfig;
        try (ExternalSystems sys =
                new ExternalSystems(run, pgPort).startPostgres().startKafka()) {
            Instance[] instances = new Instance[3];
            for (int i = 0; i < instances.length; i++) {
                int http = LocalProcess.Ports.free().http();
                instances[i] = new Instance(
                        "aurum-" + (i + 1),
                        sys.instanceConfig("aurum-" + (i + 1), http),
                        run.resolve("state-" + (i + 1)),
                        http,
                        logs);
            }
            anyConfig = instances[0].config;

            // 1. One instance, then the snapshot starts loading; a second instance joins during the load.
            instances[0].start().awaitStarted(START);
            sys.startCapture();
            long joinAt = data.rows() * (10 + random.nextInt(50)) / 100;
            awaitCaptured(sys, joinAt);
            instances[1].start();
            System.out.printf("aurum-2 joined after %d of %d snapshot rows%n", sys.captured(), data.rows());

            // 2. Changes stream; a third instance joins among them, then the second leaves cleanly.
            changes.addAll(workload.apply(sources, 20 + random.nextInt(20)));
            instances[2].start();
            changes.addAll(workload.apply(sources, 20 + random.nextInt(20)));
            instances[2].awaitStarted(START);
            instances[1].stop();
            System.out.println("aurum-3 joined, aurum-2 left");

            for (int round = 0; round <= rounds; round++) {
                // 3. SIGKILL of one instance while changes stream: the survivors take its tasks.
                Instance victim = instances[random.nextBoolean() ? 0 : 2];
                changes.addAll(workload.apply(sources, 10 + random.nextInt(20)));
                Thread.sleep(random.nextInt(1500));
                victim.kill();
                kills++;
                changes.addAll(workload.apply(sources, 10 + random.nextInt(20)));
                System.out.printf("round %d: killed %s%n", round, victim.name);

                // 4. The broker restarts under load.
                Thread.sleep(random.nextInt(1000));
                sys.stopKafka();
                changes.addAll(workload.apply(sources, 10 + random.nextInt(10)));
                Thread.sleep(1000 + random.nextInt(2000));
                sys.startKafka();
                restarts++;
                System.out.printf("round %d: restarted the broker%n", round);

                // 5. The killed instance rejoins on its state directory; the one that left comes back too.
                victim.start();
                if (!instances[1].alive()) {
                    instances[1].start();
                }
                changes.addAll(workload.apply(sources, 10 + random.nextInt(20)));

                // 6. Postgres restarts under load: capture reconnects and resumes from its slot.
                sys.stopPostgres();
                Thread.sleep(500 + random.nextInt(1500));
                sys.startPostgres();
                restarts++;
                System.out.printf("round %d: restarted Postgres%n", round);
                changes.addAll(workload.apply(sources, 10 + random.nextInt(20)));
                victim.awaitStarted(START);
            }

            sys.awaitIdle(anyConfig, IDLE);
            result = Outputs.read(sys.bootstrap(), sys.registryUrl());

            // The reference: one instance that never saw a failure, on a broker of its own, reading the same CDC
            // records.
            Path ref = tmp.resolve("reference");
            try (ExternalSystems refSys = new ExternalSystems(ref, pgPort).startKafka()) {
                sys.copyCdcTopicsTo(refSys.bootstrap());
                int http = LocalProcess.Ports.free().http();
                Path refConfig = refSys.instanceConfig("reference", http);
                Outputs expected;
                try (RunProcess reference = RunProcess.start(
                        "reference", refConfig, ref.resolve("state"), http, logs.resolve("reference.log"))) {
                    reference.awaitStarted(START);
                    refSys.awaitIdle(refConfig, IDLE);
                    expected = Outputs.read(refSys.bootstrap(), refSys.registryUrl());
                    reference.stop();
                }
                for (Instance i : instances) {
                    i.close();
                }

                Set<String> current = SourceWorkload.parentIds(sources);
                Map<String, Integer> seen = result.membershipCounts();
                long lost = current.stream().filter(id -> !seen.containsKey(id)).count();
                long ghosts = seen.keySet().stream()
                        .filter(id -> !current.contains(id))
                        .count();
                long duplicated = seen.values().stream().filter(n -> n > 1).count();
                System.out.printf(
                        "RESULT kind=scale-out seed=%d kills=%d restarts=%d records=%d golden=%d xref=%d "
                                + "redirects=%d lost=%d ghosts=%d duplicated=%d changes=%d golden_versions=%d "
                                + "repeated_versions=%d reference_versions=%d reference_repeated=%d "
                                + "history_redirects_differing=%d%n",
                        seed,
                        kills,
                        restarts,
                        current.size(),
                        result.golden().size(),
                        result.xref().size(),
                        result.redirects().size(),
                        lost,
                        ghosts,
                        duplicated,
                        changes.size(),
                        result.goldenVersions(),
                        result.repeatedVersions(),
                        expected.goldenVersions(),
                        expected.repeatedVersions(),
                        Outputs.diff(result.redirectsOfHistory(current), expected.redirectsOfHistory(current))
                                .size());
                assertThat(lost).as("source records in no golden record").isZero();
                assertThat(ghosts)
                        .as("deleted records still in a golden record")
                        .isZero();
                assertThat(duplicated)
                        .as("source records in two golden records")
                        .isZero();
                assertThat(result.inconsistencies())
                        .as("golden, xref and redirects agree")
                        .isEmpty();
                assertThat(Outputs.diff(result.goldenWithoutTimes(), expected.goldenWithoutTimes()))
                        .as("golden records that differ from those of one clean instance")
                        .isEmpty();
                assertThat(Outputs.diff(result.xref(), expected.xref()))
                        .as("xref entries that differ from one clean instance's")
                        .isEmpty();
                assertThat(Outputs.diff(
                                result.redirectsOfCurrentRecords(current), expected.redirectsOfCurrentRecords(current)))
                        .as("redirects of current records that differ from one clean instance's")
                        .isEmpty();
                assertThat(result.deadEndRedirects())
                        .as("redirects that lead to no live golden id")
                        .isEmpty();
                assertThat(errors(logs.resolve("reference.log")))
                        .as("ERROR lines in the log of a healthy instance")
                        .isEmpty();
            }
        }
    }

    private static List<String> errors(Path log) throws IOException {
        return Files.readAllLines(log).stream()
                .filter(l -> l.contains(" ERROR ") || l.startsWith("\tat ") || l.startsWith("Caused by"))
                .toList();
    }

    private static void awaitCaptured(ExternalSystems sys, long rows) throws InterruptedException {
        long deadline = System.nanoTime() + START.toNanos();
        while (sys.captured() < rows && System.nanoTime() < deadline) {
            if (sys.capture.failure().isPresent()) {
                throw new AssertionError("capture failed", sys.capture.failure().get());
            }
            Thread.sleep(20);
        }
    }

    /** One instance's identity across restarts: its config (member id, ports) and state directory. */
    final class Instance implements AutoCloseable {
        final String name;
        final Path config;
        final Path stateDir;
        final int http;
        final Path logs;
        RunProcess process;
        int starts;

        Instance(String name, Path config, Path stateDir, int http, Path logs) {
            this.name = name;
            this.config = config;
            this.stateDir = stateDir;
            this.http = http;
            this.logs = logs;
        }

        RunProcess start() throws IOException {
            starts++;
            process = RunProcess.start(name, config, stateDir, http, logs.resolve(name + "-" + starts + ".log"));
            running.add(process);
            return process;
        }

        boolean alive() {
            return process != null && process.alive();
        }

        void awaitStarted(Duration timeout) throws InterruptedException {
            process.awaitStarted(timeout);
        }

        void kill() throws InterruptedException {
            process.kill();
        }

        void stop() throws InterruptedException {
            process.stop();
        }

        @Override
        public void close() throws InterruptedException {
            if (process != null) {
                process.stop();
            }
        }
    }
}
