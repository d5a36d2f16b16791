package io.aurum.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aurum.schemas.CollectedValue;
import io.aurum.schemas.FieldValue;
import io.aurum.schemas.GoldenCustomer;
import io.aurum.schemas.SourceRef;
import io.aurum.schemas.XrefEntry;
import io.aurum.values.AvroValues;
import io.aurum.values.Canonical;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

/**
 * The JSON form of golden records that people and scripts read ({@code --dump-golden}, {@code aurum golden},
 * the HTTP API): the id, the member sources, every golden field's value at the top level, the number of open
 * conflicts, and the lineage of each field under {@code lineage} (with every collected value, and who overrode
 * the field and why).
 */
public final class GoldenJson {
    public static final ObjectMapper JSON = new ObjectMapper();

    private GoldenJson() {}

    public static ObjectNode of(GoldenCustomer golden) {
        ObjectNode out = JSON.createObjectNode();
        out.put("id", golden.getId());
        ArrayNode sources = out.putArray("sources");
        for (SourceRef ref : golden.getSources()) {
            sources.addObject().put("source", ref.getSource()).put("key", ref.getKey());
        }
        ObjectNode lineage = JSON.createObjectNode();
        for (Map.Entry<String, FieldValue> e : golden.getFields().entrySet()) {
            FieldValue f = e.getValue();
            if (f.getValues() != null && !f.getValues().isEmpty()) {
                // A collected field's value is the whole list; where each came from is in the lineage.
                ArrayNode all = out.putArray(e.getKey());
                f.getValues().forEach(v -> all.add(value(v.getValue())));
            } else {
                out.set(e.getKey(), value(f.getValue()));
            }
            ObjectNode l = lineage.putObject(e.getKey());
            l.put("rule", f.getRule());
            putNullable(l, "system", f.getSystem());
            putNullable(l, "source", f.getSource());
            putNullable(l, "key", f.getKey());
            if (f.getRaw() != null) {
                l.put("raw", f.getRaw());
            }
            putNullable(
                    l,
                    "sourceTs",
                    f.getSourceTs() == null ? null : f.getSourceTs().toString());
            if (f.getWho() != null || f.getWhy() != null) {
                putNullable(l, "who", f.getWho());
                putNullable(l, "why", f.getWhy());
            }
            if (f.getValues() != null) {
                ArrayNode values = l.putArray("values");
                for (CollectedValue v : f.getValues()) {
                    ObjectNode entry = values.addObject();
                    entry.set("value", value(v.getValue()));
                    ArrayNode holders = entry.putArray("sources");
                    v.getSources().forEach(ref -> holders.addObject()
                            .put("source", ref.getSource())
                            .put("key", ref.getKey()));
                }
            }
        }
        out.put("updatedAt", golden.getUpdatedAt().toString());
        out.put("openConflicts", golden.getOpenConflicts());
        out.set("lineage", lineage);
        return out;
    }

    public static ObjectNode of(String recordId, XrefEntry xref) {
        ObjectNode out = JSON.createObjectNode();
        out.put("record", recordId);
        out.put("source", xref.getSource());
        out.put("key", xref.getKey());
        out.put("goldenId", xref.getGoldenId());
        putNullable(out, "reason", xref.getReason());
        return out;
    }

    /**
     * A golden value (the Avro union of FieldValue.value) as JSON: text, numbers and booleans as themselves, exact
     * decimals as JSON numbers with all their digits ({@code 3000.00}), dates, times and instants as ISO-8601 text,
     * bytes as base64 text, lists and maps as arrays and objects.
     */
    public static JsonNode value(Object avro) {
        return canonical(AvroValues.fromAvro(avro));
    }

    private static JsonNode canonical(Object v) {
        JsonNodeFactory f = JSON.getNodeFactory();
        if (v == null) {
            return f.nullNode();
        }
        if (v instanceof Long l) {
            return f.numberNode(l);
        }
        if (v instanceof Double d) {
            return f.numberNode(d);
        }
        if (v instanceof Boolean b) {
            return f.booleanNode(b);
        }
        if (v instanceof BigDecimal d) {
            return f.numberNode(d);
        }
        if (v instanceof List<?> l) {
            ArrayNode a = f.arrayNode();
            l.forEach(e -> a.add(canonical(e)));
            return a;
        }
        if (v instanceof Map<?, ?> m) {
            ObjectNode o = f.objectNode();
            m.forEach((k, e) -> o.set(String.valueOf(k), canonical(e)));
            return o;
        }
        return f.textNode(Canonical.text(v));
    }

    public static String line(GoldenCustomer golden) {
        return of(golden).toString();
    }

    private static void putNullable(ObjectNode node, String name, String value) {
        if (value == null) {
            node.putNull(name);
        } else {
            node.put(name, value);
        }
    }
}
