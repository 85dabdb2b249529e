package io.scorestream.topology.processor;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.internals.CacheFlushListener;
import org.apache.kafka.streams.state.internals.MeteredStateStore;
import org.apache.kafka.streams.state.internals.WrappedStateStore;

/**
 * The scoring processor's buffer store when it {@linkplain ScoringSettings#flushAtCommit() flushes at
 * the commit}: the store Kafka Streams' public builder makes ({@code Metered → ChangeLogging →
 * in-memory}, record cache off), with Kafka Streams' pre-commit hook on top. Reads and writes go
 * straight through, so every write reaches the changelog at once, inside the open transaction.
 *
 * <p>The hook: {@code StreamTask.prepareCommit} calls {@code ProcessorStateManager.flushCache()},
 * which calls {@link #flushCache()} of every registered store implementing {@code CachedStateStore},
 * before the record collector is flushed and before the offsets (and, under exactly-once, the
 * transaction) are committed; {@link CommitBufferedKeyValueStore}'s class comment has the sequence
 * as read in Kafka Streams 4.3.1. This store calls back the {@link Runnable} its task's processor
 * {@linkplain #onPrepareCommit registered} there, so the processor scores and forwards what it
 * buffered, and writes what it cannot score (held records) into this store, before the commit. With
 * no callback registered (a standby task, a task not initialised yet) the hook does nothing.
 *
 * <p>An exception thrown by the callback escapes {@link #flushCache()}: the commit fails, as a failed
 * punctuation would fail the task.
 *
 * <p>Threading: owned by one task; its stream thread calls every method. Owns the store below
 * (closes it).
 */
final class CommitHookedBufferStore extends WrappedStateStore<KeyValueStore<Integer, byte[]>, Integer, byte[]>
        implements KeyValueStore<Integer, byte[]>, MeteredStateStore {

    private Runnable onPrepareCommit;

    /** @param inner the store below (metered, change-logging, in-memory); owned by this store from now on */
    CommitHookedBufferStore(KeyValueStore<Integer, byte[]> inner) {
        super(Objects.requireNonNull(inner, "inner"));
    }

    /**
     * Registers what runs when the task prepares its commit; null unregisters (the processor closes).
     * One callback at a time: a new one replaces the previous one.
     */
    void onPrepareCommit(Runnable callback) {
        this.onPrepareCommit = callback;
    }

    /**
     * Finds this store under the decorators Kafka Streams puts around a store it hands a processor.
     *
     * @return the store, or null if {@code store} is not (and wraps no) commit-hooked buffer store
     */
    static CommitHookedBufferStore find(StateStore store) {
        StateStore s = store;
        while (s != null) {
            if (s instanceof CommitHookedBufferStore hooked) {
                return hooked;
            }
            s = s instanceof WrappedStateStore<?, ?, ?> w ? w.wrapped() : null;
        }
        return null;
    }

    /** Kafka Streams' pre-commit hook (see the class comment): runs the processor's callback. */
    @Override
    public void flushCache() {
        final Runnable callback = onPrepareCommit;
        if (callback != null) {
            callback.run();
        }
        super.flushCache();
    }

    /** No listener: this store forwards nothing by itself. */
    @Override
    public boolean setFlushListener(CacheFlushListener<Integer, byte[]> listener, boolean sendOldValues) {
        return false;
    }

    @Override
    public void close() {
        onPrepareCommit = null;
        super.close();
    }

    @Override
    public void recordRestoreTime(long restoreTimeNs) {
        if (wrapped() instanceof MeteredStateStore metered) {
            metered.recordRestoreTime(restoreTimeNs);
        }
    }

    @Override
    public void put(Integer key, byte[] value) {
        wrapped().put(key, value);
    }

    @Override
    public byte[] putIfAbsent(Integer key, byte[] value) {
        return wrapped().putIfAbsent(key, value);
    }

    @Override
    public void putAll(List<KeyValue<Integer, byte[]>> entries) {
        wrapped().putAll(entries);
    }

    @Override
    public byte[] delete(Integer key) {
        return wrapped().delete(key);
    }

    @Override
    public byte[] get(Integer key) {
        return wrapped().get(key);
    }

    @Override
    public KeyValueIterator<Integer, byte[]> range(Integer from, Integer to) {
        return wrapped().range(from, to);
    }

    @Override
    public KeyValueIterator<Integer, byte[]> reverseRange(Integer from, Integer to) {
        return wrapped().reverseRange(from, to);
    }

    @Override
    public KeyValueIterator<Integer, byte[]> all() {
        return wrapped().all();
    }

    @Override
    public KeyValueIterator<Integer, byte[]> reverseAll() {
        return wrapped().reverseAll();
    }

    @Override
    public <PS extends Serializer<P>, P> KeyValueIterator<Integer, byte[]> prefixScan(P prefix,
                                                                                     PS prefixKeySerializer) {
        return wrapped().prefixScan(prefix, prefixKeySerializer);
    }

    @Override
    public long approximateNumEntries() {
        return wrapped().approximateNumEntries();
    }

    /**
     * Builds a {@link CommitHookedBufferStore} named {@code name} over an in-memory store, changelogged
     * ({@code <application.id>-<name>-changelog}), record cache off (the writes must reach the
     * changelog inside the commit that writes them; the cache cannot be enabled). Used by the topology
     * builder, then by stream threads calling {@link #build()} once per task.
     */
    static final class Builder implements StoreBuilder<KeyValueStore<Integer, byte[]>> {

        private final StoreBuilder<KeyValueStore<Integer, byte[]>> below;

        Builder(String name) {
            this.below = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(name), Serdes.Integer(),
                    Serdes.ByteArray()).withCachingDisabled().withLoggingEnabled(Map.of());
        }

        /** @throws UnsupportedOperationException always: the held records must reach the changelog in their commit */
        @Override
        public StoreBuilder<KeyValueStore<Integer, byte[]>> withCachingEnabled() {
            throw new UnsupportedOperationException("store " + name() + ": the record cache cannot be enabled on "
                    + "the commit-hooked buffer store (its writes must reach the changelog in the commit that makes them)");
        }

        @Override
        public StoreBuilder<KeyValueStore<Integer, byte[]>> withCachingDisabled() {
            return this;
        }

        @Override
        public StoreBuilder<KeyValueStore<Integer, byte[]>> withLoggingEnabled(Map<String, String> config) {
            below.withLoggingEnabled(config);
            return this;
        }

        /** @throws UnsupportedOperationException always: held records must survive a restart */
        @Override
        public StoreBuilder<KeyValueStore<Integer, byte[]>> withLoggingDisabled() {
            throw new UnsupportedOperationException("store " + name() + ": the commit-hooked buffer store must be "
                    + "changelogged (held records survive restarts through it)");
        }

        @Override
        public KeyValueStore<Integer, byte[]> build() {
            return new CommitHookedBufferStore(below.build());
        }

        @Override
        public Map<String, String> logConfig() {
            return below.logConfig();
        }

        @Override
        public boolean loggingEnabled() {
            return below.loggingEnabled();
        }

        @Override
        public String name() {
            return below.name();
        }
    }
}
