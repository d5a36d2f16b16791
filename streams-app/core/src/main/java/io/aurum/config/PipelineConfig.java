package io.aurum.config;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What Aurum does with the sources: systems and their priority, match keys, source mappings, golden fields and
 * the blocklist of values that never describe one customer.
 * Everything about a particular set of tables lives here and in the YAML, never in Java.
 */
public record PipelineConfig(
        Map<String, SystemDef> systems,
        Map<String, MatchKeyDef> matchKeys,
        Map<String, MatchRuleDef> matchRules,
        Map<String, SourceDef> sources,
        GoldenConfig golden,
        Blocklist blocklist) {

    static final Set<String> KEYS = Set.of("systems", "match_keys", "match_rules", "sources", "golden", "blocklist");

    /** Past this many records per value, a match key or rule block stops linking (over-merge protection). */
    public static final int DEFAULT_MAX_RECORDS = 50;

    public record SystemDef(String name, int priority) {}

    public enum MatchKeyType {
        EMAIL,
        PHONE,
        TEXT
    }

    /** @param maxRecords a value held by more records than this stops linking them and is reported as a hub */
    public record MatchKeyDef(String name, MatchKeyType type, String defaultRegion, int maxRecords) {}

    public enum BlockTransform {
        EMAIL_DOMAIN,
        TEXT,
        /** The last word of the normal text: the surname of a full-name attribute ("Jane van Dijk" → dijk). */
        LAST_WORD
    }

    public enum CompareMethod {
        JARO_WINKLER,
        EXACT
    }

    /** One comparison of a compound rule: the similarity of an attribute must reach the threshold. */
    public record ComparisonDef(String attribute, CompareMethod method, double threshold) {}

    /**
     * A compound (fuzzy) rule: records are blocked on a key derived from one attribute, and inside a block only the
     * pairs that pass every comparison link. It applies to every parent source that maps all its attributes.
     */
    public record MatchRuleDef(
            String name,
            String blockAttribute,
            BlockTransform blockTransform,
            Set<String> exclude,
            List<ComparisonDef> comparisons,
            int maxRecords) {
        public List<String> attributes() {
            List<String> all = new ArrayList<>();
            all.add(blockAttribute);
            comparisons.forEach(c -> all.add(c.attribute()));
            return all;
        }
    }

    /** How a canonical attribute is computed from a row: one column, or several joined by a separator. */
    public record AttributeDef(String name, List<String> columns, String separator) {
        public boolean isConcat() {
            return columns.size() > 1 || separator != null;
        }
    }

    /** A match key fed from an attribute; phones may take their default region from another attribute. */
    public record MatchDef(String matchKey, String attribute, String regionAttribute) {}

    /** A column holding another source's primary key: an explicit edge in the identity graph. */
    public record LinkDef(String column, String target) {}

    /** Child tables are not customers: their rows attach to a parent source record through a foreign key. */
    public record ParentDef(String source, String column) {}

    /**
     * How the CDC topic's records are written, i.e. the Kafka Connect converter of the connector that produced it.
     * Either way the column types come from the event's schema when it has one.
     */
    public enum Format {
        /** Connect's JsonConverter, with the schema envelope ({@code schemas.enable=true}) or without it. */
        JSON,
        /** An Avro converter in the Confluent wire format, schemas in the deployment's registry. */
        AVRO
    }

    /**
     * A column's type declared in the config ({@code column_types}), for values whose schema does not say it:
     * JSON without schemas, or a connector that renders decimals as text or doubles. The decoded value is converted
     * to it; a value that does not convert goes to the dead-letter topic.
     */
    public enum ColumnType {
        TEXT,
        INTEGER,
        DOUBLE,
        DECIMAL,
        BOOLEAN,
        DATE,
        TIME,
        TIMESTAMP
    }

    public record SourceDef(
            String name,
            String topic,
            String system,
            List<String> keyColumns,
            String createdAtColumn,
            String updatedAtColumn,
            Map<String, AttributeDef> attributes,
            List<MatchDef> matches,
            List<LinkDef> links,
            ParentDef parent,
            Format format,
            Map<String, ColumnType> columnTypes) {

        public String database() {
            return name.substring(0, name.indexOf('.'));
        }

        public String table() {
            return name.substring(name.indexOf('.') + 1);
        }

        public boolean isChild() {
            return parent != null;
        }
    }

    public SourceDef sourceByTopic(String topic) {
        for (SourceDef s : sources.values()) {
            if (s.topic().equals(topic)) {
                return s;
            }
        }
        return null;
    }

    public List<SourceDef> parentSources() {
        return sources.values().stream().filter(s -> !s.isChild()).toList();
    }

    public List<SourceDef> childSources() {
        return sources.values().stream().filter(SourceDef::isChild).toList();
    }

    public int priorityOf(String system) {
        SystemDef def = systems.get(system);
        return def == null ? Integer.MAX_VALUE : def.priority();
    }

    static PipelineConfig bind(ConfigNode root) {
        Map<String, SystemDef> systems = new LinkedHashMap<>();
        ConfigNode systemsNode = root.get("systems");
        if (systemsNode.isMissing()) {
            throw systemsNode.error("at least one system is required");
        }
        systemsNode.entries().forEach((name, node) -> {
            node.requireKeys(Set.of("priority"));
            systems.put(name, new SystemDef(name, node.intValue("priority", 100)));
        });

        Map<String, MatchKeyDef> matchKeys = new LinkedHashMap<>();
        root.get("match_keys").entries().forEach((name, node) -> {
            node.requireKeys(Set.of("type", "default_region", "max_records"));
            checkIdentifierName(name, node);
            MatchKeyType type = enumValue(node.get("type"), MatchKeyType.class);
            String region = node.string("default_region", "US").toUpperCase();
            matchKeys.put(name, new MatchKeyDef(name, type, region, maxRecords(node)));
        });
        Map<String, MatchRuleDef> matchRules = new LinkedHashMap<>();
        root.get("match_rules").entries().forEach((name, node) -> {
            checkIdentifierName(name, node);
            if (matchKeys.containsKey(name)) {
                throw node.error("a match key of this name already exists; rules and keys share one namespace");
            }
            matchRules.put(name, bindRule(name, node));
        });

        Map<String, SourceDef> sources = new LinkedHashMap<>();
        ConfigNode sourcesNode = root.get("sources");
        if (sourcesNode.entries().isEmpty()) {
            throw sourcesNode.error("at least one source is required");
        }
        sourcesNode.entries().forEach((name, node) -> sources.put(name, bindSource(name, node, systems, matchKeys)));
        sourcesNode.entries().forEach((name, node) -> checkReferences(sources.get(name), node, sources));
        matchRules.forEach((name, rule) -> {
            boolean used = sources.values().stream()
                    .anyMatch(src -> !src.isChild() && src.attributes().keySet().containsAll(rule.attributes()));
            if (!used) {
                throw root.get("match_rules")
                        .get(name)
                        .error("no parent source maps all of the rule's attributes " + rule.attributes()
                                + ", so it would never link anything");
            }
        });

        GoldenConfig golden = GoldenConfig.bind(root.get("golden"), systems, sources);
        Blocklist blocklist = Blocklist.bind(root.get("blocklist"));
        return new PipelineConfig(
                Collections.unmodifiableMap(systems),
                Collections.unmodifiableMap(matchKeys),
                Collections.unmodifiableMap(matchRules),
                Collections.unmodifiableMap(sources),
                golden,
                blocklist);
    }

    private static void checkIdentifierName(String name, ConfigNode node) {
        if (!name.matches("[A-Za-z][A-Za-z0-9_]*")) {
            throw node.error(
                    "names of match keys and rules are letters, digits and underscores, starting with a letter");
        }
    }

    private static int maxRecords(ConfigNode node) {
        int max = node.intValue("max_records", DEFAULT_MAX_RECORDS);
        if (max < 2) {
            throw node.get("max_records").error("must be at least 2: a value held by one record links nothing anyway");
        }
        return max;
    }

    private static MatchRuleDef bindRule(String name, ConfigNode node) {
        node.requireKeys(Set.of("block", "compare", "max_records"));
        ConfigNode block = node.get("block").requireKeys(Set.of("attribute", "transform", "exclude"));
        if (block.isMissing()) {
            throw node.error("a rule needs a block: {attribute, transform}");
        }
        BlockTransform transform =
                block.has("transform") ? enumValue(block.get("transform"), BlockTransform.class) : BlockTransform.TEXT;
        Set<String> exclude = new java.util.TreeSet<>();
        block.stringList("exclude").forEach(v -> exclude.add(v.trim().toLowerCase(java.util.Locale.ROOT)));
        List<ComparisonDef> comparisons = new ArrayList<>();
        for (ConfigNode c : node.get("compare").elements()) {
            c.requireKeys(Set.of("attribute", "method", "threshold"));
            CompareMethod method =
                    c.has("method") ? enumValue(c.get("method"), CompareMethod.class) : CompareMethod.EXACT;
            double threshold = c.doubleValue("threshold", 1.0);
            if (threshold <= 0 || threshold > 1) {
                throw c.get("threshold").error("a similarity threshold lies in (0, 1]");
            }
            comparisons.add(new ComparisonDef(c.string("attribute"), method, threshold));
        }
        if (comparisons.isEmpty()) {
            throw node.get("compare").error("a rule needs at least one comparison; without one, use a match key");
        }
        return new MatchRuleDef(
                name,
                block.string("attribute"),
                transform,
                Collections.unmodifiableSet(exclude),
                List.copyOf(comparisons),
                maxRecords(node));
    }

    private static SourceDef bindSource(
            String name, ConfigNode node, Map<String, SystemDef> systems, Map<String, MatchKeyDef> matchKeys) {
        node.requireKeys(Set.of(
                "topic",
                "system",
                "key",
                "created_at",
                "updated_at",
                "attributes",
                "match",
                "links",
                "parent",
                "format",
                "column_types"));
        int dot = name.indexOf('.');
        if (dot <= 0 || dot == name.length() - 1 || name.indexOf('.', dot + 1) >= 0) {
            throw node.error("a source is named <database>.<table>, e.g. crm.contacts");
        }
        ParentDef parent = node.has("parent") ? bindParent(node.get("parent")) : null;
        String system = node.optString("system").orElse(parent == null ? null : "");
        if (parent == null) {
            if (system == null) {
                throw node.get("system").error("a parent source needs its system");
            }
            if (!systems.containsKey(system)) {
                throw node.get("system").error("unknown system '" + system + "'; declared: " + systems.keySet());
            }
        } else if (!system.isEmpty() && !systems.containsKey(system)) {
            throw node.get("system").error("unknown system '" + system + "'; declared: " + systems.keySet());
        }
        String topic = node.string("topic", name.substring(0, dot) + ".public." + name.substring(dot + 1));
        List<String> key = node.stringList("key");
        if (key.isEmpty()) {
            key = List.of("id");
        }
        Map<String, AttributeDef> attributes = new LinkedHashMap<>();
        node.get("attributes").entries().forEach((attr, a) -> attributes.put(attr, bindAttribute(attr, a)));

        List<MatchDef> matches = new ArrayList<>();
        node.get("match").entries().forEach((matchKey, m) -> {
            if (parent != null) {
                throw m.error("child sources do not take part in matching; match on the parent source");
            }
            if (!matchKeys.containsKey(matchKey)) {
                throw m.error("unknown match key '" + matchKey + "'; declared under match_keys: " + matchKeys.keySet());
            }
            String attribute;
            String region = null;
            if (m.isScalar()) {
                attribute = m.asString();
            } else {
                m.requireKeys(Set.of("attribute", "region_from"));
                attribute = m.string("attribute");
                region = m.optString("region_from").orElse(null);
                if (region != null && !attributes.containsKey(region)) {
                    throw m.get("region_from").error("unknown attribute '" + region + "' of source " + name);
                }
            }
            if (!attributes.containsKey(attribute)) {
                throw m.error("unknown attribute '" + attribute + "' of source " + name + "; declared: "
                        + attributes.keySet());
            }
            matches.add(new MatchDef(matchKey, attribute, region));
        });

        List<LinkDef> links = new ArrayList<>();
        for (ConfigNode l : node.get("links").elements()) {
            l.requireKeys(Set.of("column", "target"));
            links.add(new LinkDef(l.string("column"), l.string("target")));
        }
        Format format = node.has("format") ? enumValue(node.get("format"), Format.class) : Format.JSON;
        Map<String, ColumnType> columnTypes = new LinkedHashMap<>();
        node.get("column_types")
                .entries()
                .forEach((column, t) -> columnTypes.put(column, enumValue(t, ColumnType.class)));
        return new SourceDef(
                name,
                topic,
                system == null || system.isEmpty() ? null : system,
                List.copyOf(key),
                node.optString("created_at").orElse(null),
                node.optString("updated_at").orElse(null),
                Collections.unmodifiableMap(attributes),
                List.copyOf(matches),
                List.copyOf(links),
                parent,
                format,
                Collections.unmodifiableMap(columnTypes));
    }

    private static ParentDef bindParent(ConfigNode p) {
        p.requireKeys(Set.of("source", "column"));
        return new ParentDef(p.string("source"), p.string("column"));
    }

    private static void checkReferences(SourceDef source, ConfigNode node, Map<String, SourceDef> sources) {
        if (source.parent() != null) {
            SourceDef parent = sources.get(source.parent().source());
            if (parent == null) {
                throw node.get("parent")
                        .get("source")
                        .error("unknown source '" + source.parent().source() + "'");
            }
            if (parent.isChild()) {
                throw node.get("parent").get("source").error("the parent must itself be a parent source, not a child");
            }
        }
        List<ConfigNode> linkNodes = node.get("links").elements();
        for (int i = 0; i < source.links().size(); i++) {
            LinkDef link = source.links().get(i);
            SourceDef target = sources.get(link.target());
            if (target == null || target.isChild()) {
                throw linkNodes.get(i).get("target").error("unknown parent source '" + link.target() + "'");
            }
            if (target.keyColumns().size() != 1) {
                throw linkNodes.get(i).get("target").error("a link needs a target with a single-column key");
            }
        }
    }

    private static AttributeDef bindAttribute(String name, ConfigNode node) {
        if (node.isScalar()) {
            return new AttributeDef(name, List.of(node.asString()), null);
        }
        node.requireKeys(Set.of("column", "concat", "separator"));
        if (node.has("column") == node.has("concat")) {
            throw node.error("give either column or concat");
        }
        if (node.has("column")) {
            return new AttributeDef(name, List.of(node.string("column")), null);
        }
        List<String> columns = node.stringList("concat");
        if (columns.isEmpty()) {
            throw node.get("concat").error("concat needs at least one column");
        }
        return new AttributeDef(name, List.copyOf(columns), node.string("separator", " "));
    }

    static <E extends Enum<E>> E enumValue(ConfigNode node, Class<E> type) {
        String text = node.asString().trim();
        for (E e : type.getEnumConstants()) {
            if (e.name().equalsIgnoreCase(text)) {
                return e;
            }
        }
        List<String> names = new ArrayList<>();
        for (E e : type.getEnumConstants()) {
            names.add(e.name().toLowerCase());
        }
        throw node.error("unknown value '" + text + "'; expected one of " + names);
    }
}
