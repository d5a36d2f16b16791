package io.aurum.bench;

import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.streams.KafkaStreams;

/**
 * The work a Streams run did, counted from Streams' own producer metrics ({@code producer-topic-metrics},
 * {@code record-send-total} per topic): records sent to each internal topic (Aurum's records and resolver topics,
 * repartition and subscription topics), to each store's changelog (one per store write that reached RocksDB, after
 * the record cache absorbed the rest) and to each output topic. Unlike times, these counts do not depend on how
 * busy the machine was, so they are the figures to steer the design by.
 *
 * <p>Read it before the runtime closes: the counts live in the clients' metrics.
 */
record WorkCounts(
        Map<String, Long> internal,
        Map<String, Long> storeWrites,
        Map<String, Long> outputs,
        long localMessages,
        Map<String, Long> waitNanos) {
    static final WorkCounts NONE = new WorkCounts(Map.of(), Map.of(), Map.of(), 0, Map.of());

    /**
     * Where the stream threads waited, from the clients' cumulative time metrics (KIP-761), summed over threads:
     * {@code blocked} is all the time a stream thread spent blocked in a Kafka client (the consumer's poll, the
     * producer's flush and transaction calls); the producer parts are broken out. What is left of a thread's wall
     * time is its own work: processing, punctuation, store flushes.
     */
    private static final Map<String, String> WAITS = Map.of(
            "stream-thread-metrics/blocked-time-ns-total", "blocked",
            "producer-metrics/flush-time-ns-total", "producer-flush",
            "producer-metrics/txn-commit-time-ns-total", "txn-commit",
            "producer-metrics/txn-send-offsets-time-ns-total", "txn-send-offsets",
            "producer-metrics/txn-begin-time-ns-total", "txn-begin");

    private static final String CHANGELOG = "-changelog";

    static WorkCounts of(KafkaStreams streams, String applicationId) {
        Map<String, Long> perTopic = new TreeMap<>();
        long local = 0;
        Map<String, Long> waits = new TreeMap<>();
        for (Map.Entry<MetricName, ? extends Metric> e : streams.metrics().entrySet()) {
            MetricName name = e.getKey();
            String wait = WAITS.get(name.group() + "/" + name.name());
            if (wait != null && e.getValue().metricValue() instanceof Number n) {
                waits.merge(wait, (long) n.doubleValue(), Long::sum);
                continue;
            }
            if ("stream-aurum-resolver-metrics".equals(name.group()) && "local-message-total".equals(name.name())) {
                // Messages between resolver nodes of one task: no record, but a node read and update each.
                local += (long) ((Number) e.getValue().metricValue()).doubleValue();
                continue;
            }
            String topic = name.tags().get("topic");
            if (!"producer-topic-metrics".equals(name.group())
                    || !"record-send-total".equals(name.name())
                    || topic == null) {
                continue;
            }
            // One producer per stream thread under exactly_once_v2: add the threads up.
            perTopic.merge(topic, (long) ((Number) e.getValue().metricValue()).doubleValue(), Long::sum);
        }
        Map<String, Long> internal = new TreeMap<>();
        Map<String, Long> stores = new TreeMap<>();
        Map<String, Long> outputs = new TreeMap<>();
        String prefix = applicationId + "-";
        perTopic.forEach((topic, n) -> {
            if (topic.startsWith(prefix) && topic.endsWith(CHANGELOG)) {
                stores.put(topic.substring(prefix.length(), topic.length() - CHANGELOG.length()), n);
            } else if (topic.startsWith(prefix)) {
                internal.put(topic.substring(prefix.length()), n);
            } else {
                outputs.put(topic, n);
            }
        });
        return new WorkCounts(internal, stores, outputs, local, waits);
    }

    /** What was done since {@code earlier} (a snapshot of the same runtime's counts). */
    WorkCounts minus(WorkCounts earlier) {
        return new WorkCounts(
                diff(internal, earlier.internal),
                diff(storeWrites, earlier.storeWrites),
                diff(outputs, earlier.outputs),
                localMessages - earlier.localMessages,
                diff(waitNanos, earlier.waitNanos));
    }

    private static Map<String, Long> diff(Map<String, Long> now, Map<String, Long> before) {
        Map<String, Long> d = new TreeMap<>();
        now.forEach((k, v) -> d.put(k, v - before.getOrDefault(k, 0L)));
        return d;
    }

    /** {@code blocked 12.3 s, txn-commit 4.5 s, …}: where the stream threads waited. */
    String waits() {
        StringBuilder sb = new StringBuilder();
        waitNanos.forEach((k, v) -> sb.append(sb.isEmpty() ? "" : ", ")
                .append(k)
                .append(' ')
                .append(String.format(java.util.Locale.ROOT, "%.1f s", v / 1e9)));
        return sb.isEmpty() ? "–" : sb.toString();
    }

    long internalTotal() {
        return internal.values().stream().mapToLong(Long::longValue).sum();
    }

    long storeWritesTotal() {
        return storeWrites.values().stream().mapToLong(Long::longValue).sum();
    }

    long outputsTotal() {
        return outputs.values().stream().mapToLong(Long::longValue).sum();
    }

    /** {@code name=x.xx, …} per change, largest first, for the report. */
    static String perChange(Map<String, Long> counts, long changes) {
        StringBuilder sb = new StringBuilder();
        counts.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .forEach(e -> sb.append(sb.isEmpty() ? "" : ", ")
                        .append(e.getKey())
                        .append(' ')
                        .append(String.format(java.util.Locale.ROOT, "%.2f", (double) e.getValue() / changes)));
        return sb.isEmpty() ? "–" : sb.toString();
    }
}
