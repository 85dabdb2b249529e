package io.scorestream.topology.processor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
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
import io.scorestream.topology.errors.NoLiveModelException;
import io.scorestream.topology.serde.FeatureEventSerde;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The scoring processor alone, on a {@link MockProcessorContext}: what survives a restart is
 * exactly the buffered, not yet scored records.
 */
class ScoringProcessorTest {

    private static final Mlp MLP = Mlp.random(3, 30, 8, 1);
    private final InMemorySchemaRegistry schemas = new InMemorySchemaRegistry();
    private final FeatureEventSerde serde = new FeatureEventSerde(schemas);
    private final ConfluentAvroSerializer<Transaction> serializer =
            ConfluentAvroSerializer.specific(schemas, Transaction.class, false);
    private final SyntheticTransactions generator = new SyntheticTransactions(5, 10);
    private ModelRegistry registry;
    private KeyValueStore<Integer, byte[]> store;
    private int offset;

    @BeforeEach
    void liveModel() throws InterruptedException {
        registry = TopologyFixture.liveModelRegistry(2, ModelFixtures.spec("fraud", "1", MLP));
        // The same store object plays the changelog-restored store of the next incarnation.
        store = ProcessorFixture.bufferStore();
    }

    @AfterEach
    void close() {
        registry.close();
    }

    private MockProcessorContext<byte[], Object> context() {
        return ProcessorFixture.context(store);
    }

    private ScoringProcessor processor(MockProcessorContext<byte[], Object> ctx, int batchMaxRecords) {
        final ScoringProcessor p = new ScoringProcessor(new ScoringSettings("fraud", batchMaxRecords, 60_000,
                "transaction_id"), new LiveModelPlans(registry, "fraud"), serde,
                ScoringObserver.NONE, ScoringProcessorSupplier.BUFFER_STORE, ScoringProcessorSupplier.FEATURES_STORE, "scores",
                "shadow-scores", "dead-letters");
        p.init(ctx);
        return p;
    }

    private Transaction send(ScoringProcessor p, MockProcessorContext<byte[], Object> ctx) {
        final Transaction t = generator.next(Instant.parse("2026-11-22T00:00:00Z").plusSeconds(offset));
        t.setTransactionId("tx-" + offset);
        ctx.setRecordMetadata("transactions", 0, offset++);
        p.process(new Record<>(t.getAccountId().getBytes(StandardCharsets.UTF_8),
                serde.deserialize("transactions", serializer.serialize("transactions", t)),
                t.getEventTime().toEpochMilli()));
        return t;
    }

    private static List<String> scoredIds(MockProcessorContext<byte[], Object> ctx) {
        final List<String> ids = new ArrayList<>();
        for (MockProcessorContext.CapturedForward<? extends byte[], ?> f : ctx.forwarded()) {
            assertEquals("scores", f.childName().orElseThrow());
            ids.add(((ScoreResult) f.record().value()).getEventId());
        }
        return ids;
    }

    @Test
    void recordsBufferedWhenTheTaskDiedAreScoredFirstByTheNextIncarnation() {
        // given: a first incarnation that buffered three records and died before flushing
        final MockProcessorContext<byte[], Object> first = context();
        final ScoringProcessor dead = processor(first, 10);
        send(dead, first);
        send(dead, first);
        send(dead, first);
        assertTrue(first.forwarded().isEmpty(), "nothing flushed yet");

        // when: the next incarnation starts on the restored store and its punctuator fires
        final MockProcessorContext<byte[], Object> second = context();
        final ScoringProcessor next = processor(second, 10);
        second.scheduledPunctuators().get(0).getPunctuator().punctuate(1_000_000L);

        // then: the three are scored, in their original order, with their source offsets
        assertEquals(List.of("tx-0", "tx-1", "tx-2"), scoredIds(second));
        final ScoreResult r = (ScoreResult) second.forwarded().get(2).record().value();
        assertEquals(2L, r.getSourceOffset().longValue());
        assertEquals("transactions", r.getSourceTopic());
        next.close();
    }

    @Test
    void recordsOfAFlushedBatchAreNotScoredAgainAfterARestart() {
        // given: a batch of two that was flushed, then one more record buffered
        final MockProcessorContext<byte[], Object> first = context();
        final ScoringProcessor p = processor(first, 2);
        send(p, first);
        send(p, first);
        assertEquals(List.of("tx-0", "tx-1"), scoredIds(first));
        send(p, first);

        // when: a new incarnation restores
        final MockProcessorContext<byte[], Object> second = context();
        final ScoringProcessor next = processor(second, 2);
        second.scheduledPunctuators().get(0).getPunctuator().punctuate(1_000_000L);

        // then: only the unflushed record comes back
        assertEquals(List.of("tx-2"), scoredIds(second));
        next.close();
    }

    @Test
    void restoredRecordsPrecedeNewOnesSoPerKeyOrderHolds() {
        final MockProcessorContext<byte[], Object> first = context();
        final ScoringProcessor dead = processor(first, 3);
        send(dead, first);

        final MockProcessorContext<byte[], Object> second = context();
        final ScoringProcessor next = processor(second, 3);
        send(next, second);
        send(next, second);
        send(next, second);
        second.scheduledPunctuators().get(0).getPunctuator().punctuate(1_000_000L + 120_000);

        assertEquals(List.of("tx-0", "tx-1", "tx-2", "tx-3"), scoredIds(second));
        next.close();
    }

    @Test
    void aBufferLargerThanANewlyLoweredBatchLimitIsScoredInChunks() {
        // given: five records buffered under batch.max.records=10
        final MockProcessorContext<byte[], Object> first = context();
        final ScoringProcessor dead = processor(first, 10);
        for (int i = 0; i < 5; i++) {
            send(dead, first);
        }

        // when: the next incarnation runs with batch.max.records=2
        final MockProcessorContext<byte[], Object> second = context();
        final ScoringProcessor next = processor(second, 2);
        second.scheduledPunctuators().get(0).getPunctuator().punctuate(1_000_000L);

        // then: all five are scored, in order, in batches of at most two
        assertEquals(List.of("tx-0", "tx-1", "tx-2", "tx-3", "tx-4"), scoredIds(second));
        for (MockProcessorContext.CapturedForward<? extends byte[], ?> f : second.forwarded()) {
            assertTrue(((ScoreResult) f.record().value()).getBatchSize() <= 2);
        }
        next.close();
    }
    /** Retires the model (a tombstone) and waits until nothing is live. */
    private void retire() throws InterruptedException {
        registry.submit("fraud", null);
        final long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (registry.live("fraud").isPresent()) {
            assertTrue(System.nanoTime() < deadline, "the tombstone never retired the model");
            Thread.sleep(10);
        }
    }

    private void publish(String version, Mlp mlp) throws InterruptedException {
        registry.submit("fraud", ModelFixtures.spec("fraud", version, mlp));
        assertTrue(registry.awaitLive("fraud", Duration.ofSeconds(30)), "version " + version + " never went live");
        final long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!registry.live("fraud").map(m -> m.version().equals(version)).orElse(false)) {
            assertTrue(System.nanoTime() < deadline, "version " + version + " never went live");
            Thread.sleep(10);
        }
    }

    @Test
    void recordsArrivingWithNoLiveVersionAreHeldInOrderAndScoredFirstOnceOneIsLive() throws Exception {
        // given: no live version
        retire();
        final MockProcessorContext<byte[], Object> ctx = context();
        final ScoringProcessor p = processor(ctx, 2);

        // when: three records arrive, and the punctuator fires
        send(p, ctx);
        send(p, ctx);
        send(p, ctx);
        ctx.scheduledPunctuators().get(0).getPunctuator().punctuate(1_000_000L);

        // then: nothing is scored, dead-lettered or thrown; they are held
        assertTrue(ctx.forwarded().isEmpty(), "forwarded without a model: " + ctx.forwarded());

        // when: version 2 goes live and a fourth record arrives
        final Mlp v2 = Mlp.random(4, 30, 8, 1);
        publish("2", v2);
        send(p, ctx);
        ctx.scheduledPunctuators().get(0).getPunctuator().punctuate(2_000_000L);

        // then: the held three come first, in arrival order, then the new one, all by version 2
        assertEquals(List.of("tx-0", "tx-1", "tx-2", "tx-3"), scoredIds(ctx));
        for (MockProcessorContext.CapturedForward<? extends byte[], ?> f : ctx.forwarded()) {
            assertEquals("2", ((ScoreResult) f.record().value()).getModelVersion());
        }
        p.close();
    }

    @Test
    void heldRecordsSurviveARestartAndAreScoredOnceWhenAVersionGoesLive() throws Exception {
        // given: an incarnation that held three records for want of a model, and died
        retire();
        final MockProcessorContext<byte[], Object> first = context();
        final ScoringProcessor dead = processor(first, 10);
        send(dead, first);
        send(dead, first);
        send(dead, first);

        // when: the next one restores them, still with no model, and a fourth record arrives
        final MockProcessorContext<byte[], Object> second = context();
        final ScoringProcessor next = processor(second, 10);
        second.scheduledPunctuators().get(0).getPunctuator().punctuate(1_000_000L);
        send(next, second);
        assertTrue(second.forwarded().isEmpty(), "forwarded without a model: " + second.forwarded());

        // and a version goes live
        publish("2", Mlp.random(4, 30, 8, 1));
        second.scheduledPunctuators().get(0).getPunctuator().punctuate(2_000_000L);

        // then: the four are scored once, in order
        assertEquals(List.of("tx-0", "tx-1", "tx-2", "tx-3"), scoredIds(second));
        next.close();

        // and an incarnation after that restores nothing to score again
        final MockProcessorContext<byte[], Object> third = context();
        final ScoringProcessor after = processor(third, 10);
        third.scheduledPunctuators().get(0).getPunctuator().punctuate(3_000_000L);
        assertTrue(third.forwarded().isEmpty(), "scored twice: " + third.forwarded());
        after.close();
    }

    @Test
    void holdingMoreThanTheLimitBecauseNobodyPausedTheInputFailsClearly() throws Exception {
        retire();
        final MockProcessorContext<byte[], Object> ctx = context();
        final ScoringProcessor p = processor(ctx, 1);
        final int limit = new ScoringSettings("fraud", 1, 60_000, "transaction_id").maxHeldRecords();
        assertEquals(ScoringSettings.MIN_HELD_RECORDS, limit);
        for (int i = 0; i < limit; i++) {
            send(p, ctx);
        }
        final NoLiveModelException e = assertThrows(NoLiveModelException.class, () -> send(p, ctx));
        assertTrue(e.getMessage().contains("holds " + limit + " records for model 'fraud', which has no live "
                + "version, and its input was not paused"), e.getMessage());
        assertTrue(ctx.forwarded().isEmpty(), "nothing is dead-lettered for want of a model");
        p.close();
    }
}
