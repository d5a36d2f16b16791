package io.aurum.canonical;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aurum.config.PipelineConfig.ColumnType;
import io.aurum.config.PipelineConfig.Format;
import io.aurum.config.PipelineConfig.SourceDef;
import io.aurum.serde.RestSchemaRegistryClient;
import io.aurum.serde.SchemaRegistryClient;
import io.aurum.serde.SchemaRegistryException;
import io.aurum.serde.WireFormat;
import io.aurum.values.Canonical;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.kafka.common.errors.SerializationException;

/**
 * Reads the key and value of a change event as its source's converter wrote them, into JSON trees whose row values
 * ({@code before}, {@code after}, and the key's columns) are already decoded to canonical values by the event's
 * schema (see {@link ColumnDecoder}): a decimal is a {@code DecimalNode}, a text a {@code TextNode}, whole numbers
 * {@code LongNode}s, doubles {@code DoubleNode}s, booleans, and dates, times, instants, bytes, lists and maps a
 * {@code POJONode} holding the canonical Java value. The envelope around the rows ({@code op}, {@code source},
 * {@code ts_ms}) stays plain JSON, whatever the format.
 *
 * <ul>
 *   <li>{@link Format#JSON}: Connect's JsonConverter. With the schema envelope the schema decides every column's type;
 *       each distinct schema is parsed once and cached by its bytes, so an event costs a hash of its schema text, not
 *       a parse. Without schemas JSON's own types stand, and {@code column_types} supply the rest.
 *   <li>{@link Format#AVRO}: the Confluent wire format; the writer schema comes from the registry by its id, once.
 * </ul>
 *
 * <p>A source's {@code column_types} then convert the decoded values of the columns they name. Whatever cannot be
 * read, fits no schema or does not convert throws {@link MappingException}: the event goes to the dead-letter topic.
 * Thread-safe; one instance serves every task of the topology.
 */
public final class EventDecoder {
    private static final ObjectMapper JSON = JsonMapper.builder()
            // 3000.00 in a decimal.format=NUMERIC event must not pass through a double.
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .disable(com.fasterxml.jackson.databind.cfg.JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES)
            .build();
    private static final JsonNodeFactory NODES = JsonNodeFactory.withExactBigDecimals(true);
    /** Schemas change with DDL, rarely; a bound keeps a pathological producer from growing the cache forever. */
    private static final int MAX_CACHED_SCHEMAS = 10_000;

    private final Map<String, ?> registryConfig;
    private volatile SchemaRegistryClient registry;
    private final Map<SchemaText, Shape> jsonShapes = new ConcurrentHashMap<>();
    private final Map<Integer, AvroShape> avroShapes = new ConcurrentHashMap<>();

    /**
     * @param registryConfig the deployment's registry settings ({@code schema.registry.url}, credentials), for
     *                       sources in the Avro format; may be empty when none is
     */
    public EventDecoder(Map<String, ?> registryConfig) {
        this.registryConfig = Map.copyOf(registryConfig);
    }

    /** A decoder for JSON sources only. */
    public static EventDecoder json() {
        return new EventDecoder(Map.of());
    }

    /** For tests: a decoder whose Avro sources use this client. */
    public EventDecoder(SchemaRegistryClient registry) {
        this.registryConfig = Map.of();
        this.registry = registry;
    }

    /** The event's value: the Debezium envelope, rows decoded. */
    public JsonNode value(SourceDef source, byte[] bytes) {
        return read(source, bytes, "value");
    }

    /** The event's key: the key columns, decoded. */
    public JsonNode key(SourceDef source, byte[] bytes) {
        return read(source, bytes, "key");
    }

    /** Distinct schemas parsed so far (JSON envelopes and Avro ids): stays small, whatever the event count. */
    public int cachedSchemas() {
        return jsonShapes.size() + avroShapes.size();
    }

    private JsonNode read(SourceDef source, byte[] bytes, String what) {
        JsonNode node = source.format() == Format.AVRO
                ? avro(bytes, what)
                : json(bytes, what, new Stream(source.topic(), what));
        if (!source.columnTypes().isEmpty()) {
            coerce(source, node, what);
        }
        return node;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // JSON

    private JsonNode json(byte[] bytes, String what, Stream stream) {
        if (bytes.length > WireFormat.HEADER_SIZE && bytes[0] == WireFormat.MAGIC_BYTE) {
            throw new MappingException("the " + what + " is not JSON" + avroHint(bytes));
        }
        JsonNode known = knownSchemaPayload(bytes, stream);
        if (known != null) {
            return known;
        }
        try (JsonParser parser = JSON.getFactory().createParser(bytes)) {
            JsonToken first = parser.nextToken();
            if (first != JsonToken.START_OBJECT) {
                JsonNode node = first == null ? null : JSON.readTree(parser);
                if (node == null || parser.nextToken() != null) {
                    throw new MappingException("the " + what + " is not a single JSON value" + avroHint(bytes));
                }
                return plainScalars(node);
            }
            ObjectNode object = NODES.objectNode();
            JsonNode payload = null;
            Shape shape = null;
            boolean hasSchema = false;
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String name = parser.currentName();
                JsonToken t = parser.nextToken();
                if (name.equals("schema")) {
                    hasSchema = true;
                    if (t == JsonToken.START_OBJECT) {
                        int start = (int) parser.currentTokenLocation().getByteOffset();
                        parser.skipChildren();
                        int end = (int) parser.currentLocation().getByteOffset();
                        shape = jsonShape(bytes, start, end, stream);
                    }
                } else {
                    JsonNode child = JSON.readTree(parser);
                    if (name.equals("payload")) {
                        payload = child;
                    }
                    object.set(name, child);
                }
            }
            if (parser.nextToken() != null) {
                throw new MappingException("the " + what + " has content after its JSON object");
            }
            if (hasSchema && payload != null) {
                return decode(shape, payload);
            }
            return Shape.schemaless(object);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new MappingException(
                    "the " + what + " is not valid JSON: " + e.getOriginalMessage() + avroHint(bytes), e);
        } catch (IOException e) {
            throw new MappingException("the " + what + " cannot be read: " + e.getMessage(), e);
        }
    }

    private static JsonNode decode(Shape shape, JsonNode payload) {
        if (shape == null || !payload.isObject()) {
            return plainScalars(payload);
        }
        return shape.decode((ObjectNode) payload);
    }

    private static final byte[] SCHEMA_FIRST = "{\"schema\":".getBytes(StandardCharsets.UTF_8);
    private static final byte[] PAYLOAD_NEXT = ",\"payload\":".getBytes(StandardCharsets.UTF_8);

    /**
     * The payload of an event whose schema is byte for byte the one seen last, without reading the schema again.
     * Kafka's JsonConverter writes compact {@code {"schema":<schema>,"payload":<payload>}}, schema first, and the
     * schema is most of an event's bytes: lexing it token by token only to skip it was the larger part of reading
     * a change. Bytes equal to a complete JSON object seen before are that object, so the payload starts right
     * after them. Anything else (other spacing or order, a new schema, a payload that is not exactly one JSON
     * value) returns null and goes the general way, which also gives the precise error.
     */
    private JsonNode knownSchemaPayload(byte[] bytes, Stream stream) {
        LastShape seen = last.get(stream);
        if (seen == null) {
            return null;
        }
        int schemaEnd = SCHEMA_FIRST.length + seen.schema().length;
        int payloadStart = schemaEnd + PAYLOAD_NEXT.length;
        if (bytes.length <= payloadStart
                || bytes[bytes.length - 1] != '}'
                || !Arrays.equals(bytes, 0, SCHEMA_FIRST.length, SCHEMA_FIRST, 0, SCHEMA_FIRST.length)
                || !Arrays.equals(bytes, SCHEMA_FIRST.length, schemaEnd, seen.schema(), 0, seen.schema().length)
                || !Arrays.equals(bytes, schemaEnd, payloadStart, PAYLOAD_NEXT, 0, PAYLOAD_NEXT.length)) {
            return null;
        }
        try (JsonParser parser = JSON.getFactory().createParser(bytes, payloadStart, bytes.length - 1 - payloadStart)) {
            if (parser.nextToken() == null) {
                return null;
            }
            JsonNode payload = JSON.readTree(parser);
            if (payload == null || payload.isNull() || parser.nextToken() != null) {
                return null;
            }
            return decode(seen.shape(), payload);
        } catch (IOException e) {
            return null; // the general way reports it
        }
    }

    private static String avroHint(byte[] bytes) {
        return bytes.length > WireFormat.HEADER_SIZE && bytes[0] == WireFormat.MAGIC_BYTE
                ? " (it starts like the Confluent Avro wire format: is the source's format avro?)"
                : "";
    }

    /**
     * Per stream of events (a topic's keys, its values), the schema seen last and its shape: consecutive events of a
     * stream nearly always share their schema. Per stream, because a task reads the keys and values of many tables
     * in turn: one slot for all missed on nearly every event, which then lexed its whole schema.
     */
    private final Map<Stream, LastShape> last = new ConcurrentHashMap<>();

    private record Stream(String topic, String what) {}

    private record LastShape(byte[] schema, Shape shape) {}

    private Shape jsonShape(byte[] bytes, int start, int end, Stream stream) {
        LastShape seen = last.get(stream);
        if (seen != null && Arrays.equals(seen.schema(), 0, seen.schema().length, bytes, start, end)) {
            return seen.shape(); // a vectorized compare: no hash over the schema's bytes
        }
        SchemaText probe = new SchemaText(bytes, start, end);
        Shape shape = jsonShapes.get(probe);
        if (shape == null) {
            JsonNode schema;
            try {
                schema = JSON.readTree(new String(bytes, start, end - start, StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new MappingException("the event's schema is not valid JSON: " + e.getMessage(), e);
            }
            shape = Shape.ofConnect(schema);
            if (jsonShapes.size() >= MAX_CACHED_SCHEMAS) {
                jsonShapes.clear();
            }
            jsonShapes.put(probe.copy(), shape);
        }
        if (last.size() >= MAX_CACHED_SCHEMAS) {
            last.clear();
        }
        last.put(stream, new LastShape(Arrays.copyOfRange(bytes, start, end), shape));
        return shape;
    }

    /** The bytes of one schema inside an event, as a cache key (copied when kept). */
    private static final class SchemaText {
        private final byte[] bytes;
        private final int start;
        private final int end;
        private final int hash;

        SchemaText(byte[] bytes, int start, int end) {
            this.bytes = bytes;
            this.start = start;
            this.end = end;
            int h = 1;
            for (int i = start; i < end; i++) {
                h = 31 * h + bytes[i];
            }
            this.hash = h;
        }

        SchemaText copy() {
            return new SchemaText(Arrays.copyOfRange(bytes, start, end), 0, end - start);
        }

        @Override
        public int hashCode() {
            return hash;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof SchemaText t
                    && t.hash == hash
                    && Arrays.equals(bytes, start, end, t.bytes, t.start, t.end);
        }
    }

    /**
     * How to decode the rows of one schema: the columns of the {@code before}/{@code after} struct of an envelope,
     * or of the struct itself (a key).
     */
    private record Shape(Map<String, ColumnDecoder> columns, boolean envelope) {
        static Shape ofConnect(JsonNode schema) {
            ColumnDecoder decoder = ColumnDecoder.ofConnect(schema);
            if (!(decoder instanceof ColumnDecoder.StructDecoder struct)) {
                return new Shape(Map.of(), false);
            }
            return of(struct);
        }

        static Shape of(ColumnDecoder.StructDecoder struct) {
            ColumnDecoder row = struct.fields.get("after");
            if (row == null) {
                row = struct.fields.get("before");
            }
            if (row instanceof ColumnDecoder.StructDecoder r) {
                return new Shape(r.fields, true);
            }
            return new Shape(struct.fields, false);
        }

        ObjectNode decode(ObjectNode payload) {
            if (envelope) {
                decodeRow(payload, "before");
                decodeRow(payload, "after");
            } else {
                decodeColumns((ObjectNode) payload);
            }
            return payload;
        }

        private void decodeRow(ObjectNode payload, String name) {
            JsonNode row = payload.get(name);
            if (row instanceof ObjectNode o) {
                decodeColumns(o);
            }
        }

        private void decodeColumns(ObjectNode row) {
            Iterator<Map.Entry<String, JsonNode>> it = row.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                ColumnDecoder d = columns.get(e.getKey());
                if (d == null) {
                    e.setValue(plainScalars(e.getValue()));
                    continue;
                }
                if (d.keepsJson(e.getValue())) {
                    continue; // text, whole numbers, booleans: already what they mean (most columns, no allocation)
                }
                try {
                    e.setValue(node(d.fromJson(e.getValue())));
                } catch (MappingException | ArithmeticException | IllegalArgumentException ex) {
                    throw new MappingException(
                            "column '" + e.getKey() + "' (" + d.typeName + "): " + ex.getMessage(), ex);
                }
            }
        }

        /** An event without a schema: JSON's own types (fractions as doubles, as JsonConverter's readers see them). */
        static JsonNode schemaless(ObjectNode event) {
            for (String row : List.of("before", "after")) {
                if (event.get(row) instanceof ObjectNode o) {
                    o.fields().forEachRemaining(e -> e.setValue(plainScalars(e.getValue())));
                }
            }
            return event;
        }
    }

    /** Fractions read exactly for Decimal schemas become doubles where no schema says more. */
    private static JsonNode plainScalars(JsonNode v) {
        if (v.isBigDecimal()) {
            return NODES.numberNode(v.doubleValue());
        }
        return v;
    }

    /** A canonical value as a node of a decoded row. */
    static JsonNode node(Object v) {
        if (v == null) {
            return NODES.nullNode();
        }
        if (v instanceof String s) {
            return NODES.textNode(s);
        }
        if (v instanceof Long l) {
            return NODES.numberNode(l);
        }
        if (v instanceof Double d) {
            return NODES.numberNode(d);
        }
        if (v instanceof Boolean b) {
            return NODES.booleanNode(b);
        }
        if (v instanceof BigDecimal d) {
            return NODES.numberNode(d);
        }
        return NODES.pojoNode(v);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Avro (Confluent wire format)

    /** A writer schema, with its reader and how to decode its rows. */
    private record AvroShape(Schema schema, GenericDatumReader<Object> reader, Shape shape) {}

    private JsonNode avro(byte[] bytes, String what) {
        int id;
        try {
            id = WireFormat.schemaId(bytes);
        } catch (SerializationException e) {
            throw new MappingException("the " + what + " is not in the Confluent Avro wire format (" + e.getMessage()
                    + "); is the source's format right?");
        }
        AvroShape shape = avroShapes.get(id);
        if (shape == null) {
            shape = avroShape(id);
        }
        Object datum;
        try {
            BinaryDecoder decoder = DecoderFactory.get()
                    .binaryDecoder(bytes, WireFormat.HEADER_SIZE, bytes.length - WireFormat.HEADER_SIZE, null);
            datum = shape.reader().read(null, decoder);
        } catch (IOException | RuntimeException e) {
            throw new MappingException(
                    "the " + what + " does not decode with its writer schema (id " + id + "): " + e, e);
        }
        if (!(datum instanceof GenericRecord record)) {
            return plainAvro(datum);
        }
        ObjectNode out = NODES.objectNode();
        Shape rows = shape.shape();
        for (Schema.Field f : record.getSchema().getFields()) {
            Object v = record.get(f.pos());
            boolean row =
                    rows.envelope() ? f.name().equals("before") || f.name().equals("after") : true;
            if (!row) {
                out.set(f.name(), plainAvro(v));
            } else if (rows.envelope()) {
                out.set(f.name(), v == null ? NODES.nullNode() : avroRow(rows, (GenericRecord) v));
            } else {
                out.set(f.name(), avroColumn(rows, f.name(), v));
            }
        }
        return out;
    }

    private static ObjectNode avroRow(Shape shape, GenericRecord row) {
        ObjectNode out = NODES.objectNode();
        for (Schema.Field f : row.getSchema().getFields()) {
            out.set(f.name(), avroColumn(shape, f.name(), row.get(f.pos())));
        }
        return out;
    }

    private static JsonNode avroColumn(Shape shape, String name, Object v) {
        ColumnDecoder d = shape.columns().get(name);
        if (d == null) {
            return plainAvro(v);
        }
        try {
            return node(d.fromAvro(v));
        } catch (MappingException | ArithmeticException | IllegalArgumentException e) {
            throw new MappingException("column '" + name + "' (" + d.typeName + "): " + e.getMessage(), e);
        }
    }

    private AvroShape avroShape(int id) {
        Schema writer;
        try {
            writer = registry().getSchemaById(id);
        } catch (SchemaRegistryException e) {
            if (e.isNotFound()) {
                throw new MappingException("schema id " + id + " is not in the schema registry: " + e.getMessage(), e);
            }
            // The registry is down or refuses us: not the event's fault, so no dead letter; the task fails and
            // resumes from its last commit once the registry answers again.
            throw e;
        }
        ColumnDecoder decoder = ColumnDecoder.ofAvro(writer);
        Shape shape = decoder instanceof ColumnDecoder.StructDecoder s ? Shape.of(s) : new Shape(Map.of(), false);
        AvroShape built = new AvroShape(writer, new GenericDatumReader<>(writer), shape);
        if (avroShapes.size() >= MAX_CACHED_SCHEMAS) {
            avroShapes.clear();
        }
        avroShapes.put(id, built);
        return built;
    }

    private SchemaRegistryClient registry() {
        SchemaRegistryClient client = registry;
        if (client == null) {
            synchronized (this) {
                if (registry == null) {
                    if (registryConfig.get("schema.registry.url") == null) {
                        throw new IllegalStateException(
                                "a source has format: avro but no schema registry is configured (registry.url)");
                    }
                    registry = new RestSchemaRegistryClient(registryConfig);
                }
                client = registry;
            }
        }
        return client;
    }

    /** Envelope fields (source, op, ts_ms) as plain JSON. */
    private static JsonNode plainAvro(Object v) {
        if (v == null) {
            return NODES.nullNode();
        }
        if (v instanceof CharSequence || v instanceof org.apache.avro.generic.GenericEnumSymbol<?>) {
            return NODES.textNode(v.toString());
        }
        if (v instanceof Long l) {
            return NODES.numberNode(l);
        }
        if (v instanceof Integer i) {
            return NODES.numberNode(i.longValue());
        }
        if (v instanceof Double d) {
            return NODES.numberNode(d);
        }
        if (v instanceof Float f) {
            return NODES.numberNode(Double.parseDouble(Float.toString(f)));
        }
        if (v instanceof Boolean b) {
            return NODES.booleanNode(b);
        }
        if (v instanceof GenericRecord r) {
            ObjectNode o = NODES.objectNode();
            for (Schema.Field f : r.getSchema().getFields()) {
                o.set(f.name(), plainAvro(r.get(f.pos())));
            }
            return o;
        }
        if (v instanceof Collection<?> c) {
            var a = NODES.arrayNode();
            c.forEach(e -> a.add(plainAvro(e)));
            return a;
        }
        if (v instanceof Map<?, ?> m) {
            ObjectNode o = NODES.objectNode();
            m.forEach((k, e) -> o.set(String.valueOf(k), plainAvro(e)));
            return o;
        }
        return NODES.pojoNode(ColumnDecoder.avroBytes(v));
    }

    // ---------------------------------------------------------------------------------------------------------------
    // column_types

    private static void coerce(SourceDef source, JsonNode node, String what) {
        if (!(node instanceof ObjectNode event)) {
            return;
        }
        if (what.equals("key")) {
            coerceRow(source, event);
            return;
        }
        for (String row : List.of("before", "after")) {
            if (event.get(row) instanceof ObjectNode o) {
                coerceRow(source, o);
            }
        }
    }

    private static void coerceRow(SourceDef source, ObjectNode row) {
        for (Map.Entry<String, ColumnType> t : source.columnTypes().entrySet()) {
            JsonNode v = row.get(t.getKey());
            if (v == null || v.isNull()) {
                continue;
            }
            Object canonical = v.isPojo()
                    ? ((com.fasterxml.jackson.databind.node.POJONode) v).getPojo()
                    : v.isBigDecimal() ? v.decimalValue() : CdcMapper.scalar(v);
            if (canonical instanceof String s && CdcMapper.UNAVAILABLE.equals(s)) {
                continue;
            }
            Object converted = convert(t.getValue(), canonical);
            if (converted == null) {
                throw new MappingException("column '" + t.getKey() + "' of " + source.name() + " holds '"
                        + Canonical.text(canonical) + "', which is not a "
                        + t.getValue().name().toLowerCase()
                        + " (column_types)");
            }
            row.set(t.getKey(), node(converted));
        }
    }

    static Object convert(ColumnType type, Object v) {
        return switch (type) {
            case TEXT -> Canonical.text(v);
            case INTEGER -> Canonical.integer(v);
            case DOUBLE -> Canonical.floating(v);
            case DECIMAL -> Canonical.decimal(v);
            case BOOLEAN -> Canonical.bool(v);
            case DATE -> Canonical.date(v);
            case TIME -> Canonical.time(v);
            case TIMESTAMP -> Canonical.instant(v);
        };
    }
}
