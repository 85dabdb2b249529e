package io.scorestream.inference.onnx;

import static io.scorestream.inference.onnx.OrtTestSupport.randomRows;
import static io.scorestream.inference.onnx.OrtTestSupport.scaledError;
import static io.scorestream.inference.onnx.OrtTestSupport.runFlat;
import static io.scorestream.inference.onnx.OrtTestSupport.session;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import org.junit.jupiter.api.Test;

class LogisticRegressionTest {

    @Test
    void onnxRuntimeMatchesTheReference() throws OrtException {
        // given
        final LogisticRegression lr = new LogisticRegression(
                new float[] {0.5f, -1.25f, 2.0f, 0.0f, -0.75f, 0.3f}, -0.4f);
        final double[][] rows = randomRows(21, 500, 6);
        try (OrtSession s = session(lr.toOnnx())) {
            // when
            final float[] scores = runFlat(s, Mlp.INPUT, rows, Mlp.OUTPUT);
            // then
            assertArrayEquals(new long[] {-1, 1}, ((TensorInfo) s.getOutputInfo().get(Mlp.OUTPUT).getInfo()).getShape());
            for (int r = 0; r < rows.length; r++) {
                assertTrue(scaledError(scores[r], lr.predict(rows[r])) <= 1.0);
            }
        }
    }

    @Test
    void referenceIsTheSigmoidOfTheLinearScore() {
        final LogisticRegression lr = new LogisticRegression(new float[] {1f, 2f}, 0.5f);
        assertEquals(1.0 / (1.0 + Math.exp(-(0.5 + 1 * 0.25 + 2 * -1.0))), lr.predict(new double[] {0.25, -1.0}),
                1e-15);
        assertEquals(lr.predict(new double[] {0.25, -1.0}), lr.toMlp().predict(new double[] {0.25, -1.0})[0],
                1e-15);
    }
}
