package io.scorestream.schemas.serde;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scorestream.schemas.ClassProbability;
import io.scorestream.schemas.ScoreResult;
import io.scorestream.schemas.registry.InMemorySchemaRegistry;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.util.Utf8;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

/**
 * Pins {@link ScoreResultSerializer}'s bytes to those of the generic Avro path it replaces,
 * {@code ConfluentAvroSerializer.specific(registry, ScoreResult.class, false)}, kept here as the reference.
 */
class ScoreResultSerializerTest {

    private static final String TOPIC = "scores";

    private final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
    private final ConfluentAvroSerializer<ScoreResult> reference =
            ConfluentAvroSerializer.specific(registry, ScoreResult.class, false);
    private final ScoreResultSerializer encoder = ScoreResultSerializer.create(registry, false);

    /** A score with every optional field null and every string empty. */
    private static ScoreResult minimal() {
        return new ScoreResult("", null, "", "", 0.0, false, null, null, Instant.ofEpochMilli(0),
                Instant.ofEpochMilli(0), 0, 0L, 0L, null, null, null, null, null, null);
    }

    /** A score with every optional field set. */
    private static ScoreResult full(final String model, final String version, final double score) {
        final Map<String, Double> probabilities = new LinkedHashMap<>();
        probabilities.put("fraud", score);
        probabilities.put("legit", 1 - score);
        probabilities.put("review", 0.125);
        final Map<String, Double> features = new LinkedHashMap<>();
        features.put("amount_sum_1h", 1234.5);
        features.put("count_24h", null);
        features.put("distinct_merchants_7d", 3.0);
        return new ScoreResult("evt-42", "account-7", model, version, score, score >= 0.5, "fraud", probabilities,
                Instant.ofEpochMilli(1_765_000_000_123L), Instant.ofEpochMilli(1_765_000_000_456L), 256, 1_234L,
                333L, "transactions", 3, 987_654_321L, "stable",
                List.of(new ClassProbability("fraud", score), new ClassProbability("legit", 1 - score)), features);
    }

    private void assertSameBytes(final ScoreResult r) {
        final byte[] expected = reference.serialize(TOPIC, r);
        final byte[] actual = encoder.serialize(TOPIC, r);
        assertArrayEquals(expected, actual, () -> "bytes differ for " + r);
    }

    @Test
    void writesTheReferenceBytesWithEveryOptionalFieldNull() {
        assertSameBytes(minimal());
    }

    @Test
    void writesTheReferenceBytesWithEveryOptionalFieldSet() {
        assertSameBytes(full("fraud", "3", 0.75));
    }

    @Test
    void writesTheReferenceBytesForEachOptionalFieldSetAlone() {
        // given: the minimal score, then each optional field set on its own
        final ScoreResult full = full("fraud", "3", 0.75);
        for (int field : new int[] {1, 6, 7, 13, 14, 15, 16, 17, 18}) {
            final ScoreResult r = minimal();
            r.put(field, full.get(field));

            // then
            assertSameBytes(r);
        }
    }

    @Test
    void writesNonAsciiStringsAsJavaEncodesThemInUtf8() {
        // given: 2-, 3- and 4-byte UTF-8, and unpaired surrogates (which Java writes as '?')
        final ScoreResult r = full("modèle-欺诈", "v2-ß", 0.5);
        r.setEventId("événement-日本-😀");
        r.setKey("\uD800lonely-high");
        r.setLabel("мошенничество");
        r.setSourceTopic("trailing-high\uD83D");
        r.setRole("low-first\uDE00\uD83D\uDE00");
        r.setClassProbabilities(Map.of("κλάση", 0.5));
        r.setTopClasses(List.of(new ClassProbability("\u07FF\u0800\uFFFF", 0.5)));
        r.setFeatures(Collections.singletonMap("特征", 2.0));

        // then
        assertSameBytes(r);
    }

    @Test
    void writesEmptyAndLargeMapsAndLists() {
        // given: empty collections
        final ScoreResult empty = full("m", "1", 0.25);
        empty.setClassProbabilities(Map.of());
        empty.setTopClasses(List.of());
        empty.setFeatures(Map.of());
        assertSameBytes(empty);

        // and large ones: item counts that need multi-byte varints, and a buffer that must grow
        final ScoreResult large = full("m", "1", 0.25);
        final Map<String, Double> probabilities = new HashMap<>();
        final List<ClassProbability> top = new ArrayList<>();
        final Map<String, Double> features = new TreeMap<>();
        for (int i = 0; i < 5_000; i++) {
            probabilities.put("class-" + i, i / 5_000.0);
            top.add(new ClassProbability("class-" + i, i / 5_000.0));
            features.put(String.format(Locale.ROOT, "feature-%05d", i), i % 7 == 0 ? null : (double) i);
        }
        large.setClassProbabilities(probabilities);
        large.setTopClasses(top);
        large.setFeatures(features);
        assertSameBytes(large);
    }

    @Test
    void writesNonFiniteAndSignedZeroDoublesBitForBit() {
        final double nanWithPayload = Double.longBitsToDouble(0x7ff8000000000123L);
        for (double d : new double[] {Double.NaN, nanWithPayload, Double.POSITIVE_INFINITY,
                Double.NEGATIVE_INFINITY, -0.0, Double.MIN_VALUE, Double.MAX_VALUE}) {
            final ScoreResult r = full("m", "1", d);
            final Map<String, Double> features = new LinkedHashMap<>();
            features.put("x", d);
            r.setFeatures(features);
            assertSameBytes(r);
        }
    }

    @Test
    void writesExtremeIntsAndLongsAndTimes() {
        final ScoreResult r = full("m", "1", 0.5);
        r.setEventTime(Instant.ofEpochMilli(-1));
        r.setScoredAt(Instant.ofEpochMilli(Long.MAX_VALUE));
        r.setBatchSize(Integer.MAX_VALUE);
        r.setInferenceMicros(Long.MIN_VALUE);
        r.setLatencyMs(-63L);
        r.setSourcePartition(Integer.MIN_VALUE);
        r.setSourceOffset(Long.MAX_VALUE);
        assertSameBytes(r);

        r.setBatchSize(-64);
        r.setSourcePartition(64);
        r.setSourceOffset(Long.MIN_VALUE);
        assertSameBytes(r);
    }

    @Test
    void writesMapsWhoseKeysAreUtf8() {
        // given: keys of Avro's own string type, as generic code can put them through an unchecked cast
        final Map<Object, Double> raw = new LinkedHashMap<>();
        raw.put(new Utf8("ütf8-key"), 0.5);
        raw.put("string-key", 0.25);
        @SuppressWarnings("unchecked")
        final Map<String, Double> probabilities = (Map<String, Double>) (Map<?, ?>) raw;
        final ScoreResult r = full("m", "1", 0.5);
        r.setClassProbabilities(probabilities);

        // then
        assertSameBytes(r);
    }

    @Test
    void writesTheReferenceBytesForManyModelsVersionsAndRolesInterleaved() {
        // given: more distinct constants than the cache holds, recurring by identity and as equal copies
        final List<String> models = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            models.add("model-" + i);
        }
        final String[] roles = {"stable", "canary", "shadow"};
        for (int i = 0; i < 300; i++) {
            final String model = i % 5 == 0 ? new String(models.get(i % 12)) : models.get(i % 12);
            final ScoreResult r = full(model, Integer.toString(i % 4), (i % 100) / 100.0);
            r.setRole(roles[i % 3]);
            r.setSourceTopic(i % 2 == 0 ? "transactions" : "payments-" + (i % 9));

            // then
            assertSameBytes(r);
        }
    }

    @Test
    void leavesNoStaleBytesWhenAShorterRecordFollowsALongerOne() {
        // given
        final ScoreResult a = full("fraud", "3", 0.75);
        final ScoreResult b = minimal();

        // when: A, then the shorter B, then A again on the same thread's buffer
        final byte[] first = encoder.serialize(TOPIC, a);
        final byte[] second = encoder.serialize(TOPIC, b);
        final byte[] third = encoder.serialize(TOPIC, a);

        // then
        assertArrayEquals(reference.serialize(TOPIC, a), first);
        assertArrayEquals(reference.serialize(TOPIC, b), second);
        assertArrayEquals(reference.serialize(TOPIC, a), third);
        assertTrue(second.length < first.length, "B is shorter than A");
    }

    @Test
    void writesTheReferenceBytesForRandomScores() {
        final Random random = new Random(18);
        for (int i = 0; i < 2_000; i++) {
            assertSameBytes(randomScore(random));
        }
    }

    /**
     * A score that answers {@link ScoreResultFields} with other values than its own fields hold: the
     * bytes show which of the two the encoder read.
     */
    private static final class FieldsScore extends ScoreResult implements ScoreResultFields {
        private static final long serialVersionUID = 1L;
        CharSequence eventId;
        CharSequence key;
        long eventTime;
        long scoredAt;
        int partition;
        long offset;

        @Override
        public CharSequence eventIdText() {
            return eventId;
        }

        @Override
        public CharSequence keyText() {
            return key;
        }

        @Override
        public long eventTimeMillis() {
            return eventTime;
        }

        @Override
        public long scoredAtMillis() {
            return scoredAt;
        }

        @Override
        public int sourcePartitionOrNegative() {
            return partition;
        }

        @Override
        public long sourceOffsetOrNegative() {
            return offset;
        }
    }

    @Test
    void writesTheFieldsInterfacesValuesInsteadOfTheGettersOnes() {
        final Random random = new Random(1818);
        for (int i = 0; i < 2_000; i++) {
            // given: a random score, and a FieldsScore whose interface answers its values while its
            // own fields hold others
            final ScoreResult r = randomScore(random);
            // The interface has no negative partitions or offsets (Kafka has none): they stand for null.
            if (r.getSourcePartition() != null && r.getSourcePartition() < 0) {
                r.setSourcePartition(-r.getSourcePartition() - 1);
            }
            if (r.getSourceOffset() != null && r.getSourceOffset() < 0) {
                r.setSourceOffset(-r.getSourceOffset() - 1);
            }
            final FieldsScore f = new FieldsScore();
            for (int field = 0; field < ScoreResult.getClassSchema().getFields().size(); field++) {
                f.put(field, r.get(field));
            }
            f.eventId = i % 2 == 0 ? new Utf8(r.getEventId()) : r.getEventId();
            f.key = r.getKey() == null ? null : i % 3 == 0 ? new Utf8(r.getKey()) : r.getKey();
            f.eventTime = r.getEventTime().toEpochMilli();
            f.scoredAt = r.getScoredAt().toEpochMilli();
            f.partition = r.getSourcePartition() == null ? -1 - i : r.getSourcePartition();
            f.offset = r.getSourceOffset() == null ? -1 - i : r.getSourceOffset();
            f.setEventId(r.getEventId() + "-not-this");
            f.setKey(r.getKey() == null ? "not-null" : null);
            f.setEventTime(Instant.ofEpochMilli(r.getEventTime().toEpochMilli() + 1));
            f.setScoredAt(Instant.ofEpochMilli(r.getScoredAt().toEpochMilli() - 7));
            f.setSourcePartition(r.getSourcePartition() == null ? 7 : null);
            f.setSourceOffset(r.getSourceOffset() == null ? 7L : null);

            // when / then: the bytes of the random score
            assertArrayEquals(reference.serialize(TOPIC, r), encoder.serialize(TOPIC, f), "score " + i);
        }
    }

    @Test
    void namesANullEventIdFromTheFieldsInterface() {
        final FieldsScore f = new FieldsScore();
        final ScoreResult r = full("m", "1", 0.5);
        for (int field = 0; field < ScoreResult.getClassSchema().getFields().size(); field++) {
            f.put(field, r.get(field));
        }
        final SerializationException e = assertThrows(SerializationException.class,
                () -> encoder.serialize(TOPIC, f));
        assertTrue(e.getMessage().contains("event_id"), e.getMessage());
    }

    @Test
    void writesTheReferenceBytesFromManyThreadsAtOnce() throws Exception {
        final ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            final List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                final long seed = t;
                done.add(pool.submit(() -> {
                    final Random random = new Random(seed);
                    for (int i = 0; i < 500; i++) {
                        assertSameBytes(randomScore(random));
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void allocatesLittleBeyondTheReturnedArray() {
        // given: the thread's allocation counter, and a typical score (two class probabilities)
        final java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
        org.junit.jupiter.api.Assumptions.assumeTrue(threads instanceof com.sun.management.ThreadMXBean,
                "this JVM counts no allocated bytes per thread");
        final com.sun.management.ThreadMXBean counter = (com.sun.management.ThreadMXBean) threads;
        final long thread = Thread.currentThread().getId();
        final ScoreResult r = full("fraud", "3", 0.75);
        r.setTopClasses(null);
        r.setFeatures(null);
        final int records = 20_000;
        for (int i = 0; i < records; i++) {
            encoder.serialize(TOPIC, r);
        }

        // when
        final long before = counter.getThreadAllocatedBytes(thread);
        int length = 0;
        for (int i = 0; i < records; i++) {
            length = encoder.serialize(TOPIC, r).length;
        }
        final double perRecord = (counter.getThreadAllocatedBytes(thread) - before) / (double) records;

        // then: the array (16-byte header, 8-byte aligned), plus at most a map iterator that the JIT
        // has not yet removed; the generic Avro path allocates several hundred bytes more
        final long array = (16 + length + 7) & ~7L;
        assertTrue(perRecord <= array + 48, () -> String.format(Locale.ROOT,
                "%.1f bytes allocated per record, for a %d-byte array", perRecord, array));
    }

    @Test
    void namesTheMissingRequiredFieldAndRecovers() {
        // given
        final ScoreResult broken = full("m", "1", 0.5);
        broken.setModelVersion(null);

        // when
        final SerializationException e = assertThrows(SerializationException.class,
                () -> encoder.serialize(TOPIC, broken));

        // then: the message names the topic and the field, and the next record is whole
        assertTrue(e.getMessage().contains("'" + TOPIC + "'"), e.getMessage());
        assertTrue(e.getMessage().contains("model_version"), e.getMessage());
        assertSameBytes(minimal());
    }

    @Test
    void namesANullClassProbability() {
        final Map<String, Double> probabilities = new LinkedHashMap<>();
        probabilities.put("fraud", null);
        final ScoreResult r = full("m", "1", 0.5);
        r.setClassProbabilities(probabilities);

        final SerializationException e = assertThrows(SerializationException.class, () -> encoder.serialize(TOPIC, r));

        assertTrue(e.getMessage().contains("class_probabilities['fraud']"), e.getMessage());
    }

    @Test
    void writesNullAsATombstoneAndRefusesANullTopic() {
        assertNull(encoder.serialize(TOPIC, null));
        final SerializationException e = assertThrows(SerializationException.class,
                () -> encoder.serialize(null, minimal()));
        assertTrue(e.getMessage().contains("without a topic"), e.getMessage());
    }

    @Test
    void usesTheIdTheSchemaHasUnderTheTopicsSubject() {
        // given: another schema registered first under the subject, so ScoreResult's id is not 1
        registry.register("other-value", SchemaBuilder.record("Other").fields().requiredInt("a").endRecord());

        // when
        final byte[] bytes = encoder.serialize("other", minimal());

        // then
        assertEquals(registry.idOf("other-value", ScoreResult.getClassSchema()), java.nio.ByteBuffer.wrap(bytes, 1, 4).getInt());
        assertArrayEquals(reference.serialize("other", minimal()), bytes);
    }

    @Test
    void refusesASchemaWithFieldsTheWriterDoesNotWrite() {
        // given: ScoreResult's schema with one more field
        final Schema current = ScoreResult.getClassSchema();
        final List<Schema.Field> fields = new ArrayList<>();
        for (Schema.Field f : current.getFields()) {
            fields.add(new Schema.Field(f, f.schema()));
        }
        fields.add(new Schema.Field("new_field", Schema.create(Schema.Type.INT)));
        final Schema grown = Schema.createRecord(current.getName(), null, current.getNamespace(), false, fields);

        // then
        final IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> ScoreResultWriter.checkSchema(grown));
        assertTrue(e.getMessage().contains("new_field"), e.getMessage());
    }

    private static ScoreResult randomScore(final Random random) {
        final ScoreResult r = full("model-" + random.nextInt(4), "v" + random.nextInt(3), random.nextDouble());
        r.setEventId(randomString(random, random.nextInt(40)));
        r.setKey(random.nextBoolean() ? null : randomString(random, random.nextInt(20)));
        r.setLabel(random.nextBoolean() ? null : randomString(random, 5));
        r.setClassProbabilities(random.nextBoolean() ? null : randomMap(random, false));
        r.setEventTime(Instant.ofEpochMilli(random.nextLong() >> random.nextInt(64)));
        r.setScoredAt(Instant.ofEpochMilli(random.nextLong() >> random.nextInt(64)));
        r.setBatchSize(random.nextInt() >> random.nextInt(32));
        r.setInferenceMicros(random.nextLong() >> random.nextInt(64));
        r.setLatencyMs(random.nextLong() >> random.nextInt(64));
        r.setSourceTopic(random.nextBoolean() ? null : "topic-" + random.nextInt(3));
        r.setSourcePartition(random.nextBoolean() ? null : random.nextInt() >> random.nextInt(32));
        r.setSourceOffset(random.nextBoolean() ? null : random.nextLong() >> random.nextInt(64));
        r.setRole(random.nextBoolean() ? null : "role-" + random.nextInt(3));
        if (random.nextBoolean()) {
            r.setTopClasses(null);
        } else {
            final List<ClassProbability> top = new ArrayList<>();
            for (int i = random.nextInt(5); i > 0; i--) {
                top.add(new ClassProbability(randomString(random, 6), random.nextGaussian()));
            }
            r.setTopClasses(top);
        }
        r.setFeatures(random.nextBoolean() ? null : randomMap(random, true));
        return r;
    }

    private static Map<String, Double> randomMap(final Random random, final boolean nullValues) {
        final Map<String, Double> map = new HashMap<>();
        for (int i = random.nextInt(200); i > 0; i--) {
            map.put(randomString(random, 1 + random.nextInt(12)),
                    nullValues && random.nextInt(4) == 0 ? null : Double.longBitsToDouble(random.nextLong()));
        }
        return map;
    }

    /** Mostly ASCII, with 2-, 3- and 4-byte characters and the odd unpaired surrogate. */
    private static String randomString(final Random random, final int length) {
        final StringBuilder s = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            final int kind = random.nextInt(20);
            if (kind < 14) {
                s.append((char) (0x20 + random.nextInt(0x5F)));
            } else if (kind < 16) {
                s.append((char) (0x80 + random.nextInt(0x780)));
            } else if (kind < 18) {
                s.append((char) (0x800 + random.nextInt(0xD000)));
            } else if (kind < 19) {
                s.appendCodePoint(0x10000 + random.nextInt(0xFFFFF));
            } else {
                s.append((char) (0xD800 + random.nextInt(0x800)));
            }
        }
        return s.toString();
    }
}
