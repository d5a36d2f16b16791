package io.aurum.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Builds Debezium change events as Kafka Connect's JsonConverter writes them (schemas disabled; the mapper
 * accepts both forms), with increasing LSNs so tests can replay them in any order.
 */
public final class Cdc {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final AtomicLong lsn = new AtomicLong(1000);
    private final AtomicLong clock = new AtomicLong(1_700_000_000_000L);
    private long generation = -1;

    public record Event(String topic, byte[] key, byte[] value, Map<String, String> headers) {
        public Event(String topic, byte[] key, byte[] value) {
            this(topic, key, value, Map.of());
        }
    }

    /**
     * The marker Aurum's capture writes to a change topic when a blocking snapshot of its database has completed
     * (see {@code SnapshotSweep.COMPLETED_HEADER}): no key, no value, the current snapshot's LSN in a header.
     */
    public Event snapshotCompleted(String topic) {
        return new Event(topic, null, null, Map.of("aurum.snapshot.completed", Long.toString(generation)));
    }

    public static Map<String, Object> row(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    public Event insert(String topic, Map<String, Object> after) {
        return event(topic, "c", null, after, null);
    }

    /**
     * Starts a blocking snapshot. Its reads share one LSN, the position it started at, as the reads of one Postgres
     * snapshot do; later changes get higher LSNs.
     */
    public long beginSnapshot() {
        generation = lsn.addAndGet(8);
        return generation;
    }

    /** A row read by the current snapshot ({@link #beginSnapshot()}). */
    public Event read(String topic, Map<String, Object> after) {
        return event(topic, "r", null, after, "true");
    }

    /** The last row the current snapshot reads from its table ({@code last_in_data_collection}). */
    public Event lastRead(String topic, Map<String, Object> after) {
        return event(topic, "r", null, after, "last_in_data_collection");
    }

    /** The last row of the whole snapshot ({@code last}), when the last table it reads has rows. */
    public Event finalRead(String topic, Map<String, Object> after) {
        return event(topic, "r", null, after, "last");
    }

    public Event update(String topic, Map<String, Object> after) {
        return event(topic, "u", null, after, null);
    }

    /** A delete as the default REPLICA IDENTITY sends it: the before-image holds only the key. */
    public Event delete(String topic, Object id) {
        return event(topic, "d", row("id", id), null, null);
    }

    public Event tombstone(String topic, Object id) {
        return new Event(topic, key(id), null);
    }

    private Event event(
            String topic, String op, Map<String, Object> before, Map<String, Object> after, String snapshot) {
        Object id = (after != null ? after : before).get("id");
        ObjectNode value = JSON.createObjectNode();
        value.set("before", JSON.valueToTree(before));
        value.set("after", JSON.valueToTree(after));
        ObjectNode source = value.putObject("source");
        String[] parts = topic.split("\\.");
        long ts = clock.addAndGet(1000);
        source.put("connector", "postgresql");
        source.put("db", parts[0]);
        source.put("schema", parts[1]);
        source.put("table", parts[2]);
        source.put("snapshot", snapshot == null ? "false" : snapshot);
        source.put("ts_ms", ts);
        source.put("lsn", snapshot == null ? lsn.addAndGet(8) : generation);
        value.put("op", op);
        value.put("ts_ms", ts + 5);
        try {
            return new Event(topic, key(id), JSON.writeValueAsBytes(value));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] key(Object id) {
        return ("{\"id\":" + JSON.valueToTree(id) + "}").getBytes(StandardCharsets.UTF_8);
    }
}
