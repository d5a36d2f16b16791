package io.aurum.app;

import com.fasterxml.jackson.databind.JsonNode;
import io.aurum.errors.DeadLetters;
import io.aurum.schemas.FieldOverride;
import io.aurum.topology.Topics;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What stewards wrote and what failed, kept current for the console and the metrics: the steward input topics
 * (customers.assertions as JSON, customers.overrides) and the dead-letter topic (counts by stage and reason, the
 * latest letters, replays). One consumer thread, read_committed, no consumer group.
 */
public final class StewardLog implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StewardLog.class);
    private static final int RECENT = 200;

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Deserializer<FieldOverride> overrides;
    private final Map<String, JsonNode> assertionById = new ConcurrentSkipListMap<>();
    private final Map<String, FieldOverride> overrideByKey = new ConcurrentSkipListMap<>();
    private final Map<DeadLetters.Kind, Long> letterCounts = new ConcurrentHashMap<>();
    /** The latest dead letter whose input had each key, per input topic: why a steward's write was refused. */
    private final Map<String, DeadLetter> lastLetterByInput = new ConcurrentHashMap<>();

    private final Deque<DeadLetter> recent = new ArrayDeque<>();
    private final Map<String, DeadLetter> replays = new ConcurrentHashMap<>();
    private final Thread thread;
    private volatile boolean stop;

    public StewardLog(String bootstrapServers, Map<String, String> clientProperties, Deserializer<FieldOverride> ov) {
        Properties p = new Properties();
        p.putAll(clientProperties);
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        this.consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        this.overrides = ov;
        this.thread = new Thread(this::run, "aurum-steward-log");
        thread.setDaemon(true);
    }

    public StewardLog start() {
        thread.start();
        return this;
    }

    private void run() {
        try {
            List<TopicPartition> parts = new ArrayList<>();
            for (String topic : List.of(Topics.ASSERTIONS, Topics.OVERRIDES, Topics.DLQ)) {
                var infos = consumer.partitionsFor(topic, Duration.ofSeconds(30));
                while ((infos == null || infos.isEmpty()) && !stop) {
                    // The job creates its topics at start-up.
                    Thread.sleep(500);
                    infos = consumer.partitionsFor(topic, Duration.ofSeconds(30));
                }
                infos.forEach(i -> parts.add(new TopicPartition(topic, i.partition())));
            }
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            while (!stop) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    try {
                        apply(r);
                    } catch (RuntimeException e) {
                        LOG.warn("Could not read {}-{}@{}: {}", r.topic(), r.partition(), r.offset(), e.toString());
                    }
                }
            }
        } catch (WakeupException e) {
            // closing
        } catch (Exception e) {
            LOG.error("The steward log stopped", e);
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    private void apply(ConsumerRecord<byte[], byte[]> r) throws Exception {
        String key = r.key() == null ? null : new String(r.key(), java.nio.charset.StandardCharsets.UTF_8);
        switch (r.topic()) {
            case Topics.ASSERTIONS -> {
                if (key == null) {
                    return;
                }
                if (r.value() == null) {
                    assertionById.remove(key);
                } else {
                    JsonNode node;
                    try {
                        node = GoldenJson.JSON.readTree(r.value());
                    } catch (Exception e) {
                        node = GoldenJson.JSON.createObjectNode().put("invalid", DeadLetter.text(r.value()));
                    }
                    assertionById.put(key, node);
                }
            }
            case Topics.OVERRIDES -> {
                if (key == null) {
                    return;
                }
                if (r.value() == null) {
                    overrideByKey.remove(key);
                } else {
                    overrideByKey.put(key, overrides.deserialize(Topics.OVERRIDES, r.value()));
                }
            }
            default -> {
                DeadLetter d = DeadLetter.of(r);
                if (d.isReplayMarker()) {
                    replays.put(d.replayed(), d);
                    return;
                }
                letterCounts.merge(d.kind(), 1L, Long::sum);
                if (d.key() != null && d.sourceTopic() != null) {
                    lastLetterByInput.put(d.sourceTopic() + "/" + DeadLetter.text(d.key()), d);
                }
                synchronized (recent) {
                    recent.addFirst(d);
                    while (recent.size() > RECENT) {
                        recent.removeLast();
                    }
                }
            }
        }
    }

    /** Current assertions by id (the JSON as written; any type). */
    public Map<String, JsonNode> assertions() {
        return assertionById;
    }

    /** Current overrides by key. */
    public Map<String, FieldOverride> overrides() {
        return overrideByKey;
    }

    /** Dead letters on the topic, by stage and reason. */
    public Map<DeadLetters.Kind, Long> letterCounts() {
        return letterCounts;
    }

    /** The latest letters, newest first. */
    public List<DeadLetter> recentLetters() {
        synchronized (recent) {
            return new ArrayList<>(recent);
        }
    }

    public boolean replayed(DeadLetter d) {
        return replays.containsKey(d.id());
    }

    /** The latest dead letter of an input with this key on this topic (why the pipeline refused it), or null. */
    public DeadLetter letterFor(String topic, String key) {
        return lastLetterByInput.get(topic + "/" + key);
    }

    @Override
    public void close() {
        stop = true;
        consumer.wakeup();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
