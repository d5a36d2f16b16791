package io.aurum.registry;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.TreeMap;

/** The in-memory state every store serves reads from; stores differ only in how records get here. */
final class SchemaIndex {
    private final Map<String, TreeMap<Integer, SchemaRecord>> bySubject = new TreeMap<>();
    private final Map<Integer, String> schemaById = new HashMap<>();
    private final Map<String, Integer> idBySchema = new HashMap<>();
    private int maxId;

    synchronized void apply(SchemaRecord r) {
        bySubject.computeIfAbsent(r.subject(), s -> new TreeMap<>()).put(r.version(), r);
        schemaById.putIfAbsent(r.id(), r.schema());
        idBySchema.putIfAbsent(r.schema(), r.id());
        maxId = Math.max(maxId, r.id());
    }

    /** A compacted-away version: gone from the subject, but its id stays resolvable like in Confluent's registry. */
    synchronized void remove(String subject, int version) {
        TreeMap<Integer, SchemaRecord> versions = bySubject.get(subject);
        if (versions != null) {
            versions.remove(version);
            if (versions.isEmpty()) {
                bySubject.remove(subject);
            }
        }
    }

    synchronized List<String> subjects() {
        List<String> out = new ArrayList<>();
        bySubject.forEach((s, v) -> {
            if (v.values().stream().anyMatch(r -> !r.deleted())) {
                out.add(s);
            }
        });
        return out;
    }

    synchronized List<SchemaRecord> versions(String subject) {
        TreeMap<Integer, SchemaRecord> v = bySubject.get(subject);
        return v == null
                ? List.of()
                : v.values().stream().filter(r -> !r.deleted()).toList();
    }

    synchronized Optional<SchemaRecord> version(String subject, int version) {
        TreeMap<Integer, SchemaRecord> v = bySubject.get(subject);
        SchemaRecord r = v == null ? null : v.get(version);
        return r == null || r.deleted() ? Optional.empty() : Optional.of(r);
    }

    synchronized Optional<String> schemaById(int id) {
        return Optional.ofNullable(schemaById.get(id));
    }

    synchronized OptionalInt idOf(String schema) {
        Integer id = idBySchema.get(schema);
        return id == null ? OptionalInt.empty() : OptionalInt.of(id);
    }

    synchronized int nextId() {
        return maxId + 1;
    }

    synchronized int nextVersion(String subject) {
        TreeMap<Integer, SchemaRecord> v = bySubject.get(subject);
        return v == null || v.isEmpty() ? 1 : v.lastKey() + 1;
    }
}
