package io.aurum.local;

import static io.aurum.local.EndToEndTest.golden;
import static io.aurum.local.EndToEndTest.readAll;
import static io.aurum.local.EndToEndTest.sql;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.aurum.config.AurumConfig;
import io.aurum.identity.GoldenIds;
import io.aurum.schemas.Conflict;
import io.aurum.schemas.FieldOverride;
import io.aurum.serde.AurumSerdes;
import io.aurum.topology.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Survivorship through the real pipeline (embedded Postgres → Debezium → Kafka → Streams, Avro through the local
 * registry): CRM lineage of a changed phone, a cancelled subscription changing status and MRR, double billing
 * as a conflict on customers.conflicts, and a steward override.
 */
class SurvivorshipEndToEndTest {
    final AurumConfig config = AurumConfig.fromClasspath("config/demo.yaml");

    @TempDir
    Path dataDir;

    static Map<String, Conflict> conflicts(LocalPipeline p) {
        Serde<Conflict> serde = AurumSerdes.valueSerde(Conflict.class, Map.of("schema.registry.url", p.registryUrl()));
        Map<String, Conflict> out = new HashMap<>();
        for (ConsumerRecord<String, byte[]> r : readAll(p, Topics.CONFLICTS)) {
            if (r.value() == null) {
                out.remove(r.key());
            } else {
                out.put(r.key(), serde.deserializer().deserialize(Topics.CONFLICTS, r.value()));
            }
        }
        return out;
    }

    @Test
    void phoneLineageCancelledSubscriptionsDoubleBillingAndAnOverride() throws Exception {
        // Acme: two billing accounts, each with an active subscription. The fuzzy organisation rule that would
        // unite them is the identity stage's business; here both carry an explicit link to the same CRM contact.
        String acme = GoldenIds.of("crm.contacts:1008");
        LocalOptions options = new LocalOptions(dataDir, false, false, null, 0, 0, 0, 0, Duration.ofMinutes(3));
        try (LocalPipeline p = new LocalPipeline(config, options).start()) {
            sql(
                    p,
                    "crm",
                    "INSERT INTO contacts(id, first_name, last_name, email, phone, company, created_at) VALUES "
                            + "(1008, 'John', 'Carter', 'john.carter@acme.com', '(312) 555-0100', 'Acme Corp', '2018-01-01Z')");
            sql(
                    p,
                    "billing",
                    "INSERT INTO customers(id, name, email, phone, country, crm_contact_id, created_at) VALUES "
                            + "(2002, 'Acme Corp', 'finance@acme.com', '312-555-0163', 'US', 1008, '2019-01-01Z'),"
                            + "(2089, 'ACME Corp', 'ops@acme.com', '312.555.0190', 'US', 1008, '2022-01-01Z')",
                    "INSERT INTO subscriptions(id, customer_id, plan, status, mrr_cents, started_at) VALUES "
                            + "(40002, 2002, 'enterprise', 'active', 129900, '2019-02-01Z'),"
                            + "(40082, 2089, 'business', 'active', 39900, '2022-02-01Z')");
            p.awaitIdle();

            JsonNode g = golden(p).get(acme);
            assertThat(g.get("sources").size()).isEqualTo(3);
            assertThat(g.get("subscription_status").asText()).isEqualTo("active");
            assertThat(g.get("mrr_cents").asLong()).isEqualTo(169800);
            assertThat(g.get("active_subscriptions").asLong()).isEqualTo(2);
            Map<String, Conflict> conflicts = conflicts(p);
            Conflict doubleBilling = conflicts.get(acme + "/multiple_active_subscriptions");
            assertThat(doubleBilling).isNotNull();
            assertThat(doubleBilling.getKind()).isEqualTo("anomaly");
            assertThat(doubleBilling.getValues())
                    .containsOnlyKeys("billing.subscriptions:40002", "billing.subscriptions:40082");
            assertThat(doubleBilling
                            .getValues()
                            .get("billing.subscriptions:40082")
                            .getValue())
                    .isEqualTo("billing.customers:2089");
            assertThat(g.get("openConflicts").asInt()).isEqualTo(conflicts.size());

            // A phone changed in the CRM reaches the golden record with CRM lineage.
            sql(p, "crm", "UPDATE contacts SET phone = '+1 312 555 0111' WHERE id = 1008");
            // The second subscription is cancelled: MRR drops and the double billing is gone.
            sql(p, "billing", "UPDATE subscriptions SET status = 'canceled', canceled_at = now() WHERE id = 40082");
            p.awaitIdle();
            g = golden(p).get(acme);
            assertThat(g.get("phone").asText()).isEqualTo("+13125550111");
            JsonNode phone = g.get("lineage").get("phone");
            assertThat(phone.get("raw").asText()).isEqualTo("+1 312 555 0111");
            assertThat(phone.get("rule").asText()).isEqualTo("owner:crm");
            assertThat(phone.get("system").asText()).isEqualTo("crm");
            assertThat(phone.get("source").asText()).isEqualTo("crm.contacts");
            assertThat(phone.get("key").asText()).isEqualTo("1008");
            assertThat(Instant.parse(phone.get("sourceTs").asText())).isAfter(Instant.parse("2024-01-01T00:00:00Z"));
            assertThat(g.get("mrr_cents").asLong()).isEqualTo(129900);
            assertThat(g.get("subscription_status").asText()).isEqualTo("active");
            assertThat(conflicts(p)).doesNotContainKey(acme + "/multiple_active_subscriptions");

            // The last active subscription is cancelled: the status becomes the latest subscription's.
            sql(p, "billing", "UPDATE subscriptions SET status = 'canceled', canceled_at = now() WHERE id = 40002");
            // A steward fixes the name; the override flows in like any source.
            Properties props = new Properties();
            props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, p.broker().bootstrapServers());
            Serde<FieldOverride> serde =
                    AurumSerdes.valueSerde(FieldOverride.class, Map.of("schema.registry.url", p.registryUrl()));
            try (KafkaProducer<String, FieldOverride> producer =
                    new KafkaProducer<>(props, new StringSerializer(), serde.serializer())) {
                producer.send(new ProducerRecord<>(
                                Topics.OVERRIDES,
                                "crm.contacts:1008/name",
                                FieldOverride.newBuilder()
                                        .setSource("crm.contacts")
                                        .setKey("1008")
                                        .setField("name")
                                        .setValue("John A. Carter")
                                        .setWho("steward@acme")
                                        .setWhy("passport")
                                        .setAt(Instant.parse("2025-01-01T00:00:00Z"))
                                        .build()))
                        .get();
            }
            p.awaitIdle();
            g = golden(p).get(acme);
            assertThat(g.get("subscription_status").asText()).isEqualTo("canceled");
            assertThat(g.get("mrr_cents").asLong()).isZero();
            assertThat(g.get("name").asText()).isEqualTo("John A. Carter");
            assertThat(g.get("lineage").get("name").get("rule").asText()).isEqualTo("override");
            assertThat(g.get("lineage").get("name").get("who").asText()).isEqualTo("steward@acme");
        }
    }
}
