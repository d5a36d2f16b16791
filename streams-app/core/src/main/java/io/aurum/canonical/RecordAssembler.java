package io.aurum.canonical;

import io.aurum.config.PipelineConfig;
import io.aurum.config.PipelineConfig.SourceDef;
import io.aurum.canonical.SourceRecord.ChildRecord;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.kafka.streams.processor.api.ContextualProcessor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Builds the current {@link SourceRecord} of each parent record from its row changes and its children's
 * changes, and forwards it only when it actually changed: a redelivered or stale event produces no output, so
 * nothing downstream does work for it. A deleted parent is forwarded as a tombstone.
 */
public final class RecordAssembler extends ContextualProcessor<String, RecordEvent, String, SourceRecord> {
    /** Its state store (the topology names every store: {@code io.aurum.topology.Stores}). */
    private final String store;

    private final PipelineConfig config;
    private KeyValueStore<String, RecordState> states;

    public RecordAssembler(PipelineConfig config, String store) {
        this.store = store;
        this.config = config;
    }

    @Override
    public void init(ProcessorContext<String, SourceRecord> context) {
        super.init(context);
        states = context.getStateStore(store);
    }

    @Override
    public void process(Record<String, RecordEvent> record) {
        RecordState previous = states.get(record.key());
        RecordState state = previous == null ? RecordState.empty() : previous;
        RecordEvent event = record.value();
        RecordState next;
        if (event.parent() != null) {
            StoredRow row = StoredRow.apply(state.parent(), event.parent());
            if (row == state.parent()) {
                return;
            }
            next = state.withParent(row);
        } else if (event.child() != null) {
            next = state.withChild(event.child());
        } else {
            next = state.withAssertion(event.assertion());
        }
        if (next.isEmpty()) {
            states.delete(record.key());
        } else {
            states.put(record.key(), next);
        }
        SourceRecord before = view(config, record.key(), state);
        SourceRecord after = view(config, record.key(), next);
        if (!Objects.equals(before, after)) {
            context().forward(record.withValue(after));
        }
    }

    /** The record as the rest of the pipeline sees it, or null while the parent row is absent or deleted. */
    public static SourceRecord view(PipelineConfig config, String recordId, RecordState state) {
        StoredRow parent = state.parent();
        if (parent == null || parent.deleted()) {
            return null;
        }
        String source = RecordIds.source(recordId);
        SourceDef def = config.sources().get(source);
        Map<String, List<ChildRecord>> children = new LinkedHashMap<>();
        state.children().forEach((childSource, rows) -> children.put(childSource, new ArrayList<>(rows.values())));
        long sourceTs = parent.position().tsMs();
        for (List<ChildRecord> rows : children.values()) {
            for (ChildRecord c : rows) {
                sourceTs = Math.max(sourceTs, c.sourceTs());
            }
        }
        List<String> identifiers = Identifiers.of(config, def, parent.attributes(), parent.links().values());
        if (!state.assertions().isEmpty()) {
            java.util.TreeSet<String> all = new java.util.TreeSet<>(identifiers);
            state.assertions().forEach(a -> all.add(Identifiers.ASSERTION_PREFIX + a));
            identifiers = new ArrayList<>(all);
        }
        return new SourceRecord(source, RecordIds.key(recordId), def.system(), parent.attributes(),
                parent.attributeTs(), identifiers,
                parent.createdAt() == null ? Long.MAX_VALUE : parent.createdAt(), sourceTs, children);
    }
}
