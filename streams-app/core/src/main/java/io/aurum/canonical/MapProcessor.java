package io.aurum.canonical;

import org.apache.kafka.streams.processor.api.ContextualProcessor;
import org.apache.kafka.streams.processor.api.Record;

/**
 * First stage: raw CDC bytes to {@link SourceChange}, keyed by the changed row's record id. Errors are thrown as
 * {@link MappingException}; the processing exception handler turns them into dead letters with the raw
 * bytes, so nothing here needs to know about the DLQ.
 */
public final class MapProcessor extends ContextualProcessor<byte[], byte[], String, SourceChange> {
    private final CdcMapper mapper;

    public MapProcessor(CdcMapper mapper) {
        this.mapper = mapper;
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        String topic = context().recordMetadata().map(m -> m.topic())
                .orElseThrow(() -> new IllegalStateException("CDC records always come from a topic"));
        SourceChange change = mapper.map(topic, record.key(), record.value());
        if (change != null) {
            context().forward(record.withKey(change.recordId()).withValue(change));
        }
    }
}
