package io.aurum.bench;

import io.aurum.embedded.EmbeddedPostgresServer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A rate-controlled change load on the demo schema: one transaction per change, spread over the three databases
 * (a CRM contact renamed, a billing address moved, a support ticket changing status), so changes exercise parents
 * and children without touching match keys. Works against any database holding the demo tables: the id ranges come
 * from the tables themselves.
 */
public final class UpdateStream {
    private static final String[] LAST = {
        "Smith", "Jones", "Taylor", "Brown", "Müller", "Schulz", "Martin", "Dupont", "Nguyen", "Patel", "Garcia",
        "Hughes", "Vogel", "Mercier"
    };
    private static final String[] STATUS = {"open", "pending", "solved"};

    public record Result(long applied, double seconds, double rate, long startMs, long endMs) {}

    private record Target(String database, String sql, long maxId, int kind) {}

    /** Opens a connection to one source database. */
    public interface Databases {
        Connection connect(String database) throws SQLException;
    }

    private final List<Target> targets = new ArrayList<>();
    private final Databases postgres;
    private final long seed;

    public UpdateStream(EmbeddedPostgresServer postgres, long seed) throws SQLException {
        this(postgres::connect, seed);
    }

    public UpdateStream(Databases postgres, long seed) throws SQLException {
        this.postgres = postgres;
        this.seed = seed;
        add("crm", "contacts", "UPDATE contacts SET last_name = ?, updated_at = now() WHERE id = ?", 0);
        add("billing", "customers", "UPDATE customers SET address_line1 = ?, updated_at = now() WHERE id = ?", 1);
        add("support", "tickets", "UPDATE tickets SET status = ?, updated_at = now() WHERE id = ?", 2);
        if (targets.isEmpty()) {
            throw new IllegalStateException("no rows to update: load data first");
        }
    }

    private void add(String db, String table, String sql, int kind) throws SQLException {
        try (Connection c = postgres.connect(db);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT coalesce(max(id), 0) FROM " + table)) {
            rs.next();
            long max = rs.getLong(1);
            if (max > 0) {
                targets.add(new Target(db, sql, max, kind));
            }
        }
    }

    /** Applies {@code rate} changes per second for {@code seconds}; one thread (and connection) per database. */
    public Result run(double rate, double seconds) throws InterruptedException {
        AtomicLong applied = new AtomicLong();
        List<Thread> threads = new ArrayList<>();
        List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        long startNanos = System.nanoTime();
        long startMs = System.currentTimeMillis();
        long endNanos = startNanos + (long) (seconds * 1e9);
        double perThread = rate / targets.size();
        for (int i = 0; i < targets.size(); i++) {
            Target t = targets.get(i);
            SplittableRandom rnd = new SplittableRandom(seed * 31 + i);
            Thread th = new Thread(
                    () -> {
                        try (Connection c = postgres.connect(t.database());
                                PreparedStatement ps = c.prepareStatement(t.sql())) {
                            long intervalNanos = (long) (1e9 / perThread);
                            long n = 0;
                            while (true) {
                                long due = startNanos + n * intervalNanos;
                                if (due >= endNanos) {
                                    break;
                                }
                                long wait = due - System.nanoTime();
                                if (wait > 0) {
                                    LockSupport.parkNanos(wait);
                                }
                                ps.setString(1, value(t.kind(), rnd));
                                ps.setLong(2, 1 + rnd.nextLong(t.maxId()));
                                ps.executeUpdate();
                                applied.incrementAndGet();
                                n++;
                            }
                        } catch (SQLException e) {
                            failures.add(e);
                        }
                    },
                    "bench-updates-" + t.database());
            threads.add(th);
            th.start();
        }
        for (Thread th : threads) {
            th.join();
        }
        if (!failures.isEmpty()) {
            throw new IllegalStateException("update stream failed", failures.get(0));
        }
        double took = (System.nanoTime() - startNanos) / 1e9;
        return new Result(applied.get(), took, applied.get() / took, startMs, System.currentTimeMillis());
    }

    private static String value(int kind, SplittableRandom rnd) {
        return switch (kind) {
            case 0 -> LAST[rnd.nextInt(LAST.length)];
            case 1 ->
                (1 + rnd.nextInt(999)) + " "
                        + new String[] {"Main St", "Mill Lane", "Hauptstraße", "rue Voltaire"}[rnd.nextInt(4)];
            default -> STATUS[rnd.nextInt(STATUS.length)];
        };
    }
}
