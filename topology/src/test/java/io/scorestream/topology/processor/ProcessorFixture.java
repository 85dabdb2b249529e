package io.scorestream.topology.processor;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;

/**
 * The scoring processor's surroundings for tests that run it alone on a
 * {@link MockProcessorContext}: its batch-buffer store, and a context holding that store. One
 * store object handed to two contexts in turn plays a task's store and the changelog-restored
 * store of its next incarnation. Stateless.
 */
public final class ProcessorFixture {

    /** The mock wall-clock time every {@link #context} starts at. */
    public static final long SYSTEM_TIME_MS = 1_000_000L;

    private ProcessorFixture() {
    }

    /**
     * A new, not yet initialised in-memory {@link ScoringProcessorSupplier#BUFFER_STORE} without
     * logging or caching. {@link #context} initialises it on first use.
     */
    public static KeyValueStore<Integer, byte[]> bufferStore() {
        return Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(ScoringProcessorSupplier.BUFFER_STORE),
                Serdes.Integer(), Serdes.ByteArray()).withLoggingDisabled().withCachingDisabled().build();
    }

    /**
     * A fresh context holding {@code store} (initialised on it if not open yet), its wall clock at
     * {@link #SYSTEM_TIME_MS}.
     */
    public static MockProcessorContext<byte[], Object> context(KeyValueStore<Integer, byte[]> store) {
        final MockProcessorContext<byte[], Object> ctx = new MockProcessorContext<>();
        if (!store.isOpen()) {
            store.init(ctx.getStateStoreContext(), store);
        }
        ctx.addStateStore(store);
        ctx.setCurrentSystemTimeMs(SYSTEM_TIME_MS);
        return ctx;
    }
}
