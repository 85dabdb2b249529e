package io.scorestream.tests.hostile;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scorestream.inference.training.SyntheticTransactions;
import io.scorestream.schemas.ScoreResult;
import io.scorestream.schemas.Transaction;
import io.scorestream.schemas.serde.ConfluentAvroSerializer;
import io.scorestream.topology.ModelFixtures;
import io.scorestream.app.demo.PoisonRecords;
import io.scorestream.app.demo.PoisonRecords.Kind;
import io.scorestream.topology.errors.DeadLetters;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Hostile input on the scoring topology (TopologyTestDriver): every input record ends up either
 * scored or in the dead-letter topic, never both and never neither, and the pipeline keeps going.
 * A dead letter carries the original key and value bytes, the source headers, the source
 * coordinates and the reason.
 */
class ConservationTest {

    private static final String SEQ_HEADER = "demo.seq";
    private static final byte[] KEY = "acct-1".getBytes(StandardCharsets.UTF_8);

    private final SyntheticTransactions generator = new SyntheticTransactions(11, 50);
    private HostileDriver d;

    @BeforeEach
    void start() {
        d = new HostileDriver(4);
    }

    @AfterEach
    void close() {
        d.close();
    }

    private Transaction tx() {
        return generator.next(HostileDriver.START);
    }

    private static Headers seq(long seq) {
        final RecordHeaders h = new RecordHeaders();
        h.add(SEQ_HEADER, Long.toString(seq).getBytes(StandardCharsets.UTF_8));
        return h;
    }

    private long sendValid(Transaction t) {
        return d.send(KEY, d.poison.valid(t), new RecordHeaders());
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void eachKindOfPoisonIsDeadLetteredOnceWithItsReasonOriginalBytesAndCoordinates(Kind kind) {
        // given: a healthy record, the poison (with a header of its own), another healthy record
        final long before = sendValid(tx());
        final byte[] value = d.poison.value(kind, tx());
        final long poisoned = d.send(KEY, value, seq(7));
        final long after = sendValid(tx());

        // when
        d.flush();
        final HostileDriver.Outcomes out = d.drain();

        // then: the poison is dead-lettered once and not scored; its neighbours are scored once
        final TestRecord<byte[], byte[]> dead = out.deadLetter(poisoned);
        assertFalse(out.scored().containsKey(poisoned), out.toString());
        assertEquals(2, out.scoreCount(), out.toString());
        assertEquals(1, out.deadCount(), out.toString());
        out.score(before);
        out.score(after);

        // and: the dead letter says why, and where the record came from, and keeps it whole
        final Headers h = dead.headers();
        assertEquals(kind.reason(), DeadLetters.text(h, DeadLetters.HEADER_REASON));
        assertEquals(HostileDriver.TOPIC, DeadLetters.text(h, DeadLetters.HEADER_TOPIC));
        assertEquals("0", DeadLetters.text(h, DeadLetters.HEADER_PARTITION));
        assertEquals(Long.toString(poisoned), DeadLetters.text(h, DeadLetters.HEADER_OFFSET));
        assertNotNull(DeadLetters.text(h, DeadLetters.HEADER_EXCEPTION));
        assertNotNull(DeadLetters.text(h, DeadLetters.HEADER_MESSAGE));
        assertTrue(DeadLetters.text(h, DeadLetters.HEADER_STACKTRACE).contains("Exception"));
        assertEquals("7", DeadLetters.text(h, SEQ_HEADER), "the source record's own headers are kept");
        assertArrayEquals(KEY, dead.key(), "original key");
        if (kind == Kind.NULL_VALUE) {
            assertNull(dead.value(), "a tombstone stays a tombstone");
        } else {
            assertArrayEquals(value, dead.value(), "original value bytes");
        }
        final String field = DeadLetters.text(h, DeadLetters.HEADER_FIELD);
        switch (kind) {
            case NAN_FEATURE, POSITIVE_INFINITY, NEGATIVE_INFINITY ->
                    assertEquals(PoisonRecords.NON_FINITE_FIELD, field);
            case MISSING_MAPPED_FIELD -> {
                assertEquals(PoisonRecords.DROPPED_FIELD, field);
                assertTrue(DeadLetters.text(h, DeadLetters.HEADER_MESSAGE)
                        .contains("'" + PoisonRecords.DROPPED_FIELD + "'"), DeadLetters.text(h,
                        DeadLetters.HEADER_MESSAGE));
            }
            default -> assertNull(field, "only feature problems name a field");
        }
    }

    @Test
    void anEmptyValueIsDeadLetteredAsTruncated() {
        final long offset = d.send(KEY, new byte[0], new RecordHeaders());
        d.flush();

        final HostileDriver.Outcomes out = d.drain();
        final TestRecord<byte[], byte[]> dead = out.deadLetter(offset);
        assertEquals("truncated", DeadLetters.text(dead.headers(), DeadLetters.HEADER_REASON));
        assertArrayEquals(new byte[0], dead.value());
        assertEquals(0, out.scoreCount());
    }

    @Test
    void randomBytesStartingWithTheMagicByteAreDeadLettered() {
        // given: magic byte 0, then a schema id no registry knows and noise
        final byte[] junk = new byte[64];
        new Random(3).nextBytes(junk);
        junk[0] = 0;
        junk[1] = 0x55;
        final long offset = d.send(KEY, junk, new RecordHeaders());
        d.flush();

        final TestRecord<byte[], byte[]> dead = d.drain().deadLetter(offset);
        assertEquals("unknown_schema_id", DeadLetters.text(dead.headers(), DeadLetters.HEADER_REASON));
        assertArrayEquals(junk, dead.value());
    }

    @Test
    void aNullKeyIsScoredWithANullKey() {
        // decision: the key is carried, never read; a null key is a valid record
        final Transaction t = tx();
        final long offset = d.send(null, d.poison.valid(t), new RecordHeaders());
        d.flush();

        final HostileDriver.Outcomes out = d.drain();
        final TestRecord<byte[], ScoreResult> score = out.score(offset);
        assertNull(score.key());
        assertNull(score.value().getKey());
        assertEquals(t.getTransactionId(), score.value().getEventId());
        assertEquals(ModelFixtures.expected(HostileDriver.V1, t), score.value().getScore(), 1e-5);
        assertEquals(0, out.deadCount());
    }

    @Test
    void aHugeButValidRecordIsScored() {
        // decision: size alone is no reason to dead-letter; the broker's message.max.bytes bounds it
        final Transaction t = tx();
        t.setAccountId("a".repeat(1 << 20));
        final byte[] value = d.poison.valid(t);
        assertTrue(value.length > 1 << 20);
        final long offset = d.send(KEY, value, new RecordHeaders());
        d.flush();

        final HostileDriver.Outcomes out = d.drain();
        assertEquals(t.getTransactionId(), out.score(offset).value().getEventId());
        assertEquals(0, out.deadCount());
    }

    @Test
    void aRecordWithAMegabyteOfTrailingJunkIsDeadLetteredWhole() {
        final byte[] valid = d.poison.valid(tx());
        final byte[] value = Arrays.copyOf(valid, valid.length + (1 << 20));
        Arrays.fill(value, valid.length, value.length, (byte) 0x7f);
        final long offset = d.send(KEY, value, new RecordHeaders());
        d.flush();

        final HostileDriver.Outcomes out = d.drain();
        final TestRecord<byte[], byte[]> dead = out.deadLetter(offset);
        assertEquals("trailing_bytes", DeadLetters.text(dead.headers(), DeadLetters.HEADER_REASON));
        assertArrayEquals(value, dead.value());
        assertEquals(0, out.scoreCount());
    }

    @Test
    void extremeButFiniteFeaturesAreScoredSaturatedToFloatRange() {
        // given: 1e300 and -1e300 do not fit a float; the extractor saturates them at +-Float.MAX_VALUE
        final Transaction big = tx();
        big.setV1(1e300);
        final Transaction small = tx();
        small.setAmount(-1e300);
        final long bigOffset = sendValid(big);
        final long smallOffset = sendValid(small);
        d.flush();

        final HostileDriver.Outcomes out = d.drain();
        for (long offset : List.of(bigOffset, smallOffset)) {
            final double score = out.score(offset).value().getScore();
            assertTrue(score >= 0 && score <= 1, "offset " + offset + " scored " + score);
        }
        assertEquals(0, out.deadCount());
    }

    @Test
    void aNonFiniteValueInAFieldNoModelReadsIsScored() {
        // given: the embedding is not mapped by the model, so its NaN harms nothing
        final Transaction t = tx();
        t.setEmbedding(List.of(Float.NaN, Float.POSITIVE_INFINITY));
        final long offset = sendValid(t);
        d.flush();

        final HostileDriver.Outcomes out = d.drain();
        assertEquals(ModelFixtures.expected(HostileDriver.V1, t), out.score(offset).value().getScore(), 1e-5);
        assertEquals(0, out.deadCount());
    }

    @Test
    void aRecordOfAnEvolvedSchemaWithANewOptionalFieldIsScoredLikeTheOriginal() {
        // given: the Transaction schema plus an optional field, written by a newer producer
        final Schema current = Transaction.getClassSchema();
        final SchemaBuilder.FieldAssembler<Schema> fields = SchemaBuilder.record(current.getName())
                .namespace(current.getNamespace()).fields();
        for (Schema.Field f : current.getFields()) {
            fields.name(f.name()).type(f.schema()).noDefault();
        }
        final Schema evolved = fields.name("channel").type().optional().stringType().endRecord();
        final Transaction t = tx();
        final GenericRecord record = new GenericData.Record(evolved);
        for (Schema.Field f : current.getFields()) {
            final Object v = t.get(f.pos());
            record.put(f.name(), v instanceof Instant i ? i.toEpochMilli() : v);
        }
        record.put("channel", "web");
        final long offset = d.send(KEY, ConfluentAvroSerializer.generic(d.schemas, false)
                .serialize(HostileDriver.TOPIC, record), new RecordHeaders());
        d.flush();

        final HostileDriver.Outcomes out = d.drain();
        final ScoreResult score = out.score(offset).value();
        assertEquals(t.getTransactionId(), score.getEventId());
        assertEquals(ModelFixtures.expected(HostileDriver.V1, t), score.getScore(), 1e-5);
        assertEquals(0, out.deadCount());
    }

    @Test
    void aMixedStreamConservesEveryRecord() {
        // given: every kind of poison three times among 60 healthy records, shuffled, batches of 4
        final Random random = new Random(42);
        final List<Kind> plan = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            plan.add(null);
        }
        for (int i = 0; i < 3; i++) {
            plan.addAll(List.of(Kind.values()));
        }
        Collections.shuffle(plan, random);
        final Set<Long> poisoned = new TreeSet<>();
        final Set<Long> healthy = new TreeSet<>();
        final long first = d.nextOffset();
        for (Kind kind : plan) {
            if (kind == null) {
                healthy.add(sendValid(tx()));
            } else {
                poisoned.add(d.send(random.nextBoolean() ? null : KEY, d.poison.value(kind, tx()),
                        new RecordHeaders()));
            }
        }

        // when
        d.flush();
        final HostileDriver.Outcomes out = d.drain();

        // then: |scored| + |dead| == |input|, disjoint, each exactly once, and the right ones in each
        final Set<Long> input = new HashSet<>();
        for (long o = first; o < d.nextOffset(); o++) {
            input.add(o);
        }
        assertEquals(input.size(), out.scoreCount() + out.deadCount(), out.toString());
        final Set<Long> both = new HashSet<>(out.scored().keySet());
        both.retainAll(out.dead().keySet());
        assertEquals(Set.of(), both, "scored and dead-lettered");
        final Set<Long> union = new HashSet<>(out.scored().keySet());
        union.addAll(out.dead().keySet());
        assertEquals(input, union);
        assertEquals(healthy, new TreeSet<>(out.scored().keySet()));
        assertEquals(poisoned, new TreeSet<>(out.dead().keySet()));
    }
}
