package io.scorestream.app.config;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import io.scorestream.topology.PipelineSettings;
import io.scorestream.topology.TopologySettings;
import io.scorestream.topology.processor.ScoringSettings;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;

/**
 * The keys of group {@value #GROUP}: {@value #PIPELINES_CONFIG}, and the pattern keys
 * {@code pipeline.<name>.<setting>} of the pipelines it declares; read, with the topic, batching and
 * model keys they fall back to, into the {@link PipelineSettings} and {@link TopologySettings} the
 * topology is built from.
 *
 * <p>With {@value #PIPELINES_CONFIG} empty (the default) the application runs one pipeline, named
 * {@value PipelineSettings#DEFAULT}, from the global keys {@code input.topics}, {@code model.name},
 * {@code output.topic}, {@code shadow.topic}, {@code batch.max.records}, {@code batch.max.wait.ms}
 * and {@code event.id.field}. With {@code pipelines=fraud,credit}, each declared name {@code N} is
 * configured by the pattern keys {@code pipeline.N.<setting>}, {@code <setting>} being one of those
 * seven: {@code pipeline.N.input.topics} and {@code pipeline.N.model.name} are required (and the
 * global {@code input.topics} and {@code model.name} are refused, so that no key is silently
 * ignored); the others default to their global key ({@code pipeline.N.shadow.topic}: to
 * {@code shadow.topic}, or, when that is empty, {@code <the pipeline's output topic>-shadow}). Each
 * pattern key is validated like its global key. A {@code pipeline.X.*} key for an undeclared
 * {@code X}, or with an unknown setting, fails the start naming the key. The environment variable
 * of a pattern key follows the usual rule ({@code SCORESTREAM_PIPELINE_FRAUD_BATCH_MAX_RECORDS} sets
 * {@code pipeline.fraud.batch.max.records}); since the variable is upper-cased and {@code _} reads
 * back as {@code .}, only pipelines whose names have no upper-case letter and no {@code _} can be
 * configured from the environment.
 *
 * <p>Each topic has one role: an input topic is read by one pipeline and written by nobody; the
 * dead-letter and model topics are nobody else's. Pipelines may share an output or a shadow topic.
 *
 * <p>An instance is the typed reading of the pipelines for one {@link ScorestreamConfig}. Immutable
 * and thread-safe.
 */
public final class PipelinesConfig {

    /** The group of these keys in the definition and the documentation. */
    public static final String GROUP = "Pipelines";

    public static final String PIPELINES_CONFIG = "pipelines";
    private static final String PIPELINES_DOC = "Names of the scoring pipelines, comma-separated. Empty: one "
            + "pipeline, named default, from input.topics, model.name, output.topic, shadow.topic, "
            + "batch.max.records, batch.max.wait.ms and event.id.field. Otherwise each name N is configured "
            + "by the keys pipeline.N.* below, which fall back to those global keys (input.topics and "
            + "model.name are then not allowed). Each input topic belongs to one pipeline. A name also names "
            + "the pipeline's processor, buffer store (changelog) and Kafka Streams application id "
            + "(<application.id>-N): keep it stable.";

    /** Prefix of the per-pipeline keys, {@code pipeline.<name>.<setting>}. */
    public static final String PIPELINE_PREFIX = "pipeline.";

    /** The global keys required without {@value #PIPELINES_CONFIG}, and refused with it. */
    static final List<String> REPLACED_BY_PIPELINES =
            List.of(TopicsConfig.INPUT_TOPICS_CONFIG, ModelsConfig.MODEL_NAME_CONFIG);

    /**
     * The settings of a pipeline, each {@code pipeline.<name>.<suffix>}; the suffix is the name of the
     * global key it falls back to, whose type and validator it shares.
     */
    static final List<PatternKey> PATTERN_KEYS = List.of(
            new PatternKey(TopicsConfig.INPUT_TOPICS_CONFIG, Type.LIST, Validators.topicList(), true, Importance.HIGH,
                    "Topics of feature events this pipeline scores, comma-separated. A topic belongs to one "
                            + "pipeline."),
            new PatternKey(ModelsConfig.MODEL_NAME_CONFIG, Type.STRING, Validators.nonBlank(), true, Importance.HIGH,
                    "Name of the model (key on the model topic) that scores this pipeline's topics."),
            new PatternKey(TopicsConfig.OUTPUT_TOPIC_CONFIG, Type.STRING, Validators.kafkaName("a topic name"), false,
                    Importance.HIGH, "Topic this pipeline's scores are written to."),
            new PatternKey(TopicsConfig.SHADOW_TOPIC_CONFIG, Type.STRING, Validators.optionalTopicName(), false,
                    Importance.LOW, "Topic this pipeline's shadow-candidate scores are written to. Empty (and "
                            + "shadow.topic empty): <this pipeline's output topic>-shadow."),
            new PatternKey(BatchingConfig.BATCH_MAX_RECORDS_CONFIG, Type.INT, Range.between(1, 65536), false,
                    Importance.MEDIUM, "This pipeline's batch.max.records."),
            new PatternKey(BatchingConfig.BATCH_MAX_WAIT_MS_CONFIG, Type.LONG, Range.atLeast(0), false,
                    Importance.MEDIUM, "This pipeline's batch.max.wait.ms; its Kafka Streams client's producer "
                            + "linger.ms is derived from it as from batch.max.wait.ms."),
            new PatternKey(TopicsConfig.EVENT_ID_FIELD_CONFIG, Type.STRING, Validators.noWhitespace(), false,
                    Importance.LOW, "This pipeline's event.id.field."),
            new PatternKey(TopicsConfig.REPARTITION_BY_CONFIG, Type.STRING, Validators.noWhitespace(), false,
                    Importance.LOW, "This pipeline's repartition.by."));

    private final List<PipelineSettings> pipelines;
    private final TopologySettings topologySettings;
    private final List<String> inputTopics;

    /**
     * @param values the parsed values, the declared pipelines' keys included
     * @param declared the value of {@value #PIPELINES_CONFIG}
     * @param given the keys given (not defaulted), to say in messages where a pipeline's value came from
     * @throws ConfigException naming both keys when a topic has two roles
     */
    PipelinesConfig(final ConfigValues values, final List<String> declared, final Set<String> given,
                    final TopicsConfig topics, final BatchingConfig batching, final ModelsConfig models) {
        final List<PipelineDraft> drafts = declared.isEmpty()
                ? List.of(globalDraft(topics, batching, models)) : drafts(values, declared, given);
        checkTopicRoles(drafts, topics.deadLetterTopic(), topics.modelTopic());
        this.pipelines = pipelineSettings(drafts, topics.emitFeatures(), batching.fastDecode(),
                batching.flushAtCommit(), batching.pipelined());
        try {
            this.topologySettings = new TopologySettings(pipelines, topics.deadLetterTopic(), topics.modelTopic());
        } catch (IllegalArgumentException e) {
            throw new ConfigException("Invalid " + PIPELINES_CONFIG + ": " + e.getMessage());
        }
        final List<String> all = new ArrayList<>();
        for (final PipelineSettings p : pipelines) {
            all.addAll(p.inputTopics());
        }
        this.inputTopics = List.copyOf(all);
    }

    /** Adds the keys of group {@value #GROUP} to {@code def}: {@value #PIPELINES_CONFIG} (the pattern keys vary). */
    static void define(final ConfigDef def) {
        new ConfigGroup(def, GROUP)
                .define(PIPELINES_CONFIG, Type.LIST, "", Validators.pipelineNames(), Importance.MEDIUM,
                        PIPELINES_DOC);
    }

    /** The key of setting {@code setting} (a global key's name, e.g. {@code batch.max.records}) of pipeline {@code pipeline}. */
    public static String pipelineKey(final String pipeline, final String setting) {
        return PIPELINE_PREFIX + pipeline + "." + setting;
    }

    // ---- before parsing: which keys there are -------------------------------------------------

    /**
     * The value of {@value #PIPELINES_CONFIG} in {@code originals}, validated alone first, as
     * {@code def} defines it: every other key's meaning depends on it. Empty when not given.
     */
    static List<String> declared(final ConfigDef def, final Map<String, ?> originals,
                                 final Map<String, String> sources) {
        if (!originals.containsKey(PIPELINES_CONFIG)) {
            return List.of();
        }
        final Object value = originals.get(PIPELINES_CONFIG);
        KeyMessages.validate(def, PIPELINES_CONFIG, value, sources);
        @SuppressWarnings("unchecked")
        final List<String> names = (List<String>) ConfigDef.parseType(PIPELINES_CONFIG, value, Type.LIST);
        return List.copyOf(names);
    }

    /** Every key the declared pipelines take, pipeline by pipeline. */
    static Set<String> keyNames(final List<String> declared) {
        final Set<String> names = new LinkedHashSet<>();
        for (final String pipeline : declared) {
            for (final PatternKey pk : PATTERN_KEYS) {
                names.add(pipelineKey(pipeline, pk.suffix()));
            }
        }
        return names;
    }

    /**
     * Adds to {@code problems} each of the {@linkplain #REPLACED_BY_PIPELINES replaced global keys}
     * missing without pipelines or given with them, and each required pipeline key missing.
     *
     * @param givenKeys the defined keys given; {@code givenPipelineKeys}: the pipelines' keys given
     */
    static void checkPresence(final List<String> declared, final Set<String> givenKeys,
                              final Set<String> givenPipelineKeys, final Map<String, String> sources,
                              final List<String> problems) {
        for (final String key : REPLACED_BY_PIPELINES) {
            if (declared.isEmpty() && !givenKeys.contains(key)) {
                problems.add(KeyMessages.missing(key));
            } else if (!declared.isEmpty() && givenKeys.contains(key)) {
                problems.add("Configuration key '" + key + "'" + KeyMessages.from(sources, key)
                        + " is not allowed when '" + PIPELINES_CONFIG + "' is set: set "
                        + pipelineKeysText(declared, key) + " instead");
            }
        }
        for (final String pipeline : declared) {
            for (final PatternKey pk : PATTERN_KEYS) {
                final String key = pipelineKey(pipeline, pk.suffix());
                if (pk.required() && !givenPipelineKeys.contains(key)) {
                    problems.add(KeyMessages.missing(key));
                }
            }
        }
    }

    /**
     * {@code def} plus, for each declared pipeline, its keys: typed and validated like the global
     * keys they are named after, defaulting to their parsed values ({@code globals}).
     */
    static ConfigDef withPatternKeys(final ConfigDef def, final List<String> declared,
                                     final Map<String, Object> globals) {
        final ConfigDef withPipelines = new ConfigDef(def);
        final ConfigGroup group = new ConfigGroup(withPipelines, GROUP);
        for (final String pipeline : declared) {
            for (final PatternKey pk : PATTERN_KEYS) {
                group.define(pipelineKey(pipeline, pk.suffix()), pk.type(),
                        pk.required() ? ConfigDef.NO_DEFAULT_VALUE : globals.get(pk.suffix()), pk.validator(),
                        pk.importance(), pk.doc());
            }
        }
        return withPipelines;
    }

    /**
     * Why {@code key}, which starts with {@value #PIPELINE_PREFIX} but is no declared pipeline's key,
     * is refused; suggesting the closest of {@code candidates}.
     */
    static String unknownKeyMessage(final String key, final List<String> declared,
                                    final Collection<String> candidates, final Map<String, String> sources) {
        final boolean fromEnv = KeyMessages.fromEnvironment(sources, key);
        final StringBuilder msg = KeyMessages.unknown(key, sources);
        final String rest = key.substring(PIPELINE_PREFIX.length());
        final List<String> settings = new ArrayList<>();
        String pipeline = null;
        for (final PatternKey pk : PATTERN_KEYS) {
            settings.add(pk.suffix());
            if (rest.endsWith("." + pk.suffix()) && rest.length() > pk.suffix().length() + 1) {
                pipeline = rest.substring(0, rest.length() - pk.suffix().length() - 1);
            }
        }
        String owner = null;
        for (final String d : declared) {
            if (rest.startsWith(d + ".") && (owner == null || d.length() > owner.length())) {
                owner = d;
            }
        }
        if (pipeline != null) {
            msg.append(": pipeline '").append(pipeline).append("' is not declared in '").append(PIPELINES_CONFIG)
                    .append("' (").append(declared.isEmpty() ? "which is empty"
                            : "declared: " + String.join(", ", declared)).append(')');
        } else if (owner != null) {
            msg.append(": '").append(rest.substring(owner.length() + 1)).append("' is not a setting of pipeline '")
                    .append(owner).append("' (").append(String.join(", ", settings)).append(')');
        } else {
            msg.append(": pipeline keys are ").append(PIPELINE_PREFIX).append("<name>.<setting>, <name> declared in '")
                    .append(PIPELINES_CONFIG).append("' and <setting> one of ").append(String.join(", ", settings));
        }
        final String closest = KeyMessages.closestKey(key, candidates);
        if (closest != null) {
            KeyMessages.suggest(msg, closest, fromEnv
                    && closest.equals(ScorestreamConfig.keyOfEnv(ScorestreamConfig.envName(closest))));
        }
        if (fromEnv && pipeline != null) {
            for (final String d : declared) {
                if (d.toLowerCase(Locale.ROOT).replace('_', '.').equals(pipeline) && !d.equals(pipeline)) {
                    msg.append("; pipeline '").append(d).append("' cannot be configured from the environment (an ")
                            .append("environment variable cannot spell upper-case letters or '_' in a pipeline ")
                            .append("name): set its keys in the properties file or with --set");
                }
            }
        }
        return msg.toString();
    }

    /** {@code pipeline.<each declared>.<setting>}, for messages. */
    private static String pipelineKeysText(final List<String> declared, final String setting) {
        final List<String> keys = new ArrayList<>();
        for (final String pipeline : declared) {
            keys.add("'" + pipelineKey(pipeline, setting) + "'");
        }
        return String.join(", ", keys);
    }

    // ---- reading ------------------------------------------------------------------------------

    /** The scoring pipelines, in declaration order; non-empty, unmodifiable. */
    List<PipelineSettings> pipelines() {
        return pipelines;
    }

    TopologySettings topologySettings() {
        return topologySettings;
    }

    /** Every pipeline's input topics, pipeline by pipeline; unmodifiable. */
    List<String> inputTopics() {
        return inputTopics;
    }

    /** The first pipeline's model. */
    String firstModelName() {
        return pipelines.get(0).scoring().modelName();
    }

    /** The distinct models the pipelines score with, in pipeline order; unmodifiable. */
    List<String> modelNames() {
        final Set<String> names = new LinkedHashSet<>();
        for (final PipelineSettings p : pipelines) {
            names.add(p.scoring().modelName());
        }
        return List.copyOf(names);
    }

    /** The single pipeline, {@value PipelineSettings#DEFAULT}, of the global keys. */
    private static PipelineDraft globalDraft(final TopicsConfig topics, final BatchingConfig batching,
                                             final ModelsConfig models) {
        final Map<String, String> keys = new HashMap<>();
        for (final PatternKey pk : PATTERN_KEYS) {
            keys.put(pk.suffix(), pk.suffix());
        }
        if (!topics.shadowTopicGiven()) {
            keys.put(TopicsConfig.SHADOW_TOPIC_CONFIG, TopicsConfig.SHADOW_TOPIC_CONFIG + " (empty: "
                    + TopicsConfig.OUTPUT_TOPIC_CONFIG + "-shadow)");
        }
        return new PipelineDraft(PipelineSettings.DEFAULT, keys, topics.globalInputTopics(), models.globalModelName(),
                topics.outputTopic(), topics.shadowTopic(), batching.maxRecords(), batching.maxWaitMs(),
                topics.eventIdField().orElse(""), topics.repartitionBy());
    }

    /** What each declared pipeline is configured with, before any cross-key check. */
    private static List<PipelineDraft> drafts(final ConfigValues values, final List<String> declared,
                                              final Set<String> given) {
        final List<PipelineDraft> drafts = new ArrayList<>();
        for (final String pipeline : declared) {
            final Map<String, String> keys = new HashMap<>();
            for (final PatternKey pk : PATTERN_KEYS) {
                final String key = pipelineKey(pipeline, pk.suffix());
                keys.put(pk.suffix(), given.contains(key) ? key : key + " (defaulting to " + pk.suffix() + ")");
            }
            final String outputKey = pipelineKey(pipeline, TopicsConfig.OUTPUT_TOPIC_CONFIG);
            final String shadowKey = pipelineKey(pipeline, TopicsConfig.SHADOW_TOPIC_CONFIG);
            final String output = values.string(outputKey);
            String shadow = values.string(shadowKey);
            if (shadow.isEmpty()) {
                shadow = PipelineSettings.defaultShadowTopic(output);
                keys.put(TopicsConfig.SHADOW_TOPIC_CONFIG, shadowKey + " (defaulting to " + outputKey + "-shadow)");
            }
            drafts.add(new PipelineDraft(pipeline, keys,
                    values.list(pipelineKey(pipeline, TopicsConfig.INPUT_TOPICS_CONFIG)),
                    values.string(pipelineKey(pipeline, ModelsConfig.MODEL_NAME_CONFIG)), output, shadow,
                    values.integer(pipelineKey(pipeline, BatchingConfig.BATCH_MAX_RECORDS_CONFIG)),
                    values.longValue(pipelineKey(pipeline, BatchingConfig.BATCH_MAX_WAIT_MS_CONFIG)),
                    values.string(pipelineKey(pipeline, TopicsConfig.EVENT_ID_FIELD_CONFIG)),
                    values.string(pipelineKey(pipeline, TopicsConfig.REPARTITION_BY_CONFIG))));
        }
        return drafts;
    }

    /**
     * Each topic has one role (see the class comment); the message names both keys involved, each
     * saying when its value is a global key's default.
     */
    private static void checkTopicRoles(final List<PipelineDraft> drafts, final String deadLetterTopic,
                                        final String modelTopic) {
        final Map<String, TopicClaim> claims = new LinkedHashMap<>();
        for (final PipelineDraft d : drafts) {
            for (final String topic : d.inputTopics()) {
                claim(claims, topic, TopicRole.INPUT, d.key(TopicsConfig.INPUT_TOPICS_CONFIG));
            }
        }
        for (final PipelineDraft d : drafts) {
            claim(claims, d.outputTopic(), TopicRole.OUTPUT, d.key(TopicsConfig.OUTPUT_TOPIC_CONFIG));
            claim(claims, d.shadowTopic(), TopicRole.SHADOW, d.key(TopicsConfig.SHADOW_TOPIC_CONFIG));
        }
        claim(claims, deadLetterTopic, TopicRole.OTHER, TopicsConfig.DEAD_LETTER_TOPIC_CONFIG);
        claim(claims, modelTopic, TopicRole.OTHER, TopicsConfig.MODEL_TOPIC_CONFIG);
    }

    private static void claim(final Map<String, TopicClaim> claims, final String topic, final TopicRole role,
                              final String key) {
        final TopicClaim other = claims.putIfAbsent(topic, new TopicClaim(role, key));
        if (other == null || (other.role() == role && (role == TopicRole.OUTPUT || role == TopicRole.SHADOW))) {
            return;
        }
        if (other.role() == TopicRole.INPUT && role == TopicRole.INPUT) {
            throw new ConfigException(key, topic, "the topic is also listed in " + other.key()
                    + "; each input topic belongs to one pipeline");
        }
        throw new ConfigException(key, topic, "the topic is also " + (other.role() == TopicRole.INPUT
                ? "listed in " + other.key() : other.key()) + "; each topic has one role");
    }

    private static List<PipelineSettings> pipelineSettings(final List<PipelineDraft> drafts,
                                                           final boolean emitFeatures,
                                                           final boolean fastDecode,
                                                           final boolean flushAtCommit,
                                                           final boolean pipelined) {
        final List<PipelineSettings> out = new ArrayList<>(drafts.size());
        for (final PipelineDraft d : drafts) {
            try {
                out.add(new PipelineSettings(d.name(), d.inputTopics(), d.outputTopic(), d.shadowTopic(),
                        new ScoringSettings(d.modelName(), d.batchMaxRecords(), d.batchMaxWaitMs(),
                                d.eventIdField().isEmpty() ? null : d.eventIdField())
                                .withFeaturesEmitted(emitFeatures).withFastDecode(fastDecode)
                                .withFlushAtCommit(flushAtCommit).withPipelined(pipelined), d.repartitionBy()));
            } catch (IllegalArgumentException e) {
                // The checks above should have caught it; this keeps the promise of a ConfigException.
                throw new ConfigException("Invalid pipeline '" + d.name() + "': " + e.getMessage());
            }
        }
        return List.copyOf(out);
    }

    /** A setting of a pipeline: its suffix (the global key it falls back to), type, validator, doc. */
    record PatternKey(String suffix, Type type, ConfigDef.Validator validator, boolean required,
                      Importance importance, String doc) {
    }

    /**
     * One pipeline's values, with, by setting, the key that gave each (for messages; it says when
     * the value is a global key's default).
     */
    private record PipelineDraft(String name, Map<String, String> keys, List<String> inputTopics, String modelName,
                                 String outputTopic, String shadowTopic, int batchMaxRecords, long batchMaxWaitMs,
                                 String eventIdField, String repartitionBy) {
        String key(final String setting) {
            return keys.get(setting);
        }
    }

    private enum TopicRole { INPUT, OUTPUT, SHADOW, OTHER }

    private record TopicClaim(TopicRole role, String key) {
    }
}
