package io.aurum.connect;

import static org.assertj.core.api.Assertions.assertThat;

import io.aurum.config.AurumConfig;
import io.aurum.config.YamlDocument;
import io.aurum.local.LocalOptions;
import io.aurum.local.LocalPipeline;
import io.aurum.schemas.GoldenCustomer;
import io.aurum.values.AvroValues;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Aurum between two Kafka Connect connectors in one real worker. In: Debezium's Postgres connector writes Fjord
 * Outdoor's tables (every column type) with Aurum's Avro converter and the connector settings furthest from the
 * defaults (decimal.handling.mode=string, time.precision.mode=connect); Aurum reads them with format: avro and its
 * capture off. Out: Debezium's JDBC sink connector writes customers.golden.table into a Postgres table with one
 * column per golden field, and the table follows updates, merges (the merged-away row is deleted by its tombstone)
 * and deletes.
 */
class ConnectInAndOutTest {
    @TempDir
    Path tmp;

    static Path repo() {
        return Path.of(System.getProperty("aurum.repo", "../.."))
                .toAbsolutePath()
                .normalize();
    }

    @Test
    void avroFromDebeziumOnConnectIntoAurumAndTypedRowsOutThroughTheJdbcSink() throws Exception {
        Path example = repo().resolve("docs/examples/fjord");
        String yaml = Files.readString(example.resolve("aurum.yaml"))
                        // Debezium on Connect writes these topics, in Avro; decimals arrive as text under
                        // decimal.handling.mode=string, so their columns are declared.
                        .replace(
                                "  crm.contacts:\n    system: crm\n",
                                "  crm.contacts:\n    format: avro\n    column_types: {credit_limit: decimal}\n    system: crm\n")
                        .replace(
                                "  shop.customers:\n    system: shop\n",
                                "  shop.customers:\n    format: avro\n    column_types: {balance: decimal}\n    system: shop\n")
                        .replace(
                                "  shop.orders:\n",
                                "  shop.orders:\n    format: avro\n    column_types: {total: decimal}\n")
                + "\ncapture: {enabled: false}\n";
        AurumConfig config = AurumConfig.from(YamlDocument.parse("fjord-on-connect.yaml", yaml, Map.of()));
        Path seed = example.resolve("seed");
        LocalOptions options = new LocalOptions(tmp, false, false, seed, 0, 0, 0, 0, Duration.ofMinutes(3));
        try (LocalPipeline p = new LocalPipeline(config, options).start();
                ConnectWorker worker = ConnectWorker.start(p.broker().bootstrapServers(), "connect-in-out")) {
            p.postgres().executeSql("crm", Files.readString(seed.resolve("010-crm.sql")));
            p.postgres().executeSql("shop", Files.readString(seed.resolve("020-shop.sql")));
            for (String db : List.of("crm", "shop")) {
                Map<String, String> c = new LinkedHashMap<>();
                c.put("connector.class", "io.debezium.connector.postgresql.PostgresConnector");
                c.put("plugin.name", "pgoutput");
                c.put("database.hostname", p.postgres().host());
                c.put("database.port", Integer.toString(p.postgres().port()));
                c.put("database.user", p.postgres().user());
                c.put("database.password", p.postgres().password());
                c.put("database.dbname", db);
                c.put("topic.prefix", db);
                c.put("slot.name", "connect_" + db);
                c.put("publication.name", "connect_" + db);
                c.put("publication.autocreate.mode", "all_tables");
                c.put("decimal.handling.mode", "string");
                c.put("time.precision.mode", "connect");
                c.put("tombstones.on.delete", "true");
                c.put("topic.creation.default.replication.factor", "1");
                c.put("topic.creation.default.partitions", "1");
                c.put("key.converter", AvroConverter.class.getName());
                c.put("key.converter.schema.registry.url", p.registryUrl());
                c.put("value.converter", AvroConverter.class.getName());
                c.put("value.converter.schema.registry.url", p.registryUrl());
                worker.putConnector("fjord-" + db, c);
                worker.awaitRunning("fjord-" + db);
            }
            Map<String, GoldenCustomer> golden = awaitGolden(p, g -> g.size() == 3);
            GoldenCustomer ingrid = byMember(golden, "crm.contacts:999");
            assertThat(value(ingrid, "credit_limit")).isEqualTo(new BigDecimal("3000.00"));
            assertThat(value(ingrid, "balance")).isEqualTo(new BigDecimal("12.34"));
            assertThat(value(ingrid, "birthday")).isEqualTo(LocalDate.of(1988, 4, 30));
            assertThat(value(ingrid, "vip")).isEqualTo(true);
            assertThat(value(ingrid, "customer_since")).isEqualTo(Instant.parse("2018-11-20T10:00:00Z"));
            assertThat(value(ingrid, "last_login")).isEqualTo(Instant.parse("2024-02-29T18:45:10.500Z"));
            assertThat(value(ingrid, "call_time")).isEqualTo(LocalTime.of(7, 30));
            assertThat(value(ingrid, "external_ref")).isEqualTo("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
            assertThat(value(ingrid, "tier")).isEqualTo("gold");
            assertThat(value(ingrid, "tags")).isEqualTo(List.of("climbing", "ski"));
            assertThat((byte[]) value(ingrid, "avatar")).containsExactly(1, 2, 3);
            assertThat(value(ingrid, "orders")).isEqualTo(2L);
            assertThat(value(ingrid, "lifetime_value")).isEqualTo(new BigDecimal("1648.50"));
            assertThat(value(ingrid, "last_order_at")).isEqualTo(Instant.parse("2024-03-01T09:00:00Z"));

            // Out: customers.golden.table into the warehouse, one column per golden field.
            p.postgres().createDatabaseIfMissing("warehouse");
            // docker/sinks/golden-table-jdbc.json as shipped, pointed at this warehouse and registry.
            Map<String, String> sink = ConnectWorker.JSON.readValue(
                    Files.readString(repo().resolve("docker/sinks/golden-table-jdbc.json")),
                    new com.fasterxml.jackson.core.type.TypeReference<LinkedHashMap<String, String>>() {});
            System.setProperty("AURUM_WAREHOUSE_USER", p.postgres().user());
            System.setProperty("AURUM_WAREHOUSE_PASSWORD", p.postgres().password());
            sink.put("connection.url", p.postgres().jdbcUrl("warehouse"));
            sink.put("value.converter.schema.registry.url", p.registryUrl());
            worker.putConnector("aurum-golden-table", sink);
            worker.awaitRunning("aurum-golden-table");

            Map<String, Map<String, Object>> rows = awaitRows(worker, p, r -> r.size() == 3);
            assertThat(rows.keySet()).isEqualTo(golden.keySet());
            Map<String, Object> row = rows.get(ingrid.getId());
            assertThat((BigDecimal) row.get("credit_limit")).isEqualByComparingTo("3000.00");
            assertThat((BigDecimal) row.get("balance")).isEqualByComparingTo("12.34");
            assertThat(row.get("birthday").toString()).isEqualTo("1988-04-30");
            assertThat(row.get("vip")).isEqualTo(true);
            assertThat(row.get("name")).isEqualTo("Ingrid Berg");
            assertThat(row.get("orders")).isEqualTo(2L);
            assertThat((BigDecimal) row.get("lifetime_value")).isEqualByComparingTo("1648.50");
            System.out.println("golden_customers columns: " + columns(p));
            assertThat(columns(p))
                    .containsEntry("golden_id", "text")
                    .containsEntry("credit_limit", "numeric")
                    .containsEntry("birthday", "date")
                    .containsEntry("vip", "boolean")
                    .containsEntry("orders", "bigint")
                    .containsEntry("aurum_members", "ARRAY");

            // An update: the row follows.
            p.postgres().executeSql("crm", "UPDATE contacts SET credit_limit = 3500.25 WHERE contact_id = 999");
            awaitRows(
                    worker,
                    p,
                    r -> r.containsKey(ingrid.getId())
                            && new BigDecimal("3500.25").compareTo((BigDecimal)
                                            r.get(ingrid.getId()).get("credit_limit"))
                                    == 0);

            // A merge: Kari's shop account is linked to Ola's contact; her golden id goes, and so does her row.
            String kari = byMember(golden, "shop.customers:5003").getId();
            String ola = byMember(golden, "crm.contacts:1000").getId();
            p.postgres().executeSql("shop", "UPDATE customers SET crm_contact_id = 1000 WHERE customer_no = 5003");
            rows = awaitRows(
                    worker,
                    p,
                    r -> r.size() == 2
                            && !r.containsKey(kari)
                            && r.containsKey(ola)
                            && r.get(ola).get("aurum_members").toString().contains("shop.customers:5003"));
            assertThat(rows.get(ola).get("name")).isEqualTo("Ola Nordmann");

            // A delete of every record of a customer: the row is deleted.
            p.postgres()
                    .executeSql(
                            "shop",
                            "DELETE FROM orders WHERE customer_no = 5001; DELETE FROM customers WHERE customer_no = 5001");
            p.postgres().executeSql("crm", "DELETE FROM contacts WHERE contact_id = 999");
            rows = awaitRows(worker, p, r -> r.size() == 1);
            assertThat(rows).containsOnlyKeys(ola);
            assertThat(p.deadLetters()).isEmpty();
        }
    }

    static Object value(GoldenCustomer g, String field) {
        return AvroValues.fromAvro(g.getFields().get(field).getValue());
    }

    static GoldenCustomer byMember(Map<String, GoldenCustomer> golden, String recordId) {
        return golden.values().stream()
                .filter(g -> g.getSources().stream().anyMatch(s -> (s.getSource() + ":" + s.getKey()).equals(recordId)))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no golden record holds " + recordId + ": " + golden.keySet()));
    }

    static Map<String, GoldenCustomer> awaitGolden(LocalPipeline p, Predicate<Map<String, GoldenCustomer>> done) {
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (true) {
            Map<String, GoldenCustomer> g = p.goldenRecords();
            if (done.test(g)) {
                return g;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError(
                        "golden records never got there: " + g.keySet() + "; dead letters " + p.deadLetters());
            }
            ConnectWorker.sleep(500);
        }
    }

    /** The sink's table, golden id → column → value. */
    static Map<String, Map<String, Object>> awaitRows(
            ConnectWorker worker, LocalPipeline p, Predicate<Map<String, Map<String, Object>>> done) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (true) {
            worker.assertNotFailed("aurum-golden-table");
            Map<String, Map<String, Object>> rows = new TreeMap<>();
            try (Connection c = p.postgres().connect("warehouse");
                    Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT * FROM golden_customers")) {
                int n = rs.getMetaData().getColumnCount();
                while (rs.next()) {
                    Map<String, Object> row = new LinkedHashMap<>();
                    for (int i = 1; i <= n; i++) {
                        row.put(rs.getMetaData().getColumnName(i), rs.getObject(i));
                    }
                    rows.put(rs.getString("golden_id"), row);
                }
            } catch (SQLException tableNotThereYet) {
                // the sink creates the table with its first record
            }
            if (done.test(rows)) {
                return rows;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the sink's table never got there: " + rows);
            }
            ConnectWorker.sleep(300);
        }
    }

    static Map<String, String> columns(LocalPipeline p) throws SQLException {
        Map<String, String> out = new LinkedHashMap<>();
        try (Connection c = p.postgres().connect("warehouse");
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT column_name, data_type FROM information_schema.columns"
                        + " WHERE table_name = 'golden_customers' ORDER BY ordinal_position")) {
            while (rs.next()) {
                out.put(rs.getString(1), rs.getString(2));
            }
        }
        return out;
    }
}
