package io.scorestream.inference.onnx;

import static io.scorestream.inference.onnx.OrtTestSupport.randomRows;
import static io.scorestream.inference.onnx.OrtTestSupport.scaledError;
import static io.scorestream.inference.onnx.OrtTestSupport.runFlat;
import static io.scorestream.inference.onnx.OrtTestSupport.session;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MlpTest {

    private static final Mlp MODEL = Mlp.random(1, 31, 64, 1);

    @ParameterizedTest(name = "batch {0}")
    @ValueSource(ints = {1, 7, 256, 4096})
    void onnxRuntimeMatchesTheDoubleReference(final int batch) throws OrtException {
        // given
        final double[][] rows = randomRows(1000 + batch, batch, 31);
        try (OrtSession s = session(MODEL.toOnnx())) {
            // when
            final float[] scores = runFlat(s, Mlp.INPUT, rows, Mlp.OUTPUT);
            // then
            assertEquals(batch, scores.length);
            double worst = 0;
            for (int r = 0; r < batch; r++) {
                worst = Math.max(worst, scaledError(scores[r], MODEL.predict(rows[r])[0]));
            }
            assertTrue(worst <= 1.0, "worst error, in units of (1e-5 relative + 1e-7): " + worst);
        }
    }

    @Test
    void sessionReportsSymbolicBatchDimension() throws OrtException {
        try (OrtSession s = session(MODEL.toOnnx())) {
            final TensorInfo in = (TensorInfo) s.getInputInfo().get(Mlp.INPUT).getInfo();
            final TensorInfo out = (TensorInfo) s.getOutputInfo().get(Mlp.OUTPUT).getInfo();
            assertArrayEquals(new long[] {-1, 31}, in.getShape());
            assertEquals(OnnxGraphBuilder.BATCH_DIM, in.getDimensionNames()[0]);
            assertArrayEquals(new long[] {-1, 1}, out.getShape());
        }
    }

    @Test
    void randomModelsGiveSpreadOutScores() {
        final double[][] rows = randomRows(7, 2000, 31);
        double min = 1;
        double max = 0;
        double sum = 0;
        double sumSq = 0;
        for (final double[] row : rows) {
            final double p = MODEL.predict(row)[0];
            min = Math.min(min, p);
            max = Math.max(max, p);
            sum += p;
            sumSq += p * p;
        }
        final double mean = sum / rows.length;
        final double std = Math.sqrt(sumSq / rows.length - mean * mean);
        assertTrue(std > 0.1, "std " + std);
        assertTrue(min < 0.2 && max > 0.8, "range " + min + ".." + max);
    }

    @Test
    void sameSeedGivesSameModel() {
        final Mlp a = Mlp.random(42, 5, 3, 1);
        final Mlp b = Mlp.random(42, 5, 3, 1);
        final Mlp c = Mlp.random(43, 5, 3, 1);
        final double[] row = {0.1, -0.2, 0.3, 1.5, -2.0};
        assertEquals(a.predict(row)[0], b.predict(row)[0]);
        assertTrue(a.predict(row)[0] != c.predict(row)[0]);
        assertArrayEquals(a.toOnnx(), b.toOnnx());
    }

    @Test
    void multiColumnOutputAppliesSigmoidPerColumn() throws OrtException {
        final Mlp mlp = Mlp.random(3, 10, 16, 8, 3);
        final double[][] rows = randomRows(11, 50, 10);
        try (OrtSession s = session(mlp.toOnnx())) {
            final float[] out = runFlat(s, Mlp.INPUT, rows, Mlp.OUTPUT);
            assertEquals(50 * 3, out.length);
            for (int r = 0; r < rows.length; r++) {
                final double[] expected = mlp.predict(rows[r]);
                for (int k = 0; k < 3; k++) {
                    assertTrue(scaledError(out[r * 3 + k], expected[k]) <= 1.0);
                }
            }
        }
    }

    @Test
    void fixedBatchModelReportsItsFixedShapeAndRejectsOtherBatchSizes() throws OrtException {
        final Mlp mlp = Mlp.random(5, 2, 4, 1);
        try (OrtSession s = session(mlp.toOnnx("X", "probability", 3))) {
            final NodeInfo input = s.getInputInfo().get("X");
            assertArrayEquals(new long[] {3, 2}, ((TensorInfo) input.getInfo()).getShape());
            assertArrayEquals(new long[] {3, 1},
                    ((TensorInfo) s.getOutputInfo().get("probability").getInfo()).getShape());

            final double[][] three = randomRows(1, 3, 2);
            final float[] out = runFlat(s, "X", three, "probability");
            for (int r = 0; r < 3; r++) {
                assertTrue(scaledError(out[r], mlp.predict(three[r])[0]) <= 1.0);
            }
            assertThrows(OrtException.class, () -> runFlat(s, "X", randomRows(2, 4, 2), "probability"));
        }
    }

    @Test
    void twoInputModelConcatenatesItsInputsInOrder() throws OrtException {
        final Mlp mlp = Mlp.random(9, 12, 16, 1);
        final double[][] rows = randomRows(5, 64, 12);
        final double[][] dense = new double[rows.length][];
        final double[][] embedding = new double[rows.length][];
        for (int r = 0; r < rows.length; r++) {
            dense[r] = Arrays.copyOfRange(rows[r], 0, 4);
            embedding[r] = Arrays.copyOfRange(rows[r], 4, 12);
        }
        try (OrtSession s = session(OnnxModels.twoInputMlp(mlp, 4))) {
            assertEquals(List.of(OnnxModels.DENSE, OnnxModels.EMBEDDING), List.copyOf(s.getInputNames()));
            final Map<String, double[][]> inputs = new LinkedHashMap<>();
            inputs.put(OnnxModels.DENSE, dense);
            inputs.put(OnnxModels.EMBEDDING, embedding);
            final float[] out = runFlat(s, inputs, Mlp.OUTPUT);
            for (int r = 0; r < rows.length; r++) {
                assertTrue(scaledError(out[r], mlp.predict(rows[r])[0]) <= 1.0);
            }
        }
    }

    @Test
    void rejectsLayersThatDoNotChain() {
        final float[][] w0 = new float[3][4];
        final float[][] w1 = new float[5][1];
        assertThrows(IllegalArgumentException.class,
                () -> new Mlp(List.of(w0, w1), List.of(new float[4], new float[1])));
        assertThrows(IllegalArgumentException.class,
                () -> new Mlp(List.<float[][]>of(w0), List.<float[]>of(new float[3])));
    }
}
