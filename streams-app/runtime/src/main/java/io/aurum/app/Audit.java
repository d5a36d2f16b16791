package io.aurum.app;

import io.aurum.canonical.MappingException;
import io.aurum.canonical.SourceRecord;
import io.aurum.cluster.ClusterView;
import io.aurum.config.GoldenConfig.FieldDef;
import io.aurum.config.GoldenConfig.RollupDef;
import io.aurum.config.GoldenConfig.RollupFunction;
import io.aurum.config.GoldenConfig.Rule;
import io.aurum.config.PipelineConfig;
import io.aurum.identity.GoldenIds;
import io.aurum.identity.Membership;
import io.aurum.identity.ReferenceResolver;
import io.aurum.normalize.Normalizers;
import io.aurum.schemas.CollectedValue;
import io.aurum.schemas.FieldOverride;
import io.aurum.schemas.FieldValue;
import io.aurum.schemas.GoldenCustomer;
import io.aurum.schemas.Redirect;
import io.aurum.schemas.SourceRef;
import io.aurum.schemas.XrefEntry;
import io.aurum.steward.Assertion;
import io.aurum.survivorship.Overrides;
import io.aurum.survivorship.Steward;
import io.aurum.survivorship.Survivorship;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The consistency audit's comparison: what the batch reference model (identity by {@link ReferenceResolver},
 * golden fields by {@link Survivorship}, overrides routed as the pipeline routes them) says the public topics
 * should hold for a set of source records, against what customers.golden, .xref and .redirects hold.
 *
 * <p>Golden fields are compared by value (and collected values as sets). A snapshot cannot see commit times, so a
 * field whose rule decides by time (most_recent, oldest, several records of one system) that differs from the
 * expected value is accepted when the live value is one a member holds, and counted as decided by commit time.
 * Lineage times ({@code sourceTs}, {@code updatedAt}) are not compared for the same reason.
 */
public final class Audit {
    /** One difference: what, about which key, expected and actual (for people). */
    public record Difference(String kind, String key, String expected, String actual) {
        public String id() {
            return kind + " " + key;
        }
    }

    /** The expected state of the topics. */
    public record Expected(
            Map<String, Membership> memberships, Map<String, GoldenCustomer> golden, Map<String, String> redirects) {}

    /** The result of one comparison. */
    public record Result(List<Difference> differences, int timeDecided, int compared) {}

    private final PipelineConfig config;
    private final Survivorship survivorship;

    public Audit(PipelineConfig config) {
        this.config = config;
        this.survivorship = new Survivorship(config);
    }

    /** Steward assertions as the pipeline reads them (a malformed one is a dead letter there: left out here too). */
    public Map<String, Assertion> assertions(Map<String, byte[]> topic) {
        Map<String, Assertion> out = new TreeMap<>();
        topic.forEach((id, value) -> {
            try {
                out.put(id, Assertion.parse(config, value));
            } catch (MappingException e) {
                // not an assertion the pipeline applies
            }
        });
        return out;
    }

    public Expected expected(List<SourceRecord> records, Map<String, FieldOverride> overrideTopic) {
        Map<String, Membership> memberships = new ReferenceResolver(config).resolve(records);
        Map<String, ClusterView> clusters = new TreeMap<>();
        Map<String, SourceRecord> byId = new HashMap<>();
        for (SourceRecord r : records) {
            byId.put(r.recordId(), r);
            Membership m = memberships.get(r.recordId());
            clusters.computeIfAbsent(m.goldenId(), g -> new ClusterView(new TreeMap<>()))
                    .members()
                    .put(r.recordId(), r);
        }
        Map<String, Overrides> overrides = new HashMap<>();
        overrideTopic.forEach((key, o) -> {
            Steward s;
            try {
                s = Steward.of(config, key, o);
            } catch (MappingException e) {
                return;
            }
            String goldenId = s.recordId() == null
                    ? s.goldenId()
                    : memberships.containsKey(s.recordId())
                            ? memberships.get(s.recordId()).goldenId()
                            : null;
            if (goldenId != null) {
                overrides.put(
                        goldenId,
                        overrides.getOrDefault(goldenId, Overrides.empty()).with(s.routedTo(goldenId)));
            }
        });
        Map<String, GoldenCustomer> golden = new TreeMap<>();
        clusters.forEach((id, cluster) -> golden.put(
                id, survivorship.survive(id, cluster, overrides.get(id)).golden()));
        Map<String, String> redirects = new TreeMap<>();
        memberships.forEach((recordId, m) -> {
            String own = GoldenIds.of(recordId);
            if (!own.equals(m.goldenId())) {
                redirects.put(own, m.goldenId());
            }
        });
        return new Expected(memberships, golden, redirects);
    }

    public Result compare(
            Expected expected,
            Map<String, XrefEntry> xref,
            Map<String, GoldenCustomer> golden,
            Map<String, Redirect> redirects,
            Map<String, SourceRecord> records) {
        List<Difference> out = new ArrayList<>();
        int[] timeDecided = {0};
        for (Map.Entry<String, Membership> e : expected.memberships().entrySet()) {
            XrefEntry x = xref.get(e.getKey());
            Membership m = e.getValue();
            if (x == null) {
                out.add(new Difference("xref.missing", e.getKey(), m.goldenId(), null));
            } else if (!x.getGoldenId().equals(m.goldenId())) {
                out.add(new Difference("xref.golden_id", e.getKey(), m.goldenId(), x.getGoldenId()));
            } else if (!Objects.equals(x.getReason(), m.reason())) {
                out.add(new Difference("xref.reason", e.getKey(), m.reason(), x.getReason()));
            }
        }
        for (String recordId : xref.keySet()) {
            if (!expected.memberships().containsKey(recordId)) {
                out.add(new Difference(
                        "xref.unexpected", recordId, null, xref.get(recordId).getGoldenId()));
            }
        }
        for (Map.Entry<String, GoldenCustomer> e : expected.golden().entrySet()) {
            GoldenCustomer live = golden.get(e.getKey());
            if (live == null) {
                out.add(new Difference("golden.missing", e.getKey(), members(e.getValue()), null));
                continue;
            }
            compareGolden(e.getValue(), live, records, out, timeDecided);
        }
        for (String id : golden.keySet()) {
            if (!expected.golden().containsKey(id)) {
                out.add(new Difference("golden.unexpected", id, null, members(golden.get(id))));
            }
        }
        for (Map.Entry<String, String> e : expected.redirects().entrySet()) {
            Redirect r = redirects.get(e.getKey());
            if (r == null || !r.getGoldenId().equals(e.getValue())) {
                out.add(new Difference(
                        "redirect.current", e.getKey(), e.getValue(), r == null ? null : r.getGoldenId()));
            }
        }
        for (Map.Entry<String, Redirect> e : redirects.entrySet()) {
            if (!expected.redirects().containsKey(e.getKey())
                    && !golden.containsKey(e.getValue().getGoldenId())) {
                // History (a deleted record's id, a split) need not be predicted, but must lead to a live customer.
                out.add(new Difference(
                        "redirect.dangling",
                        e.getKey(),
                        "a live golden id",
                        e.getValue().getGoldenId()));
            }
        }
        return new Result(out, timeDecided[0], expected.golden().size());
    }

    private void compareGolden(
            GoldenCustomer want,
            GoldenCustomer live,
            Map<String, SourceRecord> records,
            List<Difference> out,
            int[] timeDecided) {
        String id = want.getId();
        if (!members(want).equals(members(live))) {
            out.add(new Difference("golden.members", id, members(want), members(live)));
            return;
        }
        for (Map.Entry<String, FieldValue> f : want.getFields().entrySet()) {
            FieldValue w = f.getValue();
            FieldValue l = live.getFields().get(f.getKey());
            if (l == null) {
                out.add(new Difference("golden.field", id + "/" + f.getKey(), text(w), null));
                continue;
            }
            if (sameValue(w, l)) {
                continue;
            }
            if (decidedByTime(f.getKey())
                    && !"override".equals(w.getRule())
                    && heldByAMember(f.getKey(), l, want, records)) {
                timeDecided[0]++;
                continue;
            }
            out.add(new Difference("golden.field", id + "/" + f.getKey(), text(w), text(l)));
        }
    }

    private static boolean sameValue(FieldValue a, FieldValue b) {
        if (a.getValues() != null || b.getValues() != null) {
            return collected(a).equals(collected(b));
        }
        return Objects.equals(str(a.getValue()), str(b.getValue()));
    }

    private static Set<String> collected(FieldValue f) {
        Set<String> out = new TreeSet<>();
        if (f.getValues() != null) {
            for (CollectedValue v : f.getValues()) {
                out.add(str(v.getValue()));
            }
        }
        return out;
    }

    /**
     * A value as text for comparing: a live value arrives as its branch of the public value union (a timestamp as a
     * {@code TimestampValue} record, a decimal as a {@code DecimalValue}), the model's may be the canonical Java value
     * itself (an {@code Instant}, a {@code BigDecimal}); both are compared as the canonical value a reader sees.
     */
    static String str(Object v) {
        if (v == null) {
            return null;
        }
        Object canonical;
        try {
            canonical = io.aurum.values.AvroValues.fromAvro(v);
        } catch (IllegalArgumentException alreadyCanonical) {
            canonical = v;
        }
        return canonical instanceof byte[] b ? java.util.HexFormat.of().formatHex(b) : String.valueOf(canonical);
    }

    /** Whether a snapshot can decide the field: false when commit times (which it cannot see) may decide it. */
    private boolean decidedByTime(String field) {
        FieldDef def = config.golden().fields().get(field);
        if (def != null) {
            return def.rule() == Rule.MOST_RECENT
                    || def.rule() == Rule.OLDEST
                    || def.rule() == Rule.SOURCE_PRIORITY
                    || def.owner() != null;
        }
        RollupDef rollup = config.golden().rollups().get(field);
        return rollup != null && rollup.function() == RollupFunction.LATEST && rollup.orderBy() == null;
    }

    /** Whether the live value is one some member (of a system the field considers) holds, in normal form. */
    private boolean heldByAMember(
            String field, FieldValue live, GoldenCustomer want, Map<String, SourceRecord> records) {
        FieldDef def = config.golden().fields().get(field);
        if (def == null) {
            return true; // a latest roll-up without order_by: the last commit alone decides
        }
        String got = normal(def, str(live.getValue()), null);
        for (SourceRef ref : want.getSources()) {
            SourceRecord r = records.get(ref.getSource() + ":" + ref.getKey());
            if (r == null || !def.considers(r.system())) {
                continue;
            }
            Object v = r.attributes().get(def.attribute());
            Object region = def.regionFrom() == null ? null : r.attributes().get(def.regionFrom());
            if (v != null && Objects.equals(normal(def, v.toString(), region), got)) {
                return true;
            }
        }
        return false;
    }

    private static String normal(FieldDef def, String v, Object region) {
        if (v == null) {
            return null;
        }
        return switch (def.type()) {
            case EMAIL -> Normalizers.email(v);
            case PHONE -> Normalizers.phone(v, region == null ? null : region.toString(), def.defaultRegion());
            case TEXT -> Normalizers.text(v);
            default -> v.trim();
        };
    }

    static String members(GoldenCustomer g) {
        List<String> ids = new ArrayList<>();
        for (SourceRef r : g.getSources()) {
            ids.add(r.getSource() + ":" + r.getKey());
        }
        return String.join(",", ids);
    }

    private static String text(FieldValue f) {
        if (f.getValues() != null) {
            return collected(f).toString();
        }
        return f.getValue() == null ? "(none)" : str(f.getValue()) + " [" + f.getRule() + "]";
    }

    /** Records by id, for the time-decided check. */
    public static Map<String, SourceRecord> byId(List<SourceRecord> records) {
        Map<String, SourceRecord> out = new LinkedHashMap<>();
        records.forEach(r -> out.put(r.recordId(), r));
        return out;
    }
}
