package io.aurum.topology;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;

/**
 * A topic with its serdes and how it is created, declared once ({@link Topics}) and used by the topology, the
 * provisioning, the tests and the readers alike.
 */
public record Topic<K, V>(String name, Serde<K> keySerde, Serde<V> valueSerde, Spec spec) {
    public Consumed<K, V> consumed() {
        return Consumed.with(keySerde, valueSerde);
    }

    public Produced<K, V> produced() {
        return Produced.with(keySerde, valueSerde);
    }

    /** What a topic is for, which says who writes it and whether the Streams job reads it. */
    public enum Kind {
        /** Debezium's change events of one source table; the job's input. */
        CDC_INPUT("Debezium", true),
        /** Aurum's output for consumers. */
        PUBLIC("Aurum", false),
        /** Written by data stewards; the job's input. */
        STEWARD_INPUT("stewards", true),
        /** The identity resolver's messages to itself: the job writes and reads them. */
        RESOLVER("Aurum (created at start-up)", true),
        /** Inputs the job could not parse or map. */
        DEAD_LETTERS("Aurum", false);

        private final String writer;
        private final boolean input;

        Kind(String writer, boolean input) {
            this.writer = writer;
            this.input = input;
        }

        public String writer() {
            return writer;
        }

        /** Whether the Streams job consumes topics of this kind (so its lag there is work not yet done). */
        public boolean input() {
            return input;
        }
    }

    /** Where a topic's partition count comes from when Aurum creates it. */
    public enum Partitions {
        STREAMS("`streams.partitions`"),
        CAPTURE("`capture.topic_partitions`"),
        ONE("1");

        private final String doc;

        Partitions(String doc) {
            this.doc = doc;
        }

        public String doc() {
            return doc;
        }
    }

    /**
     * How a missing topic is created (partitions, cleanup policy, retention; null leaves the broker's default) and
     * what it carries, for the operations docs.
     */
    public record Spec(
            Kind kind, Partitions partitions, String cleanupPolicy, Duration retention, String key, String value) {
        static Spec compacted(Kind kind, String key, String value) {
            return new Spec(kind, Partitions.STREAMS, TopicConfig.CLEANUP_POLICY_COMPACT, null, key, value);
        }

        static Spec retained(Kind kind, Partitions partitions, Duration retention, String key, String value) {
            return new Spec(kind, partitions, null, retention, key, value);
        }

        /** The topic configs Aurum sets when it creates the topic. */
        public Map<String, String> configs() {
            Map<String, String> configs = new LinkedHashMap<>();
            if (cleanupPolicy != null) {
                configs.put(TopicConfig.CLEANUP_POLICY_CONFIG, cleanupPolicy);
            }
            if (retention != null) {
                configs.put(TopicConfig.RETENTION_MS_CONFIG, Long.toString(retention.toMillis()));
            }
            return configs;
        }

        /** The cleanup column of the docs: {@code compact}, {@code delete, 7 days}, or the broker's default. */
        public String cleanupDoc() {
            if (cleanupPolicy != null) {
                return cleanupPolicy;
            }
            return retention == null ? "delete (broker default)" : "delete, " + retention.toDays() + " days";
        }
    }
}
