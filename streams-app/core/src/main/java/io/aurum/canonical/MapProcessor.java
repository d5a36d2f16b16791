package io.aurum.canonical;

import io.aurum.canonical.SourceChange.Origin;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.streams.processor.api.ContextualProcessor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * First stage: raw CDC bytes to {@link SourceChange}, keyed by the changed row's record id. Errors are thrown as
 * {@link MappingException}; the processing exception handler turns them into dead letters with the raw
 * bytes, so nothing here needs to know about the DLQ.
 *
 * <p>It also follows blocking snapshots. A snapshot read belongs to the generation its LSN names (every read of one
 * Postgres snapshot carries the LSN the snapshot started at). When a generation has delivered everything it read
 * from a table's CDC partition, a {@link SnapshotSweep} follows the last read: Debezium marks the last read of each
 * table, the first streamed change after the reads ends them, and Aurum's own capture marks the end in every
 * partition ({@link SnapshotSweep#COMPLETED_HEADER}). Per database it reports when a snapshot starts and ends
 * ({@link SnapshotProgress}). It ends when every topic of the database has ended it in that partition (its last
 * read, Aurum's marker or a streamed change): Debezium's mark on the last read of the whole snapshot is not enough,
 * as the reads of other tables may still be on their way in other topics, and each would start it again.
 */
public final class MapProcessor extends ContextualProcessor<byte[], byte[], String, RowEvent> {
    private final CdcMapper mapper;
    /** Per CDC topic partition, and per database and partition, the generation of the snapshot under way. */
    private final String store;

    private KeyValueStore<String, Long> generations;
    /** A read-through copy of the store: it is read for every event and written twice per snapshot. */
    private final Map<String, Long> open = new HashMap<>();

    public MapProcessor(CdcMapper mapper, String store) {
        this.mapper = mapper;
        this.store = store;
    }

    @Override
    public void init(ProcessorContext<String, RowEvent> context) {
        super.init(context);
        generations = context.getStateStore(store);
        open.clear();
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        RecordMetadata metadata = context()
                .recordMetadata()
                .orElseThrow(() -> new IllegalStateException("CDC records always come from a topic"));
        int partition = metadata.partition();
        String slot = metadata.topic() + "/" + partition;
        Header marker = record.headers().lastHeader(SnapshotSweep.COMPLETED_HEADER);
        if (marker != null) {
            long generation = Long.parseLong(new String(marker.value(), StandardCharsets.UTF_8));
            String source = mapper.sourceOf(metadata.topic());
            sweep(record, source, partition, slot, generation);
            end(record, database(source), metadata.topic(), partition, generation);
            return;
        }
        SourceChange change = mapper.map(metadata.topic(), record.key(), record.value());
        if (change == null) {
            return;
        }
        change = change.withPartition(partition);
        String database = database(change.source());
        Origin origin = change.origin();
        if (origin.blockingRead()) {
            long g = change.position().lsn();
            if (!Long.valueOf(g).equals(get(slot))) {
                set(slot, g);
            }
            String dbSlot = dbSlot(database, partition);
            if (!Long.valueOf(g).equals(get(dbSlot))) {
                set(dbSlot, g);
                forward(record, database, new SnapshotProgress(database, partition, true));
            }
            forward(record, change.recordId(), change);
            if (origin == Origin.SNAPSHOT_LAST || origin == Origin.SNAPSHOT_END) {
                sweep(record, change.source(), partition, slot, g);
                end(record, database, metadata.topic(), partition, g);
            }
            return;
        }
        if (origin == Origin.STREAM) {
            // Debezium streams only after a snapshot's last read: the reads of this partition are all out.
            Long generation = get(slot);
            if (generation != null) {
                sweep(record, change.source(), partition, slot, generation);
            }
            end(record, database, metadata.topic(), partition, get(dbSlot(database, partition)));
        }
        forward(record, change.recordId(), change);
    }

    private void sweep(Record<byte[], byte[]> record, String source, int partition, String slot, long generation) {
        set(slot, null);
        forward(record, source, new SnapshotSweep(source, partition, generation));
    }

    /**
     * Topic {@code topic} delivered everything snapshot {@code generation} read from it in this partition. The
     * snapshot of the database, as seen in this partition, ends once each of its topics did; an end that arrives
     * before the database's first read (an empty table's marker) is kept for when the rest ends.
     */
    private void end(Record<byte[], byte[]> record, String database, String topic, int partition, Long generation) {
        if (generation == null) {
            return;
        }
        set(endedSlot(topic, partition), generation);
        String dbSlot = dbSlot(database, partition);
        if (!generation.equals(get(dbSlot))) {
            return;
        }
        for (String t : mapper.topicsOf(database)) {
            if (!generation.equals(get(endedSlot(t, partition)))) {
                return;
            }
        }
        set(dbSlot, null);
        for (String t : mapper.topicsOf(database)) {
            set(endedSlot(t, partition), null);
        }
        forward(record, database, new SnapshotProgress(database, partition, false));
    }

    private static String endedSlot(String topic, int partition) {
        return "ended:" + topic + "/" + partition;
    }

    private void forward(Record<byte[], byte[]> record, String key, RowEvent event) {
        context().forward(record.withKey(key).withValue(event));
    }

    private static String database(String source) {
        return source.substring(0, source.indexOf('.'));
    }

    private static String dbSlot(String database, int partition) {
        return "db:" + database + "/" + partition;
    }

    private Long get(String slot) {
        if (!open.containsKey(slot)) {
            open.put(slot, generations.get(slot)); // null too: the store is read once per slot
        }
        return open.get(slot);
    }

    private void set(String slot, Long generation) {
        open.put(slot, generation);
        if (generation == null) {
            generations.delete(slot);
        } else {
            generations.put(slot, generation);
        }
    }
}
