package io.aurum.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aurum.bench.DataGenerator;
import io.aurum.embedded.EmbeddedPostgresServer;
import io.aurum.local.LocalProcess.Ports;
import io.aurum.local.SourceWorkload.Databases;
import io.aurum.local.SourceWorkload.Tx;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crashes, as an operator meets them: the local pipeline in a child JVM is killed with SIGKILL during its initial
 * snapshot (and rows are deleted while it is down), while it streams changes, between an exactly-once commit of
 * changes and the capture offset flush that records them as delivered (so they come again), and right after an
 * exactly-once commit. After each kill it is started again on the same data directory and must make progress on its own. At the
 * end its golden records, xref entries and redirects (those of current records; the others must lead to live ids)
 * must equal those of a run that was never killed and saw the same source history: every source record in exactly
 * one golden record, no deleted record in any, the same ids and field values.
 *
 * <p>{@code -Daurum.crash.seed=N} replays a run; {@code -Daurum.crash.rounds=N} adds N rounds of streaming kills
 * (the soak variant, not run by default).
 */
class CrashRecoveryTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final long ROWS = Long.getLong("aurum.crash.rows", 25_000);
    static final Duration RECOVERY_BOUND = Duration.ofMinutes(4);

    @TempDir
    Path tmp;

    @Test
    void killsDuringTheSnapshotWhileStreamingAndAfterACommitLoseNothing() throws Exception {
        long seed = Long.getLong("aurum.crash.seed", System.currentTimeMillis() % 100_000);
        int rounds = Integer.getInteger("aurum.crash.rounds", 0);
        System.out.printf("CrashRecoveryTest seed %d (replay with -Daurum.crash.seed=%d)%n", seed, seed);
        Random random = new Random(seed);
        Path run = tmp.resolve("run");
        Ports ports = Ports.free();
        Databases sources = Databases.at(ports.postgres());
        DataGenerator.Dataset data = SourceWorkload.prepare(run.resolve("postgres"), ports.postgres(), seed, ROWS);
        SourceWorkload workload = new SourceWorkload(seed, data);
        List<Tx> streamed = new ArrayList<>();
        int kills = 0;

        // 1. Kill during the initial snapshot.
        long killAt = data.rows() * (15 + random.nextInt(50)) / 100;
        try (LocalProcess p = start(run, ports, "snapshot")) {
            JsonNode h = p.awaitHealth(
                    x -> LocalProcess.captured(x) >= killAt || x.has("capture") && !LocalProcess.snapshotting(x),
                    Duration.ofMinutes(3),
                    "capture to pass " + killAt + " rows");
            assertThat(LocalProcess.snapshotting(h))
                    .as("killed during the snapshot (%s)", h)
                    .isTrue();
            p.kill();
            kills++;
            System.out.printf(
                    "killed during the snapshot after %d of %d rows%n", LocalProcess.captured(h), data.rows());
        }

        // 2. While it is down, rows change and are deleted: the restarted snapshot must not keep them.
        List<Tx> down;
        try (EmbeddedPostgresServer pg =
                new EmbeddedPostgresServer(run.resolve("postgres"), ports.postgres()).start()) {
            down = workload.apply(sources, 60);
        }
        Path reference = tmp.resolve("reference");
        copy(run.resolve("postgres"), reference.resolve("postgres"));

        // 3. Restart: the snapshot starts over; then changes stream in and the JVM is killed among them.
        try (LocalProcess p = start(run, ports, "streaming")) {
            awaitRunning(p, "after the snapshot kill");
            List<Tx> batch = workload.apply(sources, 20 + random.nextInt(40));
            streamed.addAll(batch);
            Thread.sleep(random.nextInt(1500));
            p.kill();
            kills++;
        }

        // 3b. Restart; kill after the job committed changes (exactly once) that capture has not yet recorded as
        // delivered: its offsets flush once a second, so after the restart Debezium delivers them again.
        try (LocalProcess p = start(run, ports, "commit-before-flush")) {
            awaitRunning(p, "after kill " + kills);
            streamed.addAll(killAfterCommitBeforeOffsetFlush(p, ports, run.resolve("capture"), workload, sources));
            kills++;
        }

        // 4. Restart; more changes; kill right after an exactly-once commit of the Streams job.
        for (int round = 0; round <= rounds; round++) {
            try (LocalProcess p = start(run, ports, "commit-" + round)) {
                awaitRunning(p, "after kill " + kills);
                streamed.addAll(workload.apply(sources, 20 + random.nextInt(30)));
                awaitCommitThenKill(p, ports);
                kills++;
            }
        }

        // 5. Restart and run to idle: it must get there on its own, and within a bound.
        Path dump = tmp.resolve("golden.jsonl");
        long t0 = System.nanoTime();
        try (LocalProcess p = start(run, ports, "final", "--until-idle", "--dump-golden", dump.toString())) {
            assertThat(p.awaitExit(RECOVERY_BOUND))
                    .as("exit code of the final run")
                    .isZero();
        }
        System.out.printf(
                "after %d kills the pipeline was idle again in %.1f s%n", kills, (System.nanoTime() - t0) / 1e9);

        // The reference: the same source history, never killed.
        Path referenceDump = tmp.resolve("reference.jsonl");
        Ports refPorts = Ports.free();
        Databases refSources = Databases.at(refPorts.postgres());
        try (EmbeddedPostgresServer pg =
                        new EmbeddedPostgresServer(reference.resolve("postgres"), refPorts.postgres()).start();
                Connection c = pg.connect("postgres");
                Statement s = c.createStatement()) {
            // A clean start: no replication slot from the killed run's history.
            s.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots");
        }
        try (LocalProcess p = start(reference, refPorts, "reference")) {
            awaitRunning(p, "reference");
            SourceWorkload.replay(refSources, streamed);
            p.stop();
        }
        try (LocalProcess p = start(
                reference, refPorts, "reference-final", "--until-idle", "--dump-golden", referenceDump.toString())) {
            assertThat(p.awaitExit(RECOVERY_BOUND)).isZero();
        }

        Set<String> current;
        try (EmbeddedPostgresServer pg =
                new EmbeddedPostgresServer(run.resolve("postgres"), ports.postgres()).start()) {
            current = SourceWorkload.parentIds(sources);
        }
        // xref and redirects, read from each run's own Kafka data as a downstream consumer would.
        Outputs outputs;
        try (ExternalSystems kafka = new ExternalSystems(run, ports.postgres()).startKafka()) {
            outputs = Outputs.read(kafka.bootstrap(), kafka.registryUrl());
        }
        Outputs expectedOutputs;
        try (ExternalSystems kafka = new ExternalSystems(reference, refPorts.postgres()).startKafka()) {
            expectedOutputs = Outputs.read(kafka.bootstrap(), kafka.registryUrl());
        }
        Map<String, JsonNode> golden = read(dump);
        Map<String, JsonNode> expected = read(referenceDump);
        Map<String, Integer> seen = new HashMap<>();
        golden.values().forEach(g -> g.get("sources")
                .forEach(s ->
                        seen.merge(s.get("source").asText() + ":" + s.get("key").asText(), 1, Integer::sum)));
        long lost = current.stream().filter(id -> !seen.containsKey(id)).count();
        long ghosts = seen.keySet().stream().filter(id -> !current.contains(id)).count();
        long duplicated = seen.values().stream().filter(n -> n > 1).count();
        System.out.printf(
                "RESULT kind=crash seed=%d kills=%d records=%d golden=%d xref=%d redirects=%d lost=%d ghosts=%d "
                        + "duplicated=%d wedged=0 down_changes=%d streamed_changes=%d%n",
                seed,
                kills,
                current.size(),
                golden.size(),
                outputs.xref().size(),
                outputs.redirects().size(),
                lost,
                ghosts,
                duplicated,
                down.size(),
                streamed.size());
        assertThat(lost).as("source records in no golden record").isZero();
        assertThat(ghosts).as("deleted records still in a golden record").isZero();
        assertThat(duplicated).as("source records in two golden records").isZero();
        // Both dumps stay beside the logs; a mismatch names the records and fields that differ.
        Path logs = Files.createDirectories(Path.of("target", "crash-recovery"));
        Files.copy(dump, logs.resolve("golden-killed.jsonl"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.copy(
                referenceDump,
                logs.resolve("golden-reference.jsonl"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Map<String, JsonNode> actualGolden = withoutTimes(golden);
        Map<String, JsonNode> expectedGolden = withoutTimes(expected);
        assertThat(actualGolden)
                .as(() -> "golden records equal those of a run never killed; differences (killed vs reference):\n"
                        + differences(actualGolden, expectedGolden))
                .isEqualTo(expectedGolden);
        assertThat(Outputs.diff(outputs.goldenWithoutTimes(), withoutTimes(golden)))
                .as("customers.golden read back equals the dump")
                .isEmpty();
        assertThat(Outputs.diff(outputs.xref(), expectedOutputs.xref()))
                .as("xref entries that differ from a run never killed")
                .isEmpty();
        assertThat(Outputs.diff(
                        outputs.redirectsOfCurrentRecords(current), expectedOutputs.redirectsOfCurrentRecords(current)))
                .as("redirects of current records that differ from a run never killed")
                .isEmpty();
        assertThat(outputs.deadEndRedirects())
                .as("redirects that lead to no live golden id")
                .isEmpty();
        assertThat(outputs.inconsistencies())
                .as("golden, xref and redirects agree")
                .isEmpty();
    }

    /** Up to 20 golden ids whose records differ, each with the top-level fields that differ and both values. */
    static String differences(Map<String, JsonNode> actual, Map<String, JsonNode> expected) {
        StringBuilder sb = new StringBuilder();
        Set<String> ids = new java.util.TreeSet<>(actual.keySet());
        ids.addAll(expected.keySet());
        int shown = 0;
        int total = 0;
        for (String id : ids) {
            JsonNode a = actual.get(id);
            JsonNode e = expected.get(id);
            if (java.util.Objects.equals(a, e)) {
                continue;
            }
            total++;
            if (shown++ >= 20) {
                continue;
            }
            sb.append(id).append(':');
            if (a == null || e == null) {
                sb.append(
                        a == null
                                ? " only in the reference: " + e.path("sources")
                                : " only in the killed run: " + a.path("sources"));
            } else {
                Set<String> fields = new java.util.TreeSet<>();
                a.fieldNames().forEachRemaining(fields::add);
                e.fieldNames().forEachRemaining(fields::add);
                for (String f : fields) {
                    if (!java.util.Objects.equals(a.get(f), e.get(f))) {
                        String av = String.valueOf(a.get(f));
                        String ev = String.valueOf(e.get(f));
                        sb.append("\n    ")
                                .append(f)
                                .append(": ")
                                .append(av.length() > 300 ? av.substring(0, 300) + "…" : av)
                                .append(" vs ")
                                .append(ev.length() > 300 ? ev.substring(0, 300) + "…" : ev);
                    }
                }
            }
            sb.append('\n');
        }
        return total + " golden records differ\n" + sb;
    }

    /** Each run's log stays in target/crash-recovery after the test, for a failure to be read. */
    private LocalProcess start(Path dataDir, Ports ports, String name, String... extra) throws IOException {
        Path logs = Files.createDirectories(Path.of("target", "crash-recovery"));
        return LocalProcess.start(dataDir, ports, logs.resolve(name + ".log"), extra);
    }

    private static void awaitRunning(LocalProcess p, String what) throws InterruptedException {
        p.awaitHealth(
                h -> "RUNNING".equals(h.path("streams").asText()) && !LocalProcess.snapshotting(h),
                RECOVERY_BOUND,
                "streams running and snapshots complete " + what);
    }

    /**
     * Applies changes until the job commits CDC offsets past them while every capture offsets file is still as it
     * was before them, and kills the pipeline right then: the changes are processed, and capture will deliver them
     * again. Returns the changes applied.
     */
    private static List<Tx> killAfterCommitBeforeOffsetFlush(
            LocalProcess p, Ports ports, Path captureDir, SourceWorkload workload, Databases sources) throws Exception {
        List<Tx> applied = new ArrayList<>();
        try (Admin admin =
                Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "localhost:" + ports.kafka()))) {
            for (int attempt = 1; attempt <= 20; attempt++) {
                Map<String, byte[]> flushed = offsetFiles(captureDir);
                Map<TopicPartition, Long> before = cdcCommitted(admin);
                applied.addAll(workload.apply(sources, 5));
                long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                while (System.nanoTime() < deadline) {
                    boolean unflushed = sameContents(flushed, offsetFiles(captureDir));
                    if (!unflushed) {
                        break; // capture flushed first: try again
                    }
                    Map<TopicPartition, Long> now = cdcCommitted(admin);
                    if (now.entrySet().stream().anyMatch(e -> e.getValue() > before.getOrDefault(e.getKey(), -1L))
                            && sameContents(flushed, offsetFiles(captureDir))) {
                        p.kill();
                        System.out.printf(
                                "killed after an exactly-once commit, before the capture offset flush (attempt %d)%n",
                                attempt);
                        return applied;
                    }
                    Thread.sleep(2);
                }
            }
        }
        throw new AssertionError("never saw a commit before the capture offset flush in 20 attempts");
    }

    private static Map<String, byte[]> offsetFiles(Path dir) throws IOException {
        Map<String, byte[]> out = new TreeMap<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(f -> f.toString().endsWith(".offsets")).toList()) {
                out.put(f.getFileName().toString(), Files.readAllBytes(f));
            }
        }
        return out;
    }

    private static boolean sameContents(Map<String, byte[]> a, Map<String, byte[]> b) {
        return a.keySet().equals(b.keySet())
                && a.keySet().stream().allMatch(k -> java.util.Arrays.equals(a.get(k), b.get(k)));
    }

    /** The group's committed offsets on the CDC topics ({@code <db>.public.<table>}). */
    private static Map<TopicPartition, Long> cdcCommitted(Admin admin) throws Exception {
        Map<TopicPartition, Long> out = new HashMap<>();
        committed(admin).forEach((tp, o) -> {
            if (tp.topic().contains(".public.") && o != null) {
                out.put(tp, o.offset());
            }
        });
        return out;
    }

    /** Kills the pipeline within milliseconds of its consumer group committing new offsets (a transaction end). */
    private static void awaitCommitThenKill(LocalProcess p, Ports ports) throws Exception {
        try (Admin admin =
                Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "localhost:" + ports.kafka()))) {
            Map<TopicPartition, OffsetAndMetadata> before = committed(admin);
            long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
            while (System.nanoTime() < deadline) {
                Map<TopicPartition, OffsetAndMetadata> now = committed(admin);
                if (!now.equals(before) && !before.isEmpty()) {
                    p.kill();
                    return;
                }
                before = now;
                Thread.sleep(5);
            }
        }
        throw new AssertionError("no commit observed");
    }

    private static Map<TopicPartition, OffsetAndMetadata> committed(Admin admin) throws Exception {
        return admin.listConsumerGroupOffsets("aurum")
                .partitionsToOffsetAndMetadata()
                .get();
    }

    static Map<String, JsonNode> read(Path dump) throws IOException {
        Map<String, JsonNode> out = new TreeMap<>();
        for (String line : Files.readAllLines(dump)) {
            JsonNode node = JSON.readTree(line);
            out.put(node.get("id").asText(), node);
        }
        return out;
    }

    /**
     * Golden records without the source commit times: two runs commit the same changes at different wall-clock
     * times, while which value wins depends only on their order, which is the same.
     */
    static Map<String, JsonNode> withoutTimes(Map<String, JsonNode> golden) {
        Map<String, JsonNode> out = new TreeMap<>();
        golden.forEach((id, g) -> {
            ObjectNode copy = g.deepCopy();
            copy.remove("updatedAt");
            copy.path("lineage").forEach(l -> ((ObjectNode) l).remove("sourceTs"));
            out.put(id, copy);
        });
        return out;
    }

    static void copy(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        // Postgres refuses a data directory that others may read.
        Files.setPosixFilePermissions(to, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        try (Stream<Path> walk = Files.walk(from)) {
            for (Path p : walk.sorted(Comparator.naturalOrder()).toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else if (!p.getFileName().toString().equals("postmaster.pid")
                        && !p.getFileName().toString().equals("epg-lock")) {
                    Files.copy(p, target);
                }
            }
        }
    }
}
