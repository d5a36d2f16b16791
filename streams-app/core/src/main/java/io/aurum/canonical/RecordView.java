package io.aurum.canonical;

import io.aurum.canonical.SourceRecord.ChildRecord;
import io.aurum.config.PipelineConfig;
import io.aurum.config.PipelineConfig.SourceDef;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** A parent record as identity and survivorship see it: its row, its children and the assertions naming it. */
public final class RecordView {
    private RecordView() {}

    /** The record, or null while its parent row is absent or deleted. */
    public static SourceRecord of(
            PipelineConfig config,
            String recordId,
            StoredRow parent,
            Map<String, Map<String, ChildRecord>> childRows,
            Set<String> assertions) {
        return of(config, recordId, parent, childRows, assertions, Set.of());
    }

    /**
     * The record, or null while its parent row is absent or deleted.
     *
     * @param assertions  the ids of the must-link assertions naming it (identifiers {@code !<id>})
     * @param cannotLinks the ids of the cannot-link assertions naming it (identifiers {@code ~<id>})
     */
    public static SourceRecord of(
            PipelineConfig config,
            String recordId,
            StoredRow parent,
            Map<String, Map<String, ChildRecord>> childRows,
            Set<String> assertions,
            Set<String> cannotLinks) {
        if (parent == null || parent.deleted()) {
            return null;
        }
        String source = RecordIds.source(recordId);
        SourceDef def = config.sources().get(source);
        Map<String, List<ChildRecord>> children = new LinkedHashMap<>();
        childRows.forEach((childSource, rows) -> children.put(childSource, new ArrayList<>(rows.values())));
        long sourceTs = parent.position().tsMs();
        for (List<ChildRecord> rows : children.values()) {
            for (ChildRecord c : rows) {
                sourceTs = Math.max(sourceTs, c.sourceTs());
            }
        }
        List<String> identifiers =
                Identifiers.of(config, def, parent.attributes(), parent.links().values());
        if (!assertions.isEmpty() || !cannotLinks.isEmpty()) {
            TreeSet<String> all = new TreeSet<>(identifiers);
            assertions.forEach(a -> all.add(Identifiers.ASSERTION_PREFIX + a));
            cannotLinks.forEach(a -> all.add(Identifiers.CANNOT_LINK_PREFIX + a));
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
