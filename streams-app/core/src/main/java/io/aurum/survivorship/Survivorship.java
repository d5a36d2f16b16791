package io.aurum.survivorship;

import io.aurum.canonical.RecordIds;
import io.aurum.canonical.SourceRecord;
import io.aurum.cluster.ClusterView;
import io.aurum.config.GoldenConfig;
import io.aurum.config.GoldenConfig.AnomalyDef;
import io.aurum.config.GoldenConfig.FieldDef;
import io.aurum.config.GoldenConfig.RollupDef;
import io.aurum.config.GoldenConfig.Rule;
import io.aurum.config.PipelineConfig;
import io.aurum.schemas.CollectedValue;
import io.aurum.schemas.Conflict;
import io.aurum.schemas.FieldValue;
import io.aurum.schemas.GoldenCustomer;
import io.aurum.schemas.SourceRef;
import io.aurum.values.AvroValues;
import io.aurum.values.Canonical;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Turns a cluster's members (and the steward overrides that apply to it) into its golden record and its open
 * conflicts. Per field: an override wins outright; else the owner system's usable value; else the field's rule
 * over the usable values of its systems. Every rule ends in the same tie-break (system priority, then source,
 * then key), so the result never depends on arrival order. Every value carries its lineage.
 */
public final class Survivorship {
    public static final String KIND_VALUE = "value";
    public static final String KIND_ANOMALY = "anomaly";
    static final String OVERRIDE = "override";
    static final String CANDIDATE = "candidate";

    private final PipelineConfig config;
    private final GoldenConfig golden;
    private final Comparator<Candidate> tieBreak;
    private final Map<String, Comparator<Candidate>> ruleOrder = new HashMap<>();

    public Survivorship(PipelineConfig config) {
        this.config = config;
        this.golden = config.golden();
        this.tieBreak = Comparator.comparingInt(Candidate::priority)
                .thenComparing(c -> c.record.source())
                .thenComparing(c -> c.record.key(), Keys.ORDER);
        golden.fields().values().forEach(f -> ruleOrder.put(f.name(), order(f)));
    }

    /** What the golden stage joins per golden id: the cluster and the overrides aimed at it (may be null). */
    public record Input(ClusterView cluster, Overrides overrides) {}

    /** A usable value of one member, with the commit time of the change that last modified it. */
    record Candidate(SourceRecord record, Values.Clean clean, long ts, int priority) {
        String system() {
            return record.system();
        }
    }

    /** The golden record alone, without overrides. */
    public GoldenCustomer golden(String goldenId, ClusterView cluster) {
        return survive(goldenId, cluster, null).golden();
    }

    public Outcome survive(String goldenId, ClusterView cluster, Overrides overrides) {
        List<SourceRef> sources = new ArrayList<>(cluster.members().size());
        long updatedAt = 0;
        for (SourceRecord r : cluster.members().values()) {
            sources.add(new SourceRef(r.source(), r.key()));
            updatedAt = Math.max(updatedAt, r.sourceTs());
        }
        sources.sort(Comparator.comparing(SourceRef::getSource).thenComparing(SourceRef::getKey));
        Map<String, Steward> stewards = new HashMap<>();
        if (overrides != null) {
            for (Steward s : overrides.byId().values()) {
                stewards.merge(s.field(), s, (a, b) -> Overrides.PRECEDENCE.compare(a, b) <= 0 ? a : b);
            }
        }

        Map<String, FieldValue> fields = new LinkedHashMap<>();
        List<Conflict> conflicts = new ArrayList<>();
        Map<String, Optional<Values.Clean>> memo = new HashMap<>();
        for (FieldDef field : golden.fields().values()) {
            Steward steward = stewards.get(field.name());
            if (steward != null) {
                // The steward has decided: the field's disagreement is settled, so it opens no conflict.
                fields.put(field.name(), overridden(steward));
                updatedAt = Math.max(updatedAt, steward.at());
            } else {
                fields.put(field.name(), survive(goldenId, field, cluster, conflicts, memo));
            }
        }
        Map<String, Rollups.Result> rollups = new HashMap<>();
        for (RollupDef rollup : golden.rollups().values()) {
            Steward steward = stewards.get(rollup.name());
            if (steward != null) {
                fields.put(rollup.name(), overridden(steward));
                updatedAt = Math.max(updatedAt, steward.at());
            } else {
                Rollups.Result result = Rollups.compute(config, rollup, cluster);
                rollups.put(rollup.name(), result);
                fields.put(rollup.name(), result.value());
            }
        }
        for (AnomalyDef anomaly : golden.anomalies().values()) {
            FieldValue value = fields.get(anomaly.field());
            BigDecimal n = Values.number(AvroValues.fromAvro(value.getValue()));
            if (n != null && anomaly.brokenBy(n.doubleValue())) {
                conflicts.add(anomaly(goldenId, anomaly, value, rollups.get(anomaly.field())));
            }
        }
        conflicts.sort(Comparator.comparing(Conflict::getField));
        GoldenCustomer record = GoldenCustomer.newBuilder()
                .setId(goldenId)
                .setSources(sources)
                .setFields(fields)
                .setUpdatedAt(Instant.ofEpochMilli(updatedAt))
                .setOpenConflicts(conflicts.size())
                .build();
        return new Outcome(record, conflicts);
    }

    private FieldValue survive(
            String goldenId,
            FieldDef field,
            ClusterView cluster,
            List<Conflict> conflicts,
            Map<String, Optional<Values.Clean>> memo) {
        List<Candidate> candidates = new ArrayList<>();
        for (SourceRecord r : cluster.members().values()) {
            if (!field.considers(r.system())) {
                continue;
            }
            Values.Clean clean = Values.clean(
                    field, r.attributes().get(field.attribute()), r.attributes(), config.blocklist(), memo);
            if (clean != null) {
                Long ts = r.attributeTs().get(field.attribute());
                candidates.add(new Candidate(r, clean, ts == null ? r.sourceTs() : ts, config.priorityOf(r.system())));
            }
        }
        if (candidates.isEmpty()) {
            return FieldValue.newBuilder().setRule("none").build();
        }
        if (field.rule() == Rule.COLLECT) {
            return collect(field, candidates);
        }
        List<Candidate> ranked = rank(field, candidates);
        Candidate winner = null;
        String rule = field.rule().label();
        if (field.owner() != null) {
            for (Candidate c : ranked) {
                if (field.owner().equals(c.system())) {
                    winner = c;
                    rule = "owner:" + field.owner();
                    break;
                }
            }
        }
        if (winner == null) {
            winner = ranked.get(0);
        }
        FieldValue value = fieldValue(field, winner, rule);
        if (field.conflicts()) {
            Map<String, Candidate> others = new LinkedHashMap<>();
            for (Candidate c : ranked) {
                if (!c.clean().normal().equals(winner.clean().normal())) {
                    others.putIfAbsent(c.clean().normal(), c);
                }
            }
            if (!others.isEmpty()) {
                conflicts.add(valueConflict(goldenId, field, value, others.values()));
            }
        }
        return value;
    }

    /**
     * The candidates in the field's rule order, best first. The owner's candidates are ranked by the same rule,
     * so several records of the owner system are decided the same way as the fallback.
     */
    private List<Candidate> rank(FieldDef field, List<Candidate> candidates) {
        Comparator<Candidate> order = ruleOrder.get(field.name());
        if (field.rule() == Rule.MOST_FREQUENT) {
            Map<String, Integer> counts = new HashMap<>();
            for (Candidate c : candidates) {
                counts.merge(c.clean().normal(), 1, Integer::sum);
            }
            order = Comparator.comparingInt(
                            (Candidate c) -> -counts.get(c.clean().normal()))
                    .thenComparing(tieBreak);
        }
        candidates.sort(order);
        return candidates;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private Comparator<Candidate> order(FieldDef field) {
        Comparator<Candidate> newest =
                Comparator.comparingLong((Candidate c) -> c.ts).reversed();
        Comparator<Candidate> byValue =
                Comparator.comparing(c -> (Comparable) c.clean().order());
        return switch (field.rule()) {
            // Among several records of one system, the most recently modified value.
            case SOURCE_PRIORITY ->
                Comparator.comparingInt((Candidate c) -> {
                            int i = field.systems().indexOf(c.system());
                            return i < 0 ? Integer.MAX_VALUE : i;
                        })
                        .thenComparing(newest)
                        .thenComparing(tieBreak);
            case MOST_RECENT -> newest.thenComparing(tieBreak);
            case OLDEST -> Comparator.comparingLong((Candidate c) -> c.ts).thenComparing(tieBreak);
            case LONGEST ->
                Comparator.comparingInt(
                                (Candidate c) -> -c.clean().value().toString().length())
                        .thenComparing(tieBreak);
            case MIN -> byValue.thenComparing(tieBreak);
            case MAX -> byValue.reversed().thenComparing(tieBreak);
            case MOST_FREQUENT, COLLECT -> tieBreak;
        };
    }

    /** Every distinct value, best-ranked holder first; the field's own value is the first of them. */
    private FieldValue collect(FieldDef field, List<Candidate> candidates) {
        candidates.sort(tieBreak);
        Map<String, List<Candidate>> groups = new LinkedHashMap<>();
        long latest = 0;
        for (Candidate c : candidates) {
            groups.computeIfAbsent(c.clean().normal(), n -> new ArrayList<>()).add(c);
            latest = Math.max(latest, c.ts);
        }
        List<CollectedValue> values = new ArrayList<>(groups.size());
        for (List<Candidate> group : groups.values()) {
            List<SourceRef> refs = new ArrayList<>(group.size());
            for (Candidate c : group) {
                refs.add(new SourceRef(c.record.source(), c.record.key()));
            }
            refs.sort(Comparator.comparing(SourceRef::getSource).thenComparing(SourceRef::getKey));
            Values.Clean best = group.get(0).clean();
            values.add(new CollectedValue(AvroValues.toAvro(best.golden(field)), refs, best.raw(field)));
        }
        Candidate first = candidates.get(0);
        return FieldValue.newBuilder(fieldValue(field, first, Rule.COLLECT.label()))
                .setSourceTs(Instant.ofEpochMilli(latest))
                .setValues(values)
                .build();
    }

    private static FieldValue fieldValue(FieldDef field, Candidate c, String rule) {
        return FieldValue.newBuilder()
                .setValue(AvroValues.toAvro(c.clean().golden(field)))
                .setRaw(c.clean().raw(field))
                .setSystem(c.system())
                .setSource(c.record.source())
                .setKey(c.record.key())
                .setRule(rule)
                .setSourceTs(Instant.ofEpochMilli(c.ts))
                .build();
    }

    private FieldValue overridden(Steward s) {
        return FieldValue.newBuilder()
                .setValue(AvroValues.toAvro(s.value()))
                .setSystem(
                        s.source() == null
                                ? null
                                : config.sources().get(s.source()).system())
                .setSource(s.source())
                .setKey(s.key())
                .setRule(OVERRIDE)
                .setSourceTs(Instant.ofEpochMilli(s.at()))
                .setWho(s.who())
                .setWhy(s.why())
                .build();
    }

    private static Conflict valueConflict(
            String goldenId, FieldDef field, FieldValue winner, Iterable<Candidate> others) {
        // A map, not a list: Avro decodes arrays into GenericData.Array, whose equals cannot compare the records'
        // timestamps, so consumers could not compare two conflicts.
        Map<String, FieldValue> values = new LinkedHashMap<>();
        long ts = winner.getSourceTs().toEpochMilli();
        for (Candidate c : others) {
            values.put(c.record.recordId(), fieldValue(field, c, CANDIDATE));
            ts = Math.max(ts, c.ts);
        }
        return Conflict.newBuilder()
                .setGoldenId(goldenId)
                .setField(field.name())
                .setKind(KIND_VALUE)
                .setDescription((values.size() + 1) + " different values of " + field.name())
                .setWinner(winner)
                .setValues(values)
                .setSourceTs(Instant.ofEpochMilli(ts))
                .build();
    }

    /** For a roll-up, points at each row it counted; the value names the member record the row belongs to. */
    private static Conflict anomaly(String goldenId, AnomalyDef anomaly, FieldValue value, Rollups.Result rollup) {
        Map<String, FieldValue> values = new LinkedHashMap<>();
        long ts = value.getSourceTs() == null ? 0 : value.getSourceTs().toEpochMilli();
        if (rollup == null) {
            values.put(value.getSource() == null ? "" : RecordIds.of(value.getSource(), value.getKey()), value);
        } else {
            for (Rollups.Row row : rollup.rows()) {
                values.put(
                        RecordIds.of(value.getSource(), row.child().key()),
                        FieldValue.newBuilder()
                                .setValue(RecordIds.of(
                                        row.parent().source(), row.parent().key()))
                                .setSystem(row.parent().system())
                                .setSource(value.getSource())
                                .setKey(row.child().key())
                                .setRule(value.getRule())
                                .setSourceTs(Instant.ofEpochMilli(row.child().sourceTs()))
                                .build());
                ts = Math.max(ts, row.child().sourceTs());
            }
        }
        String description = anomaly.description() != null
                ? anomaly.description()
                : anomaly.field() + " = " + Canonical.text(AvroValues.fromAvro(value.getValue())) + " is outside ["
                        + (anomaly.min() == null ? "" : anomaly.min()) + ", "
                        + (anomaly.max() == null ? "" : anomaly.max()) + "]";
        return Conflict.newBuilder()
                .setGoldenId(goldenId)
                .setField(anomaly.name())
                .setKind(KIND_ANOMALY)
                .setDescription(description)
                .setWinner(value)
                .setValues(values)
                .setSourceTs(ts == 0 ? null : Instant.ofEpochMilli(ts))
                .build();
    }
}
