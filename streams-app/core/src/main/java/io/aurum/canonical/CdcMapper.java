package io.aurum.canonical;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.POJONode;
import io.aurum.canonical.SourceChange.Origin;
import io.aurum.config.PipelineConfig;
import io.aurum.config.PipelineConfig.AttributeDef;
import io.aurum.config.PipelineConfig.LinkDef;
import io.aurum.config.PipelineConfig.SourceDef;
import io.aurum.values.Canonical;
import java.io.IOException;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Maps a Debezium change event, as written by Kafka Connect's JsonConverter (with or without the schema
 * envelope) or an Avro converter, to a {@link SourceChange} through the pipeline config. The {@link EventDecoder}
 * reads the bytes by the source's format and decodes every column by its schema; this class decides what the row
 * means. Pure and thread-safe: all the judgement about what a row means lives in the config.
 */
public final class CdcMapper {
    /** What Debezium sends for an unchanged TOAST column under the default REPLICA IDENTITY. */
    public static final String UNAVAILABLE = "__debezium_unavailable_value";

    private final PipelineConfig config;
    private final EventDecoder decoder;

    /** A mapper for sources in the JSON format (the Avro format needs a registry: see the other constructor). */
    public CdcMapper(PipelineConfig config) {
        this(config, EventDecoder.json());
    }

    public CdcMapper(PipelineConfig config, EventDecoder decoder) {
        this.config = config;
        this.decoder = decoder;
    }

    /** The source that reads a CDC topic. */
    public String sourceOf(String topic) {
        SourceDef source = config.sourceByTopic(topic);
        if (source == null) {
            throw new MappingException("no source in the pipeline config reads topic '" + topic + "'");
        }
        return source.name();
    }

    /** The CDC topics of one database's sources (the database is the first part of a source's name). */
    public java.util.Set<String> topicsOf(String database) {
        java.util.Set<String> topics = new java.util.TreeSet<>();
        config.sources().values().forEach(s -> {
            if (s.name().startsWith(database + ".")) {
                topics.add(s.topic());
            }
        });
        return topics;
    }

    /**
     * @return the mapped change, or null for a Kafka tombstone (the delete event before it carries the change)
     * @throws MappingException when the event cannot be parsed or does not fit the source's mapping
     */
    public SourceChange map(String topic, byte[] keyBytes, byte[] valueBytes) {
        if (valueBytes == null) {
            return null;
        }
        SourceDef source = config.sourceByTopic(topic);
        if (source == null) {
            throw new MappingException("no source in the pipeline config reads topic '" + topic + "'");
        }
        JsonNode value = decoder.value(source, valueBytes);
        if (!value.isObject()) {
            throw new MappingException("the value is not a Debezium change event (expected a JSON object)");
        }
        String op = text(value.get("op"));
        if (op == null) {
            throw new MappingException("the value has no 'op': not a Debezium change event");
        }
        boolean delete =
                switch (op) {
                    case "c", "u", "r" -> false;
                    case "d" -> true;
                    case "t" ->
                        throw new MappingException("truncate events are not supported; re-snapshot the source instead");
                    default -> throw new MappingException("unknown op '" + op + "'");
                };
        JsonNode row = delete ? value.get("before") : value.get("after");
        if (row == null || !row.isObject()) {
            throw new MappingException("op '" + op + "' without a '" + (delete ? "before" : "after") + "' row");
        }
        JsonNode keyNode = keyBytes == null ? null : decoder.key(source, keyBytes);
        String key = key(source, keyNode, row);
        Origin origin = origin(
                op, value.path("source").isObject() ? text(value.get("source").get("snapshot")) : null);

        if (delete) {
            Position position = position(source, value, null, origin);
            return new SourceChange(
                    source.name(),
                    key,
                    true,
                    Map.of(),
                    Set.of(),
                    Map.of(),
                    parentId(source, row, true),
                    null,
                    position,
                    origin,
                    0);
        }
        Map<String, Object> attributes = new LinkedHashMap<>();
        Set<String> unchanged = new HashSet<>();
        for (AttributeDef attr : source.attributes().values()) {
            mapAttribute(source, attr, row, attributes, unchanged);
        }
        Map<String, String> links = new LinkedHashMap<>();
        for (LinkDef link : source.links()) {
            JsonNode v = column(source, row, link.column());
            if (v != null && !v.isNull()) {
                links.put(link.target(), RecordIds.of(link.target(), scalarText(v)));
            }
        }
        Long createdAt = null;
        if (source.createdAtColumn() != null) {
            JsonNode v = column(source, row, source.createdAtColumn());
            createdAt = v == null || v.isNull() ? null : epochMillis(v, source.createdAtColumn());
        }
        Position position = position(source, value, row, origin);
        return new SourceChange(
                source.name(),
                key,
                false,
                attributes,
                unchanged,
                links,
                parentId(source, row, false),
                createdAt,
                position,
                origin,
                0);
    }

    private static String key(SourceDef source, JsonNode keyNode, JsonNode row) {
        StringBuilder sb = new StringBuilder();
        for (String column : source.keyColumns()) {
            JsonNode v = keyNode != null && keyNode.isObject() && keyNode.has(column)
                    ? keyNode.get(column)
                    : row.get(column);
            if (v == null || v.isNull()) {
                throw new MappingException("key column '" + column + "' of " + source.name() + " is missing");
            }
            if (!sb.isEmpty()) {
                sb.append('|');
            }
            sb.append(scalarText(v));
        }
        return sb.toString();
    }

    private static String parentId(SourceDef source, JsonNode row, boolean delete) {
        if (source.parent() == null) {
            return null;
        }
        JsonNode v = row.get(source.parent().column());
        if (v == null || v.isNull()) {
            // Under the default REPLICA IDENTITY a delete's before-image holds only the key: the previous
            // parent is known from state instead.
            if (delete) {
                return null;
            }
            throw new MappingException(
                    "parent column '" + source.parent().column() + "' of " + source.name() + " is missing or null");
        }
        return RecordIds.of(source.parent().source(), scalarText(v));
    }

    private static void mapAttribute(
            SourceDef source, AttributeDef attr, JsonNode row, Map<String, Object> out, Set<String> unchanged) {
        if (!attr.isConcat()) {
            JsonNode v = column(source, row, attr.columns().get(0));
            if (v != null && v.isTextual() && UNAVAILABLE.equals(v.asText())) {
                unchanged.add(attr.name());
                return;
            }
            Object value = scalar(v);
            if (value != null) {
                out.put(attr.name(), value);
            }
            return;
        }
        StringBuilder sb = new StringBuilder();
        for (String col : attr.columns()) {
            JsonNode v = column(source, row, col);
            if (v != null && v.isTextual() && UNAVAILABLE.equals(v.asText())) {
                unchanged.add(attr.name());
                return;
            }
            Object part = scalar(v);
            String text = part == null ? "" : Canonical.text(part).trim();
            if (!text.isEmpty()) {
                if (!sb.isEmpty()) {
                    sb.append(attr.separator());
                }
                sb.append(text);
            }
        }
        if (!sb.isEmpty()) {
            out.put(attr.name(), sb.toString());
        }
    }

    private static JsonNode column(SourceDef source, JsonNode row, String column) {
        if (!row.has(column)) {
            throw new MappingException("column '" + column + "' is not in the change event of " + source.name()
                    + " (columns: " + fieldNames(row) + ")");
        }
        return row.get(column);
    }

    private static List<String> fieldNames(JsonNode row) {
        List<String> names = new java.util.ArrayList<>();
        row.fieldNames().forEachRemaining(names::add);
        return names;
    }

    /**
     * The canonical Java value of a decoded column (see {@link EventDecoder}): String, Long, Double, Boolean,
     * BigDecimal, or the LocalDate, LocalTime, Instant, byte[], List or Map its schema gave it; equal values compare
     * equal after a round trip.
     */
    static Object scalar(JsonNode v) {
        if (v == null || v.isNull()) {
            return null;
        }
        if (v.isTextual()) {
            String s = v.asText();
            return s;
        }
        if (v instanceof POJONode p) {
            return p.getPojo();
        }
        if (v.isBigDecimal()) {
            return v.decimalValue();
        }
        if (v.isIntegralNumber()) {
            return v.asLong();
        }
        if (v.isNumber()) {
            return v.asDouble();
        }
        if (v.isBoolean()) {
            return v.asBoolean();
        }
        if (v.isBinary()) {
            try {
                return v.binaryValue();
            } catch (IOException e) {
                throw new MappingException("unreadable bytes: " + e.getMessage(), e);
            }
        }
        throw new MappingException("unsupported value (an object or array without a schema to decode it): " + v);
    }

    private static String scalarText(JsonNode v) {
        if (v instanceof POJONode p) {
            return Canonical.text(p.getPojo());
        }
        if (v.isNumber()) {
            BigDecimal d = v.decimalValue();
            return d.stripTrailingZeros().toPlainString();
        }
        return v.asText();
    }

    /**
     * Where the event sits in its source's history, how it was produced, and its time. When the source names an
     * {@code updated_at} column, every change, streamed or read, carries the row's own modification time for the
     * whole row, so a golden record depends only on the rows as they are, not on whether Aurum saw a row change or
     * read it again in a later snapshot (after a crash, say). Otherwise a streamed change carries its commit time
     * for the attributes it modified, and a snapshot read carries 0 (older than any streamed change): the
     * snapshot's own clock would make the same row look newer when read again than when read once.
     */
    private static Position position(SourceDef def, JsonNode value, JsonNode row, Origin origin) {
        JsonNode source = value.get("source");
        long ts = value.path("ts_ms").asLong(0);
        long lsn = -1;
        if (source != null && source.isObject()) {
            if (source.hasNonNull("ts_ms")) {
                ts = source.get("ts_ms").asLong();
            }
            if (source.hasNonNull("lsn")) {
                lsn = source.get("lsn").asLong();
            }
        }
        boolean read = origin != Origin.STREAM;
        if (row != null) { // not a delete
            JsonNode modified = def.updatedAtColumn() == null ? null : column(def, row, def.updatedAtColumn());
            if (modified != null && !modified.isNull()) {
                return new Position(lsn, read, epochMillis(modified, def.updatedAtColumn()), true);
            }
            if (read) {
                return new Position(lsn, true, 0, true);
            }
        }
        return new Position(lsn, read, ts, false);
    }

    /** Debezium's {@code source.snapshot}: true, first, first_in_data_collection, last_in_data_collection, last, incremental or false. */
    static Origin origin(String op, String snapshot) {
        if ("incremental".equals(snapshot)) {
            return Origin.INCREMENTAL;
        }
        if ("last".equals(snapshot)) {
            return Origin.SNAPSHOT_END;
        }
        if ("last_in_data_collection".equals(snapshot)) {
            return Origin.SNAPSHOT_LAST;
        }
        if ("r".equals(op) || (snapshot != null && !snapshot.equals("false"))) {
            return Origin.SNAPSHOT;
        }
        return Origin.STREAM;
    }

    private static String text(JsonNode node) {
        return node == null || node.isNull() ? null : node.asText();
    }

    /**
     * Timestamps arrive as Debezium renders them: ISO-8601 strings for timestamptz (ZonedTimestamp), and numbers
     * for timestamp without time zone (micro- or milliseconds since the epoch, by time.precision.mode) or dates
     * (days since the epoch).
     */
    public static long epochMillis(JsonNode v, String column) {
        if (v instanceof POJONode p) {
            // Decoded by the event's schema: an instant, or a date (its start, UTC).
            java.time.Instant i = Canonical.instant(p.getPojo());
            if (i == null) {
                throw new MappingException(
                        "column '" + column + "' is not a timestamp: '" + Canonical.text(p.getPojo()) + "'");
            }
            return i.toEpochMilli();
        }
        if (v.isNumber()) {
            long n = v.asLong();
            long abs = Math.abs(n);
            if (abs >= 100_000_000_000_000L) {
                return n / 1000; // microseconds
            }
            if (abs >= 100_000_000_000L) {
                return n; // milliseconds
            }
            if (abs < 1_000_000) {
                return n * 86_400_000L; // days (io.debezium.time.Date)
            }
            return n * 1000; // seconds
        }
        String s = v.asText().trim();
        try {
            return OffsetDateTime.parse(s).toInstant().toEpochMilli();
        } catch (DateTimeParseException e) {
            try {
                return Instant.parse(s).toEpochMilli();
            } catch (DateTimeParseException e2) {
                try {
                    return LocalDateTime.parse(s).toInstant(ZoneOffset.UTC).toEpochMilli();
                } catch (DateTimeParseException e3) {
                    try {
                        return LocalDate.parse(s)
                                .atStartOfDay()
                                .toInstant(ZoneOffset.UTC)
                                .toEpochMilli();
                    } catch (DateTimeParseException e4) {
                        throw new MappingException("column '" + column + "' is not a timestamp: '" + s + "'");
                    }
                }
            }
        }
    }
}
