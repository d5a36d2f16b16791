package io.aurum.canonical;

import io.aurum.canonical.SourceRecord.ChildRecord;
import java.util.Objects;
import org.apache.kafka.streams.processor.api.ContextualProcessor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Keeps the latest version of every child row (keyed by the child's record id) so that it can tell the old
 * parent when a child leaves it: a delete under the default REPLICA IDENTITY does not say which parent the row
 * had, and an update that changes the foreign key moves the child. Emits {@link ChildChange}s keyed by parent.
 */
public final class ChildTracker extends ContextualProcessor<String, SourceChange, String, ChildChange> {
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
    public void process(Record<String, SourceChange> record) {
        SourceChange change = record.value();
        StoredRow previous = rows.get(record.key());
        StoredRow next = StoredRow.apply(previous, change);
        if (next == previous) {
            return;
        }
        rows.put(record.key(), next);
        String oldParent = previous == null || previous.deleted() ? null : previous.parentId();
        String newParent = next.deleted() ? null : next.parentId();
        if (oldParent != null && !Objects.equals(oldParent, newParent)) {
            context().forward(record.withKey(oldParent).withValue(new ChildChange(change.source(), change.key(), null)));
        }
        if (newParent != null) {
            ChildRecord child = new ChildRecord(change.key(), next.attributes(), change.position().tsMs());
            context().forward(record.withKey(newParent).withValue(new ChildChange(change.source(), change.key(), child)));
        }
    }
}
