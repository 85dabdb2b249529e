package io.scorestream.tests.hostile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scorestream.inference.training.SyntheticTransactions;
import io.scorestream.schemas.Transaction;
import io.scorestream.schemas.serde.ConfluentAvroSerializer;
import io.scorestream.app.demo.PoisonRecords;
import io.scorestream.topology.errors.DeadLetters;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.LongStream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Conservation as a property: for any mix of valid transactions, random bytes and damaged records,
 * every input is scored or dead-lettered exactly once, the driver never throws, and the records
 * whose fate is known (valid ones, NaN, truncation, a dropped mapped field, ...) meet it.
 *
 * <p>Each try draws its inputs from a {@link SplittableRandom} seeded with an explicit seed, which
 * every failure message names. One driver serves every try (starting ONNX Runtime per try would
 * dominate the run time); each try flushes at its end, so its outputs are exactly those of its own
 * offsets. A try therefore reruns alone from its seed (the offsets differ, the inputs do not).
 */
class ConservationPropertiesTest {

    private static final int TRIES = 120;
    private static final long BASE_SEED = 0x5C0AE5_7AEAL;
    private static final int VALID_WEIGHT = 6;
    private static final int MAX_PICK = 1 << 20;
    private static final int MAX_NOISE = 48;

    private static final byte[] KEY = "acct".getBytes(StandardCharsets.UTF_8);
    private static final List<String> FEATURES = SyntheticTransactions.FEATURE_FIELDS;
    private static final Map<String, Schema> WITHOUT_FIELD = new ConcurrentHashMap<>();
    private static final Schema WITH_NEW_FIELD = withNewOptionalField();

    private static HostileDriver driver;
    private static ConfluentAvroSerializer<GenericRecord> generic;

    /** How an input is made; see {@link #bytes}. */
    enum Shape {
        VALID, EXTREME_VALUE, ADDED_OPTIONAL_FIELD,
        NON_FINITE, TRUNCATED, TRAILING_BYTES, MISSING_MAPPED_FIELD, NULL_VALUE,
        RANDOM_BYTES, BIT_FLIP, FOREIGN_SCHEMA_ID
    }

    /** One input record: a shape and the numbers that pick its transaction and its damage. */
    record Input(Shape shape, long seed, int pick, byte[] noise) {
        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%s(seed=%d, pick=%d, noise=%s)", shape, seed, pick,
                    HexFormat.of().formatHex(noise));
        }
    }

    @BeforeAll
    static void startDriver() {
        driver = new HostileDriver(8);
        generic = ConfluentAvroSerializer.generic(driver.schemas, false);
    }

    @AfterAll
    static void closeDriver() {
        if (driver != null) {
            driver.close();
        }
    }

    /** The explicit seeds of the {@value #TRIES} tries; a failing try reruns alone from its seed. */
    static LongStream seeds() {
        return LongStream.range(0, TRIES).map(i -> BASE_SEED + i);
    }

    @ParameterizedTest(name = "seed={0}")
    @MethodSource("seeds")
    void everyRecordIsScoredOrDeadLetteredExactlyOnce(long seed) {
        final List<Input> inputs = streams(new SplittableRandom(seed));
        final String at = "seed=" + seed + ": ";

        // when: the whole mix goes in (pipeInput must not throw), and the last batch is flushed
        final long first = driver.nextOffset();
        final Input[] byOffset = new Input[inputs.size()];
        for (Input in : inputs) {
            final byte[] value;
            try {
                value = bytes(in);
            } catch (RuntimeException e) {
                throw new AssertionError(at + "could not build " + in, e);
            }
            final long offset;
            try {
                offset = driver.send(KEY, value, new RecordHeaders());
            } catch (RuntimeException e) {
                throw new AssertionError(at + "the driver threw on " + in, e);
            }
            byOffset[(int) (offset - first)] = in;
        }
        final HostileDriver.Outcomes out;
        try {
            driver.flush();
            out = driver.drain();
        } catch (RuntimeException e) {
            throw new AssertionError(at + "the driver threw while flushing " + inputs, e);
        }

        // then: |scored| + |dead| == |input|, the two sets are disjoint and cover exactly this try's offsets
        assertEquals(inputs.size(), out.scoreCount() + out.deadCount(), at + out + " for " + inputs);
        final Set<Long> expected = new HashSet<>();
        for (long o = first; o < driver.nextOffset(); o++) {
            expected.add(o);
        }
        final Set<Long> seen = new HashSet<>(out.scored().keySet());
        seen.addAll(out.dead().keySet());
        assertEquals(expected, seen, at + out + " for " + inputs);
        final Set<Long> both = new HashSet<>(out.scored().keySet());
        both.retainAll(out.dead().keySet());
        assertTrue(both.isEmpty(), at + "offsets " + both + " were both scored and dead-lettered; " + out);

        // and: records with a known fate meet it
        for (int i = 0; i < byOffset.length; i++) {
            final long offset = first + i;
            final Input in = byOffset[i];
            switch (in.shape()) {
                case VALID, EXTREME_VALUE, ADDED_OPTIONAL_FIELD -> assertEquals(1,
                        out.scored().getOrDefault(offset, List.of()).size(),
                        at + in + " at offset " + offset + " should be scored once; " + out);
                case NON_FINITE -> assertReason(out, offset, in, at, "non_finite");
                case TRUNCATED -> assertReason(out, offset, in, at, "truncated", "malformed_avro");
                case TRAILING_BYTES -> assertReason(out, offset, in, at, "trailing_bytes");
                case MISSING_MAPPED_FIELD -> assertReason(out, offset, in, at, "schema_mismatch");
                case NULL_VALUE -> assertReason(out, offset, in, at, "null_value");
                default -> {
                    // random bytes, a flipped bit or a foreign schema id may still decode: either fate
                }
            }
        }
    }

    private static void assertReason(HostileDriver.Outcomes out, long offset, Input in, String at,
            String... reasons) {
        final List<TestRecord<byte[], byte[]>> dead = out.dead().getOrDefault(offset, List.of());
        assertEquals(1, dead.size(), at + in + " at offset " + offset + " should be dead-lettered once; " + out);
        final String reason = DeadLetters.text(dead.get(0).headers(), DeadLetters.HEADER_REASON);
        assertTrue(List.of(reasons).contains(reason), at + in + " was dead-lettered as " + reason);
    }

    /** 1 to 40 inputs; valid ones six times as likely as each kind of damage. */
    static List<Input> streams(SplittableRandom random) {
        final int size = 1 + random.nextInt(40);
        final List<Input> inputs = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            inputs.add(input(random));
        }
        return inputs;
    }

    private static Input input(SplittableRandom random) {
        final Shape[] shapes = Shape.values();
        final int w = random.nextInt(VALID_WEIGHT + shapes.length - 1);
        final Shape shape = w < VALID_WEIGHT ? Shape.VALID : shapes[w - VALID_WEIGHT + 1];
        final long seed = random.nextInt(8) == 0
                ? new long[] {0L, 1L, -1L, Long.MIN_VALUE, Long.MAX_VALUE}[random.nextInt(5)]
                : random.nextLong();
        final int pick = random.nextInt(8) == 0
                ? new int[] {0, 1, MAX_PICK}[random.nextInt(3)]
                : random.nextInt(MAX_PICK + 1);
        final byte[] noise = new byte[random.nextInt(8) == 0 ? 0 : random.nextInt(MAX_NOISE + 1)];
        random.nextBytes(noise);
        return new Input(shape, seed, pick, noise);
    }

    /** The value bytes of {@code in}; null for a null value. */
    private static byte[] bytes(Input in) {
        final Transaction t = new SyntheticTransactions(in.seed(), 20).next(HostileDriver.START);
        final int pick = in.pick();
        return switch (in.shape()) {
            case VALID -> driver.poison.valid(t);
            case EXTREME_VALUE -> {
                final double[] extremes = {1e300, -1e300, Double.MAX_VALUE, -Double.MAX_VALUE, Double.MIN_VALUE,
                        -0.0, 3.5e38, -3.5e38};
                t.put(t.getSchema().getField(FEATURES.get(pick % FEATURES.size())).pos(),
                        extremes[(pick / FEATURES.size()) % extremes.length]);
                yield driver.poison.valid(t);
            }
            case ADDED_OPTIONAL_FIELD -> {
                final GenericRecord r = copy(t, WITH_NEW_FIELD);
                r.put("channel", pick % 2 == 0 ? null : new String(in.noise(), StandardCharsets.ISO_8859_1));
                yield generic.serialize(HostileDriver.TOPIC, r);
            }
            case NON_FINITE -> {
                final double[] bad = {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY};
                t.put(t.getSchema().getField(FEATURES.get(pick % FEATURES.size())).pos(),
                        bad[(pick / FEATURES.size()) % bad.length]);
                yield driver.poison.valid(t);
            }
            case TRUNCATED -> {
                final byte[] valid = driver.poison.valid(t);
                yield Arrays.copyOf(valid, pick % valid.length);
            }
            case TRAILING_BYTES -> {
                final byte[] valid = driver.poison.valid(t);
                final byte[] noise = in.noise().length == 0 ? new byte[] {0} : in.noise();
                final byte[] longer = Arrays.copyOf(valid, valid.length + noise.length);
                System.arraycopy(noise, 0, longer, valid.length, noise.length);
                yield longer;
            }
            case MISSING_MAPPED_FIELD -> {
                final String field = FEATURES.get(pick % FEATURES.size());
                final Schema older = WITHOUT_FIELD.computeIfAbsent(field,
                        f -> PoisonRecords.withoutField(Transaction.getClassSchema(), f));
                yield generic.serialize(HostileDriver.TOPIC, copy(t, older));
            }
            case NULL_VALUE -> null;
            case RANDOM_BYTES -> in.noise().clone();
            case BIT_FLIP -> {
                final byte[] valid = driver.poison.valid(t);
                final int bit = pick % (valid.length * 8);
                valid[bit / 8] ^= (byte) (1 << (bit % 8));
                yield valid;
            }
            case FOREIGN_SCHEMA_ID -> {
                final byte[] valid = driver.poison.valid(t);
                ByteBuffer.wrap(valid).putInt(1, 1 + pick % 4);
                yield valid;
            }
        };
    }

    /** {@code t}'s values, by field name, in a generic record of {@code schema}. */
    private static GenericRecord copy(Transaction t, Schema schema) {
        final GenericRecord r = new GenericData.Record(schema);
        for (Schema.Field f : schema.getFields()) {
            final Schema.Field source = t.getSchema().getField(f.name());
            if (source != null) {
                final Object v = t.get(source.pos());
                r.put(f.pos(), v instanceof Instant i ? i.toEpochMilli() : v);
            }
        }
        return r;
    }

    private static Schema withNewOptionalField() {
        final Schema current = Transaction.getClassSchema();
        final SchemaBuilder.FieldAssembler<Schema> fields = SchemaBuilder.record(current.getName())
                .namespace(current.getNamespace()).fields();
        for (Schema.Field f : current.getFields()) {
            fields.name(f.name()).type(f.schema()).noDefault();
        }
        return fields.name("channel").type().optional().stringType().endRecord();
    }
}
