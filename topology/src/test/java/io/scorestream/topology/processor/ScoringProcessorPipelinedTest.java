package io.scorestream.topology.processor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scorestream.inference.onnx.Mlp;
import io.scorestream.inference.registry.ModelRegistry;
import io.scorestream.inference.training.SyntheticTransactions;
import io.scorestream.schemas.ScoreResult;
import io.scorestream.schemas.Transaction;
import io.scorestream.schemas.registry.InMemorySchemaRegistry;
import io.scorestream.schemas.serde.ConfluentAvroSerializer;
import io.scorestream.topology.ModelFixtures;
import io.scorestream.topology.TopologyFixture;
import io.scorestream.topology.errors.DeadLetters;
import io.scorestream.topology.serde.FeatureEventSerde;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The scoring processor with {@link ScoringSettings#pipelined()}, flushing at the commit, alone on a
 * {@link MockProcessorContext}: a full batch's model run goes to an inference thread while the next
 * batch fills, and its scores are forwarded, in order, by the next full batch, a punctuation or the
 * commit ({@link CommitHookedBufferStore#flushCache()} called by hand, as Kafka Streams does).
 */
class ScoringProcessorPipelinedTest {

    private static final Mlp MLP = Mlp.random(3, 30, 8, 1);
    private static final long WAIT_MS = 60_000;
    private final InMemorySchemaRegistry schemas = new InMemorySchemaRegistry();
    private final FeatureEventSerde serde = new FeatureEventSerde(schemas);
    private final ConfluentAvroSerializer<Transaction> serializer =
            ConfluentAvroSerializer.specific(schemas, Transaction.class, false);
    private ModelRegistry registry;
    private CommitHookedBufferStore store;

    @BeforeEach
    void liveModel() throws InterruptedException {
        registry = TopologyFixture.liveModelRegistry(2, ModelFixtures.spec("fraud", "1", MLP));
        store = new CommitHookedBufferStore(ProcessorFixture.bufferStore());
    }

    @AfterEach
    void close() {
        registry.close();
    }

    private ScoringProcessor processor(MockProcessorContext<byte[], Object> ctx, int batchMaxRecords,
                                       boolean pipelined) {
        final ScoringProcessor p = new ScoringProcessor(new ScoringSettings("fraud", batchMaxRecords, WAIT_MS,
                "transaction_id").withFlushAtCommit(true).withPipelined(pipelined),
                new LiveModelPlans(registry, "fraud"), serde, ScoringObserver.NONE,
                ScoringProcessorSupplier.BUFFER_STORE, ScoringProcessorSupplier.FEATURES_STORE, "scores",
                "shadow-scores", "dead-letters");
        p.init(ctx);
        return p;
    }

    private static List<Transaction> transactions(int n) {
        final SyntheticTransactions generator = new SyntheticTransactions(5, 10);
        final List<Transaction> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            final Transaction t = generator.next(Instant.parse("2026-11-22T00:00:00Z").plusSeconds(i));
            t.setTransactionId("tx-" + i);
            out.add(t);
        }
        return out;
    }

    private void send(ScoringProcessor p, MockProcessorContext<byte[], Object> ctx, Transaction t, int offset) {
        ctx.setRecordMetadata("transactions", 0, offset);
        p.process(new Record<>(t.getAccountId().getBytes(StandardCharsets.UTF_8),
                serde.deserialize("transactions", serializer.serialize("transactions", t)),
                t.getEventTime().toEpochMilli()));
    }

    private static List<String> ids(MockProcessorContext<byte[], Object> ctx, String child) {
        final List<String> out = new ArrayList<>();
        for (MockProcessorContext.CapturedForward<? extends byte[], ?> f : ctx.forwarded()) {
            if (f.childName().orElseThrow().equals(child)) {
                out.add(child.equals("scores") ? ((ScoreResult) f.record().value()).getEventId()
                        : DeadLetters.text(f.record().headers(), DeadLetters.HEADER_OFFSET));
            }
        }
        return out;
    }

    private static List<Double> scores(MockProcessorContext<byte[], Object> ctx) {
        final List<Double> out = new ArrayList<>();
        for (MockProcessorContext.CapturedForward<? extends byte[], ?> f : ctx.forwarded()) {
            out.add(((ScoreResult) f.record().value()).getScore());
        }
        return out;
    }

    private static List<String> range(int from, int to) {
        final List<String> out = new ArrayList<>();
        for (int i = from; i < to; i++) {
            out.add("tx-" + i);
        }
        return out;
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        final long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, what);
            Thread.sleep(5);
        }
    }

    @Test
    void aFullBatchRunsOffTheStreamThreadAndItsScoresLeaveInOrderBeforeTheNextBatchAndTheCommit() {
        // given: batches of 4
        final MockProcessorContext<byte[], Object> ctx = ProcessorFixture.context(store);
        final ScoringProcessor p = processor(ctx, 4, true);
        final List<Transaction> txs = transactions(10);

        // when: the first batch fills
        for (int i = 0; i < 4; i++) {
            send(p, ctx, txs.get(i), i);
        }

        // then: it is being run, not forwarded yet, and the next batch is open
        assertEquals(4, p.inFlight());
        assertEquals(0, p.buffered());
        assertTrue(ctx.forwarded().isEmpty(), "forwarded before the next batch, a punctuation or the commit");
        assertTrue(Thread.getAllStackTraces().keySet().stream()
                .anyMatch(t -> t.getName().startsWith("scorestream-inference-")), "no inference thread");

        // when: the second batch fills: the first one's scores are forwarded, the second is run
        for (int i = 4; i < 8; i++) {
            send(p, ctx, txs.get(i), i);
        }
        assertEquals(range(0, 4), ids(ctx, "scores"));
        assertEquals(4, p.inFlight());

        // when: two more records, then the commit
        send(p, ctx, txs.get(8), 8);
        send(p, ctx, txs.get(9), 9);
        store.flushCache();

        // then: every score once, in arrival order; nothing left anywhere
        assertEquals(range(0, 10), ids(ctx, "scores"));
        assertEquals(0, p.inFlight());
        assertEquals(0, p.buffered());
        assertEquals(List.of(4, 4, 4, 4, 4, 4, 4, 4, 2, 2), ctx.forwarded().stream()
                .map(f -> ((ScoreResult) f.record().value()).getBatchSize()).toList());
        ctx.resetForwards();
        store.flushCache();
        assertTrue(ctx.forwarded().isEmpty(), "scored twice");
        p.close();
    }

    @Test
    void pipelinedScoresAreTheStreamThreadsScoresBitForBit() {
        final List<Transaction> txs = transactions(37);
        final List<List<Double>> runs = new ArrayList<>();
        for (boolean pipelined : new boolean[] {false, true}) {
            final MockProcessorContext<byte[], Object> ctx = ProcessorFixture.context(
                    new CommitHookedBufferStore(ProcessorFixture.bufferStore()));
            final ScoringProcessor p = processor(ctx, 8, pipelined);
            for (int i = 0; i < txs.size(); i++) {
                send(p, ctx, txs.get(i), i);
            }
            ((CommitHookedBufferStore) ctx.getStateStore(ScoringProcessorSupplier.BUFFER_STORE)).flushCache();
            assertEquals(range(0, 37), ids(ctx, "scores"), "pipelined " + pipelined);
            runs.add(scores(ctx));
            p.close();
        }
        assertEquals(runs.get(0), runs.get(1));
    }

    @Test
    void aPunctuationForwardsARunThatIsDoneWithoutWaitingForTheNextBatch() throws InterruptedException {
        // given: a full batch being run, its wait far from up
        final MockProcessorContext<byte[], Object> ctx = ProcessorFixture.context(store);
        final ScoringProcessor p = processor(ctx, 4, true);
        final List<Transaction> txs = transactions(5);
        for (int i = 0; i < 4; i++) {
            send(p, ctx, txs.get(i), i);
        }
        send(p, ctx, txs.get(4), 4);

        // when: the punctuator fires until the run is done
        await(() -> {
            ctx.scheduledPunctuators().get(0).getPunctuator().punctuate(ProcessorFixture.SYSTEM_TIME_MS + 1);
            return p.inFlight() == 0;
        }, "the punctuation never forwarded the finished run");

        // then: the finished batch is forwarded; the open one (its wait not up) is not
        assertEquals(range(0, 4), ids(ctx, "scores"));
        assertEquals(1, p.buffered());
        p.close();
    }

    @Test
    void aBatchWhoseWaitIsUpRunsOffTheStreamThreadAndALaterPunctuationForwardsIt() throws InterruptedException {
        // given: three records in a batch of ten
        final MockProcessorContext<byte[], Object> ctx = ProcessorFixture.context(store);
        final ScoringProcessor p = processor(ctx, 10, true);
        final List<Transaction> txs = transactions(4);
        for (int i = 0; i < 3; i++) {
            send(p, ctx, txs.get(i), i);
        }

        // when: the punctuator finds their wait up
        ctx.scheduledPunctuators().get(0).getPunctuator().punctuate(ProcessorFixture.SYSTEM_TIME_MS + WAIT_MS);

        // then: the batch is being run, not forwarded by that punctuation; a new record opens the next batch
        assertEquals(3, p.inFlight());
        assertTrue(ctx.forwarded().isEmpty(), "forwarded by the punctuation that started its run");
        send(p, ctx, txs.get(3), 3);
        assertEquals(1, p.buffered());

        // and: a later punctuation (the new record's wait not up) forwards it once its run is done
        await(() -> {
            ctx.scheduledPunctuators().get(0).getPunctuator().punctuate(ProcessorFixture.SYSTEM_TIME_MS + 1);
            return p.inFlight() == 0;
        }, "no punctuation forwarded the finished run");
        assertEquals(range(0, 3), ids(ctx, "scores"));
        assertEquals(1, p.buffered());
        store.flushCache();
        assertEquals(range(0, 4), ids(ctx, "scores"));
        p.close();
    }

    @Test
    void aRecordThatMakesARunFailOnTheInferenceThreadIsDeadLetteredAloneAndItsNeighboursAreScored()
            throws InterruptedException {
        // given: a model that fails for elapsed_seconds outside [-10, 10); the 3rd of 8 records is poisonous
        registry.close();
        registry = TopologyFixture.liveModelRegistry(2, ModelFixtures.failingSpec("fraud", "f1"));
        final MockProcessorContext<byte[], Object> ctx = ProcessorFixture.context(store);
        final ScoringProcessor p = processor(ctx, 4, true);
        final List<Transaction> txs = transactions(8);
        for (int i = 0; i < txs.size(); i++) {
            txs.get(i).setElapsedSeconds(i == 2 ? 50.0 : i % 4);
        }

        // when: two full batches and the commit
        for (int i = 0; i < txs.size(); i++) {
            send(p, ctx, txs.get(i), i);
        }
        store.flushCache();

        // then: only the poisonous record is dead-lettered, with its offset; the others are scored in order
        assertEquals(List.of("tx-0", "tx-1", "tx-3", "tx-4", "tx-5", "tx-6", "tx-7"), ids(ctx, "scores"));
        assertEquals(List.of("2"), ids(ctx, "dead-letters"));
        p.close();
    }

    @Test
    void aCloseWithoutACommitWaitsForTheRunAndForwardsNothing() {
        // given: a batch being run and one record open
        final MockProcessorContext<byte[], Object> ctx = ProcessorFixture.context(store);
        final ScoringProcessor p = processor(ctx, 4, true);
        final List<Transaction> txs = transactions(5);
        for (int i = 0; i < txs.size(); i++) {
            send(p, ctx, txs.get(i), i);
        }
        assertEquals(4, p.inFlight());

        // when: the task is closed dirty (no commit)
        p.close();

        // then: nothing forwarded (the input was not committed), nothing running, nothing stored
        assertTrue(ctx.forwarded().isEmpty(), "forwarded at a close without a commit: " + ctx.forwarded());
        assertEquals(0, p.inFlight());
        assertFalse(store.all().hasNext(), "the close wrote to the store");
    }

    @Test
    void withoutFlushingAtTheCommitTheStreamThreadRunsEveryBatch() {
        // given: pipelined asked for, but batches stored in the changelogged store (no commit hook)
        final MockProcessorContext<byte[], Object> ctx = ProcessorFixture.context(ProcessorFixture.bufferStore());
        final ScoringProcessor p = new ScoringProcessor(new ScoringSettings("fraud", 4, WAIT_MS, "transaction_id")
                .withPipelined(true), new LiveModelPlans(registry, "fraud"), serde, ScoringObserver.NONE,
                ScoringProcessorSupplier.BUFFER_STORE, ScoringProcessorSupplier.FEATURES_STORE, "scores",
                "shadow-scores", "dead-letters");
        p.init(ctx);
        final List<Transaction> txs = transactions(4);

        // when: a batch fills
        for (int i = 0; i < txs.size(); i++) {
            send(p, ctx, txs.get(i), i);
        }

        // then: it is scored and forwarded at once
        assertEquals(0, p.inFlight());
        assertEquals(range(0, 4), ids(ctx, "scores"));
        p.close();
    }
}
