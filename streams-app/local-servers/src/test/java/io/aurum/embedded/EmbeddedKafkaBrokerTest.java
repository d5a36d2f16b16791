package io.aurum.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import io.aurum.infra.TopicAdmin;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
