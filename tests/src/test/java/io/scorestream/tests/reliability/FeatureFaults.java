package io.scorestream.tests.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.fail;

import io.scorestream.app.demo.SyntheticTransactionFeed;
import io.scorestream.app.replay.ReplayCommand;
import io.scorestream.inference.Sha256;
import io.scorestream.inference.features.AggregateSyntax;
import io.scorestream.inference.onnx.LogisticRegression;
import io.scorestream.inference.onnx.Mlp;
import io.scorestream.inference.training.SyntheticTransactions;
import io.scorestream.schemas.Aggregate;
import io.scorestream.schemas.FeatureColumn;
import io.scorestream.schemas.ModelInput;
import io.scorestream.schemas.ModelOutput;
import io.scorestream.schemas.ModelSpec;
import io.scorestream.schemas.ScoreResult;
import io.scorestream.schemas.registry.SchemaRegistry;
import io.scorestream.schemas.serde.ConfluentAvroDeserializer;
import io.scorestream.tests.it.ScoringItSupport;
import io.scorestream.tests.it.ScoringItSupport.Score;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * What the fault tests of windowed aggregates share ({@code FeaturesCrashIT}, {@code FeaturesRebalanceIT}):
 * a model version declaring per-account aggregates over several windows, a paced feed of
 * transactions whose event times make those windows fill (some events out of order, some late), an
 * uninterrupted reference (a replay of the input topic with {@code --emit-features}), and the
 * record-by-record comparison of the values each event was scored with. Stateless; the feed is owned
 * (closed) by the test that starts it.
 */
public final class FeatureFaults {

    /** The aggregates of the model version, in the text syntax; every one grouped by account. */
    static final List<String> AGGREGATES = List.of(
            "n_1m=count() by account_id over 1m",
            "n_10m=count() by account_id over 10m grace 5m",
            "sum_10m=sum(amount) by account_id over 10m",
            "sd_5m=stddev(amount) by account_id over 5m bucket 1s grace 2m",
            "max_30m=max(amount) by account_id over 30m",
            "distinct_10m=count_distinct(amount) by account_id over 10m",
            "fraud_1h=count() by account_id over 1h where is_fraud = true",
            "gap=since_last() by account_id over 1h",
            "prev_amount=last(amount) by account_id over 30m excluding current",
            "n_key_2m=count() by key over 2m excluding current");
    /** Event time between consecutive transactions: 2 000 transactions/s make 100 s of event time a second. */
    static final long STEP_MS = 50;
    /** Every tenth transaction (seq ending in 5) is stamped this much earlier: out of order, late for 1-minute windows. */
    static final long OUT_OF_ORDER_MS = 240_000;
    /** The window the "mid-window" figures use: that of {@code n_10m}. */
    static final long WINDOW_MS = 600_000;

    private FeatureFaults() {
    }

    /** The first event time: a whole hour, six hours ago (in the past, as the broker wants; buckets aligned). */
    static long base() {
        return Instant.now().truncatedTo(ChronoUnit.HOURS).minus(6, ChronoUnit.HOURS).toEpochMilli();
    }

    /** Event time of transaction {@code seq}. */
    static long eventTime(long base, long seq) {
        final long t = base + seq * STEP_MS;
        return seq % 10 == 5 ? t - OUT_OF_ORDER_MS : t;
    }

    /**
     * Version 1 of {@link ScoringItSupport#MODEL}: a logistic regression over the values of
     * {@link #AGGREGATES} (each column defaulting to -1 when its aggregate has no value). The
     * weights are small: the scores do not matter here, the values do.
     */
    static ModelSpec spec(long createdAt) {
        final List<Aggregate> aggregates = new ArrayList<>();
        final List<FeatureColumn> columns = new ArrayList<>();
        for (String text : AGGREGATES) {
            final Aggregate a = AggregateSyntax.parse(text);
            aggregates.add(a);
            columns.add(FeatureColumn.newBuilder().setField(a.getName()).setDefaultValue(-1.0).build());
        }
        final float[] weights = new float[columns.size()];
        Arrays.fill(weights, 0.001f);
        final byte[] onnx = new LogisticRegression(weights, 0f).toOnnx();
        return ModelSpec.newBuilder()
                .setName(ScoringItSupport.MODEL)
                .setVersion("1")
                .setArtifactBytes(ByteBuffer.wrap(onnx))
                .setSha256(Sha256.hex(onnx))
                .setInputs(List.of(ModelInput.newBuilder().setInputName(Mlp.INPUT).setColumns(columns).build()))
                .setAggregates(aggregates)
                .setOutput(ModelOutput.newBuilder().setScoreOutput(Mlp.OUTPUT).build())
                .setThreshold(0.5)
                .setCreatedAt(Instant.ofEpochMilli(createdAt))
                .setMetadata(Map.of())
                .build();
    }

    /**
     * Replays {@link ScoringItSupport#TRANSACTIONS} from its beginning with version 1 of the model
     * and {@code --emit-features} into {@code out}: the values an uninterrupted run computes for the
     * same input. Call it once every transaction is acknowledged.
     *
     * @return each event's values, by source {@code partition@offset}
     */
    static Map<String, Map<String, Double>> replay(String bootstrapServers, String registryUrl, SchemaRegistry schemas,
                                                   String out, Path report, int events) throws Exception {
        final String[] args = {"--bootstrap", bootstrapServers, "--schema-registry", registryUrl,
            "--topic", ScoringItSupport.TRANSACTIONS, "--model-topic", ScoringItSupport.MODELS,
            "--model", ScoringItSupport.MODEL + "@1", "--out", out, "--dead-letter-topic", out + "-dlq",
            "--emit-features", "--report", report.toString()};
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final int code = ReplayCommand.run(args, new PrintStream(new ByteArrayOutputStream(), true,
                StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(0, code, "replay failed: " + err.toString(StandardCharsets.UTF_8));
        return readFeatures(bootstrapServers, schemas, out, events, Duration.ofSeconds(120));
    }

    /** The values of each committed score on {@code topic}, by source {@code partition@offset}, once there are {@code n}. */
    public static Map<String, Map<String, Double>> readFeatures(String bootstrapServers, SchemaRegistry schemas,
                                                                String topic, int n, Duration timeout) {
        return readFeatures(bootstrapServers, schemas, topic, n, timeout,
                s -> s.getSourcePartition() + "@" + s.getSourceOffset());
    }

    /**
     * {@link #readFeatures(String, SchemaRegistry, String, int, Duration)} by event id, to compare
     * scores of the same events read from topics laid out differently.
     */
    public static Map<String, Map<String, Double>> readFeaturesByEvent(String bootstrapServers,
            SchemaRegistry schemas, String topic, int n, Duration timeout) {
        return readFeatures(bootstrapServers, schemas, topic, n, timeout, s -> s.getEventId().toString());
    }

    private static Map<String, Map<String, Double>> readFeatures(String bootstrapServers, SchemaRegistry schemas,
            String topic, int n, Duration timeout, java.util.function.Function<ScoreResult, String> identity) {
        final Map<String, Object> p = new HashMap<>();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, IsolationLevel.READ_COMMITTED.toString());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        final ConfluentAvroDeserializer<ScoreResult> scores = ConfluentAvroDeserializer.specific(schemas,
                ScoreResult.class, false);
        final Map<String, Map<String, Double>> out = new HashMap<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            final List<TopicPartition> tps = new ArrayList<>();
            for (PartitionInfo info : c.partitionsFor(topic)) {
                tps.add(new TopicPartition(topic, info.partition()));
            }
            c.assign(tps);
            c.seekToBeginning(tps);
            final long deadline = System.nanoTime() + timeout.toNanos();
            while (out.size() < n) {
                if (System.nanoTime() > deadline) {
                    fail(String.format(Locale.ROOT, "%s: %,d scores of %,d after %s", topic, out.size(), n, timeout));
                }
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    final ScoreResult s = scores.deserialize(topic, r.value());
                    assertNotNull(s.getFeatures(), "a score without features on " + topic + ": " + s);
                    final String at = identity.apply(s);
                    assertNull(out.put(at, new TreeMap<>(s.getFeatures())), "two scores of " + at + " on " + topic);
                }
            }
        }
        return out;
    }

    /**
     * Compares the values each live score carries with those of {@code reference}, event by event
     * (by source {@code partition@offset}, every aggregate, bit for bit).
     *
     * @return one line per event whose values differ or that the reference lacks: event id, where,
     *     expected (reference) and actual (live) values; empty when all agree
     */
    static List<String> differences(List<Score> live, Map<String, Map<String, Double>> reference) {
        final List<String> out = new ArrayList<>();
        for (Score s : live) {
            final ScoreResult v = s.value();
            final String at = v.getSourcePartition() + "@" + v.getSourceOffset();
            final Map<String, Double> expected = reference.get(at);
            final Map<String, Double> actual = v.getFeatures() == null ? null : new TreeMap<>(v.getFeatures());
            if (expected == null || !expected.equals(actual)) {
                out.add(String.format(Locale.ROOT, "%s (%s, key %s): expected %s, actual %s", v.getEventId(), at,
                        s.keyText(), expected, actual));
            }
        }
        return out;
    }

    /** The first {@code n} of {@code lines}, one a line, and how many more there are. */
    static String head(List<String> lines, int n) {
        final StringBuilder b = new StringBuilder();
        for (int i = 0; i < Math.min(n, lines.size()); i++) {
            b.append(System.lineSeparator()).append("  ").append(lines.get(i));
        }
        if (lines.size() > n) {
            b.append(System.lineSeparator()).append("  ... and ").append(lines.size() - n).append(" more");
        }
        return b.toString();
    }

    /**
     * Scores of events the fault handed to another consumer: on a partition of {@code before} at or
     * past its offset there (its committed input offset at the fault; what was below was scored, or
     * buffered with its values, by the instance that failed), whose account had an event below that
     * offset less than {@link #WINDOW_MS} of event time earlier (a lower bound: only each account's
     * newest such event is looked at). Their 10-minute windows straddle the fault: their values were
     * computed from state restored from the changelog.
     */
    static long straddling(List<Score> scores, Map<Integer, Long> before, FeatureFeed feed) {
        final Map<String, Long> newestBefore = new HashMap<>();
        for (Score s : scores) {
            final ScoreResult v = s.value();
            final Long at = before.get(v.getSourcePartition());
            if (at != null && v.getSourceOffset() < at) {
                final long t = feed.timestamp(ScoringItSupport.seqOf(v.getEventId()));
                newestBefore.merge(s.keyText(), t, Math::max);
            }
        }
        long n = 0;
        for (Score s : scores) {
            final ScoreResult v = s.value();
            final Long at = before.get(v.getSourcePartition());
            if (at != null && v.getSourceOffset() >= at) {
                final Long newest = newestBefore.get(s.keyText());
                final long t = feed.timestamp(ScoringItSupport.seqOf(v.getEventId()));
                if (newest != null && newest <= t && t - newest < WINDOW_MS) {
                    n++;
                }
            }
        }
        return n;
    }

    /** Events whose {@code name} value is at least {@code min} (for the log: windows that held several events). */
    static long atLeast(List<Score> scores, String name, double min) {
        long n = 0;
        for (Score s : scores) {
            final Map<String, Double> f = s.value().getFeatures();
            final Double v = f == null ? null : f.get(name);
            if (v != null && v >= min) {
                n++;
            }
        }
        return n;
    }

    /**
     * Produces {@code events} transactions ({@code tx-0 ..}) of a pool of accounts, keyed by account,
     * stamped {@link #eventTime}, paced to a rate, on a thread of its own; remembers each one's
     * timestamp. Not thread-safe apart from the progress getters.
     */
    static final class FeatureFeed implements AutoCloseable {

        private final SyntheticTransactionFeed feed;
        private final int events;
        private final long[] timestamps;
        private final AtomicReference<Throwable> failure = new AtomicReference<>();
        private final Thread thread;

        private FeatureFeed(KafkaProducer<String, Object> producer, int events, long ratePerSecond, long seed,
                            int accounts, long base) {
            this.events = events;
            this.timestamps = new long[events];
            this.feed = SyntheticTransactionFeed.builder(producer, ScoringItSupport.TRANSACTIONS)
                    .generator(new SyntheticTransactions(seed, accounts)).count(events).rate(ratePerSecond)
                    .sequentialIds()
                    .eventTimes((seq, startMillis) -> eventTime(base, seq))
                    .onSent(s -> timestamps[(int) s.seq()] = s.timestamp())
                    .build();
            this.thread = new Thread(this::produce, "it-feature-feed");
            this.thread.setDaemon(true);
        }

        /** Starts producing {@code events} transactions at {@code ratePerSecond}, event times from {@code base}. */
        static FeatureFeed start(KafkaProducer<String, Object> producer, int events, long ratePerSecond, long seed,
                                 int accounts, long base) {
            final FeatureFeed f = new FeatureFeed(producer, events, ratePerSecond, seed, accounts, base);
            f.thread.start();
            return f;
        }

        private void produce() {
            try {
                feed.run();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Throwable e) {
                failure.compareAndSet(null, e);
            }
        }

        boolean finished() {
            return !thread.isAlive();
        }

        int sent() {
            return (int) feed.sent();
        }

        long timestamp(int seq) {
            return timestamps[seq];
        }

        /** Waits until every transaction is produced and acknowledged; fails naming the first error or the progress. */
        void awaitAllAcked(Duration timeout) throws InterruptedException {
            thread.join(timeout.toMillis());
            if (thread.isAlive()) {
                fail(String.format(Locale.ROOT, "producing %,d transactions did not finish within %s: sent %,d, "
                        + "acked %,d", events, timeout, feed.sent(), feed.acked()));
            }
            if (failure.get() != null) {
                throw new AssertionError("producing failed", failure.get());
            }
            feed.checkDelivered();
            assertEquals(events, feed.acked(), "acknowledged transactions");
        }

        @Override
        public void close() {
            feed.stop();
            try {
                thread.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
