package io.aurum.app;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aurum.canonical.CdcMapper;
import io.aurum.canonical.MappingException;
import io.aurum.canonical.RecordView;
import io.aurum.canonical.SourceChange;
import io.aurum.canonical.SourceRecord;
import io.aurum.canonical.SourceRecord.ChildRecord;
import io.aurum.canonical.StoredRow;
import io.aurum.config.AurumConfig;
import io.aurum.config.PipelineConfig.SourceDef;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * The sources as they are, read directly over JDBC: one REPEATABLE READ, read-only transaction per database (one
 * consistent snapshot each), every row rendered as the change event Debezium would write for a snapshot read of
 * it and mapped exactly as the pipeline maps it ({@link CdcMapper}, {@link StoredRow}, the assembler's record
 * view), children attached to their parents and steward assertions to the records they name.
 *
 * <p>Column types are rendered as Debezium renders them by default: integers and booleans as JSON numbers and
 * booleans, {@code timestamptz} as ISO-8601 in UTC, {@code timestamp} as epoch microseconds, {@code date} as days
 * since the epoch, everything else as text (numeric as a JSON number, which matches Debezium's
 * {@code decimal.handling.mode=double} or {@code string}, not its default {@code precise}).
 */
public final class SourceSnapshot {
    /** Where each database's snapshot was taken: its WAL position ({@code pg_current_wal_lsn()}) and time. */
    public record Position(String database, long lsn, String lsnText, long takenAt) {}

    private final List<SourceRecord> records;
    private final List<Position> positions;
    private final long rows;

    private SourceSnapshot(List<SourceRecord> records, List<Position> positions, long rows) {
        this.records = records;
        this.positions = positions;
        this.rows = rows;
    }

    public List<SourceRecord> records() {
        return records;
    }

    public List<Position> positions() {
        return positions;
    }

    public long rows() {
        return rows;
    }

    /**
     * Reads every configured source table of every database in {@code capture.databases}.
     *
     * @param assertions the current steward assertions (must-links and cannot-links), by assertion id
     * @param progress   told what is being read, every 10,000 rows and per table
     */
    public static SourceSnapshot read(
            AurumConfig config, Map<String, io.aurum.steward.Assertion> assertions, Consumer<String> progress)
            throws SQLException {
        CdcMapper mapper = new CdcMapper(config.pipeline());
        Map<String, Pending> states = new TreeMap<>();
        List<Position> positions = new ArrayList<>();
        long rows = 0;
        Map<String, List<SourceDef>> byDatabase = new LinkedHashMap<>();
        for (SourceDef s : config.pipeline().sources().values()) {
            byDatabase.computeIfAbsent(s.database(), d -> new ArrayList<>()).add(s);
        }
        for (Map.Entry<String, List<SourceDef>> db : byDatabase.entrySet()) {
            AurumConfig.CaptureDatabase conn = config.capture().databases().get(db.getKey());
            if (conn == null) {
                throw new IllegalArgumentException("database '" + db.getKey() + "' is not listed under"
                        + " capture.databases (jdbc_url, user, password): verify reads the sources directly (list it"
                        + " there; capture.enabled: false keeps Aurum's own capture off)");
            }
            String url = "jdbc:postgresql://" + conn.host() + ":" + conn.port() + "/" + conn.database();
            // The same TLS settings as capture's own connections.
            java.util.Properties props = new java.util.Properties();
            props.putAll(conn.ssl());
            props.put("user", conn.user());
            props.put("password", conn.password());
            try (Connection c = DriverManager.getConnection(url, props)) {
                c.setAutoCommit(false);
                c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
                c.setReadOnly(true);
                Position position;
                try (Statement st = c.createStatement();
                        ResultSet rs = st.executeQuery("SELECT pg_current_wal_lsn()::text")) {
                    // The first query takes the transaction's snapshot: every later read sees the same state.
                    rs.next();
                    String lsn = rs.getString(1);
                    position = new Position(db.getKey(), lsnToLong(lsn), lsn, System.currentTimeMillis());
                }
                positions.add(position);
                for (SourceDef source : db.getValue()) {
                    rows += readTable(c, source, position, mapper, states, progress);
                }
                c.rollback();
            }
        }
        for (Map.Entry<String, io.aurum.steward.Assertion> a : assertions.entrySet()) {
            for (String recordId : a.getValue().records()) {
                Pending state = states.computeIfAbsent(recordId, id -> new Pending());
                (a.getValue().cannotLink() ? state.cannotLinks : state.assertions).add(a.getKey());
            }
        }
        List<SourceRecord> records = new ArrayList<>();
        states.forEach((id, state) -> {
            SourceRecord r = RecordView.of(
                    config.pipeline(), id, state.parent, state.children, state.assertions, state.cannotLinks);
            if (r != null) {
                records.add(r);
            }
        });
        return new SourceSnapshot(records, positions, rows);
    }

    private static long readTable(
            Connection c,
            SourceDef source,
            Position position,
            CdcMapper mapper,
            Map<String, Pending> states,
            Consumer<String> progress)
            throws SQLException {
        String[] parts = source.topic().split("\\.");
        String table = quote(parts[parts.length - 2]) + "." + quote(parts[parts.length - 1]);
        long n = 0;
        c.setAutoCommit(false);
        try (Statement st = c.createStatement()) {
            st.setFetchSize(5000);
            try (ResultSet rs = st.executeQuery("SELECT * FROM " + table)) {
                ResultSetMetaData meta = rs.getMetaData();
                while (rs.next()) {
                    ObjectNode row = GoldenJson.JSON.createObjectNode();
                    for (int i = 1; i <= meta.getColumnCount(); i++) {
                        put(row, meta.getColumnName(i), meta.getColumnTypeName(i), rs, i);
                    }
                    apply(source, row, position, mapper, states);
                    if (++n % 10_000 == 0) {
                        progress.accept(source.name() + ": " + n + " rows read");
                    }
                }
            }
        }
        progress.accept(source.name() + ": " + n + " rows");
        return n;
    }

    private static void apply(
            SourceDef source, ObjectNode row, Position position, CdcMapper mapper, Map<String, Pending> states) {
        ObjectNode key = GoldenJson.JSON.createObjectNode();
        for (String k : source.keyColumns()) {
            key.set(k, row.get(k));
        }
        ObjectNode event = GoldenJson.JSON.createObjectNode();
        event.putNull("before");
        event.set("after", row);
        String[] parts = source.topic().split("\\.");
        ObjectNode src = event.putObject("source");
        src.put("connector", "postgresql");
        src.put("db", source.database());
        src.put("schema", parts[parts.length - 2]);
        src.put("table", parts[parts.length - 1]);
        src.put("snapshot", "true");
        src.put("ts_ms", position.takenAt());
        src.put("lsn", position.lsn());
        event.put("op", "r");
        event.put("ts_ms", position.takenAt());
        SourceChange change;
        try {
            change = mapper.map(
                    source.topic(),
                    key.toString().getBytes(StandardCharsets.UTF_8),
                    event.toString().getBytes(StandardCharsets.UTF_8));
        } catch (MappingException e) {
            // The pipeline sends such a row to the dead-letter topic: it is not a record there either.
            return;
        }
        StoredRow stored = StoredRow.apply(null, change);
        if (source.isChild()) {
            if (change.parentId() == null) {
                return;
            }
            ChildRecord child = new ChildRecord(
                    change.key(), stored.attributes(), stored.position().tsMs());
            states.computeIfAbsent(change.parentId(), id -> new Pending())
                    .children
                    .computeIfAbsent(source.name(), n -> new TreeMap<>())
                    .put(change.key(), child);
        } else {
            states.computeIfAbsent(change.recordId(), id -> new Pending()).parent = stored;
        }
    }

    /** What has been read of one record so far: its row, its children by source and key, the assertions naming it. */
    private static final class Pending {
        StoredRow parent;
        final Map<String, Map<String, ChildRecord>> children = new TreeMap<>();
        final java.util.Set<String> assertions = new java.util.TreeSet<>();
        final java.util.Set<String> cannotLinks = new java.util.TreeSet<>();
    }

    /** A column value as Debezium's JsonConverter writes it by default (see the class comment). */
    private static void put(ObjectNode row, String name, String type, ResultSet rs, int i) throws SQLException {
        Object v = rs.getObject(i);
        if (v == null) {
            row.putNull(name);
            return;
        }
        switch (type) {
            case "int2", "int4", "int8", "serial", "bigserial", "oid" -> row.put(name, rs.getLong(i));
            case "float4", "float8" -> row.put(name, rs.getDouble(i));
            case "numeric" -> row.put(name, (BigDecimal) rs.getBigDecimal(i));
            case "bool" -> row.put(name, rs.getBoolean(i));
            case "timestamptz" -> {
                OffsetDateTime t = rs.getObject(i, OffsetDateTime.class).withOffsetSameInstant(ZoneOffset.UTC);
                row.put(name, DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(t));
            }
            case "timestamp" -> {
                Timestamp t = rs.getTimestamp(i, java.util.Calendar.getInstance(java.util.TimeZone.getTimeZone("UTC")));
                row.put(name, ChronoUnit.MICROS.between(java.time.Instant.EPOCH, t.toInstant()));
            }
            case "date" -> row.put(name, rs.getObject(i, LocalDate.class).toEpochDay());
            default -> row.put(name, rs.getString(i));
        }
    }

    private static String quote(String identifier) {
        return "\"" + identifier.replace("\"", "\"\"") + "\"";
    }

    /** Postgres' {@code X/Y} LSN notation as the number Debezium writes in {@code source.lsn}. */
    public static long lsnToLong(String lsn) {
        int slash = lsn.indexOf('/');
        return (Long.parseLong(lsn.substring(0, slash), 16) << 32) | Long.parseLong(lsn.substring(slash + 1), 16);
    }
}
