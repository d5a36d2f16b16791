package io.aurum.runtime;

import io.aurum.config.AurumConfig;
import io.aurum.config.GoldenConfig.FieldDef;
import io.aurum.config.GoldenConfig.FieldType;
import io.aurum.config.GoldenConfig.RollupDef;
import io.aurum.config.PipelineConfig.AttributeDef;
import io.aurum.config.PipelineConfig.LinkDef;
import io.aurum.config.PipelineConfig.MatchDef;
import io.aurum.config.PipelineConfig.SourceDef;
import io.aurum.golden.GoldenTable;
import io.aurum.topology.Topics;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.avro.LogicalType;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;

/** What a config captures and produces, in words, for {@code aurum config check}. */
final class ConfigSummary {
    private ConfigSummary() {}

    /** Every database a source reads, in config order. */
    static List<String> databases(AurumConfig config) {
        Set<String> dbs = new LinkedHashSet<>();
        config.pipeline().sources().values().forEach(s -> dbs.add(s.database()));
        return new ArrayList<>(dbs);
    }

    static void print(AurumConfig config, PrintStream out) {
        Map<String, List<String>> topicsByDb = new LinkedHashMap<>();
        for (SourceDef s : config.pipeline().sources().values()) {
            topicsByDb.computeIfAbsent(s.database(), d -> new ArrayList<>()).add(s.topic());
        }
        out.println("Captures (one Debezium connector per database, topic prefix = database name):");
        topicsByDb.forEach((db, topics) -> out.println("  " + db + ": " + String.join(", ", topics)));
        out.println(
                config.capture().enabled()
                        ? "  Aurum runs Debezium itself (capture.enabled); `aurum local` captures every database above."
                        : "  Debezium runs on Kafka Connect (capture.enabled: false); see docker/connect/*.json.");
        out.println();
        out.println("Sources:");
        for (SourceDef s : config.pipeline().sources().values()) {
            String role = s.isChild()
                    ? "child of " + s.parent().source() + " via column "
                            + s.parent().column()
                    : "records of system " + s.system();
            out.printf(
                    "  %s  (%s; key %s; format %s%s)%n",
                    s.name(),
                    role,
                    s.keyColumns(),
                    s.format().name().toLowerCase(),
                    s.columnTypes().isEmpty() ? "" : "; column_types " + lower(s.columnTypes()));
            List<String> attrs = new ArrayList<>();
            for (AttributeDef a : s.attributes().values()) {
                attrs.add(a.name() + " <- "
                        + (a.isConcat() ? "concat" + a.columns() : a.columns().get(0)));
            }
            if (!attrs.isEmpty()) {
                out.println("      attributes: " + String.join(", ", attrs));
            }
            if (!s.matches().isEmpty()) {
                List<String> m = new ArrayList<>();
                for (MatchDef d : s.matches()) {
                    m.add(d.matchKey() + " <- " + d.attribute());
                }
                out.println("      matches on: " + String.join(", ", m));
            }
            for (LinkDef l : s.links()) {
                out.println("      links: column " + l.column() + " holds a key of " + l.target());
            }
        }
        out.println();
        out.println("Produces:");
        out.printf(
                "  %s  one GoldenCustomer per customer: %d fields, %d roll-ups, each with its lineage%n",
                Topics.GOLDEN,
                config.pipeline().golden().fields().size(),
                config.pipeline().golden().rollups().size());
        Schema table = GoldenTable.schemaFor(config.pipeline());
        out.printf(
                "  %s  one typed row per customer (subject %s-value), columns:%n",
                Topics.GOLDEN_TABLE, Topics.GOLDEN_TABLE);
        for (Schema.Field f : table.getFields()) {
            out.printf("      %-22s %-28s %s%n", f.name(), avroType(f.schema()), describe(config, f.name()));
        }
        out.println("  " + Topics.XREF + ", " + Topics.REDIRECTS + ", " + Topics.QUALITY + ", " + Topics.CONFLICTS
                + "; dead letters " + Topics.DLQ);
    }

    private static String lower(Map<String, ?> types) {
        Map<String, String> out = new LinkedHashMap<>();
        types.forEach((k, v) -> out.put(k, v.toString().toLowerCase()));
        return out.toString();
    }

    private static String describe(AurumConfig config, String column) {
        FieldDef f = config.pipeline().golden().fields().get(column);
        if (f != null) {
            String how = f.owner() != null ? "owner " + f.owner() + (f.systems().isEmpty() ? "" : ", then ") : "";
            if (!f.systems().isEmpty()) {
                how += f.rule().label() + " over " + f.systems();
            }
            return "(" + type(f.type(), f.scale()) + " from attribute " + f.attribute() + "; " + how + ")";
        }
        RollupDef r = config.pipeline().golden().rollups().get(column);
        if (r != null) {
            return "(" + type(r.type(), r.scale()) + "; " + r.function().name().toLowerCase() + " of "
                    + (r.attribute() == null ? "rows" : r.attribute()) + " over " + r.child() + ")";
        }
        return "";
    }

    private static String type(FieldType t, int scale) {
        return t == FieldType.DECIMAL ? "decimal, scale " + scale : t.name().toLowerCase();
    }

    static String avroType(Schema s) {
        if (s.getType() == Schema.Type.UNION) {
            for (Schema b : s.getTypes()) {
                if (b.getType() != Schema.Type.NULL) {
                    return avroType(b) + " (nullable)";
                }
            }
        }
        if (s.getType() == Schema.Type.ARRAY) {
            return "array<" + avroType(s.getElementType()) + ">";
        }
        LogicalType l = s.getLogicalType();
        if (l instanceof LogicalTypes.Decimal d) {
            return "decimal(" + d.getPrecision() + "," + d.getScale() + ")";
        }
        return l != null ? l.getName() : s.getType().getName();
    }
}
