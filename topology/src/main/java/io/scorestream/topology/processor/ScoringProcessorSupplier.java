package io.scorestream.topology.processor;

import io.scorestream.inference.registry.ModelRegistry;
import io.scorestream.topology.serde.FeatureEvent;
import io.scorestream.topology.serde.FeatureEventSerde;
import java.util.Set;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * Supplies one {@link ScoringProcessor} per task, and declares its changelogged buffer store so the
 * topology connects it automatically: with {@link ScoringSettings#flushAtCommit()}, a
 * {@link CommitHookedBufferStore} (no record cache, Kafka Streams' pre-commit hook); otherwise an
 * in-memory store with the record cache on.
 */
public final class ScoringProcessorSupplier implements ProcessorSupplier<byte[], FeatureEvent, byte[], Object> {

    /** Name of the buffer store of a single-pipeline topology; its changelog topic is {@code <application.id>-scoring-buffer-changelog}. */
    public static final String BUFFER_STORE = "scoring-buffer";
    /** Name of the aggregates' store of a single-pipeline topology; its changelog is {@code <application.id>-scoring-features-changelog}. */
    public static final String FEATURES_STORE = "scoring-features";

    private final ScoringSettings settings;
    private final ModelPlans plans;
    private final FeatureEventSerde featureSerde;
    private final ScoringObserver observer;
    private final String storeName;
    private final String featuresStoreName;
    private final String scoresChild;
    private final String shadowChild;
    private final String deadLetterChild;

    /**
     * @param plans where each batch gets its model versions
     * @param storeName the buffer store (one per pipeline; see {@link #BUFFER_STORE})
     * @param featuresStoreName the store of the aggregates' state (RocksDB, changelogged; see
     *     {@link #FEATURES_STORE})
     * @param scoresChild, shadowChild, deadLetterChild the sink nodes scores, shadow scores and dead letters go to
     */
    public ScoringProcessorSupplier(ScoringSettings settings, ModelPlans plans, FeatureEventSerde featureSerde,
                                    ScoringObserver observer, String storeName, String featuresStoreName,
                                    String scoresChild, String shadowChild, String deadLetterChild) {
        this.settings = settings;
        this.plans = plans;
        this.featureSerde = featureSerde;
        this.observer = observer;
        this.storeName = storeName;
        this.featuresStoreName = featuresStoreName;
        this.scoresChild = scoresChild;
        this.shadowChild = shadowChild;
        this.deadLetterChild = deadLetterChild;
    }

    /** As the full constructor, with the features store named {@code <storeName>-features}. */
    public ScoringProcessorSupplier(ScoringSettings settings, ModelPlans plans, FeatureEventSerde featureSerde,
                                    ScoringObserver observer, String storeName, String scoresChild,
                                    String shadowChild, String deadLetterChild) {
        this(settings, plans, featureSerde, observer, storeName, storeName + "-features", scoresChild, shadowChild,
                deadLetterChild);
    }

    /** A supplier for the live model {@code settings.modelName()} of {@code registry}, with the default store name. */
    public ScoringProcessorSupplier(ScoringSettings settings, ModelRegistry registry, FeatureEventSerde featureSerde,
                                    ScoringObserver observer, String scoresChild, String shadowChild,
                                    String deadLetterChild) {
        this(settings, new LiveModelPlans(registry, settings.modelName()), featureSerde, observer, BUFFER_STORE,
                FEATURES_STORE, scoresChild, shadowChild, deadLetterChild);
    }

    @Override
    public Processor<byte[], FeatureEvent, byte[], Object> get() {
        return new ScoringProcessor(settings, plans, featureSerde, observer, storeName, featuresStoreName,
                scoresChild, shadowChild,
                deadLetterChild);
    }

    @Override
    public Set<StoreBuilder<?>> stores() {
        // Flushing at the commit: the open batch stays in the processor's memory and is scored when
        // the task prepares its commit; only records held while no version is live are written, at
        // that moment, so the store carries the pre-commit hook and has no record cache. Otherwise
        // every buffered record is written here (the cache coalesces slot rewrites between commits).
        final StoreBuilder<KeyValueStore<Integer, byte[]>> buffer = settings.flushAtCommit()
                ? new CommitHookedBufferStore.Builder(storeName)
                : Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(storeName), Serdes.Integer(),
                                Serdes.ByteArray())
                        .withCachingEnabled()
                        .withLoggingEnabled(java.util.Map.of());
        // The aggregates' state: per group key, time buckets of every aggregate of that group. On
        // disk (RocksDB: millions of keys and windows of days outgrow the heap), changelogged (so
        // exactly-once with the scores and restored on another instance). Not in Kafka Streams'
        // record cache: with many keys it saved about half the writes but cost sorted-map lookups
        // on every get, put, eviction and flush, and, once the aggregates had filled it (it is one
        // per thread, shared with the buffer store), every put into the buffer store evicted a
        // buffered record (written through to its changelog), since the cache evicts from the store
        // being written to. Instead, ABOVE the logging layer, CommitBufferedKeyValueStore keeps the
        // writes of the commit interval in a hash map (reads of pending keys served from it) and
        // writes each written key once into the changelog and RocksDB when the task prepares its
        // commit, inside the commit's transaction: a hot key written N times between two commits
        // sends one changelog record, not N. Opened by every task, written only when a live version
        // declares aggregates.
        final StoreBuilder<KeyValueStore<Bytes, byte[]>> features =
                new CommitBufferedStoreBuilder(Stores.persistentKeyValueStore(featuresStoreName));
        return Set.of(buffer, features);
    }
}
