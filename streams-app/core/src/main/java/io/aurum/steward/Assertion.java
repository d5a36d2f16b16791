package io.aurum.steward;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.aurum.canonical.MappingException;
import io.aurum.config.PipelineConfig;
import java.io.IOException;
import java.util.List;
import java.util.TreeSet;

/**
 * A steward's assertion, as written to {@code customers.assertions} (compacted; key = the assertion's id, any
 * string; a tombstone retracts it). A must-link names two or more records that are one customer:
 * <pre>{"type": "must_link", "records": ["crm.contacts:42", "billing.customers:7"], "who": "ana", "why": "same person, confirmed by phone"}</pre>
 * a cannot-link ({@code cannotLink}) names exactly two records that must never share a golden record:
 * <pre>{"type": "cannot_link", "records": ["crm.contacts:42", "support.users:9"], "who": "ana", "why": "different people"}</pre>
 * Records are named {@code <database>.<table>:<key>}, as in customers.xref.
 */
public record Assertion(List<String> records, String who, String why, boolean cannotLink) {
    public static final String MUST_LINK = "must_link";
    public static final String CANNOT_LINK = "cannot_link";

    /** A must-link assertion. */
    public Assertion(List<String> records, String who, String why) {
        this(records, who, why, false);
    }

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
        if (!type.equals(MUST_LINK) && !type.equals(CANNOT_LINK)) {
            throw new MappingException(
                    "unsupported assertion type '" + type + "': only must_link and cannot_link are supported");
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
        boolean cannotLink = type.equals(CANNOT_LINK);
        if (cannotLink && (records.size() != 2 || node.path("records").size() != 2)) {
            throw new MappingException("a cannot_link assertion names exactly two different records");
        }
        if (records.size() < 2) {
            throw new MappingException("a must_link assertion names at least two different records");
        }
        return new Assertion(
                List.copyOf(records),
                node.path("who").asText(null),
                node.path("why").asText(null),
                cannotLink);
    }
}
