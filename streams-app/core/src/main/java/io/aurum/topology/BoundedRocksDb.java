package io.aurum.topology;

import java.util.Map;
import org.apache.kafka.streams.state.RocksDBConfigSetter;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.Cache;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.WriteBufferManager;

/**
 * Bounds all RocksDB memory of the process (every store of every task): one LRU block cache, which also holds the
 * index and filter blocks, and a write-buffer manager that charges the memtables to the same cache. Without this each
 * store instance has its own cache and memtables (about 50 MB per store by RocksDB's defaults), so memory grows with
 * stores × partitions and nothing bounds it; with it the whole off-heap state costs {@link #MEMORY_BYTES} (Kafka
 * Streams' documented recipe, "Bounded memory usage").
 */
public final class BoundedRocksDb implements RocksDBConfigSetter {
    /** Streams property: the bytes RocksDB may use in all, block cache and memtables together. */
    public static final String MEMORY_BYTES = "aurum.rocksdb.memory.bytes";

    public static final long DEFAULT_MEMORY_BYTES = 256L << 20;

    // Shared by every store instance of the JVM: created once, never closed by a store.
    private static Cache cache;
    private static WriteBufferManager writeBuffers;

    private static synchronized void init(long bytes) {
        if (cache == null) {
            // High-priority pool for index and filter blocks: a tenth of the cache.
            cache = new LRUCache(bytes, -1, false, 0.1);
            // Memtables may take half of it; the rest caches blocks.
            writeBuffers = new WriteBufferManager(bytes / 2, cache);
        }
    }

    @Override
    public void setConfig(String storeName, Options options, Map<String, Object> configs) {
        Object v = configs.get(MEMORY_BYTES);
        init(v == null ? DEFAULT_MEMORY_BYTES : Long.parseLong(v.toString()));
        BlockBasedTableConfig table = (BlockBasedTableConfig) options.tableFormatConfig();
        table.setBlockCache(cache);
        table.setCacheIndexAndFilterBlocks(true);
        table.setCacheIndexAndFilterBlocksWithHighPriority(true);
        table.setPinTopLevelIndexAndFilter(true);
        options.setWriteBufferManager(writeBuffers);
        options.setTableFormatConfig(table);
    }

    @Override
    public void close(String storeName, Options options) {
        // The cache and the write-buffer manager are shared by every store: they live as long as the process.
    }
}
