package io.aurum.config;

import io.aurum.normalize.Normalizers;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Values that never describe one real customer: shared mailboxes, dummy phones, placeholders such as "n/a".
 * Identity must not link on them (over-merge) and survivorship must not pick them, so the list lives once, in
 * the config's top-level {@code blocklist:} section, and both stages ask it.
 *
 * <p>Entries are stored in normal form (see {@link Normalizers}): callers pass the normalized value. An entry with
 * {@code *} is a glob pattern on the normal form instead ({@code info@*} blocks every info@ mailbox).
 *
 * @param values   normalized entries by kind: {@code email}, {@code phone} (E.164) or {@code text}
 * @param patterns glob patterns by kind, lower-cased
 */
public record Blocklist(Map<String, Set<String>> values, Map<String, List<String>> patterns) {
    private static final Map<String, Pattern> COMPILED = new ConcurrentHashMap<>();

    public static final String EMAIL = "email";
    public static final String PHONE = "phone";
    public static final String TEXT = "text";
    static final List<String> KINDS = List.of(EMAIL, PHONE, TEXT);
    /** Entries in national form are read as US numbers; write others in international form. */
    private static final String PHONE_REGION = "US";

    public static Blocklist empty() {
        return new Blocklist(Map.of(), Map.of());
    }

    /** True when the normalized value is listed under that kind, or matches one of its patterns. */
    public boolean blocks(String kind, String normalized) {
        if (normalized == null) {
            return false;
        }
        Set<String> listed = values.get(kind);
        if (listed != null && listed.contains(normalized)) {
            return true;
        }
        for (String glob : patterns.getOrDefault(kind, List.of())) {
            if (COMPILED.computeIfAbsent(glob, Blocklist::compile)
                    .matcher(normalized)
                    .matches()) {
                return true;
            }
        }
        return false;
    }

    private static Pattern compile(String glob) {
        StringBuilder regex = new StringBuilder();
        for (String part : glob.split("\\*", -1)) {
            if (!regex.isEmpty()) {
                regex.append(".*");
            }
            regex.append(Pattern.quote(part));
        }
        return Pattern.compile(regex.toString());
    }

    static Blocklist bind(ConfigNode node) {
        node.requireKeys(Set.copyOf(KINDS));
        Map<String, Set<String>> out = new LinkedHashMap<>();
        Map<String, List<String>> globs = new LinkedHashMap<>();
        node.entries().forEach((kind, list) -> {
            Set<String> normalized = new TreeSet<>();
            List<String> kindGlobs = new ArrayList<>();
            for (ConfigNode entry : list.elements()) {
                String raw = entry.asString();
                if (raw.contains("*")) {
                    kindGlobs.add(raw.trim().toLowerCase(Locale.ROOT));
                    continue;
                }
                String n =
                        switch (kind) {
                            case EMAIL -> Normalizers.email(raw);
                            case PHONE -> Normalizers.phone(raw, null, PHONE_REGION);
                            default -> Normalizers.text(raw);
                        };
                if (n == null) {
                    throw entry.error("'" + raw + "' is not a valid " + kind + ", so it could never match");
                }
                normalized.add(n);
            }
            out.put(kind, Collections.unmodifiableSet(normalized));
            globs.put(kind, List.copyOf(kindGlobs));
        });
        return new Blocklist(Collections.unmodifiableMap(out), Collections.unmodifiableMap(globs));
    }
}
