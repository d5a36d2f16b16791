package io.aurum.canonical;

import io.aurum.config.PipelineConfig;
import io.aurum.config.PipelineConfig.MatchDef;
import io.aurum.config.PipelineConfig.MatchKeyDef;
import io.aurum.config.PipelineConfig.SourceDef;
import io.aurum.normalize.Normalizers;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The identifiers a record contributes to the identity graph. Two records that share one are the same customer
 * (subject to the identity stage's over-merge protection). Spelling: {@code <matchKey>=<normal form>} for match
 * keys and {@code @<record id>} for explicit links; a record is implicitly reachable as {@code @<its own id>}.
 */
public final class Identifiers {
    public static final String LINK_PREFIX = "@";

    private Identifiers() {}

    public static List<String> of(
            PipelineConfig config, SourceDef source, Map<String, Object> attributes, Collection<String> linkTargets) {
        TreeSet<String> out = new TreeSet<>();
        for (MatchDef match : source.matches()) {
            Object raw = attributes.get(match.attribute());
            if (raw == null) {
                continue;
            }
            MatchKeyDef key = config.matchKeys().get(match.matchKey());
            String region = null;
            if (match.regionAttribute() != null) {
                Object r = attributes.get(match.regionAttribute());
                region = r == null ? null : r.toString();
            }
            String normal =
                    switch (key.type()) {
                        case EMAIL -> Normalizers.email(raw.toString());
                        case PHONE -> Normalizers.phone(raw.toString(), region, key.defaultRegion());
                        case TEXT -> Normalizers.text(raw.toString());
                    };
            if (normal != null) {
                out.add(key.name() + "=" + normal);
            }
        }
        for (PipelineConfig.MatchRuleDef rule : config.matchRules().values()) {
            if (!source.attributes().keySet().containsAll(rule.attributes())) {
                continue;
            }
            Object raw = attributes.get(rule.blockAttribute());
            String block = raw == null ? null : blockKey(rule, raw.toString());
            if (block != null) {
                out.add(rule.name() + "=" + block);
            }
        }
        for (String target : linkTargets) {
            out.add(LINK_PREFIX + target);
        }
        return new ArrayList<>(out);
    }

    /** The block a value falls in for a compound rule, or null when it blocks nowhere (absent or excluded). */
    static String blockKey(PipelineConfig.MatchRuleDef rule, String raw) {
        String key =
                switch (rule.blockTransform()) {
                    case EMAIL_DOMAIN -> {
                        String email = Normalizers.email(raw);
                        yield email == null ? null : email.substring(email.indexOf('@') + 1);
                    }
                    case TEXT -> Normalizers.text(raw);
                    case LAST_WORD -> {
                        String text = Normalizers.text(raw);
                        yield text == null ? null : text.substring(text.lastIndexOf(' ') + 1);
                    }
                };
        return key == null || rule.exclude().contains(key) ? null : key;
    }

    /** Steward must-link assertions become identifiers that exactly the asserted records hold. */
    public static final String ASSERTION_PREFIX = "!";

    public static boolean isAssertion(String identifier) {
        return identifier.startsWith(ASSERTION_PREFIX);
    }

    /**
     * Steward cannot-link assertions become identifiers that the two named records hold. They link nothing: the
     * identity stage reads them as a constraint (see docs/identity-resolution.md, *Cannot-link*).
     */
    public static final String CANNOT_LINK_PREFIX = "~";

    public static boolean isCannotLink(String identifier) {
        return identifier.startsWith(CANNOT_LINK_PREFIX);
    }

    /**
     * A link a compound rule found between two records of one of its blocks: {@code &<length of a>:<a><b>} for
     * records {@code a < b}, held by exactly those two. The block compares its holders where it lives and sends each
     * record only the links that result; label propagation then runs over these pairs, never through the block
     * itself, so a block of n records costs no O(n) messages per change, and what a change resets stays within the
     * records it linked (see docs/identity-resolution.md).
     */
    public static final String RULE_LINK_PREFIX = "&";

    public static String ruleLink(String a, String b) {
        String lo = a.compareTo(b) <= 0 ? a : b;
        String hi = lo == a ? b : a;
        return RULE_LINK_PREFIX + lo.length() + ":" + lo + hi;
    }

    public static boolean isRuleLink(String identifier) {
        return identifier.startsWith(RULE_LINK_PREFIX);
    }

    /** The first (smaller) of the two records a rule link links. */
    public static String ruleLinkFirst(String identifier) {
        int colon = identifier.indexOf(':');
        int length = Integer.parseInt(identifier.substring(RULE_LINK_PREFIX.length(), colon));
        return identifier.substring(colon + 1, colon + 1 + length);
    }

    /** The record a rule link links {@code recordId} to. */
    public static String ruleLinkOther(String identifier, String recordId) {
        String lo = ruleLinkFirst(identifier);
        String hi = identifier.substring(identifier.indexOf(':') + 1 + lo.length());
        return lo.equals(recordId) ? hi : lo;
    }

    /** The match key or rule an identifier belongs to, or null for links and assertions. */
    public static String keyName(String identifier) {
        if (isLink(identifier) || isAssertion(identifier) || isCannotLink(identifier) || isRuleLink(identifier)) {
            return null;
        }
        return identifier.substring(0, identifier.indexOf('='));
    }

    public static String value(String identifier) {
        return identifier.substring(identifier.indexOf('=') + 1);
    }

    public static boolean isLink(String identifier) {
        return identifier.startsWith(LINK_PREFIX);
    }

    public static String linkTarget(String identifier) {
        return identifier.substring(LINK_PREFIX.length());
    }

    /**
     * For explanations shown to people: enough of the value to recognise it, not enough to leak it.
     * {@code email=jane.doe@gmail.com} becomes {@code email=j***@gmail.com}; phones keep the last 3 digits.
     */
    public static String masked(PipelineConfig config, String identifier) {
        if (isLink(identifier)) {
            return "link " + linkTarget(identifier);
        }
        if (isAssertion(identifier)) {
            return "assertion " + identifier.substring(ASSERTION_PREFIX.length());
        }
        if (isCannotLink(identifier)) {
            return "cannot-link " + identifier.substring(CANNOT_LINK_PREFIX.length());
        }
        if (isRuleLink(identifier)) {
            return "rule link";
        }
        int eq = identifier.indexOf('=');
        String name = identifier.substring(0, eq);
        String value = identifier.substring(eq + 1);
        if (config.matchRules().containsKey(name)) {
            // A block key (a company domain, a postal code) identifies no one by itself.
            return "rule " + name + "=" + value;
        }
        MatchKeyDef key = config.matchKeys().get(name);
        PipelineConfig.MatchKeyType type = key == null ? PipelineConfig.MatchKeyType.TEXT : key.type();
        String masked =
                switch (type) {
                    case EMAIL -> {
                        int at = value.indexOf('@');
                        yield at <= 0 ? "***" : value.charAt(0) + "***" + value.substring(at);
                    }
                    case PHONE -> value.length() <= 3 ? "***" : "***" + value.substring(value.length() - 3);
                    case TEXT -> value.length() <= 2 ? "***" : value.substring(0, 2) + "***";
                };
        return name + "=" + masked;
    }
}
