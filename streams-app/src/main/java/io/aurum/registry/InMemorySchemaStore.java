package io.aurum.registry;

import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/** A store that forgets everything when the process ends: for tests and throw-away local runs. */
public final class InMemorySchemaStore implements SchemaStore {
  private final SchemaIndex index = new SchemaIndex();

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

  @Override
  public void put(SchemaRecord record) {
    index.apply(record);
  }
}
