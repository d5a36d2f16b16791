package io.aurum.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.aurum.registry.InMemorySchemaStore;
import io.aurum.registry.LocalSchemaRegistry;
import io.aurum.schemas.GoldenCustomer;
import io.aurum.schemas.XrefEntry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serde;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class AvroWireSerdeTest {
    static LocalSchemaRegistry registry;
    static RestSchemaRegistryClient client;

    @BeforeAll
    static void startRegistry() throws IOException {
        registry = new LocalSchemaRegistry(0, new InMemorySchemaStore()).start();
        client = new RestSchemaRegistryClient(registry.url());
    }

    @AfterAll
    static void stopRegistry() {
        registry.close();
    }

    static Map<String, Object> config(Object... kv) {
        Map<String, Object> m = new HashMap<>();
        m.put(AvroWireSerdeConfig.SCHEMA_REGISTRY_URL, registry.url());
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    @Test
    void goldenCustomerRoundTripsThroughTheRegistryOverHttp() {
        try (Serde<GoldenCustomer> serde = new AvroWireSerde<>(GoldenCustomer.class)) {
            serde.configure(config(), false);
            GoldenCustomer golden = Samples.golden("g-1");

            byte[] bytes = serde.serializer().serialize("customers.golden", golden);
            GoldenCustomer back = serde.deserializer().deserialize("customers.golden", bytes);

            assertThat(back).isEqualTo(golden);
            assertThat(client.getLatestSchemaMetadata("customers.golden-value").schema())
                    .isEqualTo(GoldenCustomer.getClassSchema());
        }
    }

    @Test
    void xrefEntryRoundTripsAsKeyAndValue() {
        XrefEntry xref = Samples.xref("42");
        for (boolean isKey : new boolean[] {false, true}) {
            try (Serde<XrefEntry> serde = new AvroWireSerde<>(XrefEntry.class, client)) {
                serde.configure(config(), isKey);
                byte[] bytes = serde.serializer().serialize("customers.xref", xref);
                assertThat(serde.deserializer().deserialize("customers.xref", bytes))
                        .isEqualTo(xref);
            }
        }
        assertThat(client.getAllSubjects()).contains("customers.xref-key", "customers.xref-value");
    }

    @Test
    void wireBytesAreMagicZeroThenBigEndianIdThenAvrosOwnEncoding() {
        GoldenCustomer golden = Samples.golden("g-wire");
        AvroWireSerializer<GoldenCustomer> serializer = new AvroWireSerializer<>(client, config(), false);

        byte[] bytes = serializer.serialize("wire", golden);

        int id = client.getLatestSchemaMetadata("wire-value").id();
        assertThat(bytes[0]).isEqualTo((byte) 0);
        assertThat(ByteBuffer.wrap(bytes, 1, 4).getInt()).isEqualTo(id);
        assertThat(Arrays.copyOfRange(bytes, 5, bytes.length)).isEqualTo(Samples.avroBinary(golden));
    }

    @Test
    void deserializerWithoutAClassPicksTheGeneratedClassNamedByTheWriterSchema() {
        AvroWireSerializer<XrefEntry> serializer = new AvroWireSerializer<>(client, config(), false);
        AvroWireDeserializer<XrefEntry> deserializer = new AvroWireDeserializer<>();
        deserializer.configure(config(), false);

        Object back = deserializer.deserialize("untyped", serializer.serialize("untyped", Samples.xref("7")));

        assertThat(back).isInstanceOf(XrefEntry.class).isEqualTo(Samples.xref("7"));
    }

    @Test
    void recordsWrittenWithANewerSchemaWithAnExtraFieldReadIntoTheCurrentClass() throws IOException {
        Schema newer = SchemaBuilder.record("XrefEntry")
                .namespace("io.aurum.schemas")
                .fields()
                .requiredString("goldenId")
                .requiredString("source")
                .requiredString("key")
                .optionalString("reason")
                .name("confidence")
                .type()
                .doubleType()
                .doubleDefault(1.0)
                .endRecord();
        int id = client.register("evolved-value", newer);
        GenericRecord written = new GenericData.Record(newer);
        written.put("goldenId", "g-9");
        written.put("source", "crm.contacts");
        written.put("key", "9");
        written.put("reason", null);
        written.put("confidence", 0.75);

        XrefEntry read = new AvroWireDeserializer<>(XrefEntry.class, client)
                .deserialize("evolved", WireFormat.frame(id, genericBinary(newer, written)));

        assertThat(read)
                .isEqualTo(XrefEntry.newBuilder()
                        .setGoldenId("g-9")
                        .setSource("crm.contacts")
                        .setKey("9")
                        .setReason(null)
                        .build());
    }

    @Test
    void recordsWrittenWithAnOlderSchemaGetTheReaderDefaults() throws IOException {
        Schema older = SchemaBuilder.record("XrefEntry")
                .namespace("io.aurum.schemas")
                .fields()
                .requiredString("goldenId")
                .requiredString("source")
                .requiredString("key")
                .endRecord();
        int id = client.register("older-value", older);
        GenericRecord written = new GenericData.Record(older);
        written.put("goldenId", "g-1");
        written.put("source", "billing.accounts");
        written.put("key", "A-1");

        XrefEntry read = new AvroWireDeserializer<>(XrefEntry.class, client)
                .deserialize("older", WireFormat.frame(id, genericBinary(older, written)));

        assertThat(read.getGoldenId()).isEqualTo("g-1");
        assertThat(read.getReason()).isNull();
    }

    @Test
    void aWriterSchemaTheClassCannotReadIsASerializationException() throws IOException {
        Schema other = SchemaBuilder.record("XrefEntry")
                .namespace("io.aurum.schemas")
                .fields()
                .requiredLong("goldenId")
                .endRecord();
        int id = client.register("incompatible-value", other);
        GenericRecord written = new GenericData.Record(other);
        written.put("goldenId", 5L);

        assertThatThrownBy(() -> new AvroWireDeserializer<>(XrefEntry.class, client)
                        .deserialize("incompatible", WireFormat.frame(id, genericBinary(other, written))))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("cannot be read as io.aurum.schemas.XrefEntry");
    }

    @Test
    void tombstonesStayNullBothWays() {
        try (Serde<GoldenCustomer> serde = new AvroWireSerde<>(GoldenCustomer.class, client)) {
            serde.configure(config(), false);
            assertThat(serde.serializer().serialize("customers.golden", null)).isNull();
            assertThat(serde.deserializer().deserialize("customers.golden", null))
                    .isNull();
        }
    }

    @Test
    void badPayloadsAreSerializationExceptionsSayingWhatIsWrong() {
        AvroWireDeserializer<GoldenCustomer> deserializer = new AvroWireDeserializer<>(GoldenCustomer.class, client);
        byte[] good = new AvroWireSerializer<GoldenCustomer>(client, config(), false)
                .serialize("bad", Samples.golden("g-bad"));

        byte[] wrongMagic = good.clone();
        wrongMagic[0] = 1;
        assertThatThrownBy(() -> deserializer.deserialize("bad", wrongMagic))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("magic byte 0x01");

        assertThatThrownBy(() -> deserializer.deserialize("bad", new byte[] {0, 0, 1}))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("Truncated payload: 3 bytes");

        byte[] unknownId = good.clone();
        ByteBuffer.wrap(unknownId).putInt(1, 987_654);
        assertThatThrownBy(() -> deserializer.deserialize("bad", unknownId))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("Unknown schema id 987654");

        byte[] truncatedBody = Arrays.copyOf(good, good.length / 2);
        assertThatThrownBy(() -> deserializer.deserialize("bad", truncatedBody))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("Could not decode");

        byte[] trailing = Arrays.copyOf(good, good.length + 3);
        assertThatThrownBy(() -> deserializer.deserialize("bad", trailing))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("trailing bytes");

        // A failure must not poison the cache: the good record still reads.
        assertThat(deserializer.deserialize("bad", good)).isEqualTo(Samples.golden("g-bad"));
    }

    @Test
    void idsAreCachedSoOnlyTheFirstRecordTalksToTheRegistry() {
        RestSchemaRegistryClient fresh = new RestSchemaRegistryClient(registry.url());
        AvroWireSerializer<GoldenCustomer> serializer = new AvroWireSerializer<>(fresh, config(), false);
        long before = registry.requestCount();
        byte[] bytes = null;
        for (int i = 0; i < 20; i++) {
            bytes = serializer.serialize("cached", Samples.golden("g-" + i));
        }
        assertThat(registry.requestCount() - before).as("one registration").isEqualTo(1);

        fresh.register("cached-value", GoldenCustomer.getClassSchema());
        assertThat(registry.requestCount() - before)
                .as("the client caches registrations itself")
                .isEqualTo(1);

        AvroWireDeserializer<GoldenCustomer> deserializer =
                new AvroWireDeserializer<>(GoldenCustomer.class, new RestSchemaRegistryClient(registry.url()));
        before = registry.requestCount();
        for (int i = 0; i < 20; i++) {
            deserializer.deserialize("cached", bytes);
        }
        assertThat(registry.requestCount() - before).as("one schema fetch").isEqualTo(1);
    }

    @Test
    void withoutAutoRegisterTheSchemaMustAlreadyBeThere() {
        AvroWireSerializer<XrefEntry> serializer = new AvroWireSerializer<>(
                new RestSchemaRegistryClient(registry.url()),
                config(AvroWireSerdeConfig.AUTO_REGISTER_SCHEMAS, "false"),
                false);

        assertThatThrownBy(() -> serializer.serialize("unregistered", Samples.xref("1")))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("unregistered-value")
                .hasMessageContaining("40401");

        int id = client.register("unregistered-value", XrefEntry.getClassSchema());
        byte[] bytes = serializer.serialize("unregistered", Samples.xref("1"));
        assertThat(WireFormat.schemaId(bytes)).isEqualTo(id);
    }

    @Test
    void useLatestVersionWritesWithTheLatestRegisteredSchema() {
        client.register("latest-value", XrefEntry.getClassSchema());
        Schema newer = SchemaBuilder.record("XrefEntry")
                .namespace("io.aurum.schemas")
                .fields()
                .requiredString("goldenId")
                .requiredString("source")
                .requiredString("key")
                .optionalString("reason")
                .name("confidence")
                .type()
                .doubleType()
                .doubleDefault(1.0)
                .endRecord();
        int latestId = client.register("latest-value", newer);
        AvroWireSerializer<XrefEntry> serializer = new AvroWireSerializer<>(
                client,
                config(AvroWireSerdeConfig.USE_LATEST_VERSION, true, AvroWireSerdeConfig.AUTO_REGISTER_SCHEMAS, false),
                false);

        byte[] bytes = serializer.serialize("latest", Samples.xref("3"));

        assertThat(WireFormat.schemaId(bytes)).isEqualTo(latestId);
        assertThat(new AvroWireDeserializer<>(XrefEntry.class, client).deserialize("latest", bytes))
                .isEqualTo(Samples.xref("3"));
    }

    @Test
    void unconfiguredSerdesSayHowToConfigureThem() {
        assertThatThrownBy(() -> new AvroWireSerializer<XrefEntry>().serialize("t", Samples.xref("1")))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("schema.registry.url");
        assertThatThrownBy(() -> new AvroWireSerializer<XrefEntry>().configure(Map.of(), false))
                .hasMessageContaining("schema.registry.url");
    }

    static byte[] genericBinary(Schema schema, GenericRecord record) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(schema).write(record, encoder);
        encoder.flush();
        return out.toByteArray();
    }
}
