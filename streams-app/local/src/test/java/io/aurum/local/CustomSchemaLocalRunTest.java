package io.aurum.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * A business that is not the demo, run as a new user would: {@code aurum local --config FILE --seed DIR
 * --until-idle --dump-golden FILE} with docs/examples/fjord (its own crm database with its own contacts table,
 * every column type, its seed files creating the tables). Local mode creates nothing but the empty databases, the
 * golden records carry typed values, and a seed run that writes dead letters exits 1 with their reasons.
 */
class CustomSchemaLocalRunTest {
    /** Decimals read exactly, so 3000.00 stays 3000.00. */
    static final ObjectMapper JSON = com.fasterxml.jackson.databind.json.JsonMapper.builder()
            .enable(com.fasterxml.jackson.databind.DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .disable(com.fasterxml.jackson.databind.cfg.JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES)
            .build();

    @TempDir
    Path tmp;

    static Path repo() {
        Path dir = Path.of("").toAbsolutePath();
        for (Path p = dir; p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("streams-app/pom.xml"))) {
                return p;
            }
        }
        throw new IllegalStateException("repository root not found above " + dir);
    }

    record Run(int exit, String out) {}

    static Run local(String... args) {
        PrintStream stdout = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        int exit;
        try (PrintStream both = new PrintStream(new TeeStream(stdout, captured), true, StandardCharsets.UTF_8)) {
            System.setOut(both);
            exit = new CommandLine(new LocalCommand()).execute(args);
        } finally {
            System.setOut(stdout);
        }
        return new Run(exit, captured.toString(StandardCharsets.UTF_8));
    }

    @Test
    void fjordOutdoorFromItsOwnConfigAndSeedFiles() throws Exception {
        Path example = repo().resolve("docs/examples/fjord");
        Path dump = tmp.resolve("golden.jsonl");
        Run run = local(
                "--config",
                example.resolve("aurum.yaml").toString(),
                "--seed",
                example.resolve("seed").toString(),
                "--until-idle",
                "--dump-golden",
                dump.toString());
        assertThat(run.exit()).as(run.out()).isZero();
        assertThat(run.out()).contains("dead letters: 0").doesNotContain("Seed run failed");

        Map<String, JsonNode> byMember = new TreeMap<>();
        List<String> lines = Files.readAllLines(dump);
        for (String line : lines) {
            JsonNode g = JSON.readTree(line);
            for (JsonNode s : g.get("sources")) {
                byMember.put(s.get("source").asText() + ":" + s.get("key").asText(), g);
            }
        }
        assertThat(lines).hasSize(3); // Ingrid (crm 999 + shop 5001 by e-mail), Ola (by link), Kari
        JsonNode ingrid = byMember.get("crm.contacts:999");
        assertThat(byMember.get("shop.customers:5001")).isEqualTo(ingrid);
        assertThat(byMember.get("shop.customers:5002")).isEqualTo(byMember.get("crm.contacts:1000"));

        assertThat(ingrid.get("name").asText()).isEqualTo("Ingrid Berg");
        assertThat(ingrid.get("credit_limit").isBigDecimal()).isTrue();
        assertThat(ingrid.get("credit_limit").decimalValue()).isEqualByComparingTo("3000.00");
        assertThat(ingrid.get("credit_limit").decimalValue()).isEqualTo(new java.math.BigDecimal("3000.00"));
        assertThat(ingrid.get("balance").decimalValue()).isEqualByComparingTo("12.34");
        assertThat(ingrid.get("birthday").asText()).isEqualTo("1988-04-30");
        assertThat(ingrid.get("vip").asBoolean()).isTrue();
        // min of crm's timestamptz and shop's timestamp (read as UTC): the shop account is older.
        assertThat(ingrid.get("customer_since").asText()).isEqualTo("2018-11-20T10:00:00Z");
        assertThat(ingrid.get("last_login").asText()).isEqualTo("2024-02-29T18:45:10.500Z");
        assertThat(ingrid.get("call_time").asText()).isEqualTo("07:30");
        assertThat(ingrid.get("external_ref").asText()).isEqualTo("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
        assertThat(JSON.readTree(ingrid.get("preferences").asText()))
                .isEqualTo(JSON.readTree("{\"newsletter\": true, \"sizes\": [\"M\", \"L\"]}"));
        assertThat(ingrid.get("tier").asText()).isEqualTo("gold");
        assertThat(ingrid.get("tags").toString()).isEqualTo("[\"climbing\",\"ski\"]");
        assertThat(ingrid.get("avatar").asText()).isEqualTo("AQID");
        assertThat(ingrid.get("orders").asLong()).isEqualTo(2);
        assertThat(ingrid.get("lifetime_value").decimalValue()).isEqualByComparingTo("1648.50");
        assertThat(ingrid.get("last_order_at").asText()).isEqualTo("2024-03-01T09:00:00Z");
        assertThat(ingrid.get("lineage").get("credit_limit").get("rule").asText())
                .isEqualTo("owner:crm");
    }

    @Test
    void aSeedRunWithDeadLettersExitsOneAndSaysWhy() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("broken"));
        Path config = dir.resolve("aurum.yaml");
        Files.writeString(config, """
                systems: {crm: {priority: 1}}
                sources:
                  crm.contacts:
                    system: crm
                    key: [contact_id]
                    attributes: {name: full_name, email: email_address}
                golden:
                  fields:
                    name: {owner: crm}
                """);
        Path seed = Files.createDirectories(dir.resolve("seed"));
        // The user's own crm.contacts, without the full_name column the config names.
        Files.writeString(seed.resolve("010-crm.sql"), """
                CREATE TABLE contacts (contact_id bigint PRIMARY KEY, name text, email_address text);
                INSERT INTO contacts VALUES (1, 'Ada', 'ada@example.com');
                """);
        Run run = local("--config", config.toString(), "--seed", seed.toString());
        assertThat(run.exit()).as(run.out()).isEqualTo(1);
        assertThat(run.out())
                .contains("Seed run failed: 1 dead letter(s) on aurum.dlq")
                .contains("no golden record was produced")
                .containsPattern(
                        "crm\\.public\\.contacts@\\d+: column 'full_name' is not in the change event of crm.contacts");
    }

    /** Writes to two streams: the console (for the test log) and the capture. */
    static final class TeeStream extends java.io.OutputStream {
        private final List<java.io.OutputStream> outs = new ArrayList<>();

        TeeStream(java.io.OutputStream... outs) {
            this.outs.addAll(List.of(outs));
        }

        @Override
        public void write(int b) throws java.io.IOException {
            for (java.io.OutputStream o : outs) {
                o.write(b);
            }
        }

        @Override
        public void write(byte[] b, int off, int len) throws java.io.IOException {
            for (java.io.OutputStream o : outs) {
                o.write(b, off, len);
            }
        }
    }
}
