package io.scorestream.topology.processor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.query.KeyQuery;
import org.apache.kafka.streams.query.Position;
import org.apache.kafka.streams.query.PositionBound;
import org.apache.kafka.streams.query.Query;
import org.apache.kafka.streams.query.QueryConfig;
import org.apache.kafka.streams.query.QueryResult;
import org.apache.kafka.streams.query.RangeQuery;
import org.apache.kafka.streams.query.ResultOrder;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.internals.CacheFlushListener;
import org.apache.kafka.streams.state.internals.CachedStateStore;
import org.apache.kafka.streams.state.internals.MeteredStateStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A key-value store ABOVE Kafka Streams' change-logging layer that keeps the writes of a commit
 * interval in a hash map and writes each written key once into the layers below (metered →
 * change-logging → RocksDB, so once into the changelog and once into RocksDB) when Kafka Streams
 * prepares the task's commit. A key written N times between two commits sends one changelog record,
 * not N; reads of a pending key are answered from the map.
 *
 * <h2>When the pending writes go down, and why that keeps exactly-once</h2>
 * Read in Kafka Streams 4.3.1 (the version of the root pom): {@code TaskManager} commits a task as
 * {@code task.prepareCommit()}, then {@code commitOffsetsOrTransaction} (offsets sent to and the
 * transaction committed, under exactly-once), then {@code task.postCommit()}.
 * {@code StreamTask.prepareCommit} calls {@code StreamTask.flush()}, which is
 * {@code stateMgr.flushCache(); recordCollector.flush();}, and
 * {@code ProcessorStateManager.flushCache()} calls {@link CachedStateStore#flushCache()} on every
 * registered store that implements it. {@code StateStore.commit(Map)} (KIP-1035) is called only from
 * {@code postCommit} ({@code maybeCheckpoint → stateMgr.commit()}), i.e. after the transaction is
 * committed: too late. So this store implements {@link CachedStateStore} (a Kafka Streams internals
 * interface; there is no public pre-commit hook) and writes its pending keys down in
 * {@link #flushCache()}: their changelog records are sent before the record collector is flushed and
 * before the offsets and the transaction are committed, i.e. inside the commit's transaction. A crash
 * before the commit loses the map and leaves the input offsets uncommitted, so both replay from the
 * last commit. {@link #commit(Map)} and {@link #flush()} also write down anything pending (nothing,
 * in the order above) before delegating.
 *
 * <p>Beyond {@code maxPending} keys the map is written down early, from the writing (stream) thread,
 * so its changelog records are still in the open transaction. Restoration and standby tasks write
 * the changelog into RocksDB below this layer, which holds nothing then ({@link #init} and
 * {@link #clearCache()}, called when a task's state is recycled, empty the map).
 *
 * <h2>Close</h2>
 * {@link #close()} drops the pending writes, never writes them. A clean close always follows a commit
 * of the task (Kafka Streams refuses a clean close of a task that still needs a commit, and commits a
 * revoked task before it closes it), so nothing is pending then. Anything pending at close belongs to
 * a close without a commit (a dirty close after a failure, a fenced producer, a corrupted task): its
 * input offsets are not committed and will be processed again, so writing it would, under
 * exactly-once, send records into a transaction that is being aborted (and write RocksDB state that
 * is wiped), and under at-least-once put into the changelog an update that the replay applies a
 * second time. (Kafka Streams itself calls {@code flushCache} before some dirty closes, as for its own
 * record cache; under exactly-once those records are aborted with the transaction.)
 *
 * <h2>Reads</h2>
 * {@link #get} answers from the map, then from the store below. Range reads ({@link #range},
 * {@link #all}, their reverse forms, {@link #prefixScan}) merge a sorted copy of the matching pending
 * writes over the store below's iterator, so interactive queries and the processor see every write,
 * without writing anything from a reader's thread. Interactive queries of the {@link KeyQuery} and
 * {@link RangeQuery} kinds are answered the same way; other queries go to the store below and see what
 * has been written down. {@link #approximateNumEntries()} adds the pending keys to the store below's
 * estimate.
 *
 * <p>Changelog records written down carry the timestamp of the record being processed (or punctuated)
 * last before the write-down, not of the write itself: the changelog is compacted and restoring a
 * key-value store reads no timestamp.
 *
 * <p>Threading: written by its stream thread; interactive queries may read it from other threads, so
 * every method that touches the map holds the store's lock. Owns the store below (closes it).
 */
final class CommitBufferedKeyValueStore
        implements KeyValueStore<Bytes, byte[]>, CachedStateStore<Bytes, byte[]>, MeteredStateStore {

    /** Pending keys beyond which the map is written down before the commit (bounds the heap it takes). */
    static final int MAX_PENDING = 10_000;

    private static final Logger LOG = LoggerFactory.getLogger(CommitBufferedKeyValueStore.class);

    /** Marks a pending delete (compared by identity: a caller's empty array is a value). */
    private static final byte[] DELETED = new byte[0];

    private final KeyValueStore<Bytes, byte[]> inner;
    private final int maxPending;
    private final Map<Bytes, byte[]> pending = new HashMap<>();
    private long writtenDown;
    private long writtenDownAfterCommit;

    /**
     * @param inner the store below (from {@link CommitBufferedStoreBuilder}: metered, change-logging,
     *     RocksDB); owned by this store from now on
     * @param maxPending pending keys beyond which the map is written down early; at least 1
     */
    CommitBufferedKeyValueStore(KeyValueStore<Bytes, byte[]> inner, int maxPending) {
        this.inner = Objects.requireNonNull(inner, "inner");
        if (maxPending < 1) {
            throw new IllegalArgumentException("maxPending must be at least 1, got " + maxPending);
        }
        this.maxPending = maxPending;
    }

    /** Keys whose writes have not gone down to the changelog and RocksDB yet. */
    synchronized int pendingKeys() {
        return pending.size();
    }

    /** Keys written down since this store was created (one per key per write-down). */
    synchronized long writtenDownKeys() {
        return writtenDown;
    }

    /**
     * Keys that were still pending when {@link #commit(Map)} or {@link #flush()} ran (written down
     * there, i.e. after the transaction was committed): 0 while Kafka Streams calls
     * {@link #flushCache()} before every commit, as the class comment says.
     */
    synchronized long writtenDownAfterCommit() {
        return writtenDownAfterCommit;
    }

    /** Writes every pending key once into the store below, in one batch (a null value is a delete). */
    private void writePending() {
        if (pending.isEmpty()) {
            return;
        }
        final List<KeyValue<Bytes, byte[]>> batch = new ArrayList<>(pending.size());
        for (Map.Entry<Bytes, byte[]> e : pending.entrySet()) {
            batch.add(KeyValue.pair(e.getKey(), e.getValue() == DELETED ? null : e.getValue()));
        }
        inner.putAll(batch);
        writtenDown += batch.size();
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
            writePending();
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
        if (from != null && to != null && from.compareTo(to) > 0) {
            return inner.range(from, to); // empty, with the store below's warning
        }
        return new MergedIterator(pendingWithin(from, to, null, false), inner.range(from, to), false);
    }

    @Override
    public synchronized KeyValueIterator<Bytes, byte[]> reverseRange(Bytes from, Bytes to) {
        if (from != null && to != null && from.compareTo(to) > 0) {
            return inner.reverseRange(from, to);
        }
        return new MergedIterator(pendingWithin(from, to, null, true), inner.reverseRange(from, to), true);
    }

    @Override
    public synchronized KeyValueIterator<Bytes, byte[]> all() {
        return new MergedIterator(pendingWithin(null, null, null, false), inner.all(), false);
    }

    @Override
    public synchronized KeyValueIterator<Bytes, byte[]> reverseAll() {
        return new MergedIterator(pendingWithin(null, null, null, true), inner.reverseAll(), true);
    }

    @Override
    public synchronized <PS extends Serializer<P>, P> KeyValueIterator<Bytes, byte[]> prefixScan(P prefix,
                                                                                               PS prefixKeySerializer) {
        Objects.requireNonNull(prefix, "prefix");
        Objects.requireNonNull(prefixKeySerializer, "prefixKeySerializer");
        final byte[] raw = prefixKeySerializer.serialize(null, prefix);
        return new MergedIterator(pendingWithin(null, null, raw, false),
                inner.prefixScan(prefix, prefixKeySerializer), false);
    }

    /** A sorted copy of the pending writes with keys in [from, to] (null: unbounded) and the prefix (if any). */
    private List<KeyValue<Bytes, byte[]>> pendingWithin(Bytes from, Bytes to, byte[] prefix, boolean reverse) {
        final List<KeyValue<Bytes, byte[]>> out = new ArrayList<>();
        for (Map.Entry<Bytes, byte[]> e : pending.entrySet()) {
            final Bytes k = e.getKey();
            if ((from == null || k.compareTo(from) >= 0) && (to == null || k.compareTo(to) <= 0)
                    && (prefix == null || startsWith(k.get(), prefix))) {
                out.add(KeyValue.pair(k, e.getValue()));
            }
        }
        final Comparator<KeyValue<Bytes, byte[]>> byKey = (a, b) -> a.key.compareTo(b.key);
        out.sort(reverse ? byKey.reversed() : byKey);
        return out;
    }

    private static boolean startsWith(byte[] key, byte[] prefix) {
        return key.length >= prefix.length
                && Arrays.equals(key, 0, prefix.length, prefix, 0, prefix.length);
    }

    @Override
    public synchronized long approximateNumEntries() {
        final long below = inner.approximateNumEntries();
        final long sum = below + pending.size();
        return sum < 0 ? Long.MAX_VALUE : sum; // the store below may answer Long.MAX_VALUE
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

    /** Kafka Streams' pre-commit hook (see the class comment): writes the pending keys down. */
    @Override
    public synchronized void flushCache() {
        writePending();
    }

    /** Drops the pending writes: Kafka Streams calls it when the store below may have been written directly. */
    @Override
    public synchronized void clearCache() {
        pending.clear();
    }

    /** No listener: this store forwards nothing downstream. */
    @Override
    public boolean setFlushListener(CacheFlushListener<Bytes, byte[]> listener, boolean sendOldValues) {
        return false;
    }

    @Override
    @SuppressWarnings("deprecation")
    public synchronized void flush() {
        writtenDownAfterCommit += pending.size();
        writePending();
        inner.flush();
    }

    @Override
    public synchronized void commit(Map<TopicPartition, Long> changelogOffsets) {
        writtenDownAfterCommit += pending.size();
        writePending();
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
    public void recordRestoreTime(long restoreTimeNs) {
        if (inner instanceof MeteredStateStore) {
            ((MeteredStateStore) inner).recordRestoreTime(restoreTimeNs);
        }
    }

    @Override
    public synchronized void close() {
        try {
            if (!pending.isEmpty()) {
                // see the class comment: only a close without a commit gets here
                LOG.debug("Store {}: dropping {} key(s) written since the last commit (closed without a commit; "
                        + "their input is processed again)", name(), pending.size());
            }
            pending.clear();
        } finally {
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
    @SuppressWarnings("unchecked")
    public synchronized <R> QueryResult<R> query(Query<R> query, PositionBound positionBound, QueryConfig config) {
        final QueryResult<R> result;
        if (query instanceof KeyQuery) {
            final Object key = ((KeyQuery<?, ?>) query).getKey();
            if (!(key instanceof Bytes)) {
                return inner.query(query, positionBound, config);
            }
            result = (QueryResult<R>) QueryResult.forResult(get((Bytes) key));
        } else if (query instanceof RangeQuery) {
            final RangeQuery<?, ?> rq = (RangeQuery<?, ?>) query;
            final Object lower = rq.getLowerBound().orElse(null);
            final Object upper = rq.getUpperBound().orElse(null);
            if ((lower != null && !(lower instanceof Bytes)) || (upper != null && !(upper instanceof Bytes))) {
                return inner.query(query, positionBound, config);
            }
            final boolean descending = rq.resultOrder() == ResultOrder.DESCENDING;
            result = (QueryResult<R>) QueryResult.forResult(descending
                    ? reverseRange((Bytes) lower, (Bytes) upper) : range((Bytes) lower, (Bytes) upper));
        } else {
            return inner.query(query, positionBound, config);
        }
        result.setPosition(getPosition());
        return result;
    }

    @Override
    public Position getPosition() {
        return inner.getPosition();
    }

    /**
     * The pending writes (a sorted copy) merged over an iterator of the store below, in the same
     * order: a pending write replaces the key's value below, a pending delete hides it.
     */
    private static final class MergedIterator implements KeyValueIterator<Bytes, byte[]> {

        private final List<KeyValue<Bytes, byte[]>> pending;
        private final KeyValueIterator<Bytes, byte[]> below;
        private final boolean reverse;
        private int index;
        private KeyValue<Bytes, byte[]> next;

        MergedIterator(List<KeyValue<Bytes, byte[]>> pending, KeyValueIterator<Bytes, byte[]> below, boolean reverse) {
            this.pending = pending;
            this.below = below;
            this.reverse = reverse;
        }

        /** Orders keys in iteration order. */
        private int order(Bytes a, Bytes b) {
            final int c = a.compareTo(b);
            return reverse ? -c : c;
        }

        private KeyValue<Bytes, byte[]> advance() {
            while (true) {
                final KeyValue<Bytes, byte[]> p = index < pending.size() ? pending.get(index) : null;
                final Bytes b = below.hasNext() ? below.peekNextKey() : null;
                if (p == null && b == null) {
                    return null;
                }
                if (p == null || (b != null && order(b, p.key) < 0)) {
                    return below.next();
                }
                index++;
                if (b != null && order(b, p.key) == 0) {
                    below.next(); // replaced or deleted by the pending write
                }
                if (p.value != DELETED) {
                    return p;
                }
            }
        }

        @Override
        public boolean hasNext() {
            if (next == null) {
                next = advance();
            }
            return next != null;
        }

        @Override
        public KeyValue<Bytes, byte[]> next() {
            if (!hasNext()) {
                throw new NoSuchElementException("no more entries in the store");
            }
            final KeyValue<Bytes, byte[]> out = next;
            next = null;
            return out;
        }

        @Override
        public Bytes peekNextKey() {
            if (!hasNext()) {
                throw new NoSuchElementException("no more entries in the store");
            }
            return next.key;
        }

        @Override
        public void close() {
            below.close();
        }
    }
}
