package io.aurum.canonical;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.aurum.config.AurumConfig;
import io.aurum.config.PipelineConfig;
import io.aurum.config.YamlDocument;
import io.aurum.serde.SchemaMetadata;
import io.aurum.serde.SchemaRegistryClient;
import io.aurum.serde.WireFormat;
import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.kafka.connect.data.Date;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Time;
import org.apache.kafka.connect.data.Timestamp;
import org.apache.kafka.connect.json.JsonConverter;
import org.junit.jupiter.api.Test;

/**
 * Every Connect and Debezium logical type, written by Connect's own JsonConverter (both decimal formats) and by an
 * Avro writer with the Connect names an Avro converter keeps, decodes to one canonical value; bad values are dead
 * letters that name the column; schemas are parsed once.
 */
class EventDecoderTest {
    static final String CONFIG = """
            systems: {shop: {priority: 1}}
            sources:
              shop.accounts:
                system: shop
                key: [account_id]
                created_at: opened_on
                attributes: {balance: balance, opened: opened_on, seen: last_seen}
              shop.legacy:
                system: shop
                attributes: {amount: amount, day: day, at: at, flag: flag}
                column_types: {amount: decimal, day: date, at: timestamp, flag: boolean}
              shop.avro:
                system: shop
                format: avro
                attributes: {amount: amount}
            golden:
              fields:
                balance: {type: decimal, scale: 2, owner: shop}
            """;
    static final PipelineConfig PIPELINE =
            AurumConfig.from(YamlDocument.parse("t.yaml", CONFIG, Map.of())).pipeline();

    static org.apache.kafka.connect.data.Schema named(SchemaBuilder b, String name) {
        return b.name(name).version(1).optional().build();
    }

    /** A row with one column of every type Debezium's Postgres connector produces. */
    static final org.apache.kafka.connect.data.Schema ROW = SchemaBuilder.struct()
            .name("shop.public.accounts.Value")
            .field("account_id", org.apache.kafka.connect.data.Schema.INT64_SCHEMA)
            .field("balance", Decimal.builder(2).optional().build())
            .field(
                    "big",
                    named(
                            SchemaBuilder.struct()
                                    .field("scale", org.apache.kafka.connect.data.Schema.INT32_SCHEMA)
                                    .field("value", org.apache.kafka.connect.data.Schema.BYTES_SCHEMA),
                            "io.debezium.data.VariableScaleDecimal"))
            .field("opened_on", named(SchemaBuilder.int32(), "io.debezium.time.Date"))
            .field("connect_date", Date.builder().optional().build())
            .field("wake", named(SchemaBuilder.int64(), "io.debezium.time.MicroTime"))
            .field("wake_ms", Time.builder().optional().build())
            .field("wake_ns", named(SchemaBuilder.int64(), "io.debezium.time.NanoTime"))
            .field("local_ts", named(SchemaBuilder.int64(), "io.debezium.time.MicroTimestamp"))
            .field("local_ms", Timestamp.builder().optional().build())
            .field("local_ns", named(SchemaBuilder.int64(), "io.debezium.time.NanoTimestamp"))
            .field("last_seen", named(SchemaBuilder.string(), "io.debezium.time.ZonedTimestamp"))
            .field("zoned_time", named(SchemaBuilder.string(), "io.debezium.time.ZonedTime"))
            .field("year", named(SchemaBuilder.int32(), "io.debezium.time.Year"))
            .field("span", named(SchemaBuilder.int64(), "io.debezium.time.MicroDuration"))
            .field("doc", named(SchemaBuilder.string(), "io.debezium.data.Json"))
            .field("uid", named(SchemaBuilder.string(), "io.debezium.data.Uuid"))
            .field("tier", named(SchemaBuilder.string(), "io.debezium.data.Enum"))
            .field("flags", named(SchemaBuilder.bytes(), "io.debezium.data.Bits"))
            .field(
                    "tags",
                    SchemaBuilder.array(org.apache.kafka.connect.data.Schema.OPTIONAL_STRING_SCHEMA)
                            .optional()
                            .build())
            .field("blob", org.apache.kafka.connect.data.Schema.OPTIONAL_BYTES_SCHEMA)
            .field("ratio", org.apache.kafka.connect.data.Schema.OPTIONAL_FLOAT64_SCHEMA)
            .field("active", org.apache.kafka.connect.data.Schema.OPTIONAL_BOOLEAN_SCHEMA)
            .field("small", org.apache.kafka.connect.data.Schema.OPTIONAL_INT16_SCHEMA)
            .build();

    static Struct row() {
        return new Struct(ROW)
                .put("account_id", 999L)
                .put("balance", new BigDecimal("3000.00"))
                .put(
                        "big",
                        new Struct(ROW.field("big").schema())
                                .put("scale", 4)
                                .put(
                                        "value",
                                        new BigDecimal("12.3456")
                                                .unscaledValue()
                                                .toByteArray()))
                .put("opened_on", (int) LocalDate.of(2018, 4, 30).toEpochDay())
                .put("connect_date", java.util.Date.from(Instant.parse("2018-04-30T00:00:00Z")))
                .put("wake", 27_000_123_456L)
                .put("wake_ms", new java.util.Date(27_000_123L))
                .put("wake_ns", 27_000_123_456_789L)
                .put("local_ts", 1_580_630_400_000_001L)
                .put("local_ms", java.util.Date.from(Instant.parse("2020-02-02T08:00:00.123Z")))
                .put("local_ns", 1_580_630_400_000_000_123L)
                .put("last_seen", "2024-03-01T12:34:56.789+02:00")
                .put("zoned_time", "07:30:00+02:00")
                .put("year", 2024)
                .put("span", 90_061_000_000L)
                .put("doc", "{\"a\": [1, 2]}")
                .put("uid", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11")
                .put("tier", "gold")
                .put("flags", new byte[] {5})
                .put("tags", List.of("vip", "eu"))
                .put("blob", new byte[] {1, 2, 3})
                .put("ratio", 0.25)
                .put("active", true)
                .put("small", (short) 7);
    }

    static Struct envelope(org.apache.kafka.connect.data.Schema rowSchema, Struct after) {
        org.apache.kafka.connect.data.Schema source = SchemaBuilder.struct()
                .field("lsn", org.apache.kafka.connect.data.Schema.OPTIONAL_INT64_SCHEMA)
                .field("ts_ms", org.apache.kafka.connect.data.Schema.INT64_SCHEMA)
                .field("snapshot", org.apache.kafka.connect.data.Schema.OPTIONAL_STRING_SCHEMA)
                .build();
        org.apache.kafka.connect.data.Schema optionalRow =
                SchemaBuilder.struct().name(rowSchema.name()).optional().build();
        SchemaBuilder env = SchemaBuilder.struct().name("shop.public.accounts.Envelope");
        org.apache.kafka.connect.data.Schema optional = copyOptional(rowSchema);
        org.apache.kafka.connect.data.Schema schema = env.field("before", optional)
                .field("after", optional)
                .field("source", source)
                .field("op", org.apache.kafka.connect.data.Schema.STRING_SCHEMA)
                .field("ts_ms", org.apache.kafka.connect.data.Schema.OPTIONAL_INT64_SCHEMA)
                .build();
        Struct copy = new Struct(optional);
        for (org.apache.kafka.connect.data.Field f : rowSchema.fields()) {
            copy.put(f.name(), after.get(f));
        }
        assertThat(optionalRow).isNotNull();
        return new Struct(schema)
                .put("after", copy)
                .put(
                        "source",
                        new Struct(source)
                                .put("lsn", 42L)
                                .put("ts_ms", 1_700_000_000_000L)
                                .put("snapshot", "false"))
                .put("op", "c")
                .put("ts_ms", 1_700_000_000_001L);
    }

    static org.apache.kafka.connect.data.Schema copyOptional(org.apache.kafka.connect.data.Schema s) {
        SchemaBuilder b = SchemaBuilder.struct().name(s.name()).optional();
        s.fields().forEach(f -> b.field(f.name(), f.schema()));
        return b.build();
    }

    static byte[] json(Struct value, String decimalFormat) {
        JsonConverter c = new JsonConverter();
        c.configure(Map.of("schemas.enable", "true", "decimal.format", decimalFormat), false);
        return c.fromConnectData("shop.public.accounts", value.schema(), value);
    }

    static byte[] key(long id) {
        JsonConverter c = new JsonConverter();
        c.configure(Map.of("schemas.enable", "true"), true);
        org.apache.kafka.connect.data.Schema k = SchemaBuilder.struct()
                .name("shop.public.accounts.Key")
                .field("account_id", org.apache.kafka.connect.data.Schema.INT64_SCHEMA)
                .build();
        return c.fromConnectData("shop.public.accounts", k, new Struct(k).put("account_id", id));
    }

    static void assertCanonicalRow(Map<String, Object> a) {
        assertThat(a.get("balance")).isEqualTo(new BigDecimal("3000.00"));
        assertThat(a.get("big")).isEqualTo(new BigDecimal("12.3456"));
        assertThat(a.get("opened_on")).isEqualTo(LocalDate.of(2018, 4, 30));
        assertThat(a.get("connect_date")).isEqualTo(LocalDate.of(2018, 4, 30));
        assertThat(a.get("wake")).isEqualTo(LocalTime.of(7, 30, 0, 123_456_000));
        assertThat(a.get("wake_ms")).isEqualTo(LocalTime.of(7, 30, 0, 123_000_000));
        assertThat(a.get("wake_ns")).isEqualTo(LocalTime.of(7, 30, 0, 123_456_789));
        assertThat(a.get("local_ts")).isEqualTo(Instant.parse("2020-02-02T08:00:00.000001Z"));
        assertThat(a.get("local_ms")).isEqualTo(Instant.parse("2020-02-02T08:00:00.123Z"));
        assertThat(a.get("local_ns")).isEqualTo(Instant.parse("2020-02-02T08:00:00.000000123Z"));
        assertThat(a.get("last_seen")).isEqualTo(Instant.parse("2024-03-01T10:34:56.789Z"));
        assertThat(a.get("zoned_time")).isEqualTo("07:30+02:00");
        assertThat(a.get("year")).isEqualTo(2024L);
        assertThat(a.get("span")).isEqualTo("PT25H1M1S");
        assertThat(a.get("doc")).isEqualTo("{\"a\": [1, 2]}");
        assertThat(a.get("uid")).isEqualTo("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
        assertThat(a.get("tier")).isEqualTo("gold");
        assertThat((byte[]) a.get("flags")).containsExactly(5);
        assertThat(a.get("tags")).isEqualTo(List.of("vip", "eu"));
        assertThat((byte[]) a.get("blob")).containsExactly(1, 2, 3);
        assertThat(a.get("ratio")).isEqualTo(0.25);
        assertThat(a.get("active")).isEqualTo(true);
        assertThat(a.get("small")).isEqualTo(7L);
    }

    static Map<String, Object> after(com.fasterxml.jackson.databind.JsonNode event) {
        Map<String, Object> out = new LinkedHashMap<>();
        event.get("after").fields().forEachRemaining(e -> out.put(e.getKey(), CdcMapper.scalar(e.getValue())));
        return out;
    }

    @Test
    void everyLogicalTypeFromJsonConverterWithBothDecimalFormats() {
        EventDecoder decoder = EventDecoder.json();
        PipelineConfig.SourceDef accounts = PIPELINE.sources().get("shop.accounts");
        for (String format : List.of("BASE64", "NUMERIC")) {
            assertCanonicalRow(after(decoder.value(accounts, json(envelope(ROW, row()), format))));
        }
    }

    @Test
    void theMapperCarriesTypedValuesAndReadsTheKeyAndTheAnchorTimeFromThem() {
        CdcMapper mapper = new CdcMapper(PIPELINE);
        SourceChange c = mapper.map("shop.public.accounts", key(999), json(envelope(ROW, row()), "BASE64"));
        assertThat(c.key()).isEqualTo("999");
        assertThat(c.attributes())
                .containsEntry("balance", new BigDecimal("3000.00"))
                .containsEntry("opened", LocalDate.of(2018, 4, 30))
                .containsEntry("seen", Instant.parse("2024-03-01T10:34:56.789Z"));
        assertThat(c.createdAt())
                .isEqualTo(Instant.parse("2018-04-30T00:00:00Z").toEpochMilli());
        assertThat(c.position().lsn()).isEqualTo(42L);
    }

    @Test
    void eachDistinctSchemaIsParsedOnce() {
        EventDecoder decoder = EventDecoder.json();
        PipelineConfig.SourceDef accounts = PIPELINE.sources().get("shop.accounts");
        for (int i = 0; i < 500; i++) {
            Struct r = row().put("account_id", (long) i).put("balance", new BigDecimal(i + ".25"));
            assertThat(after(decoder.value(accounts, json(envelope(ROW, r), "BASE64")))
                            .get("balance"))
                    .isEqualTo(new BigDecimal(i + ".25"));
            decoder.key(accounts, key(i));
        }
        assertThat(decoder.cachedSchemas()).isEqualTo(2); // the value's and the key's
    }

    /**
     * An event whose schema is the one seen last skips reading the schema: it must decode exactly as the general way
     * does, and a broken event with that same schema must still fail with the general way's precise error.
     */
    @Test
    void anEventWithTheSchemaSeenLastDecodesAsTheGeneralWayDoes() {
        PipelineConfig.SourceDef accounts = PIPELINE.sources().get("shop.accounts");
        EventDecoder warm = EventDecoder.json();
        warm.value(accounts, json(envelope(ROW, row()), "BASE64")); // the schema is now the one seen last
        for (int i = 0; i < 50; i++) {
            byte[] event = json(envelope(ROW, row().put("account_id", (long) i)), "BASE64");
            assertSameDecoding(warm.value(accounts, event), EventDecoder.json().value(accounts, event));
        }
        String good = new String(json(envelope(ROW, row()), "BASE64"), StandardCharsets.UTF_8);
        for (String bad : List.of(
                good.replace("2024-03-01T12:34:56.789+02:00", "yesterday-ish"),
                good.substring(0, good.length() - 1) + ",\"payload\":{}}",
                good.substring(0, good.length() - 2) + "}}",
                good + " ")) {
            byte[] bytes = bad.getBytes(StandardCharsets.UTF_8);
            Throwable fresh = org.assertj.core.api.Assertions.catchThrowable(
                    () -> EventDecoder.json().value(accounts, bytes));
            Throwable known = org.assertj.core.api.Assertions.catchThrowable(() -> warm.value(accounts, bytes));
            if (fresh == null) {
                assertSameDecoding(
                        warm.value(accounts, bytes), EventDecoder.json().value(accounts, bytes));
            } else {
                assertThat(known).isInstanceOf(fresh.getClass()).hasMessage(fresh.getMessage());
            }
        }
    }

    /** Typed values sit in POJO nodes (LocalDate, byte[]), whose equality is their value's: compared field by field. */
    private static void assertSameDecoding(
            com.fasterxml.jackson.databind.JsonNode actual, com.fasterxml.jackson.databind.JsonNode expected) {
        if (expected.get("after") == null) {
            assertThat(actual).isEqualTo(expected);
            return;
        }
        assertThat(after(actual)).usingRecursiveComparison().isEqualTo(after(expected));
        assertThat(actual.get("source")).isEqualTo(expected.get("source"));
        assertThat(actual.get("op")).isEqualTo(expected.get("op"));
        assertThat(actual.get("before")).isEqualTo(expected.get("before"));
    }

    @Test
    void aValueThatDoesNotFitItsSchemaIsADeadLetterNamingTheColumn() {
        String bad = new String(json(envelope(ROW, row()), "BASE64"), StandardCharsets.UTF_8)
                .replace("2024-03-01T12:34:56.789+02:00", "yesterday-ish");
        PipelineConfig.SourceDef accounts = PIPELINE.sources().get("shop.accounts");
        assertThatThrownBy(() -> EventDecoder.json().value(accounts, bad.getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(MappingException.class)
                .hasMessageContaining("column 'last_seen' (io.debezium.time.ZonedTimestamp)")
                .hasMessageContaining("yesterday-ish");
    }

    @Test
    void withoutSchemasColumnTypesDecideAndWhatDoesNotConvertIsADeadLetter() {
        CdcMapper mapper = new CdcMapper(PIPELINE);
        String event = """
                {"before":null,"after":{"id":1,"amount":"3000.00","day":17652,"at":1580630400000000,"flag":"t"},
                 "source":{"lsn":7,"ts_ms":1700000000000,"snapshot":"false"},"op":"c","ts_ms":1700000000001}""";
        SourceChange c = mapper.map("shop.public.legacy", null, event.getBytes(StandardCharsets.UTF_8));
        assertThat(c.attributes())
                .containsEntry("amount", new BigDecimal("3000.00"))
                .containsEntry("day", LocalDate.of(2018, 5, 1)) // 17652 days after 1970-01-01
                .containsEntry("at", Instant.parse("2020-02-02T08:00:00Z"))
                .containsEntry("flag", true);
        assertThatThrownBy(() -> mapper.map(
                        "shop.public.legacy",
                        null,
                        event.replace("\"3000.00\"", "\"BJPg\"").getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(MappingException.class)
                .hasMessageContaining("column 'amount' of shop.legacy holds 'BJPg', which is not a decimal");
    }

    @Test
    void avroInTheConfluentWireFormatWithConnectNames() throws Exception {
        Schema row = new Schema.Parser().parse("""
                {"type":"record","name":"Value","namespace":"shop.public.avro","fields":[
                  {"name":"id","type":"long"},
                  {"name":"amount","type":["null",{"type":"bytes","scale":2,"precision":10,"connect.version":1,
                     "connect.parameters":{"scale":"2","connect.decimal.precision":"10"},
                     "connect.name":"org.apache.kafka.connect.data.Decimal","logicalType":"decimal"}],"default":null},
                  {"name":"day","type":["null",{"type":"int","connect.version":1,"connect.name":"io.debezium.time.Date"}],"default":null},
                  {"name":"at","type":["null",{"type":"long","connect.version":1,"connect.name":"io.debezium.time.MicroTimestamp"}],"default":null},
                  {"name":"seen","type":["null",{"type":"string","connect.version":1,"connect.name":"io.debezium.time.ZonedTimestamp"}],"default":null},
                  {"name":"small","type":["null",{"type":"int","connect.type":"int16"}],"default":null}]}""");
        Schema envelope = new Schema.Parser()
                .parse("{\"type\":\"record\",\"name\":\"Envelope\",\"namespace\":\"shop.public.avro\",\"fields\":["
                        + "{\"name\":\"before\",\"type\":[\"null\"," + row + "],\"default\":null},"
                        + "{\"name\":\"after\",\"type\":[\"null\",\"Value\"],\"default\":null},"
                        + "{\"name\":\"source\",\"type\":{\"type\":\"record\",\"name\":\"Source\",\"fields\":["
                        + "{\"name\":\"lsn\",\"type\":[\"null\",\"long\"]},{\"name\":\"ts_ms\",\"type\":\"long\"},"
                        + "{\"name\":\"snapshot\",\"type\":[\"null\",\"string\"]}]}},"
                        + "{\"name\":\"op\",\"type\":\"string\"},{\"name\":\"ts_ms\",\"type\":[\"null\",\"long\"]}]}");
        GenericRecord after = new GenericData.Record(row);
        after.put("id", 5L);
        after.put(
                "amount",
                ByteBuffer.wrap(new BigDecimal("3000.00").unscaledValue().toByteArray()));
        after.put("day", 17652);
        after.put("at", 1_580_630_400_000_001L);
        after.put("seen", "2024-03-01T12:34:56Z");
        after.put("small", 7);
        GenericRecord source =
                new GenericData.Record(envelope.getField("source").schema());
        source.put("lsn", 11L);
        source.put("ts_ms", 1_700_000_000_000L);
        source.put("snapshot", "false");
        GenericRecord value = new GenericData.Record(envelope);
        value.put("after", after);
        value.put("source", source);
        value.put("op", "c");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(WireFormat.header(17));
        BinaryEncoder enc = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<Object>(envelope).write(value, enc);
        enc.flush();

        MapRegistry registry = new MapRegistry();
        registry.byId.put(17, envelope);
        CdcMapper mapper = new CdcMapper(PIPELINE, new EventDecoder(registry));
        SourceChange c = mapper.map("shop.public.avro", null, out.toByteArray());
        assertThat(c.key()).isEqualTo("5");
        assertThat(c.attributes()).containsEntry("amount", new BigDecimal("3000.00"));
        assertThat(c.position().lsn()).isEqualTo(11L);
        Map<String, Object> a =
                after(new EventDecoder(registry).value(PIPELINE.sources().get("shop.avro"), out.toByteArray()));
        assertThat(a)
                .containsEntry("day", LocalDate.of(2018, 5, 1)) // 17652 days after 1970-01-01
                .containsEntry("at", Instant.parse("2020-02-02T08:00:00.000001Z"))
                .containsEntry("seen", Instant.parse("2024-03-01T12:34:56Z"))
                .containsEntry("small", 7L);
        assertThatThrownBy(
                        () -> mapper.map("shop.public.avro", null, "{\"op\":\"c\"}".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(MappingException.class)
                .hasMessageContaining("not in the Confluent Avro wire format");
        assertThatThrownBy(() -> mapper.map("shop.public.legacy", null, out.toByteArray()))
                .isInstanceOf(MappingException.class)
                .hasMessageContaining("is the source's format avro?");
    }

    /** A registry that knows what the test put in it (unit test: no HTTP). */
    static final class MapRegistry implements SchemaRegistryClient {
        final Map<Integer, Schema> byId = new HashMap<>();

        @Override
        public int register(String subject, Schema schema) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Schema getSchemaById(int id) {
            return byId.get(id);
        }

        @Override
        public SchemaMetadata getLatestSchemaMetadata(String subject) {
            throw new UnsupportedOperationException();
        }

        @Override
        public SchemaMetadata lookup(String subject, Schema schema) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void close() {}
    }
}
