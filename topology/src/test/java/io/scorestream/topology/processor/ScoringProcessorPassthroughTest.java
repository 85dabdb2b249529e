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
import io.scorestream.topology.serde.FeatureEventSerde;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The benchmark's passthrough hook ({@link ScoringSettings#withPassthrough}): everything but the
 * model run still happens, and the constructors without the flag keep scoring with the model.
 */
class ScoringProcessorPassthroughTest {

    private final InMemorySchemaRegistry schemas = new InMemorySchemaRegistry();
    private final FeatureEventSerde serde = new FeatureEventSerde(schemas);
    private final ConfluentAvroSerializer<Transaction> serializer =
            ConfluentAvroSerializer.specific(schemas, Transaction.class, false);
    private ModelRegistry registry;

    @BeforeEach
    void liveModel() throws InterruptedException {
        // A bias large enough that every real score is far above the passthrough's 0.0.
        registry = TopologyFixture.liveModelRegistry(2, ModelFixtures.spec("fraud", "1", new Mlp(
                List.<float[][]>of(new float[30][1]), List.of(new float[] {10f}))));
    }

    @AfterEach
    void close() {
        registry.close();
    }

    private List<ScoreResult> scoreTwo(ScoringSettings settings) {
        final MockProcessorContext<byte[], Object> ctx = ProcessorFixture.context(ProcessorFixture.bufferStore());
        final ScoringProcessor p = new ScoringProcessor(settings, new LiveModelPlans(registry, settings.modelName()), serde,
                ScoringObserver.NONE, ScoringProcessorSupplier.BUFFER_STORE, ScoringProcessorSupplier.FEATURES_STORE, "scores",
                "shadow-scores", "dead-letters");
        p.init(ctx);
        final SyntheticTransactions generator = new SyntheticTransactions(5, 10);
        for (int i = 0; i < 2; i++) {
            final Transaction t = generator.next(Instant.parse("2026-11-22T00:00:00Z").plusSeconds(i));
            t.setTransactionId("tx-" + i);
            ctx.setRecordMetadata("transactions", 0, i);
            p.process(new Record<>(t.getAccountId().getBytes(StandardCharsets.UTF_8),
                    serde.deserialize("transactions", serializer.serialize("transactions", t)),
                    t.getEventTime().toEpochMilli()));
        }
        p.close();
        return ctx.forwarded().stream().map(f -> (ScoreResult) f.record().value()).toList();
    }

    @Test
    void passthroughForwardsAConstantScoreWithEverythingElseIntact() {
        final List<ScoreResult> scores = scoreTwo(
                new ScoringSettings("fraud", 2, 60_000, "transaction_id").withPassthrough(true));

        assertEquals(2, scores.size());
        for (int i = 0; i < 2; i++) {
            final ScoreResult r = scores.get(i);
            assertEquals("tx-" + i, r.getEventId());
            assertEquals(0.0, r.getScore());
            assertFalse(r.getDecision());
            assertEquals(2, r.getBatchSize());
            assertEquals("1", r.getModelVersion());
            assertEquals((long) i, r.getSourceOffset().longValue());
        }
    }

    @Test
    void settingsWithoutTheFlagScoreWithTheModel() {
        final ScoringSettings settings = new ScoringSettings("fraud", 2, 60_000, "transaction_id");
        assertFalse(settings.passthrough());

        final List<ScoreResult> scores = scoreTwo(settings);

        assertEquals(2, scores.size());
        assertTrue(scores.get(0).getScore() > 0.99, "sigmoid(10) from the model, got " + scores.get(0).getScore());
        assertTrue(scores.get(0).getDecision());
    }
}
