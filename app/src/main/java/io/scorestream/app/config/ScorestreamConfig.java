package io.scorestream.app.config;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;

import io.scorestream.topology.PipelineSettings;
import io.scorestream.topology.TopologySettings;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.ConfigKey;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every setting of the application, defined once in one {@link ConfigDef} (type, default,
 * validator, importance, documentation and group per key) and read once into this typed, immutable
 * view: the single entry point to the configuration.
 *
 * <h2>Parts</h2>
 * Each group of keys is owned by one part, which holds the keys' constants, defines them
 * ({@code define(ConfigDef)}) and reads them into typed values: {@link KafkaStreamsConfig} (with the
 * {@code kafka.*} pass-through), {@link TopicsConfig}, {@link BatchingConfig},
 * {@link PipelinesConfig} (with the {@code pipeline.<name>.*} pattern keys),
 * {@link SchemaRegistryConfig}, {@link InferenceConfig}, {@link ModelsConfig},
 * {@link MetricsConfig} and {@link FleetStatusConfig}. This class assembles the one definition from the parts, in the order of the
 * groups in the {@linkplain #documentation() documentation}, reads a configuration with it, and
 * hands out each part's reading ({@link #kafka()}, {@link #models()}, ...) and the pipelines built
 * from them ({@link #pipelines()}, {@link #topologySettings()}).
 *
 * <h2>Sources and precedence</h2>
 * {@link #load(Path, Map, Map)} reads three layers, later ones winning:
 * <ol>
 *   <li>a properties file (UTF-8);</li>
 *   <li>environment variables {@code SCORESTREAM_<KEY>}, where {@code KEY} is the configuration key
 *       upper-cased with {@code .} replaced by {@code _} ({@code SCORESTREAM_BATCH_MAX_RECORDS} sets
 *       {@code batch.max.records}, {@code SCORESTREAM_KAFKA_SECURITY_PROTOCOL} sets
 *       {@code kafka.security.protocol}, {@code SCORESTREAM_PIPELINE_FRAUD_BATCH_MAX_RECORDS} sets
 *       {@code pipeline.fraud.batch.max.records});</li>
 *   <li>command-line overrides.</li>
 * </ol>
 * {@link #of(Map)} takes one map, for tests and embedding.
 *
 * <h2>Failing at start</h2>
 * Every problem is a {@link ConfigException} whose message names the key: an unknown key (with the
 * closest defined key when one is a small edit away), an unknown {@code SCORESTREAM_*} variable, a
 * missing required key, a value of the wrong type or out of range, a {@code kafka.*} key whose setting
 * Kafka does not know (unless {@value KafkaStreamsConfig#UNKNOWN_KEYS_CONFIG} is
 * {@value KafkaStreamsConfig#UNKNOWN_KEYS_WARN}: then it is passed on, and logged as a WARN once the
 * configuration is read). Where the value came from (file, variable, override) is appended to the
 * message.
 *
 * <h2>Secrets</h2>
 * Values of {@link Type#PASSWORD} keys, and of keys whose name contains {@code password},
 * {@code jaas}, {@code secret}, {@code key}, {@code user.info}, {@code credential} or
 * {@code token}, never appear in {@link #toString()} or {@link #redacted()}; log the latter.
 *
 * <p>Immutable and thread-safe. The lazily computed values, the temporary
 * {@linkplain KafkaStreamsConfig#stateDir() state directory} and the
 * {@linkplain ModelsConfig#artifactCache() artifact cache} (which creates its directory), are
 * created at most once per instance.
 */
public final class ScorestreamConfig {

    /** Prefix of the environment variables read by {@link #load(Path, Map, Map)}. */
    public static final String ENV_PREFIX = "SCORESTREAM_";

    /** Name fragments that mark a value as secret (matched on the lower-cased key). */
    private static final List<String> SECRET_MARKERS =
            List.of("password", "jaas", "secret", "key", "user.info", "credential", "token");

    private static final ConfigDef CONFIG_DEF = buildConfigDef();

    private static final Logger LOG = LoggerFactory.getLogger(ScorestreamConfig.class);

    /** {@link #CONFIG_DEF} plus the keys of this configuration's declared pipelines. */
    private final ConfigDef definition;
    private final ConfigValues values;
    private final KafkaStreamsConfig kafka;
    private final TopicsConfig topics;
    private final BatchingConfig batching;
    private final SchemaRegistryConfig schemaRegistry;
    private final InferenceConfig inference;
    private final ModelsConfig models;
    private final MetricsConfig metrics;
    private final FleetStatusConfig fleetStatus;
    private final PipelinesConfig pipelines;

    private ScorestreamConfig(final Map<String, ?> originals, final Map<String, String> sources) {
        final List<String> declared = PipelinesConfig.declared(CONFIG_DEF, originals, sources);
        final Set<String> pipelineKeyNames = PipelinesConfig.keyNames(declared);
        final List<String> knownKeys = new ArrayList<>(CONFIG_DEF.names());
        knownKeys.addAll(pipelineKeyNames);
        final Map<String, Object> defined = new HashMap<>();
        final Map<String, Object> definedPipelineKeys = new HashMap<>();
        final Map<String, Object> kafkaOverrides = new TreeMap<>();
        final boolean passUnknownKafkaKeys = KafkaStreamsConfig.passesUnknownKeys(CONFIG_DEF, originals, sources);
        final List<String> problems = new ArrayList<>();
        final List<String> warnings = new ArrayList<>();
        for (final Map.Entry<String, ?> e : originals.entrySet()) {
            final String key = e.getKey();
            if (CONFIG_DEF.names().contains(key)) {
                defined.put(key, e.getValue());
            } else if (pipelineKeyNames.contains(key)) {
                definedPipelineKeys.put(key, e.getValue());
            } else if (key.startsWith(PipelinesConfig.PIPELINE_PREFIX)) {
                problems.add(PipelinesConfig.unknownKeyMessage(key, declared, knownKeys, sources));
            } else if (key.startsWith(KafkaStreamsConfig.KAFKA_PREFIX)) {
                final String problem = KafkaStreamsConfig.passThroughProblem(key, sources, passUnknownKafkaKeys);
                if (problem == null) {
                    kafkaOverrides.put(KafkaStreamsConfig.clientKey(key), e.getValue());
                    final String warning = KafkaStreamsConfig.unknownKeyWarning(key, sources);
                    if (warning != null) {
                        warnings.add(warning);
                    }
                } else {
                    problems.add(problem);
                }
            } else {
                problems.add(KeyMessages.unknownKey(key, sources, knownKeys));
            }
        }
        for (final ConfigKey k : CONFIG_DEF.configKeys().values()) {
            if (!k.hasDefault() && !defined.containsKey(k.name)) {
                problems.add(KeyMessages.missing(k.name));
            }
        }
        PipelinesConfig.checkPresence(declared, defined.keySet(), definedPipelineKeys.keySet(), sources, problems);
        if (!problems.isEmpty()) {
            throw new ConfigException(String.join("; ", problems));
        }
        KafkaStreamsConfig.checkExplicitProducerSettings(originals, sources);
        // Each given value alone first, so that the message can say where the bad value came from.
        for (final Map.Entry<String, Object> e : defined.entrySet()) {
            KeyMessages.validate(CONFIG_DEF, e.getKey(), e.getValue(), sources);
        }
        // The pipelines' keys default to the global values, so they are defined once those are known.
        this.definition = PipelinesConfig.withPatternKeys(CONFIG_DEF, declared, CONFIG_DEF.parse(defined));
        for (final Map.Entry<String, Object> e : definedPipelineKeys.entrySet()) {
            KeyMessages.validate(definition, e.getKey(), e.getValue(), sources);
        }
        defined.putAll(definedPipelineKeys);
        this.values = new ConfigValues(definition.parse(defined), sources);

        this.topics = new TopicsConfig(values);
        this.batching = new BatchingConfig(values);
        this.schemaRegistry = new SchemaRegistryConfig(values);
        this.inference = new InferenceConfig(values);
        this.models = new ModelsConfig(values);
        this.metrics = new MetricsConfig(values);
        this.fleetStatus = new FleetStatusConfig(values);
        this.pipelines = new PipelinesConfig(values, declared, defined.keySet(), topics, batching, models);
        // Each pipeline's Kafka Streams client derives its producer's linger.ms from its own batch window.
        final Map<String, Long> windows = new LinkedHashMap<>();
        for (final PipelineSettings p : pipelines.pipelines()) {
            windows.put(p.name(), p.scoring().batchMaxWaitMs());
        }
        this.kafka = new KafkaStreamsConfig(values, Collections.unmodifiableMap(kafkaOverrides), batching, windows);
        for (final String warning : warnings) {
            LOG.warn(warning);
        }
    }

    // ---- construction -----------------------------------------------------------------------

    /**
     * Reads the configuration from a properties file, then {@code SCORESTREAM_*} environment
     * variables, then command-line overrides, each layer winning over the previous one.
     *
     * @param propertiesFile a UTF-8 properties file, or {@code null} for none
     * @param env the process environment (usually {@link System#getenv()}); variables not starting
     *     with {@value #ENV_PREFIX} are ignored; {@code null} for none
     * @param cliOverrides configuration keys and values from the command line; {@code null} for none
     * @throws ConfigException naming the key (and where it was set) of the first problems found, or
     *     naming the file when it cannot be read
     */
    public static ScorestreamConfig load(final Path propertiesFile, final Map<String, String> env,
                                         final Map<String, String> cliOverrides) {
        final Map<String, Object> merged = new LinkedHashMap<>();
        final Map<String, String> sources = new HashMap<>();
        if (propertiesFile != null) {
            final Properties props = readProperties(propertiesFile);
            for (final String name : props.stringPropertyNames()) {
                final String key = name.trim();
                merged.put(key, props.getProperty(name));
                sources.put(key, "properties file " + propertiesFile);
            }
        }
        if (env != null) {
            final Map<String, String> variableOfKey = new HashMap<>();
            for (final Map.Entry<String, String> e : new TreeMap<>(env).entrySet()) {
                final String variable = e.getKey();
                if (!variable.startsWith(ENV_PREFIX) || variable.length() == ENV_PREFIX.length()) {
                    continue;
                }
                final String key = keyOfEnv(variable);
                final String previous = variableOfKey.put(key, variable);
                if (previous != null) {
                    throw new ConfigException("Environment variables " + previous + " and " + variable
                            + " both set configuration key '" + key + "'");
                }
                merged.put(key, e.getValue());
                sources.put(key, "environment variable " + variable);
            }
        }
        if (cliOverrides != null) {
            for (final Map.Entry<String, String> e : cliOverrides.entrySet()) {
                final String key = e.getKey().trim();
                merged.put(key, e.getValue());
                sources.put(key, "command-line override");
            }
        }
        return new ScorestreamConfig(merged, sources);
    }

    /**
     * A configuration from one map of keys to values (strings, or values of the key's type).
     *
     * @throws ConfigException naming the key of each problem found
     */
    public static ScorestreamConfig of(final Map<String, ?> config) {
        Objects.requireNonNull(config, "config");
        return new ScorestreamConfig(new LinkedHashMap<>(config), Map.of());
    }

    /** A copy of the definition of every key, for tools (documentation, validation UIs). */
    public static ConfigDef configDef() {
        return new ConfigDef(CONFIG_DEF);
    }

    /** The environment variable that sets {@code key}: {@code batch.max.records} → {@code SCORESTREAM_BATCH_MAX_RECORDS}. */
    public static String envName(final String key) {
        return ENV_PREFIX + key.toUpperCase(Locale.ROOT).replace('.', '_');
    }

    /** The key a {@code SCORESTREAM_*} variable sets: the inverse of {@link #envName(String)}. */
    static String keyOfEnv(final String variable) {
        return variable.substring(ENV_PREFIX.length()).toLowerCase(Locale.ROOT).replace('_', '.');
    }

    /** Every defined key, in definition order. */
    static Set<String> definedKeys() {
        return CONFIG_DEF.names();
    }

    // ---- the parts --------------------------------------------------------------------------

    /** The Kafka Streams settings, the {@code kafka.*} pass-through, and the properties built from them. */
    public KafkaStreamsConfig kafka() {
        return kafka;
    }

    /** The topics read and written (for the input topics of every pipeline: {@link #inputTopics()}). */
    public TopicsConfig topics() {
        return topics;
    }

    /** When a buffer is scored (with pipelines: the default of theirs). */
    public BatchingConfig batching() {
        return batching;
    }

    /** Where the Avro schemas are registered. */
    public SchemaRegistryConfig schemaRegistry() {
        return schemaRegistry;
    }

    /** How ONNX Runtime runs the models. */
    public InferenceConfig inference() {
        return inference;
    }

    /** How models are awaited, fetched, verified, cached and warmed up (for their names: {@link #modelNames()}). */
    public ModelsConfig models() {
        return models;
    }

    /** The metrics and health endpoint. */
    public MetricsConfig metrics() {
        return metrics;
    }

    /** Where and how often the instance reports what it serves (the status topic). */
    public FleetStatusConfig fleetStatus() {
        return fleetStatus;
    }

    // ---- pipelines: what the topology is built from -----------------------------------------

    /**
     * The scoring pipelines, in the order of {@value PipelinesConfig#PIPELINES_CONFIG}; without it,
     * one named {@value PipelineSettings#DEFAULT} from the global keys. Non-empty, unmodifiable.
     */
    public List<PipelineSettings> pipelines() {
        return pipelines.pipelines();
    }

    /** The pipelines with the dead-letter and model topics: what {@code ScoringTopology.build} takes. */
    public TopologySettings topologySettings() {
        return pipelines.topologySettings();
    }

    /**
     * The input topics, in the order given; unmodifiable, non-empty, without duplicates. With
     * {@value PipelinesConfig#PIPELINES_CONFIG}: every pipeline's input topics, pipeline by pipeline.
     */
    public List<String> inputTopics() {
        return pipelines.inputTopics();
    }

    /**
     * {@code model.name}: the model of the single pipeline. With {@value PipelinesConfig#PIPELINES_CONFIG},
     * where each pipeline names its own, the first pipeline's; use {@link #pipelines()} or
     * {@link #modelNames()} there.
     */
    public String modelName() {
        return pipelines.firstModelName();
    }

    /** The distinct models the pipelines score with, in pipeline order; unmodifiable. */
    public List<String> modelNames() {
        return pipelines.modelNames();
    }

    // ---- views ------------------------------------------------------------------------------

    /**
     * The effective configuration, every defined key (defaults included; the declared pipelines'
     * keys with the values they took) and every {@code kafka.*} key, as strings in key order, with
     * secret values replaced by {@value Password#HIDDEN}. Safe to log. Unmodifiable.
     */
    public Map<String, String> redacted() {
        final Map<String, String> view = new TreeMap<>();
        for (final ConfigKey k : definition.configKeys().values()) {
            final Object value = values.get(k.name);
            final String text = value == null ? "" : ConfigDef.convertToString(value, k.type);
            view.put(k.name, k.type == Type.PASSWORD || isSecretKey(k.name) ? hide(text) : text);
        }
        for (final Map.Entry<String, Object> e : kafka.overrides().entrySet()) {
            final String key = KafkaStreamsConfig.KAFKA_PREFIX + e.getKey();
            final String text = e.getValue() instanceof Password p ? p.value() : String.valueOf(e.getValue());
            view.put(key, isSecretKey(key) ? hide(text) : text);
        }
        return Collections.unmodifiableMap(view);
    }

    /** Whether the value of {@code key} is treated as a secret (see the class comment). */
    public static boolean isSecretKey(final String key) {
        final String k = key.toLowerCase(Locale.ROOT);
        for (final String marker : SECRET_MARKERS) {
            if (k.contains(marker)) {
                return true;
            }
        }
        return false;
    }

    /** The {@linkplain #redacted() redacted} configuration; never contains a secret. */
    @Override
    public String toString() {
        return "ScorestreamConfig" + redacted();
    }

    // ---- documentation ----------------------------------------------------------------------

    /**
     * Markdown documentation of every key (what {@code docs/CONFIGURATION.md} holds): how values are
     * read, then one table per group, in the order the parts are assembled below, with columns key,
     * type, default, valid values, importance and description.
     */
    public static String documentation() {
        return ConfigDocumentation.markdown(CONFIG_DEF);
    }

    /**
     * Markdown of the values this configuration derives from its keys, as {@code config-doc --config}
     * prints them: per pipeline, its Kafka Streams application id and its producer's {@code linger.ms}
     * with where that comes from ({@link KafkaStreamsConfig#producerLinger(String)}). Holds no secret.
     */
    public String effectiveSettings() {
        return ConfigDocumentation.effective(this);
    }

    /** Prints {@link #documentation()} to standard output, UTF-8. */
    public static void main(final String[] args) {
        final PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true,
                StandardCharsets.UTF_8);
        out.print(documentation());
        out.flush();
    }

    // ---- internals --------------------------------------------------------------------------

    /** The one definition, part by part; the order of the parts is that of the groups in the documentation. */
    private static ConfigDef buildConfigDef() {
        final ConfigDef def = new ConfigDef();
        KafkaStreamsConfig.define(def);
        TopicsConfig.define(def);
        BatchingConfig.define(def);
        PipelinesConfig.define(def);
        SchemaRegistryConfig.define(def);
        InferenceConfig.define(def);
        ModelsConfig.define(def);
        MetricsConfig.define(def);
        FleetStatusConfig.define(def);
        return def;
    }

    private static Properties readProperties(final Path file) {
        final Properties props = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            props.load(reader);
        } catch (IOException | IllegalArgumentException e) {
            throw new ConfigException("Cannot read configuration file " + file + ": " + e);
        }
        return props;
    }

    private static String hide(final String text) {
        return text.isEmpty() ? "" : Password.HIDDEN;
    }
}
