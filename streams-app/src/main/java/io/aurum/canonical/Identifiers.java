package io.aurum.canonical;

import io.aurum.config.PipelineConfig;
import io.aurum.config.PipelineConfig.MatchDef;
import io.aurum.config.PipelineConfig.MatchKeyDef;
import io.aurum.config.PipelineConfig.SourceDef;
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

    private Identifiers() { }

    public static List<String> of(PipelineConfig config, SourceDef source, Map<String, Object> attributes,
                                  Collection<String> linkTargets) {
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
            String normal = switch (key.type()) {
                case EMAIL -> Normalizers.email(raw.toString());
                case PHONE -> Normalizers.phone(raw.toString(), region, key.defaultRegion());
                case TEXT -> Normalizers.text(raw.toString());
            };
            if (normal != null) {
                out.add(key.name() + "=" + normal);
            }
        }
        for (String target : linkTargets) {
            out.add(LINK_PREFIX + target);
        }
        return new ArrayList<>(out);
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
        int eq = identifier.indexOf('=');
        String name = identifier.substring(0, eq);
        String value = identifier.substring(eq + 1);
        MatchKeyDef key = config.matchKeys().get(name);
        PipelineConfig.MatchKeyType type = key == null ? PipelineConfig.MatchKeyType.TEXT : key.type();
        String masked = switch (type) {
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
