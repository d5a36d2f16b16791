package io.aurum.steward;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.aurum.canonical.MappingException;
import io.aurum.config.PipelineConfig;
import java.io.IOException;
import java.util.List;
import java.util.TreeSet;

/**
 * A steward's must-link assertion, as written to {@code customers.assertions} (compacted; key = the assertion's id,
 * any string; a tombstone retracts it):
 * <pre>{"type": "must_link", "records": ["crm.contacts:42", "billing.customers:7"], "who": "ana", "why": "same person, confirmed by phone"}</pre>
 * Records are named {@code <database>.<table>:<key>}, as in customers.xref.
 */
public record Assertion(List<String> records, String who, String why) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public static Assertion parse(PipelineConfig config, byte[] value) {
        JsonNode node;
        try {
            node = JSON.readTree(value);
        } catch (IOException e) {
            throw new MappingException("the assertion is not valid JSON: " + e.getMessage(), e);
        }
        if (node == null || !node.isObject()) {
            throw new MappingException("an assertion is a JSON object with type and records");
        }
        String type = node.path("type").asText("");
        if (!type.equals("must_link")) {
            throw new MappingException("unsupported assertion type '" + type + "': only must_link is supported");
        }
        TreeSet<String> records = new TreeSet<>();
        for (JsonNode r : node.path("records")) {
            String id = r.asText("");
            int colon = id.indexOf(':');
            PipelineConfig.SourceDef source =
                    colon <= 0 ? null : config.sources().get(id.substring(0, colon));
            if (source == null || source.isChild() || colon == id.length() - 1) {
                throw new MappingException(
                        "'" + id + "' does not name a record of a parent source as <database>.<table>:<key>");
            }
            records.add(id);
        }
        if (records.size() < 2) {
            throw new MappingException("a must_link assertion names at least two different records");
        }
        return new Assertion(
                List.copyOf(records),
                node.path("who").asText(null),
                node.path("why").asText(null));
    }
}
