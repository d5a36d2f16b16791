package io.aurum.local;

import io.aurum.bench.DataGenerator;
import io.aurum.embedded.EmbeddedPostgresServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Source databases for crash tests: generated customers loaded into an embedded Postgres data directory, and a
 * seeded stream of the changes an operational system makes (e-mail and phone updates, deletes of parents with
 * their children, child deletes, inserts that merge into existing customers).
 */
final class SourceWorkload {
    static final List<String> DATABASES = List.of("crm", "billing", "support");

    private final Random random;
    private final long crmRows;
    private final long billingRows;
    private final long supportRows;
    private final Set<String> deleted = new HashSet<>();
    private long nextId = 10_000_000;

    SourceWorkload(long seed, DataGenerator.Dataset data) {
        this.random = new Random(seed);
        this.crmRows = data.count("crm.contacts");
        this.billingRows = data.count("billing.customers");
        this.supportRows = data.count("support.users");
    }

    /** Generates about {@code rows} rows and loads them, with the demo schema, into Postgres at {@code dir}. */
    static DataGenerator.Dataset prepare(Path dir, int port, long seed, long rows) throws IOException {
        Path gen = Files.createTempDirectory("aurum-gen-");
        DataGenerator.Dataset data = DataGenerator.generate(seed, rows, gen, true, false);
        try (EmbeddedPostgresServer pg = new EmbeddedPostgresServer(dir, port).start()) {
            for (String db : DATABASES) {
                pg.createDatabaseIfMissing(db);
                pg.executeSql(db, resource("demo/schema/" + db + ".sql"));
                try (Stream<Path> files = Files.list(gen)) {
                    for (Path f : files.filter(p -> p.getFileName().toString().endsWith("-" + db + ".sql"))
                            .toList()) {
                        pg.executeSql(db, Files.readString(f));
                    }
                }
            }
        }
        return data;
    }

    static String resource(String name) throws IOException {
        try (var in = SourceWorkload.class.getClassLoader().getResourceAsStream(name)) {
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    /** Opens a connection to one source database. */
    @FunctionalInterface
    interface Databases {
        Connection connect(String database) throws SQLException;

        static Databases at(int port) {
            return db -> java.sql.DriverManager.getConnection(
                    "jdbc:postgresql://localhost:" + port + "/" + db, "postgres", "postgres");
        }
    }

    /** One source transaction: its database and statements, replayable elsewhere. */
    record Tx(String database, List<String> statements) {}

    /** Applies {@code n} random changes, each in its own transaction, and returns them for replay. */
    List<Tx> apply(Databases dbs, int n) throws SQLException {
        List<Tx> done = new java.util.ArrayList<>();
        try (Connection crm = dbs.connect("crm");
                Connection billing = dbs.connect("billing");
                Connection support = dbs.connect("support")) {
            for (int i = 0; i < n; i++) {
                Tx tx = step(billing);
                if (tx != null) {
                    exec(
                            switch (tx.database()) {
                                case "crm" -> crm;
                                case "billing" -> billing;
                                default -> support;
                            },
                            tx.statements().toArray(String[]::new));
                    done.add(tx);
                }
            }
        }
        return done;
    }

    /** Applies transactions recorded by {@link #apply} to other databases, in the same order. */
    static void replay(Databases dbs, List<Tx> transactions) throws SQLException {
        for (Tx tx : transactions) {
            try (Connection c = dbs.connect(tx.database())) {
                exec(c, tx.statements().toArray(String[]::new));
            }
        }
    }

    private Tx step(Connection billing) throws SQLException {
        int kind = random.nextInt(10);
        long contact = 1 + random.nextInt((int) crmRows);
        long customer = 1 + random.nextInt((int) billingRows);
        long user = 1 + random.nextInt((int) supportRows);
        // Deterministic per seed, so two runs of one workload leave the same rows.
        String stamp = "timestamptz '2025-01-01Z' + interval '" + random.nextInt(100_000) + " minutes'";
        switch (kind) {
            case 0:
                return deleted.add("crm:" + contact) ? tx("crm", "DELETE FROM contacts WHERE id = " + contact) : null;
            case 1:
                return deleted.add("billing:" + customer)
                        ? tx(
                                "billing",
                                "DELETE FROM subscriptions WHERE customer_id = " + customer,
                                "DELETE FROM invoices WHERE customer_id = " + customer,
                                "DELETE FROM customers WHERE id = " + customer)
                        : null;
            case 2:
                return deleted.add("support:" + user)
                        ? tx(
                                "support",
                                "DELETE FROM tickets WHERE user_id = " + user,
                                "DELETE FROM users WHERE id = " + user)
                        : null;
            case 3:
                return tx(
                        "billing",
                        "DELETE FROM subscriptions WHERE id IN (SELECT id FROM subscriptions WHERE " + "customer_id = "
                                + customer + " ORDER BY id LIMIT 1)");
            case 4:
            case 5:
                return tx(
                        "crm",
                        "UPDATE contacts SET email = 'changed" + random.nextInt(50) + "@example.org', "
                                + "updated_at = " + stamp + " WHERE id = " + contact);
            case 6:
                return tx(
                        "billing",
                        "UPDATE customers SET phone = '+1 415 555 " + (1000 + random.nextInt(9000)) + "', updated_at = "
                                + stamp + " WHERE id = " + customer);
            case 7:
                // A new contact with another record's e-mail: joins (and may merge) existing customers.
                String email = value(billing, "SELECT email FROM customers WHERE id = " + customer);
                long id = nextId++;
                return tx(
                        "crm",
                        "INSERT INTO contacts(id, first_name, last_name, email, created_at, updated_at) VALUES ("
                                + id + ", 'New', 'Contact" + id + "', "
                                + (email == null ? "NULL" : "'" + email.replace("'", "''") + "'")
                                + ", '2020-06-01Z', '2020-06-01Z')");
            case 8:
                return tx(
                        "support",
                        "UPDATE tickets SET status = 'solved' WHERE id IN (SELECT id FROM tickets WHERE " + "user_id = "
                                + user + " ORDER BY id LIMIT 1)");
            default:
                return tx(
                        "billing",
                        "UPDATE subscriptions SET status = 'canceled', canceled_at = "
                                + "timestamptz '2025-06-01Z' WHERE id IN (SELECT id FROM subscriptions WHERE customer_id = "
                                + customer + " ORDER BY id LIMIT 1)");
        }
    }

    private static Tx tx(String database, String... statements) {
        return new Tx(database, List.of(statements));
    }

    private static void exec(Connection c, String... statements) throws SQLException {
        c.setAutoCommit(false);
        try (Statement s = c.createStatement()) {
            for (String sql : statements) {
                s.execute(sql);
            }
            c.commit();
        } finally {
            c.setAutoCommit(true);
        }
    }

    private static String value(Connection c, String sql) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(sql);
                ResultSet rs = s.executeQuery()) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    /** Every parent record id in the sources now ({@code crm.contacts:7}, ...). */
    static Set<String> parentIds(Databases dbs) throws SQLException {
        Set<String> ids = new TreeSet<>();
        for (String[] t : new String[][] {
            {"crm", "contacts", "crm.contacts"},
            {"billing", "customers", "billing.customers"},
            {"support", "users", "support.users"}
        }) {
            try (Connection c = dbs.connect(t[0]);
                    Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT id FROM " + t[1])) {
                while (rs.next()) {
                    ids.add(t[2] + ":" + rs.getLong(1));
                }
            }
        }
        return ids;
    }
}
