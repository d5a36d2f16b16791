package io.aurum.resolve;

import static org.assertj.core.api.Assertions.assertThat;

import io.aurum.identity.Anchor;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A node store writes what changed, and only that: each skipped write is a changelog record saved. */
class NodeStoreTest {
    private KeyValueStore<String, byte[]> bytes;
    private final List<String> writes = new ArrayList<>();
    private NodeStore<IdentifierNode> nodes;

    @BeforeEach
    void setUp() {
        bytes = Stores.keyValueStoreBuilder(
                        Stores.inMemoryKeyValueStore("resolver-identifiers"), Serdes.String(), Serdes.ByteArray())
                .withLoggingDisabled()
                .withCachingDisabled()
                .build();
        bytes.init(new MockProcessorContext<>().getStateStoreContext(), bytes);
        nodes = new NodeStore<>(counting(bytes), Codecs.IDENTIFIER_NODE);
    }

    @Test
    void aNodeWrittenBackAsItWasReadIsNotWritten() {
        stored("email=a@x.com", node(1, "crm:1"));

        IdentifierNode n = nodes.get("email=a@x.com");
        nodes.put("email=a@x.com", n);
        assertThat(writes).isEmpty();

        // A change to any field is a write, and the store then holds it.
        n.gen = 2;
        nodes.put("email=a@x.com", n);
        assertThat(writes).containsExactly("put email=a@x.com");
        nodes.forget();
        assertThat(nodes.get("email=a@x.com").gen).isEqualTo(2);
    }

    @Test
    void aNodeWrittenTwiceInOneInputIsWrittenOnce() {
        stored("email=a@x.com", node(1, "crm:1"));

        IdentifierNode n = nodes.get("email=a@x.com");
        n.holders.put("crm:2", new IdentifierNode.Holder(new Anchor(0, 0, "crm", "2"), Map.of()));
        nodes.put("email=a@x.com", n);
        nodes.put("email=a@x.com", n); // the same again: compared with what was just written
        assertThat(writes).containsExactly("put email=a@x.com");
    }

    @Test
    void aNodeNeverStoredIsNotDeletedButAStoredOneIs() {
        assertThat(nodes.get("phone=+15550001")).isNull();
        nodes.delete("phone=+15550001");
        assertThat(writes).isEmpty();

        stored("phone=+15550002", node(1, "crm:1"));
        assertThat(nodes.get("phone=+15550002")).isNotNull();
        nodes.delete("phone=+15550002");
        assertThat(writes).containsExactly("delete phone=+15550002");
        assertThat(bytes.get("phone=+15550002")).isNull();
    }

    @Test
    void withoutARead_orAfterForget_everyWriteGoesThrough() {
        // Another input (or a restored task) may have written the key since: nothing read means nothing known.
        nodes.put("email=a@x.com", node(1, "crm:1"));
        nodes.forget();
        nodes.put("email=a@x.com", node(1, "crm:1"));
        nodes.delete("email=b@x.com");
        assertThat(writes).containsExactly("put email=a@x.com", "put email=a@x.com", "delete email=b@x.com");
    }

    @Test
    void scansDecodeEveryNodeInKeyOrder() {
        nodes.put("b", node(2, "crm:2"));
        nodes.put("a", node(1, "crm:1"));
        nodes.put("c", node(3, "crm:3"));
        List<String> seen = new ArrayList<>();
        try (var it = nodes.range("b")) {
            it.forEachRemaining(kv -> seen.add(kv.key + "@" + kv.value.gen));
        }
        assertThat(seen).containsExactly("b@2", "c@3");
        seen.clear();
        try (var it = nodes.all()) {
            it.forEachRemaining(kv -> seen.add(kv.key + "@" + kv.value.gen));
        }
        assertThat(seen).containsExactly("a@1", "b@2", "c@3");
    }

    /** The node as an earlier input left it in the store; nothing read or written since. */
    private void stored(String key, IdentifierNode node) {
        nodes.put(key, node);
        nodes.forget();
        writes.clear();
    }

    private static IdentifierNode node(long gen, String holder) {
        IdentifierNode n = new IdentifierNode();
        n.gen = gen;
        n.holders.put(holder, new IdentifierNode.Holder(new Anchor(0, 0, "crm", holder), Map.of()));
        return n;
    }

    /** The store, recording each put and delete that reaches it. */
    @SuppressWarnings("unchecked")
    private KeyValueStore<String, byte[]> counting(KeyValueStore<String, byte[]> store) {
        return (KeyValueStore<String, byte[]>) Proxy.newProxyInstance(
                KeyValueStore.class.getClassLoader(), new Class<?>[] {KeyValueStore.class}, (proxy, method, args) -> {
                    if (method.getName().equals("put") || method.getName().equals("delete")) {
                        writes.add(method.getName() + " " + args[0]);
                    }
                    try {
                        return method.invoke(store, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }
}
