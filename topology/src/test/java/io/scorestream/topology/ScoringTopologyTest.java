package io.scorestream.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scorestream.inference.onnx.Mlp;
import io.scorestream.inference.training.SyntheticTransactions;
import io.scorestream.schemas.ModelSpec;
import io.scorestream.schemas.ScoreResult;
import io.scorestream.schemas.Transaction;
import io.scorestream.schemas.serde.ConfluentAvroSerializer;
import io.scorestream.topology.errors.DeadLetters;
import io.scorestream.topology.processor.ScoringProcessor;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ScoringTopologyTest {

    private static final String MODEL = TopologyFixture.MODEL;
    private static final Mlp V1 = Mlp.random(1, 30, 16, 1);
    private static final Mlp V2 = Mlp.random(2, 30, 16, 1);

    private final SyntheticTransactions generator = new SyntheticTransactions(7, 50);
    private TopologyFixture fixture;
    private TopologyTestDriver driver;
    private TestOutputTopic<byte[], ScoreResult> scores;
    private TestOutputTopic<byte[], byte[]> deadLetters;
    private final Instant start = TopologyFixture.START;

    private void startDriver(int batchMaxRecords, long batchMaxWaitMs) {
        fixture = TopologyFixture.builder(batchMaxRecords).batchMaxWaitMs(batchMaxWaitMs)
                .applicationId("scoring-test").build();
        driver = fixture.driver();
        scores = fixture.scores();
        deadLetters = fixture.deadLetters();
    }

    @AfterEach
    void close() {
        if (fixture != null) {
            fixture.close();
        }
    }

    private void publishAndAwait(String version, Mlp mlp) {
        fixture.publishAndAwaitVersion(ModelFixtures.spec(MODEL, version, mlp));
    }

    private Transaction tx(int i) {
        return generator.next(start.plusMillis(i));
    }

    private void send(Transaction t) {
        fixture.send(t);
    }

    @Test
    void flushesWhenBatchMaxRecordsIsReached() throws Exception {
        startDriver(4, 60_000);
        publishAndAwait("1", V1);
        final List<Transaction> sent = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            sent.add(tx(i));
            send(sent.get(i));
        }
        assertTrue(scores.isEmpty(), "three records are below batch.max.records=4");

        sent.add(tx(3));
        send(sent.get(3));

        final List<TestRecord<byte[], ScoreResult>> out = scores.readRecordsToList();
        assertEquals(4, out.size());
        for (int i = 0; i < 4; i++) {
            final ScoreResult r = out.get(i).value();
            assertEquals(sent.get(i).getTransactionId(), r.getEventId());
            assertEquals(4, r.getBatchSize());
            assertEquals("1", r.getModelVersion());
            assertEquals(ModelFixtures.expected(V1, sent.get(i)), r.getScore(), 1e-5);
            assertEquals(sent.get(i).getAccountId(), new String(out.get(i).key(), StandardCharsets.UTF_8));
            assertEquals(sent.get(i).getEventTime(), out.get(i).getRecordTime(), "input timestamp kept");
            assertEquals("1", DeadLetters.text(out.get(i).headers(), ScoringProcessor.HEADER_MODEL_VERSION));
            assertEquals(MODEL, DeadLetters.text(out.get(i).headers(), ScoringProcessor.HEADER_MODEL_NAME));
            assertEquals("transactions", r.getSourceTopic());
            assertEquals(i, r.getSourceOffset().longValue());
        }
    }

    @Test
    void flushesWhenTheOldestRecordExceedsMaxWait() throws Exception {
        startDriver(1000, 50);
        publishAndAwait("1", V1);
        send(tx(0));
        send(tx(1));

        driver.advanceWallClockTime(Duration.ofMillis(30));
        assertTrue(scores.isEmpty(), "the oldest record has waited 30 ms of 50");

        driver.advanceWallClockTime(Duration.ofMillis(30));
        final List<ScoreResult> out = scores.readValuesToList();
        assertEquals(2, out.size());
        assertEquals(2, out.get(0).getBatchSize());
    }

    @Test
    void adaptiveModeFlushesWhatOnePollLoopDelivered() throws Exception {
        startDriver(1000, 0);
        publishAndAwait("1", V1);
        for (int i = 0; i < 5; i++) {
            send(tx(i));
        }

        driver.advanceWallClockTime(Duration.ofMillis(1));

        final List<ScoreResult> out = scores.readValuesToList();
        assertEquals(5, out.size());
        out.forEach(r -> assertEquals(5, r.getBatchSize()));
        send(tx(5));
        driver.advanceWallClockTime(Duration.ofMillis(1));
        assertEquals(1, scores.readValue().getBatchSize(), "a lone record is not held back");
    }

    @Test
    void aNewVersionScoresTheBatchesAfterItGoesLiveAndNoneIsHalfLoaded() throws Exception {
        startDriver(2, 60_000);
        publishAndAwait("1", V1);
        final Map<String, Transaction> byId = new LinkedHashMap<>();
        for (int i = 0; i < 4; i++) {
            final Transaction t = tx(i);
            byId.put(t.getTransactionId(), t);
            send(t);
        }
        publishAndAwait("2", V2);
        for (int i = 4; i < 8; i++) {
            final Transaction t = tx(i);
            byId.put(t.getTransactionId(), t);
            send(t);
        }

        final List<ScoreResult> out = scores.readValuesToList();
        assertEquals(8, out.size());
        for (ScoreResult r : out) {
            final int i = new ArrayList<>(byId.keySet()).indexOf(r.getEventId());
            assertEquals(i < 4 ? "1" : "2", r.getModelVersion(), "record " + i);
            final Mlp mlp = r.getModelVersion().equals("1") ? V1 : V2;
            assertEquals(ModelFixtures.expected(mlp, byId.get(r.getEventId())), r.getScore(), 1e-5,
                    "the score is the named version's own");
        }
    }

    @Test
    void aBatchStartedOnTheOldVersionFinishesOnIt() throws Exception {
        startDriver(2, 60_000);
        publishAndAwait("1", V1);
        final Transaction first = tx(0);
        send(first);
        publishAndAwait("2", V2);
        final Transaction second = tx(1);
        send(second);

        final List<ScoreResult> out = scores.readValuesToList();
        assertEquals(List.of("1", "1"), out.stream().map(ScoreResult::getModelVersion).toList());
        assertEquals(ModelFixtures.expected(V1, second), out.get(1).getScore(), 1e-5);
    }

    @Test
    void aTombstoneRetiresTheModelAndItsRecordsAreHeldUntilTheNextVersionScoresThem() throws Exception {
        startDriver(1, 60_000);
        publishAndAwait("1", V1);
        send(tx(0));
        assertEquals(1, scores.readValuesToList().size());

        fixture.models().pipeInput(MODEL, (ModelSpec) null);
        fixture.await(Duration.ofSeconds(10), () -> fixture.registry().live(MODEL).isEmpty(),
                () -> "the tombstone never retired the model");

        // No live version: the records are held, not dead-lettered, dropped or failed.
        final List<Transaction> held = List.of(tx(1), tx(2), tx(3));
        for (Transaction t : held) {
            send(t);
        }
        driver.advanceWallClockTime(Duration.ofMinutes(2));
        assertTrue(scores.isEmpty(), "scored without a model");
        assertTrue(deadLetters.isEmpty(), "a record is not dead-lettered for lack of a model");

        publishAndAwait("2", V2);
        driver.advanceWallClockTime(Duration.ofMinutes(2));
        final List<ScoreResult> out = scores.readValuesToList();
        assertEquals(held.stream().map(Transaction::getTransactionId).toList(),
                out.stream().map(ScoreResult::getEventId).toList());
        for (int i = 0; i < held.size(); i++) {
            assertEquals("2", out.get(i).getModelVersion());
            assertEquals(ModelFixtures.expected(V2, held.get(i)), out.get(i).getScore(), 1e-5);
        }
        assertTrue(deadLetters.isEmpty());
    }

    @Test
    void keepsPerKeyOrder() throws Exception {
        startDriver(3, 60_000);
        publishAndAwait("1", V1);
        final List<String> sentOrder = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            final Transaction t = tx(i);
            sentOrder.add(t.getAccountId() + "/" + t.getTransactionId());
            send(t);
        }
        driver.advanceWallClockTime(Duration.ofMinutes(2));

        final List<String> got = scores.readValuesToList().stream()
                .map(r -> r.getKey() + "/" + r.getEventId()).toList();
        assertEquals(sentOrder, got);
    }

    @Test
    void deadLettersBadBytesAMissingMappedFieldAndNaNWithTheirReasons() throws Exception {
        startDriver(10, 60_000);
        publishAndAwait("1", V1);
        final Transaction good = tx(0);
        send(good);
        // 1. Not Confluent wire format at all.
        fixture.rawTransactions().pipeInput("k".getBytes(StandardCharsets.UTF_8),
                "{\"amount\": 1}".getBytes(StandardCharsets.UTF_8));
        // 2. A record of another schema that lacks mapped field v3.
        final Schema other = SchemaBuilder.record("Transaction").namespace("io.scorestream.schemas").fields()
                .requiredString("transaction_id").requiredDouble("amount").endRecord();
        final GenericRecord partial = new GenericData.Record(other);
        partial.put("transaction_id", "partial-1");
        partial.put("amount", 10.0);
        fixture.rawTransactions().pipeInput("k".getBytes(StandardCharsets.UTF_8),
                ConfluentAvroSerializer.generic(fixture.schemas(), false).serialize("transactions", partial));
        // 3. NaN in v7.
        final Transaction nan = tx(2);
        nan.setV7(Double.NaN);
        send(nan);
        final Transaction good2 = tx(3);
        send(good2);
        driver.advanceWallClockTime(Duration.ofMinutes(2));

        final List<TestRecord<byte[], byte[]>> dead = deadLetters.readRecordsToList();
        assertEquals(3, dead.size());
        assertEquals("wrong_magic_byte", DeadLetters.text(dead.get(0).headers(), DeadLetters.HEADER_REASON));
        assertEquals("1", DeadLetters.text(dead.get(0).headers(), DeadLetters.HEADER_OFFSET));
        assertEquals("transactions", DeadLetters.text(dead.get(0).headers(), DeadLetters.HEADER_TOPIC));
        assertEquals("0", DeadLetters.text(dead.get(0).headers(), DeadLetters.HEADER_PARTITION));
        assertTrue(DeadLetters.text(dead.get(0).headers(), DeadLetters.HEADER_MESSAGE).contains("magic byte"));
        assertEquals("{\"amount\": 1}", new String(dead.get(0).value(), StandardCharsets.UTF_8), "original bytes");

        assertEquals("schema_mismatch", DeadLetters.text(dead.get(1).headers(), DeadLetters.HEADER_REASON));
        assertNotNull(DeadLetters.text(dead.get(1).headers(), DeadLetters.HEADER_FIELD));
        assertEquals("2", DeadLetters.text(dead.get(1).headers(), DeadLetters.HEADER_OFFSET));

        assertEquals("non_finite", DeadLetters.text(dead.get(2).headers(), DeadLetters.HEADER_REASON));
        assertEquals("v7", DeadLetters.text(dead.get(2).headers(), DeadLetters.HEADER_FIELD));
        assertTrue(DeadLetters.text(dead.get(2).headers(), DeadLetters.HEADER_MESSAGE).contains("field 'v7' is NaN"));
        assertEquals("3", DeadLetters.text(dead.get(2).headers(), DeadLetters.HEADER_OFFSET));

        final List<String> scored = scores.readValuesToList().stream().map(ScoreResult::getEventId).toList();
        assertEquals(List.of(good.getTransactionId(), good2.getTransactionId()), scored,
                "the pipeline keeps running and scores the healthy records");
    }

    @Test
    void aRecordThatMakesTheModelFailIsDeadLetteredAloneAndItsNeighboursAreScored() throws Exception {
        startDriver(8, 60_000);
        fixture.publish(ModelFixtures.failingSpec(MODEL, "f1"));
        fixture.await(Duration.ofSeconds(20), () -> fixture.registry().live(MODEL).isPresent(),
                () -> "the failing-on-some-inputs model never went live");
        final List<String> ids = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            final Transaction t = tx(i);
            // Row 5 makes the model index out of its table; the others stay within it.
            t.setElapsedSeconds(i == 5 ? 50.0 : i % 4);
            ids.add(t.getTransactionId());
            send(t);
        }

        final List<ScoreResult> scored = scores.readValuesToList();
        final List<TestRecord<byte[], byte[]>> dead = deadLetters.readRecordsToList();

        assertEquals(1, dead.size(), "only the poisonous record is dead-lettered");
        assertEquals("inference_failed", DeadLetters.text(dead.get(0).headers(), DeadLetters.HEADER_REASON));
        assertEquals("5", DeadLetters.text(dead.get(0).headers(), DeadLetters.HEADER_OFFSET));
        assertEquals("f1", DeadLetters.text(dead.get(0).headers(), DeadLetters.HEADER_MODEL_VERSION));
        final List<String> expected = new ArrayList<>(ids);
        expected.remove(5);
        assertEquals(expected, scored.stream().map(ScoreResult::getEventId).toList(), "neighbours scored, in order");
        for (ScoreResult r : scored) {
            final int i = ids.indexOf(r.getEventId());
            assertEquals(1 / (1 + Math.exp(-((i % 4) - 5.0))), r.getScore(), 1e-6);
        }
    }
}
