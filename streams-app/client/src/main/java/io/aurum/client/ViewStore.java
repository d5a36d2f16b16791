package io.aurum.client;

import java.nio.file.Path;
import java.util.function.BiConsumer;

/**
 * Where an {@link AurumClient} keeps its view: sorted string keys, byte values. {@link #inMemory()} keeps it on the
 * heap; {@link #rocksDb(Path)} keeps it in RocksDB on local disk (add {@code org.rocksdb:rocksdbjni} to the
 * service), for views larger than the heap. Either is rebuilt from the topics at start.
 */
public interface ViewStore extends AutoCloseable {
    byte[] get(String key);

    void put(String key, byte[] value);

    void delete(String key);

    /** Visits every entry whose key starts with {@code prefix}, in key order, until the visitor returns false. */
    void scan(String prefix, Visitor visitor);

    /** Removes everything (the view is rebuilt from the beginning of the topics). */
    void clear();

    @Override
    void close();

    /** A scan's callback: return false to stop. */
    @FunctionalInterface
    interface Visitor {
        boolean visit(String key, byte[] value);
    }

    /** Visits every entry under {@code prefix}. */
    default void forEach(String prefix, BiConsumer<String, byte[]> action) {
        scan(prefix, (k, v) -> {
            action.accept(k, v);
            return true;
        });
    }

    static ViewStore inMemory() {
        return new InMemoryViewStore();
    }

    /** RocksDB in {@code dir} (created if missing, emptied at start: the view is rebuilt from the topics). */
    static ViewStore rocksDb(Path dir) {
        return new RocksDbViewStore(dir);
    }
}
