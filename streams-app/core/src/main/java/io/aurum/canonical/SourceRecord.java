package io.aurum.canonical;

import java.util.List;
import java.util.Map;

/**
 * The current state of one parent source record (a customer row in some system), with its children attached:
 * the unit that identity resolution and survivorship work on.
 *
 * @param attributeTs   per attribute, the source commit time of the change that last modified it
 * @param identifiers   sorted identity-graph identifiers: {@code <matchKey>=<normalized value>} and
 *                      {@code @<record id>} for explicit links
 * @param createdAt     the configured created-at column, in epoch millis; orders anchors
 * @param sourceTs      commit time of the latest applied change
 * @param children      child rows by child source, each sorted by key
 */
public record SourceRecord(
        String source,
        String key,
        String system,
        Map<String, Object> attributes,
        Map<String, Long> attributeTs,
        List<String> identifiers,
        long createdAt,
        long sourceTs,
        Map<String, List<ChildRecord>> children) {

    public String recordId() {
        return RecordIds.of(source, key);
    }

    public record ChildRecord(String key, Map<String, Object> attributes, long sourceTs) {}
}
