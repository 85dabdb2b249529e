package io.scorestream.topology.processor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.query.KeyQuery;
import org.apache.kafka.streams.query.PositionBound;
import org.apache.kafka.streams.query.QueryConfig;
import org.apache.kafka.streams.query.QueryResult;
import org.apache.kafka.streams.query.RangeQuery;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The commit-buffered layer over an in-memory store that records every write it receives. */
class CommitBufferedKeyValueStoreTest {

    private KeyValueStore<Bytes, byte[]> below;
    /** Keys written into the store below, one entry per key written (put, putAll entry or delete). */
    private final List<String> writesBelow = new ArrayList<>();
    private CommitBufferedKeyValueStore store;

    @BeforeEach
    void open() {
        below = Stores.inMemoryKeyValueStore("features").get();
        store = new CommitBufferedKeyValueStore(recording(below), 3);
        store.init(new MockProcessorContext<>().getStateStoreContext(), store);
    }

    /** {@code target}, recording in {@link #writesBelow} the key of every write that reaches it. */
    @SuppressWarnings("unchecked")
    private KeyValueStore<Bytes, byte[]> recording(KeyValueStore<Bytes, byte[]> target) {
        return (KeyValueStore<Bytes, byte[]>) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {KeyValueStore.class}, (proxy, method, args) -> {
                    switch (method.getName()) {
                        case "put", "delete", "putIfAbsent" -> writesBelow.add(text((Bytes) args[0]));
                        case "putAll" -> ((List<KeyValue<Bytes, byte[]>>) args[0])
                                .forEach(e -> writesBelow.add(text(e.key)));
                        default -> { }
                    }
                    try {
                        return method.invoke(target, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    private static Bytes key(String k) {
        return Bytes.wrap(k.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] value(String v) {
        return v.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(Bytes b) {
        return new String(b.get(), StandardCharsets.UTF_8);
    }

    private static List<String> drain(KeyValueIterator<Bytes, byte[]> it) {
        final List<String> out = new ArrayList<>();
        try (it) {
            while (it.hasNext()) {
                final KeyValue<Bytes, byte[]> e = it.next();
                out.add(text(e.key) + "=" + new String(e.value, StandardCharsets.UTF_8));
            }
        }
        return out;
    }

    @Test
    void servesPendingWritesAndWritesThemDownAtThePreCommitHook() {
        // given a write
        store.put(key("a"), value("1"));

        // then it is read back, and nothing has gone below yet
        assertArrayEquals(value("1"), store.get(key("a")));
        assertNull(below.get(key("a")));
        assertTrue(writesBelow.isEmpty());

        // when Kafka Streams prepares the commit
        store.flushCache();

        // then the key is below, written once
        assertArrayEquals(value("1"), below.get(key("a")));
        assertEquals(List.of("a"), writesBelow);
        assertEquals(0, store.pendingKeys());
    }

    @Test
    void writesAKeyWrittenManyTimesInACommitOnceWithItsLastValue() {
        // given a hot key written 50 times and a cold one once
        for (int i = 0; i < 50; i++) {
            store.put(key("hot"), value(Integer.toString(i)));
        }
        store.put(key("cold"), value("c"));

        // when the commit is prepared
        store.flushCache();

        // then each key went down once, with its last value
        assertEquals(2, writesBelow.size());
        assertTrue(writesBelow.containsAll(List.of("hot", "cold")));
        assertArrayEquals(value("49"), below.get(key("hot")));
        assertEquals(2, store.writtenDownKeys());

        // and a second commit with no write sends nothing
        store.flushCache();
        assertEquals(2, writesBelow.size());
    }

    @Test
    void writesDownEarlyBeyondTheBound() {
        // given a bound of 3 pending keys, when a fourth key is written
        store.put(key("a"), value("1"));
        store.put(key("b"), value("2"));
        store.put(key("c"), value("3"));
        assertTrue(writesBelow.isEmpty());
        store.put(key("d"), value("4"));

        // then all four went down before any commit
        assertEquals(4, writesBelow.size());
        assertEquals(0, store.pendingKeys());
        assertArrayEquals(value("4"), below.get(key("d")));
    }

    @Test
    void rewritingAPendingKeyDoesNotGrowTheMap() {
        for (int i = 0; i < 100; i++) {
            store.put(key("a"), value(Integer.toString(i)));
            store.put(key("b"), value(Integer.toString(i)));
        }
        assertEquals(2, store.pendingKeys());
        assertTrue(writesBelow.isEmpty());
    }

    @Test
    void deletesStoredAndPendingKeysAndWritesTheDeleteDown() {
        // given a key below and a pending one
        below.put(key("stored"), value("s"));
        store.put(key("pending"), value("p"));

        // when both are deleted
        assertArrayEquals(value("s"), store.delete(key("stored")));
        assertArrayEquals(value("p"), store.delete(key("pending")));

        // then neither is read, before or after the commit
        assertNull(store.get(key("stored")));
        assertNull(store.get(key("pending")));
        assertEquals(List.of(), drain(store.all()));
        store.flushCache();
        assertNull(below.get(key("stored")));
        assertNull(store.get(key("pending")));
        assertEquals(2, writesBelow.size());
    }

    @Test
    void keepsAnEmptyValueApartFromADelete() {
        store.put(key("e"), new byte[0]);
        assertArrayEquals(new byte[0], store.get(key("e")));
        store.flushCache();
        assertArrayEquals(new byte[0], below.get(key("e")));
    }

    @Test
    void rangeAndAllMergePendingWritesOverTheStoreBelowInOrder() {
        // given (with room for 10 pending keys) keys below, some replaced or deleted by pending writes,
        // and new pending keys
        store = new CommitBufferedKeyValueStore(recording(below), 10);
        below.put(key("b"), value("old"));
        below.put(key("d"), value("d"));
        below.put(key("f"), value("f"));
        store.put(key("b"), value("new"));
        store.delete(key("d"));
        store.put(key("a"), value("a"));
        store.put(key("e"), value("e"));

        // then every read sees the pending state, in key order, without writing anything down
        assertEquals(List.of("a=a", "b=new", "e=e", "f=f"), drain(store.all()));
        assertEquals(List.of("f=f", "e=e", "b=new", "a=a"), drain(store.reverseAll()));
        assertEquals(List.of("b=new", "e=e"), drain(store.range(key("b"), key("e"))));
        assertEquals(List.of("e=e", "b=new"), drain(store.reverseRange(key("b"), key("e"))));
        assertEquals(List.of("e=e", "f=f"), drain(store.range(key("c"), null)));
        assertEquals(List.of("a=a", "b=new"), drain(store.range(null, key("b"))));
        assertEquals(List.of(), drain(store.range(key("e"), key("b"))));
        assertTrue(writesBelow.isEmpty());
        assertEquals(4, store.pendingKeys());
    }

    @Test
    void prefixScanSeesPendingWrites() {
        below.put(key("ab"), value("1"));
        below.put(key("b"), value("2"));
        store.put(key("aa"), value("3"));
        store.put(key("ba"), value("4"));
        assertEquals(List.of("aa=3", "ab=1"), drain(store.prefixScan("a", new StringSerializer())));
        assertEquals(List.of("b=2", "ba=4"), drain(store.prefixScan("b", new StringSerializer())));
    }

    @Test
    void peekNextKeyDoesNotConsume() {
        store.put(key("a"), value("1"));
        below.put(key("b"), value("2"));
        try (KeyValueIterator<Bytes, byte[]> it = store.all()) {
            assertEquals("a", text(it.peekNextKey()));
            assertEquals("a", text(it.next().key));
            assertEquals("b", text(it.peekNextKey()));
            assertEquals("b", text(it.next().key));
            assertFalse(it.hasNext());
            assertThrows(java.util.NoSuchElementException.class, it::next);
        }
    }

    @Test
    void interactiveKeyAndRangeQueriesSeePendingWrites() {
        store.put(key("a"), value("1"));
        below.put(key("b"), value("2"));

        final QueryResult<byte[]> one = store.query(KeyQuery.withKey(key("a")), PositionBound.unbounded(),
                new QueryConfig(false));
        assertTrue(one.isSuccess());
        assertArrayEquals(value("1"), one.getResult());

        final QueryResult<KeyValueIterator<Bytes, byte[]>> range = store.query(RangeQuery.withNoBounds(),
                PositionBound.unbounded(), new QueryConfig(false));
        assertEquals(List.of("a=1", "b=2"), drain(range.getResult()));
        assertTrue(writesBelow.isEmpty());
    }

    @Test
    void closeDropsWritesThatWereNotCommitted() {
        // given a write after the last commit
        store.put(key("a"), value("1"));
        store.flushCache();
        store.put(key("b"), value("2"));

        // when the store is closed without a commit
        store.close();

        // then the uncommitted write never went down
        assertEquals(List.of("a"), writesBelow);
        assertFalse(store.isOpen());
    }

    @Test
    void clearCacheDropsPendingWrites() {
        store.put(key("a"), value("1"));
        store.clearCache();
        assertNull(store.get(key("a")));
        store.flushCache();
        assertTrue(writesBelow.isEmpty());
    }

    @Test
    void commitAndFlushWriteDownAnythingStillPending() {
        store.put(key("a"), value("1"));
        store.commit(Map.of());
        assertEquals(List.of("a"), writesBelow);
        store.put(key("b"), value("2"));
        store.flush();
        assertEquals(List.of("a", "b"), writesBelow);
        assertEquals(2, store.writtenDownAfterCommit());
    }

    @Test
    void countsPendingKeysInTheEstimate() {
        below.put(key("a"), value("1"));
        store.put(key("b"), value("2"));
        assertEquals(2, store.approximateNumEntries());
    }

    @Test
    void refusesABadBoundAndANullKey() {
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new CommitBufferedKeyValueStore(below, 0));
        assertTrue(e.getMessage().contains("maxPending"), e.getMessage());
        assertThrows(NullPointerException.class, () -> store.put(null, value("1")));
    }
}
