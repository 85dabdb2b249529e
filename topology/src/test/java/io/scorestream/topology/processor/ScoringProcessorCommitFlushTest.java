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
import io.scorestream.topology.serde.FeatureEventSerde;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The scoring processor flushing at the commit, alone on a {@link MockProcessorContext}: the
 * commit is {@link CommitHookedBufferStore#flushCache()} called by hand, as Kafka Streams calls it
 * when it prepares the task's commit; one store object plays the task's store and the
 * changelog-restored store of the next incarnation.
 */
class ScoringProcessorCommitFlushTest {

    private static final Mlp MLP = Mlp.random(3, 30, 8, 1);
    private final InMemorySchemaRegistry schemas = new InMemorySchemaRegistry();
    private final FeatureEventSerde serde = new FeatureEventSerde(schemas);
    private final ConfluentAvroSerializer<Transaction> serializer =
            ConfluentAvroSerializer.specific(schemas, Transaction.class, false);
    private final SyntheticTransactions generator = new SyntheticTransactions(5, 10);
    private ModelRegistry registry;
    private CommitHookedBufferStore store;
    private int offset;

    @BeforeEach
    void liveModel() throws InterruptedException {
        registry = TopologyFixture.liveModelRegistry(2, ModelFixtures.spec("fraud", "1", MLP));
        store = new CommitHookedBufferStore(ProcessorFixture.bufferStore());
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
                "transaction_id").withFlushAtCommit(true), new LiveModelPlans(registry, "fraud"), serde,
                ScoringObserver.NONE, ScoringProcessorSupplier.BUFFER_STORE, ScoringProcessorSupplier.FEATURES_STORE,
                "scores", "shadow-scores", "dead-letters");
        p.init(ctx);
        return p;
    }

    private void send(ScoringProcessor p, MockProcessorContext<byte[], Object> ctx) {
        final Transaction t = generator.next(Instant.parse("2026-11-22T00:00:00Z").plusSeconds(offset));
        t.setTransactionId("tx-" + offset);
        ctx.setRecordMetadata("transactions", 0, offset++);
        p.process(new Record<>(t.getAccountId().getBytes(StandardCharsets.UTF_8),
                serde.deserialize("transactions", serializer.serialize("transactions", t)),
                t.getEventTime().toEpochMilli()));
    }

    private static List<String> scoredIds(MockProcessorContext<byte[], Object> ctx) {
        final List<String> ids = new ArrayList<>();
        for (MockProcessorContext.CapturedForward<? extends byte[], ?> f : ctx.forwarded()) {
            assertEquals("scores", f.childName().orElseThrow());
            ids.add(((ScoreResult) f.record().value()).getEventId());
        }
        return ids;
    }

    private List<KeyValue<Integer, byte[]>> stored() {
        final List<KeyValue<Integer, byte[]>> out = new ArrayList<>();
        try (KeyValueIterator<Integer, byte[]> it = store.all()) {
            it.forEachRemaining(out::add);
        }
        return out;
    }

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
        final long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!registry.live("fraud").map(m -> m.version().equals(version)).orElse(false)) {
            assertTrue(System.nanoTime() < deadline, "version " + version + " never went live");
            Thread.sleep(10);
        }
    }

    @Test
    void theOpenBatchIsScoredAtTheCommitAndNeverWrittenToTheStore() {
        // given: three records buffered in a batch of ten, nothing due
        final MockProcessorContext<byte[], Object> ctx = context();
        final ScoringProcessor p = processor(ctx, 10);
        send(p, ctx);
        send(p, ctx);
        send(p, ctx);
        assertTrue(ctx.forwarded().isEmpty(), "nothing due yet");
        assertTrue(stored().isEmpty(), "a buffered record was written to the store");

        // when: the task prepares its commit
        store.flushCache();

        // then: the three are scored together, in order; the store is still empty (not even an epoch)
        assertEquals(List.of("tx-0", "tx-1", "tx-2"), scoredIds(ctx));
        assertEquals(3, ((ScoreResult) ctx.forwarded().get(0).record().value()).getBatchSize());
        assertEquals(0, p.buffered());
        assertTrue(stored().isEmpty(), "the store was written: " + stored().size() + " entries");

        // and: a second commit with nothing buffered forwards nothing more
        ctx.resetForwards();
        store.flushCache();
        assertTrue(ctx.forwarded().isEmpty(), "scored twice");
        p.close();

        // and: the next incarnation has nothing to restore
        final MockProcessorContext<byte[], Object> next = context();
        final ScoringProcessor q = processor(next, 10);
        next.scheduledPunctuators().get(0).getPunctuator().punctuate(2_000_000L);
        assertTrue(next.forwarded().isEmpty(), "restored something: " + next.forwarded());
        q.close();
    }

    @Test
    void heldRecordsAreWrittenOnceAtTheCommitRestoredAfterACrashAndScoredOnce() throws Exception {
        // given: no live version; three records held, then a commit, one more held, and another commit
        retire();
        final MockProcessorContext<byte[], Object> first = context();
        final ScoringProcessor dead = processor(first, 10);
        send(dead, first);
        send(dead, first);
        send(dead, first);
        assertTrue(stored().isEmpty(), "held records are written at the commit, not before");
        store.flushCache();
        assertEquals(3, stored().size());
        final List<Integer> slotsAfterFirstCommit = stored().stream().map(kv -> kv.key).toList();
        send(dead, first);
        store.flushCache();
        store.flushCache();
        final List<KeyValue<Integer, byte[]>> held = stored();
        assertEquals(4, held.size(), "each held record written once: " + held.stream().map(kv -> kv.key).toList());
        assertTrue(held.stream().map(kv -> kv.key).toList().containsAll(slotsAfterFirstCommit));
        assertTrue(first.forwarded().isEmpty(), "forwarded without a model: " + first.forwarded());
        // (the process dies here: no close)

        // when: the next incarnation restores them, still with no model, and commits
        final MockProcessorContext<byte[], Object> second = context();
        final ScoringProcessor next = processor(second, 10);
        second.scheduledPunctuators().get(0).getPunctuator().punctuate(2_000_000L);
        store.flushCache();
        assertEquals(4, stored().size(), "restored records written again");
        assertTrue(second.forwarded().isEmpty(), "forwarded without a model: " + second.forwarded());

        // and: a version goes live and the punctuator fires
        publish("2", Mlp.random(4, 30, 8, 1));
        second.scheduledPunctuators().get(0).getPunctuator().punctuate(3_000_000L);
        store.flushCache();

        // then: the four are scored once, in order
        assertEquals(List.of("tx-0", "tx-1", "tx-2", "tx-3"), scoredIds(second));
        next.close();

        // and: an incarnation after that restores nothing to score again
        final MockProcessorContext<byte[], Object> third = context();
        final ScoringProcessor after = processor(third, 10);
        third.scheduledPunctuators().get(0).getPunctuator().punctuate(4_000_000L);
        assertTrue(third.forwarded().isEmpty(), "scored twice: " + third.forwarded());
        after.close();
    }

    @Test
    void flushingAtTheCommitOnAStoreWithoutTheHookFailsClearly() {
        final MockProcessorContext<byte[], Object> ctx = ProcessorFixture.context(ProcessorFixture.bufferStore());
        final IllegalStateException e = assertThrows(IllegalStateException.class, () -> processor(ctx, 10));
        assertTrue(e.getMessage().contains("flushing at the commit needs the buffer store"), e.getMessage());
        assertTrue(e.getMessage().contains(ScoringProcessorSupplier.BUFFER_STORE), e.getMessage());
    }
}
