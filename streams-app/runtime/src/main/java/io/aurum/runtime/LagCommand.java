package io.aurum.runtime;

import io.aurum.app.Lag;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.admin.Admin;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code aurum lag}: the Streams job's lag per input, repartition and resolver topic and partition, and its
 * freshness (the age, by source commit time, of the oldest change not yet reflected in customers.golden). Exits 3
 * above a threshold, for scripts and alerts.
 */
@Command(
        name = "lag",
        mixinStandardHelpOptions = true,
        description = {
            "Lag per input, repartition and resolver topic and partition, and the age of the oldest change not yet in"
                    + " customers.golden.",
            "Exit status: 0 within the thresholds, 3 above one, 1 on error, 2 on a config error."
        })
public final class LagCommand implements Callable<Integer> {
    /** The exit status of a check that found a problem (lag, freshness, drift), as opposed to an error (1). */
    public static final int ABOVE_THRESHOLD = 3;

    @Mixin
    Deployment deployment;

    @Option(
            names = "--max-age",
            paramLabel = "SECONDS",
            description = "Exit 3 when the oldest change not yet in customers.golden is older than this.")
    Double maxAgeSeconds;

    @Option(names = "--max-lag", paramLabel = "RECORDS", description = "Exit 3 when the total lag exceeds this.")
    Long maxLag;

    @Option(names = "--waiting", description = "Show only the partitions where work waits.")
    boolean waitingOnly;

    PrintStream out = System.out;

    @Override
    public Integer call() throws Exception {
        String app = deployment.config().streams().applicationId();
        List<Lag.Row> rows;
        try (Admin admin = deployment.admin()) {
            rows = new Lag(
                            admin,
                            app,
                            deployment.topicNames(),
                            deployment.bootstrapServers(),
                            deployment.config().kafka().properties())
                    .read();
        }
        long now = System.currentTimeMillis();
        out.printf("Lag of application %s at %s%n", app, deployment.bootstrapServers());
        out.printf(
                "%-12s %-52s %9s %12s %12s %10s  %s%n",
                "kind", "topic", "partition", "committed", "end", "lag", "oldest waiting change");
        long total = 0;
        Lag.Row oldest = null;
        for (Lag.Row r : rows) {
            total += r.lag();
            if (r.oldestTs() > 0 && (oldest == null || r.oldestTs() < oldest.oldestTs())) {
                oldest = r;
            }
            if (waitingOnly && r.lag() == 0) {
                continue;
            }
            out.printf(
                    "%-12s %-52s %9d %12s %12d %10d  %s%n",
                    r.kind().name().toLowerCase(),
                    r.partition().topic(),
                    r.partition().partition(),
                    r.committed() < 0 ? "-" : Long.toString(r.committed()),
                    r.end(),
                    r.lag(),
                    r.oldestTs() > 0 ? age(now - r.oldestTs()) + " old" : "");
        }
        double ageSeconds = oldest == null ? 0 : (now - oldest.oldestTs()) / 1000.0;
        out.printf("Total lag: %d records across %d partitions%n", total, rows.size());
        if (oldest == null) {
            out.println("Freshness: up to date (no change is waiting to reach customers.golden)");
        } else {
            out.printf(
                    "Freshness: the oldest change not yet in customers.golden was committed at %s, %s ago (%s-%d)%n",
                    Instant.ofEpochMilli(oldest.oldestTs()),
                    age(now - oldest.oldestTs()),
                    oldest.partition().topic(),
                    oldest.partition().partition());
        }
        boolean above = false;
        if (maxAgeSeconds != null && ageSeconds > maxAgeSeconds) {
            out.printf("ABOVE THRESHOLD: freshness %.1f s > --max-age %.1f s%n", ageSeconds, maxAgeSeconds);
            above = true;
        }
        if (maxLag != null && total > maxLag) {
            out.printf("ABOVE THRESHOLD: lag %d > --max-lag %d%n", total, maxLag);
            above = true;
        }
        return above ? ABOVE_THRESHOLD : 0;
    }

    static String age(long millis) {
        Duration d = Duration.ofMillis(Math.max(0, millis));
        if (d.toSeconds() < 120) {
            return String.format("%.1f s", d.toMillis() / 1000.0);
        }
        if (d.toMinutes() < 120) {
            return d.toMinutes() + " min";
        }
        if (d.toHours() < 48) {
            return d.toHours() + " h";
        }
        return d.toDays() + " days";
    }
}
