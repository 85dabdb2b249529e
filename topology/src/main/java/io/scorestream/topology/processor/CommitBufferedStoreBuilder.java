package io.scorestream.topology.processor;

import java.util.Map;
import java.util.Objects;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * Builds a {@link CommitBufferedKeyValueStore} over the stack Kafka Streams' public
 * {@link Stores#keyValueStoreBuilder} builds for a supplier, with logging on and the record cache
 * off: {@code CommitBuffered → Metered → ChangeLogging → (the supplier's store, e.g. RocksDB)}.
 *
 * <p>Why this order and not {@code Metered → CommitBuffered → ChangeLogging}: the metered and
 * change-logging layers' constructors are package-private in Kafka Streams ({@code
 * org.apache.kafka.streams.state.internals}), so the only reachable way to get a change-logging layer
 * is the public builder, which always puts the metered layer on top. The consequence: the store's
 * put/get metrics count what passes through to the layers below (write-downs, and reads of keys that
 * are not pending), not every call of the processor.
 *
 * <p>Topic creation reads {@link #loggingEnabled()} and {@link #logConfig()} from this builder (the
 * changelog is {@code <application.id>-<name>-changelog}, as for any logged store). The record cache
 * cannot be enabled (it would buffer the same writes a second time, below this layer's map).
 *
 * <p>Threading: used by the topology builder, then by stream threads calling {@link #build()} once per
 * task; each built store is owned by its task.
 */
final class CommitBufferedStoreBuilder implements StoreBuilder<KeyValueStore<Bytes, byte[]>> {

    private final StoreBuilder<KeyValueStore<Bytes, byte[]>> below;
    private final int maxPending;

    /**
     * @param supplier the bottom store (RocksDB for the aggregates)
     * @param maxPending pending keys beyond which a store writes down before the commit; at least 1
     */
    CommitBufferedStoreBuilder(KeyValueBytesStoreSupplier supplier, int maxPending) {
        Objects.requireNonNull(supplier, "supplier");
        if (maxPending < 1) {
            throw new IllegalArgumentException("maxPending must be at least 1, got " + maxPending);
        }
        this.below = Stores.keyValueStoreBuilder(supplier, Serdes.Bytes(), Serdes.ByteArray())
                .withCachingDisabled()
                .withLoggingEnabled(Map.of());
        this.maxPending = maxPending;
    }

    /** As the full constructor, with {@link CommitBufferedKeyValueStore#MAX_PENDING}. */
    CommitBufferedStoreBuilder(KeyValueBytesStoreSupplier supplier) {
        this(supplier, CommitBufferedKeyValueStore.MAX_PENDING);
    }

    /** @throws UnsupportedOperationException always: the map of this store takes the record cache's place */
    @Override
    public StoreBuilder<KeyValueStore<Bytes, byte[]>> withCachingEnabled() {
        throw new UnsupportedOperationException("store " + name() + ": the record cache cannot be enabled on a "
                + "commit-buffered store (its own map holds the writes until the commit)");
    }

    @Override
    public StoreBuilder<KeyValueStore<Bytes, byte[]>> withCachingDisabled() {
        return this;
    }

    @Override
    public StoreBuilder<KeyValueStore<Bytes, byte[]>> withLoggingEnabled(Map<String, String> config) {
        below.withLoggingEnabled(config);
        return this;
    }

    @Override
    public StoreBuilder<KeyValueStore<Bytes, byte[]>> withLoggingDisabled() {
        below.withLoggingDisabled();
        return this;
    }

    @Override
    public KeyValueStore<Bytes, byte[]> build() {
        return new CommitBufferedKeyValueStore(below.build(), maxPending);
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
