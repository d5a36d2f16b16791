package io.aurum.values;

import io.aurum.schemas.DecimalValue;
import io.aurum.schemas.TimeValue;
import io.aurum.schemas.TimestampValue;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Canonical values in the value union of the public schemas ({@code FieldValue.value}, {@code CollectedValue.value},
 * {@code FieldOverride.value}) and back: String, Long, Double and Boolean as themselves, byte[] as bytes, LocalDate as
 * an Avro date, BigDecimal as {@link DecimalValue}, Instant as {@link TimestampValue}, LocalTime as {@link TimeValue},
 * lists and maps element by element (one level deep, as the union allows).
 */
public final class AvroValues {
    private AvroValues() {}

    /** The union branch for a canonical value. */
    public static Object toAvro(Object v) {
        return toAvro(v, true);
    }

    private static Object toAvro(Object v, boolean nest) {
        if (v == null || v instanceof String || v instanceof Long || v instanceof Double || v instanceof Boolean) {
            return v;
        }
        if (v instanceof Integer i) {
            return i.longValue();
        }
        if (v instanceof BigDecimal d) {
            return new DecimalValue(ByteBuffer.wrap(d.unscaledValue().toByteArray()), d.scale());
        }
        if (v instanceof Instant i) {
            return new TimestampValue(i.truncatedTo(ChronoUnit.MICROS));
        }
        if (v instanceof LocalTime t) {
            return new TimeValue(t.truncatedTo(ChronoUnit.MICROS));
        }
        if (v instanceof LocalDate) {
            return v;
        }
        if (v instanceof byte[] b) {
            return ByteBuffer.wrap(b);
        }
        if (nest && v instanceof List<?> l) {
            List<Object> out = new ArrayList<>(l.size());
            for (Object e : l) {
                out.add(toAvro(e, false));
            }
            return out;
        }
        if (nest && v instanceof Map<?, ?> m) {
            Map<String, Object> out = new LinkedHashMap<>();
            m.forEach((k, e) -> out.put(String.valueOf(k), toAvro(e, false)));
            return out;
        }
        // A list inside a list, say: the union has no branch for it, so it travels as its JSON text.
        return Canonical.text(v);
    }

    /** The canonical value of a union branch, as a reader of the public topics sees it. */
    public static Object fromAvro(Object v) {
        if (v == null || v instanceof Long || v instanceof Double || v instanceof Boolean || v instanceof LocalDate) {
            return v;
        }
        if (v instanceof CharSequence s) {
            return s.toString();
        }
        if (v instanceof Integer i) {
            // An Avro date read without the date conversion.
            return LocalDate.ofEpochDay(i);
        }
        if (v instanceof DecimalValue d) {
            return decimal(d.getUnscaled(), d.getScale());
        }
        if (v instanceof TimestampValue t) {
            return t.getMicros();
        }
        if (v instanceof TimeValue t) {
            return t.getMicros();
        }
        if (v instanceof ByteBuffer b) {
            ByteBuffer copy = b.duplicate();
            byte[] out = new byte[copy.remaining()];
            copy.get(out);
            return out;
        }
        if (v instanceof org.apache.avro.generic.GenericRecord r) {
            // Read generically (without the generated classes): the same three records by name.
            String name = r.getSchema().getName();
            switch (name) {
                case "DecimalValue" -> {
                    return decimal((ByteBuffer) r.get("unscaled"), (Integer) r.get("scale"));
                }
                case "TimestampValue" -> {
                    Object m = r.get("micros");
                    return m instanceof Instant i ? i : Canonical.ofEpochMicros((Long) m);
                }
                case "TimeValue" -> {
                    Object m = r.get("micros");
                    return m instanceof LocalTime t ? t : LocalTime.ofNanoOfDay((Long) m * 1_000);
                }
                default -> throw new IllegalArgumentException("not a value record: " + r.getSchema());
            }
        }
        if (v instanceof List<?> l) {
            List<Object> out = new ArrayList<>(l.size());
            for (Object e : l) {
                out.add(fromAvro(e));
            }
            return out;
        }
        if (v instanceof Map<?, ?> m) {
            Map<String, Object> out = new LinkedHashMap<>();
            m.forEach((k, e) -> out.put(String.valueOf(k), fromAvro(e)));
            return out;
        }
        throw new IllegalArgumentException(
                "not a value of the public value union: " + v.getClass().getName());
    }

    private static BigDecimal decimal(ByteBuffer unscaled, int scale) {
        ByteBuffer copy = unscaled.duplicate();
        byte[] bytes = new byte[copy.remaining()];
        copy.get(bytes);
        return new BigDecimal(new BigInteger(bytes), scale);
    }
}
