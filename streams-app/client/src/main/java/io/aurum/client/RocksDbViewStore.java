package io.aurum.client;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;

/** The view in RocksDB on local disk, for views larger than the heap. Keys are UTF-8, which sorts like Java's. */
final class RocksDbViewStore implements ViewStore {
    private final Path dir;
    private final Options options;
    private RocksDB db;

    RocksDbViewStore(Path dir) {
        this.dir = dir;
        RocksDB.loadLibrary();
        this.options = new Options().setCreateIfMissing(true);
        open(true);
    }

    private void open(boolean wipe) {
        try {
            if (wipe) {
                deleteRecursively(dir);
            }
            Files.createDirectories(dir);
            db = RocksDB.open(options, dir.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (RocksDBException e) {
            throw new IllegalStateException("cannot open RocksDB in " + dir + ": " + e.getMessage(), e);
        }
    }

    private static byte[] bytes(String key) {
        return key.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public byte[] get(String key) {
        try {
            return db.get(bytes(key));
        } catch (RocksDBException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void put(String key, byte[] value) {
        try {
            db.put(bytes(key), value);
        } catch (RocksDBException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void delete(String key) {
        try {
            db.delete(bytes(key));
        } catch (RocksDBException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void scan(String prefix, Visitor visitor) {
        byte[] p = bytes(prefix);
        try (RocksIterator it = db.newIterator()) {
            for (it.seek(p); it.isValid(); it.next()) {
                byte[] k = it.key();
                if (!startsWith(k, p)) {
                    return;
                }
                if (!visitor.visit(new String(k, StandardCharsets.UTF_8), it.value())) {
                    return;
                }
            }
        }
    }

    private static boolean startsWith(byte[] key, byte[] prefix) {
        if (key.length < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (key[i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    @Override
    public synchronized void clear() {
        db.close();
        open(true);
    }

    @Override
    public synchronized void close() {
        db.close();
        options.close();
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
