package io.aurum.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.aurum.infra.TopicAdmin;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedKafkaBrokerTest {

    @TempDir
    Path dir;

    @Test
    void transactionalRecordSurvivesRestartOnTheSameDirectory() throws Exception {
        Path logDir = dir.resolve("kafka");
        try (EmbeddedKafkaBroker broker =
                EmbeddedKafkaBroker.builder(logDir).build().start()) {
            broker.createTopics(List.of(new NewTopic("t1", 3, (short) 1)));
            // Creating an existing topic again is a no-op.
            broker.createTopics(List.of(new NewTopic("t1", 3, (short) 1)));

            try (KafkaProducer<String, String> producer = new KafkaProducer<>(
                    Map.of(
                            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                            broker.bootstrapServers(),
                            ProducerConfig.TRANSACTIONAL_ID_CONFIG,
                            "tx-test"),
                    new StringSerializer(),
                    new StringSerializer())) {
                producer.initTransactions();
                producer.beginTransaction();
                producer.send(new ProducerRecord<>("t1", "k", "committed"));
                producer.commitTransaction();
                producer.beginTransaction();
                producer.send(new ProducerRecord<>("t1", "k", "aborted"));
                producer.abortTransaction();
            }
            assertThat(readCommitted(broker.bootstrapServers(), "t1", 1)).containsExactly("committed");
        }

        try (EmbeddedKafkaBroker broker =
                EmbeddedKafkaBroker.builder(logDir).build().start()) {
            try (Admin admin =
                    Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
                assertThat(admin.listTopics().names().get()).contains("t1");
            }
            assertThat(readCommitted(broker.bootstrapServers(), "t1", 1)).containsExactly("committed");
        }
    }

    @Test
    void staticCreateTopicsWorksAgainstAnyAdmin() throws Exception {
        try (EmbeddedKafkaBroker broker = new EmbeddedKafkaBroker(dir.resolve("k2")).start();
                Admin admin =
                        Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
            TopicAdmin.createTopics(
                    admin,
                    List.of(
                            new NewTopic("a", 2, (short) 1),
                            new NewTopic("b", 1, (short) 1).configs(Map.of("cleanup.policy", "compact"))),
                    Duration.ofSeconds(30));
            assertThat(admin.listTopics().names().get()).contains("a", "b");
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(
                    Map.of(
                            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                            broker.bootstrapServers(),
                            ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
                            true),
                    new StringSerializer(),
                    new StringSerializer())) {
                producer.send(new ProducerRecord<>("a", "k", "v")).get();
            }
        }
    }

    @Test
    void logCleanerCompactsTopics() throws Exception {
        // Only the cleaner's idle backoff is shortened here, to keep the test quick; compaction itself runs with
        // the broker's defaults.
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder(dir.resolve("k3"))
                .property("log.cleaner.backoff.ms", "100")
                .build()
                .start()) {
            broker.createTopics(List.of(new NewTopic("compacted", 1, (short) 1)
                    .configs(Map.of(
                            "cleanup.policy",
                            "compact",
                            "segment.ms",
                            "100",
                            "min.cleanable.dirty.ratio",
                            "0.01",
                            "delete.retention.ms",
                            "100"))));
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(
                    Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()),
                    new StringSerializer(),
                    new StringSerializer())) {
                for (int i = 1; i <= 50; i++) {
                    producer.send(new ProducerRecord<>("compacted", "k", "v" + i))
                            .get();
                }
                long deadline = System.currentTimeMillis() + 30_000;
                List<String> values = readCommitted(broker.bootstrapServers(), "compacted", 1);
                while (values.stream().filter(v -> v.startsWith("v")).count() > 1
                        && System.currentTimeMillis() < deadline) {
                    // A segment only rolls (and becomes cleanable) when a record arrives after segment.ms.
                    Thread.sleep(200);
                    producer.send(new ProducerRecord<>("compacted", "other", "x"))
                            .get();
                    values = readCommitted(broker.bootstrapServers(), "compacted", 1);
                }
                assertThat(values.stream().filter(v -> v.startsWith("v")).toList())
                        .containsExactly("v50");
            }
        }
    }

    @Test
    void saslSslAndMtlsListenersWithScramCredentialsWrittenByTheFormatter() throws Exception {
        TestPki pki = TestPki.create(dir.resolve("pki"), "test-ca");
        Path brokerKeystore = pki.issue("broker", "localhost", "127.0.0.1").keystorePem("broker-key-pw");
        Path clientKeystore = pki.issue("app").keystorePem("app-key-pw");
        Map<String, String> tls = Map.of(
                "ssl.truststore.type",
                "PEM",
                "ssl.truststore.location",
                pki.caPem().toString());
        Map<String, Object> admin = sasl(tls, "admin", "admin-pw");
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder(dir.resolve("secure"))
                .listener("SASL", SecurityProtocol.SASL_SSL)
                .listener("MTLS", SecurityProtocol.SSL)
                .interBrokerListener("MTLS")
                .controllerProtocol(SecurityProtocol.SSL)
                .scramCredential("SCRAM-SHA-512", "admin", "admin-pw")
                .scramCredential("SCRAM-SHA-512", "app", "app-pw")
                .properties(tls)
                .property("ssl.keystore.type", "PEM")
                .property("ssl.keystore.location", brokerKeystore.toString())
                .property("ssl.key.password", "broker-key-pw")
                .property("ssl.client.auth", "required")
                .property("listener.name.sasl.ssl.client.auth", "none")
                .property("listener.name.sasl.sasl.enabled.mechanisms", "SCRAM-SHA-512")
                .property(
                        "listener.name.sasl.scram-sha-512.sasl.jaas.config",
                        "org.apache.kafka.common.security.scram.ScramLoginModule required;")
                .property("ssl.principal.mapping.rules", "RULE:^CN=([^,]+)$/$1/,DEFAULT")
                .property("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer")
                .property("super.users", "User:broker;User:admin")
                .clientProperties(admin)
                .build()
                .start()) {
            broker.createTopics(List.of(new NewTopic("secure", 1, (short) 1)));
            Map<String, Object> adminProducer = new HashMap<>(admin);
            adminProducer.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers("SASL"));
            try (KafkaProducer<String, String> producer =
                    new KafkaProducer<>(adminProducer, new StringSerializer(), new StringSerializer())) {
                producer.send(new ProducerRecord<>("secure", "k", "v")).get();
            }

            // The mTLS listener maps CN=app to User:app, which has no ACL: authenticated, not authorized.
            Map<String, Object> app = new HashMap<>(tls);
            app.put("security.protocol", "SSL");
            app.put("ssl.keystore.type", "PEM");
            app.put("ssl.keystore.location", clientKeystore.toString());
            app.put("ssl.key.password", "app-key-pw");
            assertThatThrownBy(() -> send(broker.bootstrapServers("MTLS"), app))
                    .hasCauseInstanceOf(TopicAuthorizationException.class);
            // Without a client certificate the TLS handshake fails; with a wrong SCRAM password, SASL does.
            Map<String, Object> noCert = new HashMap<>(tls);
            noCert.put("security.protocol", "SSL");
            assertThatThrownBy(() -> send(broker.bootstrapServers("MTLS"), noCert))
                    .hasCauseInstanceOf(SslAuthenticationException.class);
            assertThatThrownBy(() -> send(broker.bootstrapServers("SASL"), sasl(tls, "app", "wrong")))
                    .hasCauseInstanceOf(SaslAuthenticationException.class);
        }
    }

    private static Map<String, Object> sasl(Map<String, String> tls, String user, String password) {
        Map<String, Object> m = new HashMap<>(tls);
        m.put("security.protocol", "SASL_SSL");
        m.put("sasl.mechanism", "SCRAM-SHA-512");
        m.put(
                "sasl.jaas.config",
                "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + user + "\" password=\""
                        + password + "\";");
        return m;
    }

    private static void send(String bootstrap, Map<String, Object> client)
            throws ExecutionException, InterruptedException {
        Map<String, Object> p = new HashMap<>(client);
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 30_000);
        try (KafkaProducer<String, String> producer =
                new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
            producer.send(new ProducerRecord<>("secure", "k", "v")).get();
        }
    }

    private static List<String> readCommitted(String bootstrap, String topic, int expected) {
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(
                Map.of(
                        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        bootstrap,
                        ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                        "read_committed"),
                new StringDeserializer(),
                new StringDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            consumer.partitionsFor(topic).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            List<String> values = new ArrayList<>();
            long deadline = System.currentTimeMillis() + 20_000;
            while (System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    values.add(record.value());
                }
                // Reading to the end of every partition proves nothing else (e.g. the aborted record) is visible.
                boolean atEnd = consumer.endOffsets(partitions).entrySet().stream()
                        .allMatch(e -> consumer.position(e.getKey()) >= e.getValue());
                if (values.size() >= expected && atEnd) {
                    break;
                }
            }
            return values;
        }
    }
}
