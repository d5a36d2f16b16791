package io.aurum.config;

import io.aurum.canonical.Normalizers;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Values that never describe one real customer: shared mailboxes, dummy phones, placeholders such as "n/a".
 * Identity must not link on them (over-merge) and survivorship must not pick them, so the list lives once, in
 * the config's top-level {@code blocklist:} section, and both stages ask it.
 *
 * <p>Entries are stored in normal form (see {@link Normalizers}): callers pass the normalized value.
 *
 * @param values normalized entries by kind: {@code email}, {@code phone} (E.164) or {@code text}
 */
public record Blocklist(Map<String, Set<String>> values) {
    public static final String EMAIL = "email";
    public static final String PHONE = "phone";
    public static final String TEXT = "text";
    static final List<String> KINDS = List.of(EMAIL, PHONE, TEXT);
    /** Entries in national form are read as US numbers; write others in international form. */
    private static final String PHONE_REGION = "US";

    public static Blocklist empty() {
        return new Blocklist(Map.of());
    }

    /** True when the normalized value is listed under that kind. */
    public boolean blocks(String kind, String normalized) {
        Set<String> listed = values.get(kind);
        return listed != null && normalized != null && listed.contains(normalized);
    }

    static Blocklist bind(ConfigNode node) {
        node.requireKeys(Set.copyOf(KINDS));
        Map<String, Set<String>> out = new LinkedHashMap<>();
        node.entries().forEach((kind, list) -> {
            Set<String> normalized = new TreeSet<>();
            for (ConfigNode entry : list.elements()) {
                String raw = entry.asString();
                String n = switch (kind) {
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
        });
        return new Blocklist(Collections.unmodifiableMap(out));
    }
}
