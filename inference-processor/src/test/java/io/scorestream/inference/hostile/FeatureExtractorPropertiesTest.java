package io.scorestream.inference.hostile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scorestream.inference.FeatureException;
import io.scorestream.inference.FeatureExtractor;
import io.scorestream.inference.FeatureMapping;
import io.scorestream.inference.ModelSignature;
import io.scorestream.inference.TypedRecords;
import io.scorestream.inference.ValueSpec;
import io.scorestream.schemas.FeatureColumn;
import io.scorestream.schemas.ModelInput;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.stream.LongStream;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Whatever a record's mapped fields hold, the feature extractor either writes a row of finite
 * floats or throws a {@link FeatureException} naming a mapped field: nothing non-finite ever
 * reaches ONNX Runtime, and no other exception escapes. Records are encoded and decoded with Avro
 * first, so the extractor sees what it sees in production (primitive-array lists, {@code Utf8}).
 *
 * <p>Each case draws its record from a {@link SplittableRandom} seeded with an explicit seed, which
 * every failure message names, so a failing case reruns alone from its seed.
 */
class FeatureExtractorPropertiesTest {

    private static final String INPUT = "features";
    private static final int CASES = 500;
    private static final long BASE_SEED = 0xFEA7_0000L;

    /** The field types a mapping may name (numbers, booleans, arrays of numbers, and their nullable forms). */
    enum FieldType {
        INT, LONG, FLOAT, DOUBLE, BOOLEAN, NULLABLE_INT, NULLABLE_DOUBLE, NULLABLE_BOOLEAN, FLOAT_ARRAY,
        DOUBLE_ARRAY, NULLABLE_DOUBLE_ARRAY;

        boolean isArray() {
            return this == FLOAT_ARRAY || this == DOUBLE_ARRAY || this == NULLABLE_DOUBLE_ARRAY;
        }

        boolean isNullable() {
            return name().startsWith("NULLABLE_");
        }

        Schema schema() {
            final Schema s = switch (this) {
                case INT, NULLABLE_INT -> Schema.create(Schema.Type.INT);
                case LONG -> Schema.create(Schema.Type.LONG);
                case FLOAT -> Schema.create(Schema.Type.FLOAT);
                case DOUBLE, NULLABLE_DOUBLE -> Schema.create(Schema.Type.DOUBLE);
                case BOOLEAN, NULLABLE_BOOLEAN -> Schema.create(Schema.Type.BOOLEAN);
                case FLOAT_ARRAY -> Schema.createArray(Schema.create(Schema.Type.FLOAT));
                case DOUBLE_ARRAY, NULLABLE_DOUBLE_ARRAY -> Schema.createArray(Schema.create(Schema.Type.DOUBLE));
            };
            return isNullable() ? Schema.createUnion(Schema.create(Schema.Type.NULL), s) : s;
        }
    }

    /**
     * One mapped field: its type, the mapping's width (arrays) and default, and the record's value
     * (a number, a boolean, a list of numbers, or null for a nullable field).
     */
    record Field(FieldType type, int width, Double defaultValue, Object value) {
        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%s[w=%d, default=%s, value=%s]", type, width, defaultValue, value);
        }
    }

    /** The explicit seeds of the {@value #CASES} cases. */
    static LongStream seeds() {
        return LongStream.range(0, CASES).map(i -> BASE_SEED + i);
    }

    @ParameterizedTest(name = "seed={0}")
    @MethodSource("seeds")
    void aRowIsFiniteOrTheRecordIsRefusedNamingAMappedField(long seed) {
        final List<Field> fields = records(new SplittableRandom(seed));
        final String at = "seed=" + seed + ", fields=" + fields + ": ";
        try {
            check(fields, at);
        } catch (AssertionError e) {
            throw e;
        } catch (RuntimeException e) {
            throw new AssertionError(at + "unexpected " + e, e);
        }
    }

    private static void check(List<Field> fields, String at) {
        // given: a record schema with the fields (plus an unmapped string) and a mapping of them, in order
        final List<Schema.Field> schemaFields = new ArrayList<>();
        final List<FeatureColumn> columns = new ArrayList<>();
        int width = 0;
        for (int i = 0; i < fields.size(); i++) {
            final Field f = fields.get(i);
            schemaFields.add(new Schema.Field("f" + i, f.type().schema()));
            columns.add(FeatureColumn.newBuilder().setField("f" + i).setDefaultValue(f.defaultValue())
                    .setWidth(f.type().isArray() ? f.width() : null).build());
            width += f.type().isArray() ? f.width() : 1;
        }
        schemaFields.add(new Schema.Field("note", Schema.create(Schema.Type.STRING)));
        final Schema schema = Schema.createRecord("Event", null, "hostile", false, schemaFields);
        final GenericRecord record = new GenericData.Record(schema);
        for (int i = 0; i < fields.size(); i++) {
            record.put(i, fields.get(i).value());
        }
        record.put("note", "unmapped");
        final FeatureMapping mapping = FeatureMapping.of("m", "1",
                List.of(ModelInput.newBuilder().setInputName(INPUT).setColumns(columns).build()),
                new ModelSignature(List.of(new ValueSpec(INPUT, ValueSpec.Kind.TENSOR, "FLOAT", null,
                        new long[] {-1, width})), List.of()));
        final FeatureExtractor extractor = mapping.compile(schema);
        final FloatBuffer buffer = ByteBuffer.allocateDirect(3 * width * Float.BYTES)
                .order(ByteOrder.nativeOrder()).asFloatBuffer();

        // when: the record, as Avro decodes it, is written into row 1
        final GenericRecord decoded = TypedRecords.roundTrip(record);
        try {
            extractor.extract(decoded, new FloatBuffer[] {buffer}, 1);
        } catch (FeatureException e) {
            // then (refused): a reason, and a field that is one of the mapped ones
            assertNotNull(e.reason(), at + "a FeatureException without a reason: " + e);
            assertTrue(e.field() != null && e.field().matches("f\\d+")
                    && Integer.parseInt(e.field().substring(1)) < fields.size(),
                    at + "refused naming field " + e.field());
            return;
        }
        // then (accepted): every column of the row is a finite float
        for (int c = 0; c < width; c++) {
            final float v = buffer.get(width + c);
            assertTrue(Float.isFinite(v), at + "column " + c + " is " + v);
        }
    }

    /** 1 to 6 mapped fields. */
    static List<Field> records(SplittableRandom random) {
        final int size = 1 + random.nextInt(6);
        final List<Field> fields = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            fields.add(field(random));
        }
        return fields;
    }

    private static Field field(SplittableRandom random) {
        final FieldType[] types = FieldType.values();
        final FieldType type = types[random.nextInt(types.length)];
        final int width = 1 + random.nextInt(4);
        // Defaults are spec values, not record values, and the mapping refuses non-finite ones;
        // these stay inside float range (see the disabled test below for those beyond it).
        final Double defaultValue = switch (random.nextInt(3)) {
            case 0 -> null;
            case 1 -> random.nextDouble(-3.0e38, 3.0e38);
            default -> new double[] {0.0, -0.0, 1.0}[random.nextInt(3)];
        };
        return new Field(type, width, defaultValue, value(random, type, width));
    }

    private static Object value(SplittableRandom random, FieldType type, int width) {
        if (type.isNullable() && random.nextBoolean()) {
            return null;
        }
        return switch (type) {
            case INT, NULLABLE_INT -> random.nextInt(8) == 0
                    ? new int[] {0, 1, -1, Integer.MIN_VALUE, Integer.MAX_VALUE}[random.nextInt(5)]
                    : random.nextInt();
            case LONG -> random.nextInt(8) == 0
                    ? new long[] {0L, 1L, -1L, Long.MIN_VALUE, Long.MAX_VALUE}[random.nextInt(5)]
                    : random.nextLong();
            case FLOAT -> (float) nastyDouble(random);
            case DOUBLE, NULLABLE_DOUBLE -> nastyDouble(random);
            case BOOLEAN, NULLABLE_BOOLEAN -> random.nextBoolean();
            case FLOAT_ARRAY -> {
                final List<Float> list = new ArrayList<>();
                for (int n = random.nextInt(width + 3); n > 0; n--) {
                    list.add((float) nastyDouble(random));
                }
                yield list;
            }
            case DOUBLE_ARRAY, NULLABLE_DOUBLE_ARRAY -> {
                final List<Double> list = new ArrayList<>();
                for (int n = random.nextInt(width + 3); n > 0; n--) {
                    list.add(nastyDouble(random));
                }
                yield list;
            }
        };
    }

    private static final double[] NASTY = {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY,
        Double.MAX_VALUE, -Double.MAX_VALUE, Double.MIN_VALUE, -0.0, 1e300, -1e300, (double) Float.MAX_VALUE,
        3.5e38, -3.5e38};

    /**
     * Ordinary numbers mixed with NaN, infinities, extremes, subnormals and negative zero: 4 in 9 in
     * [-1e6, 1e6], 2 in 9 any finite double (random bits, so every exponent is as likely), 3 in 9 from
     * {@link #NASTY}.
     */
    private static double nastyDouble(SplittableRandom random) {
        final int w = random.nextInt(9);
        if (w < 4) {
            return random.nextDouble(-1e6, 1e6);
        }
        if (w < 6) {
            double d;
            do {
                d = Double.longBitsToDouble(random.nextLong());
            } while (!Double.isFinite(d));
            return d;
        }
        return NASTY[random.nextInt(NASTY.length)];
    }

    // ---- gaps found while writing the property; enable with the fix -----------------------------

    @Test
    void aDefaultBeyondFloatRangeNeverPutsInfinityInTheTensor() {
        final Schema schema = Schema.createRecord("Event", null, "hostile", false, List.of(
                new Schema.Field("x", FieldType.NULLABLE_DOUBLE.schema())));
        final List<FeatureColumn> columns = List.of(FeatureColumn.newBuilder().setField("x")
                .setDefaultValue(1e300).setWidth(null).build());
        final ModelSignature signature = new ModelSignature(List.of(new ValueSpec(INPUT, ValueSpec.Kind.TENSOR,
                "FLOAT", null, new long[] {-1, 1})), List.of());

        // either the mapping is refused at load time ...
        final FeatureMapping mapping;
        try {
            mapping = FeatureMapping.of("m", "1",
                    List.of(ModelInput.newBuilder().setInputName(INPUT).setColumns(columns).build()), signature);
        } catch (RuntimeException refused) {
            return;
        }
        // ... or a null becomes a finite value
        final GenericRecord record = new GenericData.Record(schema);
        record.put("x", null);
        final FloatBuffer buffer = FloatBuffer.allocate(1);
        mapping.compile(schema).extract(record, new FloatBuffer[] {buffer}, 0);
        assertTrue(Float.isFinite(buffer.get(0)), "got " + buffer.get(0));
    }

    @Test
    void aUnionOfNumberAndBooleanReadsBothAsNumbers() {
        final Schema union = Schema.createUnion(Schema.create(Schema.Type.INT), Schema.create(Schema.Type.BOOLEAN));
        final Schema schema = Schema.createRecord("Event", null, "hostile", false, List.of(
                new Schema.Field("x", union)));
        final FeatureMapping mapping = FeatureMapping.of("m", "1", List.of(ModelInput.newBuilder()
                        .setInputName(INPUT).setColumns(List.of(FeatureColumn.newBuilder().setField("x")
                                .setDefaultValue(null).setWidth(null).build())).build()),
                new ModelSignature(List.of(new ValueSpec(INPUT, ValueSpec.Kind.TENSOR, "FLOAT", null,
                        new long[] {-1, 1})), List.of()));
        final FloatBuffer row = FloatBuffer.allocate(1);
        final GenericRecord record = new GenericData.Record(schema);

        record.put("x", 3);
        mapping.compile(schema).extract(record, new FloatBuffer[] {row}, 0);
        assertEquals(3f, row.get(0));
        record.put("x", true);
        mapping.compile(schema).extract(record, new FloatBuffer[] {row}, 0);
        assertEquals(1f, row.get(0));
    }
}
