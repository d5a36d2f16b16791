package io.aurum.serde;

import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.util.ClassSecurityValidator;

/**
 * Avro 1.12 only instantiates classes it trusts when it loads them by name from a schema, and reads the trusted
 * packages from the system property {@code org.apache.avro.SERIALIZABLE_PACKAGES} once, in a static initializer, so
 * setting the property at run time is too late once any Avro reader has been used. Extending the global
 * {@link ClassSecurityValidator} predicate works at any time, keeps whatever the user configured, and trusts no
 * more than the packages of the generated classes we were asked to read.
 *
 * <p>Only reader-side schemas are walked: they come from classes compiled into the application. A writer schema
 * comes off the wire and must never widen trust.
 */
final class AvroTrust {
    static final String SCHEMAS_PACKAGE = "io.aurum.schemas";

    private static final Set<String> TRUSTED = new HashSet<>();

    static {
        trustPackage(SCHEMAS_PACKAGE);
    }

    private AvroTrust() {}

    /**
     * Trusts the package of a generated class the caller named explicitly, and the namespaces of every record, enum
     * and fixed its schema nests, since Avro loads those classes by name too.
     */
    static void trustClass(Class<?> type) {
        trustPackage(type.getPackageName());
        Schema schema;
        try {
            schema = SpecificData.getForClass(type).getSchema(type);
        } catch (RuntimeException notGenerated) {
            return; // not a generated class; the deserializer reports that with context
        }
        collectNamespaces(schema, new IdentityHashMap<>()).forEach(AvroTrust::trustPackage);
    }

    private static Set<String> collectNamespaces(Schema s, Map<Schema, Boolean> seen) {
        Set<String> out = new HashSet<>();
        if (seen.put(s, Boolean.TRUE) != null) {
            return out;
        }
        switch (s.getType()) {
            case RECORD -> {
                addNamespace(s, out);
                s.getFields().forEach(f -> out.addAll(collectNamespaces(f.schema(), seen)));
            }
            case ENUM, FIXED -> addNamespace(s, out);
            case ARRAY -> out.addAll(collectNamespaces(s.getElementType(), seen));
            case MAP -> out.addAll(collectNamespaces(s.getValueType(), seen));
            case UNION -> s.getTypes().forEach(t -> out.addAll(collectNamespaces(t, seen)));
            default -> {}
        }
        return out;
    }

    private static void addNamespace(Schema s, Set<String> out) {
        if (s.getNamespace() != null && !s.getNamespace().isEmpty()) {
            out.add(s.getNamespace());
        }
    }

    static synchronized void trustPackage(String pkg) {
        if (!TRUSTED.add(pkg)) {
            return;
        }
        ClassSecurityValidator.setGlobal(ClassSecurityValidator.composite(
                ClassSecurityValidator.getGlobal(), c -> pkg.equals(c.getPackageName())));
    }

    /** Forces the static initializer; called by the serdes so that merely using them is enough. */
    static void ensureInstalled() {}
}
