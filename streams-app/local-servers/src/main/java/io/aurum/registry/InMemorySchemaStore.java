package io.aurum.registry;

/** A store that forgets everything when the process ends: for tests and throw-away local runs. */
public final class InMemorySchemaStore extends IndexedSchemaStore {
    @Override
    public void put(SchemaRecord record) {
        index.apply(record);
    }
}
