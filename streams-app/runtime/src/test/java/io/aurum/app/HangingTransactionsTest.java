package io.aurum.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.aurum.embedded.EmbeddedKafkaBroker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A transaction left open on a partition that its coordinator no longer knows: made here by losing the
 * coordinator's log while the broker is down, which is what a crash can do to the transaction state.
 */
class HangingTransactionsTest {
    @TempDir
    Path dir;

    @Test
    void findsAndAbortsOnlyTransactionsNoCoordinatorWillEnd() throws Exception {
        TopicPartition hung = new TopicPartition("orders", 0);
        EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder(dir.resolve("kafka")).build().start();
        int port = Integer.parseInt(broker.bootstrapServers().split(":")[1]);
        broker.createTopics(List.of(new NewTopic("orders", 1, (short) 1)));
        KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, "killed-app-1",
                ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 600_000), new StringSerializer(), new StringSerializer());
        producer.initTransactions();
        producer.beginTransaction();
        producer.send(new ProducerRecord<>("orders", "k", "v")).get();
        try (Admin admin = admin(broker)) {
            // The coordinator knows this one: it will abort it on timeout, so it is not hanging.
            assertThat(new HangingTransactions(admin, Duration.ofSeconds(30)).find()).isEmpty();
        }
        producer.close(Duration.ZERO);
        broker.close();
        try (Stream<Path> logs = Files.list(dir.resolve("kafka"))) {
            for (Path p : logs.filter(p -> p.getFileName().toString().startsWith("__transaction_state")).toList()) {
                deleteRecursively(p);
            }
        }

        broker = EmbeddedKafkaBroker.builder(dir.resolve("kafka")).brokerPort(port).build().start();
        try (Admin admin = admin(broker)) {
            HangingTransactions hanging = new HangingTransactions(admin, Duration.ofSeconds(30));
            List<HangingTransactions.Open> found = hanging.find();
            assertThat(found).extracting(HangingTransactions.Open::partition).containsExactly(hung);
            assertThat(stableOffset(admin, hung)).as("the open transaction pins the last stable offset").isZero();

            assertThat(hanging.abortAll()).isEqualTo(found);
            assertThat(hanging.find()).isEmpty();
            assertThat(stableOffset(admin, hung)).as("read_committed readers move on").isEqualTo(2);
        } finally {
            broker.close();
        }
    }

    private static long stableOffset(Admin admin, TopicPartition tp) throws Exception {
        return admin.listOffsets(Map.of(tp, OffsetSpec.latest()), new ListOffsetsOptions(IsolationLevel.READ_COMMITTED))
                .partitionResult(tp).get().offset();
    }

    private static Admin admin(EmbeddedKafkaBroker broker) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()));
    }

    private static void deleteRecursively(Path dir) throws Exception {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
