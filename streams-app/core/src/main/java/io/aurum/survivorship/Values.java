package io.aurum.survivorship;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.aurum.canonical.CdcMapper;
import io.aurum.canonical.MappingException;
import io.aurum.config.Blocklist;
import io.aurum.config.GoldenConfig.FieldDef;
import io.aurum.normalize.Normalizers;
import java.math.BigDecimal;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;

/**
 * The validity filters and normal forms of golden field values. A value that fails its filter is treated as
 * absent, so a rule never picks it and it never opens a conflict.
 */
final class Values {
    private Values() {}

    /**
     * A usable value: {@code value} as the source wrote it (trimmed), {@code normal} the form that decides
     * equality (for conflicts, most_frequent and collect), {@code order} what min and max compare.
     */
    record Clean(Object value, String normal, Comparable<?> order) {
        /**
         * What the golden record shows: the normal form for a field that standardizes (an email or phone field,
         * unless the config says {@code standardize: false}), else the value as written.
         */
        Object golden(FieldDef field) {
            return field.standardize() ? normal : value;
        }

        /** The source's own spelling, kept in lineage when the golden value is the normal form; else null. */
        String raw(FieldDef field) {
            return field.standardize() ? value.toString() : null;
        }
    }

    /**
     * Null when the value is absent, empty, a Debezium placeholder, invalid for its type, or blocklisted.
     *
     * @param memo results for this cluster: several fields (phone and phones) read the same attribute, and
     *             parsing a phone number costs microseconds
     */
    static Clean clean(
            FieldDef field,
            Object raw,
            Map<String, Object> attributes,
            Blocklist blocklist,
            Map<String, Optional<Clean>> memo) {
        if (raw == null) {
            return null;
        }
        Object region = field.regionFrom() == null ? null : attributes.get(field.regionFrom());
        // The raw value's class is part of the key: 10 and "10" are the same number but not the same value.
        String key = field.type().ordinal() + "\u0000" + region + "\u0000" + field.defaultRegion() + "\u0000"
                + raw.getClass().getSimpleName() + "\u0000" + raw;
        Optional<Clean> known = memo.get(key);
        if (known == null) {
            known = Optional.ofNullable(clean(field, raw, region, blocklist));
            memo.put(key, known);
        }
        return known.orElse(null);
    }

    private static Clean clean(FieldDef field, Object raw, Object region, Blocklist blocklist) {
        Object value = raw;
        if (raw instanceof String s) {
            String t = s.trim();
            // An unchanged TOAST column means "whatever it was", never this text; the mapper normally keeps the
            // previous value, so this only guards a record whose first event was such an update.
            if (t.isEmpty() || CdcMapper.UNAVAILABLE.equals(t)) {
                return null;
            }
            value = t;
        }
        String text = value.toString();
        return switch (field.type()) {
            case TEXT -> {
                String n = Normalizers.text(text);
                yield n == null || blocklist.blocks(Blocklist.TEXT, n) ? null : new Clean(value, n, n);
            }
            case EMAIL -> {
                String n = Normalizers.email(text);
                yield n == null || blocklist.blocks(Blocklist.EMAIL, n) ? null : new Clean(value, n, n);
            }
            case PHONE -> {
                String n = Normalizers.phone(text, region == null ? null : region.toString(), field.defaultRegion());
                yield n == null || blocklist.blocks(Blocklist.PHONE, n) ? null : new Clean(value, n, n);
            }
            case NUMBER -> {
                BigDecimal d = number(value);
                yield d == null ? null : new Clean(value, d.stripTrailingZeros().toPlainString(), d);
            }
            case TIMESTAMP -> {
                Long ms = epochMillis(value);
                yield ms == null ? null : new Clean(value, Long.toString(ms), ms);
            }
        };
    }

    static BigDecimal number(Object value) {
        if (value instanceof Long || value instanceof Integer || value instanceof Short) {
            return BigDecimal.valueOf(((Number) value).longValue());
        }
        if (value instanceof Number n) {
            double d = n.doubleValue();
            return Double.isFinite(d) ? BigDecimal.valueOf(d) : null;
        }
        if (value instanceof String s && NUMERIC.matcher(s).matches()) {
            // The pattern first: most text is not a number, and a thrown exception costs more than the match.
            return new BigDecimal(s.trim());
        }
        return null;
    }

    private static final java.util.regex.Pattern NUMERIC =
            java.util.regex.Pattern.compile("\\s*[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?\\s*");

    /** Epoch millis as the canonical stage reads Debezium's renderings of timestamps, or null. */
    static Long epochMillis(Object value) {
        try {
            if (value instanceof Number n) {
                return CdcMapper.epochMillis(JsonNodeFactory.instance.numberNode(n.longValue()), "");
            }
            if (value instanceof String s) {
                return CdcMapper.epochMillis(JsonNodeFactory.instance.textNode(s), "");
            }
        } catch (MappingException e) {
            return null;
        }
        return null;
    }

    /**
     * Orders child attribute values whose type the config does not declare: numbers (also in text) by value,
     * ISO timestamps in time order, anything else as text; numbers and timestamps before text.
     */
    static final Comparator<Object> LOOSE = Comparator.comparing(Values::looseKey, (a, b) -> {
        if (a instanceof BigDecimal x && b instanceof BigDecimal y) {
            return x.compareTo(y);
        }
        if (a instanceof BigDecimal) {
            return -1;
        }
        if (b instanceof BigDecimal) {
            return 1;
        }
        return ((String) a).compareTo((String) b);
    });

    private static Object looseKey(Object value) {
        BigDecimal n = number(value);
        if (n != null) {
            return n;
        }
        if (value instanceof String s && !s.isEmpty() && Character.isDigit(s.charAt(0)) && s.indexOf('-') > 0) {
            Long ms = epochMillis(s);
            if (ms != null) {
                return BigDecimal.valueOf(ms);
            }
        }
        return String.valueOf(value);
    }
}
