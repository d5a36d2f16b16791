package io.aurum.registry;

/**
 * One version of a subject. {@code schema} is the normalized schema text (see {@link LocalSchemaRegistry}), which
 * is also what identifies a schema globally: the same text under any subject has the same {@code id}.
 */
public record SchemaRecord(String subject, int version, int id, String schema, boolean deleted) {
    public SchemaRecord(String subject, int version, int id, String schema) {
        this(subject, version, id, schema, false);
    }
}
