package io.aurum.survivorship;

import io.aurum.canonical.SourceRecord.ChildRecord;
import io.aurum.cluster.ClusterView;
import io.aurum.config.PipelineConfig;
import io.aurum.config.PipelineConfig.RollupDef;
import io.aurum.schemas.FieldValue;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/** Golden fields computed over the children of all members of a cluster (count, sum, min, max, latest). */
final class Rollups {
    private Rollups() { }

    static FieldValue compute(PipelineConfig config, RollupDef rollup, ClusterView cluster) {
        List<ChildRecord> rows = new ArrayList<>();
        long ts = 0;
        for (ChildRecord c : Survivorship.children(cluster, rollup.child())) {
            if (matches(rollup.where(), c)) {
                rows.add(c);
                ts = Math.max(ts, c.sourceTs());
            }
        }
        Object value = switch (rollup.function()) {
            case COUNT -> (long) rows.size();
            case SUM -> sum(rows, rollup.attribute());
            case MAX -> extreme(rows, rollup.attribute(), true);
            case MIN -> extreme(rows, rollup.attribute(), false);
            case LATEST -> latest(rows, rollup.attribute(), rollup.orderBy());
        };
        String system = config.sources().get(config.sources().get(rollup.child()).parent().source()).system();
        return FieldValue.newBuilder()
                .setValue(value)
                .setSystem(system)
                .setSource(rollup.child())
                .setRule("rollup:" + rollup.function().name().toLowerCase())
                .setSourceTs(ts == 0 ? null : java.time.Instant.ofEpochMilli(ts))
                .build();
    }

    private static boolean matches(Map<String, List<String>> where, ChildRecord c) {
        for (Map.Entry<String, List<String>> e : where.entrySet()) {
            Object v = c.attributes().get(e.getKey());
            if (v == null || !e.getValue().contains(v.toString())) {
                return false;
            }
        }
        return true;
    }

    private static Object sum(List<ChildRecord> rows, String attribute) {
        long longSum = 0;
        double doubleSum = 0;
        boolean fractional = false;
        for (ChildRecord c : rows) {
            Object v = c.attributes().get(attribute);
            if (v instanceof Long || v instanceof Integer || v instanceof Short) {
                longSum += ((Number) v).longValue();
            } else if (v instanceof Number n) {
                fractional = true;
                doubleSum += n.doubleValue();
            } else if (v instanceof String s && !s.isBlank()) {
                try {
                    longSum += Long.parseLong(s.trim());
                } catch (NumberFormatException e) {
                    fractional = true;
                    doubleSum += Double.parseDouble(s.trim());
                }
            }
        }
        // Not a conditional expression: numeric promotion would turn every sum into a double.
        if (fractional) {
            return doubleSum + longSum;
        }
        return longSum;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Object extreme(List<ChildRecord> rows, String attribute, boolean max) {
        Comparable best = null;
        for (ChildRecord c : rows) {
            Object v = c.attributes().get(attribute);
            if (v instanceof Comparable cmp && (best == null || (best.getClass() == cmp.getClass()
                    && (max ? cmp.compareTo(best) > 0 : cmp.compareTo(best) < 0)))) {
                best = cmp;
            }
        }
        return best;
    }

    private static Object latest(List<ChildRecord> rows, String attribute, String orderBy) {
        // Ties on the ordering attribute fall back to the child key, so the answer is the same in any arrival order.
        return rows.stream()
                .filter(c -> c.attributes().get(orderBy) != null)
                .max(Comparator.comparing((ChildRecord c) -> c.attributes().get(orderBy).toString())
                        .thenComparing(ChildRecord::key))
                .map(c -> c.attributes().get(attribute))
                .orElse(null);
    }
}
