package io.aurum.canonical;

import java.util.Map;
import java.util.Set;

/**
 * One row change mapped through the pipeline config: canonical attribute values instead of columns. A change
 * is a delta, not a record: attributes listed in {@code unchanged} were not sent (an unchanged TOAST column) and
 * keep their previous value when the change is applied.
 *
 * @param recordId  {@code <database>.<table>:<key>} of the row
 * @param links     target record id per link column, for rows that name another source's key
 * @param parentId  for a child row, the record id of its parent
 */
public record SourceChange(
        String source,
        String key,
        boolean delete,
        Map<String, Object> attributes,
        Set<String> unchanged,
        Map<String, String> links,
        String parentId,
        Long createdAt,
        Position position) {

    public String recordId() {
        return RecordIds.of(source, key);
    }
}
