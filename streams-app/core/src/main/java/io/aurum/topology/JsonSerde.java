package io.aurum.topology;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Internal topics and state stores hold Jackson JSON: readable with any console consumer when debugging,
 * and tolerant of added fields across upgrades (unknown properties are ignored). Numbers always read back as
 * long or double, so an attribute compares equal after a round trip.
 */
public final class JsonSerde<T> implements Serde<T> {
    static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.USE_LONG_FOR_INTS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            // Typed attribute values (decimals, dates, instants, ...) keep their type across topics and stores.
            .addModule(CanonicalJson.MODULE)
            .build();

    private final JavaType type;

    private JsonSerde(JavaType type) {
        this.type = type;
    }

    public static <T> JsonSerde<T> of(Class<T> type) {
        return new JsonSerde<>(MAPPER.constructType(type));
    }

    public static <T> JsonSerde<java.util.List<T>> listOf(Class<T> element) {
        return new JsonSerde<>(MAPPER.getTypeFactory().constructCollectionType(java.util.List.class, element));
    }

    @Override
    public Serializer<T> serializer() {
        return (topic, data) -> {
            if (data == null) {
                return null;
            }
            try {
                return MAPPER.writeValueAsBytes(data);
            } catch (IOException e) {
                throw new SerializationException("cannot write " + type + " as JSON for " + topic, e);
            }
        };
    }

    @Override
    public Deserializer<T> deserializer() {
        return (topic, bytes) -> {
            if (bytes == null) {
                return null;
            }
            try {
                return MAPPER.readValue(bytes, type);
            } catch (IOException e) {
                throw new SerializationException("cannot read " + type + " from " + topic + ": " + e.getMessage(), e);
            }
        };
    }
}
