package io.scorestream.inference;

import static io.scorestream.inference.InputShapesTest.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scorestream.inference.onnx.ElementType;
import io.scorestream.inference.onnx.Mlp;
import io.scorestream.inference.onnx.OnnxAttribute;
import io.scorestream.inference.onnx.OnnxGraphBuilder;
import io.scorestream.inference.onnx.ShapedModels;
import io.scorestream.schemas.FeatureColumn;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Inputs of element types other than float: double, int32, int64 and bool, of rank 2, 3 and 4,
 * each filled from Avro fields of the matching kind and scored against a double-precision reference.
 */
class ElementTypesTest {

    private static final OnnxModelLoader LOADER =
            new OnnxModelLoader(InferenceSettings.builder().device(Device.CPU).intraOpThreads(1).build());

    /** The element types, each with the Avro type that feeds it. */
    static Stream<Arguments> typesAndShapes() {
        final List<Arguments> cases = new ArrayList<>();
        final Object[][] types = {
            {ElementType.DOUBLE, Schema.Type.DOUBLE},
            {ElementType.INT32, Schema.Type.INT},
            {ElementType.INT64, Schema.Type.LONG},
            {ElementType.BOOL, Schema.Type.BOOLEAN},
        };
        final long[][] shapes = {{-1, 12}, {-1, 3, 4}, {-1, 2, 2, 3}};
        for (Object[] t : types) {
            for (long[] shape : shapes) {
                cases.add(Arguments.of(t[0], t[1], shape));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} from {1}, shape {2}")
    @MethodSource("typesAndShapes")
    void aTypedInputOfRank2To4IsFilledRowMajorAndScoredLikeTheReference(ElementType type, Schema.Type avroType,
                                                                        long[] shape) {
        // given: input [N, ...12 values] of the type, cast to float in the graph, then an MLP
        final Mlp mlp = Mlp.random(type.ordinal(), 12, 8, 1);
        final byte[] onnx = ShapedModels.flattened(mlp, type, shape);
        final Schema schema = TypedRecords.schema(avroType);
        final SplittableRandom random = new SplittableRandom(shape.length);
        final List<GenericRecord> records = new ArrayList<>();

        try (ScoringModel m = ScoringModel.create(InputShapesTest.spec(onnx, TypedRecords.columns(11)), onnx, LOADER,
                true); BatchScorer scorer = m.newScorer(32)) {
            m.validateFeatureSchema(schema);
            assertEquals(type, m.mapping().elementType(0));

            // when
            for (int i = 0; i < 32; i++) {
                records.add(TypedRecords.random(schema, 11, random));
                scorer.add(records.get(i));
            }
            final ScoredBatch batch = scorer.score();

            // then
            for (int i = 0; i < 32; i++) {
                assertClose(mlp.predict(TypedRecords.floatRow(records.get(i)))[0], batch.score(i),
                        "row " + i + " " + Arrays.toString(TypedRecords.row(records.get(i))));
            }
        }
    }

    @Test
    void aDoubleInputKeepsDoublePrecisionThroughToTheScore() {
        // given: a double linear model whose inputs differ below float's precision
        final double[] weights = {1.0, -1.0, 0.5, 2.0};
        final byte[] onnx = ShapedModels.doubleLinear(weights, 0.125, 2, 2);
        final Schema schema = TypedRecords.schema(Schema.Type.DOUBLE);
        final GenericRecord r = new GenericData.Record(schema);
        r.put(TypedRecords.VALUES, List.of(1e9 + 0.25, 1e9, 3.0e-9));
        r.put(TypedRecords.LAST, 1.0 / 3);

        try (ScoringModel m = ScoringModel.create(InputShapesTest.spec(onnx, TypedRecords.columns(3)), onnx, LOADER,
                true); BatchScorer scorer = m.newScorer(1)) {
            // when
            scorer.add(r);
            final double score = scorer.score().score(0);

            // then: 0.125 + (1e9 + 0.25) - 1e9 + 1.5e-9 + 2/3, to double precision (float would give ~0.79)
            assertEquals(0.125 + 0.25 + 1.5e-9 + 2.0 / 3, score, 1e-12);
        }
    }

    @ParameterizedTest(name = "{0} indices")
    @MethodSource("indexTypes")
    void integerIndicesLookUpEmbeddingRowsThroughGather(ElementType indexType, Schema.Type avroType) {
        // given: a vocabulary of 6 rows of 3, four tokens per record (three in an array, one scalar)
        final float[][] table = new float[6][3];
        final SplittableRandom random = new SplittableRandom(66);
        for (float[] row : table) {
            for (int k = 0; k < row.length; k++) {
                row[k] = (float) random.nextDouble(-1, 1);
            }
        }
        final Mlp mlp = Mlp.random(6, 12, 8, 1);
        final byte[] onnx = ShapedModels.embedding(mlp, table, indexType, 4);
        final Schema schema = TypedRecords.schema(avroType);
        final List<GenericRecord> records = new ArrayList<>();

        try (ScoringModel m = ScoringModel.create(InputShapesTest.spec(onnx, TypedRecords.columns(3)), onnx, LOADER,
                true); BatchScorer scorer = m.newScorer(24)) {
            // when
            for (int i = 0; i < 24; i++) {
                final GenericRecord r = new GenericData.Record(schema);
                final List<Object> tokens = new ArrayList<>();
                for (int t = 0; t < 3; t++) {
                    tokens.add(index(avroType, random.nextInt(6)));
                }
                r.put(TypedRecords.VALUES, tokens);
                r.put(TypedRecords.LAST, index(avroType, (i * 5) % 6));
                records.add(TypedRecords.roundTrip(r));
                scorer.add(records.get(i));
            }
            final ScoredBatch batch = scorer.score();

            // then
            for (int i = 0; i < 24; i++) {
                final double[] tokens = TypedRecords.row(records.get(i));
                final double[] row = new double[12];
                for (int t = 0; t < 4; t++) {
                    for (int k = 0; k < 3; k++) {
                        row[t * 3 + k] = table[(int) tokens[t]][k];
                    }
                }
                assertClose(mlp.predict(row)[0], batch.score(i), "row " + i + " " + Arrays.toString(tokens));
            }
        }
    }

    static Stream<Arguments> indexTypes() {
        return Stream.of(Arguments.of(ElementType.INT64, Schema.Type.LONG),
                Arguments.of(ElementType.INT32, Schema.Type.INT),
                Arguments.of(ElementType.INT64, Schema.Type.INT));
    }

    private static Object index(Schema.Type avroType, int i) {
        return avroType == Schema.Type.LONG ? Long.valueOf(i) : Integer.valueOf(i);
    }

    @Test
    void boolFlagsFromBooleanAndZeroOrOneIntFieldsChooseValuesThroughWhere() {
        // given: flags from a boolean, a nullable boolean with a default, and an int holding 0 or 1
        final float[] whenTrue = {1.5f, -0.5f, 2f};
        final float[] whenFalse = {-1f, 0.25f, 0f};
        final Mlp mlp = Mlp.random(9, 3, 4, 1);
        final byte[] onnx = ShapedModels.gated(mlp, whenTrue, whenFalse);
        final Schema schema = SchemaBuilder.record("Flags").fields()
                .requiredBoolean("card_present").optionalBoolean("online").requiredInt("night").endRecord();
        final List<FeatureColumn> columns = List.of(
                FeatureColumn.newBuilder().setField("card_present").build(),
                FeatureColumn.newBuilder().setField("online").setDefaultValue(1.0).build(),
                FeatureColumn.newBuilder().setField("night").build());
        final boolean[][] flags = {
            {true, false, false}, {false, true, true}, {true, true, true}, {false, false, false},
        };
        final Boolean[] online = {false, null, true, false};

        try (ScoringModel m = ScoringModel.create(InputShapesTest.spec(onnx, columns), onnx, LOADER, true);
             BatchScorer scorer = m.newScorer(4)) {
            // when
            for (int i = 0; i < flags.length; i++) {
                final GenericRecord r = new GenericData.Record(schema);
                r.put("card_present", flags[i][0]);
                r.put("online", online[i]);
                r.put("night", flags[i][2] ? 1 : 0);
                scorer.add(r);
            }
            final ScoredBatch batch = scorer.score();

            // then: row 1's null 'online' took the default, true
            for (int i = 0; i < flags.length; i++) {
                final double[] row = new double[3];
                for (int j = 0; j < 3; j++) {
                    row[j] = flags[i][j] ? whenTrue[j] : whenFalse[j];
                }
                assertClose(mlp.predict(row)[0], batch.score(i), "row " + i);
            }
        }
    }

    @Test
    void valuesTheElementTypeCannotHoldAreRefusedPerRecordNamingTheField() {
        // given
        final Mlp mlp = Mlp.random(1, 2, 4, 1);
        final Schema schema = SchemaBuilder.record("Ids").fields()
                .requiredLong("merchant").requiredInt("flag").requiredDouble("amount").endRecord();
        final byte[] int32 = ShapedModels.flattened(mlp, ElementType.INT32, -1, 2);
        final byte[] bool = ShapedModels.flattened(mlp, ElementType.BOOL, -1, 2);
        final byte[] dbl = ShapedModels.flattened(mlp, ElementType.DOUBLE, -1, 2);
        final GenericRecord r = new GenericData.Record(schema);
        r.put("merchant", 3_000_000_000L);
        r.put("flag", 2);
        r.put("amount", Double.NaN);

        // when / then: a long beyond int32
        FeatureException e = refusedRecord(int32, List.of("merchant", "flag"), r);
        assertEquals(FeatureException.Reason.OUT_OF_RANGE, e.reason());
        assertEquals("merchant", e.field());
        assertEquals("field 'merchant' is 3000000000, outside int32's range; input 'x' is INT32", e.getMessage());
        assertEquals("out_of_range", e.reason().tag());
        // a number other than 0 or 1 for bool
        e = refusedRecord(bool, List.of("flag", "flag"), r);
        assertEquals(FeatureException.Reason.OUT_OF_RANGE, e.reason());
        assertEquals("field 'flag' is 2, neither 0 nor 1; input 'x' is BOOL", e.getMessage());
        // NaN for double
        e = refusedRecord(dbl, List.of("flag", "amount"), r);
        assertEquals(FeatureException.Reason.NON_FINITE, e.reason());
        assertEquals("amount", e.field());
    }

    private static FeatureException refusedRecord(byte[] onnx, List<String> fields, GenericRecord r) {
        try (ScoringModel m = ScoringModel.create(InputShapesTest.spec(onnx, TestSpecs.columns(fields)), onnx, LOADER,
                true); BatchScorer scorer = m.newScorer(2)) {
            final FeatureException e = assertThrows(FeatureException.class, () -> scorer.add(r));
            assertEquals(0, scorer.size());
            return e;
        }
    }

    @Test
    void aFloatingPointFieldFeedingAnIntegerInputIsRefusedWhenCompiling() {
        // given
        final byte[] onnx = ShapedModels.flattened(Mlp.random(1, 2, 4, 1), ElementType.INT64, -1, 2);
        final Schema schema = SchemaBuilder.record("Tx").fields()
                .requiredLong("merchant").optionalDouble("amount").endRecord();

        try (ScoringModel m = ScoringModel.create(InputShapesTest.spec(onnx,
                TestSpecs.columns(List.of("merchant", "amount"))), onnx, LOADER, true)) {
            // when
            final ModelLoadException e = assertThrows(ModelLoadException.class, () -> m.validateFeatureSchema(schema));

            // then
            assertEquals(ModelLoadException.Reason.INPUT_MAPPING, e.reason());
            assertTrue(e.getMessage().contains("mapped field 'amount' has type [\"null\",\"double\"]; only int, long"
                    + " and boolean fields and arrays of them can feed int64 input 'x'"), e.getMessage());
        }
    }

    @ParameterizedTest(name = "{0} default {1}")
    @MethodSource("defaultsThatDoNotFit")
    void aDefaultTheElementTypeCannotHoldIsRefusedAtLoad(ElementType type, double value, String expected) {
        // given
        final byte[] onnx = ShapedModels.flattened(Mlp.random(1, 1, 4, 1), type, -1, 1);
        final List<FeatureColumn> columns = List.of(
                FeatureColumn.newBuilder().setField("x").setDefaultValue(value).build());

        // when
        final ModelLoadException e = assertThrows(ModelLoadException.class,
                () -> ScoringModel.create(InputShapesTest.spec(onnx, columns), onnx, LOADER, true).close());

        // then
        assertEquals(ModelLoadException.Reason.INPUT_MAPPING, e.reason());
        assertTrue(e.getMessage().endsWith("field 'x' has default " + value + ", which is not " + expected),
                e.getMessage());
    }

    static Stream<Arguments> defaultsThatDoNotFit() {
        return Stream.of(
                Arguments.of(ElementType.INT64, 2.5, "an int64 (an integer from -2^63 to 2^63-1)"),
                Arguments.of(ElementType.INT64, 0x1p63, "an int64 (an integer from -2^63 to 2^63-1)"),
                Arguments.of(ElementType.INT32, 3e9, "an int32 (an integer from -2147483648 to 2147483647)"),
                Arguments.of(ElementType.BOOL, 2.0, "0 or 1 (the input is bool)"),
                Arguments.of(ElementType.DOUBLE, Double.POSITIVE_INFINITY, "a finite number"));
    }

    @Test
    void anInputOfAnElementTypeScorestreamDoesNotFeedIsRefusedListingTheOnesItDoes() {
        // given: a uint8 image input
        final byte[] onnx = new OnnxGraphBuilder("uint8")
                .input("x", ElementType.UINT8, -1, 2)
                .output("score", ElementType.FLOAT, -1, 2)
                .node("Cast", List.of("x"), List.of("score"),
                        OnnxAttribute.intAttr("to", ElementType.FLOAT.code()))
                .build();

        // when
        final ModelLoadException e = assertThrows(ModelLoadException.class, () -> ScoringModel.create(
                TestSpecs.spec("1", onnx, List.of(TestSpecs.input("x", TestSpecs.columns(List.of("a", "b")))),
                        TestSpecs.output("score")).build(), onnx, LOADER, true).close());

        // then
        assertEquals(ModelLoadException.Reason.INPUT_MAPPING, e.reason());
        assertTrue(e.getMessage().endsWith("model input 'x' is x: UINT8[N,2]; scorestream feeds tensors"
                + " [batch, d1, ..., dk] of float, double, int32, int64, bool or string"), e.getMessage());
    }

    static Stream<Arguments> stringEncoders() {
        return Stream.of(Arguments.of("LabelEncoder", new long[] {-1, 4}),
                Arguments.of("LabelEncoder", new long[] {-1, 2, 2}),
                Arguments.of("CategoryMapper", new long[] {-1, 4}),
                Arguments.of("CategoryMapper", new long[] {-1, 1, 2, 2}),
                Arguments.of("LabelEncoder", new long[] {3, 2, 2}));
    }

    @ParameterizedTest(name = "{0}, shape {1}")
    @MethodSource("stringEncoders")
    void aStringInputFromStringEnumAndArrayFieldsIsEncodedAndScoredInBatchesOfAnySize(String op, long[] shape) {
        // given: a city (string), a channel (enum) and two tags (array<string>), as Avro decodes them
        final List<String> categories = List.of("paris", "berlin", "WEB", "POS", "ATM", "gold", "silver");
        final Mlp mlp = Mlp.random(12, 4, 8, 1);
        final byte[] onnx = ShapedModels.categorical(mlp, categories, op, shape);
        final Schema schema = SchemaBuilder.record("Payment").fields()
                .requiredString("city")
                .name("channel").type().enumeration("Channel").symbols("WEB", "POS", "ATM").noDefault()
                .name("tags").type().array().items().stringType().noDefault()
                .endRecord();
        final List<FeatureColumn> columns = List.of(
                FeatureColumn.newBuilder().setField("city").build(),
                FeatureColumn.newBuilder().setField("channel").build(),
                FeatureColumn.newBuilder().setField("tags").setWidth(2).build());
        final String[] cities = {"paris", "berlin", "oslo"};
        final String[] channels = {"WEB", "POS", "ATM"};
        final String[] tags = {"gold", "silver", "bronze", ""};
        final SplittableRandom random = new SplittableRandom(shape.length);

        try (ScoringModel m = ScoringModel.create(InputShapesTest.spec(onnx, columns), onnx, LOADER, true);
             BatchScorer scorer = m.newScorer(8)) {
            m.validateFeatureSchema(schema);
            m.warmUp(3);
            assertEquals(ElementType.STRING, m.mapping().elementType(0));
            for (int size : new int[] {8, 3, 3, 5}) {
                // when: a full batch (the whole array), then shorter ones (a reused copy of its start);
                // with a fixed batch of 3, chunks of the array from row 0, 3 and 6, the last one padded
                final List<String[]> rows = new ArrayList<>();
                for (int i = 0; i < size; i++) {
                    final String[] row = {cities[random.nextInt(3)], channels[random.nextInt(3)],
                        tags[random.nextInt(4)], tags[random.nextInt(4)]};
                    final GenericRecord r = new GenericData.Record(schema);
                    r.put("city", row[0]);
                    r.put("channel", new GenericData.EnumSymbol(schema.getField("channel").schema(), row[1]));
                    r.put("tags", List.of(row[2], row[3]));
                    rows.add(row);
                    scorer.add(TypedRecords.roundTrip(r));
                }
                final ScoredBatch batch = scorer.score();

                // then
                for (int i = 0; i < size; i++) {
                    final double[] codes = new double[4];
                    for (int k = 0; k < 4; k++) {
                        codes[k] = categories.indexOf(rows.get(i)[k]);
                    }
                    assertClose(mlp.predict(codes)[0], batch.score(i), "batch of " + size + ", row " + i + " "
                            + Arrays.toString(rows.get(i)));
                }
                scorer.clear();
            }
        }
    }

    @Test
    void aNullStringIsRefusedNamingTheFieldAndTheRestOfTheBatchScores() {
        // given
        final Mlp mlp = Mlp.random(13, 1, 4, 1);
        final byte[] onnx = ShapedModels.categorical(mlp, List.of("a", "b"), "LabelEncoder", -1, 1);
        final Schema schema = SchemaBuilder.record("R").fields().optionalString("code").endRecord();
        final GenericRecord missing = new GenericData.Record(schema);
        final GenericRecord present = new GenericData.Record(schema);
        present.put("code", "b");

        try (ScoringModel m = ScoringModel.create(InputShapesTest.spec(onnx,
                TestSpecs.columns(List.of("code"))), onnx, LOADER, true); BatchScorer scorer = m.newScorer(2)) {
            // when
            final FeatureException e = assertThrows(FeatureException.class, () -> scorer.add(missing));
            scorer.add(present);

            // then
            assertEquals(FeatureException.Reason.MISSING_VALUE, e.reason());
            assertEquals("field 'code' is null and string input 'x' takes no default", e.getMessage());
            assertEquals(1, scorer.size());
            assertClose(mlp.predict(new double[] {1})[0], scorer.score().score(0), "the present code");
        }
    }

    @Test
    void aStringInputRefusesNumericFieldsAndDefaults() {
        // given
        final byte[] onnx = ShapedModels.categorical(Mlp.random(14, 2, 4, 1), List.of("a"), "LabelEncoder", -1, 2);
        final Schema schema = SchemaBuilder.record("R").fields()
                .requiredString("code").requiredDouble("amount").endRecord();

        // when: a numeric default
        final ModelLoadException load = assertThrows(ModelLoadException.class, () -> ScoringModel.create(
                InputShapesTest.spec(onnx, List.of(FeatureColumn.newBuilder().setField("code").build(),
                        FeatureColumn.newBuilder().setField("other").setDefaultValue(0.0).build())), onnx, LOADER,
                true).close());

        // then
        assertTrue(load.getMessage().endsWith("field 'other' has default 0.0, which is not usable: the input is"
                + " string and defaults are numbers"), load.getMessage());

        // when: a number field
        try (ScoringModel m = ScoringModel.create(InputShapesTest.spec(onnx,
                TestSpecs.columns(List.of("code", "amount"))), onnx, LOADER, true)) {
            final ModelLoadException e = assertThrows(ModelLoadException.class, () -> m.validateFeatureSchema(schema));

            // then
            assertTrue(e.getMessage().contains("mapped field 'amount' has type \"double\"; only string and enum"
                    + " fields and arrays of them can feed string input 'x'"), e.getMessage());
        }
    }
}
