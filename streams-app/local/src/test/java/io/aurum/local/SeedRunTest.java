package io.aurum.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.aurum.config.AurumConfig;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code --seed DIR --until-idle --dump-golden FILE} contract on the demo data set: every source record lands
 * in exactly one golden record, and no golden record mixes two true customers.
 */
class SeedRunTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void theDemoDataSeededThroughThePipelineGivesCorrectClusters() throws Exception {
        Path seed = Files.createDirectories(tmp.resolve("seed"));
        for (String f : List.of("010-crm.sql", "020-billing.sql", "030-support.sql")) {
            try (InputStream in = getClass().getClassLoader().getResourceAsStream("demo/data/" + f)) {
                Files.copy(in, seed.resolve(f));
            }
        }
        Path dump = tmp.resolve("golden.jsonl");
        AurumConfig config = AurumConfig.fromClasspath("config/demo.yaml");
        LocalOptions options =
                new LocalOptions(tmp.resolve("unused"), false, false, seed, 0, 0, 0, 0, Duration.ofMinutes(5));
        Path dataDir;
        try (LocalPipeline p = new LocalPipeline(config, options).start()) {
            dataDir = p.dataDir();
            p.seed(seed);
            p.dumpGolden(dump);
        }
        assertThat(dataDir).as("a seed run leaves no data behind").doesNotExist();

        Map<String, String> truth = new HashMap<>();
        try (InputStream in = getClass().getClassLoader().getResourceAsStream("demo/truth.csv")) {
            String[] lines = new String(in.readAllBytes()).split("\n");
            for (int i = 1; i < lines.length; i++) {
                String[] cols = lines[i].trim().split(",");
                truth.put(cols[0] + ":" + cols[1], cols[2]);
            }
        }
        Map<String, String> cluster = new HashMap<>();
        Map<String, JsonNode> byId = new HashMap<>();
        List<String> lines = Files.readAllLines(dump);
        for (String line : lines) {
            JsonNode golden = JSON.readTree(line);
            byId.put(golden.get("id").asText(), golden);
            assertThat(golden.has("name")).isTrue();
            for (JsonNode s : golden.get("sources")) {
                String id = s.get("source").asText() + ":" + s.get("key").asText();
                assertThat(cluster.put(id, golden.get("id").asText()))
                        .as("%s is in one golden record", id)
                        .isNull();
            }
        }
        assertThat(cluster.keySet()).isEqualTo(truth.keySet());

        // The demo's truth is reachable with exactly the configured rules: no false merge, no missed pair.
        long truePairs = 0;
        long predictedPairs = 0;
        long correctPairs = 0;
        List<String> ids = new ArrayList<>(truth.keySet());
        for (int i = 0; i < ids.size(); i++) {
            for (int j = i + 1; j < ids.size(); j++) {
                boolean same = truth.get(ids.get(i)).equals(truth.get(ids.get(j)));
                boolean predicted = cluster.get(ids.get(i)).equals(cluster.get(ids.get(j)));
                truePairs += same ? 1 : 0;
                predictedPairs += predicted ? 1 : 0;
                correctPairs += same && predicted ? 1 : 0;
            }
        }
        assertThat(correctPairs).as("precision").isEqualTo(predictedPairs);
        assertThat(correctPairs).as("recall").isEqualTo(truePairs);
        assertThat(lines).hasSize((int) truth.values().stream().distinct().count());
        System.out.printf(
                "demo seed run: %d golden records, pairwise precision 1.0, recall %.3f (%d/%d pairs)%n",
                lines.size(), (double) correctPairs / truePairs, correctPairs, truePairs);

        // The classic cases of docs/demo-data.md.
        assertTogether(
                cluster, "crm.contacts:1083", "billing.customers:2065", "support.users:3028"); // email case/space
        assertTogether(
                cluster, "crm.contacts:1048", "billing.customers:2046", "support.users:3026"); // US phone formats
        assertTogether(cluster, "crm.contacts:1100", "billing.customers:2079"); // GB national format
        assertTogether(cluster, "crm.contacts:1114", "billing.customers:2091", "support.users:3058"); // DE formats
        assertTogether(cluster, "crm.contacts:1126", "billing.customers:2096"); // crm_contact_id only
        assertTogether(cluster, "support.users:3079", "billing.customers:2110"); // phone-only user
        // Acme Corp: finance@ and ops@ billing accounts and three CRM contacts, united by the company_domain rule.
        assertTogether(
                cluster,
                "crm.contacts:1008",
                "crm.contacts:1054",
                "crm.contacts:1108",
                "billing.customers:2002",
                "billing.customers:2089",
                "support.users:3015",
                "support.users:3040",
                "support.users:3050");
        // ...and its double billing shows: two active subscriptions, reported as an open conflict.
        JsonNode acme = byId.get(cluster.get("billing.customers:2002"));
        assertThat(acme.get("active_subscriptions").asLong()).isEqualTo(2);
        assertThat(acme.get("openConflicts").asInt()).isPositive();
    }

    private static void assertTogether(Map<String, String> cluster, String... recordIds) {
        for (String id : recordIds) {
            assertThat(cluster.get(id)).as(id + " with " + recordIds[0]).isEqualTo(cluster.get(recordIds[0]));
        }
    }
}
