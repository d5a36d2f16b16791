package io.aurum.runtime;

import io.aurum.app.Audit;
import io.aurum.app.CompactedTopic;
import io.aurum.app.IdleProbe;
import io.aurum.app.RegistrySerdes;
import io.aurum.app.SourceSnapshot;
import io.aurum.capture.CaptureSource;
import io.aurum.config.AurumConfig;
import io.aurum.schemas.FieldOverride;
import io.aurum.schemas.GoldenCustomer;
import io.aurum.schemas.Redirect;
import io.aurum.schemas.XrefEntry;
import io.aurum.topology.Topics;
import java.io.PrintStream;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code aurum verify}: the consistency audit. Reads the sources over JDBC (one consistent snapshot per database),
 * computes with the batch reference model what customers.golden, .xref and .redirects must hold, and compares.
 *
 * <p>The sources may change while it runs. Each snapshot records its WAL position; the audit waits until capture
 * has been sent past it (a watermark through the replication slot) and the Streams job is idle, so that everything
 * the snapshot saw has reached the topics. Differences are then checked again with a fresh snapshot: only those found
 * both times count as drift (a row that changed in between is reported as such, not as drift).
 */
@Command(
        name = "verify",
        mixinStandardHelpOptions = true,
        description = {
            "Audit the live topics against the sources: read every source table over JDBC, compute the expected"
                    + " clusters, golden ids and golden fields with the batch reference model, and compare with"
                    + " customers.golden, customers.xref and customers.redirects.",
            "Exit status: 0 consistent, 3 drift found, 1 on error, 2 on a config error."
        })
public final class VerifyCommand implements Callable<Integer> {
    @Mixin
    Deployment deployment;

    @Option(
            names = "--sample",
            defaultValue = "10",
            description = "Differences shown per kind (default: ${DEFAULT-VALUE}).")
    int sample;

    @Option(
            names = "--settle-timeout",
            defaultValue = "300",
            paramLabel = "SECONDS",
            description = "How long to wait for the pipeline to reflect each snapshot (default: ${DEFAULT-VALUE}).")
    long settleSeconds;

    @Option(names = "--no-recheck", description = "Report the first comparison's differences without checking again.")
    boolean noRecheck;

    PrintStream out = System.out;
    PrintStream err = System.err;

    @Override
    public Integer call() throws Exception {
        AurumConfig cfg = deployment.config();
        long t0 = System.nanoTime();
        Round first = round(1);
        List<Audit.Difference> drift = first.result.differences();
        List<Audit.Difference> changed = List.of();
        if (!drift.isEmpty() && !noRecheck) {
            err.printf("%d differences; checking them again against a fresh snapshot%n", drift.size());
            Round second = round(2);
            Set<String> again = second.result.differences().stream()
                    .map(Audit.Difference::id)
                    .collect(Collectors.toSet());
            List<Audit.Difference> kept = new ArrayList<>();
            List<Audit.Difference> gone = new ArrayList<>();
            for (Audit.Difference d : drift) {
                (again.contains(d.id()) ? kept : gone).add(d);
            }
            // The second round's state is the current one: report its view of the differences that persisted.
            Set<String> keptIds = kept.stream().map(Audit.Difference::id).collect(Collectors.toSet());
            drift = second.result.differences().stream()
                    .filter(d -> keptIds.contains(d.id()))
                    .toList();
            changed = gone;
            first = second;
        }
        out.printf(
                "Verified %s against %d source rows (%s) in %.1f s%n",
                cfg.streams().applicationId(),
                first.snapshot.rows(),
                first.snapshot.positions().stream()
                        .map(p -> p.database() + " at LSN " + p.lsnText())
                        .collect(Collectors.joining(", ")),
                (System.nanoTime() - t0) / 1e9);
        out.printf(
                "  expected: %d records in %d golden customers, %d current redirects%n",
                first.expected.memberships().size(),
                first.expected.golden().size(),
                first.expected.redirects().size());
        out.printf(
                "  live:     %d xref entries, %d golden records, %d redirects%n",
                first.xref.size(), first.golden.size(), first.redirects.size());
        if (first.result.timeDecided() > 0) {
            out.printf(
                    "  %d golden fields decided by commit time (not visible to a snapshot): accepted, each holds a"
                            + " member's value%n",
                    first.result.timeDecided());
        }
        if (!changed.isEmpty()) {
            out.printf(
                    "  %d differences of the first pass were gone on the second (the sources changed meanwhile)%n",
                    changed.size());
        }
        if (drift.isEmpty()) {
            out.println("No drift: customers.golden, customers.xref and customers.redirects match the sources.");
            return 0;
        }
        Map<String, List<Audit.Difference>> byKind = new TreeMap<>();
        drift.forEach(
                d -> byKind.computeIfAbsent(d.kind(), k -> new ArrayList<>()).add(d));
        out.printf("DRIFT: %d differences%n", drift.size());
        byKind.forEach((kind, list) -> {
            out.printf("  %-18s %d%n", kind, list.size());
            for (Audit.Difference d : list.subList(0, Math.min(sample, list.size()))) {
                out.printf("      %s: expected %s, found %s%n", d.key(), d.expected(), d.actual());
            }
        });
        return LagCommand.ABOVE_THRESHOLD;
    }

    private record Round(
            SourceSnapshot snapshot,
            Audit.Expected expected,
            Map<String, XrefEntry> xref,
            Map<String, GoldenCustomer> golden,
            Map<String, Redirect> redirects,
            Audit.Result result) {}

    private Round round(int n) throws Exception {
        AurumConfig cfg = deployment.config();
        String bootstrap = deployment.bootstrapServers();
        Map<String, String> props = cfg.kafka().properties();
        RegistrySerdes serdes = RegistrySerdes.of(cfg, deployment.registryUrl());
        Audit audit = new Audit(cfg.pipeline());
        err.printf("Pass %d: reading the steward topics%n", n);
        Map<String, byte[]> assertionTopic =
                CompactedTopic.read(bootstrap, props, Topics.ASSERTIONS, new ByteArrayDeserializer(), err::println);
        Map<String, FieldOverride> overrideTopic = CompactedTopic.read(
                bootstrap,
                props,
                Topics.OVERRIDES,
                serdes.serde(FieldOverride.class).deserializer(),
                err::println);
        err.printf("Pass %d: reading the sources (one REPEATABLE READ snapshot per database)%n", n);
        SourceSnapshot snapshot = SourceSnapshot.read(cfg, audit.assertions(assertionTopic), err::println);
        awaitReflected(snapshot);
        err.printf("Pass %d: reading the public topics%n", n);
        Map<String, XrefEntry> xref = CompactedTopic.read(
                bootstrap, props, Topics.XREF, serdes.serde(XrefEntry.class).deserializer(), err::println);
        Map<String, GoldenCustomer> golden = CompactedTopic.read(
                bootstrap, props, Topics.GOLDEN, serdes.golden().deserializer(), err::println);
        Map<String, Redirect> redirects = CompactedTopic.read(
                bootstrap, props, Topics.REDIRECTS, serdes.serde(Redirect.class).deserializer(), err::println);
        err.printf(
                "Pass %d: computing the expected state of %d records%n",
                n, snapshot.records().size());
        Audit.Expected expected = audit.expected(snapshot.records(), overrideTopic);
        Audit.Result result = audit.compare(expected, xref, golden, redirects, Audit.byId(snapshot.records()));
        return new Round(snapshot, expected, xref, golden, redirects, result);
    }

    /**
     * Waits until everything the snapshot saw has reached the topics: a watermark written into each database's WAL
     * after the snapshot has been sent to capture through its replication slot, then the Streams job is idle.
     */
    private void awaitReflected(SourceSnapshot snapshot) throws Exception {
        AurumConfig cfg = deployment.config();
        Duration timeout = Duration.ofSeconds(settleSeconds);
        long deadline = System.nanoTime() + timeout.toNanos();
        for (SourceSnapshot.Position p : snapshot.positions()) {
            AurumConfig.CaptureDatabase db = cfg.capture().databases().get(p.database());
            String url = "jdbc:postgresql://" + db.host() + ":" + db.port() + "/" + db.database();
            String slot = CaptureSource.of(db.name(), db.host(), db.port(), db.database(), db.user(), db.password())
                    .slotName();
            try (Connection c = DriverManager.getConnection(url, db.user(), db.password())) {
                long watermark;
                // Aurum's capture swallows its own watermarks; on Kafka Connect it is one small event on <db>.message.
                try (PreparedStatement st =
                        c.prepareStatement("SELECT pg_logical_emit_message(true, 'aurum.watermark', ?)::text")) {
                    st.setString(1, "verify-" + UUID.randomUUID());
                    try (ResultSet rs = st.executeQuery()) {
                        rs.next();
                        watermark = SourceSnapshot.lsnToLong(rs.getString(1));
                    }
                }
                while (true) {
                    Long sent = sentTo(c, slot);
                    if (sent == null) {
                        err.printf(
                                "  no capture connected to replication slot %s of %s: not waiting for it (the second"
                                        + " pass covers changes captured late)%n",
                                slot, p.database());
                        break;
                    }
                    if (sent >= watermark) {
                        break;
                    }
                    if (System.nanoTime() > deadline) {
                        err.printf("  capture of %s has not passed the snapshot within %s%n", p.database(), timeout);
                        break;
                    }
                    Thread.sleep(200);
                }
            }
        }
        // Capture has the watermark; what it read before is on its way to Kafka (one poll interval, one send).
        Thread.sleep(Math.max(1000, 2 * cfg.capture().pollIntervalMs()));
        try (Admin admin = deployment.admin()) {
            Duration left = Duration.ofNanos(
                    Math.max(deadline - System.nanoTime(), Duration.ofSeconds(5).toNanos()));
            new IdleProbe(
                            admin,
                            cfg.streams().applicationId(),
                            deployment.topicNames().inputs())
                    .awaitIdle(left, Duration.ofMillis(500));
        } catch (TimeoutException e) {
            err.println("  the pipeline is not idle: " + e.getMessage());
        }
    }

    /**
     * How far the WAL sender of the slot has sent changes to capture ({@code pg_stat_replication.sent_lsn}), or null
     * when no capture is connected. (The slot's confirmed_flush_lsn would be the stronger signal, but Debezium
     * confirms only the positions of data events, so on an idle source it never passes a watermark.)
     */
    private static Long sentTo(Connection c, String slot) throws Exception {
        try (PreparedStatement st = c.prepareStatement("SELECT r.sent_lsn::text FROM pg_stat_replication r"
                + " JOIN pg_replication_slots s ON s.active_pid = r.pid WHERE s.slot_name = ?")) {
            st.setString(1, slot);
            try (ResultSet rs = st.executeQuery()) {
                if (!rs.next() || rs.getString(1) == null) {
                    return null;
                }
                return SourceSnapshot.lsnToLong(rs.getString(1));
            }
        }
    }
}
