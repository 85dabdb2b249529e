package io.scorestream.topology.processor;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.query.Position;
import org.apache.kafka.streams.query.PositionBound;
import org.apache.kafka.streams.query.Query;
import org.apache.kafka.streams.query.QueryConfig;
import org.apache.kafka.streams.query.QueryResult;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * A key-value store in front of another (RocksDB) that holds the writes since the last commit in a
 * hash map and applies them to the inner store in one batch ({@link KeyValueStore#putAll}) when Kafka
 * Streams flushes or commits the store, or when more than {@link #MAX_PENDING} keys are pending. A key
 * written several times in one commit interval is written to the inner store once, and a read of a
 * pending key does not reach the inner store.
 *
 * <p>It sits below Kafka Streams' change-logging layer (see {@link #supplier}), so every write is
 * still sent to the changelog when it happens: the changelog, not the inner store, is what a restore
 * or an exactly-once commit relies on, and Kafka Streams flushes every store before it writes a
 * checkpoint. Range reads, counts and interactive queries first apply the pending writes, so they see
 * everything written.
 *
 * <p>Threading: written by its stream thread; interactive queries may read it from other threads, so
 * every method holds the store's lock. Owns the inner store (closes it, after applying the pending
 * writes).
 */
final class CoalescingBytesStore implements KeyValueStore<Bytes, byte[]> {

    /** Pending keys beyond which the writes are applied before the commit (bounds the heap it takes). */
    static final int MAX_PENDING = 10_000;

    /** Marks a pending delete (compared by identity: a caller's empty array is a value). */
    private static final byte[] DELETED = new byte[0];

    private final KeyValueStore<Bytes, byte[]> inner;
    private final int maxPending;
    private final Map<Bytes, byte[]> pending = new HashMap<>();

    CoalescingBytesStore(KeyValueStore<Bytes, byte[]> inner) {
        this(inner, MAX_PENDING);
    }

    CoalescingBytesStore(KeyValueStore<Bytes, byte[]> inner, int maxPending) {
        this.inner = Objects.requireNonNull(inner, "inner");
        if (maxPending < 1) {
            throw new IllegalArgumentException("maxPending must be at least 1, got " + maxPending);
        }
        this.maxPending = maxPending;
    }

    /**
     * A supplier of these stores over the stores {@code inner} supplies (same name and metrics
     * scope), for {@link org.apache.kafka.streams.state.Stores#keyValueStoreBuilder}, whose logging
     * layer then wraps this one.
     */
    static KeyValueBytesStoreSupplier supplier(KeyValueBytesStoreSupplier inner) {
        Objects.requireNonNull(inner, "inner");
        return new KeyValueBytesStoreSupplier() {
            @Override
            public String name() {
                return inner.name();
            }

            @Override
            public KeyValueStore<Bytes, byte[]> get() {
                return new CoalescingBytesStore(inner.get());
            }

            @Override
            public String metricsScope() {
                return inner.metricsScope();
            }
        };
    }

    /** Keys whose writes have not reached the inner store yet. */
    synchronized int pendingKeys() {
        return pending.size();
    }

    /** Applies the pending writes to the inner store, in one batch. */
    private void applyPending() {
        if (pending.isEmpty()) {
            return;
        }
        final List<KeyValue<Bytes, byte[]>> batch = new ArrayList<>(pending.size());
        for (Map.Entry<Bytes, byte[]> e : pending.entrySet()) {
            // a null value is a delete in putAll
            batch.add(KeyValue.pair(e.getKey(), e.getValue() == DELETED ? null : e.getValue()));
        }
        inner.putAll(batch);
        pending.clear();
    }

    @Override
    public synchronized byte[] get(Bytes key) {
        final byte[] v = pending.get(key);
        if (v != null) {
            return v == DELETED ? null : v;
        }
        return inner.get(key);
    }

    @Override
    public synchronized void put(Bytes key, byte[] value) {
        Objects.requireNonNull(key, "key");
        pending.put(key, value == null ? DELETED : value);
        if (pending.size() > maxPending) {
            applyPending();
        }
    }

    @Override
    public synchronized byte[] putIfAbsent(Bytes key, byte[] value) {
        final byte[] old = get(key);
        if (old == null) {
            put(key, value);
        }
        return old;
    }

    @Override
    public synchronized void putAll(List<KeyValue<Bytes, byte[]>> entries) {
        for (KeyValue<Bytes, byte[]> e : entries) {
            put(e.key, e.value);
        }
    }

    @Override
    public synchronized byte[] delete(Bytes key) {
        final byte[] old = get(key);
        put(key, null);
        return old;
    }

    @Override
    public synchronized KeyValueIterator<Bytes, byte[]> range(Bytes from, Bytes to) {
        applyPending();
        return inner.range(from, to);
    }

    @Override
    public synchronized KeyValueIterator<Bytes, byte[]> reverseRange(Bytes from, Bytes to) {
        applyPending();
        return inner.reverseRange(from, to);
    }

    @Override
    public synchronized KeyValueIterator<Bytes, byte[]> all() {
        applyPending();
        return inner.all();
    }

    @Override
    public synchronized KeyValueIterator<Bytes, byte[]> reverseAll() {
        applyPending();
        return inner.reverseAll();
    }

    @Override
    public synchronized <PS extends Serializer<P>, P> KeyValueIterator<Bytes, byte[]> prefixScan(P prefix,
                                                                                               PS prefixKeySerializer) {
        applyPending();
        return inner.prefixScan(prefix, prefixKeySerializer);
    }

    @Override
    public synchronized long approximateNumEntries() {
        applyPending();
        return inner.approximateNumEntries();
    }

    @Override
    public String name() {
        return inner.name();
    }

    @Override
    public synchronized void init(StateStoreContext context, StateStore root) {
        pending.clear();
        inner.init(context, root);
    }

    @Override
    public synchronized void flush() {
        applyPending();
        inner.flush();
    }

    @Override
    public synchronized void commit(Map<TopicPartition, Long> changelogOffsets) {
        applyPending();
        inner.commit(changelogOffsets);
    }

    @Override
    public synchronized Long committedOffset(TopicPartition partition) {
        return inner.committedOffset(partition);
    }

    @Override
    public boolean managesOffsets() {
        return inner.managesOffsets();
    }

    @Override
    public synchronized void close() {
        try {
            if (inner.isOpen()) {
                applyPending();
            }
        } finally {
            // a store that is opened again (a revived task) starts from what the inner store holds
            pending.clear();
            inner.close();
        }
    }

    @Override
    public boolean persistent() {
        return inner.persistent();
    }

    @Override
    public boolean isOpen() {
        return inner.isOpen();
    }

    @Override
    public synchronized <R> QueryResult<R> query(Query<R> query, PositionBound positionBound, QueryConfig config) {
        applyPending();
        return inner.query(query, positionBound, config);
    }

    @Override
    public Position getPosition() {
        return inner.getPosition();
    }
}
