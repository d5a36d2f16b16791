package io.aurum.survivorship;

import io.aurum.canonical.CdcMapper;
import io.aurum.config.Blocklist;
import io.aurum.config.GoldenConfig.FieldDef;
import io.aurum.normalize.Normalizers;
import io.aurum.values.Canonical;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
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
        return switch (field.type()) {
            case TEXT -> {
                String n = Normalizers.text(Canonical.text(value));
                yield n == null || blocklist.blocks(Blocklist.TEXT, n) ? null : new Clean(value, n, n);
            }
            case EMAIL -> {
                String n = Normalizers.email(Canonical.text(value));
                yield n == null || blocklist.blocks(Blocklist.EMAIL, n) ? null : new Clean(value, n, n);
            }
            case PHONE -> {
                String n = Normalizers.phone(
                        Canonical.text(value), region == null ? null : region.toString(), field.defaultRegion());
                yield n == null || blocklist.blocks(Blocklist.PHONE, n) ? null : new Clean(value, n, n);
            }
            case NUMBER -> {
                BigDecimal d = number(value);
                yield d == null ? null : new Clean(value, d.stripTrailingZeros().toPlainString(), d);
            }
            case DECIMAL -> {
                BigDecimal d = number(value);
                if (d == null) {
                    yield null;
                }
                try {
                    // More digits after the point than the field keeps would be rounded away: not a usable value.
                    d = d.setScale(field.scale(), RoundingMode.UNNECESSARY);
                } catch (ArithmeticException e) {
                    yield null;
                }
                yield d.precision() > field.precision()
                        ? null
                        : new Clean(value, d.stripTrailingZeros().toPlainString(), d);
            }
            case INTEGER -> {
                Long l = Canonical.integer(value);
                yield l == null ? null : new Clean(value, l.toString(), l);
            }
            case TIMESTAMP -> {
                Instant i = Canonical.instant(value);
                yield i == null ? null : new Clean(value, Long.toString(Canonical.epochMicros(i)), i);
            }
            case DATE -> {
                LocalDate d = Canonical.date(value);
                yield d == null ? null : new Clean(value, d.toString(), d);
            }
            case TIME -> {
                LocalTime t = Canonical.time(value);
                yield t == null ? null : new Clean(value, t.toString(), t);
            }
            case BOOLEAN -> {
                Boolean b = Canonical.bool(value);
                yield b == null ? null : new Clean(value, b.toString(), b);
            }
        };
    }

    /** A number, exactly (integers, decimals, doubles, numeric text), or null. */
    static BigDecimal number(Object value) {
        return Canonical.decimal(value);
    }

    /**
     * Orders child attribute values whose type the config does not declare: numbers (also in text) by value,
     * instants and dates (also ISO text) in time order, then times, booleans and text.
     */
    static final Comparator<Object> LOOSE = Canonical.LOOSE;
}
