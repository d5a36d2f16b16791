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
 * <p>It also tells when a blocking snapshot of a table has delivered everything it read from one CDC partition,
 * and then emits a {@link SnapshotSweep} after the last read: Debezium marks the last read of each table, and
 * otherwise the first streamed change after the reads ends them, and Aurum's own capture marks the end in every
 * partition ({@link SnapshotSweep#COMPLETED_HEADER}). A snapshot read belongs to the generation its LSN
 * names (every read of one Postgres snapshot carries the LSN the snapshot started at).
 */
public final class MapProcessor extends ContextualProcessor<byte[], byte[], String, RowEvent> {
    private final CdcMapper mapper;
    /**
     * Its state store (the topology names every store: {@code io.aurum.topology.Stores}): per CDC topic partition,
     * the generation of the blocking snapshot whose reads are arriving there.
     */
    private final String generationsStore;

    private KeyValueStore<String, Long> generations;
    /** A read-through copy of the store: it is read for every event and written once per snapshot. */
    private final Map<String, Long> open = new HashMap<>();

    public MapProcessor(CdcMapper mapper, String generationsStore) {
        this.mapper = mapper;
        this.generationsStore = generationsStore;
    }

    @Override
    public void init(ProcessorContext<String, RowEvent> context) {
        super.init(context);
        generations = context.getStateStore(generationsStore);
        open.clear();
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        RecordMetadata metadata = context()
                .recordMetadata()
                .orElseThrow(() -> new IllegalStateException("CDC records always come from a topic"));
        Header marker = record.headers().lastHeader(SnapshotSweep.COMPLETED_HEADER);
        if (marker != null) {
            // Aurum's own capture marks the end of a snapshot in every partition of every table it read, tables
            // left empty included (Debezium marks only the last read of a table that has rows).
            long generation = Long.parseLong(new String(marker.value(), StandardCharsets.UTF_8));
            String source = mapper.sourceOf(metadata.topic());
            sweep(record, source, metadata.partition(), metadata.topic() + "/" + metadata.partition(), generation);
            return;
        }
        SourceChange change = mapper.map(metadata.topic(), record.key(), record.value());
        if (change == null) {
            return;
        }
        change = change.withPartition(metadata.partition());
        String slot = metadata.topic() + "/" + metadata.partition();
        Long generation = open.computeIfAbsent(slot, generations::get);
        Origin origin = change.origin();
        if (origin.blockingRead()) {
            long g = change.position().lsn();
            if (generation == null || generation != g) {
                setOpen(slot, g);
            }
            context().forward(record.withKey(change.recordId()).withValue(change));
            if (origin == Origin.SNAPSHOT_LAST) {
                sweep(record, change.source(), metadata.partition(), slot, g);
            }
            return;
        }
        if (origin == Origin.STREAM && generation != null) {
            // Debezium streams only after a snapshot's last read: the reads of this partition are all out.
            sweep(record, change.source(), metadata.partition(), slot, generation);
        }
        context().forward(record.withKey(change.recordId()).withValue(change));
    }

    private void sweep(Record<byte[], byte[]> record, String source, int partition, String slot, long generation) {
        setOpen(slot, null);
        context().forward(record.withKey(source).withValue(new SnapshotSweep(source, partition, generation)));
    }

    private void setOpen(String slot, Long generation) {
        open.put(slot, generation);
        if (generation == null) {
            generations.delete(slot);
        } else {
            generations.put(slot, generation);
        }
    }
}
