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

    public record Event(String topic, byte[] key, byte[] value) { }

    public static Map<String, Object> row(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    public Event insert(String topic, Map<String, Object> after) {
        return event(topic, "c", null, after, false);
    }

    public Event snapshot(String topic, Map<String, Object> after) {
        return event(topic, "r", null, after, true);
    }

    public Event update(String topic, Map<String, Object> after) {
        return event(topic, "u", null, after, false);
    }

    /** A delete as the default REPLICA IDENTITY sends it: the before-image holds only the key. */
    public Event delete(String topic, Object id) {
        return event(topic, "d", row("id", id), null, false);
    }

    public Event tombstone(String topic, Object id) {
        return new Event(topic, key(id), null);
    }

    private Event event(String topic, String op, Map<String, Object> before, Map<String, Object> after, boolean snapshot) {
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
        source.put("snapshot", snapshot ? "true" : "false");
        source.put("ts_ms", ts);
        source.put("lsn", lsn.addAndGet(8));
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
