package io.aurum.serde;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Generic Avro records in the Confluent wire format, for topics whose schema is built at run time (the typed golden
 * table): the writer registers the record's schema under the TopicNameStrategy subject (or, with
 * {@code auto.register.schemas=false}, finds it there), the reader reads with the writer's schema from the registry.
 * Same settings as {@link AvroWireSerde}.
 */
public final class GenericAvroWireSerde implements Serde<GenericRecord> {
    private final RegistryClientRef registry;
    private boolean isKey;
    private boolean autoRegister = true;
    private final Map<Schema, Integer> ids = new ConcurrentHashMap<>();
    private final Map<Schema, GenericDatumWriter<Object>> writers = new ConcurrentHashMap<>();
    private final Map<Integer, GenericDatumReader<GenericRecord>> readers = new ConcurrentHashMap<>();

    public GenericAvroWireSerde() {
        this((SchemaRegistryClient) null);
    }

    public GenericAvroWireSerde(SchemaRegistryClient client) {
        this.registry = new RegistryClientRef(client);
    }

    /** A serde configured from {@code config} ({@code schema.registry.url}, credentials). */
    public static GenericAvroWireSerde of(Map<String, ?> config, boolean isKey) {
        GenericAvroWireSerde serde = new GenericAvroWireSerde();
        serde.configure(config, isKey);
        return serde;
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        AvroWireSerdeConfig config = new AvroWireSerdeConfig(configs);
        this.isKey = isKey;
        this.autoRegister = config.autoRegister();
        if (!config.urls().isEmpty()) {
            // Without a URL the serde stays unconfigured and says so when first used.
            registry.configure(config);
        }
    }

    /** Registers {@code schema} for {@code topic} now (or checks it is there) and returns its id. */
    public int register(String topic, Schema schema) {
        return ids.computeIfAbsent(schema, s -> {
            String subject = AvroWireSerializer.subject(topic, isKey);
            try {
                return autoRegister
                        ? registry.client().register(subject, s)
                        : registry.client().lookup(subject, s).id();
            } catch (SchemaRegistryException e) {
                throw new SerializationException(
                        "Could not " + (autoRegister ? "register" : "find") + " the schema of subject " + subject + ": "
                                + e.getMessage(),
                        e);
            }
        });
    }

    @Override
    public Serializer<GenericRecord> serializer() {
        return (topic, data) -> {
            if (data == null) {
                return null;
            }
            registry.require("GenericAvroWireSerde");
            int id = register(topic, data.getSchema());
            ByteArrayOutputStream out = new ByteArrayOutputStream(256);
            out.writeBytes(WireFormat.header(id));
            try {
                BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
                writers.computeIfAbsent(data.getSchema(), GenericDatumWriter::new)
                        .write(data, encoder);
                encoder.flush();
            } catch (IOException | RuntimeException e) {
                throw new SerializationException("Could not Avro-encode a record for topic " + topic + ": " + e, e);
            }
            return out.toByteArray();
        };
    }

    @Override
    public Deserializer<GenericRecord> deserializer() {
        return (topic, data) -> {
            if (data == null) {
                return null;
            }
            registry.require("GenericAvroWireSerde");
            int id = WireFormat.schemaId(data);
            GenericDatumReader<GenericRecord> reader = readers.computeIfAbsent(id, i -> {
                try {
                    return new GenericDatumReader<>(registry.client().getSchemaById(i));
                } catch (SchemaRegistryException e) {
                    throw new SerializationException("Could not fetch schema id " + i + ": " + e.getMessage(), e);
                }
            });
            try {
                return reader.read(
                        null,
                        DecoderFactory.get()
                                .binaryDecoder(
                                        data, WireFormat.HEADER_SIZE, data.length - WireFormat.HEADER_SIZE, null));
            } catch (IOException | RuntimeException e) {
                throw new SerializationException("Could not decode a record of topic " + topic + ": " + e, e);
            }
        };
    }

    @Override
    public void close() {
        registry.close();
    }
}
