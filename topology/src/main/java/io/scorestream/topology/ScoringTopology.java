package io.scorestream.topology;

import io.scorestream.inference.registry.ModelRegistry;
import io.scorestream.inference.registry.RegistryListener;
import io.scorestream.schemas.ModelSpec;
import io.scorestream.schemas.registry.SchemaRegistry;
import io.scorestream.schemas.serde.ConfluentAvroDeserializer;
import io.scorestream.schemas.serde.ScoreResultSerializer;
import io.scorestream.topology.processor.LiveModelPlans;
import io.scorestream.topology.processor.ModelPlans;
import io.scorestream.topology.processor.ModelSpecUpdater;
import io.scorestream.topology.processor.RegisteredFeatureSchemas;
import io.scorestream.topology.processor.ScoringObserver;
import io.scorestream.topology.processor.ScoringProcessorSupplier;
import io.scorestream.topology.serde.FeatureEventSerde;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import io.scorestream.topology.processor.RekeyProcessor;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * Builds the scoring topology; the application, the replay and the tests all call {@link #build}.
 *
 * <pre>
 *  feature topic(s) ─► features ─► scoring (ScoringProcessor + scoring-buffer store) ─┬─► scores sink
 *   (byte[] key, FeatureEvent)                                                         ├─► shadow-scores sink
 *                                                                                      └─► dead-letter sink
 *  model topic ─► model-specs (global store) ─► ModelSpecUpdater ─► ModelRegistry
 * </pre>
 *
 * A pipeline that {@linkplain PipelineSettings#repartitionBy() repartitions} reads its topics
 * through {@code group-by} (its events keyed by a field) and an internal repartition topic before
 * the scoring processor (see {@link #repartitioned}).
 *
 * One source, processor and buffer store per {@link PipelineSettings pipeline}; the pipeline named
 * {@value PipelineSettings#DEFAULT} uses the unsuffixed node names above, every other one the
 * names suffixed with {@code -<pipeline>}. The dead-letter sink is shared.
 */
public final class ScoringTopology {

    public static final String SOURCE = "features";
    public static final String PROCESSOR = "scoring";
    public static final String SCORES_SINK = "scores-sink";
    public static final String SHADOW_SINK = "shadow-scores-sink";
    public static final String DEAD_LETTER_SINK = "dead-letter-sink";
    public static final String MODEL_SOURCE = "model-specs-source";
    public static final String MODEL_UPDATER = "model-specs-updater";
    public static final String MODEL_STORE = "model-specs";
    /** The node giving events their group field as key, in a pipeline that repartitions. */
    public static final String REKEY = "group-by";

    private ScoringTopology() {
    }

    /**
     * The topology for {@code settings}, every pipeline scoring with what {@code registry} has live
     * for its model.
     *
     * @param registry live models; fed by the model topic, read by the scoring processors
     * @param schemas schema registry of the feature, score and model topics
     * @param observer metrics hooks
     * @param listener told about model specs that cannot even be decoded
     */
    public static Topology build(TopologySettings settings, ModelRegistry registry, SchemaRegistry schemas,
                                 ScoringObserver observer, RegistryListener listener) {
        return build(settings, p -> new LiveModelPlans(registry, p.scoring().modelName()), registry, schemas,
                observer, listener);
    }

    /**
     * The topology for {@code settings} with the model versions of each pipeline given by {@code plans}.
     *
     * @param plans the plans of a pipeline's batches (e.g. a replay's fixed versions)
     * @param registryOrNull what the model topic feeds; null only when {@code settings.modelTopic()} is null
     */
    public static Topology build(TopologySettings settings, Function<PipelineSettings, ModelPlans> plans,
                                 ModelRegistry registryOrNull, SchemaRegistry schemas, ScoringObserver observer,
                                 RegistryListener listener) {
        final FeatureEventSerde features = new FeatureEventSerde(schemas, fastDecode(settings.pipelines()));
        final Map<PipelineSettings, ModelPlans> planned = new LinkedHashMap<>();
        for (PipelineSettings p : settings.pipelines()) {
            planned.put(p, Objects.requireNonNull(plans.apply(p), "plans"));
        }
        final Topology topology = repartitioned(planned, features, observer);
        final List<String> processors = new ArrayList<>();
        for (PipelineSettings p : settings.pipelines()) {
            processors.add(addPipeline(topology, p, planned.get(p), features, schemas, observer));
        }
        topology.addSink(DEAD_LETTER_SINK, settings.deadLetterTopic(), new ByteArraySerializer(),
                new ByteArraySerializer(), processors.toArray(new String[0]));
        if (settings.modelTopic() != null) {
            addModelFeed(topology, settings, Objects.requireNonNull(registryOrNull,
                    "a registry is needed to read the model topic"), schemas, listener);
        }
        return topology;
    }

    /**
     * Whether events are read lazily (checked, decoded when a field is asked for): only when every
     * pipeline reads its features straight from the bytes, since one serde reads them all.
     */
    private static boolean fastDecode(List<PipelineSettings> pipelines) {
        for (PipelineSettings p : pipelines) {
            if (!p.scoring().fastDecode()) {
                return false;
            }
        }
        return true;
    }

    /**
     * The topology of one pipeline of {@code settings} alone, scoring with what {@code registry}
     * has live for its model: what one Kafka Streams client runs when each pipeline has its own
     * client (so one can be paused while the others score). With {@code feedsRegistry}, it also
     * reads the model topic into {@code registry}, checking versions against the input topics of
     * every pipeline of {@code settings}; exactly one of the clients should.
     *
     * @throws IllegalArgumentException if {@code settings} has no pipeline named {@code pipeline}
     */
    public static Topology buildPipeline(TopologySettings settings, String pipeline, boolean feedsRegistry,
                                         ModelRegistry registry, SchemaRegistry schemas, ScoringObserver observer,
                                         RegistryListener listener) {
        final PipelineSettings p = settings.pipelines().stream().filter(x -> x.name().equals(pipeline)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no pipeline named '" + pipeline + "'"));
        final FeatureEventSerde features = new FeatureEventSerde(schemas, p.scoring().fastDecode());
        final Map<PipelineSettings, ModelPlans> planned = Map.of(p, new LiveModelPlans(registry,
                p.scoring().modelName()));
        final Topology topology = repartitioned(planned, features, observer);
        final String processor = addPipeline(topology, p, planned.get(p), features, schemas, observer);
        topology.addSink(DEAD_LETTER_SINK, settings.deadLetterTopic(), new ByteArraySerializer(),
                new ByteArraySerializer(), processor);
        if (feedsRegistry && settings.modelTopic() != null) {
            addModelFeed(topology, settings, registry, schemas, listener);
        }
        return topology;
    }

    /**
     * A topology holding, for each pipeline that {@linkplain PipelineSettings#repartitionBy()
     * repartitions}, its source, the {@link RekeyProcessor} giving each event its group field as
     * key, Kafka Streams' own repartition through the internal topic
     * {@code <application.id>-<repartitionName>-repartition} (created with the input's partition
     * count, written and read under the processing guarantee, purged as it is consumed), and the
     * scoring processor reading it. Without such pipelines, an empty topology.
     */
    private static Topology repartitioned(Map<PipelineSettings, ModelPlans> planned, FeatureEventSerde features,
                                          ScoringObserver observer) {
        final StreamsBuilder builder = new StreamsBuilder();
        boolean any = false;
        for (Map.Entry<PipelineSettings, ModelPlans> e : planned.entrySet()) {
            final PipelineSettings p = e.getKey();
            if (p.repartitionBy() == null) {
                continue;
            }
            any = true;
            final String suffix = suffix(p);
            builder.stream(p.inputTopics(), Consumed.with(Serdes.ByteArray(), features).withName(SOURCE + suffix))
                    .process(RekeyProcessor.supplier(p.repartitionBy()), Named.as(REKEY + suffix))
                    .repartition(Repartitioned.with(Serdes.ByteArray(), features).withName(p.repartitionName()))
                    .process(scoringSupplier(p, e.getValue(), features, observer), Named.as(p.processorName()));
        }
        return any ? builder.build() : new Topology();
    }

    private static String suffix(PipelineSettings p) {
        return PipelineSettings.DEFAULT.equals(p.name()) ? "" : "-" + p.name();
    }

    private static ScoringProcessorSupplier scoringSupplier(PipelineSettings p, ModelPlans plans,
                                                            FeatureEventSerde features, ScoringObserver observer) {
        final String suffix = suffix(p);
        return new ScoringProcessorSupplier(p.scoring(), plans, features, observer, p.bufferStoreName(),
                p.featuresStoreName(), SCORES_SINK + suffix, SHADOW_SINK + suffix, DEAD_LETTER_SINK);
    }

    /**
     * Adds one pipeline's source and processor (with its buffer and features stores), unless
     * {@link #repartitioned} did, and its score sinks; returns the processor.
     */
    private static String addPipeline(Topology topology, PipelineSettings p, ModelPlans plans,
                                      FeatureEventSerde features, SchemaRegistry schemas, ScoringObserver observer) {
        final String suffix = suffix(p);
        final String source = SOURCE + suffix;
        final String processor = p.processorName();
        final String scoresSink = SCORES_SINK + suffix;
        final String shadowSink = SHADOW_SINK + suffix;
        if (p.repartitionBy() == null) {
            topology.addSource(source, new ByteArrayDeserializer(), features.deserializer(),
                    p.inputTopics().toArray(new String[0]));
            topology.addProcessor(processor, scoringSupplier(p, plans, features, observer), source);
        }
        topology.addSink(scoresSink, p.outputTopic(), new ByteArraySerializer(),
                ScoreResultSerializer.create(schemas, false), processor);
        topology.addSink(shadowSink, p.shadowTopic(), new ByteArraySerializer(),
                ScoreResultSerializer.create(schemas, false), processor);
        return processor;
    }

    /** Adds the model topic's global store, whose updater feeds {@code registry}. */
    private static void addModelFeed(Topology topology, TopologySettings settings, ModelRegistry registry,
                                     SchemaRegistry schemas, RegistryListener listener) {
        final StoreBuilder<KeyValueStore<String, byte[]>> modelStore = Stores
                .keyValueStoreBuilder(Stores.inMemoryKeyValueStore(MODEL_STORE), Serdes.String(), Serdes.ByteArray())
                .withLoggingDisabled();
        final ConfluentAvroDeserializer<ModelSpec> specs =
                ConfluentAvroDeserializer.specific(schemas, ModelSpec.class, false);
        topology.addGlobalStore(modelStore, MODEL_SOURCE, new StringDeserializer(), new ByteArrayDeserializer(),
                settings.modelTopic(), MODEL_UPDATER,
                () -> new ModelSpecUpdater(settings.modelTopic(), MODEL_STORE, registry, specs, listener,
                        new RegisteredFeatureSchemas(inputTopicsByModel(settings), schemas, registry)));
    }

    /** Each pipeline's model and the topics its records come from. */
    private static Map<String, List<String>> inputTopicsByModel(TopologySettings settings) {
        final Map<String, List<String>> byModel = new LinkedHashMap<>();
        for (PipelineSettings p : settings.pipelines()) {
            byModel.computeIfAbsent(p.scoring().modelName(), m -> new ArrayList<>()).addAll(p.inputTopics());
        }
        return byModel;
    }
}
