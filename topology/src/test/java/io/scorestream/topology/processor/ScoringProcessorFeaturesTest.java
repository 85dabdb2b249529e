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
import io.scorestream.topology.serde.FeatureEventSerde;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The scoring processor alone with a model that declares aggregates: a record restored from the
 * buffer after a crash is scored with the values computed when it arrived, not computed again over
 * a state that already counts it.
 */
class ScoringProcessorFeaturesTest {

    private final InMemorySchemaRegistry schemas = new InMemorySchemaRegistry();
    private final FeatureEventSerde serde = new FeatureEventSerde(schemas);
    private final ConfluentAvroSerializer<Transaction> serializer =
            ConfluentAvroSerializer.specific(schemas, Transaction.class, false);
    private final SyntheticTransactions generator = new SyntheticTransactions(5, 10);
    private ModelRegistry registry;
    private KeyValueStore<Integer, byte[]> buffer;
    private KeyValueStore<Bytes, byte[]> features;
    private int offset;

    @BeforeEach
    void liveModel() throws InterruptedException {
        registry = TopologyFixture.liveModelRegistry(2, ModelFixtures.regressionOverAggregates("fraud", "1",
                new float[] {0.1f, 0.001f}, -1f, List.of("n_10m", "sum_1h"), Map.of(),
                "n_10m=count() by account_id over 10m", "sum_1h=sum(amount) by account_id over 1h"));
        // The same store objects play the changelog-restored stores of the next incarnation.
        buffer = ProcessorFixture.bufferStore();
        features = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(ScoringProcessorSupplier.FEATURES_STORE),
                Serdes.Bytes(), Serdes.ByteArray()).withLoggingDisabled().withCachingDisabled().build();
    }

    @AfterEach
    void close() {
        registry.close();
    }

    private MockProcessorContext<byte[], Object> context() {
        final MockProcessorContext<byte[], Object> ctx = ProcessorFixture.context(buffer);
        if (!features.isOpen()) {
            features.init(ctx.getStateStoreContext(), features);
        }
        ctx.addStateStore(features);
        return ctx;
    }

    private ScoringProcessor processor(MockProcessorContext<byte[], Object> ctx) {
        final ScoringProcessor p = new ScoringProcessor(new ScoringSettings("fraud", 10, 60_000, "transaction_id")
                .withFeaturesEmitted(true), new LiveModelPlans(registry, "fraud"), serde, ScoringObserver.NONE,
                ScoringProcessorSupplier.BUFFER_STORE, ScoringProcessorSupplier.FEATURES_STORE, "scores",
                "shadow-scores", "dead-letters");
        p.init(ctx);
        return p;
    }

    private void send(ScoringProcessor p, MockProcessorContext<byte[], Object> ctx, int seconds, double amount) {
        final Instant at = Instant.parse("2026-11-22T00:00:00Z").plusSeconds(seconds);
        final Transaction t = Transaction.newBuilder(generator.next(at)).setAccountId("A").setAmount(amount)
                .setEventTime(at).setTransactionId("tx-" + offset).build();
        ctx.setRecordMetadata("transactions", 0, offset++);
        ctx.setCurrentStreamTimeMs(at.toEpochMilli());
        p.process(new Record<>("A".getBytes(StandardCharsets.UTF_8),
                serde.deserialize("transactions", serializer.serialize("transactions", t)), at.toEpochMilli()));
    }

    private static List<Map<String, Double>> emitted(MockProcessorContext<byte[], Object> ctx) {
        final List<Map<String, Double>> out = new ArrayList<>();
        for (MockProcessorContext.CapturedForward<? extends byte[], ?> f : ctx.forwarded()) {
            out.add(((ScoreResult) f.record().value()).getFeatures());
        }
        return out;
    }

    @Test
    void aRestoredRecordIsScoredWithTheValuesComputedWhenItArrived() {
        // given: a first incarnation that buffered two events of A (their aggregates already in the
        // state) and died before flushing
        final MockProcessorContext<byte[], Object> first = context();
        final ScoringProcessor dead = processor(first);
        send(dead, first, 0, 10);
        send(dead, first, 60, 20);
        assertTrue(first.forwarded().isEmpty(), "nothing flushed yet");

        // when: the next incarnation starts on the restored stores, and one more event arrives
        final MockProcessorContext<byte[], Object> second = context();
        // Kafka Streams restores the task's stream time with its committed offsets: A's second event's
        second.setCurrentStreamTimeMs(Instant.parse("2026-11-22T00:01:00Z").toEpochMilli());
        final ScoringProcessor next = processor(second);
        second.scheduledPunctuators().get(0).getPunctuator().punctuate(ProcessorFixture.SYSTEM_TIME_MS + 60_000);
        send(next, second, 120, 5);
        second.scheduledPunctuators().get(0).getPunctuator().punctuate(ProcessorFixture.SYSTEM_TIME_MS + 120_000);

        // then: the restored two carry what they had (1, 10) and (2, 30), not a count over a state
        // that holds them already; the new one sees all three
        assertEquals(List.of(Map.of("n_10m", 1.0, "sum_1h", 10.0), Map.of("n_10m", 2.0, "sum_1h", 30.0),
                Map.of("n_10m", 3.0, "sum_1h", 35.0)), emitted(second));
        next.close();
    }
}
