package io.aurum.topology;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import java.io.IOException;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Typed canonical values (BigDecimal, LocalDate, LocalTime, Instant, byte[]) in the JSON of internal topics and
 * stores, so that an attribute keeps its type across a repartition or a store round trip: each is written as a
 * one-key object ({@code {"$decimal":"3000.00"}}, {@code {"$date":"2024-03-01"}}, {@code {"$time":"07:30"}},
 * {@code {"$instant":"2024-03-01T12:34:56.123456Z"}}, {@code {"$bytes":"AQID"}}) and read back into its type wherever
 * a value is declared as {@code Object}. Plain JSON (strings, whole numbers as long, other numbers as double,
 * booleans, lists, maps) reads as before.
 */
final class CanonicalJson {
    private CanonicalJson() {}

    static final SimpleModule MODULE = new SimpleModule("aurum-canonical-values")
            .addSerializer(BigDecimal.class, tagged(BigDecimal.class, "$decimal", BigDecimal::toPlainString))
            .addSerializer(LocalDate.class, tagged(LocalDate.class, "$date", LocalDate::toString))
            .addSerializer(LocalTime.class, tagged(LocalTime.class, "$time", LocalTime::toString))
            .addSerializer(Instant.class, tagged(Instant.class, "$instant", Instant::toString))
            .addSerializer(byte[].class, tagged(byte[].class, "$bytes", b -> Base64.getEncoder()
                    .encodeToString(b)))
            .addDeserializer(Object.class, new ValueDeserializer());

    private static <T> StdSerializer<T> tagged(Class<T> type, String tag, java.util.function.Function<T, String> text) {
        return new StdSerializer<>(type) {
            @Override
            public void serialize(T value, JsonGenerator gen, SerializerProvider provider) throws IOException {
                gen.writeStartObject();
                gen.writeStringField(tag, text.apply(value));
                gen.writeEndObject();
            }
        };
    }

    /** Values declared as Object: plain JSON as Jackson reads it, tagged objects as their type. */
    static final class ValueDeserializer extends StdDeserializer<Object> {
        ValueDeserializer() {
            super(Object.class);
        }

        @Override
        public Object deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            return value(p.readValueAsTree());
        }

        @Override
        public Object getNullValue(DeserializationContext ctxt) {
            return null;
        }

        static Object value(JsonNode n) {
            if (n == null || n.isNull() || n.isMissingNode()) {
                return null;
            }
            if (n.isTextual()) {
                return n.asText();
            }
            if (n.isIntegralNumber()) {
                return n.canConvertToLong() ? (Object) n.asLong() : n.decimalValue();
            }
            if (n.isNumber()) {
                return n.asDouble();
            }
            if (n.isBoolean()) {
                return n.asBoolean();
            }
            if (n.isArray()) {
                List<Object> out = new ArrayList<>(n.size());
                n.forEach(e -> out.add(value(e)));
                return out;
            }
            if (n.size() == 1) {
                Map.Entry<String, JsonNode> only = n.fields().next();
                String text = only.getValue().asText();
                switch (only.getKey()) {
                    case "$decimal" -> {
                        return new BigDecimal(text);
                    }
                    case "$date" -> {
                        return LocalDate.parse(text);
                    }
                    case "$time" -> {
                        return LocalTime.parse(text);
                    }
                    case "$instant" -> {
                        return Instant.parse(text);
                    }
                    case "$bytes" -> {
                        return Base64.getDecoder().decode(text);
                    }
                    default -> {
                        // a plain map with one key
                    }
                }
            }
            Map<String, Object> out = new LinkedHashMap<>();
            Iterator<Map.Entry<String, JsonNode>> it = n.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                out.put(e.getKey(), value(e.getValue()));
            }
            return out;
        }
    }
}
