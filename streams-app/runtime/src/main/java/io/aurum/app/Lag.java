package io.aurum.app;

import com.fasterxml.jackson.databind.JsonNode;
import io.aurum.topology.Topic;
import io.aurum.topology.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The Streams job's lag on every topic it consumes, partition by partition, and its freshness: how old, by source
 * commit time, the oldest change is that has not reached customers.golden yet.
 *
 * <p>The topics come from {@link Topics} (CDC inputs, steward inputs, the resolver's topics) and from the topology's
 * naming of its internal topics ({@code <application id>-...-repartition} and the foreign-key join's subscription
 * topics), found on the cluster and in the group's committed offsets. Under exactly-once a committed input offset
 * means its output is committed too, so everything before the committed offset is reflected downstream.
 */
public final class Lag {
    /** What a consumed topic is, for people. */
    public enum Kind {
        CDC,
        STEWARD,
        REPARTITION,
        JOIN,
        RESOLVER
    }

    /**
     * One partition: the group's committed offset (-1: none yet), the last stable offset, and, when work waits, the
     * source commit time of its oldest waiting record (for CDC topics Debezium's {@code source.ts_ms}; for the
     * others the record's timestamp, which Streams carries over from the change that caused it) and where it is.
     */
    public record Row(Kind kind, TopicPartition partition, long committed, long end, long oldestTs) {
        public long lag() {
            return Math.max(0, end - Math.max(committed, 0));
        }
    }

    private final Admin admin;
    private final String applicationId;
    private final Topics topics;
    private final String bootstrapServers;
    private final Map<String, String> clientProperties;

    public Lag(
            Admin admin,
            String applicationId,
            Topics topics,
            String bootstrapServers,
            Map<String, String> clientProperties) {
        this.admin = admin;
        this.applicationId = applicationId;
        this.topics = topics;
        this.bootstrapServers = bootstrapServers;
        this.clientProperties = clientProperties;
    }

    public Kind kindOf(String topic) {
        for (Topic<?, ?> t : topics.all()) {
            if (t.name().equals(topic)) {
                return switch (t.spec().kind()) {
                    case CDC_INPUT -> Kind.CDC;
                    case STEWARD_INPUT -> Kind.STEWARD;
                    case RESOLVER -> Kind.RESOLVER;
                    default -> null;
                };
            }
        }
        if (!topic.startsWith(applicationId + "-")) {
            return null;
        }
        if (topic.endsWith("-repartition")) {
            return Kind.REPARTITION;
        }
        if (topic.endsWith("-subscription-registration-topic") || topic.endsWith("-subscription-response-topic")) {
            return Kind.JOIN;
        }
        return null;
    }

    /** Every partition the job consumes, with its lag; the age of the oldest waiting record where there is one. */
    public List<Row> read() throws ExecutionException, InterruptedException {
        Map<TopicPartition, Long> committed = new HashMap<>();
        admin.listConsumerGroupOffsets(applicationId)
                .partitionsToOffsetAndMetadata()
                .get()
                .forEach((tp, o) -> committed.put(tp, o == null ? -1 : o.offset()));
        Set<String> names = new HashSet<>();
        Set<String> existing = admin.listTopics().names().get();
        for (String t : existing) {
            if (kindOf(t) != null) {
                names.add(t);
            }
        }
        committed.keySet().forEach(tp -> names.add(tp.topic()));
        names.retainAll(existing);
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        admin.describeTopics(names).allTopicNames().get().forEach((name, d) -> d.partitions()
                .forEach(p -> request.put(new TopicPartition(name, p.partition()), OffsetSpec.latest())));
        Map<TopicPartition, Long> end = new HashMap<>();
        admin.listOffsets(request, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED))
                .all()
                .get()
                .forEach((tp, info) -> end.put(tp, info.offset()));
        Map<TopicPartition, Long> start = new HashMap<>();
        Map<TopicPartition, OffsetSpec> earliest = new HashMap<>();
        end.keySet().forEach(tp -> earliest.put(tp, OffsetSpec.earliest()));
        admin.listOffsets(earliest).all().get().forEach((tp, info) -> start.put(tp, info.offset()));

        List<Row> rows = new ArrayList<>();
        Map<TopicPartition, Long> waiting = new HashMap<>();
        for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
            TopicPartition tp = e.getKey();
            long c = committed.getOrDefault(tp, -1L);
            long from = c < 0 ? start.getOrDefault(tp, 0L) : c;
            if (from < e.getValue()) {
                waiting.put(tp, from);
            }
        }
        Map<TopicPartition, Long> oldest = oldestWaiting(waiting);
        for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
            TopicPartition tp = e.getKey();
            Kind kind = kindOf(tp.topic());
            rows.add(new Row(
                    kind == null ? Kind.REPARTITION : kind,
                    tp,
                    committed.getOrDefault(tp, -1L),
                    e.getValue(),
                    oldest.getOrDefault(tp, -1L)));
        }
        rows.sort(Comparator.comparing((Row r) -> r.kind())
                .thenComparing(r -> r.partition().topic())
                .thenComparingInt(r -> r.partition().partition()));
        return rows;
    }

    /** The commit time of the first record at or after each position (read_committed), where there is one. */
    private Map<TopicPartition, Long> oldestWaiting(Map<TopicPartition, Long> positions) {
        Map<TopicPartition, Long> out = new HashMap<>();
        if (positions.isEmpty()) {
            return out;
        }
        Properties p = new Properties();
        p.putAll(clientProperties);
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "500");
        try (KafkaConsumer<byte[], byte[]> c =
                new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            c.assign(positions.keySet());
            positions.forEach(c::seek);
            long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
            while (out.size() < positions.size() && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    TopicPartition tp = new TopicPartition(r.topic(), r.partition());
                    if (!out.containsKey(tp) && r.value() != null) {
                        out.put(tp, kindOf(r.topic()) == Kind.CDC ? commitTime(r) : r.timestamp());
                        c.pause(List.of(tp));
                    }
                }
            }
        }
        return out;
    }

    /** Debezium's source commit time ({@code source.ts_ms}), or the record's timestamp when it has none. */
    static long commitTime(ConsumerRecord<byte[], byte[]> r) {
        try {
            JsonNode v = GoldenJson.JSON.readTree(r.value());
            JsonNode payload = v.has("payload") && v.has("schema") ? v.get("payload") : v;
            JsonNode ts = payload.path("source").path("ts_ms");
            return ts.isNumber() ? ts.asLong() : r.timestamp();
        } catch (Exception e) {
            return r.timestamp();
        }
    }
}
