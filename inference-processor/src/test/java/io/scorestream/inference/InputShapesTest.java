package io.scorestream.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.scorestream.inference.onnx.ElementType;
import io.scorestream.inference.onnx.Mlp;
import io.scorestream.inference.onnx.ShapedModels;
import io.scorestream.schemas.FeatureColumn;
import io.scorestream.schemas.ModelSpec;
import io.scorestream.schemas.Transaction;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Inputs of rank other than 2: the mapping fills {@code [N, d1, ..., dk]} row-major from the
 * record's fields, and the model's scores match a double-precision reference.
 */
class InputShapesTest {

    private static final OnnxModelLoader LOADER =
            new OnnxModelLoader(InferenceSettings.builder().device(Device.CPU).intraOpThreads(1).build());

    /** 1e-5 relative with an absolute floor of 1e-7, as in {@link BatchScorerTest}. */
    static void assertClose(double expected, double actual, String what) {
        assertEquals(expected, actual, 1e-5 * Math.abs(expected) + 1e-7, what);
    }

    static ModelSpec spec(byte[] onnx, List<FeatureColumn> columns) {
        return TestSpecs.spec("1", onnx, List.of(TestSpecs.input(ShapedModels.INPUT, columns)),
                TestSpecs.output(ShapedModels.OUTPUT)).build();
    }

    @ParameterizedTest(name = "[N,{0},{1}]")
    @ValueSource(strings = {"1,30", "3,10", "30,1"})
    void fillsARank3InputRowMajorFromThirtyScalarFields(String dims) {
        // given: the 30 transaction features feeding a model of input [N, a, b] with a*b = 30
        final String[] ab = dims.split(",");
        final Mlp mlp = Mlp.random(3, 30, 16, 1);
        final byte[] onnx = ShapedModels.flattened(mlp, ElementType.FLOAT, -1, Long.parseLong(ab[0]),
                Long.parseLong(ab[1]));
        final SplittableRandom random = new SplittableRandom(31);
        final List<Transaction> records = new ArrayList<>();

        try (ScoringModel m = ScoringModel.create(spec(onnx, TestSpecs.columns(TestSpecs.FEATURES)), onnx, LOADER,
                true); BatchScorer scorer = m.newScorer(20)) {
            m.validateFeatureSchema(Transaction.SCHEMA$);
            assertArrayEquals(new long[] {Long.parseLong(ab[0]), Long.parseLong(ab[1])}, m.mapping().rowShape(0));
            assertEquals(30, m.mapping().width(0));

            // when
            for (int i = 0; i < 20; i++) {
                records.add(TestSpecs.transaction(random, i));
                scorer.add(records.get(i));
            }
            final ScoredBatch batch = scorer.score();

            // then
            for (int i = 0; i < 20; i++) {
                assertClose(mlp.predict(TestSpecs.row(records.get(i)))[0], batch.score(i), "row " + i);
            }
        }
    }

    @Test
    void fillsARank4ImageInputFromAnArrayFieldAndScalarsInMappedOrder() {
        // given: [N, C, H, W] = [N, 2, 3, 4], filled by a 22-float array then two scalars
        final Schema schema = SchemaBuilder.record("Image").fields()
                .name("pixels").type().array().items().floatType().noDefault()
                .requiredDouble("brightness").requiredInt("exposure").endRecord();
        final Mlp mlp = Mlp.random(4, 24, 8, 1);
        final byte[] onnx = ShapedModels.flattened(mlp, ElementType.FLOAT, -1, 2, 3, 4);
        final List<FeatureColumn> columns = List.of(
                FeatureColumn.newBuilder().setField("pixels").setWidth(22).build(),
                FeatureColumn.newBuilder().setField("brightness").build(),
                FeatureColumn.newBuilder().setField("exposure").build());
        final SplittableRandom random = new SplittableRandom(4);
        final List<double[]> rows = new ArrayList<>();

        try (ScoringModel m = ScoringModel.create(spec(onnx, columns), onnx, LOADER, true);
             BatchScorer scorer = m.newScorer(16)) {
            for (int i = 0; i < 16; i++) {
                final double[] row = new double[24];
                final List<Float> pixels = new ArrayList<>();
                for (int k = 0; k < 22; k++) {
                    final float p = (float) random.nextDouble(-1, 1);
                    pixels.add(p);
                    row[k] = p;
                }
                final GenericRecord r = new GenericData.Record(schema);
                r.put("pixels", pixels);
                r.put("brightness", random.nextDouble(-1, 1));
                r.put("exposure", random.nextInt(-2, 3));
                row[22] = (float) (double) (Double) r.get("brightness");
                row[23] = (Integer) r.get("exposure");
                rows.add(row);

                // when
                scorer.add(r);
            }
            final ScoredBatch batch = scorer.score();

            // then
            for (int i = 0; i < 16; i++) {
                assertClose(mlp.predict(rows.get(i))[0], batch.score(i), "row " + i);
            }
        }
    }

    @Test
    void fillsARank1InputWithOneValuePerRow() {
        // given: input [N], one scalar field
        final Mlp mlp = Mlp.random(5, 1, 4, 1);
        final byte[] onnx = ShapedModels.flattened(mlp, ElementType.FLOAT, -1);
        final Transaction t = TestSpecs.transaction(new SplittableRandom(5), 0);

        try (ScoringModel m = ScoringModel.create(spec(onnx, TestSpecs.columns(List.of("amount"))), onnx, LOADER,
                true); BatchScorer scorer = m.newScorer(2)) {
            assertArrayEquals(new long[0], m.mapping().rowShape(0));

            // when
            scorer.add(t);

            // then
            assertClose(mlp.predict(new double[] {(float) t.getAmount()})[0], scorer.score().score(0), "[N]");
        }
    }

    @Test
    void aRank3InputWithAFixedBatchDimensionIsScoredInPaddedChunks() {
        // given: input [4, 3, 10]
        final Mlp mlp = Mlp.random(6, 30, 8, 1);
        final byte[] onnx = ShapedModels.flattened(mlp, ElementType.FLOAT, 4, 3, 10);
        final SplittableRandom random = new SplittableRandom(6);
        final List<Transaction> records = new ArrayList<>();

        try (ScoringModel m = ScoringModel.create(TestSpecs.spec("1", onnx, List.of(TestSpecs.input(
                ShapedModels.INPUT, TestSpecs.columns(TestSpecs.FEATURES))), TestSpecs.output(ShapedModels.OUTPUT))
                .build(), onnx, LOADER, true); BatchScorer scorer = m.newScorer(9)) {
            assertEquals(4, m.mapping().fixedBatch());
            assertEquals(12, scorer.capacity());

            // when
            for (int i = 0; i < 9; i++) {
                records.add(TestSpecs.transaction(random, i));
                scorer.add(records.get(i));
            }
            final ScoredBatch batch = scorer.score();

            // then
            assertEquals(9, batch.size());
            for (int i = 0; i < 9; i++) {
                assertClose(mlp.predict(TestSpecs.row(records.get(i)))[0], batch.score(i), "row " + i);
            }
        }
    }

    @Test
    void refusesAMappingOfTheWrongWidthNamingTheInputItsShapeAndTheFields() {
        // given: a PyTorch-style [N, 1, 784] input and the 30 transaction features
        final byte[] onnx = ShapedModels.flattened(Mlp.random(7, 784, 4, 1), ElementType.FLOAT, -1, 1, 784);

        // when
        final ModelLoadException e = assertThrows(ModelLoadException.class,
                () -> ScoringModel.create(spec(onnx, TestSpecs.columns(TestSpecs.FEATURES)), onnx, LOADER, true)
                        .close());

        // then
        assertEquals(ModelLoadException.Reason.INPUT_MAPPING, e.reason());
        assertEquals("Model 'fraud' version '1' refused (input_mapping): input 'x' has shape [N,1,784] = 784 values"
                + " per row; the mapping gives 30 (fields elapsed_seconds, v1..v28, amount)", e.getMessage());
    }
}
