package io.aurum.registry;

import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Where {@link LocalSchemaRegistry} keeps subjects, versions and ids. Reads see every {@link #put} that has
 * returned; {@link #put} returns only once the record is durable in whatever sense the store has, so an id handed
 * out to a client is never lost by a restart.
 */
public interface SchemaStore extends AutoCloseable {

    /** Loads persisted state. Called once by the registry before serving. */
    default void start() {}

    /** Subjects with at least one live version, sorted. */
    List<String> subjects();

    /** Live versions of {@code subject}, oldest first; empty when the subject is unknown. */
    List<SchemaRecord> versions(String subject);

    Optional<SchemaRecord> version(String subject, int version);

    /** The newest live version of {@code subject}. */
    default Optional<SchemaRecord> latest(String subject) {
        List<SchemaRecord> all = versions(subject);
        return all.isEmpty() ? Optional.empty() : Optional.of(all.get(all.size() - 1));
    }

    /** The schema text of a global id, deleted versions included (old records still carry their id). */
    Optional<String> schemaById(int id);

    /** The global id already given to this exact schema text, under any subject. */
    OptionalInt idOf(String schema);

    /** The id a new schema text gets. */
    int nextId();

    /** The number the next version of {@code subject} gets (deleted versions still count). */
    int nextVersion(String subject);

    /** Stores {@code record} durably, then makes it visible. */
    void put(SchemaRecord record);

    @Override
    default void close() {}
}
