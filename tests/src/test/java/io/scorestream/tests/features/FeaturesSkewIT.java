package io.scorestream.tests.features;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
import io.scorestream.schemas.registry.InMemorySchemaRegistry;
import io.scorestream.schemas.serde.ConfluentAvroDeserializer;
import io.scorestream.testkit.EmbeddedKafka;
import io.scorestream.testkit.SchemaRegistryServer;
import io.scorestream.tests.it.ScoringItSupport;
import io.scorestream.tests.reliability.FeatureFaults;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
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
 * Training/serving skew, on a real broker: the aggregates live scoring computed for each event
 * (emitted with its score) equal, for every event, those a replay of the same topic computes, at
 * two replay batch sizes; with events out of order and some of them late.
 */
class FeaturesSkewIT {

    private static final Logger LOG = LoggerFactory.getLogger(FeaturesSkewIT.class);
    /** 2026-01-15T00:00:00Z: in the past, as a broker wants. */
    private static final long BASE = 1_768_435_200_000L;
    private static final int EVENTS = 3_000;
    private static final int PARTITIONS = 3;
    private static final String INPUT = "fx-transactions";
    /** The same events, in the same order, on one partition. */
    private static final String INPUT_ONE_PARTITION = "fx-transactions-1p";
    private static final String SCORES = "fx-scores";
    private static final String MODELS = "fx-model-specs";
    private static final String[] AGGREGATES = {
        "n_10m=count() by account_id over 10m",
        "sum_1h=sum(amount) by account_id over 1h",
        "gap=since_last() by account_id over 1h",
        "sd_1h=stddev(amount) by account_id over 1h bucket 1s",
        "fraud_max_1h=max(amount) by account_id over 1h grace 10m where is_fraud = true",
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

    @AfterEach
    void closeAll() {
        Utils.closeQuietly(app, "scoring application");
        Utils.closeQuietly(producer, "producer");
        Utils.closeQuietly(registry, "schema registry");
        Utils.closeQuietly(kafka, "embedded kafka");
    }

    @Test
    @Timeout(value = 6, unit = TimeUnit.MINUTES)
    void liveScoringAndAReplayComputeTheSameAggregatesForEveryEvent() throws Exception {
        // given: 3 000 transactions of 150 accounts on 3 partitions, a second apart, every 10th one
        // stamped 15 minutes early (out of order: late for the 10-minute count when its account had an
        // event in the last 5 minutes, added to the 1-hour windows), and a model version declaring six
        // aggregates
        kafka = EmbeddedKafka.startDefault();
        schemas = new InMemorySchemaRegistry();
        registry = SchemaRegistryServer.start(schemas);
        kafka.createTopic(INPUT, PARTITIONS, Map.of("retention.ms", "-1"));
        kafka.createTopic(SCORES, PARTITIONS, Map.of());
        kafka.createCompactedTopic(MODELS, 1);
        producer = SyntheticTransactionFeed.producer(kafka.bootstrapServers(), schemas, Map.of());
        producer.send(new ProducerRecord<>(MODELS, null, BASE, "fraud", spec())).get(30, TimeUnit.SECONDS);
        kafka.createTopic(INPUT_ONE_PARTITION, 1, Map.of("retention.ms", "-1"));
        final java.util.Set<String> outOfOrder = java.util.concurrent.ConcurrentHashMap.newKeySet();
        for (String topic : new String[] {INPUT, INPUT_ONE_PARTITION}) {
            final SyntheticTransactionFeed feed = SyntheticTransactionFeed.builder(producer, topic)
                    .generator(new SyntheticTransactions(99, 150)).count(EVENTS)
                    .eventTimes(SyntheticTransactionFeed.EventTimes.steps(BASE, 1_000))
                    .records((name, seq, ts, t) -> {
                        final long at = seq % 10 == 0 ? ts - 900_000 : ts;
                        if (at != ts) {
                            outOfOrder.add(t.getTransactionId().toString());
                        }
                        t.setEventTime(Instant.ofEpochMilli(at));
                        return new ProducerRecord<>(name, null, at, t.getAccountId(), t);
                    })
                    .build();
            feed.run();
            feed.checkDelivered();
        }

        // when: the application scores them live (small batches, emitting the features) ...
        app = ScoringApplication.start(ScorestreamConfig.of(liveSettings("fx-live", "state")), schemas);
        final Map<String, Map<String, Double>> live = FeatureFaults.readFeaturesByEvent(kafka.bootstrapServers(),
                schemas, SCORES, EVENTS, Duration.ofSeconds(120));
        app.close();
        app = null;

        // ... and a replay of the same topic computes them again, at two batch sizes, and a replay of
        // the same events on one partition (per account, the same order)
        final Map<String, Map<String, Double>> replay7 = replay(INPUT, "fx-replay-7", "7");
        final Map<String, Map<String, Double>> replay256 = replay(INPUT, "fx-replay-256", "256");
        final Map<String, Map<String, Double>> replayOne = replay(INPUT_ONE_PARTITION, "fx-replay-1p", "64");

        // then: the same values for every event, none missing
        assertSame(live, replay7, "live and replay at batch size 7");
        assertSame(live, replay256, "live and replay at batch size 256");
        // and: on one partition, only out-of-order events may differ: a task's stream time is the
        // largest event time of the partitions it reads, so an early event can be late against one
        // layout's stream time and not the other's (docs/FEATURES.md, "Partition counts")
        assertEquals(live.keySet(), replayOne.keySet(), "events on 1 partition");
        final List<String> moved = new ArrayList<>();
        for (Map.Entry<String, Map<String, Double>> e : live.entrySet()) {
            if (!e.getValue().equals(replayOne.get(e.getKey()))) {
                moved.add(e.getKey());
            }
        }
        assertTrue(outOfOrder.containsAll(moved), "in-order events whose features differ on 1 partition: "
                + moved.stream().filter(id -> !outOfOrder.contains(id)).toList());
        assertTrue(moved.size() < outOfOrder.size() / 10, moved.size() + " of " + outOfOrder.size()
                + " out-of-order events differ on 1 partition: " + moved);
        LOG.info(String.format(Locale.ROOT, "RESULT features skew across partition counts: %,d of %,d events differ "
                + "(all out of order, of %,d such)", moved.size(), EVENTS, outOfOrder.size()));
        // and: the aggregates were not trivial (windows held several events, some had no value)
        long busy = 0;
        long noPrevious = 0;
        for (Map<String, Double> f : live.values()) {
            busy += f.get("n_10m") >= 3 ? 1 : 0;
            noPrevious += f.get("prev_amount") == null ? 1 : 0;
        }
        LOG.info(String.format(Locale.ROOT, "RESULT features skew: %,d events, 0 differences; %,d with 3+ events "
                + "in 10 min, %,d without a previous event in 30 min", EVENTS, busy, noPrevious));
        assertTrue(busy > 100, "events with 3+ transactions of their account in 10 min: " + busy);
        assertTrue(noPrevious > 0 && noPrevious < EVENTS, "events with no previous one: " + noPrevious);
    }

    private static void assertSame(Map<String, Map<String, Double>> a, Map<String, Map<String, Double>> b,
                                   String what) {
        assertEquals(a.keySet(), b.keySet(), what + ": events");
        int differences = 0;
        String first = null;
        for (Map.Entry<String, Map<String, Double>> e : a.entrySet()) {
            if (!e.getValue().equals(b.get(e.getKey()))) {
                differences++;
                if (first == null) {
                    first = e.getKey() + ": " + e.getValue() + " vs " + b.get(e.getKey());
                }
            }
        }
        assertEquals(0, differences, what + ": events whose features differ; first " + first);
    }

    private Map<String, Map<String, Double>> replay(String topic, String out, String batch) throws Exception {
        final String[] args = {"--bootstrap", kafka.bootstrapServers(), "--schema-registry", registry.url(),
            "--topic", topic, "--model-topic", MODELS, "--model", "fraud@1", "--out", out, "--emit-features",
            "--event-id-field", "transaction_id",
            "--batch-max-records", batch, "--report", dir.resolve(out + ".json").toString()};
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final int code = ReplayCommand.run(args, new PrintStream(new ByteArrayOutputStream(), true,
                StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(0, code, "replay failed: " + err.toString(StandardCharsets.UTF_8));
        // and: the report gives each aggregate's distribution over the replayed events
        final com.fasterxml.jackson.databind.JsonNode features = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(dir.resolve(out + ".json").toFile()).path("versions").get(0).path("features");
        assertEquals(AGGREGATES.length, features.size(), features.toString());
        final com.fasterxml.jackson.databind.JsonNode n = features.path("n_10m");
        assertEquals(EVENTS, n.path("values").asLong() + n.path("nulls").asLong(), n.toString());
        assertTrue(n.path("max").asDouble() >= 3 && n.path("min").asDouble() >= 0, n.toString());
        assertTrue(features.path("prev_amount").path("nulls").asLong() > 0, features.toString());
        return FeatureFaults.readFeaturesByEvent(kafka.bootstrapServers(), schemas, out, EVENTS,
                Duration.ofSeconds(60));
    }

    /** A logistic regression over the six aggregates (weights small: the scores do not matter here). */
    private static ModelSpec spec() {
        final List<Aggregate> aggregates = new ArrayList<>();
        final List<FeatureColumn> columns = new ArrayList<>();
        for (String a : AGGREGATES) {
            final Aggregate parsed = AggregateSyntax.parse(a);
            aggregates.add(parsed);
            columns.add(FeatureColumn.newBuilder().setField(parsed.getName()).setDefaultValue(-1.0).build());
        }
        final float[] weights = new float[columns.size()];
        java.util.Arrays.fill(weights, 0.001f);
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

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void eventsKeyedByTransactionAreRepartitionedByAccountSoEachAccountsAggregatesSeeAllItsEvents()
            throws Exception {
        // given: 2 000 transactions of 100 accounts, a second apart, keyed by their transaction ids;
        // each account's events all on one partition, in time order, but not the partition its account
        // id hashes to (so the repartition moves them, and keeps their order)
        kafka = EmbeddedKafka.startDefault();
        schemas = new InMemorySchemaRegistry();
        kafka.createTopic(INPUT, PARTITIONS, Map.of("retention.ms", "-1"));
        kafka.createTopic(SCORES, PARTITIONS, Map.of());
        kafka.createCompactedTopic(MODELS, 1);
        producer = SyntheticTransactionFeed.producer(kafka.bootstrapServers(), schemas, Map.of());
        producer.send(new ProducerRecord<>(MODELS, null, BASE, "fraud", spec())).get(30, TimeUnit.SECONDS);
        final int events = 2_000;
        // transaction id -> its position (1, 2, ...) among its account's events
        final Map<String, Integer> nth = new HashMap<>();
        final Map<String, Integer> perAccount = new HashMap<>();
        final SyntheticTransactionFeed feed = SyntheticTransactionFeed.builder(producer, INPUT)
                .generator(new SyntheticTransactions(5, 100)).count(events)
                .eventTimes(SyntheticTransactionFeed.EventTimes.steps(BASE, 1_000))
                .records((name, seq, ts, t) -> {
                    final String account = t.getAccountId().toString();
                    nth.put(t.getTransactionId().toString(), perAccount.merge(account, 1, Integer::sum));
                    final int partition = Math.floorMod(account.hashCode() + 1, PARTITIONS);
                    return new ProducerRecord<>(name, partition, ts, t.getTransactionId().toString(), t);
                })
                .build();
        feed.run();
        feed.checkDelivered();

        // when: scored under exactly-once with repartition.by=account_id
        final Map<String, Object> s = liveSettings("fx-repartition", "state-r");
        s.put(TopicsConfig.REPARTITION_BY_CONFIG, "account_id");
        app = ScoringApplication.start(ScorestreamConfig.of(s), schemas);
        final Map<String, ScoreResult> scores = awaitScores(SCORES, events, Duration.ofSeconds(120));

        // then: one score per input record, under its own key and coordinates, and each event's 1-hour
        // count is its position among its account's events (all within the hour): every event of an
        // account reached the one task holding the account's state, in order
        assertEquals(events, scores.size());
        int checked = 0;
        for (ScoreResult r : scores.values()) {
            assertEquals(INPUT, r.getSourceTopic());
            assertEquals(r.getEventId(), r.getKey(), "the score keeps its input's key (the transaction id)");
            assertEquals((double) nth.get(r.getEventId()), r.getFeatures().get("n_1h"), "n_1h of " + r.getEventId());
            checked++;
        }
        LOG.info(String.format(Locale.ROOT, "RESULT features repartition: %,d events of %d accounts, each one's "
                + "1-h count as expected", checked, perAccount.size()));
    }

    /** A scoring application on the test's topics: small batches, exactly-once, the features emitted. */
    private Map<String, Object> liveSettings(String applicationId, String stateDir) {
        final Map<String, Object> s = ScoringItSupport.appSettings(kafka.bootstrapServers(), applicationId,
                dir.resolve(stateDir));
        s.put(TopicsConfig.INPUT_TOPICS_CONFIG, INPUT);
        s.put(TopicsConfig.OUTPUT_TOPIC_CONFIG, SCORES);
        s.put(TopicsConfig.MODEL_TOPIC_CONFIG, MODELS);
        s.put(TopicsConfig.DEAD_LETTER_TOPIC_CONFIG, "fx-dlq");
        s.put(TopicsConfig.SCORE_FEATURES_EMIT_CONFIG, "true");
        s.put(ModelsConfig.MODEL_NAME_CONFIG, "fraud");
        s.put(BatchingConfig.BATCH_MAX_RECORDS_CONFIG, "50");
        s.put(BatchingConfig.BATCH_MAX_WAIT_MS_CONFIG, "100");
        s.put(KafkaStreamsConfig.PROCESSING_GUARANTEE_CONFIG, "exactly_once_v2");
        s.put(MetricsConfig.METRICS_ENABLED_CONFIG, "false");
        return s;
    }

    /** Each score on {@code topic} by event id, once there are {@code n}. */
    private Map<String, ScoreResult> awaitScores(String topic, int n, Duration timeout) {
        final Map<String, Object> p = new HashMap<>();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, IsolationLevel.READ_COMMITTED.toString());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        final ConfluentAvroDeserializer<ScoreResult> scores = ConfluentAvroDeserializer.specific(schemas,
                ScoreResult.class, false);
        final Map<String, ScoreResult> out = new HashMap<>();
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
                    fail(topic + ": " + out.size() + " scores of " + n + " after " + timeout);
                }
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    final ScoreResult s = scores.deserialize(topic, r.value());
                    assertTrue(out.put(s.getEventId(), s) == null, "two scores of " + s.getEventId());
                }
            }
        }
        return out;
    }
}
