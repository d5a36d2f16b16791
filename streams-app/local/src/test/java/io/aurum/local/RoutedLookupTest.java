package io.aurum.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.aurum.client.AurumClient;
import io.aurum.embedded.EmbeddedKafkaBroker;
import io.aurum.embedded.EmbeddedPostgresServer;
import io.aurum.registry.KafkaSchemaStore;
import io.aurum.registry.LocalSchemaRegistry;
import io.aurum.schemas.XrefEntry;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Lookups answered by any instance: two {@code aurum run} instances in separate JVMs share the job (4 partitions,
 * so each holds some keys), each told where the other is by Kafka Streams ({@code application.server}). Every
 * {@code /xref} and {@code /golden} lookup of the demo data, asked of either instance, is answered, half of them by
 * forwarding to the instance that holds the key.
 */
class RoutedLookupTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    static String resource(String name) throws IOException {
        try (InputStream in = RoutedLookupTest.class.getClassLoader().getResourceAsStream(name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void everyInstanceAnswersEveryLookup() throws Exception {
        List<Process> instances = new ArrayList<>();
        try (EmbeddedPostgresServer postgres = new EmbeddedPostgresServer(dir.resolve("postgres"), 0).start();
                EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder(dir.resolve("kafka"))
                        .build()
                        .start();
                KafkaSchemaStore schemas = new KafkaSchemaStore(broker.bootstrapServers())) {
            for (String db : List.of("crm", "billing", "support")) {
                postgres.createDatabaseIfMissing(db);
                postgres.executeSql(db, resource("demo/schema/" + db + ".sql"));
            }
            postgres.executeSql("crm", resource("demo/data/010-crm.sql"));
            postgres.executeSql("billing", resource("demo/data/020-billing.sql"));
            postgres.executeSql("support", resource("demo/data/030-support.sql"));
            schemas.start();
            try (LocalSchemaRegistry registry = new LocalSchemaRegistry(0, schemas).start()) {
                int portA = freePort();
                int portB = freePort();
                Path a = config(postgres, broker, registry, "a", portA, true);
                Path b = config(postgres, broker, registry, "b", portB, false);
                instances.add(run(a, "a"));
                instances.add(run(b, "b"));
                HttpClient http = HttpClient.newHttpClient();
                awaitHealthy(http, portA, instances.get(0));
                awaitHealthy(http, portB, instances.get(1));

                try (AurumClient view = AurumClient.builder(broker.bootstrapServers(), registry.url())
                        .build()
                        .start()) {
                    view.awaitCaughtUp(Duration.ofMinutes(2));
                    Map<String, String> xref = new TreeMap<>();
                    long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
                    while (System.nanoTime() < deadline) {
                        xref.clear();
                        view.forEachXref(x -> xref.put(x.getSource() + ":" + x.getKey(), x.getGoldenId()));
                        if (xref.size() == 685 && view.size() == 300) {
                            break;
                        }
                        Thread.sleep(1000);
                    }
                    assertThat(xref).as("the demo's records, all resolved").hasSize(685);
                    Thread.sleep(3000); // let the last memberships settle on both instances

                    Set<String> servedBy = new TreeSet<>();
                    int forwarded = 0;
                    for (int port : List.of(portA, portB)) {
                        for (Map.Entry<String, String> e : xref.entrySet()) {
                            String record = e.getKey();
                            int colon = record.lastIndexOf(':');
                            HttpResponse<String> r = get(
                                    http,
                                    port,
                                    "/xref/" + record.substring(0, colon) + "/"
                                            + URLEncoder.encode(record.substring(colon + 1), StandardCharsets.UTF_8));
                            assertThat(r.statusCode())
                                    .as(record + " asked of " + port + ": " + r.body())
                                    .isEqualTo(200);
                            assertThat(JSON.readTree(r.body()).get("goldenId").asText())
                                    .isEqualTo(e.getValue());
                            String by =
                                    r.headers().firstValue("X-Aurum-Served-By").orElseThrow();
                            servedBy.add(by);
                            if (!by.equals("localhost:" + port)) {
                                forwarded++;
                            }
                        }
                        for (String goldenId : new TreeSet<>(xref.values())) {
                            HttpResponse<String> r = get(http, port, "/golden/" + goldenId);
                            assertThat(r.statusCode())
                                    .as(goldenId + " asked of " + port)
                                    .isEqualTo(200);
                            JsonNode g = JSON.readTree(r.body());
                            assertThat(g.get("id").asText()).isEqualTo(goldenId);
                        }
                    }
                    assertThat(servedBy).containsExactlyInAnyOrder("localhost:" + portA, "localhost:" + portB);
                    assertThat(forwarded)
                            .as("lookups answered by the other instance")
                            .isGreaterThan(100);
                    XrefEntry unknown = view.xref("crm.contacts", "999999").orElse(null);
                    assertThat(unknown).isNull();
                    assertThat(get(http, portB, "/xref/crm.contacts/999999").statusCode())
                            .isEqualTo(404);
                }
            }
        } finally {
            for (Process p : instances) {
                p.destroy();
            }
            for (Process p : instances) {
                if (!p.waitFor(60, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            }
        }
    }

    private static HttpResponse<String> get(HttpClient http, int port, String path) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                        .timeout(Duration.ofSeconds(30))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static void awaitHealthy(HttpClient http, int port, Process process) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        while (System.nanoTime() < deadline) {
            assertThat(process.isAlive())
                    .as("instance on port " + port + " is running")
                    .isTrue();
            try {
                if (get(http, port, "/health").statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(500);
        }
        throw new AssertionError("instance on port " + port + " not healthy within 3 minutes");
    }

    /** The demo config as `aurum run` reads it for one instance: capture on in one of them only. */
    private Path config(
            EmbeddedPostgresServer postgres,
            EmbeddedKafkaBroker broker,
            LocalSchemaRegistry registry,
            String instance,
            int httpPort,
            boolean capture)
            throws IOException {
        String yaml = resource("config/demo.yaml");
        StringBuilder dbs = new StringBuilder("capture:\n  enabled: " + capture + "\n  databases:\n");
        for (String db : List.of("crm", "billing", "support")) {
            dbs.append("    ")
                    .append(db)
                    .append(": {jdbc_url: \"")
                    .append(postgres.jdbcUrl(db))
                    .append("\", user: ")
                    .append(postgres.user())
                    .append(", password: \"")
                    .append(postgres.password())
                    .append("\"}\n");
        }
        yaml = yaml.replace("capture:\n  enabled: true", dbs.toString().stripTrailing())
                .replace("  partitions: 4", "  partitions: 4\n  instance_id: " + instance)
                .replace("http:\n  port: 8080", "http:\n  port: " + httpPort + "\n  advertised_host: localhost");
        yaml = "kafka:\n  bootstrap_servers: " + broker.bootstrapServers() + "\nregistry:\n  url: " + registry.url()
                + "\n" + yaml;
        Path file = dir.resolve("aurum-" + instance + ".yaml");
        Files.writeString(file, yaml);
        return file;
    }

    private Process run(Path config, String instance) throws IOException {
        Path log = Path.of("target", "routed-lookup-" + instance + ".log");
        Files.createDirectories(log.getParent());
        return new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-Xmx768m",
                        "-cp",
                        System.getProperty("java.class.path"),
                        "io.aurum.runtime.RuntimeCli",
                        "run",
                        "--config",
                        config.toString(),
                        "--state-dir",
                        dir.resolve("state-" + instance).toString())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
    }
}
