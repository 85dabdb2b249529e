package io.scorestream.topology.processor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scorestream.inference.FeatureException;
import io.scorestream.inference.onnx.Mlp;
import io.scorestream.inference.registry.ModelRegistry;
import io.scorestream.inference.training.SyntheticTransactions;
import io.scorestream.schemas.ScoreResult;
import io.scorestream.schemas.Transaction;
import io.scorestream.schemas.registry.InMemorySchemaRegistry;
import io.scorestream.schemas.serde.ConfluentAvroSerializer;
import io.scorestream.schemas.serde.WireFormatException;
import io.scorestream.topology.ModelFixtures;
import io.scorestream.topology.TopologyFixture;
import io.scorestream.topology.serde.FeatureEvent;
import io.scorestream.topology.serde.FeatureEventSerde;
import io.scorestream.topology.serde.LazyRecord;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Fast decoding ({@code score.decode.fast}) against the generic path: the serde fails on exactly
 * the bytes the generic deserializer fails on, with the same reason and message; the processor
 * forwards the same scores and event ids without decoding the events, and refuses the same records
 * with the same reason, counting the fallback.
 */
class FastDecodeTest {

    private static final Mlp MLP = Mlp.random(3, 30, 8, 1);
    private final InMemorySchemaRegistry schemas = new InMemorySchemaRegistry();
    private final FeatureEventSerde fast = new FeatureEventSerde(schemas, true);
    private final FeatureEventSerde generic = new FeatureEventSerde(schemas, false);
    private final ConfluentAvroSerializer<Transaction> serializer =
            ConfluentAvroSerializer.specific(schemas, Transaction.class, false);
    private final SyntheticTransactions generator = new SyntheticTransactions(5, 10);
    private ModelRegistry registry;

    @BeforeEach
    void liveModel() throws InterruptedException {
        registry = TopologyFixture.liveModelRegistry(2, ModelFixtures.spec("fraud", "1", MLP));
    }

    @AfterEach
    void close() {
        registry.close();
    }

    private Transaction transaction(int i) {
        final Transaction t = generator.next(Instant.parse("2026-11-22T00:00:00Z").plusSeconds(i));
        t.setTransactionId("tx-" + i);
        if (i % 3 == 0) {
            t.setEmbedding(List.of(0.5f, -1f, 2f));
        }
        return t;
    }

    private byte[] bytes(Transaction t) {
        return serializer.serialize("transactions", t);
    }

    @Test
    void theFastSerdeFailsOnExactlyTheBytesTheGenericOneFailsOnWithTheSameReasonAndMessage() {
        // given: valid payloads, every truncation of one, a trailing byte, a bad varint, an unknown
        // schema id, a wrong magic byte, and thousands of random byte flips
        final List<byte[]> payloads = new ArrayList<>();
        final byte[] valid = bytes(transaction(0));
        payloads.add(valid);
        for (int n = 0; n < valid.length; n++) {
            payloads.add(Arrays.copyOf(valid, n));
        }
        payloads.add(Arrays.copyOf(valid, valid.length + 1));
        final byte[] varint = valid.clone();
        Arrays.fill(varint, 5, 16, (byte) 0xff);
        payloads.add(varint);
        final byte[] unknownId = valid.clone();
        unknownId[4] = 99;
        payloads.add(unknownId);
        final byte[] magic = valid.clone();
        magic[0] = 1;
        payloads.add(magic);
        final SplittableRandom random = new SplittableRandom(2026);
        for (int n = 0; n < 3000; n++) {
            final byte[] flipped = bytes(transaction(n)).clone();
            for (int k = 1 + random.nextInt(3); k > 0; k--) {
                flipped[5 + random.nextInt(flipped.length - 5)] = (byte) random.nextInt(256);
            }
            payloads.add(flipped);
        }

        int failed = 0;
        for (byte[] payload : payloads) {
            // when
            final Object expected = outcome(generic, payload);
            final Object actual = outcome(fast, payload);

            // then: the same exception (class, reason, message), or records equal field by field
            assertEquals(expected, actual, "payload " + Arrays.toString(payload));
            failed += expected instanceof String ? 1 : 0;
        }
        assertTrue(failed > payloads.size() / 10, "the corruptions were refused: " + failed);
    }

    /** The record (decoded in full), or the exception as "class reason message". */
    private static Object outcome(FeatureEventSerde serde, byte[] payload) {
        final FeatureEvent event;
        try {
            event = serde.deserialize("transactions", payload);
        } catch (WireFormatException e) {
            return "WireFormatException " + e.reason() + " " + e.getMessage();
        } catch (RuntimeException e) {
            return e.getClass().getName() + " " + e.getMessage();
        }
        try {
            return event.record().toString();
        } catch (RuntimeException e) {
            // Accepted by the serde, then not decodable: the serde let through what it must refuse.
            return List.of("decoding failed after the serde accepted the bytes", e);
        }
    }

    @Test
    void scoresAndEventIdsAreTheSameAndTheEventsAreNeverDecoded() {
        // given: the same 25 transactions through a processor with fast decoding and one without
        final List<String> fallbacks = new ArrayList<>();
        final MockProcessorContext<byte[], Object> fastCtx = ProcessorFixture.context(ProcessorFixture.bufferStore());
        final MockProcessorContext<byte[], Object> slowCtx = ProcessorFixture.context(ProcessorFixture.bufferStore());
        final ScoringProcessor fastP = processor(fastCtx, true, fallbacks);
        final ScoringProcessor slowP = processor(slowCtx, false, fallbacks);
        final List<FeatureEvent> fastEvents = new ArrayList<>();

        // when
        for (int i = 0; i < 25; i++) {
            final byte[] value = bytes(transaction(i));
            final FeatureEvent event = fast.deserialize("transactions", value);
            fastEvents.add(event);
            send(fastP, fastCtx, i, event);
            send(slowP, slowCtx, i, generic.deserialize("transactions", value));
        }
        fastCtx.scheduledPunctuators().get(0).getPunctuator().punctuate(2_000_000L);
        slowCtx.scheduledPunctuators().get(0).getPunctuator().punctuate(2_000_000L);

        // then: identical scores and ids, no fallback, and not one event was decoded
        final List<ScoreResult> a = scores(fastCtx);
        final List<ScoreResult> b = scores(slowCtx);
        assertEquals(25, a.size());
        for (int i = 0; i < 25; i++) {
            assertEquals("tx-" + i, a.get(i).getEventId());
            assertEquals(b.get(i).getEventId(), a.get(i).getEventId());
            assertEquals(Double.doubleToRawLongBits(b.get(i).getScore()), Double.doubleToRawLongBits(a.get(i).getScore()),
                    "score " + i);
        }
        assertEquals(List.of(), fallbacks);
        for (FeatureEvent e : fastEvents) {
            assertTrue(e.isEncoded(), "an event was decoded");
            // one object per event read fast: the event is its own (lazy) record
            assertSame(e, e.record());
        }
        // and: decoding on demand gives the generic record, kept in the same object
        final FeatureEvent first = fastEvents.get(0);
        final org.apache.avro.generic.GenericRecord decoded = ((LazyRecord) first).decoded();
        assertEquals(generic.deserialize("transactions", first.raw()).record(), decoded);
        assertFalse(first.isEncoded());
        assertSame(decoded, ((LazyRecord) first).decoded());
        assertEquals("tx-0", first.record().get("transaction_id").toString());
        fastP.close();
        slowP.close();
    }

    @Test
    void aRecordTheModelRefusesIsRefusedWithTheSameReasonAndTheFallbackIsCounted() {
        // given: a transaction whose amount is NaN
        final Transaction t = transaction(1);
        t.setAmount(Double.NaN);
        final byte[] value = bytes(t);
        final List<String> fallbacks = new ArrayList<>();
        final MockProcessorContext<byte[], Object> fastCtx = ProcessorFixture.context(ProcessorFixture.bufferStore());
        final MockProcessorContext<byte[], Object> slowCtx = ProcessorFixture.context(ProcessorFixture.bufferStore());
        final ScoringProcessor fastP = processor(fastCtx, true, fallbacks);
        final ScoringProcessor slowP = processor(slowCtx, false, new ArrayList<>());

        // when
        final FeatureException a = assertThrows(FeatureException.class,
                () -> send(fastP, fastCtx, 0, fast.deserialize("transactions", value)));
        final FeatureException b = assertThrows(FeatureException.class,
                () -> send(slowP, slowCtx, 0, generic.deserialize("transactions", value)));

        // then: the same refusal, which the processing handler dead-letters alike
        assertEquals(b.reason(), a.reason());
        assertEquals(b.field(), a.field());
        assertEquals(b.getMessage(), a.getMessage());
        assertEquals(List.of("fraud/value"), fallbacks);
        assertFalse(fastCtx.forwarded().stream().anyMatch(f -> f.record().value() instanceof ScoreResult));
        fastP.close();
        slowP.close();
    }

    private ScoringProcessor processor(MockProcessorContext<byte[], Object> ctx, boolean fastDecode,
                                       List<String> fallbacks) {
        final ScoringObserver observer = new ScoringObserver() {
            @Override
            public void onDecodeFallback(String model, String reason) {
                fallbacks.add(model + "/" + reason);
            }
        };
        final ScoringProcessor p = new ScoringProcessor(new ScoringSettings("fraud", 10, 60_000, "transaction_id")
                .withFastDecode(fastDecode), new LiveModelPlans(registry, "fraud"), fastDecode ? fast : generic,
                observer, ScoringProcessorSupplier.BUFFER_STORE, ScoringProcessorSupplier.FEATURES_STORE, "scores",
                "shadow-scores", "dead-letters");
        p.init(ctx);
        return p;
    }

    private static void send(ScoringProcessor p, MockProcessorContext<byte[], Object> ctx, int offset,
                             FeatureEvent event) {
        ctx.setRecordMetadata("transactions", 0, offset);
        p.process(new Record<>(("acct-" + offset).getBytes(StandardCharsets.UTF_8), event, 1_000L + offset));
    }

    private static List<ScoreResult> scores(MockProcessorContext<byte[], Object> ctx) {
        final List<ScoreResult> out = new ArrayList<>();
        for (MockProcessorContext.CapturedForward<? extends byte[], ?> f : ctx.forwarded()) {
            if (f.record().value() instanceof ScoreResult r) {
                out.add(r);
            }
        }
        return out;
    }
}
