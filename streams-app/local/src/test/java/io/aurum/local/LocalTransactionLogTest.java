package io.aurum.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.aurum.app.HangingTransactions;
import io.aurum.embedded.EmbeddedKafkaBroker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.ProducerState;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Local mode's two tools for transactions a crash left open: how the coordinator's own log says each transaction
 * ended, and writing the commit marker that the Admin API cannot.
 */
class LocalTransactionLogTest {
    static final TopicPartition T = new TopicPartition("t", 0);

    @TempDir
    Path dir;

    @Test
    void theCoordinatorsLogTellsHowEachTransactionEndedAndACommitMarkerCanBeWritten() throws Exception {
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder(dir.resolve("kafka"))
                        .build()
                        .start();
                Admin admin =
                        Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
            broker.createTopics(List.of(new NewTopic("t", 1, (short) 1)));
            KafkaProducer<String, String> p = producer(broker, "app-1");
            p.initTransactions();
            p.beginTransaction();
            p.send(new ProducerRecord<>("t", "k", "committed")).get();
            ProducerState first = producerOn(admin);
            p.commitTransaction();
            p.beginTransaction();
            p.send(new ProducerRecord<>("t", "k", "aborted")).get();
            ProducerState second = producerOn(admin);
            p.abortTransaction();
            p.beginTransaction();
            p.send(new ProducerRecord<>("t", "k", "left open")).get();
            ProducerState third = producerOn(admin);
            p.close(Duration.ZERO); // a crash: the third transaction stays open, its coordinator still has it

            LocalTransactionLog log = LocalTransactionLog.read(broker.logDir());
            assertThat(log.committed(first.producerId(), first.producerEpoch())).contains(true);
            assertThat(log.committed(second.producerId(), second.producerEpoch()))
                    .contains(false);
            assertThat(log.committed(third.producerId(), third.producerEpoch())).isEqualTo(Optional.empty());

            // Had the coordinator committed it and lost the marker, this is the marker local mode writes.
            long stable = stableOffset(admin);
            HangingTransactions.Open open = new HangingTransactions.Open(
                    T,
                    third.producerId(),
                    third.producerEpoch(),
                    third.coordinatorEpoch().orElse(0),
                    third.currentTransactionStartOffset().getAsLong(),
                    HangingTransactions.Verdict.COMMITTED,
                    "test");
            TransactionMarkers.commit("localhost", broker.port(), open);
            assertThat(stableOffset(admin))
                    .as("the open transaction no longer pins the stable offset")
                    .isGreaterThan(stable);
            assertThat(producerOn(admin)).isNull();
        }
    }

    private static KafkaProducer<String, String> producer(EmbeddedKafkaBroker broker, String id) {
        return new KafkaProducer<>(
                Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        broker.bootstrapServers(),
                        ProducerConfig.TRANSACTIONAL_ID_CONFIG,
                        id,
                        ProducerConfig.TRANSACTION_TIMEOUT_CONFIG,
                        600_000),
                new StringSerializer(),
                new StringSerializer());
    }

    /** The producer with an open transaction on t-0, or null. */
    private static ProducerState producerOn(Admin admin) throws Exception {
        return admin.describeProducers(List.of(T)).partitionResult(T).get().activeProducers().stream()
                .filter(s -> s.currentTransactionStartOffset().isPresent())
                .findFirst()
                .orElse(null);
    }

    private static long stableOffset(Admin admin) throws Exception {
        return admin.listOffsets(Map.of(T, OffsetSpec.latest()), new ListOffsetsOptions(IsolationLevel.READ_COMMITTED))
                .partitionResult(T)
                .get()
                .offset();
    }
}
