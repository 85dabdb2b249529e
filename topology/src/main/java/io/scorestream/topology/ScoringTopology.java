package io.scorestream.topology;

import io.scorestream.inference.registry.ModelRegistry;
import io.scorestream.inference.registry.RegistryListener;
import io.scorestream.schemas.ModelSpec;
import io.scorestream.schemas.ScoreResult;
import io.scorestream.schemas.registry.SchemaRegistry;
import io.scorestream.schemas.serde.ConfluentAvroDeserializer;
import io.scorestream.schemas.serde.ConfluentAvroSerializer;
import io.scorestream.topology.processor.ModelSpecUpdater;
import io.scorestream.topology.processor.ScoringObserver;
import io.scorestream.topology.processor.ScoringProcessorSupplier;
import io.scorestream.topology.serde.FeatureEventSerde;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * Builds the scoring topology; the application and the tests both call {@link #build}.
 *
 * <pre>
 *  feature topic(s) ─► features ─► scoring (ScoringProcessor + scoring-buffer store) ─┬─► scores sink
 *   (byte[] key, FeatureEvent)                                                         └─► dead-letter sink
 *  model topic ─► model-specs (global store) ─► ModelSpecUpdater ─► ModelRegistry
 * </pre>
 */
public final class ScoringTopology {

    public static final String SOURCE = "features";
    public static final String PROCESSOR = "scoring";
    public static final String SCORES_SINK = "scores-sink";
    public static final String DEAD_LETTER_SINK = "dead-letter-sink";
    public static final String MODEL_SOURCE = "model-specs-source";
    public static final String MODEL_UPDATER = "model-specs-updater";
    public static final String MODEL_STORE = "model-specs";

    private ScoringTopology() {
    }

    /**
     * The topology for {@code settings}.
     *
     * @param registry live models; fed by the model topic, read by the scoring processors
     * @param schemas schema registry of the feature, score and model topics
     * @param observer metrics hooks
     * @param listener told about model specs that cannot even be decoded
     */
    public static Topology build(TopologySettings settings, ModelRegistry registry, SchemaRegistry schemas,
                                 ScoringObserver observer, RegistryListener listener) {
        final Topology topology = new Topology();
        final FeatureEventSerde features = new FeatureEventSerde(schemas);

        topology.addSource(SOURCE, new ByteArrayDeserializer(), features.deserializer(),
                settings.inputTopics().toArray(new String[0]));
        topology.addProcessor(PROCESSOR, new ScoringProcessorSupplier(settings.scoring(), registry, features, observer,
                SCORES_SINK, DEAD_LETTER_SINK), SOURCE);
        topology.addSink(SCORES_SINK, settings.outputTopic(), new ByteArraySerializer(),
                ConfluentAvroSerializer.specific(schemas, ScoreResult.class, false), PROCESSOR);
        topology.addSink(DEAD_LETTER_SINK, settings.deadLetterTopic(), new ByteArraySerializer(),
                new ByteArraySerializer(), PROCESSOR);

        final StoreBuilder<KeyValueStore<String, byte[]>> modelStore = Stores
                .keyValueStoreBuilder(Stores.inMemoryKeyValueStore(MODEL_STORE), Serdes.String(), Serdes.ByteArray())
                .withLoggingDisabled();
        final ConfluentAvroDeserializer<ModelSpec> specs =
                ConfluentAvroDeserializer.specific(schemas, ModelSpec.class, false);
        topology.addGlobalStore(modelStore, MODEL_SOURCE, new StringDeserializer(), new ByteArrayDeserializer(),
                settings.modelTopic(), MODEL_UPDATER,
                () -> new ModelSpecUpdater(settings.modelTopic(), MODEL_STORE, registry, specs, listener));
        return topology;
    }
}
