package io.scorestream.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scorestream.inference.onnx.Mlp;
import io.scorestream.inference.registry.KeyBuckets;
import io.scorestream.inference.training.SyntheticTransactions;
import io.scorestream.schemas.ModelSpec;
import io.scorestream.schemas.RolloutRole;
import io.scorestream.schemas.ScoreResult;
import io.scorestream.schemas.Transaction;
import io.scorestream.topology.processor.ScoringObserver;
import io.scorestream.topology.processor.ScoringProcessor;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Canary, shadow and rollback through the whole topology (TopologyTestDriver, real ONNX Runtime). */
class RolloutTopologyTest {

    private static final String MODEL = TopologyFixture.MODEL;
    private static final Mlp V1 = Mlp.random(1, 30, 16, 1);
    private static final Mlp V2 = Mlp.random(2, 30, 16, 1);

    private final SyntheticTransactions generator = new SyntheticTransactions(11, 2_000);
    private final Instant start = TopologyFixture.START;
    private final Recorder observer = new Recorder();
    private TopologyFixture fixture;
    private TestOutputTopic<byte[], ScoreResult> scores;
    private TestOutputTopic<byte[], ScoreResult> shadowScores;
    private TestOutputTopic<byte[], byte[]> deadLetters;
    private int sent;

    /** Counts what the processor reports about shadows. */
    static final class Recorder implements ScoringObserver {
        final List<double[]> compared = new ArrayList<>();
        final AtomicInteger agreements = new AtomicInteger();
        final AtomicInteger shadowFailures = new AtomicInteger();
        final AtomicInteger onScore = new AtomicInteger();

        @Override
        public synchronized void onShadowCompared(String model, String stableVersion, String candidateVersion,
                                                  double scoreDifference, boolean decisionsAgree) {
            compared.add(new double[] {scoreDifference});
            agreements.addAndGet(decisionsAgree ? 1 : 0);
        }

        @Override
        public void onShadowFailed(String model, String candidateVersion, String reason) {
            shadowFailures.incrementAndGet();
        }

        @Override
        public void onScore(ScoreResult score, GenericRecord event) {
            onScore.incrementAndGet();
        }
    }

    private void startDriver(int batchMaxRecords) {
        fixture = TopologyFixture.builder(batchMaxRecords).applicationId("rollout-test").observer(observer).build();
        scores = fixture.scores();
        shadowScores = fixture.shadowScores();
        deadLetters = fixture.deadLetters();
    }

    @AfterEach
    void close() {
        if (fixture != null) {
            fixture.close();
        }
    }

    private void publishAndAwait(ModelSpec spec, String expected) {
        fixture.publishAndAwaitRollout(spec, expected);
    }

    private List<Transaction> send(int n) {
        final List<Transaction> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            final Transaction t = generator.next(start.plusMillis(sent++));
            fixture.send(t);
            out.add(t);
        }
        return out;
    }

    private static ModelSpec v(String version, Mlp mlp) {
        return ModelFixtures.spec(MODEL, version, mlp);
    }

    private static String header(TestRecord<byte[], ?> r, String name) {
        return new String(r.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }

    @Test
    void aTenPercentCanaryScoresItsKeysWithTheCandidateAndEveryKeyWithOneVersion() throws Exception {
        startDriver(64);
        publishAndAwait(ModelFixtures.withCandidate(v("1", V1), v("2", V2), RolloutRole.CANARY, 10),
                "fraud@1 + 2 as canary for 10.0% of keys");

        final List<Transaction> in = send(6_400);

        final List<TestRecord<byte[], ScoreResult>> out = scores.readRecordsToList();
        assertEquals(in.size(), out.size(), "one score per record");
        assertTrue(deadLetters.isEmpty());
        assertTrue(shadowScores.isEmpty(), "a canary writes nothing to the shadow topic");
        final Map<String, String> versionOfKey = new HashMap<>();
        final Map<String, List<String>> idsPerKey = new HashMap<>();
        for (int i = 0; i < out.size(); i++) {
            final TestRecord<byte[], ScoreResult> r = out.get(i);
            final ScoreResult s = r.value();
            final String key = new String(r.key(), StandardCharsets.UTF_8);
            final boolean canaryKey = KeyBuckets.bucket(r.key()) < KeyBuckets.threshold(10);
            assertEquals(canaryKey ? "2" : "1", s.getModelVersion(), "key " + key);
            assertEquals(canaryKey ? "canary" : "stable", s.getRole());
            assertEquals(s.getModelVersion(), header(r, ScoringProcessor.HEADER_MODEL_VERSION));
            assertEquals(s.getRole(), header(r, ScoringProcessor.HEADER_MODEL_ROLE));
            final String previous = versionOfKey.putIfAbsent(key, s.getModelVersion());
            assertTrue(previous == null || previous.equals(s.getModelVersion()), "key " + key + " saw two versions");
            idsPerKey.computeIfAbsent(key, k -> new ArrayList<>()).add(s.getEventId());
        }
        // The right model computed each score.
        final Map<String, Transaction> byId = new HashMap<>();
        in.forEach(t -> byId.put(t.getTransactionId(), t));
        for (TestRecord<byte[], ScoreResult> r : out) {
            final Mlp mlp = r.value().getModelVersion().equals("2") ? V2 : V1;
            final double expected = ModelFixtures.expected(mlp, byId.get(r.value().getEventId()));
            assertEquals(expected, r.value().getScore(), 1e-5 * Math.abs(expected) + 1e-6);
        }
        // Per-key order is the input order.
        final Map<String, List<String>> sentPerKey = new HashMap<>();
        in.forEach(t -> sentPerKey.computeIfAbsent(t.getAccountId(), k -> new ArrayList<>()).add(t.getTransactionId()));
        assertEquals(sentPerKey, idsPerKey);
        final long canaryKeys = versionOfKey.values().stream().filter("2"::equals).count();
        final double share = canaryKeys / (double) versionOfKey.size();
        assertTrue(share > 0.07 && share < 0.13, "share of distinct keys on the canary: " + share + " of "
                + versionOfKey.size());
    }

    @Test
    void aShadowScoresEveryRecordBesideStableAndIsCompared() throws Exception {
        startDriver(32);
        publishAndAwait(ModelFixtures.withCandidate(v("1", V1), v("2", V2), RolloutRole.SHADOW, 0),
                "fraud@1 + 2 as shadow");

        final List<Transaction> in = send(640);

        final List<TestRecord<byte[], ScoreResult>> out = scores.readRecordsToList();
        final List<TestRecord<byte[], ScoreResult>> shadow = shadowScores.readRecordsToList();
        assertEquals(in.size(), out.size());
        assertEquals(in.size(), shadow.size(), "every record has a shadow score");
        final Set<String> ids = new HashSet<>();
        for (int i = 0; i < in.size(); i++) {
            final ScoreResult s = out.get(i).value();
            final ScoreResult c = shadow.get(i).value();
            assertEquals("1", s.getModelVersion());
            assertEquals("stable", s.getRole());
            assertEquals("2", c.getModelVersion());
            assertEquals("shadow", c.getRole());
            assertEquals(s.getEventId(), c.getEventId(), "same record, same order");
            ids.add(c.getEventId());
            final Transaction t = in.get(i);
            assertEquals(ModelFixtures.expected(V2, t), c.getScore(), 1e-5);
        }
        assertEquals(in.size(), ids.size());
        assertEquals(in.size(), observer.compared.size(), "one comparison per record");
        int agree = 0;
        for (int i = 0; i < in.size(); i++) {
            final double diff = shadow.get(i).value().getScore() - out.get(i).value().getScore();
            assertEquals(diff, observer.compared.get(i)[0], 1e-12);
            agree += shadow.get(i).value().getDecision() == out.get(i).value().getDecision() ? 1 : 0;
        }
        assertEquals(agree, observer.agreements.get());
        assertEquals(2 * in.size(), observer.onScore.get());
    }

    @Test
    void aShadowThatFailsNeverCostsAStableScoreNorADeadLetter() throws Exception {
        startDriver(16);
        publishAndAwait(ModelFixtures.withCandidate(v("1", V1), ModelFixtures.failingSpec(MODEL, "9"),
                RolloutRole.SHADOW, 0), "fraud@1 + 9 as shadow");

        final List<Transaction> in = send(160);

        assertEquals(in.size(), scores.readRecordsToList().size());
        assertTrue(deadLetters.isEmpty(), "a shadow's failures are not dead letters");
        final long failing = in.stream().filter(t -> t.getElapsedSeconds() < -10 || t.getElapsedSeconds() >= 10)
                .count();
        assertTrue(failing > 0, "the data must make the shadow fail for some records");
        assertEquals(failing, observer.shadowFailures.get());
        assertEquals(in.size() - failing, shadowScores.readRecordsToList().size());
    }

    @Test
    void aRollbackTakesEffectWithinOneBatch() throws Exception {
        startDriver(4);
        publishAndAwait(ModelFixtures.withCandidate(v("1", V1), v("2", V2), RolloutRole.CANARY, 100),
                "fraud@1 + 2 as canary for 100.0% of keys");
        send(2);
        assertTrue(scores.isEmpty(), "half a batch is buffered");

        publishAndAwait(v("1", V1), "fraud@1");
        send(2);
        final List<TestRecord<byte[], ScoreResult>> open = scores.readRecordsToList();
        assertEquals(4, open.size());
        assertTrue(open.stream().allMatch(r -> r.value().getModelVersion().equals("2")),
                "the batch open at the rollback finishes on the version it started with");

        send(8);
        final List<TestRecord<byte[], ScoreResult>> after = scores.readRecordsToList();
        assertEquals(8, after.size());
        final Predicate<TestRecord<byte[], ScoreResult>> stable =
                r -> r.value().getModelVersion().equals("1") && r.value().getRole().equals("stable");
        assertTrue(after.stream().allMatch(stable), "the next batch is scored by the stable version only");
    }

    @Test
    void promotingTheCanaryScoresEveryKeyWithIt() throws Exception {
        startDriver(8);
        publishAndAwait(ModelFixtures.withCandidate(v("1", V1), v("2", V2), RolloutRole.CANARY, 50),
                "fraud@1 + 2 as canary for 50.0% of keys");
        send(80);
        final List<TestRecord<byte[], ScoreResult>> during = scores.readRecordsToList();
        assertTrue(during.stream().anyMatch(r -> r.value().getModelVersion().equals("1")));
        assertTrue(during.stream().anyMatch(r -> r.value().getModelVersion().equals("2")));

        publishAndAwait(v("2", V2), "fraud@2");
        send(80);
        final List<TestRecord<byte[], ScoreResult>> after = scores.readRecordsToList();
        assertEquals(80, after.size());
        assertTrue(after.stream().allMatch(r -> r.value().getModelVersion().equals("2")
                && r.value().getRole().equals("stable")));
    }
}
