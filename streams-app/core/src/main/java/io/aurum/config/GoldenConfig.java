package io.aurum.config;

import io.aurum.config.PipelineConfig.SourceDef;
import io.aurum.config.PipelineConfig.SystemDef;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The {@code golden:} section: how each golden field survives (owner, fallback rule, validity), the child
 * roll-ups, and the business anomalies that open a conflict. docs/configuration.md, "Survivorship", documents
 * every key.
 */
public record GoldenConfig(
        Map<String, FieldDef> fields, Map<String, RollupDef> rollups, Map<String, AnomalyDef> anomalies) {

    /** What a field's values are: decides the validity filter, the normal form and how values compare. */
    public enum FieldType {
        TEXT,
        EMAIL,
        PHONE,
        /** Any number: compared by value; a double in customers.golden.table. */
        NUMBER,
        /** An instant; timestamp-micros in customers.golden.table. */
        TIMESTAMP,
        /** A whole number; long in customers.golden.table. */
        INTEGER,
        /** An exact decimal of the field's {@code scale}; Avro decimal in customers.golden.table. */
        DECIMAL,
        /** A calendar date; Avro date in customers.golden.table. */
        DATE,
        /** A time of day; time-micros in customers.golden.table. */
        TIME,
        BOOLEAN;

        /** Whether values of this type are numbers (what anomalies test). */
        public boolean numeric() {
            return this == NUMBER || this == INTEGER || this == DECIMAL;
        }
    }

    /** Default precision of a decimal field: digits in all (Postgres numeric goes up to 1000; 38 is the SQL norm). */
    public static final int DEFAULT_DECIMAL_PRECISION = 38;

    public enum Rule {
        SOURCE_PRIORITY,
        MOST_RECENT,
        OLDEST,
        MOST_FREQUENT,
        LONGEST,
        MIN,
        MAX,
        COLLECT;

        /** The spelling in the config and in lineage. */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * A golden field. The owner's usable value wins; when it has none, {@code rule} picks among the values of
     * {@code systems}.
     *
     * @param owner         the owning system, or null when the rule alone decides
     * @param systems       the systems the rule considers, in priority order (source_priority follows it)
     * @param regionFrom    phones: the record attribute holding its country, for numbers in national form
     * @param conflicts     whether differing values of this field open a conflict
     * @param scale         decimals: digits after the point (a value with more is invalid); -1 for other types
     * @param precision     decimals: digits in all; -1 for other types
     * @param standardize   email and phone fields: the golden value is the normal form (trimmed lower-case
     *                      address, E.164 number) rather than the winner's spelling; lineage keeps the raw value
     */
    public record FieldDef(
            String name,
            String attribute,
            FieldType type,
            String owner,
            Rule rule,
            List<String> systems,
            String regionFrom,
            String defaultRegion,
            boolean conflicts,
            int scale,
            int precision,
            boolean standardize) {

        public boolean considers(String system) {
            return system != null && (system.equals(owner) || systems.contains(system));
        }
    }

    public enum RollupFunction {
        COUNT,
        SUM,
        MAX,
        MIN,
        LATEST
    }

    /**
     * A golden field computed from the children of a cluster's members, e.g. open tickets or MRR.
     *
     * @param orderBy for latest: the child attribute that orders the rows; null orders by the row's last commit time
     * @param prefer  for latest: rows matching this are chosen over all others when there is any
     * @param type    the type of the result (its column in customers.golden.table): by default integer for count,
     *                number for sum, text for min, max and latest
     */
    public record RollupDef(
            String name,
            String child,
            RollupFunction function,
            String attribute,
            String orderBy,
            Map<String, List<String>> where,
            Map<String, List<String>> prefer,
            FieldType type,
            int scale,
            int precision) {}

    /** A business rule on one golden field's value that, when broken, opens a conflict named after it. */
    public record AnomalyDef(String name, String field, Double min, Double max, String description) {
        public boolean brokenBy(double value) {
            return (min != null && value < min) || (max != null && value > max);
        }
    }

    static final Set<String> KEYS = Set.of("fields", "rollups", "anomalies");

    static GoldenConfig bind(ConfigNode golden, Map<String, SystemDef> systems, Map<String, SourceDef> sources) {
        golden.requireKeys(KEYS);
        Map<String, FieldDef> fields = new LinkedHashMap<>();
        golden.get("fields").entries().forEach((name, node) -> {
            checkFieldName(name, node);
            fields.put(name, bindField(name, node, systems, sources));
        });
        Map<String, RollupDef> rollups = new LinkedHashMap<>();
        golden.get("rollups").entries().forEach((name, node) -> {
            if (fields.containsKey(name)) {
                throw node.error("a golden field of this name is already declared under golden.fields");
            }
            checkFieldName(name, node);
            rollups.put(name, bindRollup(name, node, sources));
        });
        Map<String, AnomalyDef> anomalies = new LinkedHashMap<>();
        golden.get("anomalies").entries().forEach((name, node) -> {
            if (fields.containsKey(name) || rollups.containsKey(name)) {
                // Conflicts of fields and anomalies share one key space on customers.conflicts.
                throw node.error("a golden field of this name exists; anomalies need their own names");
            }
            anomalies.put(name, bindAnomaly(name, node, fields, rollups));
        });
        return new GoldenConfig(
                Collections.unmodifiableMap(fields),
                Collections.unmodifiableMap(rollups),
                Collections.unmodifiableMap(anomalies));
    }

    /** Names that customers.golden.table uses for itself: golden_id and anything starting with aurum_. */
    public static boolean reservedName(String name) {
        return name.equals("golden_id") || name.startsWith("aurum_");
    }

    /**
     * Golden field names become the column names of customers.golden.table (and of any table a sink connector
     * writes from it), so they must be identifiers there too.
     */
    private static void checkFieldName(String name, ConfigNode node) {
        if (!name.matches("[A-Za-z_][A-Za-z0-9_]*")) {
            throw node.error("golden field names are letters, digits and underscores, not starting with a digit:"
                    + " they are the column names of customers.golden.table");
        }
        if (reservedName(name)) {
            throw node.error("'golden_id' and names starting with 'aurum_' are customers.golden.table's own columns");
        }
    }

    /** Every golden field name, fields then roll-ups: what an override may target. */
    public boolean hasField(String name) {
        return fields.containsKey(name) || rollups.containsKey(name);
    }

    private static FieldDef bindField(
            String name, ConfigNode node, Map<String, SystemDef> systems, Map<String, SourceDef> sources) {
        node.requireKeys(Set.of(
                "attribute",
                "type",
                "scale",
                "precision",
                "owner",
                "rule",
                "systems",
                "fallback",
                "region_from",
                "default_region",
                "conflicts",
                "standardize"));
        String attribute = node.string("attribute", name);
        if (!mappedByAParent(sources, attribute)) {
            throw (node.has("attribute") ? node.get("attribute") : node)
                    .error("no parent source maps an attribute named '" + attribute + "'");
        }
        FieldType type =
                node.has("type") ? PipelineConfig.enumValue(node.get("type"), FieldType.class) : FieldType.TEXT;
        String owner = node.optString("owner").orElse(null);
        if (owner != null && !systems.containsKey(owner)) {
            throw node.get("owner").error("unknown system '" + owner + "'; declared: " + systems.keySet());
        }
        Rule rule;
        ConfigNode systemsNode;
        if (node.has("fallback")) {
            // The short form: a list of systems asked in order after the owner.
            if (node.has("rule") || node.has("systems")) {
                throw node.get("fallback")
                        .error("fallback is short for rule: source_priority with systems; give one or the other");
            }
            rule = Rule.SOURCE_PRIORITY;
            systemsNode = node.get("fallback");
        } else {
            rule = node.has("rule") ? PipelineConfig.enumValue(node.get("rule"), Rule.class) : Rule.SOURCE_PRIORITY;
            systemsNode = node.get("systems");
        }
        List<String> order = new ArrayList<>();
        if (systemsNode.isMissing()) {
            if (owner == null || node.has("rule")) {
                systems.values().stream()
                        .sorted(Comparator.comparingInt(SystemDef::priority))
                        .map(SystemDef::name)
                        .forEach(order::add);
            }
        } else {
            List<ConfigNode> elements = systemsNode.isArray() ? systemsNode.elements() : List.of(systemsNode);
            for (ConfigNode e : elements) {
                String system = e.asString();
                if (!systems.containsKey(system)) {
                    throw e.error("unknown system '" + system + "'; declared: " + systems.keySet());
                }
                if (order.contains(system)) {
                    throw e.error("system '" + system + "' is listed twice");
                }
                order.add(system);
            }
        }
        if (rule == Rule.COLLECT && owner != null) {
            throw node.get("owner").error("collect keeps every system's values, so it takes no owner");
        }
        if (owner == null && order.isEmpty()) {
            throw node.error("give an owner or the systems the rule considers");
        }
        String regionFrom = node.optString("region_from").orElse(null);
        String defaultRegion = node.optString("default_region")
                .map(s -> s.trim().toUpperCase(Locale.ROOT))
                .orElse("US");
        if (type != FieldType.PHONE && (regionFrom != null || node.has("default_region"))) {
            throw node.get(regionFrom != null ? "region_from" : "default_region")
                    .error("only phone fields take a region");
        }
        if (regionFrom != null && !mappedByAParent(sources, regionFrom)) {
            throw node.get("region_from").error("no parent source maps an attribute named '" + regionFrom + "'");
        }
        int[] digits = digits(node, type);
        boolean standardForm = type == FieldType.EMAIL || type == FieldType.PHONE;
        if (!standardForm && node.has("standardize")) {
            throw node.get("standardize").error("only email and phone fields have a standard form");
        }
        return new FieldDef(
                name,
                attribute,
                type,
                owner,
                rule,
                List.copyOf(order),
                regionFrom,
                defaultRegion,
                node.bool("conflicts", rule != Rule.COLLECT),
                digits[0],
                digits[1],
                standardForm && node.bool("standardize", true));
    }

    /** scale and precision of a decimal field: {scale, precision}, both -1 for other types. */
    private static int[] digits(ConfigNode node, FieldType type) {
        if (type != FieldType.DECIMAL) {
            if (node.has("scale") || node.has("precision")) {
                throw node.get(node.has("scale") ? "scale" : "precision").error("only decimal fields take this");
            }
            return new int[] {-1, -1};
        }
        if (!node.has("scale")) {
            throw node.error("a decimal field needs its scale (digits after the point), e.g. scale: 2");
        }
        int scale = node.intValue("scale", 0);
        int precision = node.intValue("precision", DEFAULT_DECIMAL_PRECISION);
        if (scale < 0 || precision < 1 || scale > precision) {
            throw node.get("scale").error("need 0 <= scale <= precision and precision >= 1");
        }
        return new int[] {scale, precision};
    }

    private static boolean mappedByAParent(Map<String, SourceDef> sources, String attribute) {
        return sources.values().stream()
                .anyMatch(s -> !s.isChild() && s.attributes().containsKey(attribute));
    }

    private static RollupDef bindRollup(String name, ConfigNode node, Map<String, SourceDef> sources) {
        node.requireKeys(
                Set.of("child", "function", "attribute", "order_by", "where", "prefer", "type", "scale", "precision"));
        String child = node.string("child");
        SourceDef childDef = sources.get(child);
        if (childDef == null || !childDef.isChild()) {
            throw node.get("child").error("unknown child source '" + child + "'");
        }
        RollupFunction function = PipelineConfig.enumValue(node.get("function"), RollupFunction.class);
        String attribute = node.optString("attribute").orElse(null);
        if (function != RollupFunction.COUNT && attribute == null) {
            throw node.error("function " + function.name().toLowerCase(Locale.ROOT) + " needs an attribute");
        }
        if (attribute != null && !childDef.attributes().containsKey(attribute)) {
            throw node.get("attribute").error("unknown attribute '" + attribute + "' of source " + child);
        }
        String orderBy = node.optString("order_by").orElse(null);
        if (orderBy != null && !childDef.attributes().containsKey(orderBy)) {
            throw node.get("order_by").error("unknown attribute '" + orderBy + "' of source " + child);
        }
        if (function != RollupFunction.LATEST && (orderBy != null || node.has("prefer"))) {
            throw node.get(orderBy != null ? "order_by" : "prefer").error("only function latest takes this");
        }
        FieldType type = node.has("type")
                ? PipelineConfig.enumValue(node.get("type"), FieldType.class)
                : switch (function) {
                    case COUNT -> FieldType.INTEGER;
                    case SUM -> FieldType.NUMBER;
                    default -> FieldType.TEXT;
                };
        if (function == RollupFunction.COUNT && type != FieldType.INTEGER) {
            throw node.get("type").error("a count is an integer");
        }
        if (function == RollupFunction.SUM && !type.numeric()) {
            throw node.get("type").error("a sum is a number: integer, number or decimal");
        }
        int[] digits = digits(node, type);
        return new RollupDef(
                name,
                child,
                function,
                attribute,
                orderBy,
                condition(node.get("where"), childDef),
                condition(node.get("prefer"), childDef),
                type,
                digits[0],
                digits[1]);
    }

    private static Map<String, List<String>> condition(ConfigNode node, SourceDef child) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        node.entries().forEach((attr, values) -> {
            if (!child.attributes().containsKey(attr)) {
                throw values.error("unknown attribute '" + attr + "' of source " + child.name());
            }
            out.put(attr, values.stringList());
        });
        return Collections.unmodifiableMap(out);
    }

    private static AnomalyDef bindAnomaly(
            String name, ConfigNode node, Map<String, FieldDef> fields, Map<String, RollupDef> rollups) {
        node.requireKeys(Set.of("field", "min", "max", "description"));
        String field = node.string("field");
        if (!fields.containsKey(field) && !rollups.containsKey(field)) {
            throw node.get("field").error("unknown golden field '" + field + "'");
        }
        FieldDef def = fields.get(field);
        if (def != null && !def.type().numeric()) {
            throw node.get("field").error("anomalies test numbers; declare the field with type: number");
        }
        Double min = node.has("min") ? node.get("min").asDouble() : null;
        Double max = node.has("max") ? node.get("max").asDouble() : null;
        if (min == null && max == null) {
            throw node.error("give min, max or both: the anomaly holds when the value falls outside them");
        }
        return new AnomalyDef(
                name, field, min, max, node.optString("description").orElse(null));
    }
}
