package io.aurum.steward;

import io.aurum.canonical.AssertionChange;
import io.aurum.config.PipelineConfig;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.streams.processor.api.ContextualProcessor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Turns the assertions topic into per-record changes. It remembers which records each assertion named, because a
 * retraction (a tombstone) or an edited assertion must also reach the records it no longer names.
 */
public final class AssertionTracker extends ContextualProcessor<String, byte[], String, AssertionChange> {
    /** Its state store (the topology names every store: {@code io.aurum.topology.Stores}). */
    private final String store;

    private final PipelineConfig config;
    private KeyValueStore<String, List<String>> named;

    public AssertionTracker(PipelineConfig config, String store) {
        this.store = store;
        this.config = config;
    }

    @Override
    public void init(ProcessorContext<String, AssertionChange> context) {
        super.init(context);
        named = context.getStateStore(store);
    }

    @Override
    public void process(Record<String, byte[]> record) {
        String id = record.key();
        if (id == null || id.isBlank()) {
            throw new io.aurum.canonical.MappingException("an assertion needs a key: its id");
        }
        List<String> now = record.value() == null
                ? List.of()
                : Assertion.parse(config, record.value()).records();
        List<String> before = named.get(id);
        Set<String> gone = new TreeSet<>(before == null ? List.of() : before);
        now.forEach(gone::remove);
        for (String recordId : gone) {
            context().forward(record.withKey(recordId).withValue(new AssertionChange(id, false)));
        }
        for (String recordId : now) {
            if (before == null || !before.contains(recordId)) {
                context().forward(record.withKey(recordId).withValue(new AssertionChange(id, true)));
            }
        }
        if (now.isEmpty()) {
            named.delete(id);
        } else {
            named.put(id, now);
        }
    }
}
