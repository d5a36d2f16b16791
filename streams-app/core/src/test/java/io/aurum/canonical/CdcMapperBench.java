package io.aurum.canonical;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.aurum.config.AurumConfig;
import io.aurum.config.PipelineConfig;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.json.JsonConverter;

/**
 * The cost of reading a change event by its schema: {@link CdcMapper#map} on billing.customers events as Debezium and
 * JsonConverter write them (schema envelope, ZonedTimestamps, a Decimal), against the bare JSON parse that skipped the
 * schema before typed decoding existed. Not a test: run its main method after warm-up, read it as an estimate.
 *
 * <pre>
 * mvn -o -q -pl streams-app/core dependency:build-classpath -Dmdep.outputFile=/tmp/cp.txt
 * java -cp streams-app/core/target/test-classes:streams-app/core/target/classes:$(cat /tmp/cp.txt) \
 *     io.aurum.canonical.CdcMapperBench
 * </pre>
 */
public final class CdcMapperBench {
    private CdcMapperBench() {}

    static final Schema ROW = SchemaBuilder.struct()
            .name("billing.public.customers.Value")
            .field("id", Schema.INT64_SCHEMA)
            .field("name", Schema.STRING_SCHEMA)
            .field("email", Schema.OPTIONAL_STRING_SCHEMA)
            .field("phone", Schema.OPTIONAL_STRING_SCHEMA)
            .field("address_line1", Schema.OPTIONAL_STRING_SCHEMA)
            .field("city", Schema.OPTIONAL_STRING_SCHEMA)
            .field("postal_code", Schema.OPTIONAL_STRING_SCHEMA)
            .field("country", Schema.OPTIONAL_STRING_SCHEMA)
            .field("crm_contact_id", Schema.OPTIONAL_INT64_SCHEMA)
            .field("credit", Decimal.builder(2).optional().build())
            .field(
                    "created_at",
                    SchemaBuilder.string()
                            .name("io.debezium.time.ZonedTimestamp")
                            .version(1)
                            .build())
            .field(
                    "updated_at",
                    SchemaBuilder.string()
                            .name("io.debezium.time.ZonedTimestamp")
                            .version(1)
                            .build())
            .build();

    public static void main(String[] args) {
        PipelineConfig config = AurumConfig.fromClasspath("config/demo.yaml").pipeline();
        JsonConverter json = new JsonConverter();
        json.configure(Map.of("schemas.enable", "true"), false);
        Schema source = SchemaBuilder.struct()
                .field("lsn", Schema.INT64_SCHEMA)
                .field("ts_ms", Schema.INT64_SCHEMA)
                .field("snapshot", Schema.STRING_SCHEMA)
                .build();
        Schema row = SchemaBuilder.struct().name(ROW.name()).optional().build();
        SchemaBuilder env = SchemaBuilder.struct().name("billing.public.customers.Envelope");
        Schema optional = SchemaBuilder.struct().name(ROW.name()).optional().build();
        SchemaBuilder rowOptional = SchemaBuilder.struct().name(ROW.name()).optional();
        ROW.fields().forEach(f -> rowOptional.field(f.name(), f.schema()));
        Schema r = rowOptional.build();
        Schema envelope = env.field("before", r)
                .field("after", r)
                .field("source", source)
                .field("op", Schema.STRING_SCHEMA)
                .field("ts_ms", Schema.OPTIONAL_INT64_SCHEMA)
                .build();
        List<byte[]> events = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            Struct after = new Struct(r)
                    .put("id", (long) i)
                    .put("name", "Customer " + i)
                    .put("email", "c" + i + "@example.com")
                    .put("phone", "+1 312 555 " + (1000 + i % 9000))
                    .put("address_line1", i + " Main St")
                    .put("city", "Chicago")
                    .put("postal_code", "60606")
                    .put("country", "US")
                    .put("crm_contact_id", (long) i)
                    .put("credit", new BigDecimal(i + ".50"))
                    .put("created_at", "2022-03-06T14:00:00.000000Z")
                    .put("updated_at", "2022-09-24T18:48:36.000000Z");
            Struct value = new Struct(envelope)
                    .put("after", after)
                    .put(
                            "source",
                            new Struct(source)
                                    .put("lsn", 1000L + i)
                                    .put("ts_ms", 1_700_000_000_000L)
                                    .put("snapshot", "false"))
                    .put("op", "u")
                    .put("ts_ms", 1_700_000_000_001L);
            events.add(json.fromConnectData("billing.public.customers", envelope, value));
        }
        assert row != null && optional != null;
        CdcMapper mapper = new CdcMapper(config);
        ObjectMapper plain = new ObjectMapper();
        for (int round = 0; round < 8; round++) {
            long t0 = System.nanoTime();
            long sink = 0;
            for (byte[] e : events) {
                sink += mapper.map("billing.public.customers", null, e)
                        .attributes()
                        .size();
            }
            long t1 = System.nanoTime();
            for (byte[] e : events) {
                sink += skipSchemaParse(plain, e).size();
            }
            long t2 = System.nanoTime();
            System.out.printf(
                    "round %d: CdcMapper.map (schema decoded) %,.0f events/s; bare parse skipping the schema %,.0f events/s (%d)%n",
                    round, events.size() / ((t1 - t0) / 1e9), events.size() / ((t2 - t1) / 1e9), sink);
        }
    }

    /** What the canonical stage did before typed decoding: skip the schema token by token, read the payload. */
    static JsonNode skipSchemaParse(ObjectMapper json, byte[] bytes) {
        try (JsonParser parser = json.getFactory().createParser(bytes)) {
            parser.nextToken();
            JsonNode payload = null;
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String name = parser.currentName();
                parser.nextToken();
                if (name.equals("schema")) {
                    parser.skipChildren();
                } else {
                    payload = json.readTree(parser);
                }
            }
            return payload;
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
