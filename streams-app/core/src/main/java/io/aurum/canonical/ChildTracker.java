package io.aurum.canonical;

import io.aurum.canonical.SourceRecord.ChildRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.ContextualProcessor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Keeps the latest version of every child row (keyed by the child's record id) so that it can tell the old
 * parent when a child leaves it: a delete under the default REPLICA IDENTITY does not say which parent the row
 * had, and an update that changes the foreign key moves the child. Emits {@link ChildChange}s keyed by parent.
 * A {@link SnapshotSweep} removes the child rows its snapshot did not see.
 */
public final class ChildTracker extends ContextualProcessor<String, RowEvent, String, ChildChange> {
    /** Its state store (the topology names every store: {@code io.aurum.topology.Stores}). */
    private final String store;

    private KeyValueStore<String, StoredRow> rows;

    public ChildTracker(String store) {
        this.store = store;
    }

    @Override
    public void init(ProcessorContext<String, ChildChange> context) {
        super.init(context);
        rows = context.getStateStore(store);
    }

    @Override
    public void process(Record<String, RowEvent> record) {
        if (record.value() instanceof SourceChange change) {
            change(record, record.key(), change);
        } else {
            sweep(record, (SnapshotSweep) record.value());
        }
    }

    private void change(Record<String, RowEvent> record, String childId, SourceChange change) {
        StoredRow previous = rows.get(childId);
        StoredRow next = StoredRow.apply(previous, change);
        if (next != previous) {
            update(record, childId, change.source(), change.key(), previous, next);
        }
    }

    private void sweep(Record<String, RowEvent> record, SnapshotSweep sweep) {
        List<KeyValue<String, StoredRow>> gone = new ArrayList<>();
        try (KeyValueIterator<String, StoredRow> it = rows.prefixScan(sweep.source() + ":", new StringSerializer())) {
            while (it.hasNext()) {
                KeyValue<String, StoredRow> kv = it.next();
                if (sweep.removes(kv.value)) {
                    gone.add(kv);
                }
            }
        }
        for (KeyValue<String, StoredRow> kv : gone) {
            update(record, kv.key, sweep.source(), RecordIds.key(kv.key), kv.value, kv.value.sweptBy(sweep));
        }
    }

    private void update(
            Record<String, RowEvent> record,
            String childId,
            String source,
            String key,
            StoredRow previous,
            StoredRow next) {
        rows.put(childId, next);
        if (next.sameVersion(previous)) {
            return; // only confirmed that the row still exists
        }
        String oldParent = previous == null || previous.deleted() ? null : previous.parentId();
        String newParent = next.deleted() ? null : next.parentId();
        if (oldParent != null && !Objects.equals(oldParent, newParent)) {
            context().forward(record.withKey(oldParent).withValue(new ChildChange(source, key, null)));
        }
        if (newParent != null) {
            ChildRecord child =
                    new ChildRecord(key, next.attributes(), next.position().tsMs());
            context().forward(record.withKey(newParent).withValue(new ChildChange(source, key, child)));
        }
    }
}
