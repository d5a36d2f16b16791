package io.aurum.registry;

import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/** The read side every store shares: an in-memory {@link SchemaIndex} that writes are applied to. */
abstract class IndexedSchemaStore implements SchemaStore {
    protected final SchemaIndex index = new SchemaIndex();

    @Override
    public List<String> subjects() {
        return index.subjects();
    }

    @Override
    public List<SchemaRecord> versions(String subject) {
        return index.versions(subject);
    }

    @Override
    public Optional<SchemaRecord> version(String subject, int version) {
        return index.version(subject, version);
    }

    @Override
    public Optional<String> schemaById(int id) {
        return index.schemaById(id);
    }

    @Override
    public OptionalInt idOf(String schema) {
        return index.idOf(schema);
    }

    @Override
    public int nextId() {
        return index.nextId();
    }

    @Override
    public int nextVersion(String subject) {
        return index.nextVersion(subject);
    }
}
