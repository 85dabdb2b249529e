package io.scorestream.inference.onnx;

import static io.scorestream.inference.onnx.OrtTestSupport.randomRows;
import static io.scorestream.inference.onnx.OrtTestSupport.scaledError;
import static io.scorestream.inference.onnx.OrtTestSupport.runFlat;
import static io.scorestream.inference.onnx.OrtTestSupport.session;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import org.junit.jupiter.api.Test;

class OnnxModelsTest {

    @Test
    void squeezedScoreIsOneDimensionalAndMatchesTheMlp() throws OrtException {
        // given
        final Mlp mlp = Mlp.random(2, 8, 16, 1);
        final double[][] rows = randomRows(8, 33, 8);
        try (OrtSession s = session(OnnxModels.squeezedScore(mlp))) {
            assertArrayEquals(new long[] {-1}, ((TensorInfo) s.getOutputInfo().get(Mlp.OUTPUT).getInfo()).getShape());
            // when
            final float[] out = runFlat(s, Mlp.INPUT, rows, Mlp.OUTPUT);
            // then
            assertEquals(rows.length, out.length);
            for (int r = 0; r < rows.length; r++) {
                assertTrue(scaledError(out[r], mlp.predict(rows[r])[0]) <= 1.0);
            }
        }
        assertThrows(IllegalArgumentException.class, () -> OnnxModels.squeezedScore(Mlp.random(2, 8, 2)));
    }

    @Test
    void softmaxClassifierGivesRowsOfClassProbabilities() throws OrtException {
        // given
        final SoftmaxRegression model = OnnxModels.softmaxClassifier(6, 10, 4);
        final double[][] rows = randomRows(9, 200, 10);
        try (OrtSession s = session(model.toOnnx())) {
            assertArrayEquals(new long[] {-1, 4},
                    ((TensorInfo) s.getOutputInfo().get(SoftmaxRegression.OUTPUT).getInfo()).getShape());
            // when
            final float[] out = runFlat(s, Mlp.INPUT, rows, SoftmaxRegression.OUTPUT);
            // then
            double maxProbability = 0;
            for (int r = 0; r < rows.length; r++) {
                final double[] expected = model.predict(rows[r]);
                double sum = 0;
                for (int k = 0; k < 4; k++) {
                    assertEquals(expected[k], out[r * 4 + k], 1e-6);
                    sum += out[r * 4 + k];
                    maxProbability = Math.max(maxProbability, expected[k]);
                }
                assertEquals(1.0, sum, 1e-5);
            }
            assertTrue(maxProbability > 0.8, "probabilities are not all near uniform");
        }
    }

    @Test
    void fixedBatchHelperWritesTheBatchIntoTheShape() throws OrtException {
        try (OrtSession s = session(OnnxModels.fixedBatch(Mlp.random(1, 4, 1), 5))) {
            assertArrayEquals(new long[] {5, 4}, ((TensorInfo) s.getInputInfo().get(Mlp.INPUT).getInfo()).getShape());
        }
    }
}
