package io.scorestream.app.config;

import java.util.List;
import java.util.Optional;

import io.scorestream.topology.PipelineSettings;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;

/**
 * The keys of group {@value #GROUP}: the topics read and written, and the field that identifies an
 * event. {@code input.topics}, {@code output.topic}, {@code shadow.topic} and
 * {@code event.id.field} configure the single pipeline, or are the defaults of the
 * {@link PipelinesConfig declared pipelines}' (which then refuse {@code input.topics}); the
 * dead-letter and model topics are shared by every pipeline.
 *
 * <p>An instance is the typed reading of these keys for one {@link ScorestreamConfig}
 * ({@link ScorestreamConfig#topics()}); the input topics of every pipeline are
 * {@link ScorestreamConfig#inputTopics()}. Immutable and thread-safe.
 */
public final class TopicsConfig {

    /** The group of these keys in the definition and the documentation. */
    public static final String GROUP = "Topics";

    public static final String INPUT_TOPICS_CONFIG = "input.topics";
    private static final String INPUT_TOPICS_DOC = "Topics of feature events to score (Avro, any schema), "
            + "comma-separated. Required without pipelines; not allowed with them (set "
            + "pipeline.<name>.input.topics).";

    public static final String OUTPUT_TOPIC_CONFIG = "output.topic";
    private static final String OUTPUT_TOPIC_DOC = "Topic the scores (ScoreResult) are written to; key and "
            + "timestamp are those of the input record.";

    public static final String SHADOW_TOPIC_CONFIG = "shadow.topic";
    private static final String SHADOW_TOPIC_DOC = "Topic the scores of a shadow candidate (a rollout's "
            + "challenger, whose scores do not decide anything) are written to. Empty: <output.topic>-shadow.";

    public static final String DEAD_LETTER_TOPIC_CONFIG = "dead.letter.topic";
    private static final String DEAD_LETTER_TOPIC_DOC = "Topic every record that cannot be scored is written "
            + "to, with the reason. Nothing is dropped.";

    public static final String MODEL_TOPIC_CONFIG = "model.topic";
    private static final String MODEL_TOPIC_DOC = "Compacted topic of model specs (key = model name, value = "
            + "ModelSpec; a tombstone retires the model).";

    public static final String SCORE_FEATURES_EMIT_CONFIG = "score.features.emit";
    private static final String SCORE_FEATURES_EMIT_DOC = "Whether each score carries the values of the "
            + "aggregates (behavioural features) its model version declares, as they were when the event was "
            + "scored (ScoreResult.features), so a decision can be explained and re-checked later. Costs a map "
            + "per score on the output topic.";
    public static final String REPARTITION_BY_CONFIG = "repartition.by";
    private static final String REPARTITION_BY_DOC = "A field of the input events whose value (as text) becomes "
            + "their key before scoring, through an internal repartition topic (<application.id>-scoring-features"
            + "[-<pipeline>]-repartition), so that aggregates grouped by that field see every event of a group "
            + "whatever the input topic is keyed by. Costs one more write and read of every event. Empty: the "
            + "events keep their keys, and aggregates grouped by a field need the input keyed by it.";
    public static final String EVENT_ID_FIELD_CONFIG = "event.id.field";
    private static final String EVENT_ID_FIELD_DOC = "Field of the input record copied into each score as its "
            + "event id. Empty: the id is topic-partition@offset.";

    private final List<String> inputTopics;
    private final String outputTopic;
    private final boolean shadowTopicGiven;
    private final String shadowTopic;
    private final String deadLetterTopic;
    private final String modelTopic;
    private final String eventIdField;
    private final boolean emitFeatures;
    private final String repartitionBy;

    TopicsConfig(final ConfigValues values) {
        final List<String> input = values.list(INPUT_TOPICS_CONFIG);
        this.inputTopics = input == null ? List.of() : input;
        this.outputTopic = values.string(OUTPUT_TOPIC_CONFIG);
        this.shadowTopicGiven = !values.string(SHADOW_TOPIC_CONFIG).isEmpty();
        this.shadowTopic = shadowTopicGiven
                ? values.string(SHADOW_TOPIC_CONFIG) : PipelineSettings.defaultShadowTopic(outputTopic);
        this.deadLetterTopic = values.string(DEAD_LETTER_TOPIC_CONFIG);
        this.modelTopic = values.string(MODEL_TOPIC_CONFIG);
        this.eventIdField = values.string(EVENT_ID_FIELD_CONFIG);
        this.emitFeatures = values.bool(SCORE_FEATURES_EMIT_CONFIG);
        this.repartitionBy = values.string(REPARTITION_BY_CONFIG);
    }

    /** Adds the keys of group {@value #GROUP} to {@code def}. */
    static void define(final ConfigDef def) {
        new ConfigGroup(def, GROUP)
                // Required unless pipelines is set, which PipelinesConfig checks (a ConfigDef cannot).
                .define(INPUT_TOPICS_CONFIG, Type.LIST, null, Validators.nullOr(Validators.topicList(), ""),
                        Importance.HIGH, INPUT_TOPICS_DOC)
                .define(OUTPUT_TOPIC_CONFIG, Type.STRING, "scores", Validators.kafkaName("a topic name"),
                        Importance.HIGH, OUTPUT_TOPIC_DOC)
                .define(SHADOW_TOPIC_CONFIG, Type.STRING, "", Validators.optionalTopicName(), Importance.LOW,
                        SHADOW_TOPIC_DOC)
                .define(DEAD_LETTER_TOPIC_CONFIG, Type.STRING, "scores-dlq", Validators.kafkaName("a topic name"),
                        Importance.HIGH, DEAD_LETTER_TOPIC_DOC)
                .define(MODEL_TOPIC_CONFIG, Type.STRING, "model-specs", Validators.kafkaName("a topic name"),
                        Importance.HIGH, MODEL_TOPIC_DOC)
                .define(EVENT_ID_FIELD_CONFIG, Type.STRING, "", Validators.noWhitespace(), Importance.LOW,
                        EVENT_ID_FIELD_DOC)
                .define(REPARTITION_BY_CONFIG, Type.STRING, "", Validators.noWhitespace(), Importance.LOW,
                        REPARTITION_BY_DOC)
                .define(SCORE_FEATURES_EMIT_CONFIG, Type.BOOLEAN, false, null, Importance.LOW,
                        SCORE_FEATURES_EMIT_DOC);
    }

    /** {@code input.topics}, unmodifiable; empty when not given (as with pipelines). */
    List<String> globalInputTopics() {
        return inputTopics;
    }

    /** {@code output.topic}: the output topic of the single pipeline, or the default of the pipelines'. */
    public String outputTopic() {
        return outputTopic;
    }

    /** Whether {@code shadow.topic} is set; when not, {@link #shadowTopic()} is {@code <output.topic>-shadow}. */
    boolean shadowTopicGiven() {
        return shadowTopicGiven;
    }

    /**
     * The shadow-scores topic of the single pipeline: {@code shadow.topic}, or, when that is empty,
     * {@code <output.topic>-shadow}. With pipelines see each {@link ScorestreamConfig#pipelines()
     * pipeline}'s.
     */
    public String shadowTopic() {
        return shadowTopic;
    }

    public String deadLetterTopic() {
        return deadLetterTopic;
    }

    public String modelTopic() {
        return modelTopic;
    }

    /** {@code repartition.by}: empty for none (with pipelines, the default of theirs). */
    String repartitionBy() {
        return repartitionBy;
    }

    /** {@code score.features.emit}: whether scores carry their aggregates' values. */
    public boolean emitFeatures() {
        return emitFeatures;
    }

    /**
     * The field copied into each score as its event id ({@code event.id.field}; with pipelines, the
     * default of theirs); empty means topic-partition@offset.
     */
    public Optional<String> eventIdField() {
        return eventIdField.isEmpty() ? Optional.empty() : Optional.of(eventIdField);
    }
}
