package io.aurum.survivorship;

import io.aurum.schemas.Conflict;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.streams.processor.api.ContextualProcessor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Turns each golden id's current conflicts into changes of the compacted customers.conflicts topic: a new or
 * changed conflict is written, one that disappeared is tombstoned, an unchanged one is not repeated. It keeps
 * the previous set per golden id in a store keyed by golden id, so it runs on every partition of the golden
 * stage rather than funnelling through one.
 */
public final class ConflictTracker extends ContextualProcessor<String, Outcome, String, Conflict> {
    /** Its state store (the topology names every store: {@code io.aurum.topology.Stores}). */
    private final String store;

    /** Open conflicts of one golden id: field → the conflict as last written, to tell a change from a repeat. */
    public record Open(Map<String, String> byField) {}

    private KeyValueStore<String, Open> open;

    /** The key on customers.conflicts. Golden ids never contain '/', so the field is whatever follows the first. */
    public static String key(String goldenId, String field) {
        return goldenId + "/" + field;
    }

    public ConflictTracker(String store) {
        this.store = store;
    }

    @Override
    public void init(ProcessorContext<String, Conflict> context) {
        super.init(context);
        open = context.getStateStore(store);
    }

    @Override
    public void process(Record<String, Outcome> record) {
        String goldenId = record.key();
        Open previous = open.get(goldenId);
        Map<String, String> before = previous == null ? Map.of() : previous.byField();
        Map<String, String> now = new TreeMap<>();
        if (record.value() != null) {
            for (Conflict c : record.value().conflicts()) {
                String rendered = c.toString();
                now.put(c.getField(), rendered);
                if (!rendered.equals(before.get(c.getField()))) {
                    context()
                            .forward(record.withKey(key(goldenId, c.getField())).withValue(c));
                }
            }
        }
        for (String field : before.keySet()) {
            if (!now.containsKey(field)) {
                context().forward(record.withKey(key(goldenId, field)).withValue(null));
            }
        }
        if (now.isEmpty()) {
            if (previous != null) {
                open.delete(goldenId);
            }
        } else if (!now.equals(before)) {
            open.put(goldenId, new Open(now));
        }
    }
}
