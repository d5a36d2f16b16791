package io.aurum.resolve;

import io.aurum.codec.Codec;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * One of the resolver's node stores as the resolver uses it: nodes are decoded when read and encoded when written,
 * by their {@link Codec}, over a store of bytes. It keeps the bytes of each node read until {@link #forget()}, so a
 * node written back exactly as it was read, or deleted when it was never stored, costs nothing: no RocksDB write and
 * no changelog record. Nodes are mutable and the resolver writes back every node an input touched; an instrumented
 * run found nothing changed in one identifier write in six and one record-node write in fourteen (a label that was
 * already known, a generation already reset), and comparing the encoding the write needs anyway is the one check
 * that cannot miss a field.
 *
 * <p>The stored bytes are the codec's format, the same as a serde over it would write: a store's contents and its
 * changelog do not depend on which of the two wrote them.
 */
final class NodeStore<V> {
    private static final byte[] ABSENT = new byte[0];

    private final KeyValueStore<String, byte[]> store;
    private final Codec<V> codec;
    /** Per key read since the last {@link #forget()}: its stored bytes, or {@link #ABSENT}. */
    private final Map<String, byte[]> read = new HashMap<>();

    NodeStore(KeyValueStore<String, byte[]> store, Codec<V> codec) {
        this.store = store;
        this.codec = codec;
    }

    /** The stored node, or null; a later {@link #put} or {@link #delete} of it compares with what this read. */
    V get(String key) {
        byte[] bytes = store.get(key);
        read.put(key, bytes == null ? ABSENT : bytes);
        return bytes == null ? null : codec.decode(bytes);
    }

    /** Stores the node, unless it encodes exactly as it was read. */
    void put(String key, V node) {
        byte[] before = read.get(key);
        // A node rarely changes size by much: starting the buffer at its last size saves growing it step by step.
        byte[] bytes = codec.encode(node, before == null ? 256 : before.length + 64);
        if (Arrays.equals(bytes, before)) {
            return;
        }
        store.put(key, bytes);
        read.put(key, bytes);
    }

    /** Removes the node, unless it was read and not stored. */
    void delete(String key) {
        if (read.get(key) == ABSENT) {
            return;
        }
        store.delete(key);
        read.put(key, ABSENT);
    }

    /** Ends an input: what was read no longer tells what is stored (another input, another task may write it). */
    void forget() {
        read.clear();
    }

    /** Every node, in key order. */
    KeyValueIterator<String, V> all() {
        return decoded(store.all());
    }

    /** The nodes from {@code from} (inclusive; null: the first) to the end, in key order. */
    KeyValueIterator<String, V> range(String from) {
        return decoded(store.range(from, null));
    }

    /** The nodes whose keys start with {@code prefix}. */
    KeyValueIterator<String, V> prefixScan(String prefix) {
        return decoded(store.prefixScan(prefix, new StringSerializer()));
    }

    private KeyValueIterator<String, V> decoded(KeyValueIterator<String, byte[]> it) {
        return new KeyValueIterator<>() {
            @Override
            public boolean hasNext() {
                return it.hasNext();
            }

            @Override
            public KeyValue<String, V> next() {
                KeyValue<String, byte[]> kv = it.next();
                return KeyValue.pair(kv.key, codec.decode(kv.value));
            }

            @Override
            public String peekNextKey() {
                return it.peekNextKey();
            }

            @Override
            public void close() {
                it.close();
            }
        };
    }
}
