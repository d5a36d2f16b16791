package io.aurum.serde;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Reads Confluent wire-format Avro into generated {@link SpecificRecord} classes. The writer schema is fetched by
 * the id in the record and resolved to the reader class's schema with Avro schema resolution, so records written
 * with an older or newer compatible schema read fine.
 *
 * <p>Given a class, every record becomes that class; without one (the no-argument constructor, as Kafka uses for
 * {@code value.deserializer}), the class is the generated one named like the writer schema's record, as with
 * Confluent's {@code specific.avro.reader=true}.
 *
 * <p>No {@code org.apache.avro.SERIALIZABLE_PACKAGES} system property is needed: constructing the deserializer
 * trusts {@code io.aurum.schemas} and the packages of the given class and of the types it nests (see
 * {@link AvroTrust}).
 */
public class AvroWireDeserializer<T extends SpecificRecord> implements Deserializer<T> {
    private final Class<T> type;
    private final RegistryClientRef registry;

    /** One resolving reader per writer schema id: building one walks both schemas, too slow to do per record. */
    private final Map<Integer, DatumReader<T>> readers = new ConcurrentHashMap<>();

    public AvroWireDeserializer() {
        this(null, null);
    }

    public AvroWireDeserializer(Class<T> type) {
        this(type, null);
    }

    public AvroWireDeserializer(Class<T> type, SchemaRegistryClient client) {
        AvroTrust.ensureInstalled();
        if (type != null) {
            AvroTrust.trustClass(type);
        }
        this.type = type;
        this.registry = new RegistryClientRef(client);
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        registry.configure(new AvroWireSerdeConfig(configs));
    }

    @Override
    public T deserialize(String topic, byte[] data) {
        if (data == null) {
            return null;
        }
        registry.require("AvroWireDeserializer");
        int id = WireFormat.schemaId(data);
        DatumReader<T> reader = readers.get(id);
        if (reader == null) {
            reader = newReader(id, topic);
            readers.put(id, reader);
        }
        BinaryDecoder decoder = DecoderFactory.get()
                .binaryDecoder(data, WireFormat.HEADER_SIZE, data.length - WireFormat.HEADER_SIZE, null);
        T record;
        try {
            record = reader.read(null, decoder);
        } catch (IOException | RuntimeException e) {
            // EOFException for truncated bodies; AvroRuntimeException / index errors for bytes that do not follow the
            // writer schema.
            throw new SerializationException(
                    "Could not decode Avro payload of " + data.length + " bytes with writer" + " schema id " + id
                            + " from topic " + topic + " (truncated or not written with that schema): " + e,
                    e);
        }
        try {
            if (!decoder.isEnd()) {
                throw new SerializationException("Avro payload with writer schema id " + id + " from topic " + topic
                        + " has trailing bytes after the record: it was not written with that schema");
            }
        } catch (IOException e) {
            throw new SerializationException("Could not read Avro payload from topic " + topic, e);
        }
        return record;
    }

    private DatumReader<T> newReader(int id, String topic) {
        Schema writer;
        try {
            writer = registry.client().getSchemaById(id);
        } catch (SchemaRegistryException e) {
            if (e.isNotFound()) {
                throw new SerializationException(
                        "Unknown schema id " + id + " in a record of topic " + topic
                                + ": the schema registry has no such schema (" + e.getMessage() + ")",
                        e);
            }
            throw new SerializationException(
                    "Could not fetch schema id " + id + " for a record of topic " + topic + ": " + e.getMessage(), e);
        }
        Class<?> readerClass = type;
        if (readerClass == null) {
            readerClass = classFor(writer, id);
            AvroTrust.trustClass(readerClass);
        }
        SpecificData model = SpecificData.getForClass(readerClass);
        Schema readerSchema = model.getSchema(readerClass);
        SchemaCompatibility.SchemaPairCompatibility compat =
                SchemaCompatibility.checkReaderWriterCompatibility(readerSchema, writer);
        if (compat.getType() != SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE) {
            throw new SerializationException(
                    "Records of topic " + topic + " with writer schema id " + id + " (" + writer.getFullName()
                            + ") cannot be read as " + readerClass.getName() + ": " + compat.getDescription());
        }
        return new SpecificDatumReader<>(writer, readerSchema, model);
    }

    private static Class<?> classFor(Schema writer, int id) {
        Class<?> c;
        try {
            c = SpecificData.get().getClass(writer);
        } catch (AvroRuntimeException | SecurityException e) {
            throw new SerializationException(
                    "Cannot load the generated class for " + writer.getFullName() + " (schema id " + id + "): "
                            + e.getMessage(),
                    e);
        }
        if (c == null || !SpecificRecord.class.isAssignableFrom(c)) {
            throw new SerializationException("No generated Avro class " + writer.getFullName() + " on the class path"
                    + " for schema id " + id + "; construct the deserializer with the class to read into");
        }
        return c;
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
