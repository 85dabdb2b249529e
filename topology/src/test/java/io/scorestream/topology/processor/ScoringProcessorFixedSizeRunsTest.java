package io.scorestream.topology.processor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The scoring processor when its {@link ModelPlans} ask for {@linkplain ModelPlans#fixedSizeRuns()
 * fixed-size runs}: a record's score does not depend on how many records a flush found, for a model
 * whose ONNX Runtime scores do (the converter-shaped logistic regression of
 * {@link ModelFixtures#convertedRegressionSpec}).
 */
class ScoringProcessorFixedSizeRunsTest {

    private static final int BATCH_MAX_RECORDS = 32;
    private final InMemorySchemaRegistry schemas = new InMemorySchemaRegistry();
    private final FeatureEventSerde serde = new FeatureEventSerde(schemas);
    private final ConfluentAvroSerializer<Transaction> serializer =
            ConfluentAvroSerializer.specific(schemas, Transaction.class, false);
    private ModelRegistry registry;

    @AfterEach
    void close() {
        if (registry != null) {
            registry.close();
        }
    }

    @Test
    void aRecordFlushedAloneScoresTheBitsItScoresInAFullBatch() throws InterruptedException {
        // given: the converted regression live, and the same 32 transactions for every run
        registry = TopologyFixture.liveModelRegistry(2, ModelFixtures.convertedRegressionSpec("fraud", "1",
                ModelFixtures.trainedRegression(3)));
        final List<Transaction> txs = transactions(BATCH_MAX_RECORDS);

        // when: they are scored in one full batch, and one by one (a flush after each), padded
        final List<Double> full = scores(txs, true, false);
        final List<Double> alone = scores(txs, true, true);
        // and, for contrast, one by one without padding
        final List<Double> aloneUnpadded = scores(txs, false, true);

        // then: padded, every score has the same bits; unpadded, some do not
        assertEquals(full, alone, "padded scores of records flushed alone and in a full batch");
        assertTrue(!aloneUnpadded.equals(scores(txs, false, false)), "without padding no record flushed alone "
                + "scored other bits than in a full batch: the model no longer shows ONNX Runtime's batch dependence");
    }

    @Test
    void aRecordThatMakesThePaddedRunFailIsDeadLetteredAloneAndItsNeighboursAreScored() throws InterruptedException {
        // given: a model that fails for elapsed_seconds outside [-10, 10), and 8 records, the 6th poisonous
        registry = TopologyFixture.liveModelRegistry(2, ModelFixtures.failingSpec("fraud", "f1"));
        final List<Transaction> txs = transactions(8);
        for (int i = 0; i < txs.size(); i++) {
            txs.get(i).setElapsedSeconds(i == 5 ? 50.0 : i % 4);
        }
        final MockProcessorContext<byte[], Object> ctx = ProcessorFixture.context(ProcessorFixture.bufferStore());
        final ScoringProcessor p = processor(ctx, true);

        // when: they are flushed as one padded batch
        for (int i = 0; i < txs.size(); i++) {
            send(p, ctx, txs.get(i), i);
        }
        ctx.scheduledPunctuators().get(0).getPunctuator().punctuate(ProcessorFixture.SYSTEM_TIME_MS + 1);

        // then: the halves were scored padded too: only the poisonous record failed
        final List<String> scored = new ArrayList<>();
        final List<String> dead = new ArrayList<>();
        for (MockProcessorContext.CapturedForward<? extends byte[], ?> f : ctx.forwarded()) {
            if (f.childName().orElseThrow().equals("scores")) {
                final ScoreResult r = (ScoreResult) f.record().value();
                final int i = Integer.parseInt(r.getEventId().substring(3));
                assertEquals(1 / (1 + Math.exp(-((i % 4) - 5.0))), r.getScore(), 1e-6, r.getEventId());
                scored.add(r.getEventId());
            } else {
                dead.add(DeadLetters.text(f.record().headers(), DeadLetters.HEADER_OFFSET));
            }
        }
        assertEquals(List.of("tx-0", "tx-1", "tx-2", "tx-3", "tx-4", "tx-6", "tx-7"), scored);
        assertEquals(List.of("5"), dead);
        p.close();
    }

    // ---- helpers --------------------------------------------------------------------------------

    private List<Double> scores(List<Transaction> txs, boolean padded, boolean flushEach) {
        final MockProcessorContext<byte[], Object> ctx = ProcessorFixture.context(ProcessorFixture.bufferStore());
        final ScoringProcessor p = processor(ctx, padded);
        for (int i = 0; i < txs.size(); i++) {
            send(p, ctx, txs.get(i), i);
            if (flushEach) {
                ctx.scheduledPunctuators().get(0).getPunctuator().punctuate(ProcessorFixture.SYSTEM_TIME_MS + i);
            }
        }
        final List<Double> scores = new ArrayList<>();
        for (MockProcessorContext.CapturedForward<? extends byte[], ?> f : ctx.forwarded()) {
            assertEquals("scores", f.childName().orElseThrow());
            scores.add(((ScoreResult) f.record().value()).getScore());
        }
        assertEquals(txs.size(), scores.size(), "one score per record");
        p.close();
        return scores;
    }

    /** A processor flushing whatever a punctuation finds (batch.max.wait.ms 0), padded or not. */
    private ScoringProcessor processor(MockProcessorContext<byte[], Object> ctx, boolean padded) {
        final ModelPlans live = new LiveModelPlans(registry, "fraud");
        final ScoringProcessor p = new ScoringProcessor(new ScoringSettings("fraud", BATCH_MAX_RECORDS, 0,
                "transaction_id"), padded ? new FixedSizeRuns(live) : live, serde,
                ScoringObserver.NONE, ScoringProcessorSupplier.BUFFER_STORE, ScoringProcessorSupplier.FEATURES_STORE, "scores",
                "shadow-scores", "dead-letters");
        p.init(ctx);
        return p;
    }

    private static List<Transaction> transactions(int n) {
        final SyntheticTransactions generator = new SyntheticTransactions(21, 50);
        final List<Transaction> txs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            final Transaction t = generator.next(Instant.parse("2026-11-22T00:00:00Z").plusSeconds(i));
            t.setTransactionId("tx-" + i);
            txs.add(t);
        }
        return txs;
    }

    private void send(ScoringProcessor p, MockProcessorContext<byte[], Object> ctx, Transaction t, int offset) {
        ctx.setRecordMetadata("transactions", 0, offset);
        p.process(new Record<>(t.getAccountId().getBytes(StandardCharsets.UTF_8),
                serde.deserialize("transactions", serializer.serialize("transactions", t)),
                t.getEventTime().toEpochMilli()));
    }

    /** Live plans that ask for fixed-size runs, as a replay's do. */
    private static final class FixedSizeRuns implements ModelPlans {
        private final ModelPlans delegate;

        FixedSizeRuns(ModelPlans delegate) {
            this.delegate = delegate;
        }

        @Override
        public BatchPlan open() {
            return delegate.open();
        }

        @Override
        public boolean fixedSizeRuns() {
            return true;
        }

        @Override
        public String describe() {
            return delegate.describe();
        }
    }
}
