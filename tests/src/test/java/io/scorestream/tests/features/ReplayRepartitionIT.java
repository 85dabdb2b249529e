package io.scorestream.tests.features;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.scorestream.app.ScoringApplication;
import io.scorestream.app.config.BatchingConfig;
import io.scorestream.app.config.KafkaStreamsConfig;
import io.scorestream.app.config.MetricsConfig;
import io.scorestream.app.config.ModelsConfig;
import io.scorestream.app.config.ScorestreamConfig;
import io.scorestream.app.config.TopicsConfig;
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
import io.scorestream.schemas.Transaction;
import io.scorestream.schemas.registry.InMemorySchemaRegistry;
import io.scorestream.schemas.serde.ConfluentAvroDeserializer;
import io.scorestream.testkit.EmbeddedKafka;
import io.scorestream.testkit.SchemaRegistryServer;
import io.scorestream.tests.it.ScoringItSupport;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A replay of a repartitioned pipeline ({@code scorestream replay --repartition-by}), on a real
 * broker: events keyed by transaction id, each account's events spread over 3 partitions. The
 * replay's aggregates equal live scoring's for every event, and, over a topic whose partitions were
 * written out of time order, equal the values of the events taken in event-time order; its scores
 * name the input records.
 */
class ReplayRepartitionIT {

    private static final Logger LOG = LoggerFactory.getLogger(ReplayRepartitionIT.class);
    /** 2026-01-15T00:00:00Z: in the past, as a broker wants. */
    private static final long BASE = 1_768_435_200_000L;
    private static final int PARTITIONS = 3;
    private static final String INPUT = "rr-transactions";
    private static final String SCORES = "rr-scores";
    private static final String MODELS = "rr-model-specs";
    private static final String[] AGGREGATES = {
        "n_10m=count() by account_id over 10m",
        "sum_1h=sum(amount) by account_id over 1h",
        "gap=since_last() by account_id over 1h",
        "prev_amount=last(amount) by account_id over 30m excluding current",
        "n_1h=count() by account_id over 1h",
    };

    @TempDir
    Path dir;

    private EmbeddedKafka kafka;
    private SchemaRegistryServer registry;
    private KafkaProducer<String, Object> producer;
    private ScoringApplication app;
    private InMemorySchemaRegistry schemas;
    /** What the last replay printed on stderr. */
    private String printed;

    @AfterEach
    void closeAll() {
        Utils.closeQuietly(app, "scoring application");
        Utils.closeQuietly(producer, "producer");
        Utils.closeQuietly(registry, "schema registry");
        Utils.closeQuietly(kafka, "embedded kafka");
    }

    private void startBroker() throws Exception {
        kafka = EmbeddedKafka.startDefault();
        schemas = new InMemorySchemaRegistry();
        registry = SchemaRegistryServer.start(schemas);
        kafka.createTopic(INPUT, PARTITIONS, Map.of("retention.ms", "-1"));
        kafka.createTopic(SCORES, PARTITIONS, Map.of());
        kafka.createCompactedTopic(MODELS, 1);
        producer = SyntheticTransactionFeed.producer(kafka.bootstrapServers(), schemas, Map.of());
        producer.send(new ProducerRecord<>(MODELS, null, BASE, "fraud", spec())).get(30, TimeUnit.SECONDS);
    }

    @Test
    @Timeout(value = 6, unit = TimeUnit.MINUTES)
    void liveRepartitionedScoringAndAReplayThatRepartitionsComputeTheSameAggregatesForEveryEvent() throws Exception {
        // given: 40 accounts paying once per 20-second round, for 30 rounds, keyed by transaction id; an
        // account's payments rotate over the 3 partitions; live scoring with repartition.by=account_id
        // gets each round once the previous one is scored, so every account's events reach its task
        // in event-time order (what a replay reproduces whatever the timing)
        startBroker();
        final int accounts = 40;
        final int rounds = 30;
        final int events = accounts * rounds;
        final Map<String, Object> s = liveSettings();
        s.put(TopicsConfig.REPARTITION_BY_CONFIG, "account_id");
        app = ScoringApplication.start(ScorestreamConfig.of(s), schemas);
        final SyntheticTransactions generator = new SyntheticTransactions(31, accounts);
        final Map<String, ScoreResult> live = new HashMap<>();
        try (ScoreReader reader = new ScoreReader(SCORES)) {
            int seq = 0;
            for (int round = 0; round < rounds; round++) {
                for (int a = 0; a < accounts; a++) {
                    final long ts = BASE + round * 20_000L + a * 10L;
                    final Transaction t = generator.next(Instant.ofEpochMilli(ts));
                    t.setAccountId("acct-" + a);
                    t.setTransactionId("tx-" + seq++);
                    producer.send(new ProducerRecord<>(INPUT, (a + round) % PARTITIONS, ts,
                            t.getTransactionId().toString(), t));
                }
                producer.flush();
                reader.readUntil(live, (round + 1) * accounts, Duration.ofSeconds(60));
            }
        }
        app.close();
        app = null;

        // when: replays of the same topic, repartitioned by the account, at two batch sizes
        final Map<String, ScoreResult> replay7 = replay("rr-replay-7", "7", events);
        final Map<String, ScoreResult> replay256 = replay("rr-replay-256", "256", events);

        // then: for every event, the same values, and the score names the same input record
        assertSame(live, replay7, "batch size 7");
        assertSame(live, replay256, "batch size 256");
        long busy = 0;
        for (ScoreResult r : live.values()) {
            busy += r.getFeatures().get("n_10m") >= 3 ? 1 : 0;
        }
        assertTrue(busy > events / 2, "events with 3+ of their account's in 10 min: " + busy);
        LOG.info(String.format(Locale.ROOT, "RESULT replay repartition skew: %,d events, 0 differences at batch "
                + "sizes 7 and 256; %,d with 3+ events in 10 min", events, busy));
        // and: the temporary topic is gone
        for (String topic : kafka.admin().listTopics().names().get(30, TimeUnit.SECONDS)) {
            assertTrue(!topic.endsWith("-rekeyed"), "left behind: " + topic);
        }
    }

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void aReplayOfPartitionsWrittenOutOfTimeOrderSeesEachAccountsEventsInEventTimeOrder() throws Exception {
        // given: 1 200 transactions of 60 accounts, a second apart, keyed by transaction id, each on a
        // random partition; each partition in time order, but partition 2 written first, then 1, then
        // 0 (so a live repartition would see an account's later events before its earlier ones)
        startBroker();
        final int events = 1_200;
        final SyntheticTransactions generator = new SyntheticTransactions(17, 60);
        final java.util.Random random = new java.util.Random(17);
        final List<List<ProducerRecord<String, Object>>> byPartition = new ArrayList<>();
        for (int p = 0; p < PARTITIONS; p++) {
            byPartition.add(new ArrayList<>());
        }
        final List<Transaction> all = new ArrayList<>();
        for (int i = 0; i < events; i++) {
            final long ts = BASE + i * 1_000L;
            final Transaction t = generator.next(Instant.ofEpochMilli(ts));
            t.setTransactionId("tx-" + i);
            all.add(t);
            final int p = random.nextInt(PARTITIONS);
            byPartition.get(p).add(new ProducerRecord<>(INPUT, p, ts, t.getTransactionId().toString(), t));
        }
        // and: amid partition 1, three records that cannot be grouped: an event without account_id,
        // a tombstone, and bytes not in the wire format
        final org.apache.avro.Schema other = org.apache.avro.SchemaBuilder.record("Refund").namespace("test")
                .fields().requiredDouble("amount").endRecord();
        final org.apache.avro.generic.GenericRecord refund = new org.apache.avro.generic.GenericData.Record(other);
        refund.put("amount", 3.0);
        final byte[] noAccount = io.scorestream.schemas.serde.ConfluentAvroSerializer.generic(schemas, false)
                .serialize("rr-refunds", refund);
        final List<ProducerRecord<String, Object>> one = byPartition.get(1);
        final long mid = (Long) one.get(one.size() / 2).timestamp();
        one.add(one.size() / 2, new ProducerRecord<>(INPUT, 1, mid, "refund-1", noAccount));
        one.add(one.size() / 2, new ProducerRecord<String, Object>(INPUT, 1, mid, "deleted-1", (Object) null));
        one.add(one.size() / 2, new ProducerRecord<>(INPUT, 1, mid, "garbage-1",
                "{\"amount\": 1}".getBytes(StandardCharsets.UTF_8)));
        final Map<String, String> where = new HashMap<>();
        for (int p = PARTITIONS - 1; p >= 0; p--) {
            for (ProducerRecord<String, Object> r : byPartition.get(p)) {
                final RecordMetadata m = producer.send(r).get(30, TimeUnit.SECONDS);
                where.put(r.key(), m.partition() + "@" + m.offset());
            }
        }

        // when: replayed, repartitioned by the account
        final Map<String, ScoreResult> replay = replay("rr-replay-ooo", "64", events);

        // then: each partition was in time order, so nothing is out of order after the merge
        assertTrue(!printed.contains("stamped earlier"), printed);
        // and: by hand, in event-time order per account: n_1h is the event's rank among its
        // account's events (all within 20 minutes), prev_amount the amount of the one before it
        final Map<String, List<Transaction>> byAccount = new HashMap<>();
        for (Transaction t : all) {
            byAccount.computeIfAbsent(t.getAccountId().toString(), k -> new ArrayList<>()).add(t);
        }
        int checked = 0;
        for (List<Transaction> txs : byAccount.values()) {
            txs.sort(Comparator.comparing(Transaction::getEventTime));
            for (int i = 0; i < txs.size(); i++) {
                final String id = txs.get(i).getTransactionId().toString();
                final ScoreResult r = replay.get(id);
                assertEquals((double) (i + 1), r.getFeatures().get("n_1h"), "n_1h of " + id);
                assertEquals(i == 0 ? null : txs.get(i - 1).getAmount(), r.getFeatures().get("prev_amount"),
                        "prev_amount of " + id);
                // and: the score names the input record, not the temporary topic
                assertEquals(INPUT, r.getSourceTopic().toString());
                assertEquals(id, r.getKey().toString());
                assertEquals(where.get(id), r.getSourcePartition() + "@" + r.getSourceOffset(), id);
                checked++;
            }
        }
        assertEquals(events, checked);
        // and: the three are dead-lettered with live scoring's reasons, and the report counts them
        final com.fasterxml.jackson.databind.JsonNode records = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(dir.resolve("rr-replay-ooo.json").toFile()).path("records");
        assertEquals(3, records.path("dead_letters").asLong(), records.toString());
        final com.fasterxml.jackson.databind.JsonNode reasons = records.path("dead_letters_by_reason");
        assertEquals(1, reasons.path("aggregate_missing_field").asLong(), reasons.toString());
        assertEquals(1, reasons.path("null_value").asLong(), reasons.toString());
        assertEquals(1, reasons.path("wrong_magic_byte").asLong(), reasons.toString());
        assertEquals(0, records.path("unaccounted").asLong(), records.toString());
        assertTrue(printed.contains("; 3 dead-lettered"), printed);
        LOG.info(String.format(Locale.ROOT, "RESULT replay repartition point in time: %,d events of %d accounts as "
                + "in event-time order", checked, byAccount.size()));
    }

    private static void assertSame(Map<String, ScoreResult> live, Map<String, ScoreResult> replay, String what) {
        assertEquals(live.keySet(), replay.keySet(), what + ": events");
        int differences = 0;
        String first = null;
        for (Map.Entry<String, ScoreResult> e : live.entrySet()) {
            final ScoreResult a = e.getValue();
            final ScoreResult b = replay.get(e.getKey());
            final boolean same = new TreeMap<>(a.getFeatures()).equals(new TreeMap<>(b.getFeatures()))
                    && a.getSourceTopic().toString().equals(b.getSourceTopic().toString())
                    && a.getSourcePartition().equals(b.getSourcePartition())
                    && a.getSourceOffset().equals(b.getSourceOffset())
                    && String.valueOf(a.getKey()).equals(String.valueOf(b.getKey()));
            if (!same) {
                differences++;
                if (first == null) {
                    first = e.getKey() + ": " + a + " vs " + b;
                }
            }
        }
        assertEquals(0, differences, what + ": events whose features or source differ; first " + first);
    }

    /** Runs {@code scorestream replay --repartition-by account_id} into {@code out}; its scores by event id. */
    private Map<String, ScoreResult> replay(String out, String batch, int events) throws Exception {
        final String[] args = {"--bootstrap", kafka.bootstrapServers(), "--schema-registry", registry.url(),
            "--topic", INPUT, "--model-topic", MODELS, "--model", "fraud@1", "--out", out, "--emit-features",
            "--event-id-field", "transaction_id", "--repartition-by", "account_id",
            "--batch-max-records", batch, "--report", dir.resolve(out + ".json").toString()};
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final int code = ReplayCommand.run(args, new PrintStream(new ByteArrayOutputStream(), true,
                StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        printed = err.toString(StandardCharsets.UTF_8);
        assertEquals(0, code, "replay failed: " + printed);
        assertTrue(printed.contains("rekeyed " + String.format(Locale.ROOT, "%,d", events) + " events"), printed);
        final Map<String, ScoreResult> scores = new HashMap<>();
        try (ScoreReader reader = new ScoreReader(out)) {
            reader.readUntil(scores, events, Duration.ofSeconds(60));
        }
        return scores;
    }

    /** Reads scores ({@code read_committed}) from the start of a topic, by event id. */
    private final class ScoreReader implements AutoCloseable {
        private final String topic;
        private final KafkaConsumer<byte[], byte[]> consumer;
        private final ConfluentAvroDeserializer<ScoreResult> scores = ConfluentAvroDeserializer.specific(schemas,
                ScoreResult.class, false);

        ScoreReader(String topic) {
            this.topic = topic;
            final Map<String, Object> p = new HashMap<>();
            p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
            p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, IsolationLevel.READ_COMMITTED.toString());
            p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
            consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
            final List<TopicPartition> tps = new ArrayList<>();
            for (PartitionInfo info : consumer.partitionsFor(topic)) {
                tps.add(new TopicPartition(topic, info.partition()));
            }
            consumer.assign(tps);
            consumer.seekToBeginning(tps);
        }

        void readUntil(Map<String, ScoreResult> out, int n, Duration timeout) {
            final long deadline = System.nanoTime() + timeout.toNanos();
            while (out.size() < n) {
                if (System.nanoTime() > deadline) {
                    fail(String.format(Locale.ROOT, "%s: %,d scores of %,d after %s", topic, out.size(), n, timeout));
                }
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    final ScoreResult s = scores.deserialize(topic, r.value());
                    assertNull(out.put(s.getEventId().toString(), s), "two scores of " + s.getEventId());
                }
            }
        }

        @Override
        public void close() {
            consumer.close();
        }
    }

    /** A scoring application on the test's topics: small batches, exactly-once, the features emitted. */
    private Map<String, Object> liveSettings() {
        final Map<String, Object> s = ScoringItSupport.appSettings(kafka.bootstrapServers(), "rr-live",
                dir.resolve("state"));
        s.put(TopicsConfig.INPUT_TOPICS_CONFIG, INPUT);
        s.put(TopicsConfig.OUTPUT_TOPIC_CONFIG, SCORES);
        s.put(TopicsConfig.MODEL_TOPIC_CONFIG, MODELS);
        s.put(TopicsConfig.DEAD_LETTER_TOPIC_CONFIG, "rr-dlq");
        s.put(TopicsConfig.SCORE_FEATURES_EMIT_CONFIG, "true");
        s.put(ModelsConfig.MODEL_NAME_CONFIG, "fraud");
        s.put(BatchingConfig.BATCH_MAX_RECORDS_CONFIG, "50");
        s.put(BatchingConfig.BATCH_MAX_WAIT_MS_CONFIG, "20");
        s.put(KafkaStreamsConfig.PROCESSING_GUARANTEE_CONFIG, "exactly_once_v2");
        s.put(MetricsConfig.METRICS_ENABLED_CONFIG, "false");
        return s;
    }

    /** A logistic regression over the aggregates (weights small: the scores do not matter here). */
    private static ModelSpec spec() {
        final List<Aggregate> aggregates = new ArrayList<>();
        final List<FeatureColumn> columns = new ArrayList<>();
        for (String a : AGGREGATES) {
            final Aggregate parsed = AggregateSyntax.parse(a);
            aggregates.add(parsed);
            columns.add(FeatureColumn.newBuilder().setField(parsed.getName()).setDefaultValue(-1.0).build());
        }
        final float[] weights = new float[columns.size()];
        Arrays.fill(weights, 0.001f);
        final byte[] onnx = new LogisticRegression(weights, 0f).toOnnx();
        return ModelSpec.newBuilder()
                .setName("fraud")
                .setVersion("1")
                .setArtifactBytes(ByteBuffer.wrap(onnx))
                .setSha256(Sha256.hex(onnx))
                .setInputs(List.of(ModelInput.newBuilder().setInputName(Mlp.INPUT).setColumns(columns).build()))
                .setAggregates(aggregates)
                .setOutput(ModelOutput.newBuilder().setScoreOutput(Mlp.OUTPUT).build())
                .setThreshold(0.5)
                .setCreatedAt(Instant.ofEpochMilli(BASE))
                .setMetadata(Map.of())
                .build();
    }
}
