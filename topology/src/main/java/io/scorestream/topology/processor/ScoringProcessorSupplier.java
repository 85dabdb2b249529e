package io.scorestream.topology.processor;

import io.scorestream.inference.registry.ModelRegistry;
import io.scorestream.topology.serde.FeatureEvent;
import io.scorestream.topology.serde.FeatureEventSerde;
import java.util.Set;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * Supplies one {@link ScoringProcessor} per task, and declares its changelogged buffer store so the
 * topology connects it automatically.
 */
public final class ScoringProcessorSupplier implements ProcessorSupplier<byte[], FeatureEvent, byte[], Object> {

    /** Name of the buffer store of a single-pipeline topology; its changelog topic is {@code <application.id>-scoring-buffer-changelog}. */
    public static final String BUFFER_STORE = "scoring-buffer";

    private final ScoringSettings settings;
    private final ModelPlans plans;
    private final FeatureEventSerde featureSerde;
    private final ScoringObserver observer;
    private final String storeName;
    private final String scoresChild;
    private final String shadowChild;
    private final String deadLetterChild;

    /**
     * @param plans where each batch gets its model versions
     * @param storeName the buffer store (one per pipeline; see {@link #BUFFER_STORE})
     * @param scoresChild, shadowChild, deadLetterChild the sink nodes scores, shadow scores and dead letters go to
     */
    public ScoringProcessorSupplier(ScoringSettings settings, ModelPlans plans, FeatureEventSerde featureSerde,
                                    ScoringObserver observer, String storeName, String scoresChild,
                                    String shadowChild, String deadLetterChild) {
        this.settings = settings;
        this.plans = plans;
        this.featureSerde = featureSerde;
        this.observer = observer;
        this.storeName = storeName;
        this.scoresChild = scoresChild;
        this.shadowChild = shadowChild;
        this.deadLetterChild = deadLetterChild;
    }

    /** A supplier for the live model {@code settings.modelName()} of {@code registry}, with the default store name. */
    public ScoringProcessorSupplier(ScoringSettings settings, ModelRegistry registry, FeatureEventSerde featureSerde,
                                    ScoringObserver observer, String scoresChild, String shadowChild,
                                    String deadLetterChild) {
        this(settings, new LiveModelPlans(registry, settings.modelName()), featureSerde, observer, BUFFER_STORE,
                scoresChild, shadowChild, deadLetterChild);
    }

    @Override
    public Processor<byte[], FeatureEvent, byte[], Object> get() {
        return new ScoringProcessor(settings, plans, featureSerde, observer, storeName, scoresChild, shadowChild,
                deadLetterChild);
    }

    @Override
    public Set<StoreBuilder<?>> stores() {
        final StoreBuilder<KeyValueStore<Integer, byte[]>> buffer = Stores
                .keyValueStoreBuilder(Stores.inMemoryKeyValueStore(storeName), Serdes.Integer(), Serdes.ByteArray())
                .withCachingEnabled()
                .withLoggingEnabled(java.util.Map.of());
        return Set.of(buffer);
    }
}
