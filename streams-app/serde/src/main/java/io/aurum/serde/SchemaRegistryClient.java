package io.aurum.serde;

import java.io.Closeable;
import org.apache.avro.Schema;

/**
 * The part of the Confluent Schema Registry API a wire-format serde needs. Implementations cache: the serde asks on
 * every record, so a registry round trip must only happen the first time a schema or id is seen.
 */
public interface SchemaRegistryClient extends Closeable {

    /** Registers {@code schema} under {@code subject} (or finds it already there) and returns its global id. */
    int register(String subject, Schema schema);

    /** The schema a writer framed its records with. */
    Schema getSchemaById(int id);

    /** The newest version of {@code subject}. */
    SchemaMetadata getLatestSchemaMetadata(String subject);

    /**
     * Finds {@code schema} among the versions of {@code subject} without registering it.
     *
     * @throws SchemaRegistryException with error code 40401 (no such subject) or 40403 (schema not under it)
     */
    SchemaMetadata lookup(String subject, Schema schema);

    @Override
    default void close() {}
}
