package io.scorestream.tests.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.scorestream.inference.training.SyntheticTransactions;
import io.scorestream.schemas.ModelSpec;
import io.scorestream.schemas.ScoreResult;
import io.scorestream.schemas.registry.SchemaRegistry;
import io.scorestream.schemas.serde.ConfluentAvroDeserializer;
import io.scorestream.app.ScoringApplication;
import io.scorestream.app.config.ScorestreamConfig;
import io.scorestream.app.config.TopicsConfig;
import io.scorestream.app.config.ModelsConfig;
import io.scorestream.app.config.KafkaStreamsConfig;
import io.scorestream.app.config.InferenceConfig;
import io.scorestream.app.demo.Demo;
import io.scorestream.app.demo.SyntheticTransactionFeed;
import io.scorestream.testkit.EmbeddedKafka;
import io.scorestream.testkit.KafkaTopics;
import io.scorestream.topology.processor.ScoringProcessor;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.utils.Utils;

/**
 * What the scoring integration tests share: the topic layout, the application settings, a paced
 * producer of synthetic transactions with known ids ({@code tx-<n>}), and a read_committed reader
 * that accounts for every score by event id. Stateless; the nested classes are owned (and closed)
 * by the test that creates them. Public for the tests of other packages
 * ({@code io.scorestream.topology.reliability}).
 */
public final class ScoringItSupport {

    public static final String TRANSACTIONS = "transactions";
    public static final String SCORES = "scores";
    public static final String DEAD_LETTERS = "scores-dlq";
    public static final String MODELS = "model-specs";
    public static final String MODEL = "fraud";
    public static final String EVENT_ID_FIELD = "transaction_id";

    private ScoringItSupport() {
    }

    /** transactions and scores with {@code partitions} partitions, a one-partition DLQ, a compacted model topic. */
    public static void createTopics(EmbeddedKafka kafka, int partitions) {
        createTopics(kafka.admin(), partitions);
    }

    /**
     * As {@link #createTopics(EmbeddedKafka, int)}, on the single-node cluster {@code admin} reaches
     * (each topic ready to take records within {@link EmbeddedKafka#DEFAULT_TIMEOUT}).
     */
    public static void createTopics(Admin admin, int partitions) {
        KafkaTopics.create(admin, TRANSACTIONS, partitions, Map.of(), EmbeddedKafka.DEFAULT_TIMEOUT);
        KafkaTopics.create(admin, SCORES, partitions, Map.of(), EmbeddedKafka.DEFAULT_TIMEOUT);
        KafkaTopics.create(admin, DEAD_LETTERS, 1, Map.of(), EmbeddedKafka.DEFAULT_TIMEOUT);
        KafkaTopics.create(admin, MODELS, 1, KafkaTopics.COMPACTED, EmbeddedKafka.DEFAULT_TIMEOUT);
    }

    /**
     * Settings of a scoring instance on the standard topic layout, scoring {@value #MODEL} on the
     * CPU (no CUDA probe: it costs seconds and proves nothing here). A new, modifiable map.
     */
    public static Map<String, Object> appSettings(String bootstrapServers, String applicationId, Path stateDir) {
        final Map<String, Object> s = new HashMap<>();
        s.put(KafkaStreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        s.put(KafkaStreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        s.put(TopicsConfig.INPUT_TOPICS_CONFIG, TRANSACTIONS);
        s.put(TopicsConfig.OUTPUT_TOPIC_CONFIG, SCORES);
        s.put(TopicsConfig.DEAD_LETTER_TOPIC_CONFIG, DEAD_LETTERS);
        s.put(TopicsConfig.MODEL_TOPIC_CONFIG, MODELS);
        s.put(ModelsConfig.MODEL_NAME_CONFIG, MODEL);
        s.put(TopicsConfig.EVENT_ID_FIELD_CONFIG, EVENT_ID_FIELD);
        s.put(InferenceConfig.INFERENCE_DEVICE_CONFIG, "cpu");
        s.put(KafkaStreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        return s;
    }

    /**
     * Starts a scoring instance in this JVM with {@code settings} (e.g. from {@link #appSettings})
     * and waits until its model is live and Kafka Streams is RUNNING (60 s); fails otherwise,
     * closing it. The caller owns (closes) it.
     */
    public static ScoringApplication startScoring(Map<String, Object> settings, SchemaRegistry schemas)
            throws InterruptedException {
        final ScoringApplication app = ScoringApplication.start(ScorestreamConfig.of(settings), schemas);
        try {
            assertTrue(app.awaitModel(), "model " + MODEL + " v1 did not go live");
            assertTrue(app.awaitRunning(Duration.ofSeconds(60)), "Kafka Streams did not reach RUNNING: "
                    + app.state());
            return app;
        } catch (InterruptedException | RuntimeException | Error e) {
            Utils.closeQuietly(app, "scoring application");
            throw e;
        }
    }

    /** What one run of the demo returned, and what it printed. */
    public record DemoRun(Demo.Summary summary, String printed) {
    }

    /** Runs the demo with {@code options}, capturing what it prints (UTF-8), and echoes that to stdout. */
    public static DemoRun runDemo(Demo.Options options) throws Exception {
        final ByteArrayOutputStream printed = new ByteArrayOutputStream();
        final Demo.Summary s;
        try (PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8)) {
            s = new Demo(options, out).run();
        }
        final String text = printed.toString(StandardCharsets.UTF_8);
        System.out.println(text);
        return new DemoRun(s, text);
    }

    /** An idempotent, acks=all producer of transactions and model specs (Confluent wire format). */
    public static KafkaProducer<String, Object> producer(String bootstrapServers, SchemaRegistry schemas) {
        return producer(bootstrapServers, schemas, Map.of());
    }

    /**
     * As {@link #producer(String, SchemaRegistry)}, with producer settings ({@link ProducerConfig}
     * keys) over the defaults, e.g. a long {@code delivery.timeout.ms} to outlive a broker restart.
     */
    public static KafkaProducer<String, Object> producer(String bootstrapServers, SchemaRegistry schemas,
                                                         Map<String, Object> overrides) {
        final Map<String, Object> p = new HashMap<>();
        p.put(ProducerConfig.LINGER_MS_CONFIG, 10);
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, 128 * 1024);
        p.putAll(overrides);
        return SyntheticTransactionFeed.producer(bootstrapServers, schemas, p);
    }

    /** Publishes {@code spec} to the model topic and waits for the broker's acknowledgement. */
    public static void publish(KafkaProducer<String, Object> producer, ModelSpec spec) {
        try {
            producer.send(new ProducerRecord<>(MODELS, spec.getName(), spec)).get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while publishing " + spec.getName(), e);
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("cannot publish model " + spec.getName() + " v" + spec.getVersion(), e);
        }
    }

    /** The id of transaction {@code seq} of a {@link TransactionFeed}: {@code tx-<seq>}. */
    public static String eventId(int seq) {
        return SyntheticTransactionFeed.eventId(seq);
    }

    /** The sequence number of an id made by {@link #eventId}, or -1. */
    public static int seqOf(String eventId) {
        return SyntheticTransactionFeed.seqOf(eventId);
    }

    /** Sum of the end offsets of {@code topic} as a read_committed consumer sees them (the last stable offsets). */
    public static long committedRecordCount(Admin admin, String topic) throws Exception {
        final Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        for (TopicPartition tp : partitions(admin, topic)) {
            latest.put(tp, OffsetSpec.latest());
        }
        long sum = 0;
        for (var info : admin.listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all()
                .get(30, TimeUnit.SECONDS).values()) {
            sum += info.offset();
        }
        return sum;
    }

    /** Committed records of {@code topic}, read from the beginning to the last stable offset. */
    public static long countCommittedRecords(String bootstrapServers, String topic, Duration timeout) {
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(consumerProps(bootstrapServers),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            final List<TopicPartition> parts = assignAll(c, topic);
            final Map<TopicPartition, Long> end = c.endOffsets(parts);
            long n = 0;
            final long deadline = System.nanoTime() + timeout.toNanos();
            while (!reached(c, end)) {
                if (System.nanoTime() > deadline) {
                    fail(String.format(Locale.ROOT, "reading %s: end offsets %s not reached within %s (%d read)",
                            topic, end, timeout, n));
                }
                n += c.poll(Duration.ofMillis(200)).count();
            }
            return n;
        }
    }

    /**
     * Waits until consumer group {@code groupId} has committed, for every partition of
     * {@code topic}, the partition's end offset: the application has consumed everything produced.
     */
    public static void awaitGroupCaughtUp(Admin admin, String groupId, String topic, Duration timeout)
            throws Exception {
        final long deadline = System.nanoTime() + timeout.toNanos();
        String lag = lag(admin, groupId, topic);
        while (!lag.isEmpty()) {
            if (System.nanoTime() > deadline) {
                fail("group " + groupId + " did not commit the end offsets of " + topic + " within " + timeout
                        + "; partition=committed/end: " + lag);
            }
            Thread.sleep(200);
            lag = lag(admin, groupId, topic);
        }
    }

    /** Whether group {@code groupId} has committed the end offset of every partition of {@code topic}. */
    public static boolean groupCaughtUp(Admin admin, String groupId, String topic) {
        try {
            return lag(admin, groupId, topic).isEmpty();
        } catch (Exception e) {
            return false;
        }
    }

    /** Partitions of {@code topic} whose committed offset is not the end offset, as "p=committed/end"; or "". */
    private static String lag(Admin admin, String groupId, String topic) throws Exception {
        final Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        for (TopicPartition tp : partitions(admin, topic)) {
            latest.put(tp, OffsetSpec.latest());
        }
        final Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(groupId)
                .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
        final StringBuilder lag = new StringBuilder();
        admin.listOffsets(latest).all().get(30, TimeUnit.SECONDS).forEach((tp, info) -> {
            final OffsetAndMetadata c = committed.get(tp);
            if (c == null || c.offset() != info.offset()) {
                lag.append(lag.length() == 0 ? "" : ", ").append(tp.partition()).append('=')
                        .append(c == null ? "none" : Long.toString(c.offset())).append('/').append(info.offset());
            }
        });
        return lag.toString();
    }

    public static List<TopicPartition> partitions(Admin admin, String topic) throws Exception {
        final var description = admin.describeTopics(List.of(topic)).topicNameValues().get(topic)
                .get(30, TimeUnit.SECONDS);
        final List<TopicPartition> parts = new ArrayList<>();
        description.partitions().forEach(p -> parts.add(new TopicPartition(topic, p.partition())));
        return parts;
    }

    private static Map<String, Object> consumerProps(String bootstrapServers) {
        final Map<String, Object> p = new HashMap<>();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, IsolationLevel.READ_COMMITTED.toString());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5_000);
        return p;
    }

    private static <K, V> List<TopicPartition> assignAll(KafkaConsumer<K, V> c, String topic) {
        final List<TopicPartition> parts = new ArrayList<>();
        for (PartitionInfo p : c.partitionsFor(topic)) {
            parts.add(new TopicPartition(topic, p.partition()));
        }
        c.assign(parts);
        c.seekToBeginning(parts);
        return parts;
    }

    private static boolean reached(KafkaConsumer<?, ?> c, Map<TopicPartition, Long> end) {
        for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
            if (c.position(e.getKey()) < e.getValue()) {
                return false;
            }
        }
        return true;
    }

    /**
     * Produces {@code events} synthetic transactions with ids {@code tx-0 .. tx-(events-1)}, keyed by
     * account, on a background thread, paced to a rate (or as fast as the producer takes them), and
     * remembers each one's key, timestamp and (optionally) feature row. Record {@code n} is stamped
     * {@code start - events + n} ms: distinct, increasing, never in the future. An optional action
     * runs on the producing thread right after a given record is sent (the model hot swap). A
     * {@link SyntheticTransactionFeed} on a thread of its own. Not thread-safe apart from the
     * progress getters.
     */
    public static final class TransactionFeed implements AutoCloseable {

        private final SyntheticTransactionFeed feed;
        private final int events;
        private final String[] keys;
        private final long[] timestamps;
        private final double[][] features;
        /** What ended the producing thread, other than a send failure (those the feed counts). */
        private final AtomicReference<Throwable> failure = new AtomicReference<>();
        private final Thread thread;

        /**
         * @param ratePerSecond records per second; 0 = unpaced
         * @param actionAfter the action runs once record number {@code actionAfter} (0-based) is sent; -1 = none
         * @param keepFeatures whether to keep each record's 30 features
         */
        public TransactionFeed(KafkaProducer<String, Object> producer, int events, long ratePerSecond, long seed,
                        boolean keepFeatures, int actionAfter, Runnable action) {
            this.events = events;
            this.keys = new String[events];
            this.timestamps = new long[events];
            this.features = keepFeatures ? new double[events][] : null;
            this.feed = SyntheticTransactionFeed.builder(producer, TRANSACTIONS).seed(seed).count(events)
                    .rate(ratePerSecond).sequentialIds()
                    .eventTimes(SyntheticTransactionFeed.EventTimes.endingAtStart(events))
                    .onSent(s -> {
                        final int seq = (int) s.seq();
                        keys[seq] = s.transaction().getAccountId();
                        timestamps[seq] = s.timestamp();
                        if (features != null) {
                            features[seq] = SyntheticTransactions.features(s.transaction());
                        }
                        if (seq == actionAfter && action != null) {
                            action.run();
                        }
                    })
                    .build();
            this.thread = new Thread(this::produce, "it-transaction-feed");
            this.thread.setDaemon(true);
        }

        public static TransactionFeed start(KafkaProducer<String, Object> producer, int events, long ratePerSecond,
                                     long seed) {
            return start(producer, events, ratePerSecond, seed, false, -1, null);
        }

        public static TransactionFeed start(KafkaProducer<String, Object> producer, int events, long ratePerSecond,
                                     long seed, boolean keepFeatures, int actionAfter, Runnable action) {
            final TransactionFeed feed = new TransactionFeed(producer, events, ratePerSecond, seed, keepFeatures,
                    actionAfter, action);
            feed.thread.start();
            return feed;
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

        /** Whether the producing thread is done (every record sent and flushed, or it failed). */
        public boolean finished() {
            return !thread.isAlive();
        }

        /** Records handed to the producer so far. */
        public int sent() {
            return (int) feed.sent();
        }

        /** Waits until every record is acknowledged; fails naming the first error or the progress. */
        public void awaitAllAcked(Duration timeout) throws InterruptedException {
            thread.join(timeout.toMillis());
            if (thread.isAlive()) {
                fail(String.format(Locale.ROOT, "producing %,d transactions did not finish within %s: sent %,d, "
                        + "acked %,d", events, timeout, feed.sent(), feed.acked()));
            }
            final Throwable error = failure.get() != null ? failure.get() : feed.firstError().orElse(null);
            if (error != null) {
                throw new AssertionError(String.format(Locale.ROOT, "producing failed (%,d send errors, %,d acked)",
                        feed.failed(), feed.acked()), error);
            }
            assertEquals(events, feed.acked(), "acknowledged transactions");
        }

        public String key(int seq) {
            return keys[seq];
        }

        public long timestamp(int seq) {
            return timestamps[seq];
        }

        public double[] features(int seq) {
            return features[seq];
        }

        /** Stops producing (records already handed to the producer may still be sent) and waits for the thread. */
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

    /** One score as read from the scores topic: the Kafka record's key, timestamp, version header and value. */
    public record Score(byte[] key, long timestamp, String versionHeader, ScoreResult value) {

        public String eventId() {
            return value.getEventId();
        }

        public String keyText() {
            return key == null ? null : new String(key, StandardCharsets.UTF_8);
        }
    }

    /**
     * Reads the scores topic from the beginning as a read_committed consumer and accounts for every
     * score by event id. Single-threaded: use it from the test thread only.
     */
    public static final class ScoreReader implements AutoCloseable {

        /** How long no new score may arrive, after the input is all committed, before the scorer counts as settled. */
        public static final Duration QUIET = Duration.ofSeconds(8);

        private final KafkaConsumer<byte[], ScoreResult> consumer;
        private final List<TopicPartition> partitions;
        private final Map<String, Integer> counts = new HashMap<>();
        private final List<Score> scores = new ArrayList<>();

        public ScoreReader(String bootstrapServers, SchemaRegistry schemas) {
            this(bootstrapServers, schemas, Map.of());
        }

        /** A reader with extra client settings over the defaults, e.g. a secured broker's credentials. */
        public ScoreReader(String bootstrapServers, SchemaRegistry schemas, Map<String, Object> clientOverrides) {
            final Map<String, Object> props = consumerProps(bootstrapServers);
            props.putAll(clientOverrides);
            this.consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
                    ConfluentAvroDeserializer.specific(schemas, ScoreResult.class, false));
            this.partitions = assignAll(consumer, SCORES);
        }

        private int pollOnce(Duration timeout) {
            int n = 0;
            for (ConsumerRecord<byte[], ScoreResult> r : consumer.poll(timeout)) {
                final Header version = r.headers().lastHeader(ScoringProcessor.HEADER_MODEL_VERSION);
                scores.add(new Score(r.key(), r.timestamp(),
                        version == null ? null : new String(version.value(), StandardCharsets.UTF_8), r.value()));
                counts.merge(r.value().getEventId(), 1, Integer::sum);
                n++;
            }
            return n;
        }

        /**
         * Reads until {@code expected} distinct event ids are seen, or the timeout passes, or the
         * scorer has settled short of them: {@code inputConsumed} (checked about once a second)
         * says it has committed all its input, and no new id arrived for {@link #QUIET} (longer
         * than any batch wait plus commit interval here), so nothing more is coming. Runs
         * {@code healthCheck} (which fails the test when the scorer died) between polls.
         *
         * @return whether all were seen
         */
        public boolean readUntilDistinct(int expected, Duration timeout, Runnable healthCheck,
                                         BooleanSupplier inputConsumed) {
            final long deadline = System.nanoTime() + timeout.toNanos();
            long lastProgress = System.nanoTime();
            long lastSettleCheck = System.nanoTime();
            while (counts.size() < expected && System.nanoTime() < deadline) {
                final int before = counts.size();
                pollOnce(Duration.ofMillis(200));
                healthCheck.run();
                final long now = System.nanoTime();
                if (counts.size() > before) {
                    lastProgress = now;
                } else if (now - lastProgress > QUIET.toNanos() && now - lastSettleCheck > 1_000_000_000L) {
                    lastSettleCheck = now;
                    if (inputConsumed.getAsBoolean()) {
                        readToEnd(Duration.ofSeconds(30));
                        return counts.size() >= expected;
                    }
                }
            }
            return counts.size() >= expected;
        }

        /** Reads on to the last stable offset of every partition, so late duplicates are counted too. */
        public void readToEnd(Duration timeout) {
            final Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            final long deadline = System.nanoTime() + timeout.toNanos();
            while (!reached(consumer, end)) {
                if (System.nanoTime() > deadline) {
                    fail("scores: end offsets " + end + " not reached within " + timeout + " (" + scores.size()
                            + " read)");
                }
                pollOnce(Duration.ofMillis(200));
            }
        }

        /** Number of scores per event id. Unmodifiable view. */
        public Map<String, Integer> counts() {
            return Collections.unmodifiableMap(counts);
        }

        /** Every score read, in the order read. Unmodifiable view. */
        public List<Score> scores() {
            return Collections.unmodifiableList(scores);
        }

        public int distinct() {
            return counts.size();
        }

        /** Scores beyond the first per event id. */
        public long duplicates() {
            long d = 0;
            for (int c : counts.values()) {
                d += c - 1;
            }
            return d;
        }

        /** Ids {@code tx-0 .. tx-(expected-1)} with no score. */
        public List<String> missing(int expected) {
            final List<String> missing = new ArrayList<>();
            for (int i = 0; i < expected; i++) {
                if (!counts.containsKey(eventId(i))) {
                    missing.add(eventId(i));
                }
            }
            return missing;
        }

        /** Event ids scored more than once. */
        public List<String> duplicated() {
            final List<String> ids = new ArrayList<>();
            counts.forEach((id, c) -> {
                if (c > 1) {
                    ids.add(id);
                }
            });
            Collections.sort(ids);
            return ids;
        }

        /** Event ids that are not {@code tx-0 .. tx-(expected-1)}. */
        public List<String> unexpected(int expected) {
            final List<String> ids = new ArrayList<>();
            for (String id : counts.keySet()) {
                final int seq = seqOf(id);
                if (seq < 0 || seq >= expected) {
                    ids.add(id);
                }
            }
            return ids;
        }

        /** A one-line account: scores read, distinct ids, duplicates, missing (with a few examples). */
        public String accounting(int expected) {
            final List<String> missing = missing(expected);
            final List<String> duplicated = duplicated();
            return String.format(Locale.ROOT, "expected %,d ids; read %,d scores, %,d distinct, %,d duplicates %s, "
                            + "%,d missing %s, %d unexpected %s", expected, scores.size(), counts.size(), duplicates(),
                    head(duplicated), missing.size(), head(missing), unexpected(expected).size(),
                    head(unexpected(expected)));
        }

        /** Fails unless every id {@code tx-0 .. tx-(expected-1)} has exactly one score and no other id has any. */
        public void assertExactlyOnce(int expected) {
            final String accounting = accounting(expected);
            assertEquals(List.of(), head(missing(expected)), "missing scores: " + accounting);
            assertEquals(0, duplicates(), "duplicate scores: " + accounting);
            assertEquals(List.of(), unexpected(expected), "unexpected event ids: " + accounting);
            assertEquals(expected, scores.size(), accounting);
        }

        private static List<String> head(List<String> ids) {
            return ids.size() <= 10 ? ids : ids.subList(0, 10);
        }

        @Override
        public void close() {
            Utils.closeQuietly(consumer, "score reader");
        }
    }
}
