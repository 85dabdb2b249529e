package io.scorestream.bench;

import io.scorestream.inference.OnnxModelLoader;
import io.scorestream.inference.registry.DefaultArtifactFetcher;
import io.scorestream.inference.registry.ModelRegistry;
import io.scorestream.inference.registry.RegistryListener;
import io.scorestream.inference.registry.RegistrySettings;
import io.scorestream.schemas.Transaction;
import io.scorestream.schemas.registry.SchemaRegistry;
import io.scorestream.topology.ScoringTopology;
import io.scorestream.topology.TopologySettings;
import io.scorestream.app.config.BatchingConfig;
import io.scorestream.app.config.InferenceConfig;
import io.scorestream.app.config.KafkaStreamsConfig;
import io.scorestream.app.config.MetricsConfig;
import io.scorestream.app.config.ModelsConfig;
import io.scorestream.app.config.ScorestreamConfig;
import io.scorestream.app.config.TopicsConfig;
import io.scorestream.topology.errors.DeadLetteringDeserializationHandler;
import io.scorestream.topology.errors.DeadLetteringProcessingHandler;
import io.scorestream.topology.processor.ScoringObserver;
import io.scorestream.topology.processor.ScoringSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import io.scorestream.topology.features.FeatureEngine;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * One scoring application of the benchmark: the production topology ({@link ScoringTopology#build})
 * with the production Streams properties ({@link KafkaStreamsConfig#streamsProperties()} and the two
 * dead-letter handlers, as {@code ScoringApplication} sets them), its own model registry, and a
 * {@link BatchSizes} observer in place of the Prometheus metrics. Built here rather than through
 * {@code ScoringApplication} only because the passthrough mode needs
 * {@link ScoringSettings#withPassthrough}, which has no configuration key.
 *
 * <p>Lifecycle: {@link #start} then {@link #close()}, once. Owns its registry, its Kafka Streams
 * instance and its temporary state directory.
 */
final class BenchApp implements AutoCloseable {

    /** {@link Spec#commitIntervalMs()} that leaves {@code commit.interval.ms} at the application's default. */
    static final long APP_DEFAULT_COMMIT_INTERVAL = -1;

    /**
     * What the application is asked to score, and how.
     *
     * @param commitIntervalMs {@code commit.interval.ms}, or {@link #APP_DEFAULT_COMMIT_INTERVAL} to leave it
     *     unset (the application's {@code ConfigDef} default then applies, as for a user who does not set it)
     */
    record Spec(String bootstrapServers, String applicationId, String inputTopic, String outputTopic,
                String deadLetterTopic, String modelTopic, String modelName, int batchMaxRecords,
                long batchMaxWaitMs, boolean passthrough, String guarantee, long commitIntervalMs, String device,
                Map<String, String> streamsOverrides, String eventIdField, Schema eventSchema) {

        /** A spec of an application scoring transactions (event id {@code transaction_id}). */
        Spec(String bootstrapServers, String applicationId, String inputTopic, String outputTopic,
             String deadLetterTopic, String modelTopic, String modelName, int batchMaxRecords,
             long batchMaxWaitMs, boolean passthrough, String guarantee, long commitIntervalMs, String device,
             Map<String, String> streamsOverrides) {
            this(bootstrapServers, applicationId, inputTopic, outputTopic, deadLetterTopic, modelTopic, modelName,
                    batchMaxRecords, batchMaxWaitMs, passthrough, guarantee, commitIntervalMs, device,
                    streamsOverrides, "transaction_id", Transaction.getClassSchema());
        }
    }

    private final Spec spec;
    private final Path stateDir;
    private final ModelRegistry models;
    private final KafkaStreams streams;
    private final BatchSizes batchSizes;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final Effective effective;
    private volatile long runningAtNanos;
    /** Whether this is the {@link Mode#STREAMS_COPY} floor: no scoring topology, so no model to wait for. */
    private final boolean streamsCopy;

    /**
     * The Streams settings the application really runs with, read back from the {@link StreamsConfig}
     * built from its properties (not from what the benchmark asked for).
     *
     * @param commitIntervalMs {@code commit.interval.ms} Kafka Streams commits at
     * @param commitIntervalSource {@code application default} when the benchmark did not set it, else {@code set}
     * @param producerLingerMs the {@code linger.ms} Kafka Streams gives its producer
     * @param producerLingerSource where that value comes from (the application's {@code ProducerLinger})
     */
    record Effective(long commitIntervalMs, String commitIntervalSource, long producerLingerMs,
                     String producerLingerSource) {
    }

    private BenchApp(Spec spec, SchemaRegistry schemas, boolean streamsCopy) throws IOException {
        this.spec = spec;
        this.streamsCopy = streamsCopy;
        this.stateDir = Files.createTempDirectory("scorestream-bench-state");
        final Map<String, Object> settings = new HashMap<>();
        settings.put(KafkaStreamsConfig.BOOTSTRAP_SERVERS_CONFIG, spec.bootstrapServers());
        settings.put(KafkaStreamsConfig.APPLICATION_ID_CONFIG, spec.applicationId());
        settings.put(TopicsConfig.INPUT_TOPICS_CONFIG, spec.inputTopic());
        settings.put(TopicsConfig.OUTPUT_TOPIC_CONFIG, spec.outputTopic());
        settings.put(TopicsConfig.DEAD_LETTER_TOPIC_CONFIG, spec.deadLetterTopic());
        settings.put(TopicsConfig.MODEL_TOPIC_CONFIG, spec.modelTopic());
        settings.put(ModelsConfig.MODEL_NAME_CONFIG, spec.modelName());
        settings.put(TopicsConfig.EVENT_ID_FIELD_CONFIG, spec.eventIdField());
        settings.put(BatchingConfig.BATCH_MAX_RECORDS_CONFIG, Integer.toString(spec.batchMaxRecords()));
        settings.put(BatchingConfig.BATCH_MAX_WAIT_MS_CONFIG, Long.toString(spec.batchMaxWaitMs()));
        settings.put(KafkaStreamsConfig.PROCESSING_GUARANTEE_CONFIG, spec.guarantee());
        if (spec.commitIntervalMs() != APP_DEFAULT_COMMIT_INTERVAL) {
            settings.put(KafkaStreamsConfig.COMMIT_INTERVAL_MS_CONFIG, Long.toString(spec.commitIntervalMs()));
        }
        settings.put(KafkaStreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        settings.put(InferenceConfig.INFERENCE_DEVICE_CONFIG, spec.device());
        settings.put(MetricsConfig.METRICS_ENABLED_CONFIG, "false");
        // Before/after comparisons of fast decoding: -Dscorestream.bench.decode.fast=false reads as before.
        settings.put(BatchingConfig.SCORE_DECODE_FAST_CONFIG, System.getProperty("scorestream.bench.decode.fast", "true"));
        // Before/after comparisons of the scoring buffer flushed at the commit: -Dscorestream.bench.flush.at.commit=
        // false (or true) sets batch.flush.at.commit; unset, the application's default applies (true).
        final String flushAtCommit = System.getProperty("scorestream.bench.flush.at.commit");
        if (flushAtCommit != null) {
            settings.put(BatchingConfig.BATCH_FLUSH_AT_COMMIT_CONFIG, flushAtCommit);
        }
        // Likewise -Dscorestream.bench.pipelined=false (or true) sets batch.pipelined; unset: the default (true).
        final String pipelined = System.getProperty("scorestream.bench.pipelined");
        if (pipelined != null) {
            settings.put(BatchingConfig.BATCH_PIPELINED_CONFIG, pipelined);
        }
        for (Map.Entry<String, String> e : spec.streamsOverrides().entrySet()) {
            settings.put(KafkaStreamsConfig.KAFKA_PREFIX + e.getKey(), e.getValue());
        }
        final ScorestreamConfig config = ScorestreamConfig.of(settings);

        final RegistrySettings registrySettings = config.models().registrySettings();
        this.models = new ModelRegistry(registrySettings, new OnnxModelLoader(config.inference().settings()),
                new DefaultArtifactFetcher(registrySettings), RegistryListener.NONE);
        models.registerFeatureSchema(spec.modelName(), spec.eventSchema());
        this.batchSizes = new BatchSizes(Math.max(1024, spec.batchMaxRecords()));
        final ScoringSettings scoring = new ScoringSettings(config.modelName(), config.batching().maxRecords(),
                config.batching().maxWaitMs(), config.topics().eventIdField().orElse(null))
                .withPassthrough(spec.passthrough()).withFastDecode(config.batching().fastDecode())
                .withFlushAtCommit(config.batching().flushAtCommit()).withPipelined(config.batching().pipelined());
        final TopologySettings topology = new TopologySettings(config.inputTopics(), config.topics().outputTopic(),
                config.topics().deadLetterTopic(), config.topics().modelTopic(), scoring);

        final Properties props = config.kafka().streamsProperties();
        props.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG,
                DeadLetteringDeserializationHandler.class.getName());
        props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG,
                DeadLetteringProcessingHandler.class.getName());
        props.put(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG, config.topics().deadLetterTopic());
        props.put(ScoringObserver.CONFIG_KEY, batchSizes);
        // What Kafka Streams hands its producer and its commit loop, as it resolves them from these properties.
        final StreamsConfig resolved = new StreamsConfig(props);
        final KafkaStreamsConfig.ProducerLinger linger = config.kafka().producerLinger();
        this.effective = new Effective(resolved.getLong(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG),
                spec.commitIntervalMs() == APP_DEFAULT_COMMIT_INTERVAL ? "application default" : "set",
                ((Number) resolved.getProducerConfigs("bench-probe").get(ProducerConfig.LINGER_MS_CONFIG))
                        .longValue(),
                linger.origin());
        this.streams = new KafkaStreams(streamsCopy ? copyTopology(spec)
                : ScoringTopology.build(topology, models, schemas, batchSizes, RegistryListener.NONE), props);
        streams.setUncaughtExceptionHandler(e -> {
            failure.compareAndSet(null, e);
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        });
        streams.setStateListener((now, before) -> {
            if (now == KafkaStreams.State.RUNNING && runningAtNanos == 0) {
                runningAtNanos = System.nanoTime();
            }
        });
    }

    /** The Streams settings this application runs with. */
    Effective effective() {
        return effective;
    }

    /** Builds and starts the application. */
    static BenchApp start(Spec spec, SchemaRegistry schemas) throws IOException {
        return start(spec, schemas, false);
    }

    /**
     * Builds and starts the application; with {@code streamsCopy}, the same Kafka Streams client with
     * the same properties (guarantee, commit interval, producer settings, handlers) runs
     * {@link #copyTopology} instead of the scoring topology ({@link Mode#STREAMS_COPY}); its
     * {@link #awaitReady} then waits for Kafka Streams only.
     */
    static BenchApp start(Spec spec, SchemaRegistry schemas, boolean streamsCopy) throws IOException {
        final BenchApp app = new BenchApp(spec, schemas, streamsCopy);
        app.streams.start();
        return app;
    }

    /**
     * Source of the input topic straight into a sink on the output topic, keys and values as bytes: what
     * Kafka Streams costs per event with nothing of scorestream's in the path.
     */
    static Topology copyTopology(Spec spec) {
        final Topology t = new Topology();
        t.addSource("copy-source", new ByteArrayDeserializer(), new ByteArrayDeserializer(), spec.inputTopic());
        t.addSink("copy-sink", spec.outputTopic(), new ByteArraySerializer(), new ByteArraySerializer(), "copy-source");
        return t;
    }

    /**
     * Blocks until the model is live (not for the streams copy) and Kafka Streams is RUNNING.
     *
     * @return {@link System#nanoTime()} at which both were true
     * @throws IllegalStateException if either fails to happen within {@code timeout}
     */
    long awaitReady(Duration timeout) throws InterruptedException {
        final long deadline = System.nanoTime() + timeout.toNanos();
        // The models topic is read by the scoring topology: the copy has none, and no model to wait for.
        if (!streamsCopy && !models.awaitLive(spec.modelName(), timeout)) {
            throw new IllegalStateException("model '" + spec.modelName() + "' did not go live in application "
                    + spec.applicationId() + ": " + models.lastRefusal(spec.modelName()).map(Object::toString)
                    .orElse("no refusal recorded"));
        }
        final long modelLiveAt = System.nanoTime();
        while (runningAtNanos == 0) {
            checkHealthy();
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("Kafka Streams of " + spec.applicationId()
                        + " did not reach RUNNING: " + streams.state());
            }
            Thread.sleep(5);
        }
        return Math.max(modelLiveAt, runningAtNanos);
    }

    /** @throws IllegalStateException if a stream thread died or the client is in ERROR */
    void checkHealthy() {
        final Throwable f = failure.get();
        if (f != null) {
            throw new IllegalStateException("Kafka Streams of " + spec.applicationId() + " failed: " + f, f);
        }
        final KafkaStreams.State s = streams.state();
        if (s == KafkaStreams.State.ERROR || s == KafkaStreams.State.PENDING_ERROR) {
            throw new IllegalStateException("Kafka Streams of " + spec.applicationId() + " is in state " + s);
        }
    }

    /** Ids of this application's live stream threads ({@code <application.id>-<uuid>-StreamThread-<n>}). */
    long[] streamThreadIds() {
        final List<Long> ids = new ArrayList<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            final String name = t.getName();
            if (name.startsWith(spec.applicationId() + "-") && name.contains("-StreamThread-")) {
                ids.add(t.getId());
            }
        }
        final long[] out = new long[ids.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = ids.get(i);
        }
        return out;
    }

    BatchSizes.Summary batchSizes() {
        return batchSizes.summary();
    }

    /** The live batch-size counter, for snapshots between phases. */
    BatchSizes batchCounter() {
        return batchSizes;
    }

    Spec spec() {
        return spec;
    }

    /**
     * Live group-state entries ({@link FeatureEngine#isGroupStateKey}) of a features store of this
     * application, over all its tasks, read through interactive queries: how many, and their key and
     * value bytes. Call while the application is RUNNING.
     *
     * @return {entries, key bytes + value bytes}
     */
    long[] storeEntries(String storeName) {
        final ReadOnlyKeyValueStore<Bytes, byte[]> store = streams.store(StoreQueryParameters.fromNameAndType(
                storeName, QueryableStoreTypes.<Bytes, byte[]>keyValueStore()));
        long entries = 0;
        long bytes = 0;
        try (KeyValueIterator<Bytes, byte[]> it = store.all()) {
            while (it.hasNext()) {
                final KeyValue<Bytes, byte[]> kv = it.next();
                // Only group state: not the few entries a task keeps about when each state began.
                if (!FeatureEngine.isGroupStateKey(kv.key.get())) {
                    continue;
                }
                entries++;
                bytes += kv.key.get().length + (kv.value == null ? 0 : kv.value.length);
            }
        }
        return new long[] {entries, bytes};
    }

    /**
     * Stops Kafka Streams (its stores flush and close, so RocksDB's memtables reach disk) and sums the
     * files of store {@code storeName} in every task's state directory ({@code
     * <state.dir>/<application.id>/<task>/rocksdb/<storeName>/}). {@link #close()} still has to be
     * called.
     *
     * @return {all bytes, bytes of the SST files}
     */
    long[] stopAndMeasureStoreOnDisk(String storeName) throws IOException {
        streams.close(Duration.ofSeconds(60));
        long all = 0;
        long sst = 0;
        try (Stream<Path> paths = Files.walk(stateDir)) {
            for (Path p : paths.filter(Files::isRegularFile).toList()) {
                final Path rel = stateDir.relativize(p);
                boolean inStore = false;
                for (int i = 1; i < rel.getNameCount() - 1; i++) {
                    if (rel.getName(i - 1).toString().equals("rocksdb") && rel.getName(i).toString().equals(storeName)) {
                        inStore = true;
                        break;
                    }
                }
                if (inStore) {
                    final long size = Files.size(p);
                    all += size;
                    if (p.getFileName().toString().endsWith(".sst")) {
                        sst += size;
                    }
                }
            }
        }
        return new long[] {all, sst};
    }

    /** Stops Kafka Streams, wipes its local state, closes the registry and deletes the state directory. */
    @Override
    public void close() {
        streams.close(Duration.ofSeconds(60));
        streams.cleanUp();
        models.close();
        try (Stream<Path> paths = Files.walk(stateDir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // A leftover temporary directory is harmless.
        }
    }
}
