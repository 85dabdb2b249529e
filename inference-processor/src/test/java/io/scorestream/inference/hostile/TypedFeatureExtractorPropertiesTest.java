package io.scorestream.inference.hostile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scorestream.inference.FeatureException;
import io.scorestream.inference.FeatureExtractor;
import io.scorestream.inference.FeatureMapping;
import io.scorestream.inference.ModelSignature;
import io.scorestream.inference.RowBuffers;
import io.scorestream.inference.TypedRecords;
import io.scorestream.inference.ValueSpec;
import io.scorestream.inference.onnx.ElementType;
import io.scorestream.schemas.FeatureColumn;
import io.scorestream.schemas.ModelInput;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.LongStream;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * For inputs of int32, int64, bool and double, whatever a record's mapped fields hold, compiling the
 * extractor either refuses a mapped field ({@code schema_mismatch}) or the extractor writes a row
 * the element type holds, or it refuses the record naming a mapped field: no other exception, no
 * bool other than 0 and 1, no non-finite double. Records go through Avro's binary encoding first.
 * Each case names its seed.
 */
class TypedFeatureExtractorPropertiesTest {

    private static final String INPUT = "x";
    private static final int CASES = 300;
    private static final long BASE_SEED = 0x7E9E_0000L;
    private static final ElementType[] TARGETS = {ElementType.INT32, ElementType.INT64, ElementType.BOOL,
        ElementType.DOUBLE};
    private static final Schema.Type[] SCALARS = {Schema.Type.INT, Schema.Type.LONG, Schema.Type.BOOLEAN,
        Schema.Type.DOUBLE};

    static LongStream seeds() {
        return LongStream.range(0, CASES).map(i -> BASE_SEED + i);
    }

    @ParameterizedTest(name = "seed={0}")
    @MethodSource("seeds")
    void aTypedRowHoldsOnlyWhatItsTypeCanOrTheRecordIsRefusedNamingAMappedField(long seed) {
        // given: 1 to 5 fields (scalars, nullable scalars, arrays) and a target element type
        final SplittableRandom random = new SplittableRandom(seed);
        final ElementType target = TARGETS[random.nextInt(TARGETS.length)];
        final int count = 1 + random.nextInt(5);
        final List<Schema.Field> schemaFields = new ArrayList<>();
        final List<FeatureColumn> columns = new ArrayList<>();
        final List<Object> values = new ArrayList<>();
        int width = 0;
        for (int i = 0; i < count; i++) {
            final Schema.Type type = SCALARS[random.nextInt(SCALARS.length)];
            final int shape = random.nextInt(3);
            final int arrayWidth = 1 + random.nextInt(3);
            final Schema scalar = Schema.create(type);
            schemaFields.add(new Schema.Field("f" + i, switch (shape) {
                case 0 -> scalar;
                case 1 -> Schema.createUnion(Schema.create(Schema.Type.NULL), scalar);
                default -> Schema.createArray(scalar);
            }));
            final Double defaultValue = random.nextBoolean() ? null : (double) random.nextInt(2);
            columns.add(FeatureColumn.newBuilder().setField("f" + i).setDefaultValue(defaultValue)
                    .setWidth(shape == 2 ? arrayWidth : null).build());
            width += shape == 2 ? arrayWidth : 1;
            if (shape == 1 && random.nextBoolean()) {
                values.add(null);
            } else if (shape == 2) {
                final List<Object> list = new ArrayList<>();
                for (int k = random.nextInt(arrayWidth + 2); k > 0; k--) {
                    list.add(value(type, random));
                }
                values.add(list);
            } else {
                values.add(value(type, random));
            }
        }
        final String at = "seed=" + Long.toHexString(seed) + ", " + target + " from " + schemaFields + " = " + values
                + ": ";
        final Schema schema = Schema.createRecord("Event", null, "hostile", false, schemaFields);
        final GenericRecord record = new GenericData.Record(schema);
        for (int i = 0; i < count; i++) {
            record.put(i, values.get(i));
        }
        final FeatureMapping mapping = FeatureMapping.of("m", "1",
                List.of(ModelInput.newBuilder().setInputName(INPUT).setColumns(columns).build()),
                new ModelSignature(List.of(new ValueSpec(INPUT, ValueSpec.Kind.TENSOR, target.name(), null,
                        new long[] {-1, width})), List.of()));
        final RowBuffers rows = RowBuffers.allocate(mapping, 2);

        try {
            // when
            final FeatureExtractor extractor;
            try {
                extractor = mapping.compile(schema);
            } catch (FeatureException refused) {
                // then (not compiled): a schema mismatch naming a mapped field
                assertEquals(FeatureException.Reason.SCHEMA_MISMATCH, refused.reason(), at + refused);
                assertMapped(refused, count, at);
                return;
            }
            try {
                extractor.extract(TypedRecords.roundTrip(record), rows, 1);
            } catch (FeatureException refused) {
                // then (refused): a reason and a mapped field
                assertMapped(refused, count, at);
                return;
            }
            // then (accepted): every value of row 1 is one the type holds
            for (int k = width; k < 2 * width; k++) {
                switch (target) {
                    case BOOL -> {
                        final byte b = rows.bools(0).get(k);
                        assertTrue(b == 0 || b == 1, at + "bool value " + b + " at " + k);
                    }
                    case DOUBLE -> assertTrue(Double.isFinite(rows.doubles(0).get(k)), at + "value at " + k);
                    default -> {
                        // every int32 and int64 is a valid index; the range check is the conversion's
                    }
                }
            }
        } catch (RuntimeException e) {
            throw new AssertionError(at + "unexpected " + e, e);
        }
    }

    private static void assertMapped(FeatureException e, int count, String at) {
        assertTrue(e.reason() != null && e.field() != null && e.field().matches("f\\d+")
                && Integer.parseInt(e.field().substring(1)) < count, at + "refused naming " + e.field() + ": " + e);
    }

    private static Object value(Schema.Type type, SplittableRandom random) {
        return switch (type) {
            case INT -> new int[] {0, 1, -1, 2, Integer.MIN_VALUE, Integer.MAX_VALUE,
                random.nextInt()}[random.nextInt(7)];
            case LONG -> new long[] {0L, 1L, -1L, 2L, Long.MIN_VALUE, Long.MAX_VALUE, 1L << 31, -(1L << 31) - 1,
                random.nextLong()}[random.nextInt(9)];
            case BOOLEAN -> random.nextBoolean();
            default -> new double[] {0.0, 1.0, Double.NaN, Double.POSITIVE_INFINITY, 1e300, -2.5}[random.nextInt(6)];
        };
    }
}
