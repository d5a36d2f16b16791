package io.aurum.identity;

import io.aurum.canonical.Identifiers;
import io.aurum.canonical.Normalizers;
import io.aurum.canonical.SourceRecord;
import io.aurum.config.PipelineConfig;
import io.aurum.config.PipelineConfig.ComparisonDef;
import io.aurum.config.PipelineConfig.MatchKeyDef;
import io.aurum.config.PipelineConfig.MatchRuleDef;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.apache.commons.text.similarity.JaroWinklerSimilarity;

/**
 * Which identifiers link which records: the over-merge protection (blocklists, a maximum of records per value) and
 * the pairwise comparisons of compound rules. Everything here is a function of the identifier and the current
 * holders, never of history, so the clusters stay a pure function of the sources.
 */
public final class Linking {
    private static final JaroWinklerSimilarity JARO_WINKLER = new JaroWinklerSimilarity();

    private final PipelineConfig config;
    private final Map<String, List<Pattern>> blocklists = new HashMap<>();

    public Linking(PipelineConfig config) {
        this.config = config;
        config.matchKeys().forEach((name, key) -> blocklists.put(name,
                key.blocklist().stream().map(Linking::glob).toList()));
    }

    private static Pattern glob(String pattern) {
        StringBuilder regex = new StringBuilder();
        for (String part : pattern.trim().toLowerCase(java.util.Locale.ROOT).split("\\*", -1)) {
            if (!regex.isEmpty()) {
                regex.append(".*");
            }
            regex.append(Pattern.quote(part));
        }
        return Pattern.compile(regex.toString());
    }

    /** Whether the value is on its match key's blocklist. */
    public boolean blocklisted(String identifier) {
        String name = Identifiers.keyName(identifier);
        List<Pattern> patterns = name == null ? null : blocklists.get(name);
        if (patterns == null || patterns.isEmpty()) {
            return false;
        }
        String value = Identifiers.value(identifier);
        return patterns.stream().anyMatch(p -> p.matcher(value).matches());
    }

    /** The most records a value may link; links and steward assertions are never limited. */
    public int limit(String identifier) {
        String name = Identifiers.keyName(identifier);
        if (name == null) {
            return Integer.MAX_VALUE;
        }
        MatchKeyDef key = config.matchKeys().get(name);
        if (key != null) {
            return key.maxRecords();
        }
        MatchRuleDef rule = config.matchRules().get(name);
        return rule == null ? PipelineConfig.DEFAULT_MAX_RECORDS : rule.maxRecords();
    }

    /** Whether an identifier held by {@code holders} records links them at all. */
    public boolean active(String identifier, int holders) {
        return holders <= limit(identifier) && !blocklisted(identifier);
    }

    /** Whether two holders of the same identifier are linked by it: always, except inside a compound rule's block. */
    public boolean linksPair(String identifier, IdNode a, IdNode b) {
        return linksPair(identifier, a.features(), b.features());
    }

    /** As {@link #linksPair(String, IdNode, IdNode)}, on the compared attribute values of two records. */
    public boolean linksPair(String identifier, Map<String, String> a, Map<String, String> b) {
        String name = Identifiers.keyName(identifier);
        MatchRuleDef rule = name == null ? null : config.matchRules().get(name);
        if (rule == null) {
            return true;
        }
        for (ComparisonDef c : rule.comparisons()) {
            String x = a.get(c.attribute());
            String y = b.get(c.attribute());
            if (x == null || y == null) {
                return false;
            }
            double similarity = switch (c.method()) {
                case EXACT -> x.equals(y) ? 1.0 : 0.0;
                case JARO_WINKLER -> JARO_WINKLER.apply(x, y);
            };
            if (similarity < c.threshold()) {
                return false;
            }
        }
        return true;
    }

    /** The attribute values compound rules compare, in their normal form (lower case, whitespace folded). */
    public Map<String, String> features(SourceRecord record) {
        Map<String, String> out = new TreeMap<>();
        for (MatchRuleDef rule : config.matchRules().values()) {
            for (ComparisonDef c : rule.comparisons()) {
                Object v = record.attributes().get(c.attribute());
                String text = v == null ? null : Normalizers.text(v.toString());
                if (text != null) {
                    out.put(c.attribute(), text);
                }
            }
        }
        return out;
    }
}
