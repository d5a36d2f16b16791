package io.aurum.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.aurum.app.HangingTransactions.Verdict;
import io.aurum.embedded.EmbeddedKafkaBroker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Transactions left open on a partition: which the coordinator will end, which it aborted but never marked here
 * (safe to finish), and which are nobody's (reported, never ended by hand: that could undo a commit).
 */
class HangingTransactionsTest {
    static final TopicPartition ORDERS = new TopicPartition("orders", 0);

    @TempDir
    Path dir;

    static TransactionDescription view(TransactionState state, int epoch, Set<TopicPartition> partitions) {
        return new TransactionDescription(1, state, 1002, epoch, 10_000, OptionalLong.empty(), partitions);
    }

    @Test
    void onlyATransactionItsCoordinatorAbortedIsFinishedByHand() {
        assertThat(HangingTransactions.verdict(ORDERS, 5, List.of(view(TransactionState.ONGOING, 5, Set.of(ORDERS)))))
                .isEqualTo(Verdict.TRACKED);
        // Transactions v2: preparing the end bumps the epoch; the coordinator still ends it.
        assertThat(HangingTransactions.verdict(
                        ORDERS, 5, List.of(view(TransactionState.PREPARE_COMMIT, 6, Set.of(ORDERS)))))
                .isEqualTo(Verdict.TRACKED);
        assertThat(HangingTransactions.verdict(ORDERS, 5, List.of(view(TransactionState.COMPLETE_ABORT, 6, Set.of()))))
                .isEqualTo(Verdict.ABORTED);
        assertThat(HangingTransactions.verdict(ORDERS, 5, List.of(view(TransactionState.COMPLETE_ABORT, 5, Set.of()))))
                .isEqualTo(Verdict.ABORTED);
        // Committed, a later transaction, or forgotten: ending it by hand could undo a commit.
        assertThat(HangingTransactions.verdict(ORDERS, 5, List.of(view(TransactionState.COMPLETE_COMMIT, 6, Set.of()))))
                .isEqualTo(Verdict.UNRESOLVED);
        assertThat(HangingTransactions.verdict(ORDERS, 5, List.of(view(TransactionState.COMPLETE_ABORT, 9, Set.of()))))
                .isEqualTo(Verdict.UNRESOLVED);
        assertThat(HangingTransactions.verdict(ORDERS, 5, List.of(view(TransactionState.EMPTY, 6, Set.of()))))
                .isEqualTo(Verdict.UNRESOLVED);
        assertThat(HangingTransactions.verdict(ORDERS, 5, List.of())).isEqualTo(Verdict.UNRESOLVED);
    }

    @Test
    void aTransactionItsCoordinatorForgotIsReportedAndLeftAlone() throws Exception {
        EmbeddedKafkaBroker broker =
                EmbeddedKafkaBroker.builder(dir.resolve("kafka")).build().start();
        int port = Integer.parseInt(broker.bootstrapServers().split(":")[1]);
        broker.createTopics(List.of(new NewTopic("orders", 1, (short) 1)));
        KafkaProducer<String, String> producer = new KafkaProducer<>(
                Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        broker.bootstrapServers(),
                        ProducerConfig.TRANSACTIONAL_ID_CONFIG,
                        "killed-app-1",
                        ProducerConfig.TRANSACTION_TIMEOUT_CONFIG,
                        600_000),
                new StringSerializer(),
                new StringSerializer());
        producer.initTransactions();
        producer.beginTransaction();
        producer.send(new ProducerRecord<>("orders", "k", "v")).get();
        try (Admin admin = admin(broker)) {
            // The coordinator knows this one: it will abort it on timeout.
            assertThat(new HangingTransactions(admin, Duration.ofSeconds(30)).find())
                    .isEmpty();
        }
        producer.close(Duration.ZERO);
        broker.close();
        // The coordinator loses its log: the transaction is open on the partition and nobody's.
        try (Stream<Path> logs = Files.list(dir.resolve("kafka"))) {
            for (Path p : logs.filter(p -> p.getFileName().toString().startsWith("__transaction_state"))
                    .toList()) {
                deleteRecursively(p);
            }
        }
        broker = EmbeddedKafkaBroker.builder(dir.resolve("kafka"))
                .brokerPort(port)
                .build()
                .start();
        try (Admin admin = admin(broker)) {
            HangingTransactions hanging = new HangingTransactions(admin, Duration.ofSeconds(30));
            List<HangingTransactions.Open> found = hanging.find();
            assertThat(found).extracting(HangingTransactions.Open::partition).containsExactly(ORDERS);
            assertThat(found.get(0).verdict()).isEqualTo(Verdict.UNRESOLVED);
            assertThat(found.get(0).coordinator()).contains("knows no transaction");
            assertThat(hanging.abortAborted(HangingTransactions.Outcomes.NONE)).isEmpty();
            assertThat(stableOffset(admin, ORDERS))
                    .as("left for an operator: the transaction still pins it")
                    .isZero();
        } finally {
            broker.close();
        }
    }

    private static long stableOffset(Admin admin, TopicPartition tp) throws Exception {
        return admin.listOffsets(Map.of(tp, OffsetSpec.latest()), new ListOffsetsOptions(IsolationLevel.READ_COMMITTED))
                .partitionResult(tp)
                .get()
                .offset();
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
