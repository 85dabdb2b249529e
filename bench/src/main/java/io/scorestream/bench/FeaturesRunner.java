package io.scorestream.bench;

import io.scorestream.schemas.ModelSpec;
import io.scorestream.schemas.registry.SchemaRegistry;
import io.scorestream.schemas.serde.ConfluentAvroSerializer;
import io.scorestream.testkit.EmbeddedKafka;
import io.scorestream.topology.processor.ScoringProcessorSupplier;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.LogDirDescription;
import org.apache.kafka.clients.admin.ReplicaInfo;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The features mode: the same events scored by the same model shape without aggregates and with the
 * 8 of {@link FeatureWorkload}, each side its own Kafka Streams application running the production
 * topology with the application's default batching ({@link Mode#FEATURES}).
 *
 * <p>{@link #prepare} creates the mode's own topic (keyed by account, as aggregates by account need),
 * pre-loads it ({@link Preloader#preloadFeatures}) and publishes the two specs. {@link #run} then
 * scores, unmeasured, the first {@code --warmup-events} on each side, and, {@code repetitions} times,
 * the whole topic on each side back to back (the side that goes first alternates), measured as the
 * Kafka modes are: from the application being ready to the last score at a {@code read_committed}
 * consumer. After each measured run with aggregates it reads the store of the aggregates: its
 * entries through interactive queries, its files once Kafka Streams has closed, and its changelog's
 * bytes on the broker.
 *
 * <p>Owns nothing beyond its topics (left on the broker); driven by one thread.
 */
final class FeaturesRunner {

    static final String TOPIC = "bench-feature-transactions";
    static final String STORE = ScoringProcessorSupplier.FEATURES_STORE;

    private final EmbeddedKafka kafka;
    private final BenchOptions options;
    private final SchemaRegistry schemas;
    private final ResourceMeter meter;
    private final PrintStream log;

    private FeaturesRunner(EmbeddedKafka kafka, BenchOptions options, SchemaRegistry schemas, ResourceMeter meter,
                           PrintStream log) {
        this.kafka = kafka;
        this.options = options;
        this.schemas = schemas;
        this.meter = meter;
        this.log = log;
    }

    /** Creates and pre-loads the mode's topic and publishes its two models on {@link Bench#MODELS}. */
    static FeaturesRunner prepare(EmbeddedKafka kafka, BenchOptions options, SchemaRegistry schemas,
                                  ResourceMeter meter, PrintStream log) throws Exception {
        final FeaturesOptions f = options.features();
        // Event times go back --features-days: never let retention delete the oldest segments.
        kafka.createTopic(TOPIC, options.partitions(), Map.of("retention.ms", "-1"));
        final byte[] onnx = FeatureWorkload.onnx(options.seed());
        try (KafkaProducer<String, ModelSpec> producer = new KafkaProducer<>(Map.of(
                "bootstrap.servers", kafka.bootstrapServers()), new StringSerializer(),
                ConfluentAvroSerializer.specific(schemas, ModelSpec.class, false))) {
            for (ModelSpec spec : List.of(FeatureWorkload.plainSpec(onnx), FeatureWorkload.aggregatesSpec(onnx))) {
                producer.send(new ProducerRecord<>(Bench.MODELS, spec.getName().toString(), spec)).get();
            }
        }
        final long t0 = System.nanoTime();
        Preloader.preloadFeatures(kafka.bootstrapServers(), schemas, TOPIC, f, options.seed());
        log.printf(Locale.ROOT, "bench: pre-loaded %,d events over %,d accounts and %.1f days of event time into %s "
                + "in %.1f s%n", f.events(), f.keys(), f.days(), TOPIC, (System.nanoTime() - t0) / 1e9);
        return new FeaturesRunner(kafka, options, schemas, meter, log);
    }

    /** Warms up, then runs {@code repetitions} measured pairs. */
    Samples.Features run(int repetitions) throws Exception {
        final FeaturesOptions f = options.features();
        final long warmup = Math.min(options.warmupEvents(), f.events());
        if (warmup > 0) {
            final long t0 = System.nanoTime();
            side(FeatureWorkload.PLAIN_MODEL, 0, warmup, null);
            side(FeatureWorkload.AGGREGATES_MODEL, 0, warmup, null);
            log.printf(Locale.ROOT, "bench: features warm-up on %,d events per side took %.1f s (not measured)%n",
                    warmup, (System.nanoTime() - t0) / 1e9);
        }
        final List<Samples.Throughput> plain = new ArrayList<>();
        final List<Samples.Throughput> withAggregates = new ArrayList<>();
        final List<Samples.StoreFootprint> stores = new ArrayList<>();
        for (int rep = 1; rep <= repetitions; rep++) {
            // Alternate which side goes first, so neither always follows the other's garbage and compactions.
            if (rep % 2 == 1) {
                plain.add(side(FeatureWorkload.PLAIN_MODEL, rep, f.events(), null));
                withAggregates.add(side(FeatureWorkload.AGGREGATES_MODEL, rep, f.events(), stores));
            } else {
                withAggregates.add(side(FeatureWorkload.AGGREGATES_MODEL, rep, f.events(), stores));
                plain.add(side(FeatureWorkload.PLAIN_MODEL, rep, f.events(), null));
            }
        }
        return new Samples.Features(f.events(), f.keys(), f.days(), options.partitions(), FeatureWorkload.AGGREGATES,
                plain, withAggregates, stores);
    }

    /**
     * One side, one repetition (0: the warm-up): a new application scores the topic from the
     * beginning until {@code n} scores have arrived.
     *
     * @param stores where the store's footprint goes after the run; null: not measured
     */
    private Samples.Throughput side(String model, int rep, long n, List<Samples.StoreFootprint> stores)
            throws Exception {
        final String appId = "bench-" + model + (rep == 0 ? "-warmup" : "-r" + rep);
        final String output = appId + "-scores";
        final String changelog = appId + "-" + STORE + "-changelog";
        kafka.createTopic(output, options.partitions(), Map.of());
        final BenchApp.Spec spec = new BenchApp.Spec(kafka.bootstrapServers(), appId, TOPIC, output,
                Bench.DEAD_LETTERS, Bench.MODELS, model, Mode.FEATURES.batchMaxRecords(),
                Mode.FEATURES.batchMaxWaitMs(), false, options.guarantee(), options.commitIntervalMs(),
                options.device(), options.streamsOverrides());
        try (ScoreReader reader = new ScoreReader(kafka.bootstrapServers(), output, n, null);
             BenchApp app = BenchApp.start(spec, schemas)) {
            final long t0 = app.awaitReady(Duration.ofSeconds(120));
            meter.start();
            meter.watchThreads(app.streamThreadIds());
            final long t1 = reader.awaitTarget(Duration.ofSeconds(120), app::checkHealthy);
            final ResourceMeter.Usage usage = meter.stop();
            final double seconds = (t1 - t0) / 1e9;
            final Samples.Throughput t = new Samples.Throughput(n, seconds, n / seconds,
                    usage.processCpuNanos() / 1e9 / n * 1e6, usage.threadCpuNanos() / 1e9 / n * 1e6,
                    (double) usage.threadAllocatedBytes() / n, usage.peakHeapBytes(), usage.peakRssBytes(),
                    usage.otherProcessesCpuShare(), app.batchSizes());
            log.printf(Locale.ROOT, "bench: %-19s rep %d: %,10.0f rec/s  %6.2f CPU s/M  %6.2f thread CPU s/M  "
                            + "%,8.0f B/rec  others %3.0f%%%n", model, rep, t.recordsPerSecond(),
                    t.cpuSecondsPerMillion(), t.threadCpuSecondsPerMillion(), t.allocatedBytesPerRecord(),
                    100 * t.otherProcessesCpuShare());
            if (stores != null) {
                final long[] entries = app.storeEntries(STORE);
                final long[] disk = app.stopAndMeasureStoreOnDisk(STORE);
                final Samples.StoreFootprint s = new Samples.StoreFootprint(entries[0], entries[1], disk[0], disk[1],
                        topicBytes(changelog));
                stores.add(s);
                log.printf(Locale.ROOT, "bench: %-19s rep %d: store %,d keys, %,.0f B/key live, %,.0f B/key on disk, "
                                + "changelog %,.0f B/event%n", model, rep, s.keys(), (double) s.liveBytes() / s.keys(),
                        (double) s.diskBytes() / s.keys(), (double) s.changelogBytes() / n);
            }
            return t;
        } finally {
            deleteTopics(output, appId + "-" + ScoringProcessorSupplier.BUFFER_STORE + "-changelog", changelog);
        }
    }

    /** Bytes of every partition of {@code topic} in the broker's log directories. */
    private long topicBytes(String topic) throws ExecutionException, InterruptedException {
        final List<Integer> brokers = new ArrayList<>();
        for (Node node : kafka.admin().describeCluster().nodes().get()) {
            brokers.add(node.id());
        }
        long bytes = 0;
        final Map<Integer, Map<String, LogDirDescription>> dirs = kafka.admin().describeLogDirs(brokers)
                .allDescriptions().get();
        for (Map<String, LogDirDescription> byDir : dirs.values()) {
            for (LogDirDescription d : byDir.values()) {
                for (Map.Entry<TopicPartition, ReplicaInfo> e : d.replicaInfos().entrySet()) {
                    if (e.getKey().topic().equals(topic)) {
                        bytes += e.getValue().size();
                    }
                }
            }
        }
        return bytes;
    }

    private void deleteTopics(String... topics) {
        try {
            kafka.admin().deleteTopics(List.of(topics)).all().get();
        } catch (ExecutionException | InterruptedException e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            // A topic left behind only costs disk space in the temporary broker directory.
        }
    }
}
