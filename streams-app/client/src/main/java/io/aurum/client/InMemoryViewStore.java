package io.aurum.client;

import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;

/** The view on the heap: a concurrent sorted map, safe to read while the client's thread writes. */
final class InMemoryViewStore implements ViewStore {
    private final ConcurrentSkipListMap<String, byte[]> map = new ConcurrentSkipListMap<>();

    @Override
    public byte[] get(String key) {
        return map.get(key);
    }

    @Override
    public void put(String key, byte[] value) {
        map.put(key, value);
    }

    @Override
    public void delete(String key) {
        map.remove(key);
    }

    @Override
    public void scan(String prefix, Visitor visitor) {
        for (Map.Entry<String, byte[]> e : map.tailMap(prefix, true).entrySet()) {
            if (!e.getKey().startsWith(prefix) || !visitor.visit(e.getKey(), e.getValue())) {
                return;
            }
        }
    }

    @Override
    public void clear() {
        map.clear();
    }

    @Override
    public void close() {
        map.clear();
    }
}
