package io.aurum.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.aurum.schemas.GoldenCustomer;
import io.aurum.schemas.XrefEntry;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.CreateTopicsResult;
import org.apache.kafka.clients.admin.DescribeTopicsResult;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.internals.KafkaFutureImpl;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

class KafkaSchemaStoreTest {
    static final String TOPIC = "_schemas";
    static final TopicPartition TP = new TopicPartition(TOPIC, 0);
    static final ObjectMapper JSON = new ObjectMapper();
    static final Duration TIMEOUT = Duration.ofSeconds(5);

    static MockProducer<String, String> producer(boolean autoComplete) {
        return new MockProducer<>(autoComplete, null, new StringSerializer(), new StringSerializer());
    }

    /** A consumer whose _schemas partition holds {@code records} from offset 0. */
    static MockConsumer<String, String> consumerWith(List<ProducerRecord<String, String>> records) {
        MockConsumer<String, String> consumer = new MockConsumer<>("earliest");
        consumer.updateBeginningOffsets(Map.of(TP, 0L));
        consumer.updateEndOffsets(Map.of(TP, (long) records.size()));
        // MockConsumer only takes records for assigned partitions, and the store assigns in start().
        consumer.schedulePollTask(() -> {
            for (int i = 0; i < records.size(); i++) {
                consumer.addRecord(new ConsumerRecord<>(
                        TOPIC, 0, i, records.get(i).key(), records.get(i).value()));
            }
        });
        return consumer;
    }

    static KafkaSchemaStore store(MockProducer<String, String> producer, MockConsumer<String, String> consumer) {
        return new KafkaSchemaStore(producer, consumer, null, TOPIC, (short) 1, TIMEOUT);
    }

    @Test
    void writesConfluentShapedRecordsAndARestartServesTheSameIds() {
        MockProducer<String, String> producer = producer(true);
        KafkaSchemaStore first = store(producer, consumerWith(List.of()));
        first.start();
        LocalSchemaRegistry registry = new LocalSchemaRegistry(0, first);
        int golden = registry.register(
                "customers.golden-value", GoldenCustomer.getClassSchema().toString());
        int xref = registry.register(
                "customers.xref-value", XrefEntry.getClassSchema().toString());
        int reused = registry.register("copy-value", XrefEntry.getClassSchema().toString());

        assertThat(reused).isEqualTo(xref);
        List<ProducerRecord<String, String>> written = producer.history();
        assertThat(written).hasSize(3);
        assertThat(written.get(0).topic()).isEqualTo(TOPIC);
        assertThat(written.get(0).partition()).isZero();
        assertThat(written.get(0).key())
                .isEqualTo("{\"keytype\":\"SCHEMA\",\"subject\":\"customers.golden-value\",\"version\":1,\"magic\":1}");
        JsonNode expected = JSON.valueToTree(Map.of(
                "subject",
                "customers.golden-value",
                "version",
                1,
                "id",
                golden,
                "schema",
                GoldenCustomer.getClassSchema().toString(),
                "deleted",
                false));
        assertThat(readTree(written.get(0).value())).isEqualTo(expected);

        KafkaSchemaStore restarted = store(producer(true), consumerWith(written));
        restarted.start();

        assertThat(restarted.subjects())
                .containsExactly("copy-value", "customers.golden-value", "customers.xref-value");
        assertThat(restarted.latest("customers.golden-value").orElseThrow().id())
                .isEqualTo(golden);
        assertThat(restarted.schemaById(xref))
                .contains(XrefEntry.getClassSchema().toString());
        LocalSchemaRegistry again = new LocalSchemaRegistry(0, restarted);
        assertThat(again.register(
                        "customers.xref-value", XrefEntry.getClassSchema().toString()))
                .isEqualTo(xref);
        assertThat(restarted.nextId()).isGreaterThan(Math.max(golden, xref));
    }

    @Test
    void aWriteIsVisibleOnlyAfterKafkaAcknowledgedIt() throws Exception {
        MockProducer<String, String> producer = producer(false);
        KafkaSchemaStore store = store(producer, consumerWith(List.of()));
        store.start();

        CompletableFuture<Void> failing =
                CompletableFuture.runAsync(() -> store.put(new SchemaRecord("s", 1, 1, "\"string\"")));
        awaitSends(producer, 1);
        assertThat(store.versions("s")).as("not applied before the ack").isEmpty();
        producer.errorNext(new org.apache.kafka.common.errors.TimeoutException("broker down"));

        assertThatThrownBy(failing::join)
                .isInstanceOf(CompletionException.class)
                .hasCauseInstanceOf(SchemaStoreException.class)
                .hasMessageContaining("broker down");
        assertThat(store.versions("s")).isEmpty();
        assertThat(store.schemaById(1)).isEmpty();

        CompletableFuture<Void> succeeding =
                CompletableFuture.runAsync(() -> store.put(new SchemaRecord("s", 1, 1, "\"string\"")));
        awaitSends(producer, 2);
        producer.completeNext();
        succeeding.join();
        assertThat(store.versions("s")).extracting(SchemaRecord::id).containsExactly(1);
    }

    @Test
    void loadingSkipsConfluentsOtherRecordTypesAndHonoursTombstonesAndDeletes() {
        List<ProducerRecord<String, String>> topic = new ArrayList<>();
        topic.add(new ProducerRecord<>(TOPIC, "{\"keytype\":\"NOOP\",\"magic\":0}", null));
        topic.add(new ProducerRecord<>(
                TOPIC,
                "{\"keytype\":\"CONFIG\",\"subject\":null,\"magic\":0}",
                "{\"compatibilityLevel\":\"BACKWARD\"}"));
        topic.add(schemaRecord("a", 1, 1, "\"string\"", false));
        topic.add(schemaRecord("a", 2, 2, "\"long\"", false));
        topic.add(schemaRecord("b", 1, 3, "\"int\"", false));
        topic.add(schemaRecord("b", 1, 3, "\"int\"", true));
        topic.add(new ProducerRecord<>(TOPIC, KafkaSchemaStore.key("a", 1), null));
        topic.add(new ProducerRecord<>(TOPIC, "not json", "x"));
        topic.add(
                new ProducerRecord<>(
                        TOPIC,
                        KafkaSchemaStore.key("p", 1),
                        "{\"subject\":\"p\",\"version\":1,\"id\":9,\"schemaType\":\"PROTOBUF\",\"schema\":\"x\",\"deleted\":false}"));

        KafkaSchemaStore store = store(producer(true), consumerWith(topic));
        store.start();

        assertThat(store.subjects()).containsExactly("a");
        assertThat(store.versions("a")).extracting(SchemaRecord::version).containsExactly(2);
        assertThat(store.nextVersion("a")).isEqualTo(3);
        assertThat(store.schemaById(3)).as("deleted versions keep their id").contains("\"int\"");
        assertThat(store.schemaById(9)).isEmpty();
        assertThat(store.nextId()).isEqualTo(4);
    }

    @Test
    void createsAMissingCompactedTopicAndWaitsForItsLeader() {
        FakeAdmin fake = new FakeAdmin(1);
        KafkaSchemaStore store =
                new KafkaSchemaStore(producer(true), consumerWith(List.of()), fake.admin(), TOPIC, (short) 3, TIMEOUT);

        store.start();

        assertThat(fake.created).hasSize(1);
        NewTopic created = fake.created.get(0);
        assertThat(created.name()).isEqualTo(TOPIC);
        assertThat(created.numPartitions()).isEqualTo(1);
        assertThat(created.replicationFactor()).isEqualTo((short) 3);
        assertThat(created.configs()).containsEntry("cleanup.policy", "compact");
        assertThat(fake.describes.get())
                .as("waited through a leaderless describe")
                .isGreaterThanOrEqualTo(3);
    }

    @Test
    void refusesATopicWithMoreThanOnePartition() {
        FakeAdmin fake = new FakeAdmin(3);
        fake.exists = true;
        KafkaSchemaStore store =
                new KafkaSchemaStore(producer(true), consumerWith(List.of()), fake.admin(), TOPIC, (short) 1, TIMEOUT);

        assertThatThrownBy(store::start)
                .isInstanceOf(SchemaStoreException.class)
                .hasMessageContaining("3 partitions");
        assertThat(fake.created).isEmpty();
    }

    @Test
    void putBeforeStartIsAProgrammingError() {
        KafkaSchemaStore store = store(producer(true), consumerWith(List.of()));
        assertThatThrownBy(() -> store.put(new SchemaRecord("s", 1, 1, "\"int\"")))
                .isInstanceOf(IllegalStateException.class);
    }

    static ProducerRecord<String, String> schemaRecord(
            String subject, int version, int id, String schema, boolean deleted) {
        return new ProducerRecord<>(
                TOPIC,
                KafkaSchemaStore.key(subject, version),
                KafkaSchemaStore.value(new SchemaRecord(subject, version, id, schema, deleted)));
    }

    static JsonNode readTree(String json) {
        try {
            return JSON.readTree(json);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static void awaitSends(MockProducer<?, ?> producer, int n) throws InterruptedException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (producer.history().size() < n && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(producer.history()).hasSize(n);
    }

    /**
     * An Admin that knows one topic: missing until created, then leaderless for one describe, as a freshly created
     * KRaft topic is. kafka-clients ships no public mock Admin, hence the proxy.
     */
    static final class FakeAdmin {
        final int partitions;
        final List<NewTopic> created = new ArrayList<>();
        final AtomicInteger describes = new AtomicInteger();
        boolean exists;
        int describesSinceCreation;

        FakeAdmin(int partitions) {
            this.partitions = partitions;
        }

        Admin admin() {
            return (Admin) Proxy.newProxyInstance(
                    Admin.class.getClassLoader(),
                    new Class<?>[] {Admin.class},
                    (proxy, method, args) -> switch (method.getName()) {
                        case "describeTopics" -> describe((Collection<?>) args[0]);
                        case "createTopics" -> create((Collection<?>) args[0]);
                        case "listOffsets" -> listOffsets((Map<?, ?>) args[0]);
                        case "close" -> null;
                        default -> throw new UnsupportedOperationException(method.getName());
                    });
        }

        private DescribeTopicsResult describe(Collection<?> names) {
            describes.incrementAndGet();
            KafkaFutureImpl<TopicDescription> future = new KafkaFutureImpl<>();
            if (!exists) {
                future.completeExceptionally(new UnknownTopicOrPartitionException("no " + names));
            } else {
                Node leader =
                        describesSinceCreation++ == 0 && !created.isEmpty() ? null : new Node(1, "localhost", 9092);
                List<TopicPartitionInfo> infos = new ArrayList<>();
                for (int p = 0; p < partitions; p++) {
                    infos.add(new TopicPartitionInfo(p, leader, List.of(), List.of()));
                }
                future.complete(new TopicDescription(TOPIC, false, infos));
            }
            return new DescribeTopicsResult(null, Map.of(TOPIC, future)) {};
        }

        /** A partition that has a leader answers ListOffsets (the proof, for TopicAdmin, that it serves requests). */
        private ListOffsetsResult listOffsets(Map<?, ?> request) {
            Map<TopicPartition, KafkaFuture<ListOffsetsResult.ListOffsetsResultInfo>> out = new HashMap<>();
            request.keySet()
                    .forEach(tp -> out.put(
                            (TopicPartition) tp,
                            KafkaFuture.completedFuture(
                                    new ListOffsetsResult.ListOffsetsResultInfo(0, -1, Optional.empty()))));
            return new ListOffsetsResult(out);
        }

        private CreateTopicsResult create(Collection<?> topics) {
            topics.forEach(t -> created.add((NewTopic) t));
            exists = true;
            return new CreateTopicsResult(Map.of(TOPIC, KafkaFuture.completedFuture(null))) {};
        }
    }
}
