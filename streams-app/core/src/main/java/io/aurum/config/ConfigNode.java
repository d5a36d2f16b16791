package io.aurum.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * A YAML node that knows where it came from. Binding goes through this class rather than Jackson's
 * object mapper so that every error, including semantic ones found long after parsing (an unknown system,
 * a column that does not exist), names the file, the line and the key path.
 */
public final class ConfigNode {
    private final YamlDocument doc;
    private final JsonNode node;
    private final String path;

    ConfigNode(YamlDocument doc, JsonNode node, String path) {
        this.doc = doc;
        this.node = node == null ? MissingNode.getInstance() : node;
        this.path = path;
    }

    public String path() {
        return path;
    }

    public int line() {
        return doc.lineOf(path);
    }

    public String file() {
        return doc.file();
    }

    public boolean isMissing() {
        return node.isMissingNode() || node.isNull();
    }

    public boolean isObject() {
        return node.isObject();
    }

    public boolean isArray() {
        return node.isArray();
    }

    public boolean isScalar() {
        return node.isValueNode() && !node.isNull();
    }

    public JsonNode raw() {
        return node;
    }

    public ConfigException error(String problem) {
        return new ConfigException(doc.file(), line(), path, problem);
    }

    public ConfigNode get(String key) {
        return new ConfigNode(doc, node.get(key), child(key));
    }

    public boolean has(String key) {
        return node.has(key) && !node.get(key).isNull();
    }

    private String child(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    /** Fails on any key not in {@code allowed}: a misspelt key silently ignored is the worst config bug. */
    public ConfigNode requireKeys(Set<String> allowed) {
        if (isMissing()) {
            return this;
        }
        if (!node.isObject()) {
            throw error("expected a mapping");
        }
        Iterator<String> names = node.fieldNames();
        while (names.hasNext()) {
            String name = names.next();
            if (!allowed.contains(name)) {
                throw new ConfigException(
                        doc.file(),
                        doc.lineOf(child(name)),
                        child(name),
                        "unknown key; expected one of " + new TreeSet<>(allowed));
            }
        }
        return this;
    }

    public Map<String, ConfigNode> entries() {
        Map<String, ConfigNode> out = new LinkedHashMap<>();
        if (isMissing()) {
            return out;
        }
        if (!node.isObject()) {
            throw error("expected a mapping");
        }
        node.fieldNames().forEachRemaining(name -> out.put(name, get(name)));
        return out;
    }

    public List<ConfigNode> elements() {
        List<ConfigNode> out = new ArrayList<>();
        if (isMissing()) {
            return out;
        }
        if (!node.isArray()) {
            throw error("expected a list");
        }
        for (int i = 0; i < node.size(); i++) {
            out.add(new ConfigNode(doc, node.get(i), path + "[" + i + "]"));
        }
        return out;
    }

    public String asString() {
        if (isMissing()) {
            throw error("a value is required");
        }
        if (!node.isValueNode()) {
            throw error("expected a single value, not a " + (node.isArray() ? "list" : "mapping"));
        }
        return node.asText();
    }

    public String string(String key) {
        return get(key).asString();
    }

    public Optional<String> optString(String key) {
        ConfigNode child = get(key);
        return child.isMissing() ? Optional.empty() : Optional.of(child.asString());
    }

    public String string(String key, String fallback) {
        return optString(key).orElse(fallback);
    }

    public long asLong() {
        String text = asString();
        try {
            return Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            throw error("expected a whole number, got '" + text + "'");
        }
    }

    public double asDouble() {
        String text = asString();
        try {
            return Double.parseDouble(text.trim());
        } catch (NumberFormatException e) {
            throw error("expected a number, got '" + text + "'");
        }
    }

    public long longValue(String key, long fallback) {
        ConfigNode child = get(key);
        return child.isMissing() ? fallback : child.asLong();
    }

    public int intValue(String key, int fallback) {
        long value = longValue(key, fallback);
        if (value < Integer.MIN_VALUE || value > Integer.MAX_VALUE) {
            throw get(key).error("out of range");
        }
        return (int) value;
    }

    public double doubleValue(String key, double fallback) {
        ConfigNode child = get(key);
        return child.isMissing() ? fallback : child.asDouble();
    }

    public boolean asBoolean() {
        String text = asString().trim().toLowerCase();
        return switch (text) {
            case "true", "yes", "on" -> true;
            case "false", "no", "off" -> false;
            default -> throw error("expected true or false, got '" + text + "'");
        };
    }

    public boolean bool(String key, boolean fallback) {
        ConfigNode child = get(key);
        return child.isMissing() ? fallback : child.asBoolean();
    }

    /** A list of strings, also accepting a single scalar as a one-element list. */
    public List<String> stringList() {
        List<String> out = new ArrayList<>();
        if (isMissing()) {
            return out;
        }
        if (node.isValueNode()) {
            out.add(node.asText());
            return out;
        }
        for (ConfigNode element : elements()) {
            out.add(element.asString());
        }
        return out;
    }

    public List<String> stringList(String key) {
        return get(key).stringList();
    }

    /** A flat mapping of string to string, e.g. extra client properties passed through verbatim. */
    public Map<String, String> stringMap() {
        Map<String, String> out = new LinkedHashMap<>();
        entries().forEach((k, v) -> out.put(k, v.asString()));
        return out;
    }
}
