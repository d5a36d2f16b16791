package io.aurum.runtime;

import io.aurum.config.GoldenConfig.FieldType;
import java.util.Locale;

/**
 * What a Postgres column becomes in Aurum: the canonical value Debezium's Postgres connector and Aurum's decoder give
 * it (docs/configuration.md, "Types"), and whether it can feed a golden field of a given type.
 */
final class PostgresTypes {
    private PostgresTypes() {}

    /** One column as information_schema describes it. */
    record Column(String name, String dataType, String udt, Integer precision, Integer scale, boolean isEnum) {
        boolean isArray() {
            return "ARRAY".equals(dataType);
        }

        /** numeric(10,2), text, timestamp with time zone, text[] ... */
        String sqlType() {
            if (isArray()) {
                return udt.substring(1) + "[]";
            }
            if ("numeric".equals(udt) && precision != null) {
                return "numeric(" + precision + "," + (scale == null ? 0 : scale) + ")";
            }
            return "USER-DEFINED".equals(dataType) ? udt + (isEnum ? " (enum)" : "") : dataType;
        }
    }

    /** The canonical Java type of the column's values, or null when Aurum cannot decode the type. */
    static String canonical(Column c) {
        if (c.isArray()) {
            String element = canonical(new Column(c.name(), "", c.udt().substring(1), null, null, false));
            return element == null ? null : "List<" + element + ">";
        }
        if (c.isEnum()) {
            return "String";
        }
        return switch (c.udt().toLowerCase(Locale.ROOT)) {
            case "int2", "int4", "int8", "oid" -> "Long";
            case "numeric" -> "BigDecimal";
            case "money" -> "BigDecimal";
            case "float4", "float8" -> "Double";
            case "bool" -> "Boolean";
            case "text",
                    "varchar",
                    "bpchar",
                    "char",
                    "name",
                    "citext",
                    "uuid",
                    "json",
                    "jsonb",
                    "xml",
                    "inet",
                    "cidr",
                    "macaddr",
                    "macaddr8",
                    "tsvector",
                    "ltree",
                    "interval",
                    "timetz",
                    "int4range",
                    "int8range",
                    "numrange",
                    "tsrange",
                    "tstzrange",
                    "daterange",
                    "hstore" -> "String";
            case "date" -> "LocalDate";
            case "time" -> "LocalTime";
            case "timestamp", "timestamptz" -> "Instant";
            case "bytea", "bit", "varbit" -> "byte[]";
            case "point", "geometry", "geography" -> "Map";
            default -> null;
        };
    }

    /**
     * Null when the column can feed a golden field of {@code type} (and {@code scale}, for decimals); else why not.
     * Text columns can feed any field (only values that parse count), which is worth a warning but not an error.
     */
    static String misfit(Column c, FieldType type, int scale) {
        String canonical = canonical(c);
        if (canonical == null) {
            return null; // reported as unsupported already
        }
        boolean text = canonical.equals("String") && !c.isEnum();
        return switch (type) {
            case TEXT, EMAIL, PHONE -> null;
            case NUMBER -> numeric(canonical) || text ? null : "holds " + canonical + ", not a number";
            case INTEGER ->
                canonical.equals("Long")
                                || text
                                || (c.udt().equals("numeric")
                                        && Integer.valueOf(0).equals(c.scale()))
                        ? null
                        : "holds " + canonical + (c.udt().equals("numeric") ? " with decimals" : "")
                                + ", not an integer";
            case DECIMAL -> {
                if (canonical.equals("BigDecimal")) {
                    int columnScale = c.udt().equals("money") ? 2 : c.scale() == null ? -1 : c.scale();
                    if (columnScale < 0) {
                        yield "is numeric without a scale: values with more than " + scale
                                + " decimals would not be usable (declare numeric(p," + scale + "))";
                    }
                    yield columnScale > scale
                            ? "has scale " + columnScale + ", more than the field's " + scale
                                    + ": values with more decimals would not be usable"
                            : null;
                }
                yield canonical.equals("Long") || text ? null : "holds " + canonical + ", not an exact decimal";
            }
            case DATE, TIMESTAMP ->
                canonical.equals("LocalDate") || canonical.equals("Instant") || text
                        ? null
                        : "holds " + canonical + ", not a date or timestamp";
            case TIME -> canonical.equals("LocalTime") || text ? null : "holds " + canonical + ", not a time of day";
            case BOOLEAN -> canonical.equals("Boolean") || text ? null : "holds " + canonical + ", not a boolean";
        };
    }

    private static boolean numeric(String canonical) {
        return canonical.equals("Long") || canonical.equals("BigDecimal") || canonical.equals("Double");
    }
}
