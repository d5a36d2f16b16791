package io.aurum.registry;

import static io.aurum.infra.Closeables.closeQuietly;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aurum.infra.TopicAdmin;
import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the registry in a compacted Kafka topic laid out like Confluent's {@code _schemas}: key
 * {@code {"keytype":"SCHEMA","subject":s,"version":v,"magic":1}}, value
 * {@code {"subject":s,"version":v,"id":n,"schema":"...","deleted":false}}, one partition. Records of other key types
 * that Confluent writes there (CONFIG, NOOP, DELETE_SUBJECT, ...) are skipped, so an existing Confluent topic loads.
 *
 * <p>{@link #start} reads the topic to its end and rebuilds the state, so a restarted registry hands out the same
 * ids. A {@link #put} is produced synchronously (acks=all, idempotent) and applied to the state only once Kafka has
 * acknowledged it: a client never gets an id that could vanish in a restart.
 *
 * <p><b>Single writer.</b> The store reads the topic only at start and allocates ids from its own state, so two
 * registries writing the same topic at once would hand out the same id for different schemas. Run one registry per
 * topic (Confluent solves this with leader election, which a local registry does not need).
 */
public final class KafkaSchemaStore extends IndexedSchemaStore {
    /** Confluent's names for the same settings, accepted in the extra properties and removed before the clients. */
    public static final String TOPIC_CONFIG = "kafkastore.topic";

    public static final String REPLICATION_FACTOR_CONFIG = "kafkastore.topic.replication.factor";
    public static final String TIMEOUT_MS_CONFIG = "kafkastore.timeout.ms";
    public static final String DEFAULT_TOPIC = "_schemas";

    private static final Logger LOG = LoggerFactory.getLogger(KafkaSchemaStore.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration POLL = Duration.ofMillis(200);

    private final Producer<String, String> producer;
    private final Consumer<String, String> consumer;
    private final Admin admin;
    private final String topic;
    private final short replicationFactor;
    private final Duration timeout;
    private volatile boolean started;

    public KafkaSchemaStore(String bootstrapServers) {
        this(bootstrapServers, Map.of());
    }

    /**
     * @param extra client properties for the producer, consumer and admin client (security settings, say), plus
     *     optionally {@value #TOPIC_CONFIG}, {@value #REPLICATION_FACTOR_CONFIG} (default 1) and
     *     {@value #TIMEOUT_MS_CONFIG} (default 30000)
     */
    public KafkaSchemaStore(String bootstrapServers, Map<String, ?> extra) {
        this(clients(bootstrapServers, extra), extra);
    }

    private KafkaSchemaStore(Map<String, Object> common, Map<String, ?> extra) {
        this(
                new KafkaProducer<>(producerProps(common), new StringSerializer(), new StringSerializer()),
                new KafkaConsumer<>(consumerProps(common), new StringDeserializer(), new StringDeserializer()),
                Admin.create(common),
                setting(extra, TOPIC_CONFIG, DEFAULT_TOPIC),
                Short.parseShort(setting(extra, REPLICATION_FACTOR_CONFIG, "1")),
                Duration.ofMillis(Long.parseLong(setting(extra, TIMEOUT_MS_CONFIG, "30000"))));
    }

    private static String setting(Map<String, ?> extra, String key, String dflt) {
        Object v = extra.get(key);
        return v == null ? dflt : v.toString().trim();
    }

    /**
     * For tests and embedders that own their clients. The store closes them on {@link #close}.
     *
     * @param admin used to create the topic and wait for its leader; null when the topic is known to exist
     */
    public KafkaSchemaStore(
            Producer<String, String> producer,
            Consumer<String, String> consumer,
            Admin admin,
            String topic,
            short replicationFactor,
            Duration timeout) {
        this.producer = producer;
        this.consumer = consumer;
        this.admin = admin;
        this.topic = topic;
        this.replicationFactor = replicationFactor;
        this.timeout = timeout;
    }

    public String topic() {
        return topic;
    }

    @Override
    public synchronized void start() {
        if (started) {
            return;
        }
        if (admin != null) {
            ensureTopic();
        }
        readToEnd();
        started = true;
    }

    /**
     * Creates the topic if it is missing (compacted, one partition) and waits for its leader: an idempotent
     * producer's first send right after createTopics can hit NOT_LEADER_OR_FOLLOWER before the controller has elected
     * one. An existing topic must have exactly one partition.
     */
    private void ensureTopic() {
        NewTopic spec = new NewTopic(topic, 1, replicationFactor)
                .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
        try {
            if (TopicAdmin.createTopics(admin, List.of(spec), timeout).contains(topic)) {
                LOG.info(
                        "Created schema topic {} (compacted, 1 partition, replication factor {})",
                        topic,
                        replicationFactor);
            }
        } catch (IllegalStateException e) {
            throw new SchemaStoreException("Could not create schema topic " + topic + ": " + e.getMessage(), e);
        }
        TopicDescription d = describe();
        if (d.partitions().size() != 1) {
            throw new SchemaStoreException("Schema topic " + topic + " has "
                    + d.partitions().size() + " partitions; it must have exactly 1 so that records keep their order");
        }
    }

    private TopicDescription describe() {
        return await(admin.describeTopics(List.of(topic)).allTopicNames(), "describe topic " + topic)
                .get(topic);
    }

    private void readToEnd() {
        TopicPartition tp = new TopicPartition(topic, 0);
        consumer.assign(List.of(tp));
        consumer.seekToBeginning(List.of(tp));
        long end = consumer.endOffsets(List.of(tp), timeout).get(tp);
        long deadline = System.nanoTime() + timeout.toNanos();
        int applied = 0;
        while (consumer.position(tp, timeout) < end) {
            if (System.nanoTime() > deadline) {
                throw new SchemaStoreException("Reading schema topic " + topic + " to offset " + end
                        + " took more than " + timeout + " (at " + consumer.position(tp) + ")");
            }
            for (ConsumerRecord<String, String> r : consumer.poll(POLL)) {
                if (apply(r.key(), r.value())) {
                    applied++;
                }
            }
        }
        LOG.info("Loaded {} schema records from {} (end offset {})", applied, topic, end);
    }

    /** Applies one record of the topic; false when it is not a schema record of ours. */
    boolean apply(String key, String value) {
        JsonNode k;
        try {
            k = key == null ? null : JSON.readTree(key);
        } catch (IOException e) {
            LOG.warn("Skipping record with a key that is not JSON in {}: {}", topic, key);
            return false;
        }
        if (k == null || !"SCHEMA".equals(k.path("keytype").asText())) {
            return false;
        }
        String subject = k.path("subject").asText();
        int version = k.path("version").asInt();
        if (value == null) {
            index.remove(subject, version);
            return true;
        }
        try {
            JsonNode v = JSON.readTree(value);
            String type = v.path("schemaType").asText("AVRO");
            if (!"AVRO".equals(type)) {
                LOG.warn("Skipping {} schema {} v{} in {}: only AVRO is served", type, subject, version, topic);
                return false;
            }
            index.apply(new SchemaRecord(
                    v.path("subject").asText(subject),
                    v.path("version").asInt(version),
                    v.path("id").asInt(),
                    v.path("schema").asText(),
                    v.path("deleted").asBoolean(false)));
            return true;
        } catch (IOException e) {
            LOG.warn("Skipping schema record {} with a value that is not JSON in {}", key, topic);
            return false;
        }
    }

    static String key(String subject, int version) {
        ObjectNode k = JSON.createObjectNode();
        // Confluent's field order; its registry compares keys as parsed JSON, but readers of the raw topic may not.
        k.put("keytype", "SCHEMA")
                .put("subject", subject)
                .put("version", version)
                .put("magic", 1);
        return k.toString();
    }

    static String value(SchemaRecord r) {
        ObjectNode v = JSON.createObjectNode();
        v.put("subject", r.subject())
                .put("version", r.version())
                .put("id", r.id())
                .put("schema", r.schema())
                .put("deleted", r.deleted());
        return v.toString();
    }

    @Override
    public synchronized void put(SchemaRecord record) {
        if (!started) {
            throw new IllegalStateException("KafkaSchemaStore.start() was not called");
        }
        ProducerRecord<String, String> out =
                new ProducerRecord<>(topic, 0, key(record.subject(), record.version()), value(record));
        try {
            producer.send(out).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new SchemaStoreException(
                    "Could not write schema " + record.subject() + " v" + record.version() + " to " + topic + ": "
                            + e.getCause(),
                    e.getCause());
        } catch (TimeoutException e) {
            throw new SchemaStoreException(
                    "Writing schema " + record.subject() + " v" + record.version() + " to " + topic
                            + " was not acknowledged within " + timeout,
                    e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SchemaStoreException("Interrupted while writing to " + topic, e);
        }
        index.apply(record);
    }

    @Override
    public void close() {
        closeQuietly(producer);
        closeQuietly(consumer);
        closeQuietly(admin);
    }

    private <V> V await(org.apache.kafka.common.KafkaFuture<V> future, String what) {
        try {
            return future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new SchemaStoreException("Could not " + what + ": " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new SchemaStoreException("Could not " + what + " within " + timeout, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SchemaStoreException("Interrupted while trying to " + what, e);
        }
    }

    private static Map<String, Object> clients(String bootstrapServers, Map<String, ?> extra) {
        Map<String, Object> common = new HashMap<>(extra);
        common.remove(TOPIC_CONFIG);
        common.remove(REPLICATION_FACTOR_CONFIG);
        common.remove(TIMEOUT_MS_CONFIG);
        common.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        return common;
    }

    private static Map<String, Object> producerProps(Map<String, Object> common) {
        Map<String, Object> p = new HashMap<>(common);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "aurum-schema-registry-producer");
        return p;
    }

    private static Map<String, Object> consumerProps(Map<String, Object> common) {
        Map<String, Object> c = new HashMap<>(common);
        // assign() without a group: nothing to commit, and no group coordinator needed.
        c.remove(ConsumerConfig.GROUP_ID_CONFIG);
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, "aurum-schema-registry-reader");
        return c;
    }
}
