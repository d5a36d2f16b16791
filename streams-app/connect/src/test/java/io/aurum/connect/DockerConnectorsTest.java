package io.aurum.connect;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.type.TypeReference;
import io.aurum.app.GoldenJson;
import io.aurum.config.AurumConfig;
import io.aurum.config.AurumConfig.CaptureSettings;
import io.aurum.local.LocalOptions;
import io.aurum.local.LocalPipeline;
import io.aurum.schemas.GoldenCustomer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docker/connect/*.json as they are, in a real Kafka Connect worker: Debezium's Postgres connector captures the demo
 * databases, Aurum runs with its capture off, and customers.golden comes out exactly as with Aurum's embedded engine
 * on the same data. Only the database host and port differ from the files (the compose file's {@code postgres:5432}
 * is local mode's Postgres here); credentials come through {@code ${env:...}} as in the container.
 */
class DockerConnectorsTest {
    @TempDir
    Path tmp;

    static Path repo() {
        return Path.of(System.getProperty("aurum.repo", "../.."))
                .toAbsolutePath()
                .normalize();
    }

    static LocalOptions options(Path dir) {
        return new LocalOptions(dir, false, true, null, 0, 0, 0, 0, Duration.ofMinutes(3));
    }

    static Map<String, String> lines(Map<String, GoldenCustomer> golden) {
        Map<String, String> out = new TreeMap<>();
        golden.forEach((id, g) -> out.put(id, GoldenJson.line(g)));
        return out;
    }

    @Test
    void theShippedConnectorConfigsGiveTheSameGoldenRecordsAsTheEmbeddedEngine() throws Exception {
        AurumConfig demo = AurumConfig.fromClasspath(AurumConfig.DEMO);
        Map<String, String> embedded;
        try (LocalPipeline p = new LocalPipeline(demo, options(tmp.resolve("embedded"))).start()) {
            p.awaitIdle();
            embedded = lines(p.goldenRecords());
        }
        assertThat(embedded).hasSizeGreaterThan(250);

        CaptureSettings c = demo.capture();
        AurumConfig external = new AurumConfig(
                demo.file(),
                demo.kafka(),
                demo.registry(),
                demo.streams(),
                new CaptureSettings(
                        false,
                        c.pollIntervalMs(),
                        c.topicPartitions(),
                        c.heartbeatIntervalMs(),
                        c.heartbeatActionQuery(),
                        c.reconnectMs(),
                        c.databases(),
                        c.debeziumProperties()),
                demo.http(),
                demo.pipeline());
        try (LocalPipeline p = new LocalPipeline(external, options(tmp.resolve("connect"))).start();
                ConnectWorker worker = ConnectWorker.start(p.broker().bootstrapServers(), "docker-connectors")) {
            assertThat(p.runtime().capture()).as("Aurum's own capture is off").isNull();
            System.setProperty("AURUM_PG_USER", p.postgres().user());
            System.setProperty("AURUM_PG_PASSWORD", p.postgres().password());
            for (String db : List.of("crm", "billing", "support")) {
                Map<String, String> config = ConnectWorker.JSON.readValue(
                        Files.readString(repo().resolve("docker/connect/" + db + ".json")),
                        new TypeReference<LinkedHashMap<String, String>>() {});
                assertThat(config.get("database.hostname")).isEqualTo("postgres");
                config.put("database.hostname", p.postgres().host());
                config.put("database.port", Integer.toString(p.postgres().port()));
                worker.putConnector(config.get("name"), config);
            }
            for (String db : List.of("crm", "billing", "support")) {
                worker.awaitRunning("aurum-" + db);
            }
            long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
            Map<String, String> viaConnect = Map.of();
            while (System.nanoTime() < deadline) {
                viaConnect = lines(p.goldenRecords());
                if (viaConnect.equals(embedded)) {
                    break;
                }
                ConnectWorker.sleep(1000);
            }
            assertThat(viaConnect).isEqualTo(embedded);
            assertThat(p.deadLetters()).isEmpty();
        }
    }
}
