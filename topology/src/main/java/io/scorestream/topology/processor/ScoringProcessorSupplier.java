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

    /** Name of the buffer store; its changelog topic is {@code <application.id>-scoring-buffer-changelog}. */
    public static final String BUFFER_STORE = "scoring-buffer";

    private final ScoringSettings settings;
    private final ModelRegistry registry;
    private final FeatureEventSerde featureSerde;
    private final ScoringObserver observer;
    private final String scoresChild;
    private final String deadLetterChild;

    public ScoringProcessorSupplier(ScoringSettings settings, ModelRegistry registry, FeatureEventSerde featureSerde,
                                    ScoringObserver observer, String scoresChild, String deadLetterChild) {
        this.settings = settings;
        this.registry = registry;
        this.featureSerde = featureSerde;
        this.observer = observer;
        this.scoresChild = scoresChild;
        this.deadLetterChild = deadLetterChild;
    }

    @Override
    public Processor<byte[], FeatureEvent, byte[], Object> get() {
        return new ScoringProcessor(settings, registry, featureSerde, observer, BUFFER_STORE, scoresChild,
                deadLetterChild);
    }

    @Override
    public Set<StoreBuilder<?>> stores() {
        final StoreBuilder<KeyValueStore<Integer, byte[]>> buffer = Stores
                .keyValueStoreBuilder(Stores.inMemoryKeyValueStore(BUFFER_STORE), Serdes.Integer(), Serdes.ByteArray())
                .withCachingEnabled()
                .withLoggingEnabled(java.util.Map.of());
        return Set.of(buffer);
    }
}
