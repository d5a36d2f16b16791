package io.aurum.serde;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Writes Avro {@link SpecificRecord}s in Confluent's wire format, registering (or looking up) their schema under
 * the TopicNameStrategy subject {@code <topic>-value} or {@code <topic>-key}.
 *
 * <p>Either hand it a {@link SchemaRegistryClient} or let {@link #configure} build a {@link
 * RestSchemaRegistryClient} from {@code schema.registry.url}; the no-argument constructor exists for Kafka's
 * {@code value.serializer} class-name configuration.
 */
public class AvroWireSerializer<T extends SpecificRecord> implements Serializer<T> {
    private final RegistryClientRef registry;
    private boolean isKey;
    private boolean autoRegister = true;
    private boolean useLatest;
    private long latestTtlMs = -1;

    /** subject -> record class -> how to write it. Per class so the hot path needs no schema hashing. */
    private final Map<String, Map<Class<?>, Target>> targets = new ConcurrentHashMap<>();

    private final Map<Class<?>, DatumWriter<Object>> writers = new ConcurrentHashMap<>();

    /** How records of one class go out under one subject: with which id and, if not its own, which schema. */
    private record Target(int id, Schema latest, long expiresAtMs) {}

    public AvroWireSerializer() {
        this.registry = new RegistryClientRef(null);
    }

    public AvroWireSerializer(SchemaRegistryClient client) {
        this.registry = new RegistryClientRef(client);
    }

    /** A serializer already {@link #configure configured} from {@code config}, using {@code client}. */
    public AvroWireSerializer(SchemaRegistryClient client, Map<String, ?> config, boolean isKey) {
        this.registry = new RegistryClientRef(client);
        configure(config, isKey);
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        AvroWireSerdeConfig config = new AvroWireSerdeConfig(configs);
        this.isKey = isKey;
        this.autoRegister = config.autoRegister();
        this.useLatest = config.useLatestVersion();
        this.latestTtlMs = config.latestCacheTtlSec() < 0 ? -1 : config.latestCacheTtlSec() * 1000;
        registry.configure(config);
        targets.clear();
    }

    @Override
    public byte[] serialize(String topic, T data) {
        if (data == null) {
            return null; // tombstones must stay null for compaction to delete the key
        }
        registry.require("AvroWireSerializer");
        String subject = subject(topic, isKey);
        Target target = target(subject, data);
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        out.writeBytes(WireFormat.header(target.id()));
        try {
            if (target.latest() == null) {
                write(data, out);
            } else {
                transcode(data, target.latest(), out);
            }
        } catch (IOException | RuntimeException e) {
            throw new SerializationException(
                    "Could not Avro-encode a " + data.getClass().getName() + " for subject " + subject + ": "
                            + e.getMessage(),
                    e);
        }
        return out.toByteArray();
    }

    /** TopicNameStrategy, Confluent's default. */
    public static String subject(String topic, boolean isKey) {
        return topic + (isKey ? "-key" : "-value");
    }

    private Target target(String subject, T data) {
        Map<Class<?>, Target> bySubject = targets.computeIfAbsent(subject, s -> new ConcurrentHashMap<>());
        Target t = bySubject.get(data.getClass());
        if (t == null || (t.expiresAtMs() >= 0 && System.currentTimeMillis() > t.expiresAtMs())) {
            t = resolve(subject, data.getSchema(), data.getClass().getName());
            bySubject.put(data.getClass(), t);
        }
        return t;
    }

    private Target resolve(String subject, Schema schema, String className) {
        try {
            if (useLatest) {
                SchemaMetadata latest = registry.client().getLatestSchemaMetadata(subject);
                long expires = latestTtlMs < 0 ? -1 : System.currentTimeMillis() + latestTtlMs;
                if (latest.schema().toString().equals(schema.toString())) {
                    return new Target(latest.id(), null, expires);
                }
                SchemaCompatibility.SchemaPairCompatibility compat =
                        SchemaCompatibility.checkReaderWriterCompatibility(latest.schema(), schema);
                if (compat.getType() != SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE) {
                    throw new SerializationException(USE_LATEST_HINT + ": latest version " + latest.version() + " (id "
                            + latest.id() + ") of subject " + subject + " cannot represent records of " + className
                            + ": "
                            + compat.getDescription());
                }
                return new Target(latest.id(), latest.schema(), expires);
            }
            SchemaRegistryClient client = registry.client();
            int id = autoRegister
                    ? client.register(subject, schema)
                    : client.lookup(subject, schema).id();
            return new Target(id, null, -1);
        } catch (SchemaRegistryException e) {
            String action = useLatest
                    ? "fetch the latest schema of"
                    : autoRegister
                            ? "register a schema under"
                            : "find the schema of " + className + " under (auto.register.schemas=false)";
            throw new SerializationException("Could not " + action + " subject " + subject + ": " + e.getMessage(), e);
        }
    }

    private static final String USE_LATEST_HINT = AvroWireSerdeConfig.USE_LATEST_VERSION + "=true";

    @SuppressWarnings("unchecked")
    private void write(T data, ByteArrayOutputStream out) throws IOException {
        DatumWriter<Object> writer = writers.computeIfAbsent(data.getClass(), c -> (DatumWriter<Object>)
                (DatumWriter<?>) new SpecificDatumWriter<>(data.getSchema(), SpecificData.getForClass(c)));
        BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
        writer.write(data, encoder);
        encoder.flush();
    }

    /**
     * The record's fields are written by position, so a record cannot be written with a different schema directly;
     * going through a generic record resolved by name is slow but only happens when use.latest.version points at a
     * schema other than the class's own.
     */
    private void transcode(T data, Schema latest, ByteArrayOutputStream out) throws IOException {
        ByteArrayOutputStream own = new ByteArrayOutputStream(256);
        write(data, own);
        Object generic = new GenericDatumReader<>(data.getSchema(), latest, GenericData.get())
                .read(null, DecoderFactory.get().binaryDecoder(own.toByteArray(), null));
        BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
        new GenericDatumWriter<>(latest, GenericData.get()).write(generic, encoder);
        encoder.flush();
    }

    /** Shares a client owned by someone else (the enclosing serde), who also closes it. */
    void useClient(SchemaRegistryClient shared) {
        registry.share(shared);
    }

    @Override
    public void close() {
        registry.close();
    }
}
