package io.aurum.app;

import io.aurum.schemas.GoldenCustomer;
import io.aurum.topology.Topics;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.function.BiConsumer;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Reads customers.golden as a consumer would: read_committed, no consumer group (nothing is committed, so reading
 * never disturbs a deployment), either the compacted current state or a live tail.
 */
public final class GoldenReader implements AutoCloseable {
    private final KafkaConsumer<String, GoldenCustomer> consumer;
    private final List<TopicPartition> partitions;

    public GoldenReader(
            String bootstrapServers, Map<String, String> clientProperties, Deserializer<GoldenCustomer> deserializer) {
        Properties p = new Properties();
        p.putAll(clientProperties);
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000");
        consumer = new KafkaConsumer<>(p, new StringDeserializer(), deserializer);
        partitions = consumer.partitionsFor(Topics.GOLDEN, Duration.ofSeconds(30)).stream()
                .map(info -> new TopicPartition(info.topic(), info.partition()))
                .toList();
        if (partitions.isEmpty()) {
            consumer.close();
            throw new IllegalStateException("topic " + Topics.GOLDEN + " does not exist at " + bootstrapServers);
        }
        consumer.assign(partitions);
    }

    /** Every current golden record (latest value per id, deleted ids left out), sorted by id. */
    public Map<String, GoldenCustomer> snapshot() {
        Map<String, GoldenCustomer> latest = new HashMap<>();
        replay((id, golden) -> {
            if (golden == null) {
                latest.remove(id);
            } else {
                latest.put(id, golden);
            }
        });
        return new TreeMap<>(latest);
    }

    /** Hands every record from the beginning of the topic to its current end (value null for a deletion), in order. */
    public void replay(BiConsumer<String, GoldenCustomer> sink) {
        consumer.seekToBeginning(partitions);
        Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
        while (!caughtUp(end)) {
            for (ConsumerRecord<String, GoldenCustomer> r : consumer.poll(Duration.ofMillis(200))) {
                sink.accept(r.key(), r.value());
            }
        }
    }

    /**
     * Hands every record (value null for a deletion) to {@code sink} as it arrives, from the beginning or from now,
     * until {@code stop} says so.
     */
    public void tail(boolean fromBeginning, BiConsumer<String, GoldenCustomer> sink, BooleanSupplier stop) {
        if (fromBeginning) {
            consumer.seekToBeginning(partitions);
        } else {
            consumer.seekToEnd(partitions);
        }
        while (!stop.getAsBoolean()) {
            for (ConsumerRecord<String, GoldenCustomer> r : consumer.poll(Duration.ofMillis(200))) {
                sink.accept(r.key(), r.value());
            }
        }
    }

    private boolean caughtUp(Map<TopicPartition, Long> end) {
        for (TopicPartition tp : partitions) {
            if (consumer.position(tp) < end.get(tp)) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void close() {
        consumer.close(Duration.ofSeconds(5));
    }
}
