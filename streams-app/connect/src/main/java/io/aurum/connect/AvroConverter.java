package io.aurum.connect;

import io.apicurio.registry.serde.avro.NonRecordContainer;
import io.apicurio.registry.utils.converter.avro.AvroData;
import io.apicurio.registry.utils.converter.avro.AvroDataConfig;
import io.aurum.serde.AvroWireSerdeConfig;
import io.aurum.serde.AvroWireSerializer;
import io.aurum.serde.RestSchemaRegistryClient;
import io.aurum.serde.SchemaRegistryClient;
import io.aurum.serde.SchemaRegistryException;
import io.aurum.serde.WireFormat;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.storage.Converter;

/**
 * A Kafka Connect converter for Avro in the Confluent wire format (magic byte, 4-byte schema id, Avro binary), with
 * schemas in any registry that speaks the Confluent REST API. It exists because Confluent's AvroConverter is not on
 * Maven Central and Apicurio's speaks only Apicurio's own API. Aurum's registry client and wire format, and
 * Apicurio's {@link AvroData} (Apache-2.0, a fork of Confluent's) for Connect ↔ Avro, so Connect names and
 * parameters survive in the Avro schema ({@code connect.name}, {@code connect.parameters}) exactly as with
 * Confluent's converter.
 *
 * <pre>
 * value.converter=io.aurum.connect.AvroConverter
 * value.converter.schema.registry.url=http://registry:8080/apis/ccompat/v7
 * </pre>
 *
 * <p>Settings: {@code schema.registry.url} (required; comma-separated), {@code auto.register.schemas} (default true;
 * when false the schema must already be registered), {@code basic.auth.user.info}, and AvroData's
 * {@code connect.meta.data} (default true), {@code schemas.cache.config} (default 1000). Subjects follow the
 * TopicNameStrategy: {@code <topic>-value} / {@code <topic>-key}. Tombstones stay null.
 */
public final class AvroConverter implements Converter {
    private SchemaRegistryClient client;
    private AvroData avroData;
    private boolean isKey;
    private boolean autoRegister;
    private final Map<Integer, DatumReader<Object>> readers = new ConcurrentHashMap<>();
    private final Map<Integer, Schema> writers = new ConcurrentHashMap<>();
    private final Map<org.apache.kafka.connect.data.Schema, Target> targets = new ConcurrentHashMap<>();

    /** How records of one Connect schema go out: its Avro schema, writer and id (per topic). */
    private record Target(Schema avro, GenericDatumWriter<Object> writer, Map<String, Integer> ids) {}

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        this.isKey = isKey;
        AvroWireSerdeConfig serde = new AvroWireSerdeConfig(configs);
        if (serde.urls().isEmpty()) {
            throw new DataException(AvroWireSerdeConfig.SCHEMA_REGISTRY_URL + " is required");
        }
        this.client = new RestSchemaRegistryClient(serde);
        this.autoRegister = serde.autoRegister();
        Map<String, Object> avro = new HashMap<>();
        avro.put(
                AvroDataConfig.CONNECT_META_DATA_CONFIG,
                String.valueOf(configs.containsKey("connect.meta.data") ? configs.get("connect.meta.data") : "true"));
        avro.put(
                AvroDataConfig.SCHEMAS_CACHE_SIZE_CONFIG,
                String.valueOf(
                        configs.containsKey("schemas.cache.config") ? configs.get("schemas.cache.config") : "1000"));
        this.avroData = new AvroData(new AvroDataConfig(avro));
    }

    @Override
    public ConfigDef config() {
        return new ConfigDef()
                .define(
                        AvroWireSerdeConfig.SCHEMA_REGISTRY_URL,
                        ConfigDef.Type.LIST,
                        ConfigDef.Importance.HIGH,
                        "Registry URLs (Confluent REST API)")
                .define(
                        AvroWireSerdeConfig.AUTO_REGISTER_SCHEMAS,
                        ConfigDef.Type.BOOLEAN,
                        true,
                        ConfigDef.Importance.MEDIUM,
                        "Register schemas on first use");
    }

    @Override
    public byte[] fromConnectData(String topic, org.apache.kafka.connect.data.Schema schema, Object value) {
        if (value == null) {
            return null; // a tombstone stays a tombstone
        }
        Target target = targets.computeIfAbsent(schema, s -> {
            Schema avro = avroData.fromConnectSchema(s);
            return new Target(avro, new GenericDatumWriter<>(avro), new ConcurrentHashMap<>());
        });
        String subject = AvroWireSerializer.subject(topic, isKey);
        int id = target.ids().computeIfAbsent(subject, sub -> {
            try {
                return autoRegister
                        ? client.register(sub, target.avro())
                        : client.lookup(sub, target.avro()).id();
            } catch (SchemaRegistryException e) {
                throw new DataException(
                        "Could not " + (autoRegister ? "register" : "find") + " the schema of subject " + sub + ": "
                                + e.getMessage(),
                        e);
            }
        });
        Object avro = avroData.fromConnectData(schema, value);
        if (avro instanceof NonRecordContainer c) {
            avro = c.getValue();
        }
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream(256);
            out.write(WireFormat.header(id));
            BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
            target.writer().write(avro, encoder);
            encoder.flush();
            return out.toByteArray();
        } catch (IOException | RuntimeException e) {
            throw new DataException("Could not write Avro for topic " + topic + ": " + e.getMessage(), e);
        }
    }

    @Override
    public SchemaAndValue toConnectData(String topic, byte[] value) {
        if (value == null) {
            return SchemaAndValue.NULL;
        }
        int id;
        try {
            id = WireFormat.schemaId(value);
        } catch (RuntimeException e) {
            throw new DataException("Not Confluent wire format on topic " + topic + ": " + e.getMessage(), e);
        }
        Schema writer;
        try {
            writer = writers.computeIfAbsent(id, client::getSchemaById);
        } catch (SchemaRegistryException e) {
            throw new DataException(
                    "Could not fetch schema id " + id + " for topic " + topic + ": " + e.getMessage(), e);
        }
        DatumReader<Object> reader = readers.computeIfAbsent(id, i -> new GenericDatumReader<>(writer));
        try {
            Object avro = reader.read(
                    null,
                    DecoderFactory.get()
                            .binaryDecoder(value, WireFormat.HEADER_SIZE, value.length - WireFormat.HEADER_SIZE, null));
            return avroData.toConnectData(writer, avro);
        } catch (IOException | RuntimeException e) {
            throw new DataException("Could not read Avro (schema id " + id + ") from topic " + topic + ": " + e, e);
        }
    }

    @Override
    public void close() {
        if (client != null) {
            client.close();
        }
    }
}
