package io.aurum.survivorship;

import io.aurum.config.PipelineConfig;
import io.aurum.schemas.FieldOverride;
import java.util.Objects;
import org.apache.kafka.streams.processor.api.ContextualProcessor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Turns customers.overrides into changes for the overrides' targets. It remembers each override (by its key),
 * because a withdrawal (a tombstone) must reach the target of the override it withdraws, and an edited override
 * that now aims elsewhere must leave its old target. A malformed override is bad input: a dead letter.
 */
public final class OverrideTracker extends ContextualProcessor<String, FieldOverride, String, OverrideTracker.Change> {
    /** An override as it is now (null: withdrawn) and as it was at the same target before (null: new there). */
    public record Change(String id, Steward now, Steward before) {}

    private final PipelineConfig config;
    private final String store;
    private KeyValueStore<String, Steward> overrides;

    public OverrideTracker(PipelineConfig config, String store) {
        this.config = config;
        this.store = store;
    }

    @Override
    public void init(ProcessorContext<String, Change> context) {
        super.init(context);
        overrides = context.getStateStore(store);
    }

    @Override
    public void process(Record<String, FieldOverride> record) {
        String id = record.key();
        if (id == null || id.isBlank()) {
            throw new io.aurum.canonical.MappingException("an override needs a key: its id");
        }
        Steward now = Steward.of(config, id, record.value());
        Steward before = overrides.get(id);
        if (Objects.equals(now, before)) {
            return;
        }
        if (before != null && (now == null || !sameTarget(before, now))) {
            context().forward(record.withValue(new Change(id, null, before)));
            before = null;
        }
        if (now != null) {
            context().forward(record.withValue(new Change(id, now, before)));
            overrides.put(id, now);
        } else {
            overrides.delete(id);
        }
    }

    private static boolean sameTarget(Steward a, Steward b) {
        return Objects.equals(a.recordId(), b.recordId()) && Objects.equals(a.goldenId(), b.goldenId());
    }
}
