package io.scorestream.topology.processor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.scorestream.schemas.ScoreResult;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ReusedScoreTest {

    /** The key text the scores have always carried (the processor's former String-making code). */
    private static String keyTextAsBefore(byte[] key) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(key)).toString();
        } catch (CharacterCodingException e) {
            return "0x" + HexFormat.of().formatHex(key);
        }
    }

    @Test
    void givesEveryKeyTheTextItHadBeforeCopiedFromItsBytes() {
        final ReusedScore s = new ReusedScore();
        final Random random = new Random(18);
        for (int i = 0; i < 50_000; i++) {
            final byte[] key = new byte[random.nextInt(12)];
            for (int k = 0; k < key.length; k++) {
                key[k] = (byte) (random.nextBoolean() ? 0x20 + random.nextInt(0x5f) : random.nextInt(256));
            }
            s.keyFrom(key);
            assertEquals(keyTextAsBefore(key), s.keyText().toString(), () -> HexFormat.of().formatHex(key));
            assertEquals(keyTextAsBefore(key), s.getKey());
        }
        s.keyFrom("клиент-42".getBytes(StandardCharsets.UTF_8));
        assertEquals("клиент-42", s.getKey());
        s.keyFrom(new byte[] {(byte) 0xff, 0x00, 0x7f});
        assertEquals("0xff007f", s.getKey());
        s.keyFrom(null);
        assertNull(s.keyText());
        assertNull(s.get(1));
    }

    @Test
    void answersItsOwnFieldsThroughGettersGetAndPutAlike() {
        // given
        final ReusedScore s = new ReusedScore();
        s.eventIdBuffer().setByteLength(3);
        System.arraycopy("e-1".getBytes(StandardCharsets.US_ASCII), 0, s.eventIdBuffer().getBytes(), 0, 3);
        s.eventIdCopied();
        s.eventTimeMillis(1_000L);
        s.scoredAtMillis(2_000L);
        s.source(-1, 42L);

        // then
        assertEquals("e-1", s.getEventId());
        assertEquals("e-1", s.get(0));
        assertEquals(Instant.ofEpochMilli(1_000L), s.get(8));
        assertEquals(Instant.ofEpochMilli(2_000L), s.getScoredAt());
        assertNull(s.getSourcePartition());
        assertNull(s.get(14));
        assertEquals(42L, s.get(15));

        // when: written through put, as Avro's readers and copiers do
        s.put(0, "e-2");
        s.put(8, Instant.ofEpochMilli(5L));
        s.put(14, 3);
        s.put(15, null);

        // then
        assertEquals("e-2", s.eventIdText().toString());
        assertEquals(5L, s.eventTimeMillis());
        assertEquals(3, s.sourcePartitionOrNegative());
        assertEquals(-1L, s.sourceOffsetOrNegative());
        assertThrows(IllegalArgumentException.class, () -> s.setEventTime(null));
        assertThrows(IllegalArgumentException.class, () -> s.setSourceOffset(-5L));
    }

    @Test
    void aCopyIsAPlainScoreThatLaterRefillsDoNotChange() {
        // given
        final ReusedScore s = new ReusedScore();
        s.setEventId("e-1");
        s.keyFrom("k".getBytes(StandardCharsets.US_ASCII));
        s.setModelName("m");
        s.setModelVersion("1");
        s.setScore(0.25);
        s.eventTimeMillis(10L);
        s.scoredAtMillis(20L);
        s.source(2, 7L);

        // when
        final ScoreResult copy = ScoringObserver.copyOf(s);
        s.setEventId("e-2");
        s.setScore(0.5);
        s.source(-1, -1L);

        // then
        assertSame(ScoreResult.class, copy.getClass());
        assertNotSame(s, copy);
        assertEquals(ScoreResult.newBuilder().setEventId("e-1").setKey("k").setModelName("m").setModelVersion("1")
                .setScore(0.25).setDecision(false).setEventTime(Instant.ofEpochMilli(10L))
                .setScoredAt(Instant.ofEpochMilli(20L)).setBatchSize(0).setInferenceMicros(0L).setLatencyMs(0L)
                .setSourcePartition(2).setSourceOffset(7L).build(), copy);
    }

    @Test
    void theSharedEmptyFeatureValuesRefusesValues() {
        assertEquals(0, FeatureValues.EMPTY.size());
        assertThrows(IllegalStateException.class, () -> FeatureValues.EMPTY.put(1L, 2.0));
        assertThrows(IllegalStateException.class, () -> FeatureValues.EMPTY.ensureCapacity(2));
        assertEquals(0, FeatureValues.EMPTY.size());
    }
}
