package io.aurum.identity;

import io.aurum.canonical.Identifiers;
import io.aurum.canonical.SourceRecord;
import io.aurum.config.Blocklist;
import io.aurum.config.PipelineConfig;
import io.aurum.config.PipelineConfig.ComparisonDef;
import io.aurum.config.PipelineConfig.MatchKeyDef;
import io.aurum.config.PipelineConfig.MatchRuleDef;
import io.aurum.normalize.Normalizers;
import java.util.Map;
import java.util.TreeMap;
import org.apache.commons.text.similarity.JaroWinklerSimilarity;

/**
 * Which identifiers link which records: the over-merge protection (blocklists, a maximum of records per value) and
 * the pairwise comparisons of compound rules. Everything here is a function of the identifier and the current
 * holders, never of history, so the clusters stay a pure function of the sources.
 */
public final class Linking {
    private static final JaroWinklerSimilarity JARO_WINKLER = new JaroWinklerSimilarity();

    private final PipelineConfig config;

    public Linking(PipelineConfig config) {
        this.config = config;
    }

    /** Whether the value is on the config's blocklist, checked against its match key's kind. */
    public boolean blocklisted(String identifier) {
        String name = Identifiers.keyName(identifier);
        MatchKeyDef key = name == null ? null : config.matchKeys().get(name);
        if (key == null) {
            return false;
        }
        String kind =
                switch (key.type()) {
                    case EMAIL -> Blocklist.EMAIL;
                    case PHONE -> Blocklist.PHONE;
                    case TEXT -> Blocklist.TEXT;
                };
        return config.blocklist().blocks(kind, Identifiers.value(identifier));
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

    /** Steward must-link assertions ({@code !id}): the strongest evidence, cut last. */
    public static final int MUST_LINK = 4;
    /** Explicit links ({@code @record id}, and "linked from"). */
    public static final int LINK = 3;
    /** Match keys ({@code key=value}). */
    public static final int MATCH_KEY = 2;
    /** Compound rule blocks ({@code rule=block}): the weakest evidence, cut first. */
    public static final int RULE = 1;

    /**
     * The evidence tier of an identifier: how strong a link it makes, from {@link #RULE} to {@link #MUST_LINK}; 0
     * for a cannot-link, which links nothing. A cannot-link cuts the weakest tier first (see
     * docs/identity-resolution.md).
     */
    public int tier(String identifier) {
        if (Identifiers.isAssertion(identifier)) {
            return MUST_LINK;
        }
        if (Identifiers.isLink(identifier)) {
            return LINK;
        }
        if (Identifiers.isCannotLink(identifier)) {
            return 0;
        }
        if (Identifiers.isRuleLink(identifier)) {
            return RULE;
        }
        return isBlock(identifier) ? RULE : MATCH_KEY;
    }

    /**
     * Whether the identifier is a compound rule's block ({@code rule=block}): it links no one itself, it compares
     * its holders and hands out rule links ({@link Identifiers#ruleLink}).
     */
    public boolean isBlock(String identifier) {
        String name = Identifiers.keyName(identifier);
        return name != null && config.matchRules().containsKey(name);
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
            double similarity =
                    switch (c.method()) {
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
