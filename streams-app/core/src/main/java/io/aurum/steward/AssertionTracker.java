package io.aurum.steward;

import io.aurum.canonical.AssertionChange;
import io.aurum.config.PipelineConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.streams.processor.api.ContextualProcessor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Turns the assertions topic into per-record changes. It remembers which records each assertion named, because a
 * retraction (a tombstone) or an edited assertion must also reach the records it no longer names. A cannot-link's
 * list starts with {@link #CANNOT_LINK} (never a record id), so an assertion edited from one type to the other
 * leaves every record under the old type and joins them under the new one.
 */
public final class AssertionTracker extends ContextualProcessor<String, byte[], String, AssertionChange> {
    /** Its state store (the topology names every store: {@code io.aurum.topology.Stores}). */
    private final String store;

    /** The first element of a stored cannot-link's records. */
    static final String CANNOT_LINK = "~";

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
        Assertion parsed = record.value() == null ? null : Assertion.parse(config, record.value());
        List<String> now = parsed == null ? List.of() : parsed.records();
        boolean cannot = parsed != null && parsed.cannotLink();
        List<String> stored = named.get(id);
        boolean cannotBefore =
                stored != null && !stored.isEmpty() && stored.get(0).equals(CANNOT_LINK);
        List<String> before = stored == null ? List.of() : cannotBefore ? stored.subList(1, stored.size()) : stored;
        // Under another type, every record leaves the old assertion and joins the new one.
        List<String> kept = cannot == cannotBefore ? before : List.of();
        Set<String> gone = new TreeSet<>(before);
        gone.removeAll(cannot == cannotBefore ? now : List.of());
        for (String recordId : gone) {
            context().forward(record.withKey(recordId).withValue(new AssertionChange(id, false, cannotBefore)));
        }
        for (String recordId : now) {
            if (!kept.contains(recordId)) {
                context().forward(record.withKey(recordId).withValue(new AssertionChange(id, true, cannot)));
            }
        }
        if (now.isEmpty()) {
            named.delete(id);
        } else if (cannot) {
            List<String> value = new ArrayList<>();
            value.add(CANNOT_LINK);
            value.addAll(now);
            named.put(id, value);
        } else {
            named.put(id, now);
        }
    }
}
