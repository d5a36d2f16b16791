package io.aurum.topology;

import io.aurum.config.AurumConfig;
import io.aurum.errors.DeadLetters;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.StreamsConfig;

/** The Kafka Streams settings Aurum runs with; the config's {@code streams.properties} override any of them. */
public final class StreamsProperties {
    private StreamsProperties() {}

    public static Properties build(AurumConfig config, String bootstrapServers, String stateDir) {
        AurumConfig.StreamsSettings s = config.streams();
        Properties p = new Properties();
        p.putAll(config.kafka().properties());
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, s.applicationId());
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, Long.toString(s.commitIntervalMs()));
        p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, Integer.toString(s.threads()));
        p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, Short.toString(s.replicationFactor()));
        p.put(StreamsConfig.STATE_DIR_CONFIG, s.stateDir().orElse(stateDir));
        p.put(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG, Topics.DLQ);
        p.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetters.class.getName());
        p.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetters.class.getName());
        p.put("processing.exception.handler.global.enabled", "true");
        // Source tables change in bursts (a snapshot, a batch job); start from the beginning of CDC topics so a
        // new deployment sees every row ever captured.
        p.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
        // Static membership: a restarted instance rejoins as itself and gets its tasks back at once, rather than
        // the group waiting out the session of the member that died (45 s by default).
        s.instanceId().ifPresent(id -> p.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, id));
        // Every stage is written to process records in any order across partitions (the resolver converges
        // whatever the interleaving), so a task never waits for an empty input partition to catch up. Kafka's
        // default (0) also formats log text for every empty partition on every poll, ~8% of a stream thread.
        p.put(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, Long.toString(StreamsConfig.MAX_TASK_IDLE_MS_DISABLED));
        // Scale-out: warm standby copies of state on other instances, and where this instance's HTTP API is.
        p.put(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG, Integer.toString(s.standbyReplicas()));
        s.applicationServer().ifPresent(server -> p.put(StreamsConfig.APPLICATION_SERVER_CONFIG, server));
        // RocksDB's memory bounded for the whole process (BoundedRocksDb), so state lives off the heap within a known
        // budget whatever the number of stores and partitions; streams.properties may set aurum.rocksdb.memory.bytes.
        p.put(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, BoundedRocksDb.class.getName());
        p.put(BoundedRocksDb.MEMORY_BYTES, Long.toString(BoundedRocksDb.DEFAULT_MEMORY_BYTES));
        p.put(StreamsConfig.producerPrefix(ProducerConfig.COMPRESSION_TYPE_CONFIG), "lz4");
        p.put(StreamsConfig.producerPrefix(ProducerConfig.LINGER_MS_CONFIG), "5");
        p.putAll(s.properties());
        return p;
    }
}
