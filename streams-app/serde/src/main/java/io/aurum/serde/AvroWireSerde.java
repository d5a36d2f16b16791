package io.aurum.serde;

import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/** {@link AvroWireSerializer} and {@link AvroWireDeserializer} for one generated class, as Kafka Streams wants. */
public class AvroWireSerde<T extends SpecificRecord> implements Serde<T> {
    private final AvroWireSerializer<T> serializer;
    private final AvroWireDeserializer<T> deserializer;
    private final RegistryClientRef registry;

    /**
     * For Kafka Streams' {@code default.value.serde} / {@code default.key.serde}, which instantiate by class name:
     * records are read into the generated class named like the writer schema.
     */
    public AvroWireSerde() {
        this(null, null);
    }

    /** Builds its registry client from {@code schema.registry.url} in {@link #configure}. */
    public AvroWireSerde(Class<T> type) {
        this(type, null);
    }

    /** Shares {@code client} (and its caches) between both directions; {@link #configure} is still needed. */
    public AvroWireSerde(Class<T> type, SchemaRegistryClient client) {
        this.registry = new RegistryClientRef(client);
        this.serializer = new AvroWireSerializer<>(client);
        this.deserializer = new AvroWireDeserializer<>(type, client);
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        if (registry.configure(new AvroWireSerdeConfig(configs))) {
            // One client for both directions: the deserializer then finds the ids the serializer registered in cache.
            serializer.useClient(registry.client());
            deserializer.useClient(registry.client());
        }
        serializer.configure(configs, isKey);
        deserializer.configure(configs, isKey);
    }

    @Override
    public Serializer<T> serializer() {
        return serializer;
    }

    @Override
    public Deserializer<T> deserializer() {
        return deserializer;
    }

    @Override
    public void close() {
        serializer.close();
        deserializer.close();
        registry.close();
    }
}
