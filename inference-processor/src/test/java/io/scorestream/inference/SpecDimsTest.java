package io.scorestream.inference;

import static io.scorestream.inference.InputShapesTest.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.scorestream.inference.onnx.ElementType;
import io.scorestream.inference.onnx.Mlp;
import io.scorestream.inference.onnx.OnnxGraphBuilder.Dim;
import io.scorestream.inference.onnx.ShapedModels;
import io.scorestream.schemas.FeatureColumn;
import io.scorestream.schemas.ModelInput;
import io.scorestream.schemas.ModelSpec;
import io.scorestream.schemas.Transaction;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Dimensions a model leaves symbolic besides the batch: the spec's {@code ModelInput.dims} gives
 * them, checked against the model's fixed dimensions and the mapping's width at load.
 */
class SpecDimsTest {

    private static final OnnxModelLoader LOADER =
            new OnnxModelLoader(InferenceSettings.builder().device(Device.CPU).intraOpThreads(1).build());
    private static final Dim N = Dim.symbolic("N");

    private static ModelSpec spec(byte[] onnx, List<FeatureColumn> columns, List<Long> dims) {
        return TestSpecs.spec("1", onnx, List.of(ModelInput.newBuilder().setInputName(ShapedModels.INPUT)
                .setColumns(columns).setDims(dims).build()), TestSpecs.output(ShapedModels.OUTPUT)).build();
    }

    private static ModelLoadException refused(ModelSpec spec, byte[] onnx) {
        return assertThrows(ModelLoadException.class, () -> ScoringModel.create(spec, onnx, LOADER, true).close());
    }

    /** {@code row} as {@code [outer, inner]}, averaged over {@code outer}. */
    private static double[] meanOverOuter(double[] row, int outer, int inner) {
        final double[] mean = new double[inner];
        for (int o = 0; o < outer; o++) {
            for (int k = 0; k < inner; k++) {
                mean[k] += row[o * inner + k] / outer;
            }
        }
        return mean;
    }

    /** {@code row} as {@code [outer, inner]}, averaged over {@code inner}. */
    private static double[] meanOverInner(double[] row, int outer, int inner) {
        final double[] mean = new double[outer];
        for (int o = 0; o < outer; o++) {
            for (int k = 0; k < inner; k++) {
                mean[o] += row[o * inner + k] / inner;
            }
        }
        return mean;
    }

    @ParameterizedTest(name = "T = {0}")
    @ValueSource(ints = {1, 3})
    void aSequenceInputOfSymbolicLengthTakesTheLengthTheSpecGives(int steps) {
        // given: [N, T, 10] averaged over T, fed by the first T * 10 transaction features with dims [T, 10]
        final Mlp mlp = Mlp.random(20 + steps, 10, 8, 1);
        final byte[] onnx = ShapedModels.averaged(mlp, ElementType.FLOAT, new long[] {1}, N, Dim.symbolic("T"),
                Dim.of(10));
        final List<String> fields = TestSpecs.FEATURES.subList(0, steps * 10);
        final SplittableRandom random = new SplittableRandom(steps);
        final List<Transaction> records = new ArrayList<>();

        try (ScoringModel m = ScoringModel.create(spec(onnx, TestSpecs.columns(fields), List.of((long) steps, 10L)),
                onnx, LOADER, true); BatchScorer scorer = m.newScorer(12)) {
            assertArrayEquals(new long[] {steps, 10}, m.mapping().rowShape(0));
            m.warmUp(4);

            // when
            for (int i = 0; i < 12; i++) {
                records.add(TestSpecs.transaction(random, i));
                scorer.add(records.get(i));
            }
            final ScoredBatch batch = scorer.score();

            // then
            for (int i = 0; i < 12; i++) {
                final double[] row = TestSpecs.row(records.get(i));
                assertClose(mlp.predict(meanOverOuter(row, steps, 10))[0], batch.score(i), "row " + i);
            }
        }
    }

    @Test
    void aRank4InputWithSymbolicHeightAndWidthTakesThemFromTheSpec() {
        // given: [N, 2, H, W] averaged per channel, with dims [2, 3, 5] for the 30 transaction features
        final Mlp mlp = Mlp.random(24, 2, 4, 1);
        final byte[] onnx = ShapedModels.averaged(mlp, ElementType.FLOAT, new long[] {2, 3}, N, Dim.of(2),
                Dim.symbolic("H"), Dim.symbolic("W"));
        final SplittableRandom random = new SplittableRandom(24);
        final List<Transaction> records = new ArrayList<>();

        try (ScoringModel m = ScoringModel.create(spec(onnx, TestSpecs.columns(TestSpecs.FEATURES),
                List.of(2L, 3L, 5L)), onnx, LOADER, true); BatchScorer scorer = m.newScorer(9)) {
            m.validateFeatureSchema(Transaction.SCHEMA$);

            // when
            for (int i = 0; i < 9; i++) {
                records.add(TestSpecs.transaction(random, i));
                scorer.add(records.get(i));
            }
            final ScoredBatch batch = scorer.score();

            // then
            for (int i = 0; i < 9; i++) {
                final double[] row = TestSpecs.row(records.get(i));
                assertClose(mlp.predict(meanOverInner(row, 2, 15))[0], batch.score(i), "row " + i);
            }
        }
    }

    @Test
    void anInt64InputOfSymbolicLengthTakesTheLengthTheSpecGives() {
        // given: int64 [N, T, 3] averaged over T, fed by 11 longs and one more with dims [4, 3]
        final Mlp mlp = Mlp.random(25, 3, 4, 1);
        final byte[] onnx = ShapedModels.averaged(mlp, ElementType.INT64, new long[] {1}, N, Dim.symbolic("T"),
                Dim.of(3));
        final Schema schema = TypedRecords.schema(Schema.Type.LONG);
        final SplittableRandom random = new SplittableRandom(25);
        final List<GenericRecord> records = new ArrayList<>();

        try (ScoringModel m = ScoringModel.create(spec(onnx, TypedRecords.columns(11), List.of(4L, 3L)), onnx, LOADER,
                true); BatchScorer scorer = m.newScorer(10)) {
            // when
            for (int i = 0; i < 10; i++) {
                records.add(TypedRecords.random(schema, 11, random));
                scorer.add(records.get(i));
            }
            final ScoredBatch batch = scorer.score();

            // then
            for (int i = 0; i < 10; i++) {
                final double[] row = TypedRecords.row(records.get(i));
                assertClose(mlp.predict(meanOverOuter(row, 4, 3))[0], batch.score(i), "row " + i);
            }
        }
    }

    @Test
    void theOneSymbolicDimensionOfARank2InputIsStillTheMappingsWidthWithoutDims() {
        // given: [N, F] averaged over F, with no dims and with dims [30]
        final Mlp mlp = Mlp.random(26, 1, 4, 1);
        final byte[] onnx = ShapedModels.averaged(mlp, ElementType.FLOAT, new long[] {1}, N, Dim.symbolic("F"));
        final Transaction t = TestSpecs.transaction(new SplittableRandom(26), 0);
        final double expected = mlp.predict(meanOverInner(TestSpecs.row(t), 1, 30))[0];

        for (List<Long> dims : Arrays.asList(null, List.of(30L))) {
            try (ScoringModel m = ScoringModel.create(spec(onnx, TestSpecs.columns(TestSpecs.FEATURES), dims), onnx,
                    LOADER, true); BatchScorer scorer = m.newScorer(1)) {
                // when
                scorer.add(t);

                // then
                assertArrayEquals(new long[] {30}, m.mapping().rowShape(0));
                assertClose(expected, scorer.score().score(0), "dims " + dims);
            }
        }
    }

    @Test
    void dimsEqualToTheModelsFixedDimensionsAreAccepted() {
        final Mlp mlp = Mlp.random(27, 30, 4, 1);
        final byte[] onnx = ShapedModels.flattened(mlp, ElementType.FLOAT, -1, 3, 10);

        try (ScoringModel m = ScoringModel.create(spec(onnx, TestSpecs.columns(TestSpecs.FEATURES),
                List.of(3L, 10L)), onnx, LOADER, true)) {
            assertArrayEquals(new long[] {3, 10}, m.mapping().rowShape(0));
        }
    }

    static Stream<Arguments> refusals() {
        return Stream.of(
                Arguments.of(null, "input 'x' has shape [N,T,10], whose dimension 1 (T) is symbolic; the spec must"
                        + " give the input's 2 dimensions after the batch (ModelInput.dims)"),
                Arguments.of(List.of(30L), "the spec gives input 'x' dims [30] (1 dimension(s)) but its shape"
                        + " [N,T,10] has 2 after the batch dimension"),
                Arguments.of(List.of(3L, 11L), "the spec gives input 'x' dims [3, 11] but its shape [N,T,10] fixes"
                        + " dimension 2 to 10"),
                Arguments.of(List.of(0L, 10L), "the spec gives input 'x' dims [0, 10]; every dimension must be >= 1"),
                Arguments.of(List.of(2L, 10L), "input 'x' has shape [N,T,10] with dims [2, 10] from the spec = 20"
                        + " values per row; the mapping gives 30 (fields elapsed_seconds, v1..v28, amount)"));
    }

    @ParameterizedTest(name = "dims {0}")
    @MethodSource("refusals")
    void dimsThatAreMissingOrDisagreeAreRefusedAtLoadSayingWhy(List<Long> dims, String expected) {
        // given
        final byte[] onnx = ShapedModels.averaged(Mlp.random(28, 10, 4, 1), ElementType.FLOAT, new long[] {1}, N,
                Dim.symbolic("T"), Dim.of(10));

        // when
        final ModelLoadException e = refused(spec(onnx, TestSpecs.columns(TestSpecs.FEATURES), dims), onnx);

        // then
        assertEquals(ModelLoadException.Reason.INPUT_MAPPING, e.reason());
        assertEquals("Model 'fraud' version '1' refused (input_mapping): " + expected, e.getMessage());
    }
}
