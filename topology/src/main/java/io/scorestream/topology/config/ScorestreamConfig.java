package io.scorestream.topology.config;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;

import io.scorestream.inference.Device;
import io.scorestream.inference.InferenceSettings;
import io.scorestream.inference.registry.RegistrySettings;

import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.ConfigKey;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.ValidString;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;
import org.apache.kafka.streams.StreamsConfig;

/**
 * Every setting of the application, defined once in one {@link ConfigDef} (type, default,
 * validator, importance and documentation per key) and read once into this typed, immutable view.
 *
 * <h2>Sources and precedence</h2>
 * {@link #load(Path, Map, Map)} reads three layers, later ones winning:
 * <ol>
 *   <li>a properties file (UTF-8);</li>
 *   <li>environment variables {@code SCORESTREAM_<KEY>}, where {@code KEY} is the configuration key
 *       upper-cased with {@code .} replaced by {@code _} ({@code SCORESTREAM_BATCH_MAX_RECORDS} sets
 *       {@code batch.max.records}, {@code SCORESTREAM_KAFKA_SECURITY_PROTOCOL} sets
 *       {@code kafka.security.protocol});</li>
 *   <li>command-line overrides.</li>
 * </ol>
 * {@link #of(Map)} takes one map, for tests and embedding.
 *
 * <h2>Kafka pass-through</h2>
 * A key starting with {@value #KAFKA_PREFIX} is handed, prefix stripped, to every Kafka client and
 * to Kafka Streams ({@code kafka.security.protocol}, {@code kafka.sasl.jaas.config}, ...); see
 * {@link #kafkaOverrides()}. Pass-through keys that a first-class key here owns
 * ({@code kafka.bootstrap.servers}, {@code kafka.application.id}, ...) are rejected, so that one
 * setting never has two spellings.
 *
 * <h2>Failing at start</h2>
 * Every problem is a {@link ConfigException} whose message names the key: an unknown key (with the
 * closest defined key when one is a small edit away), an unknown {@code SCORESTREAM_*} variable, a
 * missing required key, a value of the wrong type or out of range. Where the value came from (file,
 * variable, override) is appended to the message.
 *
 * <h2>Secrets</h2>
 * Values of {@link Type#PASSWORD} keys, and of keys whose name contains {@code password},
 * {@code jaas}, {@code secret}, {@code key}, {@code user.info}, {@code credential} or
 * {@code token}, never appear in {@link #toString()} or {@link #redacted()}; log the latter.
 *
 * <p>Immutable and thread-safe. The one lazily computed value, the temporary {@link #stateDir()},
 * is created at most once per instance.
 */
public final class ScorestreamConfig {

    /** Prefix of the keys handed, prefix stripped, to Kafka clients and Kafka Streams. */
    public static final String KAFKA_PREFIX = "kafka.";
    /** Prefix of the environment variables read by {@link #load(Path, Map, Map)}. */
    public static final String ENV_PREFIX = "SCORESTREAM_";

    private static final String GROUP_KAFKA = "Kafka Streams";
    private static final String GROUP_TOPICS = "Topics";
    private static final String GROUP_BATCHING = "Batching";
    private static final String GROUP_SCHEMA_REGISTRY = "Schema registry";
    private static final String GROUP_INFERENCE = "Inference";
    private static final String GROUP_MODEL = "Models";
    private static final String GROUP_METRICS = "Metrics and health";

    // ---- Kafka Streams ----------------------------------------------------------------------

    public static final String BOOTSTRAP_SERVERS_CONFIG = "bootstrap.servers";
    private static final String BOOTSTRAP_SERVERS_DOC = "Kafka brokers to connect to, as a comma-separated "
            + "list of host:port pairs.";

    public static final String APPLICATION_ID_CONFIG = "application.id";
    private static final String APPLICATION_ID_DOC = "Kafka Streams application id: the consumer group, and the "
            + "prefix of internal topics and transactional ids. Instances with the same id share the input "
            + "partitions.";

    public static final String PROCESSING_GUARANTEE_CONFIG = "processing.guarantee";
    private static final String PROCESSING_GUARANTEE_DOC = "exactly_once_v2: every input record has exactly one "
            + "score or dead letter, even across crashes (needs brokers 2.5+). at_least_once: faster commits, "
            + "but a crash may score a record twice.";

    public static final String NUM_STREAM_THREADS_CONFIG = "num.stream.threads";
    private static final String NUM_STREAM_THREADS_DOC = "Kafka Streams threads in this instance; each scores "
            + "the partitions of its own tasks.";

    public static final String COMMIT_INTERVAL_MS_CONFIG = "commit.interval.ms";
    private static final String COMMIT_INTERVAL_MS_DOC = "How often Kafka Streams commits, in milliseconds. "
            + "Under exactly_once_v2 scores become visible to read_committed consumers only at commit, so this "
            + "bounds the end-to-end latency.";

    public static final String STATE_DIR_CONFIG = "state.dir";
    private static final String STATE_DIR_DOC = "Directory for Kafka Streams local state. Empty: a fresh "
            + "temporary directory per start (state is rebuilt from changelogs after a restart).";

    // ---- Topics -----------------------------------------------------------------------------

    public static final String INPUT_TOPICS_CONFIG = "input.topics";
    private static final String INPUT_TOPICS_DOC = "Topics of feature events to score (Avro, any schema), "
            + "comma-separated.";

    public static final String OUTPUT_TOPIC_CONFIG = "output.topic";
    private static final String OUTPUT_TOPIC_DOC = "Topic the scores (ScoreResult) are written to; key and "
            + "timestamp are those of the input record.";

    public static final String DEAD_LETTER_TOPIC_CONFIG = "dead.letter.topic";
    private static final String DEAD_LETTER_TOPIC_DOC = "Topic every record that cannot be scored is written "
            + "to, with the reason. Nothing is dropped.";

    public static final String MODEL_TOPIC_CONFIG = "model.topic";
    private static final String MODEL_TOPIC_DOC = "Compacted topic of model specs (key = model name, value = "
            + "ModelSpec; a tombstone retires the model).";

    public static final String EVENT_ID_FIELD_CONFIG = "event.id.field";
    private static final String EVENT_ID_FIELD_DOC = "Field of the input record copied into each score as its "
            + "event id. Empty: the id is topic-partition@offset.";

    // ---- Batching ---------------------------------------------------------------------------

    public static final String BATCH_MAX_RECORDS_CONFIG = "batch.max.records";
    private static final String BATCH_MAX_RECORDS_DOC = "A task's buffer is scored as one batch when it holds "
            + "this many records.";

    public static final String BATCH_MAX_WAIT_MS_CONFIG = "batch.max.wait.ms";
    private static final String BATCH_MAX_WAIT_MS_DOC = "A task's buffer is scored when its oldest record has "
            + "waited this long (wall clock). 0 = adaptive: score whatever one poll delivered, so batches are "
            + "small at low load, large under load, and idle time adds no latency.";

    // ---- Schema registry --------------------------------------------------------------------

    public static final String SCHEMA_REGISTRY_URL_CONFIG = "schema.registry.url";
    private static final String SCHEMA_REGISTRY_URL_DOC = "Base URL of a Confluent-compatible schema registry. "
            + "Empty: an in-memory registry, which only works when every producer and consumer runs in this "
            + "process (the embedded demo).";

    public static final String SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO_CONFIG = "schema.registry.basic.auth.user.info";
    private static final String SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO_DOC = "user:password for HTTP basic "
            + "authentication to the schema registry. Never logged.";

    // ---- Inference --------------------------------------------------------------------------

    public static final String INFERENCE_DEVICE_CONFIG = "inference.device";
    private static final String INFERENCE_DEVICE_DOC = "Where models run. auto: CUDA device 0 if usable, else "
            + "the CPU with one warning. cuda or cuda:N: that GPU, failing at model load when it is not usable. "
            + "cpu: never CUDA.";

    public static final String INFERENCE_INTRA_OP_THREADS_CONFIG = "inference.intra.op.threads";
    private static final String INFERENCE_INTRA_OP_THREADS_DOC = "ONNX Runtime threads inside one operator, per "
            + "model session. 0 = one per core; the default 1 leaves the cores to the stream threads.";

    public static final String INFERENCE_INTER_OP_THREADS_CONFIG = "inference.inter.op.threads";
    private static final String INFERENCE_INTER_OP_THREADS_DOC = "ONNX Runtime threads across operators, per "
            + "model session. 0 = ONNX Runtime's default.";

    public static final String INFERENCE_OPTIMIZATION_LEVEL_CONFIG = "inference.optimization.level";
    private static final String INFERENCE_OPTIMIZATION_LEVEL_DOC = "ONNX Runtime graph optimisation level.";

    public static final String INFERENCE_ALLOW_SPINNING_CONFIG = "inference.allow.spinning";
    private static final String INFERENCE_ALLOW_SPINNING_DOC = "Let ONNX Runtime's threads busy-wait between "
            + "runs: lower latency, at the cost of CPU the stream threads may need.";

    public static final String INFERENCE_CUSTOM_OP_LIBRARIES_CONFIG = "inference.custom.op.libraries";
    private static final String INFERENCE_CUSTOM_OP_LIBRARIES_DOC = "Paths of ONNX Runtime custom-op shared "
            + "libraries to register in every session; empty = none. Only list libraries you trust: they run "
            + "native code.";

    // ---- Models -----------------------------------------------------------------------------

    public static final String MODEL_NAME_CONFIG = "model.name";
    private static final String MODEL_NAME_DOC = "Name of the model (key on the model topic) that scores the "
            + "input topics.";

    public static final String MODEL_WAIT_TIMEOUT_MS_CONFIG = "model.wait.timeout.ms";
    private static final String MODEL_WAIT_TIMEOUT_MS_DOC = "How long to wait for a live version of model.name "
            + "(at start, or after it was retired), in milliseconds.";

    public static final String MODEL_SHA256_REQUIRED_CONFIG = "model.sha256.required";
    private static final String MODEL_SHA256_REQUIRED_DOC = "Refuse a model spec that carries no sha256 of its "
            + "artifact.";

    public static final String MODEL_ARTIFACT_MAX_BYTES_CONFIG = "model.artifact.max.bytes";
    private static final String MODEL_ARTIFACT_MAX_BYTES_DOC = "Largest model artifact fetched, in bytes; "
            + "larger ones are refused.";

    public static final String MODEL_FETCH_TIMEOUT_MS_CONFIG = "model.fetch.timeout.ms";
    private static final String MODEL_FETCH_TIMEOUT_MS_DOC = "Timeout of one artifact fetch, in milliseconds.";

    public static final String MODEL_WARMUP_ROWS_CONFIG = "model.warmup.rows";
    private static final String MODEL_WARMUP_ROWS_DOC = "Rows of the warm-up batch scored by a new model "
            + "version before it is swapped in.";

    public static final String MODEL_ARTIFACT_ALLOWED_SCHEMES_CONFIG = "model.artifact.allowed.schemes";
    private static final String MODEL_ARTIFACT_ALLOWED_SCHEMES_DOC = "URI schemes model artifacts may be "
            + "fetched from.";

    public static final String MODEL_ARTIFACT_ALLOWED_HOSTS_CONFIG = "model.artifact.allowed.hosts";
    private static final String MODEL_ARTIFACT_ALLOWED_HOSTS_DOC = "Hosts http(s) model artifacts may be "
            + "fetched from. Empty: any host.";

    // ---- Metrics and health -----------------------------------------------------------------

    public static final String METRICS_ENABLED_CONFIG = "metrics.enabled";
    private static final String METRICS_ENABLED_DOC = "Serve /metrics (Prometheus), /healthz and /readyz over "
            + "HTTP.";

    public static final String METRICS_PORT_CONFIG = "metrics.port";
    private static final String METRICS_PORT_DOC = "Port of the metrics and health endpoint. 0 = any free port.";

    public static final String METRICS_BIND_ADDRESS_CONFIG = "metrics.bind.address";
    private static final String METRICS_BIND_ADDRESS_DOC = "Address the metrics and health endpoint binds "
            + "(0.0.0.0 for every interface).";

    /** The largest array a JVM reliably allocates: artifacts are read into one. */
    private static final long MAX_ARTIFACT_BYTES = Integer.MAX_VALUE - 8L;

    /** Kafka settings a first-class key owns; {@code kafka.<one of these>} is rejected. */
    private static final Map<String, String> OWNED_KAFKA_KEYS = Map.of(
            CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, BOOTSTRAP_SERVERS_CONFIG,
            StreamsConfig.APPLICATION_ID_CONFIG, APPLICATION_ID_CONFIG,
            StreamsConfig.PROCESSING_GUARANTEE_CONFIG, PROCESSING_GUARANTEE_CONFIG,
            StreamsConfig.NUM_STREAM_THREADS_CONFIG, NUM_STREAM_THREADS_CONFIG,
            StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, COMMIT_INTERVAL_MS_CONFIG,
            StreamsConfig.STATE_DIR_CONFIG, STATE_DIR_CONFIG);

    /** Name fragments that mark a value as secret (matched on the lower-cased key). */
    private static final List<String> SECRET_MARKERS =
            List.of("password", "jaas", "secret", "key", "user.info", "credential", "token");

    private static final ConfigDef CONFIG_DEF = buildConfigDef();

    private final Map<String, Object> values;
    private final Map<String, Object> kafkaOverrides;

    private final String bootstrapServers;
    private final String applicationId;
    private final String processingGuarantee;
    private final int numStreamThreads;
    private final long commitIntervalMs;
    private final String configuredStateDir;
    private final List<String> inputTopics;
    private final String outputTopic;
    private final String deadLetterTopic;
    private final String modelTopic;
    private final String eventIdField;
    private final int batchMaxRecords;
    private final long batchMaxWaitMs;
    private final String schemaRegistryUrl;
    private final Password schemaRegistryUserInfo;
    private final Device device;
    private final InferenceSettings inferenceSettings;
    private final String modelName;
    private final long modelWaitTimeoutMs;
    private final boolean modelSha256Required;
    private final long modelArtifactMaxBytes;
    private final long modelFetchTimeoutMs;
    private final int modelWarmupRows;
    private final List<String> modelArtifactAllowedSchemes;
    private final List<String> modelArtifactAllowedHosts;
    private final RegistrySettings registrySettings;
    private final boolean metricsEnabled;
    private final int metricsPort;
    private final String metricsBindAddress;

    private Path stateDir; // guarded by this; created on first use when state.dir is empty

    private ScorestreamConfig(final Map<String, ?> originals, final Map<String, String> sources) {
        final Map<String, Object> defined = new HashMap<>();
        final Map<String, Object> kafka = new TreeMap<>();
        final List<String> problems = new ArrayList<>();
        for (final Map.Entry<String, ?> e : originals.entrySet()) {
            final String key = e.getKey();
            if (CONFIG_DEF.names().contains(key)) {
                defined.put(key, e.getValue());
            } else if (key.startsWith(KAFKA_PREFIX)) {
                final String clientKey = key.substring(KAFKA_PREFIX.length());
                if (clientKey.isBlank()) {
                    problems.add("Configuration key '" + key + "'" + from(sources, key)
                            + " names no Kafka setting after the prefix " + KAFKA_PREFIX);
                } else if (OWNED_KAFKA_KEYS.containsKey(clientKey)) {
                    problems.add("Configuration key '" + key + "'" + from(sources, key) + " is not allowed: set '"
                            + OWNED_KAFKA_KEYS.get(clientKey) + "' instead");
                } else {
                    kafka.put(clientKey, e.getValue());
                }
            } else {
                problems.add(unknownKeyMessage(key, sources));
            }
        }
        for (final ConfigKey k : CONFIG_DEF.configKeys().values()) {
            if (!k.hasDefault() && !defined.containsKey(k.name)) {
                problems.add("Missing required configuration \"" + k.name + "\" which has no default value"
                        + " (set " + k.name + " in the properties file, or " + envName(k.name)
                        + " in the environment)");
            }
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(String.join("; ", problems));
        }
        // Each given value alone first, so that the message can say where the bad value came from.
        for (final Map.Entry<String, Object> e : defined.entrySet()) {
            validateOne(e.getKey(), e.getValue(), sources);
        }
        this.values = Collections.unmodifiableMap(CONFIG_DEF.parse(defined));
        this.kafkaOverrides = Collections.unmodifiableMap(kafka);

        this.bootstrapServers = string(BOOTSTRAP_SERVERS_CONFIG);
        this.applicationId = string(APPLICATION_ID_CONFIG);
        this.processingGuarantee = string(PROCESSING_GUARANTEE_CONFIG);
        this.numStreamThreads = (Integer) values.get(NUM_STREAM_THREADS_CONFIG);
        this.commitIntervalMs = (Long) values.get(COMMIT_INTERVAL_MS_CONFIG);
        this.configuredStateDir = string(STATE_DIR_CONFIG);
        this.inputTopics = list(INPUT_TOPICS_CONFIG);
        this.outputTopic = string(OUTPUT_TOPIC_CONFIG);
        this.deadLetterTopic = string(DEAD_LETTER_TOPIC_CONFIG);
        this.modelTopic = string(MODEL_TOPIC_CONFIG);
        this.eventIdField = string(EVENT_ID_FIELD_CONFIG);
        this.batchMaxRecords = (Integer) values.get(BATCH_MAX_RECORDS_CONFIG);
        this.batchMaxWaitMs = (Long) values.get(BATCH_MAX_WAIT_MS_CONFIG);
        this.schemaRegistryUrl = string(SCHEMA_REGISTRY_URL_CONFIG);
        this.schemaRegistryUserInfo = (Password) values.get(SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO_CONFIG);
        this.device = Device.parse(string(INFERENCE_DEVICE_CONFIG));
        this.inferenceSettings = build(InferenceSettings.builder()
                .device(device)
                .intraOpThreads((Integer) values.get(INFERENCE_INTRA_OP_THREADS_CONFIG))
                .interOpThreads((Integer) values.get(INFERENCE_INTER_OP_THREADS_CONFIG))
                .optimizationLevel(InferenceSettings.OptimizationLevel.parse(
                        string(INFERENCE_OPTIMIZATION_LEVEL_CONFIG)))
                .allowSpinning((Boolean) values.get(INFERENCE_ALLOW_SPINNING_CONFIG))
                .customOpLibraries(list(INFERENCE_CUSTOM_OP_LIBRARIES_CONFIG)),
                INFERENCE_CUSTOM_OP_LIBRARIES_CONFIG, sources);
        this.modelName = string(MODEL_NAME_CONFIG);
        this.modelWaitTimeoutMs = (Long) values.get(MODEL_WAIT_TIMEOUT_MS_CONFIG);
        this.modelSha256Required = (Boolean) values.get(MODEL_SHA256_REQUIRED_CONFIG);
        this.modelArtifactMaxBytes = (Long) values.get(MODEL_ARTIFACT_MAX_BYTES_CONFIG);
        this.modelFetchTimeoutMs = (Long) values.get(MODEL_FETCH_TIMEOUT_MS_CONFIG);
        this.modelWarmupRows = (Integer) values.get(MODEL_WARMUP_ROWS_CONFIG);
        this.modelArtifactAllowedSchemes = lowerCased(list(MODEL_ARTIFACT_ALLOWED_SCHEMES_CONFIG));
        this.modelArtifactAllowedHosts = lowerCased(list(MODEL_ARTIFACT_ALLOWED_HOSTS_CONFIG));
        this.registrySettings = RegistrySettings.builder()
                .requireSha256(modelSha256Required)
                .maxArtifactBytes(modelArtifactMaxBytes)
                .fetchTimeout(Duration.ofMillis(modelFetchTimeoutMs))
                .warmUpRows(modelWarmupRows)
                .allowedSchemes(modelArtifactAllowedSchemes)
                .allowedHosts(modelArtifactAllowedHosts)
                .build();
        this.metricsEnabled = (Boolean) values.get(METRICS_ENABLED_CONFIG);
        this.metricsPort = (Integer) values.get(METRICS_PORT_CONFIG);
        this.metricsBindAddress = string(METRICS_BIND_ADDRESS_CONFIG);

        checkTopicsDistinct();
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

    // ---- Kafka ------------------------------------------------------------------------------

    public String bootstrapServers() {
        return bootstrapServers;
    }

    public String applicationId() {
        return applicationId;
    }

    /** {@code exactly_once_v2} or {@code at_least_once}, as Kafka Streams spells them. */
    public String processingGuarantee() {
        return processingGuarantee;
    }

    public boolean exactlyOnce() {
        return StreamsConfig.EXACTLY_ONCE_V2.equals(processingGuarantee);
    }

    public int numStreamThreads() {
        return numStreamThreads;
    }

    public long commitIntervalMs() {
        return commitIntervalMs;
    }

    /**
     * The Kafka Streams state directory: {@code state.dir}, or, when that is empty, a fresh
     * temporary directory created on the first call and returned by every later call on this
     * instance. Nobody deletes the temporary directory; it lives in {@code java.io.tmpdir}.
     *
     * @throws UncheckedIOException when the temporary directory cannot be created
     */
    public synchronized Path stateDir() {
        if (stateDir == null) {
            if (configuredStateDir.isEmpty()) {
                try {
                    stateDir = Files.createTempDirectory("scorestream-state-");
                } catch (IOException e) {
                    throw new UncheckedIOException("Cannot create a temporary " + STATE_DIR_CONFIG, e);
                }
            } else {
                stateDir = Path.of(configuredStateDir);
            }
        }
        return stateDir;
    }

    /**
     * The {@code kafka.*} settings with the prefix stripped, in key order, values as given (strings
     * when read from a file or the environment). Unmodifiable. Contains secrets: do not log it, log
     * {@link #redacted()}.
     */
    public Map<String, Object> kafkaOverrides() {
        return kafkaOverrides;
    }

    /**
     * Settings for a plain Kafka client (producer, consumer, admin): {@code bootstrap.servers} and
     * the {@linkplain #kafkaOverrides() overrides}. A new, modifiable map on every call.
     */
    public Map<String, Object> kafkaClientProperties() {
        final Map<String, Object> props = new HashMap<>(kafkaOverrides);
        props.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        return props;
    }

    /**
     * Kafka Streams properties: application id, bootstrap servers, processing guarantee, threads,
     * commit interval, {@linkplain #stateDir() state directory}, then every
     * {@linkplain #kafkaOverrides() override}. No serdes are set: the topology names its serdes. A
     * new, modifiable object on every call.
     */
    public Properties streamsProperties() {
        final Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, processingGuarantee);
        props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, numStreamThreads);
        props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, commitIntervalMs);
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir().toString());
        props.putAll(kafkaOverrides);
        return props;
    }

    // ---- topics -----------------------------------------------------------------------------

    /** The input topics, in the order given; unmodifiable, non-empty, without duplicates. */
    public List<String> inputTopics() {
        return inputTopics;
    }

    public String outputTopic() {
        return outputTopic;
    }

    public String deadLetterTopic() {
        return deadLetterTopic;
    }

    public String modelTopic() {
        return modelTopic;
    }

    /** The field copied into each score as its event id; empty means topic-partition@offset. */
    public Optional<String> eventIdField() {
        return eventIdField.isEmpty() ? Optional.empty() : Optional.of(eventIdField);
    }

    // ---- batching ---------------------------------------------------------------------------

    public int batchMaxRecords() {
        return batchMaxRecords;
    }

    /** The longest a buffered record waits, in milliseconds; 0 means adaptive (flush per poll). */
    public long batchMaxWaitMs() {
        return batchMaxWaitMs;
    }

    // ---- schema registry --------------------------------------------------------------------

    /** The schema registry's base URL; empty means the in-memory registry. */
    public Optional<String> schemaRegistryUrl() {
        return schemaRegistryUrl.isEmpty() ? Optional.empty() : Optional.of(schemaRegistryUrl);
    }

    /** {@code user:password} for the registry, wrapped so it does not print; empty when not set. */
    public Optional<Password> schemaRegistryBasicAuthUserInfo() {
        return schemaRegistryUserInfo == null || schemaRegistryUserInfo.value().isEmpty()
                ? Optional.empty() : Optional.of(schemaRegistryUserInfo);
    }

    // ---- inference --------------------------------------------------------------------------

    public Device device() {
        return device;
    }

    /** Device, thread pools, optimisation level and spinning, for ONNX Runtime sessions. */
    public InferenceSettings inferenceSettings() {
        return inferenceSettings;
    }

    // ---- models -----------------------------------------------------------------------------

    public String modelName() {
        return modelName;
    }

    public long modelWaitTimeoutMs() {
        return modelWaitTimeoutMs;
    }

    public boolean modelSha256Required() {
        return modelSha256Required;
    }

    public long modelArtifactMaxBytes() {
        return modelArtifactMaxBytes;
    }

    public long modelFetchTimeoutMs() {
        return modelFetchTimeoutMs;
    }

    public int modelWarmupRows() {
        return modelWarmupRows;
    }

    /** Lower-cased URI schemes artifacts may be fetched from; unmodifiable. */
    public List<String> modelArtifactAllowedSchemes() {
        return modelArtifactAllowedSchemes;
    }

    /** Lower-cased hosts artifacts may be fetched from; empty means any host. Unmodifiable. */
    public List<String> modelArtifactAllowedHosts() {
        return modelArtifactAllowedHosts;
    }

    /** How the model registry fetches, verifies and warms up versions: the {@code model.*} settings. */
    public RegistrySettings registrySettings() {
        return registrySettings;
    }

    // ---- metrics ----------------------------------------------------------------------------

    public boolean metricsEnabled() {
        return metricsEnabled;
    }

    /** The metrics port; 0 means any free port. */
    public int metricsPort() {
        return metricsPort;
    }

    public String metricsBindAddress() {
        return metricsBindAddress;
    }

    // ---- views ------------------------------------------------------------------------------

    /**
     * The effective configuration, every defined key (defaults included) and every {@code kafka.*}
     * key, as strings in key order, with secret values replaced by {@value Password#HIDDEN}. Safe to
     * log. Unmodifiable.
     */
    public Map<String, String> redacted() {
        final Map<String, String> view = new TreeMap<>();
        for (final ConfigKey k : CONFIG_DEF.configKeys().values()) {
            final Object value = values.get(k.name);
            final String text = value == null ? "" : ConfigDef.convertToString(value, k.type);
            view.put(k.name, k.type == Type.PASSWORD || isSecretKey(k.name) ? hide(text) : text);
        }
        for (final Map.Entry<String, Object> e : kafkaOverrides.entrySet()) {
            final String key = KAFKA_PREFIX + e.getKey();
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
     * Markdown documentation of every key, one table per group, columns key, type, default, valid
     * values, importance and description; preceded by how values are read.
     */
    public static String documentation() {
        final StringBuilder md = new StringBuilder(16 * 1024);
        md.append("# Configuration\n\n")
                .append("Every setting of scorestream, generated from `ScorestreamConfig` ")
                .append("(run its `main` to regenerate this file).\n\n")
                .append("Values are read from a properties file (UTF-8), then from environment variables, ")
                .append("then from command-line overrides; later sources win. The environment variable of a ")
                .append("key is `SCORESTREAM_` and the key upper-cased with `.` replaced by `_`: ")
                .append("`SCORESTREAM_BATCH_MAX_RECORDS` sets `batch.max.records`. Unknown keys and unknown ")
                .append("`SCORESTREAM_*` variables fail the start, as do invalid values; the message names ")
                .append("the key.\n\n")
                .append("Any key starting with `kafka.` is passed, prefix stripped, to every Kafka client and ")
                .append("to Kafka Streams: `kafka.security.protocol=SASL_SSL`, `kafka.sasl.jaas.config=...`, ")
                .append("`kafka.ssl.truststore.location=...` (environment: `SCORESTREAM_KAFKA_SECURITY_PROTOCOL`). ")
                .append("Values of keys containing `password`, `jaas`, `secret`, `key`, `user.info`, ")
                .append("`credential` or `token` are never logged.\n");
        String group = null;
        for (final ConfigKey k : sortedByGroup()) {
            if (!k.group.equals(group)) {
                group = k.group;
                md.append("\n## ").append(group).append("\n\n")
                        .append("| Key | Type | Default | Valid values | Importance | Description |\n")
                        .append("|---|---|---|---|---|---|\n");
            }
            md.append("| `").append(k.name).append("` | ")
                    .append(k.type.name().toLowerCase(Locale.ROOT)).append(" | ")
                    .append(cell(defaultText(k))).append(" | ")
                    .append(cell(validValuesText(k))).append(" | ")
                    .append(k.importance.name().toLowerCase(Locale.ROOT)).append(" | ")
                    .append(cell(k.documentation)).append(" |\n");
        }
        return md.toString();
    }

    /** Prints {@link #documentation()} to standard output, UTF-8. */
    public static void main(final String[] args) {
        final PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true,
                StandardCharsets.UTF_8);
        out.print(documentation());
        out.flush();
    }

    // ---- internals --------------------------------------------------------------------------

    private static ConfigDef buildConfigDef() {
        final Definer d = new Definer();
        d.group(GROUP_KAFKA)
                .define(BOOTSTRAP_SERVERS_CONFIG, Type.STRING, ConfigDef.NO_DEFAULT_VALUE,
                        Validators.nonBlank(), Importance.HIGH, BOOTSTRAP_SERVERS_DOC)
                .define(APPLICATION_ID_CONFIG, Type.STRING, "scorestream",
                        Validators.kafkaName("a Kafka Streams application id"), Importance.HIGH, APPLICATION_ID_DOC)
                .define(PROCESSING_GUARANTEE_CONFIG, Type.STRING, StreamsConfig.EXACTLY_ONCE_V2,
                        ValidString.in(StreamsConfig.EXACTLY_ONCE_V2, StreamsConfig.AT_LEAST_ONCE),
                        Importance.HIGH, PROCESSING_GUARANTEE_DOC)
                .define(NUM_STREAM_THREADS_CONFIG, Type.INT, 1, Range.atLeast(1), Importance.MEDIUM,
                        NUM_STREAM_THREADS_DOC)
                .define(COMMIT_INTERVAL_MS_CONFIG, Type.LONG, 100L, Range.atLeast(0), Importance.MEDIUM,
                        COMMIT_INTERVAL_MS_DOC)
                .define(STATE_DIR_CONFIG, Type.STRING, "", null, Importance.MEDIUM, STATE_DIR_DOC);
        d.group(GROUP_TOPICS)
                .define(INPUT_TOPICS_CONFIG, Type.LIST, ConfigDef.NO_DEFAULT_VALUE, Validators.topicList(),
                        Importance.HIGH, INPUT_TOPICS_DOC)
                .define(OUTPUT_TOPIC_CONFIG, Type.STRING, "scores", Validators.kafkaName("a topic name"),
                        Importance.HIGH, OUTPUT_TOPIC_DOC)
                .define(DEAD_LETTER_TOPIC_CONFIG, Type.STRING, "scores-dlq", Validators.kafkaName("a topic name"),
                        Importance.HIGH, DEAD_LETTER_TOPIC_DOC)
                .define(MODEL_TOPIC_CONFIG, Type.STRING, "model-specs", Validators.kafkaName("a topic name"),
                        Importance.HIGH, MODEL_TOPIC_DOC)
                .define(EVENT_ID_FIELD_CONFIG, Type.STRING, "", Validators.noWhitespace(), Importance.LOW,
                        EVENT_ID_FIELD_DOC);
        d.group(GROUP_BATCHING)
                .define(BATCH_MAX_RECORDS_CONFIG, Type.INT, 256, Range.between(1, 65536), Importance.HIGH,
                        BATCH_MAX_RECORDS_DOC)
                .define(BATCH_MAX_WAIT_MS_CONFIG, Type.LONG, 5L, Range.atLeast(0), Importance.HIGH,
                        BATCH_MAX_WAIT_MS_DOC);
        d.group(GROUP_SCHEMA_REGISTRY)
                .define(SCHEMA_REGISTRY_URL_CONFIG, Type.STRING, "", Validators.optionalHttpUrl(),
                        Importance.HIGH, SCHEMA_REGISTRY_URL_DOC)
                .define(SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO_CONFIG, Type.PASSWORD, null, null, Importance.MEDIUM,
                        SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO_DOC);
        d.group(GROUP_INFERENCE)
                .define(INFERENCE_DEVICE_CONFIG, Type.STRING, "auto", Validators.device(), Importance.HIGH,
                        INFERENCE_DEVICE_DOC)
                .define(INFERENCE_INTRA_OP_THREADS_CONFIG, Type.INT, 1, Range.atLeast(0), Importance.MEDIUM,
                        INFERENCE_INTRA_OP_THREADS_DOC)
                .define(INFERENCE_INTER_OP_THREADS_CONFIG, Type.INT, 0, Range.atLeast(0), Importance.LOW,
                        INFERENCE_INTER_OP_THREADS_DOC)
                .define(INFERENCE_OPTIMIZATION_LEVEL_CONFIG, Type.STRING, "all",
                        Validators.anyCase("none", "basic", "extended", "all"), Importance.LOW,
                        INFERENCE_OPTIMIZATION_LEVEL_DOC)
                .define(INFERENCE_ALLOW_SPINNING_CONFIG, Type.BOOLEAN, false, null, Importance.LOW,
                        INFERENCE_ALLOW_SPINNING_DOC)
                .define(INFERENCE_CUSTOM_OP_LIBRARIES_CONFIG, Type.LIST, "", Validators.filePaths(),
                        Importance.LOW, INFERENCE_CUSTOM_OP_LIBRARIES_DOC);
        d.group(GROUP_MODEL)
                .define(MODEL_NAME_CONFIG, Type.STRING, ConfigDef.NO_DEFAULT_VALUE, Validators.nonBlank(),
                        Importance.HIGH, MODEL_NAME_DOC)
                .define(MODEL_WAIT_TIMEOUT_MS_CONFIG, Type.LONG, 60_000L, Range.atLeast(0), Importance.MEDIUM,
                        MODEL_WAIT_TIMEOUT_MS_DOC)
                .define(MODEL_SHA256_REQUIRED_CONFIG, Type.BOOLEAN, true, null, Importance.MEDIUM,
                        MODEL_SHA256_REQUIRED_DOC)
                .define(MODEL_ARTIFACT_MAX_BYTES_CONFIG, Type.LONG, 268_435_456L,
                        Range.between(1, MAX_ARTIFACT_BYTES),
                        Importance.MEDIUM, MODEL_ARTIFACT_MAX_BYTES_DOC)
                .define(MODEL_FETCH_TIMEOUT_MS_CONFIG, Type.LONG, 30_000L, Range.atLeast(1), Importance.MEDIUM,
                        MODEL_FETCH_TIMEOUT_MS_DOC)
                .define(MODEL_WARMUP_ROWS_CONFIG, Type.INT, 64, Range.atLeast(1), Importance.LOW,
                        MODEL_WARMUP_ROWS_DOC)
                .define(MODEL_ARTIFACT_ALLOWED_SCHEMES_CONFIG, Type.LIST, "file,http,https",
                        Validators.uriSchemes(), Importance.MEDIUM, MODEL_ARTIFACT_ALLOWED_SCHEMES_DOC)
                .define(MODEL_ARTIFACT_ALLOWED_HOSTS_CONFIG, Type.LIST, "", Validators.hosts(), Importance.MEDIUM,
                        MODEL_ARTIFACT_ALLOWED_HOSTS_DOC);
        d.group(GROUP_METRICS)
                .define(METRICS_ENABLED_CONFIG, Type.BOOLEAN, true, null, Importance.MEDIUM, METRICS_ENABLED_DOC)
                .define(METRICS_PORT_CONFIG, Type.INT, 9464, Range.between(0, 65535), Importance.MEDIUM,
                        METRICS_PORT_DOC)
                .define(METRICS_BIND_ADDRESS_CONFIG, Type.STRING, "127.0.0.1", Validators.nonBlank(),
                        Importance.MEDIUM, METRICS_BIND_ADDRESS_DOC);
        return d.def;
    }

    /** Defines keys group by group, numbering them within their group. */
    private static final class Definer {
        final ConfigDef def = new ConfigDef();
        private String group;
        private int order;

        Definer group(final String name) {
            this.group = name;
            this.order = 0;
            return this;
        }

        Definer define(final String name, final Type type, final Object defaultValue,
                       final ConfigDef.Validator validator, final Importance importance, final String doc) {
            def.define(name, type, defaultValue, validator, importance, doc, group, ++order,
                    ConfigDef.Width.MEDIUM, name);
            return this;
        }
    }

    private static void validateOne(final String key, final Object value, final Map<String, String> sources) {
        final ConfigKey k = CONFIG_DEF.configKeys().get(key);
        try {
            final Object parsed = ConfigDef.parseType(key, value, k.type);
            if (k.validator != null) {
                k.validator.ensureValid(key, parsed);
            }
        } catch (ConfigException e) {
            final String where = from(sources, key);
            throw where.isEmpty() ? e : new ConfigException(e.getMessage() + where);
        }
    }

    private void checkTopicsDistinct() {
        final Map<String, String> roleOfTopic = new LinkedHashMap<>();
        for (final String topic : inputTopics) {
            roleOfTopic.put(topic, INPUT_TOPICS_CONFIG);
        }
        claimTopic(roleOfTopic, outputTopic, OUTPUT_TOPIC_CONFIG);
        claimTopic(roleOfTopic, deadLetterTopic, DEAD_LETTER_TOPIC_CONFIG);
        claimTopic(roleOfTopic, modelTopic, MODEL_TOPIC_CONFIG);
    }

    private static void claimTopic(final Map<String, String> roleOfTopic, final String topic, final String key) {
        final String other = roleOfTopic.putIfAbsent(topic, key);
        if (other != null) {
            throw new ConfigException(key, topic, "the topic is also " + (other.equals(INPUT_TOPICS_CONFIG)
                    ? "listed in " + other : other) + "; each topic has one role");
        }
    }

    /**
     * Builds {@code builder}; the one check it makes that the {@link ConfigDef} cannot (that each
     * custom-op library exists) becomes a {@link ConfigException} naming {@code key}.
     */
    private InferenceSettings build(final InferenceSettings.Builder builder, final String key,
                                    final Map<String, String> sources) {
        try {
            return builder.build();
        } catch (IllegalArgumentException e) {
            throw new ConfigException(key, values.get(key), e.getMessage() + from(sources, key));
        }
    }

    private String string(final String key) {
        return (String) values.get(key);
    }

    @SuppressWarnings("unchecked")
    private List<String> list(final String key) {
        return List.copyOf((List<String>) values.get(key));
    }

    private static List<String> lowerCased(final List<String> items) {
        final List<String> out = new ArrayList<>(items.size());
        for (final String item : items) {
            out.add(item.toLowerCase(Locale.ROOT));
        }
        return List.copyOf(out);
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

    private static String from(final Map<String, String> sources, final String key) {
        final String source = sources.get(key);
        return source == null ? "" : " (set in " + source + ")";
    }

    private static String unknownKeyMessage(final String key, final Map<String, String> sources) {
        final String source = sources.get(key);
        final boolean fromEnv = source != null && source.startsWith("environment variable ");
        final StringBuilder msg = new StringBuilder("Unknown configuration key '").append(key).append('\'');
        if (source != null) {
            msg.append(" (set in ").append(source).append(')');
        }
        final String closest = closestKey(key);
        if (closest != null) {
            msg.append("; did you mean '").append(closest).append('\'');
            if (fromEnv) {
                msg.append(" (").append(envName(closest)).append(')');
            }
            msg.append('?');
        } else if (isKafkaClientKey(key)) {
            msg.append("; Kafka client settings take the prefix ").append(KAFKA_PREFIX).append(": '")
                    .append(KAFKA_PREFIX).append(key).append('\'');
            if (fromEnv) {
                msg.append(" (").append(envName(KAFKA_PREFIX + key)).append(')');
            }
        }
        return msg.toString();
    }

    /** The defined key nearest to {@code key}, if it is a few edits away; otherwise null. */
    static String closestKey(final String key) {
        final int limit = Math.max(2, key.length() / 6);
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (final String candidate : CONFIG_DEF.names()) {
            final int d = editDistance(key, candidate);
            if (d < bestDistance || (d == bestDistance && best != null && candidate.compareTo(best) < 0)) {
                best = candidate;
                bestDistance = d;
            }
        }
        return bestDistance <= limit ? best : null;
    }

    private static boolean isKafkaClientKey(final String key) {
        return StreamsConfig.configDef().names().contains(key)
                || ConsumerConfig.configNames().contains(key)
                || ProducerConfig.configNames().contains(key)
                || AdminClientConfig.configNames().contains(key);
    }

    /** Levenshtein distance (insertions, deletions, substitutions). */
    static int editDistance(final String a, final String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                final int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
            }
            final int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }

    private static String hide(final String text) {
        return text.isEmpty() ? "" : Password.HIDDEN;
    }

    private static List<ConfigKey> sortedByGroup() {
        final List<String> groups = new ArrayList<>();
        for (final ConfigKey k : CONFIG_DEF.configKeys().values()) {
            if (!groups.contains(k.group)) {
                groups.add(k.group);
            }
        }
        final List<ConfigKey> keys = new ArrayList<>(CONFIG_DEF.configKeys().values());
        keys.sort((x, y) -> x.group.equals(y.group)
                ? Integer.compare(x.orderInGroup, y.orderInGroup)
                : Integer.compare(groups.indexOf(x.group), groups.indexOf(y.group)));
        return keys;
    }

    private static String defaultText(final ConfigKey k) {
        if (!k.hasDefault()) {
            return "*required*";
        }
        if (k.defaultValue == null) {
            return "*none*";
        }
        final String text = ConfigDef.convertToString(k.defaultValue, k.type);
        return text.isEmpty() ? "*empty*" : "`" + text + "`";
    }

    private static String validValuesText(final ConfigKey k) {
        if (k.validator != null) {
            return k.validator.toString();
        }
        return k.type == Type.BOOLEAN ? "true, false" : "any";
    }

    /** Makes text safe inside one Markdown table cell. */
    private static String cell(final String text) {
        return text.replace("\\", "\\\\").replace("|", "\\|").replace("\r", " ").replace("\n", " ");
    }

    /** Every defined key, in definition order. */
    static Set<String> definedKeys() {
        return CONFIG_DEF.names();
    }
}
