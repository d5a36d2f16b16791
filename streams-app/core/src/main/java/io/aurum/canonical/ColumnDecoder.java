package io.aurum.canonical;

import com.fasterxml.jackson.databind.JsonNode;
import io.aurum.values.Canonical;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.OffsetTime;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.LogicalType;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericEnumSymbol;
import org.apache.avro.generic.GenericFixed;
import org.apache.avro.generic.GenericRecord;

/**
 * Decodes one column's value to its canonical Java value, by the column's schema as the event carries it: a Kafka
 * Connect schema (JsonConverter's {@code schema} envelope) or an Avro schema (the Avro converters, which keep the
 * Connect names in {@code connect.name}). Every Connect and Debezium logical type maps to one canonical type, so a
 * value means the same whatever the connector's {@code decimal.handling.mode} and {@code time.precision.mode}:
 *
 * <ul>
 *   <li>Decimal (with its scale), VariableScaleDecimal → BigDecimal (a double or text rendering stays a Double or
 *       String: that is what the connector sent)
 *   <li>Date, io.debezium.time.Date, IsoDate → LocalDate
 *   <li>Time, io.debezium.time.Time, MicroTime, NanoTime, IsoTime → LocalTime
 *   <li>Timestamp, io.debezium.time.Timestamp, MicroTimestamp, NanoTimestamp, ZonedTimestamp, IsoTimestamp → Instant
 *       (a timestamp without time zone is read as UTC, as Debezium renders it)
 *   <li>ZonedTime → String, the ISO offset time ({@code 07:30:00+02:00}); Year → Long; MicroDuration, NanoDuration
 *       → ISO-8601 duration String; Interval, Json, Xml, Uuid, Enum, EnumSet and other named strings → String
 *   <li>Bits and bytes → byte[]; ints → Long; floats → Double; booleans → Boolean; arrays → List; maps and structs →
 *       Map
 * </ul>
 *
 * <p>A value that does not fit its schema throws {@link MappingException}: the event goes to the dead-letter topic
 * with the column, the type and the value in the reason, never a silent null.
 */
abstract class ColumnDecoder {
    /** The type as the schema names it, for error messages: {@code io.debezium.time.MicroTimestamp}, {@code int64}. */
    final String typeName;

    ColumnDecoder(String typeName) {
        this.typeName = typeName;
    }

    /** Decodes JsonConverter's rendering of a value. */
    abstract Object fromJson(JsonNode v);

    /** Decodes a value read with a generic Avro reader (no logical-type conversions). */
    abstract Object fromAvro(Object v);

    /** Whether JsonConverter's node is already the canonical value's node (text, whole number, boolean, null). */
    boolean keepsJson(JsonNode v) {
        return v == null || v.isNull();
    }

    // ---------------------------------------------------------------------------------------------------------------
    // From a Connect schema (JSON envelope)

    /** The decoder of a field of a Connect schema as JsonConverter writes it. */
    static ColumnDecoder ofConnect(JsonNode schema) {
        String type = schema.path("type").asText("");
        String name = schema.path("name").isTextual() ? schema.get("name").asText() : null;
        Map<String, String> params = new LinkedHashMap<>();
        schema.path("parameters")
                .fields()
                .forEachRemaining(e -> params.put(e.getKey(), e.getValue().asText()));
        switch (type) {
            case "array" -> {
                return new ListDecoder(ofConnect(schema.path("items")));
            }
            case "map" -> {
                return new MapDecoder(ofConnect(schema.path("values")));
            }
            case "struct" -> {
                if ("io.debezium.data.VariableScaleDecimal".equals(name)) {
                    return new Scalar(name, Kind.VARIABLE_DECIMAL, 0);
                }
                Map<String, ColumnDecoder> fields = new LinkedHashMap<>();
                for (JsonNode f : schema.path("fields")) {
                    fields.put(f.path("field").asText(), ofConnect(f));
                }
                return new StructDecoder(name == null ? "struct" : name, fields);
            }
            default -> {
                return scalar(type, name, params);
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // From an Avro schema

    /** The decoder of an Avro schema as the Avro converters write Connect schemas. */
    static ColumnDecoder ofAvro(Schema schema) {
        if (schema.getType() == Schema.Type.UNION) {
            Schema only = null;
            for (Schema branch : schema.getTypes()) {
                if (branch.getType() != Schema.Type.NULL) {
                    if (only != null) {
                        return new UnionDecoder(schema);
                    }
                    only = branch;
                }
            }
            return only == null ? new Scalar("null", Kind.STRING, 0) : ofAvro(only);
        }
        String name = schema.getProp("connect.name");
        Map<String, String> params = new LinkedHashMap<>();
        Object p = schema.getObjectProp("connect.parameters");
        if (p instanceof Map<?, ?> m) {
            m.forEach((k, v) -> params.put(String.valueOf(k), String.valueOf(v)));
        }
        LogicalType logical = schema.getLogicalType();
        if (name == null && logical != null) {
            name = switch (logical.getName()) {
                case "decimal" -> "org.apache.kafka.connect.data.Decimal";
                case "date" -> "org.apache.kafka.connect.data.Date";
                case "time-millis" -> "org.apache.kafka.connect.data.Time";
                case "time-micros" -> "io.debezium.time.MicroTime";
                case "timestamp-millis" -> "org.apache.kafka.connect.data.Timestamp";
                case "timestamp-micros" -> "io.debezium.time.MicroTimestamp";
                case "uuid" -> "io.debezium.data.Uuid";
                default -> null;
            };
        }
        if (logical instanceof LogicalTypes.Decimal d) {
            params.put("scale", Integer.toString(d.getScale()));
        }
        switch (schema.getType()) {
            case ARRAY -> {
                return new ListDecoder(ofAvro(schema.getElementType()));
            }
            case MAP -> {
                return new MapDecoder(ofAvro(schema.getValueType()));
            }
            case RECORD -> {
                if ("io.debezium.data.VariableScaleDecimal".equals(name)
                        || "io.debezium.data.VariableScaleDecimal".equals(schema.getFullName())) {
                    return new Scalar("io.debezium.data.VariableScaleDecimal", Kind.VARIABLE_DECIMAL, 0);
                }
                Map<String, ColumnDecoder> fields = new LinkedHashMap<>();
                for (Schema.Field f : schema.getFields()) {
                    fields.put(f.name(), ofAvro(f.schema()));
                }
                return new StructDecoder(name == null ? schema.getFullName() : name, fields);
            }
            default -> {
                String type =
                        switch (schema.getType()) {
                            case INT ->
                                schema.getProp("connect.type") != null ? schema.getProp("connect.type") : "int32";
                            case LONG -> "int64";
                            case FLOAT -> "float32";
                            case DOUBLE -> "float64";
                            case BOOLEAN -> "boolean";
                            case STRING, ENUM -> "string";
                            case BYTES, FIXED -> "bytes";
                            default -> schema.getType().getName();
                        };
                return scalar(type, name, params);
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------------

    enum Kind {
        LONG,
        DOUBLE,
        BOOLEAN,
        STRING,
        BYTES,
        DECIMAL,
        VARIABLE_DECIMAL,
        DATE_DAYS,
        TIME_MILLIS,
        TIME_MICROS,
        TIME_NANOS,
        TIMESTAMP_MILLIS,
        TIMESTAMP_MICROS,
        TIMESTAMP_NANOS,
        ZONED_TIMESTAMP,
        ZONED_TIME,
        ISO_DATE,
        ISO_TIME,
        DURATION_MICROS,
        DURATION_NANOS
    }

    private static ColumnDecoder scalar(String type, String name, Map<String, String> params) {
        String label = name != null ? name : type;
        if (name != null) {
            Kind kind =
                    switch (name) {
                        case "org.apache.kafka.connect.data.Decimal" -> Kind.DECIMAL;
                        case "io.debezium.data.VariableScaleDecimal" -> Kind.VARIABLE_DECIMAL;
                        case "org.apache.kafka.connect.data.Date", "io.debezium.time.Date" -> Kind.DATE_DAYS;
                        case "org.apache.kafka.connect.data.Time", "io.debezium.time.Time" -> Kind.TIME_MILLIS;
                        case "io.debezium.time.MicroTime" -> Kind.TIME_MICROS;
                        case "io.debezium.time.NanoTime" -> Kind.TIME_NANOS;
                        case "org.apache.kafka.connect.data.Timestamp", "io.debezium.time.Timestamp" ->
                            Kind.TIMESTAMP_MILLIS;
                        case "io.debezium.time.MicroTimestamp" -> Kind.TIMESTAMP_MICROS;
                        case "io.debezium.time.NanoTimestamp" -> Kind.TIMESTAMP_NANOS;
                        case "io.debezium.time.ZonedTimestamp", "io.debezium.time.IsoTimestamp" -> Kind.ZONED_TIMESTAMP;
                        case "io.debezium.time.ZonedTime" -> Kind.ZONED_TIME;
                        case "io.debezium.time.IsoDate" -> Kind.ISO_DATE;
                        case "io.debezium.time.IsoTime" -> Kind.ISO_TIME;
                        case "io.debezium.time.MicroDuration" -> Kind.DURATION_MICROS;
                        case "io.debezium.time.NanoDuration" -> Kind.DURATION_NANOS;
                        default -> null;
                    };
            if (kind != null) {
                int scale = 0;
                if (kind == Kind.DECIMAL) {
                    String s = params.get("scale");
                    if (s == null) {
                        throw new MappingException("a Decimal schema without its scale parameter");
                    }
                    scale = Integer.parseInt(s);
                }
                return new Scalar(label, kind, scale);
            }
        }
        Kind kind =
                switch (type) {
                    case "int8", "int16", "int32", "int64" -> Kind.LONG;
                    // JsonConverter names them float and double; Connect's Schema.Type float32 and float64.
                    case "float", "double", "float32", "float64" -> Kind.DOUBLE;
                    case "boolean" -> Kind.BOOLEAN;
                    case "bytes" -> Kind.BYTES;
                    // Uuid, Json, Xml, Enum, EnumSet, Interval (interval.handling.mode=string), Ltree, ...: text.
                    default -> Kind.STRING;
                };
        return new Scalar(label, kind, 0);
    }

    /** One value of a scalar (or scalar-like) type. */
    static final class Scalar extends ColumnDecoder {
        private final Kind kind;
        private final int scale;

        Scalar(String typeName, Kind kind, int scale) {
            super(typeName);
            this.kind = kind;
            this.scale = scale;
        }

        @Override
        boolean keepsJson(JsonNode v) {
            return v == null
                    || v.isNull()
                    || switch (kind) {
                        case STRING -> v.isTextual();
                        case LONG -> v.isIntegralNumber() && v.canConvertToLong();
                        case BOOLEAN -> v.isBoolean();
                        default -> false;
                    };
        }

        @Override
        Object fromJson(JsonNode v) {
            if (v == null || v.isNull()) {
                return null;
            }
            switch (kind) {
                case STRING:
                    return v.isTextual() ? v.asText() : v.toString();
                case BOOLEAN:
                    if (!v.isBoolean()) {
                        throw mismatch(v);
                    }
                    return v.asBoolean();
                case DOUBLE:
                    if (!v.isNumber()) {
                        // JsonConverter writes NaN and infinities as text.
                        return special(v.asText());
                    }
                    return v.asDouble();
                case BYTES:
                    return bytes(v);
                case DECIMAL:
                    if (v.isNumber()) {
                        // decimal.format=NUMERIC
                        return v.decimalValue().setScale(scale, java.math.RoundingMode.UNNECESSARY);
                    }
                    return new BigDecimal(new BigInteger(bytes(v)), scale);
                case VARIABLE_DECIMAL:
                    if (!v.isObject()) {
                        throw mismatch(v);
                    }
                    return new BigDecimal(
                            new BigInteger(bytes(v.path("value"))),
                            v.path("scale").asInt());
                case ZONED_TIMESTAMP, ZONED_TIME, ISO_DATE, ISO_TIME:
                    if (!v.isTextual()) {
                        throw mismatch(v);
                    }
                    return fromText(v.asText());
                default:
                    if (!v.isIntegralNumber()) {
                        throw mismatch(v);
                    }
                    return fromLong(v.asLong());
            }
        }

        @Override
        Object fromAvro(Object v) {
            if (v == null) {
                return null;
            }
            switch (kind) {
                case STRING:
                    return v.toString();
                case BOOLEAN:
                    if (!(v instanceof Boolean)) {
                        throw mismatch(v);
                    }
                    return v;
                case DOUBLE:
                    if (v instanceof Float f) {
                        // 1.1f stays 1.1, not 1.100000023841858
                        return Double.parseDouble(Float.toString(f));
                    }
                    if (!(v instanceof Double)) {
                        throw mismatch(v);
                    }
                    return v;
                case BYTES:
                    return avroBytes(v);
                case DECIMAL:
                    return new BigDecimal(new BigInteger(avroBytes(v)), scale);
                case VARIABLE_DECIMAL:
                    if (!(v instanceof GenericRecord r)) {
                        throw mismatch(v);
                    }
                    return new BigDecimal(
                            new BigInteger(avroBytes(r.get("value"))), ((Number) r.get("scale")).intValue());
                case ZONED_TIMESTAMP, ZONED_TIME, ISO_DATE, ISO_TIME:
                    return fromText(v.toString());
                default:
                    if (!(v instanceof Long || v instanceof Integer)) {
                        throw mismatch(v);
                    }
                    return fromLong(((Number) v).longValue());
            }
        }

        private Object fromLong(long n) {
            return switch (kind) {
                case LONG -> n;
                case DATE_DAYS -> LocalDate.ofEpochDay(n);
                case TIME_MILLIS -> LocalTime.ofNanoOfDay(Math.floorMod(n, 86_400_000L) * 1_000_000L);
                case TIME_MICROS -> LocalTime.ofNanoOfDay(Math.floorMod(n, 86_400_000_000L) * 1_000L);
                case TIME_NANOS -> LocalTime.ofNanoOfDay(Math.floorMod(n, 86_400_000_000_000L));
                case TIMESTAMP_MILLIS -> Instant.ofEpochMilli(n);
                case TIMESTAMP_MICROS -> Canonical.ofEpochMicros(n);
                case TIMESTAMP_NANOS ->
                    Instant.ofEpochSecond(Math.floorDiv(n, 1_000_000_000L), Math.floorMod(n, 1_000_000_000L));
                case DURATION_MICROS -> Duration.of(n, ChronoUnit.MICROS).toString();
                case DURATION_NANOS -> Duration.ofNanos(n).toString();
                default -> throw new IllegalStateException(kind.name());
            };
        }

        private Object fromText(String s) {
            try {
                return switch (kind) {
                    case ZONED_TIMESTAMP -> {
                        Instant i = Canonical.instant(s);
                        if (i == null) {
                            throw new DateTimeParseException("not an ISO-8601 timestamp", s, 0);
                        }
                        yield i;
                    }
                    case ZONED_TIME -> OffsetTime.parse(s).toString();
                    case ISO_DATE -> LocalDate.parse(s);
                    case ISO_TIME -> {
                        LocalTime t = Canonical.time(s);
                        if (t == null) {
                            throw new DateTimeParseException("not an ISO-8601 time", s, 0);
                        }
                        yield t;
                    }
                    default -> throw new IllegalStateException(kind.name());
                };
            } catch (DateTimeParseException e) {
                throw new MappingException("'" + s + "' is not a " + typeName + " (" + e.getMessage() + ")", e);
            }
        }

        private Object special(String s) {
            return switch (s) {
                case "NaN" -> Double.NaN;
                case "Infinity" -> Double.POSITIVE_INFINITY;
                case "-Infinity" -> Double.NEGATIVE_INFINITY;
                default -> throw new MappingException("'" + s + "' is not a " + typeName);
            };
        }

        private byte[] bytes(JsonNode v) {
            if (!v.isTextual() && !v.isBinary()) {
                throw mismatch(v);
            }
            try {
                return v.isBinary() ? v.binaryValue() : Base64.getDecoder().decode(v.asText());
            } catch (IllegalArgumentException | IOException e) {
                throw new MappingException("'" + v.asText() + "' is not base64 for a " + typeName, e);
            }
        }
    }

    static byte[] avroBytes(Object v) {
        if (v instanceof ByteBuffer b) {
            ByteBuffer copy = b.duplicate();
            byte[] out = new byte[copy.remaining()];
            copy.get(out);
            return out;
        }
        if (v instanceof GenericFixed f) {
            return f.bytes().clone();
        }
        if (v instanceof byte[] b) {
            return b;
        }
        throw new MappingException("expected bytes, got " + v.getClass().getSimpleName());
    }

    MappingException mismatch(Object v) {
        String shown = String.valueOf(v);
        if (shown.length() > 80) {
            shown = shown.substring(0, 80) + "...";
        }
        return new MappingException("value " + shown + " does not fit its schema type " + typeName);
    }

    /** An array column (Postgres arrays): a List of its elements. */
    static final class ListDecoder extends ColumnDecoder {
        private final ColumnDecoder items;

        ListDecoder(ColumnDecoder items) {
            super("array<" + items.typeName + ">");
            this.items = items;
        }

        @Override
        Object fromJson(JsonNode v) {
            if (v == null || v.isNull()) {
                return null;
            }
            if (!v.isArray()) {
                throw mismatch(v);
            }
            List<Object> out = new ArrayList<>(v.size());
            v.forEach(e -> out.add(items.fromJson(e)));
            return out;
        }

        @Override
        Object fromAvro(Object v) {
            if (v == null) {
                return null;
            }
            if (!(v instanceof Collection<?> c)) {
                throw mismatch(v);
            }
            List<Object> out = new ArrayList<>(c.size());
            c.forEach(e -> out.add(items.fromAvro(e)));
            return out;
        }
    }

    /** A map column: a Map from the keys' text to decoded values. */
    static final class MapDecoder extends ColumnDecoder {
        private final ColumnDecoder values;

        MapDecoder(ColumnDecoder values) {
            super("map<" + values.typeName + ">");
            this.values = values;
        }

        @Override
        Object fromJson(JsonNode v) {
            if (v == null || v.isNull()) {
                return null;
            }
            Map<String, Object> out = new LinkedHashMap<>();
            if (v.isObject()) {
                v.fields().forEachRemaining(e -> out.put(e.getKey(), values.fromJson(e.getValue())));
            } else if (v.isArray()) {
                // JsonConverter writes maps with non-string keys as [[key, value], ...].
                for (JsonNode pair : v) {
                    out.put(pair.path(0).asText(), values.fromJson(pair.path(1)));
                }
            } else {
                throw mismatch(v);
            }
            return out;
        }

        @Override
        Object fromAvro(Object v) {
            if (v == null) {
                return null;
            }
            if (!(v instanceof Map<?, ?> m)) {
                throw mismatch(v);
            }
            Map<String, Object> out = new LinkedHashMap<>();
            m.forEach((k, e) -> out.put(String.valueOf(k), values.fromAvro(e)));
            return out;
        }
    }

    /** A struct column (a composite value, a geometry): a Map of its decoded fields. */
    static final class StructDecoder extends ColumnDecoder {
        final Map<String, ColumnDecoder> fields;

        StructDecoder(String typeName, Map<String, ColumnDecoder> fields) {
            super(typeName);
            this.fields = fields;
        }

        @Override
        Object fromJson(JsonNode v) {
            if (v == null || v.isNull()) {
                return null;
            }
            if (!v.isObject()) {
                throw mismatch(v);
            }
            Map<String, Object> out = new LinkedHashMap<>();
            Iterator<Map.Entry<String, JsonNode>> it = v.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                ColumnDecoder d = fields.get(e.getKey());
                out.put(e.getKey(), d == null ? e.getValue().toString() : d.fromJson(e.getValue()));
            }
            return out;
        }

        @Override
        Object fromAvro(Object v) {
            if (v == null) {
                return null;
            }
            if (!(v instanceof GenericRecord r)) {
                throw mismatch(v);
            }
            Map<String, Object> out = new LinkedHashMap<>();
            fields.forEach((name, d) -> out.put(name, d.fromAvro(r.get(name))));
            return out;
        }
    }

    /** An Avro union of several non-null branches (not something Connect writes, but valid Avro). */
    static final class UnionDecoder extends ColumnDecoder {
        private final Schema union;

        UnionDecoder(Schema union) {
            super(union.toString());
            this.union = union;
        }

        @Override
        Object fromJson(JsonNode v) {
            throw new MappingException("a union type in a JSON schema: " + typeName);
        }

        @Override
        Object fromAvro(Object v) {
            if (v == null) {
                return null;
            }
            int branch = org.apache.avro.generic.GenericData.get().resolveUnion(union, v);
            return ofAvro(union.getTypes().get(branch))
                    .fromAvro(v instanceof GenericEnumSymbol<?> e ? e.toString() : v);
        }
    }
}
