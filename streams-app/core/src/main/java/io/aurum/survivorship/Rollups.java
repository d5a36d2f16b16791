package io.aurum.survivorship;

import io.aurum.canonical.SourceRecord;
import io.aurum.canonical.SourceRecord.ChildRecord;
import io.aurum.cluster.ClusterView;
import io.aurum.config.GoldenConfig.RollupDef;
import io.aurum.config.GoldenConfig.RollupFunction;
import io.aurum.config.PipelineConfig;
import io.aurum.schemas.FieldValue;
import io.aurum.values.AvroValues;
import io.aurum.values.Canonical;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Golden fields computed over the children of all members of a cluster (count, sum, min, max, latest). The
 * canonical stage has already attached every child to its parent record, whatever the arrival order, so a
 * roll-up only reads the members: when a record moves to another cluster its children move with it.
 */
final class Rollups {
    private Rollups() {}

    /** A child row with the member record it belongs to. */
    record Row(SourceRecord parent, ChildRecord child) {}

    /** The roll-up's value and the rows that made it (for anomalies: which rows to point at). */
    record Result(FieldValue value, List<Row> rows) {}

    static Result compute(PipelineConfig config, RollupDef rollup, ClusterView cluster) {
        List<Row> rows = new ArrayList<>();
        long ts = 0;
        for (SourceRecord r : cluster.members().values()) {
            List<ChildRecord> children = r.children().get(rollup.child());
            if (children == null) {
                continue;
            }
            for (ChildRecord c : children) {
                if (matches(rollup.where(), c)) {
                    rows.add(new Row(r, c));
                    ts = Math.max(ts, c.sourceTs());
                }
            }
        }
        Row chosen = null;
        Object value;
        switch (rollup.function()) {
            case COUNT -> value = (long) rows.size();
            case SUM -> value = typedSum(sum(rows, rollup.attribute()), rollup);
            case MAX, MIN -> {
                chosen = extreme(rows, rollup.attribute(), rollup.function() == RollupFunction.MAX);
                value = chosen == null ? null : chosen.child().attributes().get(rollup.attribute());
            }
            case LATEST -> {
                chosen = latest(rows, rollup);
                value = chosen == null ? null : chosen.child().attributes().get(rollup.attribute());
            }
            default -> throw new IllegalStateException(rollup.function().name());
        }
        String system = config.sources()
                .get(config.sources().get(rollup.child()).parent().source())
                .system();
        FieldValue field = FieldValue.newBuilder()
                .setValue(AvroValues.toAvro(value))
                .setSystem(system)
                .setSource(rollup.child())
                .setKey(chosen == null ? null : chosen.child().key())
                .setRule("rollup:" + rollup.function().name().toLowerCase())
                .setSourceTs(
                        chosen != null
                                ? Instant.ofEpochMilli(chosen.child().sourceTs())
                                : ts == 0 ? null : Instant.ofEpochMilli(ts))
                .build();
        return new Result(field, rows);
    }

    private static boolean matches(Map<String, List<String>> where, ChildRecord c) {
        for (Map.Entry<String, List<String>> e : where.entrySet()) {
            Object v = c.attributes().get(e.getKey());
            if (v == null || !e.getValue().contains(Canonical.text(v))) {
                return false;
            }
        }
        return true;
    }

    private static Object sum(List<Row> rows, String attribute) {
        BigDecimal total = BigDecimal.ZERO;
        boolean fractional = false;
        boolean exact = false;
        for (Row row : rows) {
            Object v = row.child().attributes().get(attribute);
            BigDecimal d = Values.number(v);
            if (d != null) {
                total = total.add(d);
                exact |= v instanceof BigDecimal;
                fractional |= !(v instanceof Long || v instanceof Integer || v instanceof Short)
                        && d.stripTrailingZeros().scale() > 0;
            }
        }
        // Exact amounts (numeric, money) add up exactly, keeping their scale: 10.50 + 2.25 = 12.75, never 12.749999.
        if (exact) {
            return total;
        }
        // Whole amounts (cents, counts) stay longs so consumers get an integer, not 4900.0.
        if (fractional) {
            return total.doubleValue();
        }
        return total.longValue();
    }

    /** A sum declared {@code type: decimal} is a decimal of its scale, also when there is nothing to add (0.00). */
    private static Object typedSum(Object sum, RollupDef rollup) {
        if (rollup.type() != io.aurum.config.GoldenConfig.FieldType.DECIMAL) {
            return sum;
        }
        try {
            return Canonical.decimal(sum).setScale(rollup.scale(), java.math.RoundingMode.UNNECESSARY);
        } catch (ArithmeticException e) {
            return sum; // more decimals than the scale: keep the exact sum; the table column says it is untyped
        }
    }

    /** Ties on the value fall back to the child key, so the answer is the same in any arrival order. */
    private static Row extreme(List<Row> rows, String attribute, boolean max) {
        Comparator<Row> order =
                Comparator.comparing((Row r) -> r.child().attributes().get(attribute), Values.LOOSE);
        Comparator<Row> byValue = max ? order : order.reversed();
        return rows.stream()
                .filter(r -> r.child().attributes().get(attribute) != null)
                .max(byValue.thenComparing(r -> r.child().key(), Keys.ORDER.reversed()))
                .orElse(null);
    }

    /** Among the preferred rows if any match, the latest by order_by (or by last change); ties by key. */
    private static Row latest(List<Row> rows, RollupDef rollup) {
        List<Row> pool = rows;
        if (!rollup.prefer().isEmpty()) {
            List<Row> preferred = rows.stream()
                    .filter(r -> matches(rollup.prefer(), r.child()))
                    .toList();
            if (!preferred.isEmpty()) {
                pool = preferred;
            }
        }
        Comparator<Row> order = rollup.orderBy() == null
                ? Comparator.comparingLong((Row r) -> r.child().sourceTs())
                : Comparator.comparing(
                        (Row r) -> r.child().attributes().get(rollup.orderBy()), Comparator.nullsFirst(Values.LOOSE));
        return pool.stream()
                .max(order.thenComparing(r -> r.child().key(), Keys.ORDER))
                .orElse(null);
    }
}
