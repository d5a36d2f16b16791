package io.aurum.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.aurum.config.AurumConfig;
import io.aurum.errors.DeadLetters;
import io.aurum.identity.GoldenIds;
import io.aurum.schemas.Redirect;
import io.aurum.schemas.XrefEntry;
import io.aurum.serde.AurumSerdes;
import io.aurum.topology.Topics;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real thing: embedded Postgres → Debezium (pgoutput) → in-process Kafka → Kafka Streams (exactly_once_v2) →
 * customers.golden and customers.xref, in Confluent wire format through the local schema registry.
 */
class EndToEndTest {
    static final ObjectMapper JSON = new ObjectMapper();
    final AurumConfig config = AurumConfig.fromClasspath("config/demo.yaml");

    @TempDir
    Path dataDir;

    LocalOptions options(Path seed) {
        return new LocalOptions(dataDir, false, false, seed, 0, 0, 0, 0, Duration.ofMinutes(3));
    }

    static void sql(LocalPipeline p, String db, String... statements) throws SQLException {
        try (Connection c = p.postgres().connect(db);
                Statement s = c.createStatement()) {
            for (String statement : statements) {
                s.execute(statement);
            }
        }
    }

    static Map<String, JsonNode> golden(LocalPipeline p) throws Exception {
        Path file = Files.createTempFile("golden", ".jsonl");
        p.dumpGolden(file);
        Map<String, JsonNode> out = new HashMap<>();
        for (String line : Files.readAllLines(file)) {
            JsonNode node = JSON.readTree(line);
            out.put(node.get("id").asText(), node);
        }
        return out;
    }

    static Map<String, XrefEntry> xref(LocalPipeline p) {
        Map<String, XrefEntry> out = new HashMap<>();
        for (ConsumerRecord<String, byte[]> r : readAll(p, Topics.XREF)) {
            if (r.value() == null) {
                out.remove(r.key());
            } else {
                XrefEntry e = AurumSerdes.valueSerde(XrefEntry.class, Map.of("schema.registry.url", p.registryUrl()))
                        .deserializer()
                        .deserialize(Topics.XREF, r.value());
                out.put(r.key(), e);
            }
        }
        return out;
    }

    static List<ConsumerRecord<String, byte[]>> readAll(LocalPipeline p, String topic) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, p.broker().bootstrapServers());
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> c =
                new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts = c.partitionsFor(topic).stream()
                    .map(i -> new TopicPartition(topic, i.partition()))
                    .toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts);
            while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
                c.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        return out;
    }

    static String header(ConsumerRecord<?, ?> r, String name) {
        return new String(r.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }

    @Test
    void insertsUpdatesDeletesPoisonAndRestartThroughTheRealPipeline() throws Exception {
        String janeId = GoldenIds.of("crm.contacts:1");
        String bobId = GoldenIds.of("billing.customers:20");
        try (LocalPipeline p = new LocalPipeline(config, options(null)).start()) {
            // Snapshot: rows that exist before capture starts are read by Debezium's initial snapshot.
            sql(
                    p,
                    "crm",
                    "INSERT INTO contacts(id, first_name, last_name, email, phone, company, created_at) VALUES "
                            + "(1, 'Jane', 'Doe', 'jane.doe@gmail.com', '+1 (415) 555-0134', NULL, '2020-01-01Z'),"
                            + "(2, 'Bob', 'Stone', 'bob@stone.family', NULL, NULL, '2021-01-01Z')");
            sql(
                    p,
                    "billing",
                    "INSERT INTO customers(id, name, email, phone, country, crm_contact_id, created_at) VALUES "
                            + "(10, 'J. Doe', ' Jane.Doe@Gmail.com ', NULL, 'US', NULL, '2021-06-01Z'),"
                            + "(20, 'Bob Stone', 'accounts@stone.io', NULL, 'US', 2, '2019-01-01Z')",
                    "INSERT INTO subscriptions(id, customer_id, plan, status, mrr_cents) VALUES "
                            + "(100, 10, 'pro', 'active', 4900), (101, 20, 'team', 'active', 9900)");
            sql(
                    p,
                    "support",
                    "INSERT INTO users(id, name, email, phone, created_at) VALUES (7, NULL, NULL, '415.555.0134', '2022-01-01Z')",
                    "INSERT INTO tickets(id, user_id, subject, status) VALUES (500, 7, 'Cannot log in', 'open')");
            p.awaitIdle();

            Map<String, JsonNode> golden = golden(p);
            assertThat(golden).containsOnlyKeys(janeId, bobId);
            JsonNode jane = golden.get(janeId);
            assertThat(jane.get("sources").toString())
                    .isEqualTo(
                            "[{\"source\":\"billing.customers\",\"key\":\"10\"},"
                                    + "{\"source\":\"crm.contacts\",\"key\":\"1\"},{\"source\":\"support.users\",\"key\":\"7\"}]");
            assertThat(jane.get("name").asText()).isEqualTo("Jane Doe");
            assertThat(jane.get("lineage").get("name").get("rule").asText()).isEqualTo("owner:crm");
            assertThat(jane.get("mrr_cents").asLong()).isEqualTo(4900);
            assertThat(jane.get("open_tickets").asLong()).isEqualTo(1);
            // Linked only by billing.customers.crm_contact_id; the older billing record anchors the cluster.
            assertThat(golden.get(bobId).get("name").asText()).isEqualTo("Bob Stone");
            Map<String, XrefEntry> xref = xref(p);
            assertThat(xref)
                    .containsOnlyKeys(
                            "crm.contacts:1",
                            "crm.contacts:2",
                            "billing.customers:10",
                            "billing.customers:20",
                            "support.users:7");
            assertThat(xref.get("support.users:7").getGoldenId()).isEqualTo(janeId);
            assertThat(xref.get("support.users:7").getReason()).isEqualTo("phone=***134");

            // The HTTP API answers lookups from the state stores.
            HttpClient http = HttpClient.newHttpClient();
            int port = p.runtime().httpPort();
            HttpResponse<String> health = http.send(
                    HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/health"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(health.statusCode()).isEqualTo(200);
            HttpResponse<String> lookup = http.send(
                    HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/xref/billing.customers/10"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(JSON.readTree(lookup.body()).get("goldenId").asText()).isEqualTo(janeId);
            HttpResponse<String> one = http.send(
                    HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/golden/" + janeId))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(JSON.readTree(one.body()).get("name").asText()).isEqualTo("Jane Doe");
            HttpResponse<String> metrics = http.send(
                    HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/metrics"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(metrics.body()).contains("aurum_golden_customers").contains("kafka_stream");

            // Streaming: updates and deletes in all three databases.
            sql(p, "crm", "UPDATE contacts SET first_name = 'Janet', phone = '+1 415 555 0199' WHERE id = 1");
            sql(
                    p,
                    "billing",
                    "UPDATE subscriptions SET status = 'canceled', canceled_at = now() WHERE id = 100",
                    "DELETE FROM subscriptions WHERE id = 101",
                    "DELETE FROM customers WHERE id = 20");
            sql(p, "support", "UPDATE tickets SET status = 'solved' WHERE id = 500");
            // A poison event on a CDC topic: not JSON at all.
            Properties pp = new Properties();
            pp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, p.broker().bootstrapServers());
            try (KafkaProducer<byte[], byte[]> producer =
                    new KafkaProducer<>(pp, new ByteArraySerializer(), new ByteArraySerializer())) {
                producer.send(new ProducerRecord<>(
                                "crm.public.contacts",
                                "{\"id\":99}".getBytes(StandardCharsets.UTF_8),
                                "garbage".getBytes(StandardCharsets.UTF_8)))
                        .get();
            }
            sql(
                    p,
                    "crm",
                    "INSERT INTO contacts(id, first_name, last_name, email, created_at) VALUES "
                            + "(3, 'Carla', 'Diaz', 'carla@gmail.com', '2023-01-01Z')");
            p.awaitIdle();

            golden = golden(p);
            String carlaId = GoldenIds.of("crm.contacts:3");
            // Bob's billing record is gone: the CRM contact is alone and anchors itself.
            String bobCrmId = GoldenIds.of("crm.contacts:2");
            // The CRM phone changed, so the phone-only support user no longer matches anyone: it stands alone.
            String supportId = GoldenIds.of("support.users:7");
            assertThat(golden).containsOnlyKeys(janeId, bobCrmId, carlaId, supportId);
            jane = golden.get(janeId);
            assertThat(jane.get("name").asText()).isEqualTo("Janet Doe");
            assertThat(jane.get("sources").size()).isEqualTo(2);
            assertThat(golden.get(supportId).get("open_tickets").asLong()).isZero();
            assertThat(jane.get("mrr_cents").asLong()).isZero();
            xref = xref(p);
            assertThat(xref).doesNotContainKey("billing.customers:20");
            assertThat(xref.get("support.users:7").getGoldenId()).isEqualTo(GoldenIds.of("support.users:7"));

            List<ConsumerRecord<String, byte[]>> dead = readAll(p, Topics.DLQ);
            assertThat(dead).hasSize(1);
            assertThat(new String(dead.get(0).value(), StandardCharsets.UTF_8)).isEqualTo("garbage");
            assertThat(header(dead.get(0), DeadLetters.HEADER_TOPIC)).isEqualTo("crm.public.contacts");
            assertThat(header(dead.get(0), DeadLetters.HEADER_STAGE)).isEqualTo("map");
            assertThat(header(dead.get(0), DeadLetters.HEADER_EXCEPTION))
                    .isEqualTo("io.aurum.canonical.MappingException");
        }

        // Restart on the same data directory: capture resumes from its offsets instead of re-snapshotting.
        try (LocalPipeline p = new LocalPipeline(config, options(null)).start()) {
            sql(
                    p,
                    "billing",
                    "INSERT INTO customers(id, name, email, country, created_at) VALUES "
                            + "(30, 'Carla Diaz', 'CARLA@gmail.com', 'ES', '2024-01-01Z')");
            p.awaitIdle();
            p.runtime().capture().stats().values().forEach(s -> assertThat(s.snapshotEvents())
                    .isZero());
            Map<String, JsonNode> golden = golden(p);
            JsonNode carla = golden.get(GoldenIds.of("crm.contacts:3"));
            assertThat(carla.get("sources").size()).isEqualTo(2);
            assertThat(carla.get("country").asText()).isEqualTo("ES");
            assertThat(golden).hasSize(4);
        }
    }

    @Test
    void bridgesMergeAndSplitRestoringIdsAndHubsStopLinking() throws Exception {
        String alId = GoldenIds.of("crm.contacts:1");
        String rayId = GoldenIds.of("support.users:2");
        try (LocalPipeline p = new LocalPipeline(config, options(null)).start()) {
            sql(
                    p,
                    "crm",
                    "INSERT INTO contacts(id, first_name, last_name, email, created_at) VALUES "
                            + "(1, 'Al', 'Ray', 'al@gmail.com', '2020-01-01Z')");
            sql(
                    p,
                    "support",
                    "INSERT INTO users(id, name, email, created_at) VALUES (2, 'Al Ray', 'al.ray@yahoo.com', '2021-01-01Z')");
            p.awaitIdle();
            assertThat(golden(p)).containsOnlyKeys(alId, rayId);

            // A billing record with the support user's address and a link to the CRM contact bridges the two.
            sql(
                    p,
                    "billing",
                    "INSERT INTO customers(id, name, email, country, crm_contact_id, created_at) VALUES "
                            + "(3, 'Al Ray', 'al.ray@yahoo.com', 'US', 1, '2022-01-01Z')");
            p.awaitIdle();
            Map<String, JsonNode> merged = golden(p);
            assertThat(merged).containsOnlyKeys(alId);
            assertThat(merged.get(alId).get("sources").size()).isEqualTo(3);
            Map<String, Redirect> redirects = redirects(p);
            assertThat(redirects.get(rayId).getGoldenId()).isEqualTo(alId);

            // The bridge leaves: both original ids come back, and the redirect is withdrawn.
            sql(p, "billing", "DELETE FROM customers WHERE id = 3");
            p.awaitIdle();
            assertThat(golden(p)).containsOnlyKeys(alId, rayId);
            assertThat(redirects(p)).doesNotContainKey(rayId);

            // A hub: 30 support users share one address (the limit is 25). It links nobody and is reported.
            StringBuilder hub = new StringBuilder("INSERT INTO users(id, name, email, created_at) VALUES ");
            for (int i = 100; i < 130; i++) {
                hub.append(i > 100 ? "," : "")
                        .append("(")
                        .append(i)
                        .append(", 'U")
                        .append(i)
                        .append("', 'front.desk@hotel-lux.com', '2022-01-01Z')");
            }
            sql(p, "support", hub.toString());
            p.awaitIdle();
            assertThat(golden(p)).hasSize(32);
            List<ConsumerRecord<String, byte[]>> quality = readAll(p, Topics.QUALITY);
            assertThat(quality).extracting(ConsumerRecord::key).contains("email=front.desk@hotel-lux.com");

            // Deleting the anchor hands its id over: Al's cluster continues under the next anchor's id.
            sql(
                    p,
                    "support",
                    "INSERT INTO users(id, name, email, created_at) VALUES (5, 'Al R.', 'al@gmail.com', '2023-01-01Z')");
            p.awaitIdle();
            assertThat(golden(p).get(alId).get("sources").size()).isEqualTo(2);
            sql(p, "crm", "DELETE FROM contacts WHERE id = 1");
            p.awaitIdle();
            String heirId = GoldenIds.of("support.users:5");
            assertThat(golden(p)).containsKey(heirId).doesNotContainKey(alId);
            assertThat(redirects(p).get(alId).getGoldenId()).isEqualTo(heirId);
        }
    }

    static Map<String, io.aurum.schemas.GoldenCustomer> goldenRecords(
            LocalPipeline p, org.apache.kafka.common.serialization.Serde<io.aurum.schemas.GoldenCustomer> serde) {
        Map<String, io.aurum.schemas.GoldenCustomer> out = new HashMap<>();
        for (ConsumerRecord<String, byte[]> r : readAll(p, Topics.GOLDEN)) {
            if (r.value() == null) {
                out.remove(r.key());
            } else {
                out.put(r.key(), serde.deserializer().deserialize(Topics.GOLDEN, r.value()));
            }
        }
        return out;
    }

    static Map<String, Redirect> redirects(LocalPipeline p) {
        Map<String, Redirect> out = new HashMap<>();
        for (ConsumerRecord<String, byte[]> r : readAll(p, Topics.REDIRECTS)) {
            if (r.value() == null) {
                out.remove(r.key());
            } else {
                out.put(
                        r.key(),
                        AurumSerdes.valueSerde(Redirect.class, Map.of("schema.registry.url", p.registryUrl()))
                                .deserializer()
                                .deserialize(Topics.REDIRECTS, r.value()));
            }
        }
        return out;
    }
}
