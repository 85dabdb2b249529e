package io.scorestream.topology.processor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The features store's write-coalescing layer over an in-memory inner store. */
class CoalescingBytesStoreTest {

    private KeyValueStore<Bytes, byte[]> inner;
    private CoalescingBytesStore store;

    @BeforeEach
    void open() {
        inner = Stores.inMemoryKeyValueStore("features").get();
        store = new CoalescingBytesStore(inner, 3);
        store.init(new MockProcessorContext<>().getStateStoreContext(), store);
    }

    private static Bytes key(String k) {
        return Bytes.wrap(k.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] value(String v) {
        return v.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void readsItsPendingWritesAndReachesTheInnerStoreAtFlush() {
        // given a write
        store.put(key("a"), value("1"));

        // then it is read back, but the inner store has nothing yet
        assertArrayEquals(value("1"), store.get(key("a")));
        assertNull(inner.get(key("a")));
        assertEquals(1, store.pendingKeys());

        // when Kafka Streams flushes the store
        store.flush();

        // then the inner store has it
        assertArrayEquals(value("1"), inner.get(key("a")));
        assertEquals(0, store.pendingKeys());
    }

    @Test
    void keepsOnlyTheLastWriteOfAKeyWithinACommit() {
        store.put(key("a"), value("1"));
        store.put(key("a"), value("2"));
        assertEquals(1, store.pendingKeys());

        store.commit(Map.of());

        assertArrayEquals(value("2"), inner.get(key("a")));
        assertEquals(0, store.pendingKeys());
    }

    @Test
    void deletesPendingAndStoredKeys() {
        // given a key in the inner store and a pending one
        inner.put(key("stored"), value("s"));
        store.put(key("pending"), value("p"));

        // when both are deleted
        assertArrayEquals(value("s"), store.delete(key("stored")));
        assertArrayEquals(value("p"), store.delete(key("pending")));

        // then neither is read, and the stored one leaves the inner store at the flush
        assertNull(store.get(key("stored")));
        assertNull(store.get(key("pending")));
        assertArrayEquals(value("s"), inner.get(key("stored")));
        store.flush();
        assertNull(inner.get(key("stored")));
        assertNull(inner.get(key("pending")));
    }

    @Test
    void aNullPutIsADelete() {
        inner.put(key("a"), value("1"));
        store.put(key("a"), null);
        assertNull(store.get(key("a")));
        store.flush();
        assertNull(inner.get(key("a")));
    }

    @Test
    void putIfAbsentSeesPendingWrites() {
        assertNull(store.putIfAbsent(key("a"), value("1")));
        assertArrayEquals(value("1"), store.putIfAbsent(key("a"), value("2")));
        assertArrayEquals(value("1"), store.get(key("a")));
    }

    @Test
    void rangesCountsAndIterationSeeEveryWrite() {
        // given one stored key, two pending and a pending delete of the stored one
        inner.put(key("a"), value("1"));
        store.put(key("b"), value("2"));
        store.put(key("c"), value("3"));
        store.delete(key("a"));

        // then iterating sees the pending state
        final List<String> keys = new ArrayList<>();
        try (KeyValueIterator<Bytes, byte[]> it = store.all()) {
            while (it.hasNext()) {
                final KeyValue<Bytes, byte[]> e = it.next();
                keys.add(new String(e.key.get(), StandardCharsets.UTF_8) + "=" + new String(e.value,
                        StandardCharsets.UTF_8));
            }
        }
        assertEquals(List.of("b=2", "c=3"), keys);
        try (KeyValueIterator<Bytes, byte[]> it = store.range(key("c"), null)) {
            assertTrue(it.hasNext());
            assertEquals(key("c"), it.next().key);
        }
        assertEquals(2, store.approximateNumEntries());
    }

    @Test
    void appliesItsWritesEarlyWhenTooManyKeysArePending() {
        // given a limit of 3 pending keys
        store.putAll(List.of(KeyValue.pair(key("a"), value("1")), KeyValue.pair(key("b"), value("2")),
                KeyValue.pair(key("c"), value("3"))));
        assertEquals(3, store.pendingKeys());
        assertNull(inner.get(key("a")));

        // when a fourth key is written
        store.put(key("d"), value("4"));

        // then all four are in the inner store
        assertEquals(0, store.pendingKeys());
        for (String k : List.of("a", "b", "c", "d")) {
            assertTrue(inner.get(key(k)) != null, k);
        }
    }

    @Test
    void reachesTheInnerStoreOnceABatchAndAppliesPendingWritesBeforeClosing() {
        // given an inner store that records the calls it gets
        final List<String> calls = new ArrayList<>();
        @SuppressWarnings("unchecked")
        final KeyValueStore<Bytes, byte[]> recording = (KeyValueStore<Bytes, byte[]>) Proxy.newProxyInstance(
                getClass().getClassLoader(), new Class<?>[] {KeyValueStore.class}, (proxy, method, args) -> {
                    if (method.getName().equals("putAll")) {
                        calls.add("putAll " + ((List<?>) args[0]).size());
                    } else if (method.getName().equals("put") || method.getName().equals("close")) {
                        calls.add(method.getName());
                    }
                    try {
                        return method.invoke(inner, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        final CoalescingBytesStore coalescing = new CoalescingBytesStore(recording, 100);

        // when a key is written three times and another once, then the store is flushed
        coalescing.put(key("a"), value("1"));
        coalescing.put(key("a"), value("2"));
        coalescing.put(key("b"), value("3"));
        coalescing.put(key("a"), value("4"));
        coalescing.flush();
        // and one more write is pending when the store closes
        coalescing.put(key("c"), value("5"));
        coalescing.close();

        // then the inner store got one batch of the two keys, then one of the last, then the close
        assertEquals(List.of("putAll 2", "putAll 1", "close"), calls);
    }

    @Test
    void refusesANonPositiveLimit() {
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new CoalescingBytesStore(inner, 0));
        assertTrue(e.getMessage().contains("maxPending"), e.getMessage());
    }
}
