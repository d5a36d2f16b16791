package io.aurum.survivorship;

import io.aurum.canonical.SourceRecord;
import io.aurum.canonical.SourceRecord.ChildRecord;
import io.aurum.cluster.ClusterView;
import io.aurum.config.PipelineConfig;
import io.aurum.config.PipelineConfig.GoldenFieldDef;
import io.aurum.config.PipelineConfig.RollupDef;
import io.aurum.schemas.FieldValue;
import io.aurum.schemas.GoldenCustomer;
import io.aurum.schemas.SourceRef;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns a cluster's members into its golden record. Each field is taken from its owner system, else from the
 * fallbacks in order; within a system the most recently modified value wins (by source commit time), ties broken
 * by source and key so the result never depends on arrival order. Every value carries its lineage.
 */
public final class Survivorship {
    private static final Comparator<Candidate> NEWEST_FIRST = Comparator
            .comparingLong((Candidate c) -> -c.ts)
            .thenComparing(c -> c.record.source())
            .thenComparing(c -> c.record.key());

    private final PipelineConfig config;

    public Survivorship(PipelineConfig config) {
        this.config = config;
    }

    private record Candidate(SourceRecord record, Object value, long ts) { }

    public GoldenCustomer golden(String goldenId, ClusterView cluster) {
        List<SourceRef> sources = new ArrayList<>();
        long updatedAt = 0;
        for (SourceRecord r : cluster.members().values()) {
            sources.add(new SourceRef(r.source(), r.key()));
            updatedAt = Math.max(updatedAt, r.sourceTs());
        }
        sources.sort(Comparator.comparing(SourceRef::getSource).thenComparing(SourceRef::getKey));
        Map<String, FieldValue> fields = new LinkedHashMap<>();
        for (GoldenFieldDef field : config.goldenFields().values()) {
            fields.put(field.name(), survive(field, cluster));
        }
        for (RollupDef rollup : config.rollups().values()) {
            fields.put(rollup.name(), Rollups.compute(config, rollup, cluster));
        }
        return GoldenCustomer.newBuilder()
                .setId(goldenId)
                .setSources(sources)
                .setFields(fields)
                .setUpdatedAt(java.time.Instant.ofEpochMilli(updatedAt))
                .build();
    }

    private FieldValue survive(GoldenFieldDef field, ClusterView cluster) {
        for (String system : field.systemOrder()) {
            List<Candidate> candidates = new ArrayList<>();
            for (SourceRecord r : cluster.members().values()) {
                if (!system.equals(r.system())) {
                    continue;
                }
                Object value = usable(r.attributes().get(field.attribute()));
                if (value != null) {
                    Long ts = r.attributeTs().get(field.attribute());
                    candidates.add(new Candidate(r, value, ts == null ? r.sourceTs() : ts));
                }
            }
            if (!candidates.isEmpty()) {
                candidates.sort(NEWEST_FIRST);
                Candidate winner = candidates.get(0);
                String rule = (system.equals(field.owner()) ? "owner:" : "fallback:") + system;
                return FieldValue.newBuilder()
                        .setValue(winner.value)
                        .setSystem(system)
                        .setSource(winner.record.source())
                        .setKey(winner.record.key())
                        .setRule(rule)
                        .setSourceTs(java.time.Instant.ofEpochMilli(winner.ts))
                        .build();
            }
        }
        return FieldValue.newBuilder().setRule("none").build();
    }

    /** Blank strings are no value at all. */
    static Object usable(Object value) {
        if (value instanceof String s) {
            String t = s.trim();
            return t.isEmpty() ? null : t;
        }
        return value;
    }

    static List<ChildRecord> children(ClusterView cluster, String childSource) {
        List<ChildRecord> out = new ArrayList<>();
        for (SourceRecord r : cluster.members().values()) {
            List<ChildRecord> rows = r.children().get(childSource);
            if (rows != null) {
                out.addAll(rows);
            }
        }
        return out;
    }
}
