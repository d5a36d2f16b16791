package io.aurum.canonical;

import io.aurum.canonical.SourceRecord.ChildRecord;
import io.aurum.config.PipelineConfig;
import io.aurum.config.PipelineConfig.SourceDef;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.ContextualProcessor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the current {@link SourceRecord} of each parent record from its row changes and its children's
 * changes, and forwards it only when it actually changed: a redelivered or stale event produces no output, so
 * nothing downstream does work for it. A deleted parent is forwarded as a tombstone.
 */
public final class RecordAssembler extends ContextualProcessor<String, RecordEvent, String, SourceRecord> {
    /** Its state store (the topology names every store: {@code io.aurum.topology.Stores}). */
    private final String store;

    private static final Logger LOG = LoggerFactory.getLogger(RecordAssembler.class);

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
        if (record.value() instanceof SnapshotSweep sweep) {
            sweep(record, sweep);
            return;
        }
        RecordState previous = states.get(record.key());
        RecordState state = previous == null ? RecordState.empty() : previous;
        RecordState next;
        if (record.value() instanceof SourceChange change) {
            StoredRow row = StoredRow.apply(state.parent(), change);
            if (row == state.parent()) {
                return;
            }
            next = state.withParent(row);
        } else if (record.value() instanceof ChildChange child) {
            next = state.withChild(child);
        } else {
            next = state.withAssertion((AssertionChange) record.value());
        }
        update(record, record.key(), state, next);
    }

    /** Removes the parent rows of the sweep's source and partition that its snapshot did not see. */
    private void sweep(Record<String, RecordEvent> record, SnapshotSweep sweep) {
        List<KeyValue<String, RecordState>> gone = new ArrayList<>();
        try (KeyValueIterator<String, RecordState> it =
                states.prefixScan(sweep.source() + ":", new StringSerializer())) {
            while (it.hasNext()) {
                KeyValue<String, RecordState> kv = it.next();
                if (sweep.removes(kv.value.parent())) {
                    gone.add(kv);
                }
            }
        }
        for (KeyValue<String, RecordState> kv : gone) {
            update(
                    record.withKey(kv.key),
                    kv.key,
                    kv.value,
                    kv.value.withParent(kv.value.parent().sweptBy(sweep)));
        }
        if (!gone.isEmpty()) {
            LOG.info(
                    "Snapshot {} of {} (CDC partition {}) did not see {} records of this task; they were deleted at "
                            + "the source while nothing streamed, and are removed",
                    sweep.generation(),
                    sweep.source(),
                    sweep.partition(),
                    gone.size());
        }
    }

    private void update(Record<String, RecordEvent> record, String recordId, RecordState state, RecordState next) {
        if (next.isEmpty()) {
            states.delete(recordId);
        } else {
            states.put(recordId, next);
        }
        SourceRecord before = view(config, recordId, state);
        SourceRecord after = view(config, recordId, next);
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
        List<String> identifiers =
                Identifiers.of(config, def, parent.attributes(), parent.links().values());
        if (!state.assertions().isEmpty()) {
            java.util.TreeSet<String> all = new java.util.TreeSet<>(identifiers);
            state.assertions().forEach(a -> all.add(Identifiers.ASSERTION_PREFIX + a));
            identifiers = new ArrayList<>(all);
        }
        return new SourceRecord(
                source,
                RecordIds.key(recordId),
                def.system(),
                parent.attributes(),
                parent.attributeTs(),
                identifiers,
                parent.createdAt() == null ? Long.MAX_VALUE : parent.createdAt(),
                sourceTs,
                children);
    }
}
