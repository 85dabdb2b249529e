package io.scorestream.app.config;

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
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
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
import io.scorestream.inference.registry.ArtifactCache;
import io.scorestream.inference.registry.RegistrySettings;
import io.scorestream.topology.PipelineSettings;
import io.scorestream.topology.TopologySettings;
import io.scorestream.topology.processor.ScoringSettings;

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
 * <h2>Pipelines</h2>
 * With {@value #PIPELINES_CONFIG} empty (the default) the application runs one pipeline, named
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
 * of a pattern key follows the rule below ({@code SCORESTREAM_PIPELINE_FRAUD_BATCH_MAX_RECORDS} sets
 * {@code pipeline.fraud.batch.max.records}); since the variable is upper-cased and {@code _} reads
 * back as {@code .}, only pipelines whose names have no upper-case letter and no {@code _} can be
 * configured from the environment.
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
 * <p>Immutable and thread-safe. The lazily computed values, the temporary {@link #stateDir()} and
 * the {@link #artifactCache()} (which creates its directory), are created at most once per instance.
 */
public final class ScorestreamConfig {

    /** Prefix of the keys handed, prefix stripped, to Kafka clients and Kafka Streams. */
    public static final String KAFKA_PREFIX = "kafka.";
    /** Prefix of the environment variables read by {@link #load(Path, Map, Map)}. */
    public static final String ENV_PREFIX = "SCORESTREAM_";

    private static final String GROUP_KAFKA = "Kafka Streams";
    private static final String GROUP_TOPICS = "Topics";
    private static final String GROUP_BATCHING = "Batching";
    private static final String GROUP_PIPELINES = "Pipelines";
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

    // ---- Pipelines --------------------------------------------------------------------------

    public static final String PIPELINES_CONFIG = "pipelines";
    private static final String PIPELINES_DOC = "Names of the scoring pipelines, comma-separated. Empty: one "
            + "pipeline, named default, from input.topics, model.name, output.topic, shadow.topic, "
            + "batch.max.records, batch.max.wait.ms and event.id.field. Otherwise each name N is configured "
            + "by the keys pipeline.N.* below, which fall back to those global keys (input.topics and "
            + "model.name are then not allowed). Each input topic belongs to one pipeline. A name also names "
            + "the pipeline's processor and buffer store (changelog): keep it stable.";

    /** Prefix of the per-pipeline keys, {@code pipeline.<name>.<setting>}. */
    public static final String PIPELINE_PREFIX = "pipeline.";

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
            + "input topics. Required without pipelines; not allowed with them (set pipeline.<name>.model.name).";

    public static final String MODEL_WAIT_TIMEOUT_MS_CONFIG = "model.wait.timeout.ms";
    private static final String MODEL_WAIT_TIMEOUT_MS_DOC = "How long to wait for a live version of model.name "
            + "(with pipelines: of every pipeline's model) at start, or after it was retired, in milliseconds.";

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

    public static final String MODEL_CACHE_DIR_CONFIG = "model.cache.dir";
    /** The value of {@value #MODEL_CACHE_DIR_CONFIG} that disables the artifact cache. */
    public static final String MODEL_CACHE_DISABLED = "none";
    private static final String MODEL_CACHE_DIR_DOC = "Directory of the on-disk cache of model artifacts fetched "
            + "by URI, one file per sha256, so that a restart (or another instance on the machine) does not fetch "
            + "them again; every cached file is checked against its sha256 when read. Empty: "
            + "<java.io.tmpdir>/scorestream-artifacts. none: no cache.";

    public static final String MODEL_CACHE_MAX_BYTES_CONFIG = "model.cache.max.bytes";
    private static final String MODEL_CACHE_MAX_BYTES_DOC = "Size limit of the artifact cache, in bytes; the "
            + "least recently used artifacts are deleted beyond it. 0: no cache.";

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

    /** Where the artifact cache lives when {@value #MODEL_CACHE_DIR_CONFIG} is empty. */
    private static final String DEFAULT_CACHE_DIRECTORY_NAME = "scorestream-artifacts";

    /**
     * The settings of a pipeline, each {@code pipeline.<name>.<suffix>}; the suffix is the name of the
     * global key it falls back to, whose type and validator it shares.
     */
    private static final List<PipelineKey> PIPELINE_KEYS = List.of(
            new PipelineKey(INPUT_TOPICS_CONFIG, Type.LIST, Validators.topicList(), true, Importance.HIGH,
                    "Topics of feature events this pipeline scores, comma-separated. A topic belongs to one "
                            + "pipeline."),
            new PipelineKey(MODEL_NAME_CONFIG, Type.STRING, Validators.nonBlank(), true, Importance.HIGH,
                    "Name of the model (key on the model topic) that scores this pipeline's topics."),
            new PipelineKey(OUTPUT_TOPIC_CONFIG, Type.STRING, Validators.kafkaName("a topic name"), false,
                    Importance.HIGH, "Topic this pipeline's scores are written to."),
            new PipelineKey(SHADOW_TOPIC_CONFIG, Type.STRING, Validators.optionalTopicName(), false,
                    Importance.LOW, "Topic this pipeline's shadow-candidate scores are written to. Empty (and "
                            + "shadow.topic empty): <this pipeline's output topic>-shadow."),
            new PipelineKey(BATCH_MAX_RECORDS_CONFIG, Type.INT, Range.between(1, 65536), false, Importance.MEDIUM,
                    "This pipeline's batch.max.records."),
            new PipelineKey(BATCH_MAX_WAIT_MS_CONFIG, Type.LONG, Range.atLeast(0), false, Importance.MEDIUM,
                    "This pipeline's batch.max.wait.ms."),
            new PipelineKey(EVENT_ID_FIELD_CONFIG, Type.STRING, Validators.noWhitespace(), false, Importance.LOW,
                    "This pipeline's event.id.field."));

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

    /** {@link #CONFIG_DEF} plus the keys of this configuration's declared pipelines. */
    private final ConfigDef definition;
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
    private final String shadowTopic;
    private final String deadLetterTopic;
    private final String modelTopic;
    private final String eventIdField;
    private final int batchMaxRecords;
    private final long batchMaxWaitMs;
    private final List<PipelineSettings> pipelines;
    private final TopologySettings topologySettings;
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
    private final Path modelCacheDir; // null when the cache is disabled
    private final long modelCacheMaxBytes;
    private final boolean metricsEnabled;
    private final int metricsPort;
    private final String metricsBindAddress;

    private Path stateDir; // guarded by this; created on first use when state.dir is empty
    private ArtifactCache artifactCache; // guarded by this; created on first use

    private ScorestreamConfig(final Map<String, ?> originals, final Map<String, String> sources) {
        final List<String> declared = declaredPipelines(originals, sources);
        final Set<String> pipelineKeyNames = pipelineKeyNames(declared);
        final Map<String, Object> defined = new HashMap<>();
        final Map<String, Object> definedPipelineKeys = new HashMap<>();
        final Map<String, Object> kafka = new TreeMap<>();
        final List<String> problems = new ArrayList<>();
        for (final Map.Entry<String, ?> e : originals.entrySet()) {
            final String key = e.getKey();
            if (CONFIG_DEF.names().contains(key)) {
                defined.put(key, e.getValue());
            } else if (pipelineKeyNames.contains(key)) {
                definedPipelineKeys.put(key, e.getValue());
            } else if (key.startsWith(PIPELINE_PREFIX)) {
                problems.add(unknownPipelineKeyMessage(key, declared, pipelineKeyNames, sources));
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
                problems.add(unknownKeyMessage(key, sources, pipelineKeyNames));
            }
        }
        for (final ConfigKey k : CONFIG_DEF.configKeys().values()) {
            if (!k.hasDefault() && !defined.containsKey(k.name)) {
                problems.add(missingMessage(k.name));
            }
        }
        for (final String key : List.of(INPUT_TOPICS_CONFIG, MODEL_NAME_CONFIG)) {
            if (declared.isEmpty() && !defined.containsKey(key)) {
                problems.add(missingMessage(key));
            } else if (!declared.isEmpty() && defined.containsKey(key)) {
                problems.add("Configuration key '" + key + "'" + from(sources, key) + " is not allowed when '"
                        + PIPELINES_CONFIG + "' is set: set " + pipelineKeysText(declared, key) + " instead");
            }
        }
        for (final String pipeline : declared) {
            for (final PipelineKey pk : PIPELINE_KEYS) {
                final String key = pipelineKey(pipeline, pk.suffix());
                if (pk.required() && !definedPipelineKeys.containsKey(key)) {
                    problems.add(missingMessage(key));
                }
            }
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(String.join("; ", problems));
        }
        // Each given value alone first, so that the message can say where the bad value came from.
        for (final Map.Entry<String, Object> e : defined.entrySet()) {
            validateOne(CONFIG_DEF, e.getKey(), e.getValue(), sources);
        }
        // The pipelines' keys default to the global values, so they are defined once those are known.
        this.definition = withPipelineKeys(declared, CONFIG_DEF.parse(defined));
        for (final Map.Entry<String, Object> e : definedPipelineKeys.entrySet()) {
            validateOne(definition, e.getKey(), e.getValue(), sources);
        }
        defined.putAll(definedPipelineKeys);
        this.values = Collections.unmodifiableMap(definition.parse(defined));
        this.kafkaOverrides = Collections.unmodifiableMap(kafka);

        this.bootstrapServers = string(BOOTSTRAP_SERVERS_CONFIG);
        this.applicationId = string(APPLICATION_ID_CONFIG);
        this.processingGuarantee = string(PROCESSING_GUARANTEE_CONFIG);
        this.numStreamThreads = (Integer) values.get(NUM_STREAM_THREADS_CONFIG);
        this.commitIntervalMs = (Long) values.get(COMMIT_INTERVAL_MS_CONFIG);
        this.configuredStateDir = string(STATE_DIR_CONFIG);
        this.outputTopic = string(OUTPUT_TOPIC_CONFIG);
        this.shadowTopic = string(SHADOW_TOPIC_CONFIG).isEmpty()
                ? PipelineSettings.defaultShadowTopic(outputTopic) : string(SHADOW_TOPIC_CONFIG);
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
        this.modelCacheMaxBytes = (Long) values.get(MODEL_CACHE_MAX_BYTES_CONFIG);
        this.modelCacheDir = cacheDirectory(string(MODEL_CACHE_DIR_CONFIG), modelCacheMaxBytes);
        this.metricsEnabled = (Boolean) values.get(METRICS_ENABLED_CONFIG);
        this.metricsPort = (Integer) values.get(METRICS_PORT_CONFIG);
        this.metricsBindAddress = string(METRICS_BIND_ADDRESS_CONFIG);

        final List<PipelineDraft> drafts = drafts(declared, defined.keySet());
        checkTopicRoles(drafts);
        this.pipelines = pipelineSettings(drafts);
        this.topologySettings = topologySettings(pipelines);
        if (declared.isEmpty()) {
            this.inputTopics = list(INPUT_TOPICS_CONFIG);
            this.modelName = string(MODEL_NAME_CONFIG);
        } else {
            final List<String> all = new ArrayList<>();
            for (final PipelineSettings p : pipelines) {
                all.addAll(p.inputTopics());
            }
            this.inputTopics = List.copyOf(all);
            this.modelName = pipelines.get(0).scoring().modelName();
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
     * commit interval, {@linkplain #stateDir() state directory}, {@code max.task.idle.ms=-1} (see
     * below), then every {@linkplain #kafkaOverrides() override} ({@code kafka.max.task.idle.ms}
     * restores Kafka's default). No serdes are set: the topology names its serdes. A new,
     * modifiable object on every call.
     *
     * <p>{@code max.task.idle.ms=-1}: a task with several input partitions (a pipeline reading
     * several topics) processes whatever is buffered instead of idling to interleave its partitions
     * in timestamp order. Scores are independent of each other (no join, no window), so that
     * ordering buys nothing here, and Kafka Streams' idling check is expensive: with it enabled,
     * {@code PartitionGroup.readyToProcess} formats log strings for every record it is asked about
     * (seen as ~13% of the scoring thread's allocations in a profile of the benchmark).
     */
    public Properties streamsProperties() {
        final Properties props = new Properties();
        props.put(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, StreamsConfig.MAX_TASK_IDLE_MS_DISABLED);
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

    /**
     * The input topics, in the order given; unmodifiable, non-empty, without duplicates. With
     * {@value #PIPELINES_CONFIG}: every pipeline's input topics, pipeline by pipeline.
     */
    public List<String> inputTopics() {
        return inputTopics;
    }

    /** {@code output.topic}: the output topic of the single pipeline, or the default of the pipelines'. */
    public String outputTopic() {
        return outputTopic;
    }

    /**
     * The shadow-scores topic of the single pipeline: {@code shadow.topic}, or, when that is empty,
     * {@code <output.topic>-shadow}. With {@value #PIPELINES_CONFIG} see each {@link #pipelines()
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

    /**
     * The field copied into each score as its event id ({@code event.id.field}; with pipelines, the
     * default of theirs); empty means topic-partition@offset.
     */
    public Optional<String> eventIdField() {
        return eventIdField.isEmpty() ? Optional.empty() : Optional.of(eventIdField);
    }

    // ---- batching ---------------------------------------------------------------------------

    /** {@code batch.max.records}; with pipelines, the default of theirs. */
    public int batchMaxRecords() {
        return batchMaxRecords;
    }

    /**
     * The longest a buffered record waits, in milliseconds; 0 means adaptive (flush per poll). With
     * pipelines, the default of theirs.
     */
    public long batchMaxWaitMs() {
        return batchMaxWaitMs;
    }

    // ---- pipelines --------------------------------------------------------------------------

    /**
     * The scoring pipelines, in the order of {@value #PIPELINES_CONFIG}; without it, one named
     * {@value PipelineSettings#DEFAULT} from the global keys. Non-empty, unmodifiable.
     */
    public List<PipelineSettings> pipelines() {
        return pipelines;
    }

    /** The pipelines with the dead-letter and model topics: what {@code ScoringTopology.build} takes. */
    public TopologySettings topologySettings() {
        return topologySettings;
    }

    /** The distinct models the pipelines score with, in pipeline order; unmodifiable. */
    public List<String> modelNames() {
        final Set<String> names = new LinkedHashSet<>();
        for (final PipelineSettings p : pipelines) {
            names.add(p.scoring().modelName());
        }
        return List.copyOf(names);
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

    /**
     * {@code model.name}: the model of the single pipeline. With {@value #PIPELINES_CONFIG}, where
     * each pipeline names its own, the first pipeline's; use {@link #pipelines()} or
     * {@link #modelNames()} there.
     */
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

    /**
     * The directory of the artifact cache, absolute: {@code model.cache.dir}, or
     * {@code <java.io.tmpdir>/scorestream-artifacts} when that is empty. Empty when the cache is
     * disabled ({@code model.cache.dir=none} or {@code model.cache.max.bytes=0}). Not created here.
     */
    public Optional<Path> modelCacheDir() {
        return Optional.ofNullable(modelCacheDir);
    }

    /** {@code model.cache.max.bytes}: the cache's size limit; 0 means no cache. */
    public long modelCacheMaxBytes() {
        return modelCacheMaxBytes;
    }

    /**
     * The artifact cache for the model registry, created with its directory on the first call and
     * the same instance on every later call on this configuration; empty when the cache is
     * {@linkplain #modelCacheDir() disabled}. The cache holds nothing open: nothing to close.
     *
     * @throws ConfigException naming {@value #MODEL_CACHE_DIR_CONFIG} when the directory cannot be created
     */
    public synchronized Optional<ArtifactCache> artifactCache() {
        if (modelCacheDir == null) {
            return Optional.empty();
        }
        if (artifactCache == null) {
            try {
                artifactCache = new ArtifactCache(modelCacheDir, modelCacheMaxBytes);
            } catch (UncheckedIOException e) {
                throw new ConfigException(MODEL_CACHE_DIR_CONFIG, modelCacheDir.toString(),
                        "cannot create the artifact cache directory: " + e.getCause());
            }
        }
        return Optional.of(artifactCache);
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
     * The effective configuration, every defined key (defaults included; the declared pipelines'
     * keys with the values they took) and every {@code kafka.*} key, as strings in key order, with secret values replaced by {@value Password#HIDDEN}. Safe to
     * log. Unmodifiable.
     */
    public Map<String, String> redacted() {
        final Map<String, String> view = new TreeMap<>();
        for (final ConfigKey k : definition.configKeys().values()) {
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
                .append("(regenerate this file with `bin/scorestream config-doc > docs/CONFIGURATION.md`).\n\n")
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
                .append("`credential` or `token` are never logged.\n\n")
                .append("Several pipelines (models) in one application: `pipelines=fraud,credit` declares them, ")
                .append("and each is configured by the `pipeline.<name>.*` keys of the Pipelines table, which ")
                .append("default to the global keys of the same name. A `pipeline.<name>.*` key of an ")
                .append("undeclared pipeline, or with an unknown setting, fails the start. Their environment ")
                .append("variables follow the same rule (`SCORESTREAM_PIPELINE_FRAUD_BATCH_MAX_RECORDS` sets ")
                .append("`pipeline.fraud.batch.max.records`), so they work for pipeline names without upper-case ")
                .append("letters and without `_`.\n");
        final Map<String, StringBuilder> tables = new LinkedHashMap<>();
        for (final ConfigKey k : sortedByGroup()) {
            row(tables.computeIfAbsent(k.group, g -> new StringBuilder()), "`" + k.name + "`", k.type,
                    defaultText(k), validValuesText(k), k.importance, k.documentation);
        }
        final StringBuilder pipelineTable = tables.computeIfAbsent(GROUP_PIPELINES, g -> new StringBuilder());
        for (final PipelineKey pk : PIPELINE_KEYS) {
            row(pipelineTable, "`" + pipelineKey("<name>", pk.suffix()) + "`", pk.type(),
                    pk.required() ? "*required*" : "as `" + pk.suffix() + "`", pk.validator().toString(),
                    pk.importance(), pk.doc());
        }
        for (final Map.Entry<String, StringBuilder> table : tables.entrySet()) {
            md.append("\n## ").append(table.getKey()).append("\n\n")
                    .append("| Key | Type | Default | Valid values | Importance | Description |\n")
                    .append("|---|---|---|---|---|---|\n")
                    .append(table.getValue());
        }
        return md.toString();
    }

    private static void row(final StringBuilder table, final String key, final Type type, final String defaultText,
                            final String validValues, final Importance importance, final String doc) {
        table.append("| ").append(cell(key)).append(" | ")
                .append(type.name().toLowerCase(Locale.ROOT)).append(" | ")
                .append(cell(defaultText)).append(" | ")
                .append(prose(validValues)).append(" | ")
                .append(importance.name().toLowerCase(Locale.ROOT)).append(" | ")
                .append(prose(doc)).append(" |\n");
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
                // Required unless pipelines is set, which the constructor checks (a ConfigDef cannot).
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
                        EVENT_ID_FIELD_DOC);
        d.group(GROUP_BATCHING)
                .define(BATCH_MAX_RECORDS_CONFIG, Type.INT, 256, Range.between(1, 65536), Importance.HIGH,
                        BATCH_MAX_RECORDS_DOC)
                .define(BATCH_MAX_WAIT_MS_CONFIG, Type.LONG, 5L, Range.atLeast(0), Importance.HIGH,
                        BATCH_MAX_WAIT_MS_DOC);
        d.group(GROUP_PIPELINES)
                .define(PIPELINES_CONFIG, Type.LIST, "", Validators.pipelineNames(), Importance.MEDIUM,
                        PIPELINES_DOC);
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
                .define(MODEL_NAME_CONFIG, Type.STRING, null, Validators.nullOr(Validators.nonBlank(), ""),
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
                        MODEL_ARTIFACT_ALLOWED_HOSTS_DOC)
                .define(MODEL_CACHE_DIR_CONFIG, Type.STRING, "", Validators.cacheDirectory(MODEL_CACHE_DISABLED),
                        Importance.MEDIUM, MODEL_CACHE_DIR_DOC)
                .define(MODEL_CACHE_MAX_BYTES_CONFIG, Type.LONG, 2L * 1024 * 1024 * 1024, Range.atLeast(0),
                        Importance.LOW, MODEL_CACHE_MAX_BYTES_DOC);
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

    private static void validateOne(final ConfigDef def, final String key, final Object value,
                                    final Map<String, String> sources) {
        final ConfigKey k = def.configKeys().get(key);
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

    // ---- pipelines --------------------------------------------------------------------------

    /** The key of setting {@code setting} (a global key's name, e.g. {@code batch.max.records}) of pipeline {@code pipeline}. */
    public static String pipelineKey(final String pipeline, final String setting) {
        return PIPELINE_PREFIX + pipeline + "." + setting;
    }

    /** The value of {@value #PIPELINES_CONFIG}, checked alone first: every other key's meaning depends on it. */
    private static List<String> declaredPipelines(final Map<String, ?> originals, final Map<String, String> sources) {
        if (!originals.containsKey(PIPELINES_CONFIG)) {
            return List.of();
        }
        final Object value = originals.get(PIPELINES_CONFIG);
        validateOne(CONFIG_DEF, PIPELINES_CONFIG, value, sources);
        @SuppressWarnings("unchecked")
        final List<String> names = (List<String>) ConfigDef.parseType(PIPELINES_CONFIG, value, Type.LIST);
        return List.copyOf(names);
    }

    /** Every key the declared pipelines take, pipeline by pipeline. */
    private static Set<String> pipelineKeyNames(final List<String> declared) {
        final Set<String> names = new LinkedHashSet<>();
        for (final String pipeline : declared) {
            for (final PipelineKey pk : PIPELINE_KEYS) {
                names.add(pipelineKey(pipeline, pk.suffix()));
            }
        }
        return names;
    }

    /**
     * {@link #CONFIG_DEF} plus, for each declared pipeline, its keys: typed and validated like the
     * global keys they are named after, defaulting to their parsed values ({@code globals}).
     */
    private static ConfigDef withPipelineKeys(final List<String> declared, final Map<String, Object> globals) {
        final ConfigDef def = new ConfigDef(CONFIG_DEF);
        int order = CONFIG_DEF.configKeys().size();
        for (final String pipeline : declared) {
            for (final PipelineKey pk : PIPELINE_KEYS) {
                final String key = pipelineKey(pipeline, pk.suffix());
                def.define(key, pk.type(), pk.required() ? ConfigDef.NO_DEFAULT_VALUE : globals.get(pk.suffix()),
                        pk.validator(), pk.importance(), pk.doc(), GROUP_PIPELINES, ++order, ConfigDef.Width.MEDIUM,
                        key);
            }
        }
        return def;
    }

    /** What each pipeline is configured with, before any cross-key check. */
    private List<PipelineDraft> drafts(final List<String> declared, final Set<String> given) {
        final List<PipelineDraft> drafts = new ArrayList<>();
        if (declared.isEmpty()) {
            final Map<String, String> keys = new HashMap<>();
            for (final PipelineKey pk : PIPELINE_KEYS) {
                keys.put(pk.suffix(), pk.suffix());
            }
            if (string(SHADOW_TOPIC_CONFIG).isEmpty()) {
                keys.put(SHADOW_TOPIC_CONFIG, SHADOW_TOPIC_CONFIG + " (empty: " + OUTPUT_TOPIC_CONFIG + "-shadow)");
            }
            drafts.add(new PipelineDraft(PipelineSettings.DEFAULT, keys, list(INPUT_TOPICS_CONFIG),
                    string(MODEL_NAME_CONFIG), outputTopic, shadowTopic, batchMaxRecords, batchMaxWaitMs,
                    eventIdField));
            return drafts;
        }
        for (final String pipeline : declared) {
            final Map<String, String> keys = new HashMap<>();
            for (final PipelineKey pk : PIPELINE_KEYS) {
                final String key = pipelineKey(pipeline, pk.suffix());
                keys.put(pk.suffix(), given.contains(key) ? key : key + " (defaulting to " + pk.suffix() + ")");
            }
            final String output = string(pipelineKey(pipeline, OUTPUT_TOPIC_CONFIG));
            String shadow = string(pipelineKey(pipeline, SHADOW_TOPIC_CONFIG));
            if (shadow.isEmpty()) {
                shadow = PipelineSettings.defaultShadowTopic(output);
                keys.put(SHADOW_TOPIC_CONFIG, pipelineKey(pipeline, SHADOW_TOPIC_CONFIG) + " (defaulting to "
                        + pipelineKey(pipeline, OUTPUT_TOPIC_CONFIG) + "-shadow)");
            }
            drafts.add(new PipelineDraft(pipeline, keys, list(pipelineKey(pipeline, INPUT_TOPICS_CONFIG)),
                    string(pipelineKey(pipeline, MODEL_NAME_CONFIG)), output, shadow,
                    (Integer) values.get(pipelineKey(pipeline, BATCH_MAX_RECORDS_CONFIG)),
                    (Long) values.get(pipelineKey(pipeline, BATCH_MAX_WAIT_MS_CONFIG)),
                    string(pipelineKey(pipeline, EVENT_ID_FIELD_CONFIG))));
        }
        return drafts;
    }

    /**
     * Each topic has one role: an input topic is read by one pipeline and written by nobody; the
     * dead-letter and model topics are nobody else's. Pipelines may share an output topic, or a
     * shadow topic (scores name their model). The message names both keys involved.
     */
    private void checkTopicRoles(final List<PipelineDraft> drafts) {
        final Map<String, TopicClaim> claims = new LinkedHashMap<>();
        for (final PipelineDraft d : drafts) {
            for (final String topic : d.inputTopics()) {
                claim(claims, topic, TopicRole.INPUT, d.key(INPUT_TOPICS_CONFIG));
            }
        }
        for (final PipelineDraft d : drafts) {
            claim(claims, d.outputTopic(), TopicRole.OUTPUT, d.key(OUTPUT_TOPIC_CONFIG));
            claim(claims, d.shadowTopic(), TopicRole.SHADOW, d.key(SHADOW_TOPIC_CONFIG));
        }
        claim(claims, deadLetterTopic, TopicRole.OTHER, DEAD_LETTER_TOPIC_CONFIG);
        claim(claims, modelTopic, TopicRole.OTHER, MODEL_TOPIC_CONFIG);
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

    private List<PipelineSettings> pipelineSettings(final List<PipelineDraft> drafts) {
        final List<PipelineSettings> out = new ArrayList<>(drafts.size());
        final Duration modelWait = Duration.ofMillis(modelWaitTimeoutMs);
        for (final PipelineDraft d : drafts) {
            try {
                out.add(new PipelineSettings(d.name(), d.inputTopics(), d.outputTopic(), d.shadowTopic(),
                        new ScoringSettings(d.modelName(), d.batchMaxRecords(), d.batchMaxWaitMs(),
                                d.eventIdField().isEmpty() ? null : d.eventIdField(), modelWait)));
            } catch (IllegalArgumentException e) {
                // The checks above should have caught it; this keeps the promise of a ConfigException.
                throw new ConfigException("Invalid pipeline '" + d.name() + "': " + e.getMessage());
            }
        }
        return List.copyOf(out);
    }

    private TopologySettings topologySettings(final List<PipelineSettings> pipelines) {
        try {
            return new TopologySettings(pipelines, deadLetterTopic, modelTopic);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("Invalid " + PIPELINES_CONFIG + ": " + e.getMessage());
        }
    }

    /** The cache directory, or null when the cache is disabled. */
    private static Path cacheDirectory(final String configured, final long maxBytes) {
        if (maxBytes == 0 || MODEL_CACHE_DISABLED.equals(configured)) {
            return null;
        }
        final Path dir = configured.isEmpty()
                ? Path.of(System.getProperty("java.io.tmpdir"), DEFAULT_CACHE_DIRECTORY_NAME) : Path.of(configured);
        return dir.toAbsolutePath().normalize();
    }

    /** A setting of a pipeline: its suffix (the global key it falls back to), type, validator, doc. */
    private record PipelineKey(String suffix, Type type, ConfigDef.Validator validator, boolean required,
                               Importance importance, String doc) {
    }

    /**
     * One pipeline's values, with, by setting, the key that gave each (for messages; it says when
     * the value is a global key's default).
     */
    private record PipelineDraft(String name, Map<String, String> keys, List<String> inputTopics, String modelName,
                                 String outputTopic, String shadowTopic, int batchMaxRecords, long batchMaxWaitMs,
                                 String eventIdField) {
        String key(final String setting) {
            return keys.get(setting);
        }
    }

    private enum TopicRole { INPUT, OUTPUT, SHADOW, OTHER }

    private record TopicClaim(TopicRole role, String key) {
    }

    private static String missingMessage(final String key) {
        final String env = envName(key);
        return "Missing required configuration \"" + key + "\" which has no default value (set " + key
                + " in the properties file, or " + (key.equals(keyOfEnv(env)) ? env + " in the environment)"
                : "with --set; its pipeline's name cannot be spelled in an environment variable)");
    }

    /** {@code pipeline.<each declared>.<setting>}, for messages. */
    private static String pipelineKeysText(final List<String> declared, final String setting) {
        final List<String> keys = new ArrayList<>();
        for (final String pipeline : declared) {
            keys.add("'" + pipelineKey(pipeline, setting) + "'");
        }
        return String.join(", ", keys);
    }

    /** Why {@code key}, which starts with {@value #PIPELINE_PREFIX} but is no declared pipeline's key, is refused. */
    private static String unknownPipelineKeyMessage(final String key, final List<String> declared,
                                                    final Set<String> pipelineKeyNames,
                                                    final Map<String, String> sources) {
        final String source = sources.get(key);
        final boolean fromEnv = source != null && source.startsWith("environment variable ");
        final StringBuilder msg = new StringBuilder("Unknown configuration key '").append(key).append('\'');
        if (source != null) {
            msg.append(" (set in ").append(source).append(')');
        }
        final String rest = key.substring(PIPELINE_PREFIX.length());
        final List<String> settings = new ArrayList<>();
        String pipeline = null;
        for (final PipelineKey pk : PIPELINE_KEYS) {
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
        final String closest = closestKey(key, pipelineKeyNames);
        if (closest != null) {
            msg.append("; did you mean '").append(closest).append('\'');
            if (fromEnv && closest.equals(keyOfEnv(envName(closest)))) {
                msg.append(" (").append(envName(closest)).append(')');
            }
            msg.append('?');
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

    private static String unknownKeyMessage(final String key, final Map<String, String> sources,
                                            final Collection<String> pipelineKeyNames) {
        final String source = sources.get(key);
        final boolean fromEnv = source != null && source.startsWith("environment variable ");
        final StringBuilder msg = new StringBuilder("Unknown configuration key '").append(key).append('\'');
        if (source != null) {
            msg.append(" (set in ").append(source).append(')');
        }
        final String closest = closestKey(key, pipelineKeyNames);
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
        return closestKey(key, List.of());
    }

    /**
     * The key nearest to {@code key} among the defined keys and {@code pipelineKeys}, if it is a few
     * edits away; otherwise null.
     */
    static String closestKey(final String key, final Collection<String> pipelineKeys) {
        final int limit = Math.max(2, key.length() / 6);
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        final List<String> candidates = new ArrayList<>(CONFIG_DEF.names());
        candidates.addAll(pipelineKeys);
        for (final String candidate : candidates) {
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
        if (k.name.equals(INPUT_TOPICS_CONFIG) || k.name.equals(MODEL_NAME_CONFIG)) {
            return "*required* without `" + PIPELINES_CONFIG + "`";
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

    /** Makes plain text (no code spans) safe inside one Markdown table cell: {@code <name>} is no HTML tag. */
    private static String prose(final String text) {
        return cell(text).replace("<", "&lt;");
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
