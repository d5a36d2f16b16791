package io.aurum.local;

import static io.aurum.infra.Closeables.closeQuietly;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.aurum.app.AurumStreams;
import io.aurum.capture.CaptureService;
import io.aurum.capture.CaptureSettings;
import io.aurum.capture.CaptureSource;
import io.aurum.cli.AurumCli;
import io.aurum.config.AurumConfig;
import io.aurum.embedded.EmbeddedKafkaBroker;
import io.aurum.embedded.EmbeddedPostgresServer;
import io.aurum.embedded.TestPki;
import io.aurum.registry.KafkaSchemaStore;
import io.aurum.registry.LocalSchemaRegistry;
import io.aurum.runtime.RuntimeCli;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.apache.kafka.common.utils.Exit;
import org.apache.kafka.tools.AclCommand;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.util.PSQLException;

/**
 * Issue 12's security item, for real: one in-process KRaft broker with a SASL_SSL listener (SCRAM-SHA-512, the
 * credentials written by the formatter before the first start) and an mTLS listener ({@code ssl.client.auth=required},
 * the certificate's CN is the principal), an SSL controller listener, the StandardAuthorizer with exactly the
 * least-privilege ACLs of docs/operations.md (applied by Kafka's own kafka-acls tool from the doc's lines); Postgres
 * that accepts only TLS connections with a password; the schema registry behind HTTPS and basic auth. Certificates
 * are made at test time. {@code aurum run} (a child JVM, capture included) runs first through SASL_SSL, then,
 * restarted on its state, through mTLS, with every secret from the environment or a file: the demo data's golden
 * records come out exactly as the demo's truth says, and a change made between the two runs arrives. Clients
 * without valid credentials are refused, and capture fails clearly on a Postgres certificate it must not trust.
 */
class SecurityTest {
    static final Duration START = Duration.ofMinutes(2);
    static final Duration IDLE = Duration.ofMinutes(3);
    static final String SCRAM = "org.apache.kafka.common.security.scram.ScramLoginModule required";
    static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @TempDir
    static Path tmp;

    static TestPki pki;
    static TestPki rogue;
    static Map<String, String> secrets = new LinkedHashMap<>();
    static CompletableFuture<EmbeddedPostgresServer> pg;
    static EmbeddedPostgresServer postgres;
    static EmbeddedKafkaBroker broker;
    static KafkaSchemaStore schemaStore;
    static LocalSchemaRegistry registry;
    static Map<String, String> tls;

    @BeforeAll
    static void start() throws Exception {
        long t0 = System.nanoTime();
        pki = TestPki.create(tmp.resolve("pki"), "aurum-test-ca");
        rogue = TestPki.create(tmp.resolve("rogue"), "rogue-ca");
        for (String s : List.of("admin", "aurum", "reader", "postgres", "registry", "broker-key", "aurum-key")) {
            secrets.put(s, secret());
        }
        tls = Map.of(
                "ssl.truststore.type",
                "PEM",
                "ssl.truststore.location",
                pki.caPem().toString());

        // Postgres starts meanwhile (another process: the two starts overlap).
        TestPki.Issued pgCert = pki.issue("postgres", "localhost");
        pg = CompletableFuture.supplyAsync(() -> startPostgres(pgCert));

        // Kafka: SASL_SSL for SCRAM clients, SSL with client certificates, no listener without authentication.
        broker = EmbeddedKafkaBroker.builder(tmp.resolve("kafka"))
                .listener("SASL", SecurityProtocol.SASL_SSL)
                .listener("MTLS", SecurityProtocol.SSL)
                .interBrokerListener("MTLS")
                .controllerProtocol(SecurityProtocol.SSL)
                .scramCredential("SCRAM-SHA-512", "admin", secrets.get("admin"))
                .scramCredential("SCRAM-SHA-512", "aurum", secrets.get("aurum"))
                .scramCredential("SCRAM-SHA-512", "reader", secrets.get("reader"))
                .properties(tls)
                .property("ssl.keystore.type", "PEM")
                .property(
                        "ssl.keystore.location",
                        pki.issue("broker", "localhost")
                                .keystorePem(secrets.get("broker-key"))
                                .toString())
                .property("ssl.key.password", secrets.get("broker-key"))
                .property("ssl.client.auth", "required")
                .property("listener.name.sasl.ssl.client.auth", "none")
                .property("listener.name.sasl.sasl.enabled.mechanisms", "SCRAM-SHA-512")
                .property("listener.name.sasl.scram-sha-512.sasl.jaas.config", SCRAM + ";")
                // CN=aurum is User:aurum, the principal SCRAM's user aurum is too: one set of ACLs for both.
                .property("ssl.principal.mapping.rules", "RULE:^CN=([^,]+)$/$1/,DEFAULT")
                .property("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer")
                .property("super.users", "User:broker;User:admin")
                .clientProperties(sasl("admin", secrets.get("admin")))
                .build()
                .start();
        applyDocumentedAcls();

        // The registry: HTTPS, basic auth; its own store on Kafka as the admin principal.
        schemaStore = new KafkaSchemaStore(broker.bootstrapServers("SASL"), sasl("admin", secrets.get("admin")));
        schemaStore.start();
        registry = new LocalSchemaRegistry(0, schemaStore)
                .tls(pki.issue("registry", "127.0.0.1").serverContext())
                .basicAuth("aurum", secrets.get("registry"))
                .start();
        postgres = pg.join();
        System.out.printf(
                "SecurityTest: CA, certificates, Postgres (TLS, demo data), broker (SASL_SSL, mTLS, ACLs) and"
                        + " registry (HTTPS, basic auth) up in %d ms%n",
                Duration.ofNanos(System.nanoTime() - t0).toMillis());
    }

    /** Postgres with TLS on and the demo data loaded; then TCP connections need TLS and the password (pg_hba). */
    static EmbeddedPostgresServer startPostgres(TestPki.Issued cert) {
        EmbeddedPostgresServer server = new EmbeddedPostgresServer(tmp.resolve("postgres"), 0)
                .withServerConfig("ssl", "on")
                .withServerConfig("ssl_cert_file", cert.certPem().toString())
                .withServerConfig("ssl_key_file", cert.keyPem().toString())
                .start();
        try {
            for (String db : ExternalSystems.databases()) {
                server.createDatabaseIfMissing(db);
                server.executeSql(db, resource("demo/schema/" + db + ".sql"));
                server.executeSql(db, resource("demo/data/" + demoFile(db)));
            }
            server.executeSql("postgres", "ALTER ROLE postgres PASSWORD '" + secrets.get("postgres") + "'");
            Files.writeString(server.dataDir().resolve("pg_hba.conf"), """
                    local all all trust
                    hostssl all all 127.0.0.1/32 scram-sha-256
                    hostssl all all ::1/128 scram-sha-256
                    hostssl replication all 127.0.0.1/32 scram-sha-256
                    hostssl replication all ::1/128 scram-sha-256
                    """);
            try (Connection c = server.connect("postgres");
                    Statement s = c.createStatement()) {
                s.execute("SELECT pg_reload_conf()");
            }
            return server;
        } catch (IOException | SQLException e) {
            server.close();
            throw new IllegalStateException("could not prepare Postgres", e);
        }
    }

    @AfterAll
    static void stop() {
        closeQuietly(registry);
        closeQuietly(schemaStore);
        closeQuietly(broker);
        if (postgres == null && pg != null) {
            // The broker failed to start while Postgres was starting: stop Postgres all the same.
            postgres = pg.exceptionally(e -> null).join();
        }
        closeQuietly(postgres);
    }

    @Test
    void aurumAndItsCaptureRunThroughSaslSslThenMtlsWithTheDocumentedLeastPrivilegeAclsAndSecretsOutsideTheYaml()
            throws Exception {
        Path logs = Files.createDirectories(Path.of("target", "security"));
        for (String log : List.of("aurum-sasl.log", "aurum-mtls.log")) {
            Files.deleteIfExists(logs.resolve(log));
        }
        Path stateDir = tmp.resolve("state");
        int httpPort = LocalProcess.Ports.free().http();
        Path pgPassword = secretFile("pg-password", secrets.get("postgres"));
        Path registryUser = secretFile("registry-user-info", "aurum:" + secrets.get("registry"));
        Path keyPassword = secretFile("kafka-key-password", secrets.get("aurum-key"));
        Path keystore = pki.issue("aurum").keystorePem(secrets.get("aurum-key"));

        // 1. SASL_SSL (SCRAM-SHA-512): the password from the environment, Postgres' and the registry's from files.
        Path saslConfig = config(
                "sasl.yaml",
                """
                kafka:
                  bootstrap_servers: %s
                  properties:
                    security.protocol: SASL_SSL
                    sasl.mechanism: SCRAM-SHA-512
                    sasl.jaas.config: '%s username="aurum" password="${AURUM_KAFKA_PASSWORD}";'
                    ssl.truststore.type: PEM
                    ssl.truststore.location: %s
                """.formatted(broker.bootstrapServers("SASL"), SCRAM, pki.caPem()),
                pgPassword,
                registryUser,
                httpPort);
        long t0 = System.nanoTime();
        Outputs outputs;
        try (RunProcess aurum = RunProcess.start(
                "aurum-sasl",
                saslConfig,
                stateDir,
                httpPort,
                logs.resolve("aurum-sasl.log"),
                Map.of("AURUM_KAFKA_PASSWORD", secrets.get("aurum")))) {
            aurum.awaitHealth(
                    h -> "UP".equals(h.path("status").asText())
                            && ExternalSystems.databases().stream().allMatch(db -> h.path("capture")
                                    .path(db)
                                    .path("snapshotCompleted")
                                    .asBoolean()),
                    START,
                    "the snapshot of every database through TLS");
            awaitIdle();
            outputs = Outputs.read(adminClient(broker.bootstrapServers("SASL")), serdeConfig());
            aurum.stop();
            assertNoSecretIn(aurum.log());
        }
        long phase1 = System.nanoTime() - t0;
        assertClustersAreTheDemoTruth(outputs);
        assertThat(outputs.inconsistencies()).isEmpty();

        // 2. Between the runs a customer signs up; Aurum restarts on its state through mTLS (CN=aurum, the same
        // principal and ACLs), its key's password from a file, and capture resumes from its slot.
        try (Connection c = connect("crm", pki.caPem());
                Statement s = c.createStatement()) {
            s.executeUpdate("INSERT INTO contacts (id, first_name, last_name, email, phone, company) VALUES"
                    + " (990001, 'Tess', 'Secure', 'tess.secure@tls.test', NULL, NULL)");
        }
        Path mtlsConfig = config(
                "mtls.yaml",
                """
                kafka:
                  bootstrap_servers: %s
                  properties:
                    security.protocol: SSL
                    ssl.keystore.type: PEM
                    ssl.keystore.location: %s
                    ssl.key.password: '${file:%s}'
                    ssl.truststore.type: PEM
                    ssl.truststore.location: %s
                """.formatted(broker.bootstrapServers("MTLS"), keystore, keyPassword, pki.caPem()),
                pgPassword,
                registryUser,
                httpPort);
        long t1 = System.nanoTime();
        JsonNode tess;
        try (RunProcess aurum =
                RunProcess.start("aurum-mtls", mtlsConfig, stateDir, httpPort, logs.resolve("aurum-mtls.log"))) {
            aurum.awaitStarted(START);
            JsonNode xref = awaitJson(httpPort, "/xref/crm.contacts/990001", aurum);
            tess = awaitJson(httpPort, "/golden/" + xref.path("goldenId").asText(), aurum);
            assertThat(tess.path("name").asText()).isEqualTo("Tess Secure");
            assertThat(tess.path("lineage").path("name").path("source").asText())
                    .isEqualTo("crm.contacts");
            // Capture streams through TLS: one replication connection per database, every one encrypted.
            try (Connection c = connect("postgres", pki.caPem());
                    Statement s = c.createStatement();
                    ResultSet r = s.executeQuery("SELECT count(*), bool_and(s.ssl) FROM pg_stat_activity a"
                            + " JOIN pg_stat_ssl s USING (pid) WHERE a.backend_type = 'walsender'")) {
                r.next();
                assertThat(r.getInt(1)).isEqualTo(ExternalSystems.databases().size());
                assertThat(r.getBoolean(2)).isTrue();
            }
            aurum.stop();
            assertNoSecretIn(aurum.log());
        }
        long phase2 = System.nanoTime() - t1;

        // 3. A reader of the golden records with the same kind of config: aurum golden --config, as User:reader.
        Path readerConfig = config(
                "reader.yaml",
                """
                kafka:
                  bootstrap_servers: %s
                  properties:
                    security.protocol: SASL_SSL
                    sasl.mechanism: SCRAM-SHA-512
                    sasl.jaas.config: '${file:%s}'
                    ssl.truststore.type: PEM
                    ssl.truststore.location: %s
                """.formatted(
                                broker.bootstrapServers("SASL"),
                                secretFile(
                                        "reader-jaas",
                                        SCRAM + " username=\"reader\" password=\"" + secrets.get("reader") + "\";"),
                                pki.caPem()),
                pgPassword,
                registryUser,
                httpPort);
        Set<String> read = new TreeSet<>();
        for (String line : golden("--config", readerConfig.toString(), "--until-idle")) {
            read.add(Outputs.JSON.readTree(line).path("id").asText());
        }
        Set<String> expected = new TreeSet<>(outputs.golden().keySet());
        expected.add(tess.path("id").asText());
        assertThat(read).isEqualTo(expected);
        System.out.printf(
                "SecurityTest RESULT: through SASL_SSL %d golden records (the demo truth exactly) in %d ms;"
                        + " restarted through mTLS, a new customer's golden record in %d ms; aurum golden --config"
                        + " read %d%n",
                outputs.golden().size(),
                Duration.ofNanos(phase1).toMillis(),
                Duration.ofNanos(phase2).toMillis(),
                read.size());
    }

    @Test
    void kafkaRefusesClientsWithoutValidCredentialsAndAurumsPrincipalOutsideItsAcls() throws Exception {
        String sasl = broker.bootstrapServers("SASL");
        String mtls = broker.bootstrapServers("MTLS");
        assertThat(failure(sasl, sasl("aurum", "not-the-password"))).isInstanceOf(SaslAuthenticationException.class);
        assertThat(failure(sasl, sasl("mallory", secrets.get("aurum"))))
                .isInstanceOf(SaslAuthenticationException.class);
        // TLS without SASL on the SASL_SSL listener: the broker answers nothing but the SASL handshake.
        Map<String, Object> tlsOnly = new HashMap<>(tls);
        tlsOnly.put("security.protocol", "SSL");
        Map<String, Object> tlsOnlyBriefly = new HashMap<>(tlsOnly);
        tlsOnlyBriefly.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 3_000);
        tlsOnlyBriefly.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 3_000);
        assertThat(failure(sasl, tlsOnlyBriefly)).isInstanceOf(TimeoutException.class);
        // mTLS: no certificate, or one that claims CN=aurum but comes from a CA the broker does not trust.
        assertThat(failure(mtls, tlsOnly)).isInstanceOf(SslAuthenticationException.class);
        assertThat(failure(mtls, mtlsClient(rogue.issue("aurum"), "rogue-key-pw")))
                .isInstanceOf(SslAuthenticationException.class);
        // Authenticated as Aurum, but outside the documented ACLs: no topic of its own choosing.
        try (Admin admin = admin(sasl, sasl("aurum", secrets.get("aurum")))) {
            assertThatThrownBy(() -> admin.createTopics(List.of(new NewTopic("not-aurums", 1, (short) 1)))
                            .all()
                            .get())
                    .hasCauseInstanceOf(TopicAuthorizationException.class);
        }
    }

    @Test
    void postgresAcceptsOnlyTlsAndCaptureFailsClearlyOnAServerCertificateItDoesNotTrust() throws Exception {
        // verify-full against the right CA works; without TLS the server refuses, against another CA the client does.
        try (Connection c = connect("crm", pki.caPem());
                Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")) {
            r.next();
            assertThat(r.getBoolean(1)).isTrue();
        }
        Properties plain = new Properties();
        plain.put("user", "postgres");
        plain.put("password", secrets.get("postgres"));
        plain.put("sslmode", "disable");
        assertThatThrownBy(() -> DriverManager.getConnection(postgres.jdbcUrl("crm"), plain)
                        .close())
                .isInstanceOf(PSQLException.class)
                .hasMessageContaining("no encryption");
        assertThatThrownBy(() -> connect("crm", rogue.caPem()).close())
                .isInstanceOf(PSQLException.class)
                .hasRootCauseInstanceOf(java.security.cert.CertPathBuilderException.class);

        // Capture with sslrootcert naming the wrong CA stops with an error that names the database and the cause.
        CaptureSource crm = CaptureSource.of(
                        "crm", "localhost", postgres.port(), "crm", "postgres", secrets.get("postgres"))
                .withSlotName("aurum_wrong_ca")
                .withSsl(Map.of(
                        "sslmode", "verify-full", "sslrootcert", rogue.caPem().toString()));
        Map<String, Object> kafka = new HashMap<>(sasl("admin", secrets.get("admin")));
        try (CaptureService capture = new CaptureService(
                        broker.bootstrapServers("SASL"),
                        List.of(crm),
                        CaptureSettings.builder(tmp.resolve("wrong-ca")).build(),
                        kafka)
                .start()) {
            long deadline = System.nanoTime() + START.toNanos();
            while (capture.failure().isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertThat(capture.failure()).isPresent();
            Throwable failure = capture.failure().get();
            System.out.println("SecurityTest: capture with the wrong CA: " + failure.getMessage());
            assertThat(failure.getMessage())
                    .startsWith("Capture engine for crm failed")
                    .contains("PKIX path building failed")
                    .contains("TLS to localhost:" + postgres.port() + "/crm with sslmode=verify-full, sslrootcert="
                            + rogue.caPem());
        }
        try (Connection c = connect("crm", pki.caPem());
                Statement s = c.createStatement();
                ResultSet r = s.executeQuery(
                        "SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'aurum_wrong_ca'")) {
            r.next();
            assertThat(r.getInt(1)).as("no slot was created").isZero();
        }
    }

    // --- the deployment's config -------------------------------------------------------------------------------

    /** A config file: the given kafka section, registry and capture with secrets from files, the demo pipeline. */
    static Path config(String name, String kafka, Path pgPassword, Path registryUser, int httpPort) throws IOException {
        StringBuilder yaml = new StringBuilder(kafka);
        yaml.append("""
                registry:
                  url: %s
                  properties:
                    basic.auth.user.info: '${file:%s}'
                    schema.registry.ssl.truststore.type: PEM
                    schema.registry.ssl.truststore.location: %s
                streams:
                  application_id: aurum
                  partitions: 1
                  instance_id: aurum-secure
                  commit_interval_ms: 100
                capture:
                  enabled: true
                  databases:
                """.formatted(registry.url(), registryUser, pki.caPem()));
        for (String db : ExternalSystems.databases()) {
            yaml.append("""
                        %s:
                          jdbc_url: jdbc:postgresql://localhost:%d/%s
                          user: postgres
                          password: '${file:%s}'
                          sslmode: verify-full
                          sslrootcert: %s
                    """.formatted(db, postgres.port(), db, pgPassword, pki.caPem()));
        }
        yaml.append("""
                http:
                  port: %d
                  bind_address: 127.0.0.1
                """.formatted(httpPort));
        String demo = resource(AurumConfig.DEMO);
        yaml.append(demo.substring(demo.indexOf("\n# Systems and their priority")));
        Path file = tmp.resolve(name);
        Files.writeString(file, yaml.toString(), StandardCharsets.UTF_8);
        for (Map.Entry<String, String> secret : secrets.entrySet()) {
            assertThat(yaml.toString())
                    .as("the %s secret is not in the YAML", secret.getKey())
                    .doesNotContain(secret.getValue());
        }
        return file;
    }

    static Map<String, String> serdeConfig() {
        return Map.of(
                "schema.registry.url",
                registry.url(),
                "basic.auth.user.info",
                "aurum:" + secrets.get("registry"),
                "schema.registry.ssl.truststore.type",
                "PEM",
                "schema.registry.ssl.truststore.location",
                pki.caPem().toString());
    }

    // --- ACLs: docs/operations.md, applied by kafka-acls --------------------------------------------------------

    /**
     * Runs every {@code $K ...} line of the least-privilege block in docs/operations.md through Kafka's AclCommand
     * (kafka-acls.sh), as the doc shows it, against this broker as the admin: the test grants Aurum exactly what the
     * doc says, no more.
     */
    static void applyDocumentedAcls() throws IOException {
        List<String> lines = Files.readAllLines(repoFile("docs/operations.md"));
        int start = 0;
        while (start < lines.size() && !lines.get(start).startsWith("The least privileges of Aurum's principal")) {
            start++;
        }
        assertThat(start).as("the ACL example in docs/operations.md").isLessThan(lines.size());
        // VAR="kafka-acls.sh <common arguments>" lines, then $VAR <arguments> lines, as a shell would run them.
        Map<String, List<String>> variables = new HashMap<>();
        List<List<String>> commands = new ArrayList<>();
        for (int i = start + lines.subList(start, lines.size()).indexOf("```bash") + 1;
                !lines.get(i).equals("```");
                i++) {
            String line = lines.get(i).replaceAll("(^|\\s+)#.*$", "").trim();
            java.util.regex.Matcher assignment = java.util.regex.Pattern.compile("([A-Z]+)=\"kafka-acls.sh (.*)\"")
                    .matcher(line);
            java.util.regex.Matcher use =
                    java.util.regex.Pattern.compile("\\$([A-Z]+) (.*)").matcher(line);
            if (assignment.matches()) {
                variables.put(assignment.group(1), List.of(assignment.group(2).split("\\s+")));
            } else if (use.matches()) {
                assertThat(variables).as("$%s defined before use", use.group(1)).containsKey(use.group(1));
                List<String> args = new ArrayList<>(variables.get(use.group(1)));
                args.addAll(List.of(use.group(2).trim().split("\\s+")));
                commands.add(args);
            } else {
                assertThat(line)
                        .as("a line of the ACL example that is neither a comment nor a command")
                        .isEmpty();
            }
        }
        assertThat(commands).hasSizeGreaterThan(5);
        Path adminProperties = tmp.resolve("admin.properties");
        Properties admin = new Properties();
        admin.putAll(sasl("admin", secrets.get("admin")));
        try (var out = Files.newOutputStream(adminProperties)) {
            admin.store(out, null);
        }
        Exit.setExitProcedure((code, message) -> {
            throw new AssertionError("kafka-acls exited " + code + ": " + message);
        });
        PrintStream console = System.out;
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(output, true, StandardCharsets.UTF_8));
            for (List<String> command : commands) {
                List<String> args = new ArrayList<>(command);
                args.set(args.indexOf("--bootstrap-server") + 1, broker.bootstrapServers("SASL"));
                args.set(args.indexOf("--command-config") + 1, adminProperties.toString());
                AclCommand.main(args.toArray(String[]::new));
            }
        } finally {
            System.setOut(console);
            Exit.resetExitProcedure();
        }
        System.out.printf("SecurityTest: %d kafka-acls commands of docs/operations.md applied%n", commands.size());
    }

    // --- clients ---------------------------------------------------------------------------------------------------

    static Map<String, Object> sasl(String user, String password) {
        Map<String, Object> m = new HashMap<>(tls);
        m.put("security.protocol", "SASL_SSL");
        m.put("sasl.mechanism", "SCRAM-SHA-512");
        m.put("sasl.jaas.config", SCRAM + " username=\"" + user + "\" password=\"" + password + "\";");
        return m;
    }

    static Map<String, Object> mtlsClient(TestPki.Issued cert, String keyPassword) {
        Map<String, Object> m = new HashMap<>(tls);
        m.put("security.protocol", "SSL");
        m.put("ssl.keystore.type", "PEM");
        m.put("ssl.keystore.location", cert.keystorePem(keyPassword).toString());
        m.put("ssl.key.password", keyPassword);
        return m;
    }

    static Map<String, Object> adminClient(String bootstrap) {
        Map<String, Object> m = new HashMap<>(sasl("admin", secrets.get("admin")));
        m.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        return m;
    }

    static Admin admin(String bootstrap, Map<String, Object> client) {
        Map<String, Object> m = new HashMap<>(client);
        m.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        m.putIfAbsent(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
        m.putIfAbsent(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 15_000);
        return Admin.create(m);
    }

    /** What a client with these settings gets when it asks for the cluster's id. */
    static Throwable failure(String bootstrap, Map<String, Object> client) throws InterruptedException {
        try (Admin admin = admin(bootstrap, client)) {
            admin.describeCluster().clusterId().get();
            throw new AssertionError("the broker answered a client with " + client.get("security.protocol"));
        } catch (ExecutionException e) {
            return e.getCause();
        }
    }

    static void awaitIdle() throws Exception {
        AurumStreams probe = new AurumStreams(
                ExternalSystems.DEMO,
                broker.bootstrapServers("SASL"),
                registry.url(),
                tmp.resolve("probe").toString());
        try (Admin admin = Admin.create(adminClient(broker.bootstrapServers("SASL")))) {
            probe.idleProbe(admin).awaitIdle(IDLE, Duration.ofSeconds(1));
        }
    }

    /** {@code aurum golden ARGS} in this JVM: the JSON lines it prints (exit code 0 asserted). */
    static List<String> golden(String... args) {
        PrintStream console = System.out;
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        int exit;
        try {
            System.setOut(new PrintStream(output, true, StandardCharsets.UTF_8));
            List<String> all = new ArrayList<>(List.of("golden"));
            all.addAll(List.of(args));
            exit = RuntimeCli.execute(new AurumCli(), all.toArray(String[]::new));
        } finally {
            System.setOut(console);
        }
        String text = output.toString(StandardCharsets.UTF_8);
        assertThat(exit).as("aurum golden exit code; output: %s", text).isZero();
        // Log lines go to the console too; the records are the JSON lines.
        return text.lines().filter(l -> l.startsWith("{")).toList();
    }

    static Connection connect(String db, Path rootCert) throws SQLException {
        Properties p = new Properties();
        p.put("user", "postgres");
        p.put("password", secrets.get("postgres"));
        p.put("sslmode", "verify-full");
        p.put("sslrootcert", rootCert.toString());
        return DriverManager.getConnection(postgres.jdbcUrl(db), p);
    }

    static JsonNode awaitJson(int port, String path, RunProcess aurum) throws Exception {
        long deadline = System.nanoTime() + IDLE.toNanos();
        String last = null;
        while (System.nanoTime() < deadline) {
            if (!aurum.alive()) {
                throw new AssertionError("Aurum exited while waiting for " + path + "; log: " + aurum.log());
            }
            try {
                HttpResponse<String> r = HTTP.send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                                .timeout(Duration.ofSeconds(5))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                last = r.statusCode() + " " + r.body();
                if (r.statusCode() == 200) {
                    return Outputs.JSON.readTree(r.body());
                }
            } catch (IOException notYet) {
                last = notYet.toString();
            }
            Thread.sleep(200);
        }
        throw new AssertionError("no answer to " + path + " within " + IDLE + "; last: " + last);
    }

    // --- assertions ----------------------------------------------------------------------------------------------

    /** The demo's truth (demo/truth.csv): every parent record in exactly one golden record, clustered as it says. */
    static void assertClustersAreTheDemoTruth(Outputs outputs) throws IOException {
        Map<String, String> truth = new TreeMap<>();
        String[] rows = resource("demo/truth.csv").split("\n");
        for (int i = 1; i < rows.length; i++) {
            String[] cols = rows[i].trim().split(",");
            truth.put(cols[0] + ":" + cols[1], cols[2]);
        }
        Map<String, Integer> memberships = outputs.membershipCounts();
        assertThat(memberships.keySet()).isEqualTo(truth.keySet());
        assertThat(memberships.values()).allMatch(n -> n == 1);
        // The same partition of records: the clusters' member sets equal the truth's.
        Set<Set<String>> expected = new java.util.HashSet<>();
        Map<String, Set<String>> byCustomer = new TreeMap<>();
        truth.forEach((record, customer) ->
                byCustomer.computeIfAbsent(customer, k -> new TreeSet<>()).add(record));
        expected.addAll(byCustomer.values());
        Set<Set<String>> actual = new java.util.HashSet<>();
        outputs.golden().values().forEach(g -> {
            Set<String> members = new TreeSet<>();
            g.get("sources")
                    .forEach(s -> members.add(
                            s.get("source").asText() + ":" + s.get("key").asText()));
            actual.add(members);
        });
        assertThat(actual).isEqualTo(expected);
    }

    static void assertNoSecretIn(Path log) throws IOException {
        String text = Files.readString(log);
        for (Map.Entry<String, String> secret : secrets.entrySet()) {
            assertThat(text).as("the %s secret in %s", secret.getKey(), log).doesNotContain(secret.getValue());
        }
    }

    // --- files -----------------------------------------------------------------------------------------------------

    static String secret() {
        byte[] b = new byte[12];
        new SecureRandom().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    static Path secretFile(String name, String value) throws IOException {
        Path file = tmp.resolve("secrets").resolve(name);
        Files.createDirectories(file.getParent());
        Files.writeString(file, value + "\n");
        return file;
    }

    static String demoFile(String db) {
        return switch (db) {
            case "crm" -> "010-crm.sql";
            case "billing" -> "020-billing.sql";
            case "support" -> "030-support.sql";
            default -> throw new IllegalArgumentException(db);
        };
    }

    static String resource(String name) throws IOException {
        try (InputStream in = SecurityTest.class.getClassLoader().getResourceAsStream(name)) {
            assertThat(in).as(name).isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    static Path repoFile(String relative) {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.exists(dir.resolve(relative))) {
                return dir.resolve(relative);
            }
        }
        throw new AssertionError(relative + " not found above " + Path.of("").toAbsolutePath());
    }
}
