package io.scorestream.app.config;

import io.scorestream.topology.PipelineSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.ValidString;
import org.apache.kafka.streams.StreamsConfig;

/**
 * The keys of group {@value #GROUP}: brokers, application id, processing guarantee, threads, commit
 * interval and state directory; and the pass-through keys {@value #KAFKA_PREFIX}{@code <setting>},
 * handed, prefix stripped, to every Kafka client and to Kafka Streams
 * ({@code kafka.security.protocol}, {@code kafka.sasl.jaas.config}, ...). A pass-through key that a
 * key here owns ({@code kafka.bootstrap.servers}, {@code kafka.application.id}, ...) is refused, so
 * that one setting never has two spellings. So is, unless {@value #UNKNOWN_KEYS_CONFIG} is
 * {@value #UNKNOWN_KEYS_WARN}, one whose setting Kafka does not know ({@link KafkaKeys} says which it
 * knows), with the closest known key when one is a few edits away: {@code kafka.linger.mss} would
 * otherwise be ignored without a word.
 *
 * <h2>The producer's {@code linger.ms} follows the batch window</h2>
 * Kafka Streams gives its producer {@code linger.ms=}{@value #STREAMS_PRODUCER_LINGER_MS} (its
 * override of the producer default): outside a transaction a score may wait that long in the
 * producer after its batch was scored, whatever {@code batch.max.wait.ms} says. Unless the user sets
 * the producer's {@code linger.ms} ({@value #LINGER_KEY} or {@value #PRODUCER_LINGER_KEY}, the only
 * two spellings that reach Kafka Streams' producer; either wins, and the second wins over the first,
 * as in Kafka Streams), each Kafka Streams client's producer gets
 * {@code linger.ms = min(batch.max.wait.ms, }{@value #STREAMS_PRODUCER_LINGER_MS}{@code )} of the
 * pipeline it runs ({@link #derivedLingerMs(long)}): a 5 ms window lingers 5 ms, the adaptive window
 * ({@code 0}) sends at once, a window longer than 100 ms keeps Kafka Streams' 100. Under
 * {@code exactly_once_v2} a score is visible to {@code read_committed} consumers only when its
 * transaction commits, every {@code commit.interval.ms}, and a commit flushes the producer whatever
 * its linger: there {@code commit.interval.ms} bounds the latency and the derived linger changes
 * little. {@link #producerLinger(String)} says which value a client gets and why.
 *
 * <h2>The producer's {@code batch.size} is larger than Kafka's</h2>
 * A score is a record of 100 to 200 bytes, so Kafka's {@code batch.size} of
 * {@value #KAFKA_PRODUCER_BATCH_SIZE} bytes closes a batch every hundred scores or so: at a hundred
 * thousand scores a second that is a thousand produce batches a second, each one paid for by the
 * producer's sender and, more, by the broker. Unless the user sets it ({@value #BATCH_SIZE_KEY} or
 * {@value #PRODUCER_BATCH_SIZE_KEY}, the second winning as in Kafka Streams), each Kafka Streams
 * client's producer gets {@code batch.size=}{@value #DEFAULT_PRODUCER_BATCH_SIZE}, or the producer's
 * {@code max.request.size} when the user set that lower. It changes no latency: a batch is sent when
 * its {@code linger.ms} is up, or at a commit, whether it is full or not; a producer holds at most one
 * open batch buffer per partition it writes to, out of its {@code buffer.memory} (32 MiB by default).
 * {@link #producerBatchSize()} says which value the clients get and why.
 *
 * <p>An instance is the typed reading of these keys for one {@link ScorestreamConfig}
 * ({@link ScorestreamConfig#kafka()}). Immutable, but for the temporary state directory, created at
 * most once; thread-safe.
 */
public final class KafkaStreamsConfig {

    /** The group of these keys in the definition and the documentation. */
    public static final String GROUP = "Kafka Streams";

    /** Prefix of the keys handed, prefix stripped, to Kafka clients and Kafka Streams. */
    public static final String KAFKA_PREFIX = "kafka.";

    public static final String BOOTSTRAP_SERVERS_CONFIG = "bootstrap.servers";
    private static final String BOOTSTRAP_SERVERS_DOC = "Kafka brokers to connect to, as a comma-separated "
            + "list of host:port pairs.";

    public static final String APPLICATION_ID_CONFIG = "application.id";
    private static final String APPLICATION_ID_DOC = "Kafka Streams application id: the consumer group, and the "
            + "prefix of internal topics and transactional ids. Instances with the same id share the input "
            + "partitions. With pipelines, each pipeline N runs in a Kafka Streams client of its own, whose "
            + "application id is <application.id>-N (so that one waiting for its model can be paused alone).";

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

    /** Our key, despite its prefix: what to do with a pass-through key whose setting Kafka does not know. */
    public static final String UNKNOWN_KEYS_CONFIG = "kafka.config.unknown";
    /** {@value #UNKNOWN_KEYS_CONFIG}: a pass-through key whose setting Kafka does not know stops the start. */
    public static final String UNKNOWN_KEYS_ERROR = "error";
    /** {@value #UNKNOWN_KEYS_CONFIG}: a pass-through key whose setting Kafka does not know is logged and passed on. */
    public static final String UNKNOWN_KEYS_WARN = "warn";
    private static final String UNKNOWN_KEYS_DOC = "What to do with a key kafka.<setting> whose setting Kafka "
            + "does not know: not a setting of a producer, consumer or admin client or of Kafka Streams, nor one "
            + "of theirs behind a Kafka Streams prefix (producer., consumer., main.consumer., restore.consumer., "
            + "global.consumer., admin.; topic. with a topic setting), nor config.providers.<name>.class, "
            + "config.providers.<name>.param.*, metrics.context.* or client.tag.*. error: stop the start, "
            + "naming the key and the closest known one. warn: log a warning naming it and pass it on (for "
            + "settings that only a plugin, such as a serde or an interceptor, reads). This key itself is not "
            + "passed to Kafka.";

    /**
     * Kafka Streams' {@code linger.ms} for its producers (its override of the producer default, in
     * Kafka 4.3; a test checks that it still is): the most a derived {@code linger.ms} can be.
     */
    public static final long STREAMS_PRODUCER_LINGER_MS = 100L;

    /** The pass-through key of the {@code linger.ms} of every client that has one (Kafka Streams' producer). */
    public static final String LINGER_KEY = KAFKA_PREFIX + ProducerConfig.LINGER_MS_CONFIG;

    /** The pass-through key of the {@code linger.ms} of Kafka Streams' producer only; wins over {@value #LINGER_KEY}. */
    public static final String PRODUCER_LINGER_KEY =
            KAFKA_PREFIX + StreamsConfig.PRODUCER_PREFIX + ProducerConfig.LINGER_MS_CONFIG;

    /**
     * Kafka's producer default {@code batch.size} (a test checks that it still is, and that Kafka Streams
     * leaves it): what {@link #DEFAULT_PRODUCER_BATCH_SIZE} replaces.
     */
    public static final int KAFKA_PRODUCER_BATCH_SIZE = 16_384;

    /**
     * The {@code batch.size} of Kafka Streams' producer unless the user sets one: 128 KiB. On the
     * benchmark it gave the demo model 1.3 to 1.6 times the events per second of Kafka's 16 KiB, for
     * less CPU per event (docs/PERFORMANCE.md, "The producer's batch size").
     */
    public static final int DEFAULT_PRODUCER_BATCH_SIZE = 128 * 1024;

    /** The pass-through key of the {@code batch.size} of every producer (Kafka Streams' included). */
    public static final String BATCH_SIZE_KEY = KAFKA_PREFIX + ProducerConfig.BATCH_SIZE_CONFIG;

    /** The pass-through key of the {@code batch.size} of Kafka Streams' producer only; wins over {@value #BATCH_SIZE_KEY}. */
    public static final String PRODUCER_BATCH_SIZE_KEY =
            KAFKA_PREFIX + StreamsConfig.PRODUCER_PREFIX + ProducerConfig.BATCH_SIZE_CONFIG;

    /** The pass-through key of every producer's {@code max.request.size}: a cap of the default {@code batch.size}. */
    public static final String MAX_REQUEST_SIZE_KEY = KAFKA_PREFIX + ProducerConfig.MAX_REQUEST_SIZE_CONFIG;

    /** The pass-through key of Kafka Streams' producer's {@code max.request.size}; wins over {@value #MAX_REQUEST_SIZE_KEY}. */
    public static final String PRODUCER_MAX_REQUEST_SIZE_KEY =
            KAFKA_PREFIX + StreamsConfig.PRODUCER_PREFIX + ProducerConfig.MAX_REQUEST_SIZE_CONFIG;

    /**
     * How the producer settings scorestream derives defaults around are checked before the start, when
     * the user sets them: what Kafka accepts.
     */
    private static final ConfigDef EXPLICIT_PRODUCER = new ConfigDef()
            .define(LINGER_KEY, Type.LONG, ConfigDef.NO_DEFAULT_VALUE, Range.atLeast(0), Importance.LOW, "")
            .define(PRODUCER_LINGER_KEY, Type.LONG, ConfigDef.NO_DEFAULT_VALUE, Range.atLeast(0), Importance.LOW, "")
            .define(BATCH_SIZE_KEY, Type.INT, ConfigDef.NO_DEFAULT_VALUE, Range.atLeast(0), Importance.LOW, "")
            .define(PRODUCER_BATCH_SIZE_KEY, Type.INT, ConfigDef.NO_DEFAULT_VALUE, Range.atLeast(0), Importance.LOW, "")
            .define(MAX_REQUEST_SIZE_KEY, Type.INT, ConfigDef.NO_DEFAULT_VALUE, Range.atLeast(0), Importance.LOW, "")
            .define(PRODUCER_MAX_REQUEST_SIZE_KEY, Type.INT, ConfigDef.NO_DEFAULT_VALUE, Range.atLeast(0),
                    Importance.LOW, "");

    /** Kafka settings a key here owns; {@code kafka.<one of these>} is refused. */
    private static final Map<String, String> OWNED_KAFKA_KEYS = Map.of(
            CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, BOOTSTRAP_SERVERS_CONFIG,
            StreamsConfig.APPLICATION_ID_CONFIG, APPLICATION_ID_CONFIG,
            StreamsConfig.PROCESSING_GUARANTEE_CONFIG, PROCESSING_GUARANTEE_CONFIG,
            StreamsConfig.NUM_STREAM_THREADS_CONFIG, NUM_STREAM_THREADS_CONFIG,
            StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, COMMIT_INTERVAL_MS_CONFIG,
            StreamsConfig.STATE_DIR_CONFIG, STATE_DIR_CONFIG);

    private final String bootstrapServers;
    private final String applicationId;
    private final String processingGuarantee;
    private final int numStreamThreads;
    private final long commitIntervalMs;
    private final String configuredStateDir;
    private final Map<String, Object> overrides;
    private final ProducerLinger globalLinger;
    private final Map<String, ProducerLinger> pipelineLingers;
    private final ProducerBatchSize batchSize;

    private Path stateDir; // guarded by this; created on first use when state.dir is empty

    /**
     * @param overrides the accepted pass-through settings, prefix stripped (see
     *     {@link #passThroughProblem}), their producer {@code linger.ms} already
     *     {@linkplain #checkExplicitProducerSettings checked}; kept as given, unmodifiable
     * @param batching the global batch window: what {@link #streamsProperties()} derives from
     * @param pipelineWindows each pipeline's {@code batch.max.wait.ms}, by pipeline name, in pipeline order
     */
    KafkaStreamsConfig(final ConfigValues values, final Map<String, Object> overrides, final BatchingConfig batching,
                       final Map<String, Long> pipelineWindows) {
        this.bootstrapServers = values.string(BOOTSTRAP_SERVERS_CONFIG);
        this.applicationId = values.string(APPLICATION_ID_CONFIG);
        this.processingGuarantee = values.string(PROCESSING_GUARANTEE_CONFIG);
        this.numStreamThreads = values.integer(NUM_STREAM_THREADS_CONFIG);
        this.commitIntervalMs = values.longValue(COMMIT_INTERVAL_MS_CONFIG);
        this.configuredStateDir = values.string(STATE_DIR_CONFIG);
        this.overrides = overrides;
        this.globalLinger = producerLinger(overrides, BatchingConfig.BATCH_MAX_WAIT_MS_CONFIG, batching.maxWaitMs());
        final Map<String, ProducerLinger> lingers = new LinkedHashMap<>();
        for (final Map.Entry<String, Long> e : pipelineWindows.entrySet()) {
            final String windowKey = PipelineSettings.DEFAULT.equals(e.getKey())
                    ? BatchingConfig.BATCH_MAX_WAIT_MS_CONFIG
                    : PipelinesConfig.pipelineKey(e.getKey(), BatchingConfig.BATCH_MAX_WAIT_MS_CONFIG);
            lingers.put(e.getKey(), producerLinger(overrides, windowKey, e.getValue()));
        }
        this.pipelineLingers = Collections.unmodifiableMap(lingers);
        this.batchSize = producerBatchSize(overrides);
    }

    /** Adds the keys of group {@value #GROUP} to {@code def}. */
    static void define(final ConfigDef def) {
        new ConfigGroup(def, GROUP)
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
                .define(STATE_DIR_CONFIG, Type.STRING, "", null, Importance.MEDIUM, STATE_DIR_DOC)
                .define(UNKNOWN_KEYS_CONFIG, Type.STRING, UNKNOWN_KEYS_ERROR,
                        ValidString.in(UNKNOWN_KEYS_ERROR, UNKNOWN_KEYS_WARN), Importance.LOW, UNKNOWN_KEYS_DOC);
    }

    /**
     * Whether {@code originals} set {@value #UNKNOWN_KEYS_CONFIG} to {@value #UNKNOWN_KEYS_WARN}; its
     * value is validated alone first, as {@code def} defines it, since how every pass-through key is
     * checked depends on it.
     *
     * @throws org.apache.kafka.common.config.ConfigException when the value is invalid, naming the key and
     *     where it was set
     */
    static boolean passesUnknownKeys(final ConfigDef def, final Map<String, ?> originals,
                                     final Map<String, String> sources) {
        if (!originals.containsKey(UNKNOWN_KEYS_CONFIG)) {
            return false;
        }
        final Object value = originals.get(UNKNOWN_KEYS_CONFIG);
        KeyMessages.validate(def, UNKNOWN_KEYS_CONFIG, value, sources);
        return UNKNOWN_KEYS_WARN.equals(ConfigDef.parseType(UNKNOWN_KEYS_CONFIG, value, Type.STRING));
    }

    /**
     * Checks the producer settings scorestream derives defaults around, when the user set them
     * ({@value #LINGER_KEY}, {@value #PRODUCER_LINGER_KEY}: a non-negative long; {@value #BATCH_SIZE_KEY},
     * {@value #PRODUCER_BATCH_SIZE_KEY}, {@value #MAX_REQUEST_SIZE_KEY},
     * {@value #PRODUCER_MAX_REQUEST_SIZE_KEY}: a non-negative int) as Kafka would, so that a bad one
     * stops the start naming the key and where it was set rather than when the Kafka Streams client is
     * built.
     *
     * @throws org.apache.kafka.common.config.ConfigException naming the key, the value and where it was set
     */
    static void checkExplicitProducerSettings(final Map<String, ?> originals, final Map<String, String> sources) {
        for (final String key : EXPLICIT_PRODUCER.names()) {
            if (originals.containsKey(key)) {
                KeyMessages.validate(EXPLICIT_PRODUCER, key, originals.get(key), sources);
            }
        }
    }

    /**
     * The producer {@code linger.ms} derived from a batch window: {@code batchMaxWaitMs}, capped at
     * Kafka Streams' {@value #STREAMS_PRODUCER_LINGER_MS}; 0 (adaptive) stays 0.
     *
     * @throws IllegalArgumentException when {@code batchMaxWaitMs} is negative
     */
    public static long derivedLingerMs(final long batchMaxWaitMs) {
        if (batchMaxWaitMs < 0) {
            throw new IllegalArgumentException("batch.max.wait.ms must be >= 0, got " + batchMaxWaitMs);
        }
        return Math.min(batchMaxWaitMs, STREAMS_PRODUCER_LINGER_MS);
    }

    /** The linger of a client whose batch window is {@code window}, set by {@code windowKey}. */
    private static ProducerLinger producerLinger(final Map<String, Object> overrides, final String windowKey,
                                                 final long window) {
        // Kafka Streams: a producer.-prefixed setting wins over the unprefixed one.
        for (final String key : List.of(PRODUCER_LINGER_KEY, LINGER_KEY)) {
            final Object value = overrides.get(clientKey(key));
            if (value != null) {
                return new ProducerLinger((Long) ConfigDef.parseType(key, value, Type.LONG), key, null, 0L);
            }
        }
        return new ProducerLinger(derivedLingerMs(window), null, windowKey, window);
    }

    /**
     * The {@code batch.size} of Kafka Streams' producers: the user's ({@value #PRODUCER_BATCH_SIZE_KEY}
     * wins over {@value #BATCH_SIZE_KEY}), else {@value #DEFAULT_PRODUCER_BATCH_SIZE}, capped at the
     * producer's {@code max.request.size} when the user set it lower.
     */
    private static ProducerBatchSize producerBatchSize(final Map<String, Object> overrides) {
        final String explicitKey = firstSet(overrides, PRODUCER_BATCH_SIZE_KEY, BATCH_SIZE_KEY);
        if (explicitKey != null) {
            return new ProducerBatchSize(intValue(overrides, explicitKey), explicitKey, null);
        }
        final String capKey = firstSet(overrides, PRODUCER_MAX_REQUEST_SIZE_KEY, MAX_REQUEST_SIZE_KEY);
        if (capKey != null && intValue(overrides, capKey) < DEFAULT_PRODUCER_BATCH_SIZE) {
            return new ProducerBatchSize(intValue(overrides, capKey), null, capKey);
        }
        return new ProducerBatchSize(DEFAULT_PRODUCER_BATCH_SIZE, null, null);
    }

    /** The first of {@code keys} (pass-through keys) that the overrides set, or null. */
    private static String firstSet(final Map<String, Object> overrides, final String... keys) {
        for (final String key : keys) {
            if (overrides.get(clientKey(key)) != null) {
                return key;
            }
        }
        return null;
    }

    /** The int value the overrides give the pass-through key {@code key} (already checked). */
    private static int intValue(final Map<String, Object> overrides, final String key) {
        return (Integer) ConfigDef.parseType(key, overrides.get(clientKey(key)), Type.INT);
    }

    /**
     * Why the pass-through key {@code key} (which starts with {@value #KAFKA_PREFIX}) is refused, naming
     * it and where it was set; {@code null} when it is accepted. A key whose setting Kafka does not know
     * is refused unless {@code passUnknown} (then see {@link #unknownKeyWarning}).
     */
    static String passThroughProblem(final String key, final Map<String, String> sources,
                                     final boolean passUnknown) {
        final String clientKey = clientKey(key);
        if (clientKey.isBlank()) {
            return "Configuration key '" + key + "'" + KeyMessages.from(sources, key)
                    + " names no Kafka setting after the prefix " + KAFKA_PREFIX;
        }
        if (OWNED_KAFKA_KEYS.containsKey(clientKey)) {
            return "Configuration key '" + key + "'" + KeyMessages.from(sources, key) + " is not allowed: set '"
                    + OWNED_KAFKA_KEYS.get(clientKey) + "' instead";
        }
        if (!passUnknown && !KafkaKeys.isKnown(clientKey)) {
            return unknownSetting(key, sources).append(" (").append(UNKNOWN_KEYS_CONFIG).append('=')
                    .append(UNKNOWN_KEYS_WARN).append(" passes such keys on)").toString();
        }
        return null;
    }

    /**
     * The warning for the accepted pass-through key {@code key} when Kafka does not know its setting,
     * naming it, where it was set and the closest known key; {@code null} when Kafka knows it.
     */
    static String unknownKeyWarning(final String key, final Map<String, String> sources) {
        if (KafkaKeys.isKnown(clientKey(key))) {
            return null;
        }
        return unknownSetting(key, sources).append(" Passed on to Kafka unchecked, as ").append(UNKNOWN_KEYS_CONFIG)
                .append('=').append(UNKNOWN_KEYS_WARN).append('.').toString();
    }

    /** That Kafka does not know the setting of {@code key}, with the closest known key when there is one. */
    private static StringBuilder unknownSetting(final String key, final Map<String, String> sources) {
        final StringBuilder msg = KeyMessages.unknown(key, sources)
                .append(": Kafka's clients and Kafka Streams define no setting '").append(clientKey(key)).append('\'');
        final String closest = KeyMessages.closestKey(key, Suggestions.KEYS);
        if (closest != null) {
            KeyMessages.suggest(msg, closest, KeyMessages.fromEnvironment(sources, key));
        }
        return msg;
    }

    /** The Kafka setting of the pass-through key {@code key}: {@code key} without {@value #KAFKA_PREFIX}. */
    static String clientKey(final String key) {
        return key.substring(KAFKA_PREFIX.length());
    }

    /** Whether {@code key} is a setting of Kafka Streams or of a Kafka producer, consumer or admin client. */
    static boolean isClientKey(final String key) {
        return KafkaKeys.isClientOrStreamsSetting(key);
    }

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
     * {@link ScorestreamConfig#redacted()}.
     */
    public Map<String, Object> overrides() {
        return overrides;
    }

    /**
     * Settings for a plain Kafka client (producer, consumer, admin): {@code bootstrap.servers} and
     * the {@linkplain #overrides() overrides}. A new, modifiable map on every call.
     */
    public Map<String, Object> clientProperties() {
        final Map<String, Object> props = new HashMap<>(overrides);
        props.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        return props;
    }

    /**
     * Kafka Streams properties: application id, bootstrap servers, processing guarantee, threads,
     * commit interval, {@linkplain #stateDir() state directory}, {@code max.task.idle.ms=-1} (see
     * below), then every {@linkplain #overrides() override} ({@code kafka.max.task.idle.ms}
     * restores Kafka's default), then, unless an override sets the producer's {@code linger.ms},
     * {@code producer.linger.ms} {@linkplain #producerLinger() derived} from the global
     * {@code batch.max.wait.ms}, and unless one sets its {@code batch.size},
     * {@code producer.batch.size} {@linkplain #producerBatchSize() of scorestream} (see the class
     * comment). No serdes are set: the topology names its serdes. A new, modifiable object on every call.
     *
     * <p>{@code max.task.idle.ms=-1}: a task with several input partitions (a pipeline reading
     * several topics) processes whatever is buffered instead of idling to interleave its partitions
     * in timestamp order. Scores are independent of each other (no join, no window), so that
     * ordering buys nothing here, and Kafka Streams' idling check is expensive: with it enabled,
     * {@code PartitionGroup.readyToProcess} formats log strings for every record it is asked about
     * (seen as ~13% of the scoring thread's allocations in a profile of the benchmark).
     */
    public Properties streamsProperties() {
        return streamsProperties(globalLinger);
    }

    private Properties streamsProperties(final ProducerLinger linger) {
        final Properties props = new Properties();
        props.put(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, StreamsConfig.MAX_TASK_IDLE_MS_DISABLED);
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, processingGuarantee);
        props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, numStreamThreads);
        props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, commitIntervalMs);
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir().toString());
        props.putAll(overrides);
        if (linger.derived()) {
            props.put(StreamsConfig.producerPrefix(ProducerConfig.LINGER_MS_CONFIG), linger.lingerMs());
        }
        if (batchSize.derived()) {
            props.put(StreamsConfig.producerPrefix(ProducerConfig.BATCH_SIZE_CONFIG), batchSize.bytes());
        }
        return props;
    }

    /**
     * The {@code batch.size} of the producer of every Kafka Streams client: the user's, or
     * scorestream's default (see the class comment).
     */
    public ProducerBatchSize producerBatchSize() {
        return batchSize;
    }

    /**
     * The {@code linger.ms} of the producer of {@link #streamsProperties()}: the user's, or derived
     * from the global {@code batch.max.wait.ms} (see the class comment).
     */
    public ProducerLinger producerLinger() {
        return globalLinger;
    }

    /**
     * The {@code linger.ms} of the producer of {@link #streamsProperties(String) pipeline}'s client:
     * the user's, or derived from the pipeline's own {@code batch.max.wait.ms} (see the class comment).
     *
     * @throws IllegalArgumentException when this configuration has no pipeline of that name
     */
    public ProducerLinger producerLinger(final String pipeline) {
        final ProducerLinger linger = pipelineLingers.get(pipeline);
        if (linger == null) {
            throw new IllegalArgumentException("No pipeline '" + pipeline + "' in this configuration; its pipelines: "
                    + pipelineLingers.keySet());
        }
        return linger;
    }

    /**
     * The Kafka Streams application id of a pipeline's client: {@code application.id} for the
     * implicit pipeline of a configuration without {@code pipelines}
     * ({@value PipelineSettings#DEFAULT}), {@code application.id-<pipeline>} for a named one. Each
     * pipeline runs in a client of its own, so that one waiting for its model can be paused while
     * the others score; the id depends on the pipeline's name only, not on its place in the list.
     */
    public String applicationId(final String pipeline) {
        return PipelineSettings.DEFAULT.equals(pipeline) ? applicationId : applicationId + "-" + pipeline;
    }

    /**
     * {@link #streamsProperties()} for a pipeline's client: its {@linkplain #applicationId(String)
     * application id}, a configured {@code client.id} suffixed the same way, and its producer's
     * {@linkplain #producerLinger(String) linger.ms} derived from the pipeline's own batch window.
     *
     * @throws IllegalArgumentException when this configuration has no pipeline of that name
     */
    public Properties streamsProperties(final String pipeline) {
        final Properties props = streamsProperties(producerLinger(pipeline));
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId(pipeline));
        final Object clientId = props.get(StreamsConfig.CLIENT_ID_CONFIG);
        if (clientId != null && !PipelineSettings.DEFAULT.equals(pipeline)) {
            props.put(StreamsConfig.CLIENT_ID_CONFIG, clientId + "-" + pipeline);
        }
        return props;
    }

    /**
     * The {@code linger.ms} a Kafka Streams client's producer gets, and why.
     *
     * @param lingerMs the value, in milliseconds
     * @param explicitKey the pass-through key that set it ({@value #LINGER_KEY} or
     *     {@value #PRODUCER_LINGER_KEY}); {@code null} when derived
     * @param windowKey when derived, the key of the batch window it was derived from
     *     ({@code batch.max.wait.ms} or {@code pipeline.<name>.batch.max.wait.ms}); else {@code null}
     * @param windowMs when derived, that window's value; else 0
     */
    public record ProducerLinger(long lingerMs, String explicitKey, String windowKey, long windowMs) {

        /** Whether it was derived from the batch window, the user having set no producer {@code linger.ms}. */
        public boolean derived() {
            return explicitKey == null;
        }

        /**
         * Where the value comes from, in words: {@code set by kafka.linger.ms},
         * {@code derived from batch.max.wait.ms=5}, {@code derived from batch.max.wait.ms=500, capped at
         * Kafka Streams' 100}.
         */
        public String origin() {
            if (!derived()) {
                return "set by " + explicitKey;
            }
            return String.format(Locale.ROOT, "derived from %s=%d%s", windowKey, windowMs,
                    windowMs > lingerMs ? ", capped at Kafka Streams' " + STREAMS_PRODUCER_LINGER_MS : "");
        }
    }

    /**
     * The {@code batch.size} Kafka Streams' producers get, and why.
     *
     * @param bytes the value, in bytes
     * @param explicitKey the pass-through key that set it ({@value #BATCH_SIZE_KEY} or
     *     {@value #PRODUCER_BATCH_SIZE_KEY}); {@code null} when it is scorestream's
     * @param capKey when scorestream's default was capped, the {@code max.request.size} key that capped
     *     it; else {@code null}
     */
    public record ProducerBatchSize(int bytes, String explicitKey, String capKey) {

        /** Whether it is scorestream's, the user having set no producer {@code batch.size}. */
        public boolean derived() {
            return explicitKey == null;
        }

        /**
         * Where the value comes from, in words: {@code set by kafka.batch.size},
         * {@code scorestream's default (Kafka's is 16384)}, {@code scorestream's default 131072, capped at
         * kafka.max.request.size}.
         */
        public String origin() {
            if (!derived()) {
                return "set by " + explicitKey;
            }
            if (capKey != null) {
                return "scorestream's default " + DEFAULT_PRODUCER_BATCH_SIZE + ", capped at " + capKey;
            }
            return "scorestream's default (Kafka's is " + KAFKA_PRODUCER_BATCH_SIZE + ")";
        }
    }

    /**
     * The keys a misspelt pass-through key is compared with: each of {@link KafkaKeys#names()} but those
     * a key here owns, behind {@value #KAFKA_PREFIX}; and {@value #UNKNOWN_KEYS_CONFIG}. Built on first use.
     */
    private static final class Suggestions {

        static final List<String> KEYS = keys();

        private static List<String> keys() {
            final List<String> keys = new ArrayList<>();
            for (final String setting : KafkaKeys.names()) {
                if (!OWNED_KAFKA_KEYS.containsKey(setting)) {
                    keys.add(KAFKA_PREFIX + setting);
                }
            }
            keys.add(UNKNOWN_KEYS_CONFIG);
            return List.copyOf(keys);
        }
    }
}
