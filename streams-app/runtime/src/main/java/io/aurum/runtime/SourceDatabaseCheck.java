package io.aurum.runtime;

import io.aurum.capture.CaptureSource;
import io.aurum.config.AurumConfig;
import io.aurum.config.AurumConfig.CaptureDatabase;
import io.aurum.config.GoldenConfig.FieldDef;
import io.aurum.config.GoldenConfig.RollupDef;
import io.aurum.config.PipelineConfig.AttributeDef;
import io.aurum.config.PipelineConfig.LinkDef;
import io.aurum.config.PipelineConfig.SourceDef;
import java.io.PrintStream;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The checks of {@code aurum config check --connect} on one source database: logical replication, the user's
 * privileges, and for each configured table its existence, its columns and their types, and its publication.
 */
final class SourceDatabaseCheck {
    private final AurumConfig config;
    private final CaptureDatabase db;
    private final PrintStream out;
    private final List<String> problems = new ArrayList<>();

    SourceDatabaseCheck(AurumConfig config, CaptureDatabase db, PrintStream out) {
        this.config = config;
        this.db = db;
        this.out = out;
    }

    List<String> run() {
        String url = "jdbc:postgresql://" + db.host() + ":" + db.port() + "/" + db.database();
        out.println("Database " + db.name() + " (" + url + ", user " + db.user() + "):");
        // The same TLS settings as capture's own connections (sslmode, sslrootcert, client certificates).
        java.util.Properties props = new java.util.Properties();
        props.putAll(db.ssl());
        props.put("user", db.user());
        props.put("password", db.password());
        try (Connection c = DriverManager.getConnection(url, props)) {
            checkServer(c);
            String publication = CaptureSource.of(
                            db.name(), db.host(), db.port(), db.database(), db.user(), db.password())
                    .publicationName();
            boolean publicationExists = exists(c, "SELECT 1 FROM pg_publication WHERE pubname = ?", publication);
            for (SourceDef s : config.pipeline().sources().values()) {
                if (s.database().equals(db.name())) {
                    checkTable(c, s, publication, publicationExists);
                }
            }
        } catch (SQLException e) {
            problem("cannot connect to " + url + " as " + db.user() + ": " + e.getMessage());
        }
        return problems;
    }

    private void problem(String what) {
        problems.add(db.name() + ": " + what);
        out.println("  ✗ " + what);
    }

    private void checkServer(Connection c) throws SQLException {
        String wal = scalar(c, "SHOW wal_level");
        if ("logical".equals(wal)) {
            out.println("  ✓ logical replication is on (wal_level=logical)");
        } else {
            problem("logical replication is off (wal_level=" + wal + "): set wal_level=logical and restart Postgres");
        }
        try (PreparedStatement st =
                c.prepareStatement("SELECT rolsuper, rolreplication FROM pg_roles WHERE rolname = current_user")) {
            try (ResultSet rs = st.executeQuery()) {
                if (rs.next() && !rs.getBoolean(1) && !rs.getBoolean(2)) {
                    problem("user " + db.user() + " has neither REPLICATION nor superuser: Debezium cannot create its"
                            + " replication slot (ALTER ROLE " + db.user() + " REPLICATION)");
                }
            }
        }
    }

    private void checkTable(Connection c, SourceDef s, String publication, boolean publicationExists)
            throws SQLException {
        String[] parts = s.topic().split("\\.");
        String schema = parts.length == 3 ? parts[1] : "public";
        String table = parts.length == 3 ? parts[2] : s.table();
        Map<String, PostgresTypes.Column> columns = columns(c, schema, table);
        String qualified = schema + "." + table;
        if (columns.isEmpty()) {
            problem("table " + qualified + " (source " + s.name() + ") does not exist");
            return;
        }
        out.println("  " + qualified + " (source " + s.name() + ", topic " + s.topic() + "):");
        Set<String> needed = new LinkedHashSet<>(s.keyColumns());
        if (s.createdAtColumn() != null) {
            needed.add(s.createdAtColumn());
        }
        if (s.updatedAtColumn() != null) {
            needed.add(s.updatedAtColumn());
        }
        for (AttributeDef a : s.attributes().values()) {
            needed.addAll(a.columns());
        }
        for (LinkDef l : s.links()) {
            needed.add(l.column());
        }
        if (s.parent() != null) {
            needed.add(s.parent().column());
        }
        needed.addAll(s.columnTypes().keySet());
        for (String name : needed) {
            PostgresTypes.Column col = columns.get(name);
            if (col == null) {
                problem("column " + name + " of " + qualified + " does not exist (columns: " + columns.keySet() + ")");
                continue;
            }
            String canonical = PostgresTypes.canonical(col);
            if (canonical == null) {
                problem("column " + name + " of " + qualified + " is of type " + col.sqlType()
                        + ", which Aurum does not decode");
                continue;
            }
            List<String> uses = uses(s, name, col);
            out.printf("    ✓ %-22s %-26s -> %-14s %s%n", name, col.sqlType(), canonical, String.join("; ", uses));
        }
        checkPublication(c, qualified, schema, table, publication, publicationExists);
    }

    /** The attributes and golden fields fed by a column; a misfit between the column and a field is a problem. */
    private List<String> uses(SourceDef s, String column, PostgresTypes.Column col) {
        List<String> uses = new ArrayList<>();
        for (AttributeDef a : s.attributes().values()) {
            if (!a.columns().contains(column)) {
                continue;
            }
            if (a.isConcat()) {
                uses.add("attribute " + a.name() + " (concat: text)");
                continue;
            }
            uses.add("attribute " + a.name());
            if (!s.isChild()) {
                for (FieldDef f : config.pipeline().golden().fields().values()) {
                    if (f.attribute().equals(a.name()) && f.considers(s.system())) {
                        misfit(
                                s,
                                column,
                                col,
                                "golden field " + f.name(),
                                PostgresTypes.misfit(col, f.type(), f.scale()));
                    }
                }
            } else {
                for (RollupDef r : config.pipeline().golden().rollups().values()) {
                    if (r.child().equals(s.name()) && a.name().equals(r.attribute())) {
                        String misfit = PostgresTypes.misfit(col, r.type(), r.scale());
                        if (r.function() == io.aurum.config.GoldenConfig.RollupFunction.SUM) {
                            misfit = PostgresTypes.misfit(col, io.aurum.config.GoldenConfig.FieldType.NUMBER, -1);
                        }
                        misfit(s, column, col, "roll-up " + r.name(), misfit);
                    }
                }
            }
        }
        return uses;
    }

    private void misfit(SourceDef s, String column, PostgresTypes.Column col, String target, String misfit) {
        if (misfit != null) {
            problem("column " + column + " of " + s.name() + " (" + col.sqlType() + ") feeds " + target + " but "
                    + misfit);
        }
    }

    private void checkPublication(
            Connection c, String qualified, String schema, String table, String publication, boolean exists)
            throws SQLException {
        if (exists) {
            boolean in = exists(
                    c,
                    "SELECT 1 FROM pg_publication_tables WHERE pubname = ? AND schemaname = ? AND tablename = ?",
                    publication,
                    schema,
                    table);
            if (in) {
                out.println("    ✓ in publication " + publication);
            } else {
                problem(qualified + " is not in publication " + publication + " (ALTER PUBLICATION " + publication
                        + " ADD TABLE " + qualified + ")");
            }
            return;
        }
        // Debezium creates the publication at its first start (publication.autocreate.mode): it must own the table.
        boolean can = exists(
                c,
                "SELECT 1 FROM pg_tables t JOIN pg_roles r ON r.rolname = current_user"
                        + " WHERE t.schemaname = ? AND t.tablename = ? AND (t.tableowner = current_user OR r.rolsuper)",
                schema,
                table);
        if (can) {
            out.println(
                    "    ✓ publication " + publication + " does not exist yet; Debezium can create it with this table");
        } else {
            problem("publication " + publication + " does not exist, and user " + db.user() + " may not create it for "
                    + qualified + " (not the owner, not superuser): CREATE PUBLICATION " + publication + " FOR TABLE "
                    + qualified + " as the owner");
        }
    }

    private static Map<String, PostgresTypes.Column> columns(Connection c, String schema, String table)
            throws SQLException {
        Map<String, PostgresTypes.Column> out = new LinkedHashMap<>();
        try (PreparedStatement st = c.prepareStatement(
                "SELECT c.column_name, c.data_type, c.udt_name, c.numeric_precision, c.numeric_scale,"
                        + " EXISTS (SELECT 1 FROM pg_type t WHERE t.typname = c.udt_name AND t.typtype = 'e')"
                        + " FROM information_schema.columns c WHERE c.table_schema = ? AND c.table_name = ?"
                        + " ORDER BY c.ordinal_position")) {
            st.setString(1, schema);
            st.setString(2, table);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    out.put(
                            rs.getString(1),
                            new PostgresTypes.Column(
                                    rs.getString(1),
                                    rs.getString(2),
                                    rs.getString(3),
                                    (Integer) rs.getObject(4),
                                    (Integer) rs.getObject(5),
                                    rs.getBoolean(6)));
                }
            }
        }
        return out;
    }

    private static boolean exists(Connection c, String sql, String... params) throws SQLException {
        try (PreparedStatement st = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                st.setString(i + 1, params[i]);
            }
            try (ResultSet rs = st.executeQuery()) {
                return rs.next();
            }
        }
    }

    private static String scalar(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }
}
