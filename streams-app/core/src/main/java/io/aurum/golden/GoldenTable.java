package io.aurum.golden;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aurum.config.GoldenConfig.FieldDef;
import io.aurum.config.GoldenConfig.FieldType;
import io.aurum.config.GoldenConfig.RollupDef;
import io.aurum.config.GoldenConfig.Rule;
import io.aurum.config.PipelineConfig;
import io.aurum.schemas.CollectedValue;
import io.aurum.schemas.FieldValue;
import io.aurum.schemas.GoldenCustomer;
import io.aurum.schemas.SourceRef;
import io.aurum.values.AvroValues;
import io.aurum.values.Canonical;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.JsonProperties;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * customers.golden.table: the golden record as one flat, typed row, for tools that want columns rather than a map of
 * lineage records (a JDBC sink connector making it a table, ksqlDB, Flink SQL, a search-index sink). Derived from the
 * pipeline config alone: one nullable field per golden field and roll-up, typed by its {@code type}, then Aurum's own
 * columns, all flat (strings, numbers, arrays of primitives), so that a sink can store every column:
 *
 * <ul>
 *   <li>{@code golden_id}: the golden id (also the record key);
 *   <li>one column per golden field and roll-up: text, email and phone as string; integer as long; number as double;
 *       decimal as an Avro decimal of the field's precision and scale; date as an Avro date; time as time-micros;
 *       timestamp as timestamp-micros; boolean; a collect field as an array of its type;
 *   <li>{@code aurum_members}: the member records ({@code <database>.<table>:<key>}), sorted;
 *   <li>{@code aurum_lineage}: each field's lineage (rule, system, source, key, sourceTs) as JSON text;
 *   <li>{@code aurum_updated_at} (timestamp-millis) and {@code aurum_open_conflicts}.
 * </ul>
 *
 * <p>Every golden field is nullable with default null, so adding or removing one in the config is a change that a
 * registry's BACKWARD, FORWARD and FULL compatibility all accept; changing a field's type is not (rename it instead).
 * Timestamps and times carry Debezium's {@code connect.name} (MicroTimestamp, MicroTime) besides the Avro logical type,
 * so that Connect sinks create timestamp and time columns for them, not bigint.
 */
public final class GoldenTable {
    private static final Logger LOG = LoggerFactory.getLogger(GoldenTable.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    public static final String ID = "golden_id";
    public static final String MEMBERS = "aurum_members";
    public static final String LINEAGE = "aurum_lineage";
    public static final String UPDATED_AT = "aurum_updated_at";
    public static final String OPEN_CONFLICTS = "aurum_open_conflicts";

    /** The record name of the row schema; its subject is {@code customers.golden.table-value}. */
    public static final String RECORD = "io.aurum.golden.GoldenRow";

    private final Schema schema;
    private final Map<String, Column> columns = new LinkedHashMap<>();

    /** One golden field or roll-up: its column's type and how values convert to it. */
    private record Column(String name, FieldType type, int scale, boolean list, Schema schema) {}

    public GoldenTable(PipelineConfig config) {
        for (FieldDef f : config.golden().fields().values()) {
            columns.put(
                    f.name(),
                    new Column(
                            f.name(),
                            f.type(),
                            f.scale(),
                            f.rule() == Rule.COLLECT,
                            type(f.type(), f.scale(), f.precision())));
        }
        for (RollupDef r : config.golden().rollups().values()) {
            columns.put(
                    r.name(),
                    new Column(r.name(), r.type(), r.scale(), false, type(r.type(), r.scale(), r.precision())));
        }
        this.schema = schemaFor(config);
    }

    public Schema schema() {
        return schema;
    }

    /** The Avro schema of customers.golden.table for a pipeline config. */
    public static Schema schemaFor(PipelineConfig config) {
        SchemaBuilder.FieldAssembler<Schema> fields = SchemaBuilder.record(RECORD)
                .doc("Value of customers.golden.table (compacted, keyed by golden id): one golden customer as a flat,"
                        + " typed row, derived from the pipeline config. A tombstone when the customer is merged away"
                        + " or emptied, as on customers.golden.")
                .fields();
        fields.name(ID)
                .doc("The golden id (also the record key).")
                .type()
                .stringType()
                .noDefault();
        for (FieldDef f : config.golden().fields().values()) {
            Schema t = type(f.type(), f.scale(), f.precision());
            if (f.rule() == Rule.COLLECT) {
                t = Schema.createArray(t);
            }
            fields.name(f.name())
                    .doc("Golden field (" + f.type().name().toLowerCase() + ", rule "
                            + f.rule().label()
                            + (f.owner() == null ? "" : ", owner " + f.owner()) + ")"
                            + (f.rule() == Rule.COLLECT ? ": every distinct value, best-ranked first" : ""))
                    .type(nullable(t))
                    .withDefault(null);
        }
        for (RollupDef r : config.golden().rollups().values()) {
            fields.name(r.name())
                    .doc("Roll-up " + r.function().name().toLowerCase() + " over " + r.child())
                    .type(nullable(type(r.type(), r.scale(), r.precision())))
                    .withDefault(null);
        }
        // Aurum's own columns are in every version of the schema, so they need no defaults (and sinks that render
        // column defaults, such as the JDBC sink, cannot render an array's).
        fields.name(MEMBERS)
                .doc("The member source records, '<database>.<table>:<key>', sorted.")
                .type()
                .array()
                .items()
                .stringType()
                .noDefault();
        fields.name(LINEAGE)
                .doc("Per field: rule, system, source, key and sourceTs of its value, as a JSON object.")
                .type()
                .stringType()
                .noDefault();
        fields.name(UPDATED_AT)
                .doc("Latest source commit time among the members.")
                .type(LogicalTypes.timestampMillis().addToSchema(Schema.create(Schema.Type.LONG)))
                .noDefault();
        fields.name(OPEN_CONFLICTS)
                .doc("Open conflicts of this customer on customers.conflicts.")
                .type()
                .intType()
                .noDefault();
        return fields.endRecord();
    }

    private static Schema nullable(Schema t) {
        return Schema.createUnion(Schema.create(Schema.Type.NULL), t);
    }

    private static Schema type(FieldType type, int scale, int precision) {
        return switch (type) {
            case TEXT, EMAIL, PHONE -> Schema.create(Schema.Type.STRING);
            case INTEGER -> Schema.create(Schema.Type.LONG);
            case NUMBER -> Schema.create(Schema.Type.DOUBLE);
            case BOOLEAN -> Schema.create(Schema.Type.BOOLEAN);
            case DECIMAL -> LogicalTypes.decimal(precision, scale).addToSchema(Schema.create(Schema.Type.BYTES));
            case DATE -> LogicalTypes.date().addToSchema(Schema.create(Schema.Type.INT));
            case TIME -> {
                Schema s = LogicalTypes.timeMicros().addToSchema(Schema.create(Schema.Type.LONG));
                s.addProp("connect.name", "io.debezium.time.MicroTime");
                s.addProp("connect.version", 1);
                yield s;
            }
            case TIMESTAMP -> {
                Schema s = LogicalTypes.timestampMicros().addToSchema(Schema.create(Schema.Type.LONG));
                s.addProp("connect.name", "io.debezium.time.MicroTimestamp");
                s.addProp("connect.version", 1);
                yield s;
            }
        };
    }

    /** The typed row of a golden record, or null (a tombstone) for null. */
    public GenericRecord row(GoldenCustomer golden) {
        if (golden == null) {
            return null;
        }
        GenericRecord row = new GenericData.Record(schema);
        row.put(ID, golden.getId());
        ObjectNode lineage = JSON.createObjectNode();
        for (Column c : columns.values()) {
            FieldValue f = golden.getFields().get(c.name());
            ObjectNode l = lineage.putObject(c.name());
            if (f == null) {
                l.put("rule", "none");
                continue;
            }
            l.put("rule", f.getRule());
            putNullable(l, "system", f.getSystem());
            putNullable(l, "source", f.getSource());
            putNullable(l, "key", f.getKey());
            putNullable(
                    l,
                    "sourceTs",
                    f.getSourceTs() == null ? null : f.getSourceTs().toString());
            if (f.getWho() != null) {
                l.put("who", f.getWho());
                putNullable(l, "why", f.getWhy());
            }
            if (c.list()) {
                List<Object> values = new ArrayList<>();
                if (f.getValues() != null) {
                    for (CollectedValue v : f.getValues()) {
                        Object typed = typed(c, AvroValues.fromAvro(v.getValue()), golden.getId(), l);
                        if (typed != null) {
                            values.add(typed);
                        }
                    }
                } else if (f.getValue() != null) {
                    Object typed = typed(c, AvroValues.fromAvro(f.getValue()), golden.getId(), l);
                    if (typed != null) {
                        values.add(typed);
                    }
                }
                row.put(c.name(), values.isEmpty() ? null : values);
            } else {
                row.put(c.name(), typed(c, AvroValues.fromAvro(f.getValue()), golden.getId(), l));
            }
        }
        List<String> members = new ArrayList<>();
        for (SourceRef ref : golden.getSources()) {
            members.add(ref.getSource() + ":" + ref.getKey());
        }
        row.put(MEMBERS, members);
        row.put(LINEAGE, lineage.toString());
        row.put(UPDATED_AT, golden.getUpdatedAt().toEpochMilli());
        row.put(OPEN_CONFLICTS, golden.getOpenConflicts());
        return row;
    }

    /**
     * A canonical value in its column's Avro representation. A value that does not convert (a roll-up's text in a
     * date column, say) leaves the column null and says so in the row's lineage ({@code "untyped"}), and in the log.
     */
    private static Object typed(Column c, Object v, String goldenId, ObjectNode lineage) {
        if (v == null) {
            return null;
        }
        Object out = convert(c, v);
        if (out == null) {
            lineage.put("untyped", Canonical.text(v));
            LOG.warn(
                    "Golden field {} of {} holds '{}', which is not a {}: its column in customers.golden.table is null"
                            + " (the value stays on customers.golden)",
                    c.name(),
                    goldenId,
                    Canonical.text(v),
                    c.type().name().toLowerCase());
        }
        return out;
    }

    static Object convert(Column c, Object v) {
        switch (c.type()) {
            case TEXT, EMAIL, PHONE -> {
                return Canonical.text(v);
            }
            case INTEGER -> {
                return Canonical.integer(v);
            }
            case NUMBER -> {
                return Canonical.floating(v);
            }
            case BOOLEAN -> {
                return Canonical.bool(v);
            }
            case DECIMAL -> {
                BigDecimal d = Canonical.decimal(v);
                if (d == null) {
                    return null;
                }
                try {
                    d = d.setScale(c.scale(), RoundingMode.UNNECESSARY);
                } catch (ArithmeticException e) {
                    return null;
                }
                return ByteBuffer.wrap(d.unscaledValue().toByteArray());
            }
            case DATE -> {
                LocalDate d = Canonical.date(v);
                return d == null ? null : (int) d.toEpochDay();
            }
            case TIME -> {
                LocalTime t = Canonical.time(v);
                return t == null ? null : t.toNanoOfDay() / 1_000;
            }
            case TIMESTAMP -> {
                Instant i = Canonical.instant(v);
                return i == null ? null : Canonical.epochMicros(i);
            }
            default -> throw new IllegalStateException(c.type().name());
        }
    }

    private static void putNullable(ObjectNode node, String name, String value) {
        if (value == null) {
            node.putNull(name);
        } else {
            node.put(name, value);
        }
    }

    /** For callers that need the null default's marker (SchemaBuilder's own). */
    static Object nullDefault() {
        return JsonProperties.NULL_VALUE;
    }
}
