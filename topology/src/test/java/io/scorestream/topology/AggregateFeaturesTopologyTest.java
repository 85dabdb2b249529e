package io.scorestream.topology;

import static io.scorestream.topology.TopologyFixture.MODEL;
import static io.scorestream.topology.TopologyFixture.START;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import io.scorestream.schemas.RolloutRole;
import io.scorestream.schemas.ScoreResult;
import io.scorestream.schemas.Transaction;
import io.scorestream.topology.errors.DeadLetters;
import io.scorestream.topology.processor.RepartitionHeaders;
import io.scorestream.topology.processor.ScoringObserver;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import io.scorestream.topology.features.FeatureEngine;
import java.time.Duration;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Aggregates declared in a ModelSpec, computed by the scoring topology on a TopologyTestDriver:
 * the values each score carries ({@code score.features.emit}) and the score the model computed
 * from them, against values worked out by hand.
 */
class AggregateFeaturesTopologyTest {

    private static final float[] WEIGHTS = {0.1f, 0.001f, 0.01f};
    private static final float BIAS = -1f;

    private final SyntheticTransactions generator = new SyntheticTransactions(7, 50);
    private TopologyFixture fixture;

    @AfterEach
    void close() {
        if (fixture != null) {
            fixture.close();
        }
    }

    /**
     * A logistic regression over three aggregates: score = sigmoid(0.1 n_10m + 0.001 sum_1h +
     * 0.01 gap - 1), gap defaulting to -1 for an account's first event.
     */
    private static ModelSpec spec(String version, String... aggregates) {
        return ModelFixtures.regressionOverAggregates(MODEL, version, WEIGHTS, BIAS, List.of("n_10m", "sum_1h", "gap"),
                Map.of("gap", -1.0), aggregates);
    }

    private static ModelSpec standardSpec(String version) {
        return spec(version, "n_10m=count() by account_id over 10m", "sum_1h=sum(amount) by account_id over 1h",
                "gap=since_last() by account_id over 1h");
    }

    private Transaction tx(String account, long secondsAfterStart, double amount) {
        final Instant at = START.plusSeconds(secondsAfterStart);
        return Transaction.newBuilder(generator.next(at)).setAccountId(account).setAmount(amount).setEventTime(at)
                .build();
    }

    private static double expectedScore(double n, double sum, double gap) {
        final double z = BIAS + WEIGHTS[0] * (float) n + WEIGHTS[1] * (float) sum + WEIGHTS[2] * (float) gap;
        return 1 / (1 + Math.exp(-z));
    }

    private static void assertFeatures(ScoreResult s, Double n, Double sum, Double gap) {
        final Map<String, Double> f = s.getFeatures();
        assertTrue(f != null, "score of " + s.getEventId() + " carries no features");
        assertEquals(n, f.get("n_10m"), s.getEventId() + " n_10m");
        assertEquals(sum, f.get("sum_1h"), s.getEventId() + " sum_1h");
        assertEquals(gap, f.get("gap"), s.getEventId() + " gap");
        assertEquals(expectedScore(n, sum, gap == null ? -1 : gap), s.getScore(), 1e-6, s.getEventId() + " score");
    }

    @Test
    void eachScoreSeesTheAggregatesOfItsAccountUpToAndIncludingItsOwnEvent() {
        fixture = TopologyFixture.builder(1).emitFeatures(true).build();
        fixture.publishAndAwaitVersion(standardSpec("1"));

        fixture.send(tx("A", 0, 10));    // A: first event
        fixture.send(tx("A", 60, 20));   // A: 60 s later
        fixture.send(tx("B", 120, 5));   // B: first event
        fixture.send(tx("A", 660, 30));  // A: 11 min after its first
        final List<ScoreResult> scores = fixture.scores().readValuesToList();

        assertEquals(4, scores.size());
        // A1: count 1, sum 10, no previous event
        assertFeatures(scores.get(0), 1.0, 10.0, null);
        // A2: count 2, sum 10 + 20 = 30, 60 s since A1
        assertFeatures(scores.get(1), 2.0, 30.0, 60.0);
        // B1: B's own state only
        assertFeatures(scores.get(2), 1.0, 5.0, null);
        // A3 at 660 s: the 10-min window (10 s buckets) is buckets (66 - 60, 66] = [70 s, 670 s): A1 (0 s)
        // and A2 (60 s, bucket 6) are out, so count 1; the 1-h window has all three: 10 + 20 + 30 = 60;
        // 600 s since A2
        assertFeatures(scores.get(3), 1.0, 60.0, 600.0);
    }

    @Test
    void scoresCarryNoFeaturesUnlessAskedTo() {
        fixture = TopologyFixture.builder(1).build();
        fixture.publishAndAwaitVersion(standardSpec("1"));

        fixture.send(tx("A", 0, 10));
        fixture.send(tx("A", 60, 20));
        final List<ScoreResult> scores = fixture.scores().readValuesToList();

        assertEquals(2, scores.size());
        assertNull(scores.get(1).getFeatures());
        // The model still saw them: count 2, sum 30, gap 60
        assertEquals(expectedScore(2, 30, 60), scores.get(1).getScore(), 1e-6);
    }

    @Test
    void anEventKeyedOtherwiseThanItsGroupFieldIsDeadLetteredNamingTheAggregate() {
        fixture = TopologyFixture.builder(1).emitFeatures(true).build();
        fixture.publishAndAwaitVersion(standardSpec("1"));

        final Transaction t = tx("A", 0, 10);
        fixture.transactions().pipeInput(new TestRecord<>("not-A".getBytes(StandardCharsets.UTF_8), t,
                t.getEventTime()));

        assertTrue(fixture.scores().isEmpty(), "scored although its group is not its key");
        final var dead = fixture.deadLetters().readRecord();
        final Header reason = dead.headers().lastHeader(DeadLetters.HEADER_REASON);
        assertEquals("aggregate_not_partitioned", new String(reason.value(), StandardCharsets.UTF_8));
        final String message = new String(dead.headers().lastHeader(DeadLetters.HEADER_MESSAGE).value(),
                StandardCharsets.UTF_8);
        assertTrue(message.contains("account_id"), message);
    }

    @Test
    void aLateEventIsScoredWithTheStateAsItIsAndCounted() {
        final Map<String, AtomicInteger> late = new ConcurrentHashMap<>();
        fixture = TopologyFixture.builder(1).emitFeatures(true).observer(new ScoringObserver() {
            @Override
            public void onFeatureLate(String model, String aggregate) {
                late.computeIfAbsent(model + "/" + aggregate, k -> new AtomicInteger()).incrementAndGet();
            }
        }).build();
        fixture.publishAndAwaitVersion(standardSpec("1"));

        fixture.send(tx("A", 7_200, 10));  // A at 2 h
        fixture.send(tx("A", 0, 20));      // A at 0: 2 h older than A's newest event
        final List<ScoreResult> scores = fixture.scores().readValuesToList();

        assertEquals(2, scores.size());
        // Late (2 h behind the task's stream time, more than window + grace, 10 min or 1 h): not
        // added, and its windows read as empty: count 0, sum 0, no previous event
        assertFeatures(scores.get(1), 0.0, 0.0, null);
        assertEquals(1, late.get(MODEL + "/n_10m").get());
        assertEquals(1, late.get(MODEL + "/sum_1h").get());
        // A later event of A still sees only the first one: the late one was not added
        fixture.send(tx("A", 7_260, 5));
        assertFeatures(fixture.scores().readValue(), 2.0, 15.0, 60.0);
    }

    @Test
    void aShadowCandidateGetsItsOwnAggregatesWhileStableKeepsItsValues() {
        fixture = TopologyFixture.builder(1).emitFeatures(true).build();
        final ModelSpec stable = standardSpec("1");
        // The candidate counts over 1 h where stable counts over 10 min; its sum and gap are stable's.
        final ModelSpec candidate = spec("2", "n_10m=count() by account_id over 1h",
                "sum_1h=sum(amount) by account_id over 1h", "gap=since_last() by account_id over 1h");
        fixture.publishAndAwaitRollout(ModelFixtures.withCandidate(stable, candidate, RolloutRole.SHADOW, 0),
                MODEL + "@1 + 2 as shadow");

        fixture.send(tx("A", 0, 10));
        fixture.send(tx("A", 660, 30));
        final List<ScoreResult> scores = fixture.scores().readValuesToList();
        final List<ScoreResult> shadow = fixture.shadowScores().readValuesToList();

        assertEquals(2, scores.size());
        assertEquals(2, shadow.size());
        // stable: the 10-min count no longer sees the first event at 660 s
        assertFeatures(scores.get(1), 1.0, 40.0, 660.0);
        // candidate: its 1-h count does
        assertFeatures(shadow.get(1), 2.0, 40.0, 660.0);
    }

    @Test
    void keysWhoseEveryWindowHasPassedAreSweptFromTheStore() {
        fixture = TopologyFixture.builder(1).build();
        fixture.publishAndAwaitVersion(standardSpec("1"));
        fixture.send(tx("A", 0, 10));
        fixture.send(tx("B", 4_000, 10));
        final KeyValueStore<Bytes, byte[]> store = fixture.driver().getKeyValueStore("scoring-features");
        assertEquals(List.of("A", "B"), groupKeys(store));

        // when: C's event makes the task's stream time 7 500 s, and a sweep runs (every 30 s of wall
        // clock)
        fixture.send(tx("C", 7_500, 10));
        fixture.driver().advanceWallClockTime(Duration.ofSeconds(31));

        // then: A's newest event (0 s) is older than 7 500 s - (2 x 1 h + 3 min): its longest window
        // (1 h, 1-min buckets, no grace) twice and three buckets: gone; B's (4 000 s) is not
        assertEquals(List.of("B", "C"), groupKeys(store));
    }

    @Test
    void eachAggregateReportsHowMuchHistoryItHasUntilItsWindowIsFull() {
        final Map<String, Long> history = new ConcurrentHashMap<>();
        fixture = TopologyFixture.builder(1).observer(new ScoringObserver() {
            @Override
            public void onFeatureHistory(String model, String aggregate, long windowMs, long historyMs,
                                         String task) {
                history.put(aggregate + "/" + windowMs, historyMs);
            }
        }).build();
        fixture.publishAndAwaitVersion(standardSpec("1"));

        // when: events 15 min apart, and the wall clock moves past a punctuation
        fixture.send(tx("A", 0, 10));
        fixture.send(tx("B", 900, 10));
        fixture.driver().advanceWallClockTime(Duration.ofSeconds(20));

        // then: every aggregate's state began with the first event: 15 min of history, so the 10-min
        // count is warm and the 1-h ones are warming up
        assertEquals(Map.of("n_10m/600000", 900_000L, "sum_1h/3600000", 900_000L, "gap/3600000", 900_000L),
                history);
    }

    /** The group keys (account ids) the features store holds state for, in order. */
    private static List<String> groupKeys(KeyValueStore<Bytes, byte[]> store) {
        final List<String> keys = new ArrayList<>();
        try (KeyValueIterator<Bytes, byte[]> it = store.all()) {
            while (it.hasNext()) {
                final byte[] k = it.next().key.get();
                if (FeatureEngine.isGroupStateKey(k)) {
                    final String text = new String(k, StandardCharsets.UTF_8);
                    keys.add(text.substring(text.indexOf('\u0000') + 1));
                }
            }
        }
        return keys;
    }

    @Test
    void eventsKeyedOtherwiseAreRepartitionedByTheGroupFieldAndScoredUnderTheirOwnKeyAndCoordinates() {
        fixture = TopologyFixture.builder(1).emitFeatures(true).repartitionBy("account_id").build();
        fixture.publishAndAwaitVersion(standardSpec("1"));

        // given: A's and B's events keyed by their transaction ids
        final List<Transaction> sent = List.of(tx("A", 0, 10), tx("B", 30, 5), tx("A", 60, 20));
        for (Transaction t : sent) {
            fixture.transactions().pipeInput(new TestRecord<>(t.getTransactionId().getBytes(StandardCharsets.UTF_8),
                    t, t.getEventTime()));
        }
        final List<TestRecord<byte[], ScoreResult>> scores = fixture.scores().readRecordsToList();

        // then: A's second event saw A's first, through the repartition
        assertEquals(3, scores.size());
        assertFeatures(scores.get(2).value(), 2.0, 30.0, 60.0);
        assertFeatures(scores.get(1).value(), 1.0, 5.0, null);
        for (int i = 0; i < 3; i++) {
            final ScoreResult s = scores.get(i).value();
            // and: each score has its input's key and coordinates, not the internal topic's
            assertEquals(sent.get(i).getTransactionId(), new String(scores.get(i).key(), StandardCharsets.UTF_8));
            assertEquals(sent.get(i).getTransactionId(), s.getKey());
            assertEquals(TopologyFixture.TRANSACTIONS, s.getSourceTopic());
            assertEquals((long) i, (long) s.getSourceOffset());
            assertNull(scores.get(i).headers().lastHeader(RepartitionHeaders.SOURCE_TOPIC), "internal header left");
        }
    }

    @Test
    void anEventWithoutTheRepartitionFieldIsDeadLetteredAsItsInputRecord() {
        fixture = TopologyFixture.builder(1).repartitionBy("merchant_id").build();
        fixture.publishAndAwaitVersion(standardSpec("1"));

        final Transaction t = tx("A", 0, 10);
        fixture.transactions().pipeInput(new TestRecord<>("own-key".getBytes(StandardCharsets.UTF_8), t,
                t.getEventTime()));

        assertTrue(fixture.scores().isEmpty());
        final var dead = fixture.deadLetters().readRecord();
        assertEquals("own-key", new String(dead.key(), StandardCharsets.UTF_8));
        assertEquals("aggregate_missing_field", new String(dead.headers().lastHeader(DeadLetters.HEADER_REASON)
                .value(), StandardCharsets.UTF_8));
        assertEquals(TopologyFixture.TRANSACTIONS, new String(dead.headers().lastHeader(DeadLetters.HEADER_TOPIC)
                .value(), StandardCharsets.UTF_8));
    }

    @Test
    void everyFunctionThroughTheTopologyWithHandComputedValues() {
        final List<String> names = List.of("c", "s", "m", "mn", "mx", "sd", "cd", "l", "sl", "fc", "cx");
        final float[] weights = new float[names.size()];
        java.util.Arrays.fill(weights, 0.001f);
        fixture = TopologyFixture.builder(1).emitFeatures(true).build();
        fixture.publishAndAwaitVersion(ModelFixtures.regressionOverAggregates(MODEL, "1", weights, 0f, names,
                Map.of("m", 0.0, "mn", 0.0, "mx", 0.0, "sd", 0.0, "l", 0.0, "sl", 0.0),
                "c=count() by account_id over 10m", "s=sum(amount) by account_id over 10m",
                "m=mean(amount) by account_id over 10m", "mn=min(amount) by account_id over 10m",
                "mx=max(amount) by account_id over 10m", "sd=stddev(amount) by account_id over 10m",
                "cd=count_distinct(amount) by account_id over 10m", "l=last(amount) by account_id over 10m",
                "sl=since_last() by account_id over 10m",
                "fc=count() by account_id over 10m where is_fraud = true",
                "cx=count() by account_id over 10m excluding current"));

        // given: A pays 10 (fraud), 20, 20 (fraud) at 0 s, 30 s and 90 s
        fixture.send(Transaction.newBuilder(tx("A", 0, 10)).setIsFraud(true).build());
        fixture.send(Transaction.newBuilder(tx("A", 30, 20)).setIsFraud(false).build());
        fixture.send(Transaction.newBuilder(tx("A", 90, 20)).setIsFraud(true).build());
        final List<ScoreResult> scores = fixture.scores().readValuesToList();

        // then, at the first event: only itself; no previous event; nothing before it
        final Map<String, Double> first = scores.get(0).getFeatures();
        assertEquals(1.0, first.get("c"));
        assertEquals(10.0, first.get("mx"));
        assertEquals(0.0, first.get("sd"), "stddev of one value");
        assertNull(first.get("l"));
        assertNull(first.get("sl"));
        assertEquals(1.0, first.get("fc"));
        assertEquals(0.0, first.get("cx"));
        // and at the third: {10, 20, 20}
        final Map<String, Double> f = scores.get(2).getFeatures();
        assertEquals(3.0, f.get("c"));
        assertEquals(50.0, f.get("s"));
        assertEquals(50.0 / 3, f.get("m"), 1e-12);
        assertEquals(10.0, f.get("mn"));
        assertEquals(20.0, f.get("mx"));
        // population: mean 16.667; squared deviations 44.444 + 11.111 + 11.111 = 66.667; / 3 = 22.222
        assertEquals(Math.sqrt(200.0 / 9), f.get("sd"), 1e-12);
        assertEquals(2.0, f.get("cd"), "distinct amounts: 10 and 20");
        assertEquals(20.0, f.get("l"), "the previous event's amount");
        assertEquals(60.0, f.get("sl"), "seconds since the previous event");
        assertEquals(2.0, f.get("fc"), "fraud-flagged events only");
        assertEquals(2.0, f.get("cx"), "the event itself not counted");
    }

    @Test
    void anEventLackingAFieldItsAggregatesReadIsASchemaMismatchAndCountsInNoAggregate() {
        fixture = TopologyFixture.builder(1).emitFeatures(true).build();
        fixture.publishAndAwaitVersion(standardSpec("1"));

        // given: an event of A whose schema has no amount (which sum_1h reads)
        final org.apache.avro.Schema noAmount = org.apache.avro.SchemaBuilder.record("Transaction")
                .namespace("io.scorestream.schemas").fields()
                .requiredString("transaction_id").requiredString("account_id").requiredLong("event_time")
                .endRecord();
        final org.apache.avro.generic.GenericRecord bad = new org.apache.avro.generic.GenericRecordBuilder(noAmount)
                .set("transaction_id", "bad-1").set("account_id", "A").set("event_time", START.toEpochMilli())
                .build();
        final byte[] bytes = io.scorestream.schemas.serde.ConfluentAvroSerializer.generic(fixture.schemas(), false)
                .serialize(TopologyFixture.TRANSACTIONS, bad);
        fixture.rawTransactions().pipeInput(new TestRecord<>("A".getBytes(StandardCharsets.UTF_8), bytes, START));

        // then: dead-lettered as a schema mismatch naming the field
        final var dead = fixture.deadLetters().readRecord();
        assertEquals("schema_mismatch", new String(dead.headers().lastHeader(DeadLetters.HEADER_REASON).value(),
                StandardCharsets.UTF_8));
        assertTrue(new String(dead.headers().lastHeader(DeadLetters.HEADER_MESSAGE).value(), StandardCharsets.UTF_8)
                .contains("amount"));
        // and: A's next event is its first in every aggregate
        fixture.send(tx("A", 60, 20));
        assertFeatures(fixture.scores().readValue(), 1.0, 20.0, null);
    }
}
