package io.scorestream.topology;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scorestream.inference.Device;
import io.scorestream.inference.InferenceSettings;
import io.scorestream.inference.OnnxModelLoader;
import io.scorestream.inference.registry.DefaultArtifactFetcher;
import io.scorestream.inference.registry.ModelRegistry;
import io.scorestream.inference.registry.RegistryListener;
import io.scorestream.inference.registry.RegistrySettings;
import io.scorestream.schemas.ModelSpec;
import io.scorestream.schemas.ScoreResult;
import io.scorestream.schemas.Transaction;
import io.scorestream.schemas.registry.InMemorySchemaRegistry;
import io.scorestream.schemas.registry.SchemaRegistry;
import io.scorestream.schemas.serde.ConfluentAvroDeserializer;
import io.scorestream.schemas.serde.ConfluentAvroSerializer;
import io.scorestream.topology.errors.DeadLetteringDeserializationHandler;
import io.scorestream.topology.errors.DeadLetteringProcessingHandler;
import io.scorestream.topology.errors.FailingProductionExceptionHandler;
import io.scorestream.topology.processor.ScoringObserver;
import io.scorestream.topology.processor.ScoringSettings;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Properties;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;

/**
 * The scoring topology of one model, {@value #MODEL}, on a {@link TopologyTestDriver}, wired as
 * the application wires it: the dead-lettering deserialization and processing handlers, the
 * failing production handler and the dead-letter topic {@value #DEAD_LETTERS}. Models are loaded
 * by a real {@link ModelRegistry} on the CPU; they go live when a spec is piped into the model
 * topic ({@link #publish}). The driver's wall clock starts at {@link #START}.
 *
 * <p>Topics: {@value #TRANSACTIONS} in (as {@link Transaction}s or raw bytes), {@value #MODELS}
 * in, {@value #SCORES}, its shadow topic and {@value #DEAD_LETTERS} out.
 *
 * <p><b>Ownership.</b> Owns the driver and the model registry, and closes both in
 * {@link #close()}; does not own the schema registry it was given. Single-threaded, as
 * {@link TopologyTestDriver} is: use it from the test thread only.
 */
public final class TopologyFixture implements AutoCloseable {

    public static final String TRANSACTIONS = "transactions";
    public static final String SCORES = "scores";
    public static final String DEAD_LETTERS = "scores-dlq";
    public static final String MODELS = "model-specs";
    public static final String MODEL = "fraud";
    public static final String EVENT_ID_FIELD = "transaction_id";
    /** The driver's initial wall-clock time; also a convenient event time for test records. */
    public static final Instant START = Instant.parse("2026-11-22T00:00:00Z");
    /** How long {@link #publishAndAwaitVersion} waits for a version to go live. */
    public static final Duration VERSION_TIMEOUT = Duration.ofSeconds(20);
    /** How long {@link #publishAndAwaitRollout} waits for a rollout to go live. */
    public static final Duration ROLLOUT_TIMEOUT = Duration.ofSeconds(30);

    private final SchemaRegistry schemas;
    private final ModelRegistry registry;
    private final TopologyTestDriver driver;
    private final TestInputTopic<byte[], Transaction> transactions;
    private final TestInputTopic<byte[], byte[]> rawTransactions;
    private final TestInputTopic<String, ModelSpec> models;
    private final TestOutputTopic<byte[], ScoreResult> scores;
    private final TestOutputTopic<byte[], ScoreResult> shadowScores;
    private final TestOutputTopic<byte[], byte[]> deadLetters;

    private TopologyFixture(Builder b) {
        this.schemas = b.schemas == null ? new InMemorySchemaRegistry() : b.schemas;
        this.registry = modelRegistry(b.warmUpRows);
        try {
            final ScoringSettings scoring = new ScoringSettings(MODEL, b.batchMaxRecords, b.batchMaxWaitMs,
                    EVENT_ID_FIELD).withFeaturesEmitted(b.emitFeatures).withFlushAtCommit(b.flushAtCommit);
            final TopologySettings settings = new TopologySettings(List.of(PipelineSettings.of(
                    PipelineSettings.DEFAULT, List.of(TRANSACTIONS), SCORES, scoring).withRepartitionBy(b.repartitionBy)),
                    DEAD_LETTERS, MODELS);
            final Properties props = new Properties();
            props.put(StreamsConfig.APPLICATION_ID_CONFIG, b.applicationId);
            props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
            props.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG,
                    DeadLetteringDeserializationHandler.class.getName());
            props.put(StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG,
                    FailingProductionExceptionHandler.class.getName());
            props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG,
                    DeadLetteringProcessingHandler.class.getName());
            props.put(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG, DEAD_LETTERS);
            this.driver = new TopologyTestDriver(ScoringTopology.build(settings, registry, schemas, b.observer,
                    RegistryListener.NONE), props, START);
        } catch (RuntimeException e) {
            registry.close();
            throw e;
        }
        this.transactions = driver.createInputTopic(TRANSACTIONS, new ByteArraySerializer(),
                ConfluentAvroSerializer.specific(schemas, Transaction.class, false));
        this.rawTransactions = driver.createInputTopic(TRANSACTIONS, new ByteArraySerializer(),
                new ByteArraySerializer());
        this.models = driver.createInputTopic(MODELS, new StringSerializer(),
                ConfluentAvroSerializer.specific(schemas, ModelSpec.class, false));
        this.scores = driver.createOutputTopic(SCORES, new ByteArrayDeserializer(),
                ConfluentAvroDeserializer.specific(schemas, ScoreResult.class, false));
        this.shadowScores = driver.createOutputTopic(PipelineSettings.defaultShadowTopic(SCORES),
                new ByteArrayDeserializer(), ConfluentAvroDeserializer.specific(schemas, ScoreResult.class, false));
        this.deadLetters = driver.createOutputTopic(DEAD_LETTERS, new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
    }

    /**
     * A builder for a fixture scoring in batches of at most {@code batchMaxRecords} records;
     * everything else has a default.
     */
    public static Builder builder(int batchMaxRecords) {
        return new Builder(batchMaxRecords);
    }

    /**
     * A model registry as the tests use it: ONNX Runtime on the CPU with one intra-op thread, the
     * default artifact fetcher, {@code warmUpRows} warm-up rows, no listener. The caller owns
     * (closes) it.
     */
    public static ModelRegistry modelRegistry(int warmUpRows) {
        final RegistrySettings settings = RegistrySettings.builder().warmUpRows(warmUpRows).build();
        return new ModelRegistry(settings,
                new OnnxModelLoader(InferenceSettings.builder().device(Device.CPU).intraOpThreads(1).build()),
                new DefaultArtifactFetcher(settings), RegistryListener.NONE);
    }

    /**
     * A {@link #modelRegistry} with {@code spec} submitted under its name and live; fails (and
     * closes the registry) if it is not live within {@link #VERSION_TIMEOUT}. The caller owns
     * (closes) it.
     */
    public static ModelRegistry liveModelRegistry(int warmUpRows, ModelSpec spec) throws InterruptedException {
        final ModelRegistry registry = modelRegistry(warmUpRows);
        try {
            registry.submit(spec.getName(), spec);
            assertTrue(registry.awaitLive(spec.getName(), VERSION_TIMEOUT),
                    "model " + spec.getName() + " v" + spec.getVersion() + " never went live");
            return registry;
        } catch (InterruptedException | RuntimeException | Error e) {
            registry.close();
            throw e;
        }
    }

    /** The schema registry the serdes use. Not owned. */
    public SchemaRegistry schemas() {
        return schemas;
    }

    /** The model registry the topology scores with. Owned by this fixture. */
    public ModelRegistry registry() {
        return registry;
    }

    public TopologyTestDriver driver() {
        return driver;
    }

    /** {@value #TRANSACTIONS} taking {@link Transaction}s in Confluent wire format. */
    public TestInputTopic<byte[], Transaction> transactions() {
        return transactions;
    }

    /** {@value #TRANSACTIONS} taking any bytes. */
    public TestInputTopic<byte[], byte[]> rawTransactions() {
        return rawTransactions;
    }

    /** {@value #MODELS}, keyed by model name. */
    public TestInputTopic<String, ModelSpec> models() {
        return models;
    }

    public TestOutputTopic<byte[], ScoreResult> scores() {
        return scores;
    }

    /** The shadow-score topic of {@value #SCORES}. */
    public TestOutputTopic<byte[], ScoreResult> shadowScores() {
        return shadowScores;
    }

    /** {@value #DEAD_LETTERS}, as raw bytes (a dead letter keeps its input's bytes). */
    public TestOutputTopic<byte[], byte[]> deadLetters() {
        return deadLetters;
    }

    /** Pipes {@code t} in, keyed by its account id (UTF-8) and stamped with its event time. */
    public void send(Transaction t) {
        transactions.pipeInput(new TestRecord<>(t.getAccountId().getBytes(StandardCharsets.UTF_8), t,
                t.getEventTime()));
    }

    /** Pipes {@code spec} into the model topic, keyed by its name; does not wait for it. */
    public void publish(ModelSpec spec) {
        models.pipeInput(spec.getName(), spec);
    }

    /**
     * Publishes {@code spec} and waits until its version is the live one; fails at once if the
     * registry refuses that version, or after {@link #VERSION_TIMEOUT}.
     */
    public void publishAndAwaitVersion(ModelSpec spec) {
        publish(spec);
        final String name = spec.getName();
        final String version = spec.getVersion();
        await(VERSION_TIMEOUT, () -> {
            final var refusal = registry.lastRefusal(name).filter(r -> r.version().equals(version));
            if (refusal.isPresent()) {
                throw new AssertionError("version " + version + " was refused: " + refusal.get().message());
            }
            return registry.live(name).map(i -> i.version().equals(version)).orElse(false);
        }, () -> "version " + version + " never went live");
    }

    /**
     * Publishes {@code spec} and waits until the live rollout of its model reads {@code expected}
     * (e.g. {@code "fraud@1 + 2 as canary for 10.0% of keys"}); fails after {@link #ROLLOUT_TIMEOUT}.
     */
    public void publishAndAwaitRollout(ModelSpec spec, String expected) {
        publish(spec);
        final String name = spec.getName();
        await(ROLLOUT_TIMEOUT, () -> registry.rollout(name).map(r -> r.toString().equals(expected)).orElse(false),
                () -> "never went live: " + expected + "; live: " + registry.rollout(name));
    }

    /**
     * Waits, polling every 5 ms, until {@code done} holds; fails with {@code failure}'s message
     * after {@code timeout}. An {@link AssertionError} thrown by {@code done} ends the wait.
     */
    public void await(Duration timeout, BooleanSupplier done, Supplier<String> failure) {
        final long deadline = System.nanoTime() + timeout.toNanos();
        while (!done.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, failure);
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting: " + failure.get(), e);
            }
        }
    }

    /** Closes the driver, then the model registry. */
    @Override
    public void close() {
        try {
            driver.close();
        } finally {
            registry.close();
        }
    }

    /** Settings of a {@link TopologyFixture}; {@link #build()} validates them and starts the driver. */
    public static final class Builder {

        private final int batchMaxRecords;
        private long batchMaxWaitMs = 60_000;
        private int warmUpRows = 4;
        private String applicationId = "topology-test";
        private SchemaRegistry schemas;
        private ScoringObserver observer = ScoringObserver.NONE;
        private boolean emitFeatures;
        private String repartitionBy;
        private boolean flushAtCommit;

        private Builder(int batchMaxRecords) {
            this.batchMaxRecords = batchMaxRecords;
        }

        /** How long the oldest buffered record may wait; 0 = adaptive. Default 60 000 ms. */
        public Builder batchMaxWaitMs(long ms) {
            this.batchMaxWaitMs = ms;
            return this;
        }

        /** Rows a model is warmed up with before it goes live. Default 4. */
        /** Scores the open batch when the driver commits (as the application does); off by default. */
        public Builder flushAtCommit(boolean on) {
            this.flushAtCommit = on;
            return this;
        }

        public Builder warmUpRows(int rows) {
            this.warmUpRows = rows;
            return this;
        }

        /** The Kafka Streams application id. Default {@code topology-test}. */
        public Builder applicationId(String id) {
            this.applicationId = id;
            return this;
        }

        /** The schema registry of the serdes, not owned by the fixture. Default: a new in-memory one. */
        public Builder schemas(SchemaRegistry registry) {
            this.schemas = registry;
            return this;
        }

        /** Told of every score, shadow comparison and failure. Default {@link ScoringObserver#NONE}. */
        public Builder observer(ScoringObserver o) {
            this.observer = o;
            return this;
        }

        /** Whether scores carry their aggregates' values ({@code score.features.emit}). Default false. */
        public Builder emitFeatures(boolean on) {
            this.emitFeatures = on;
            return this;
        }

        /** The field the events are repartitioned by before scoring; null (default): none. */
        public Builder repartitionBy(String field) {
            this.repartitionBy = field;
            return this;
        }

        /**
         * Starts the driver.
         *
         * @throws IllegalArgumentException if a setting is out of range
         */
        public TopologyFixture build() {
            if (batchMaxRecords < 1) {
                throw new IllegalArgumentException("batchMaxRecords must be at least 1, got " + batchMaxRecords);
            }
            if (batchMaxWaitMs < 0) {
                throw new IllegalArgumentException("batchMaxWaitMs must be at least 0, got " + batchMaxWaitMs);
            }
            if (warmUpRows < 0) {
                throw new IllegalArgumentException("warmUpRows must be at least 0, got " + warmUpRows);
            }
            Objects.requireNonNull(applicationId, "applicationId");
            Objects.requireNonNull(observer, "observer");
            return new TopologyFixture(this);
        }
    }
}
