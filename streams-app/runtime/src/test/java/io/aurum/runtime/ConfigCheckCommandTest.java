package io.aurum.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.aurum.embedded.EmbeddedPostgresServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code aurum config check}: mistakes in the file with file, line and key; what the config captures and produces;
 * and with {@code --connect}, the source databases as Debezium and Aurum will find them (real Postgres).
 */
class ConfigCheckCommandTest {
    static EmbeddedPostgresServer pg;
    static Path example;

    @TempDir
    static Path data;

    @TempDir
    Path tmp;

    static Path repo() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("streams-app/pom.xml"))) {
                return p;
            }
        }
        throw new IllegalStateException("no repository root");
    }

    @BeforeAll
    static void databases() throws Exception {
        example = repo().resolve("docs/examples/fjord");
        pg = new EmbeddedPostgresServer(data.resolve("pg")).start();
        pg.createDatabaseIfMissing("crm");
        pg.createDatabaseIfMissing("shop");
        pg.executeSql("crm", Files.readString(example.resolve("seed/010-crm.sql")));
        pg.executeSql("shop", Files.readString(example.resolve("seed/020-shop.sql")));
    }

    @AfterAll
    static void stop() {
        pg.close();
    }

    record Run(int exit, String out, String err) {}

    static Run aurum(String... args) {
        PrintStream stdout = System.out;
        PrintStream stderr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit;
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            exit = RuntimeCli.execute(new RuntimeCli(), args);
        } finally {
            System.setOut(stdout);
            System.setErr(stderr);
        }
        Run run = new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        stdout.println(run.out() + run.err());
        return run;
    }

    String[] connect(Path config, String... more) {
        List<String> args = new ArrayList<>(List.of(
                "config",
                "check",
                config.toString(),
                "--connect",
                "crm=" + pg.jdbcUrl("crm"),
                "shop=" + pg.jdbcUrl("shop"),
                "--user",
                pg.user(),
                "--password",
                pg.password()));
        args.addAll(List.of(more));
        return args.toArray(String[]::new);
    }

    @Test
    void theFjordExampleIsReadyAndSaysWhatItCapturesAndProduces() {
        Run run = aurum(connect(example.resolve("aurum.yaml")));
        assertThat(run.exit()).as(run.out()).isZero();
        assertThat(run.out())
                .contains("config ok: ")
                .contains("crm: crm.public.contacts")
                .contains("shop: shop.public.customers, shop.public.orders")
                .contains("customers.golden.table  one typed row per customer (subject customers.golden.table-value)")
                .containsPattern("credit_limit\\s+decimal\\(38,2\\) \\(nullable\\)")
                .containsPattern("birthday\\s+date \\(nullable\\)")
                .containsPattern("last_order_at\\s+timestamp-micros \\(nullable\\)")
                .contains("✓ logical replication is on (wal_level=logical)")
                .containsPattern("✓ credit_limit\\s+numeric\\(10,2\\)\\s+-> BigDecimal")
                .containsPattern("✓ balance\\s+money\\s+-> BigDecimal")
                .containsPattern("✓ tier\\s+loyalty_tier \\(enum\\)\\s+-> String")
                .containsPattern("✓ tags\\s+text\\[\\]\\s+-> List<String>")
                .contains("publication aurum_crm does not exist yet; Debezium can create it with this table")
                .contains("All source databases are ready for capture.");
    }

    @Test
    void mismatchesMissingColumnsAndPublicationsAreProblems() throws Exception {
        String yaml = Files.readString(example.resolve("aurum.yaml"))
                .replace(
                        "credit_limit:   {type: decimal, scale: 2, owner: crm}",
                        "credit_limit:   {type: decimal, scale: 1, owner: crm}")
                .replace("vip:            {type: boolean, owner: crm}", "vip:            {type: date, owner: crm}")
                .replace("email: email_address", "email: mail");
        Path config = tmp.resolve("fjord-broken.yaml");
        Files.writeString(config, yaml);
        pg.executeSql("shop", "CREATE PUBLICATION aurum_shop FOR TABLE orders");
        try {
            Run run = aurum(connect(config));
            assertThat(run.exit()).as(run.out()).isEqualTo(1);
            assertThat(run.out())
                    .contains("column mail of public.contacts does not exist")
                    .contains("column credit_limit of crm.contacts (numeric(10,2)) feeds golden field credit_limit but"
                            + " has scale 2, more than the field's 1")
                    .contains(
                            "column vip of crm.contacts (boolean) feeds golden field vip but holds Boolean, not a date")
                    .contains(
                            "public.customers is not in publication aurum_shop (ALTER PUBLICATION aurum_shop ADD TABLE"
                                    + " public.customers)")
                    .contains("✓ in publication aurum_shop");
        } finally {
            pg.executeSql("shop", "DROP PUBLICATION aurum_shop");
        }
    }

    @Test
    void aMistakeInTheFileNamesFileLineAndKey() throws Exception {
        Path config = tmp.resolve("typo.yaml");
        Files.writeString(
                config,
                Files.readString(example.resolve("aurum.yaml"))
                        .replace("    format:", "    formt:")
                        .replace("  shop.orders:\n", "  shop.orders:\n    formt: json\n"));
        Run run = aurum("config", "check", config.toString());
        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err())
                .contains("config error: " + config + ":")
                .contains("sources.shop.orders.formt: unknown key");
    }
}
