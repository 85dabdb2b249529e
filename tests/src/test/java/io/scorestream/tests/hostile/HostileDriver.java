package io.scorestream.tests.hostile;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scorestream.inference.Device;
import io.scorestream.inference.InferenceSettings;
import io.scorestream.inference.OnnxModelLoader;
import io.scorestream.inference.onnx.Mlp;
import io.scorestream.inference.registry.DefaultArtifactFetcher;
import io.scorestream.inference.registry.ModelRegistry;
import io.scorestream.inference.registry.RegistryListener;
import io.scorestream.inference.registry.RegistrySettings;
import io.scorestream.schemas.ModelSpec;
import io.scorestream.schemas.ScoreResult;
import io.scorestream.schemas.registry.InMemorySchemaRegistry;
import io.scorestream.schemas.registry.SchemaRegistry;
import io.scorestream.schemas.serde.ConfluentAvroDeserializer;
import io.scorestream.schemas.serde.ConfluentAvroSerializer;
import io.scorestream.topology.ModelFixtures;
import io.scorestream.topology.ScoringTopology;
import io.scorestream.topology.TopologySettings;
import io.scorestream.app.demo.PoisonRecords;
import io.scorestream.topology.errors.DeadLetteringDeserializationHandler;
import io.scorestream.topology.errors.DeadLetteringProcessingHandler;
import io.scorestream.topology.errors.DeadLetters;
import io.scorestream.topology.processor.ScoringObserver;
import io.scorestream.topology.processor.ScoringSettings;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;

/**
 * The scoring topology on a {@link TopologyTestDriver}, wired as the application wires it (both
 * dead-lettering handlers, a dead-letter topic), with version "1" of a small random MLP over the
 * 30 Transaction features live. Records go in as raw bytes, so a test can send anything; every
 * input is identified by its offset on the one input partition. Owns its driver and model
 * registry: close it.
 */
final class HostileDriver implements AutoCloseable {

    static final String TOPIC = "transactions";
    static final String SCORES = "scores";
    static final String DEAD_LETTERS = "scores-dlq";
    static final String MODELS = "model-specs";
    static final String MODEL = "fraud";
    static final Mlp V1 = Mlp.random(1, 30, 16, 1);
    static final Instant START = Instant.parse("2026-11-22T00:00:00Z");

    final SchemaRegistry schemas;
    final ModelRegistry registry;
    final TopologyTestDriver driver;
    final PoisonRecords poison;
    private final TestInputTopic<byte[], byte[]> input;
    private final TestInputTopic<String, ModelSpec> models;
    private final TestOutputTopic<byte[], ScoreResult> scores;
    private final TestOutputTopic<byte[], byte[]> deadLetters;
    private long nextOffset;

    /** Starts the driver with batches of {@code batchMaxRecords} (and a 1-minute wait) and waits for v1. */
    HostileDriver(int batchMaxRecords) {
        this(batchMaxRecords, new InMemorySchemaRegistry());
    }

    /** As {@link #HostileDriver(int)}, on {@code schemas}, which must be reachable while this starts. */
    HostileDriver(int batchMaxRecords, SchemaRegistry schemas) {
        this.schemas = schemas;
        final RegistrySettings registrySettings = RegistrySettings.builder().warmUpRows(2).build();
        registry = new ModelRegistry(registrySettings,
                new OnnxModelLoader(InferenceSettings.builder().device(Device.CPU).intraOpThreads(1).build()),
                new DefaultArtifactFetcher(registrySettings), RegistryListener.NONE);
        final TopologySettings settings = new TopologySettings(List.of(TOPIC), SCORES, DEAD_LETTERS, MODELS,
                new ScoringSettings(MODEL, batchMaxRecords, 60_000, "transaction_id", Duration.ofSeconds(10)));
        final Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "hostile-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG,
                DeadLetteringDeserializationHandler.class.getName());
        props.put(StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG,
                io.scorestream.topology.errors.FailingProductionExceptionHandler.class.getName());
        props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG,
                DeadLetteringProcessingHandler.class.getName());
        props.put(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG, DEAD_LETTERS);
        driver = new TopologyTestDriver(ScoringTopology.build(settings, registry, schemas, ScoringObserver.NONE,
                RegistryListener.NONE), props, START);
        input = driver.createInputTopic(TOPIC, new ByteArraySerializer(), new ByteArraySerializer());
        models = driver.createInputTopic(MODELS, new StringSerializer(),
                ConfluentAvroSerializer.specific(schemas, ModelSpec.class, false));
        scores = driver.createOutputTopic(SCORES, new ByteArrayDeserializer(),
                ConfluentAvroDeserializer.specific(schemas, ScoreResult.class, false));
        deadLetters = driver.createOutputTopic(DEAD_LETTERS, new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
        poison = new PoisonRecords(schemas, TOPIC);
        publishAndAwait("1", V1);
    }

    /** Publishes {@code mlp} as {@code version} and waits until it is live. */
    void publishAndAwait(String version, Mlp mlp) {
        models.pipeInput(MODEL, ModelFixtures.spec(MODEL, version, mlp));
        final long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!registry.live(MODEL).map(i -> i.version().equals(version)).orElse(false)) {
            final var refusal = registry.lastRefusal(MODEL).filter(r -> r.version().equals(version));
            if (refusal.isPresent()) {
                throw new AssertionError("version " + version + " was refused: " + refusal.get().message());
            }
            assertTrue(System.nanoTime() < deadline, "version " + version + " never went live");
            sleep();
        }
    }

    /**
     * Sends one record to the input topic.
     *
     * @return its offset
     */
    long send(byte[] key, byte[] value, Headers headers) {
        input.pipeInput(new TestRecord<>(key, value, headers, START.plusMillis(nextOffset)));
        return nextOffset++;
    }

    /** The offset the next record sent will have. */
    long nextOffset() {
        return nextOffset;
    }

    /** Lets the wall clock pass the batch wait, so every buffered record is scored. */
    void flush() {
        driver.advanceWallClockTime(Duration.ofMinutes(2));
    }

    /** Everything written to the score and dead-letter topics since the last call, by source offset. */
    Outcomes drain() {
        final Map<Long, List<TestRecord<byte[], ScoreResult>>> scored = new HashMap<>();
        for (TestRecord<byte[], ScoreResult> r : scores.readRecordsToList()) {
            final Long offset = r.value().getSourceOffset();
            scored.computeIfAbsent(offset, k -> new ArrayList<>()).add(r);
        }
        final Map<Long, List<TestRecord<byte[], byte[]>>> dead = new HashMap<>();
        for (TestRecord<byte[], byte[]> r : deadLetters.readRecordsToList()) {
            final String offset = DeadLetters.text(r.headers(), DeadLetters.HEADER_OFFSET);
            dead.computeIfAbsent(offset == null ? null : Long.valueOf(offset), k -> new ArrayList<>()).add(r);
        }
        return new Outcomes(scored, dead);
    }

    @Override
    public void close() {
        driver.close();
        registry.close();
    }

    private static void sleep() {
        try {
            Thread.sleep(5);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * What came out, keyed by the source offset a record names ({@code source_offset} of a score,
     * the {@code __streams.errors.offset} header of a dead letter; null when it names none).
     */
    record Outcomes(Map<Long, List<TestRecord<byte[], ScoreResult>>> scored,
                    Map<Long, List<TestRecord<byte[], byte[]>>> dead) {

        int scoreCount() {
            return scored.values().stream().mapToInt(List::size).sum();
        }

        int deadCount() {
            return dead.values().stream().mapToInt(List::size).sum();
        }

        /** The only score of {@code offset}; fails when there is none or more than one. */
        TestRecord<byte[], ScoreResult> score(long offset) {
            final List<TestRecord<byte[], ScoreResult>> list = scored.getOrDefault(offset, List.of());
            if (list.size() != 1) {
                throw new AssertionError("offset " + offset + " has " + list.size() + " score(s); " + this);
            }
            return list.get(0);
        }

        /** The only dead letter of {@code offset}; fails when there is none or more than one. */
        TestRecord<byte[], byte[]> deadLetter(long offset) {
            final List<TestRecord<byte[], byte[]>> list = dead.getOrDefault(offset, List.of());
            if (list.size() != 1) {
                throw new AssertionError("offset " + offset + " has " + list.size() + " dead letter(s); " + this);
            }
            return list.get(0);
        }

        @Override
        public String toString() {
            return "scored offsets " + counts(scored) + ", dead-lettered offsets " + counts(dead);
        }

        private static <V> Map<Long, Integer> counts(Map<Long, List<V>> m) {
            final Map<Long, Integer> c = new TreeMap<>(Comparator.nullsFirst(Comparator.<Long>naturalOrder()));
            m.forEach((k, v) -> c.put(k, v.size()));
            return c;
        }
    }
}
