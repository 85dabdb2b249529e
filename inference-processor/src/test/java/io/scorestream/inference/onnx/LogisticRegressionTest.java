package io.scorestream.inference.onnx;

import static io.scorestream.inference.onnx.OrtTestSupport.randomRows;
import static io.scorestream.inference.onnx.OrtTestSupport.scaledError;
import static io.scorestream.inference.onnx.OrtTestSupport.runFlat;
import static io.scorestream.inference.onnx.OrtTestSupport.session;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxMap;
import ai.onnxruntime.OnnxSequence;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.List;
import java.util.Map;
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
    void theConverterShapedExportGivesLabelsAndBothClassProbabilities() throws OrtException {
        // given: the LinearClassifier export, scored on rows with logits of both signs
        final LogisticRegression lr = new LogisticRegression(
                new float[] {0.5f, -1.25f, 2.0f, 0.0f, -0.75f, 0.3f}, -0.4f);
        final double[][] rows = randomRows(22, 500, 6);
        try (OrtSession s = session(lr.toOnnxLinearClassifier(false));
             OnnxTensor x = OrtTestSupport.tensor(OrtTestSupport.toFloat(rows), rows.length, 6);
             // when
             OrtSession.Result result = s.run(Map.of(Mlp.INPUT, x))) {
            // then
            assertEquals(List.of(TreeEnsemble.LABEL, TreeEnsemble.PROBABILITIES), List.copyOf(s.getOutputNames()));
            final LongBuffer labels = ((OnnxTensor) result.get(TreeEnsemble.LABEL).orElseThrow()).getLongBuffer();
            final FloatBuffer p = ((OnnxTensor) result.get(TreeEnsemble.PROBABILITIES).orElseThrow()).getFloatBuffer();
            int positives = 0;
            for (int r = 0; r < rows.length; r++) {
                final double expected = lr.predict(rows[r]);
                assertTrue(scaledError(p.get(2 * r + 1), expected) <= 1.0, "P(1) of row " + r);
                assertTrue(scaledError(p.get(2 * r), 1 - expected) <= 1.0, "P(0) of row " + r);
                if (Math.abs(expected - 0.5) > 1e-5) {
                    assertEquals(expected > 0.5 ? 1 : 0, labels.get(r), "label of row " + r);
                }
                positives += labels.get(r) == 1 ? 1 : 0;
            }
            assertTrue(positives > 50 && positives < rows.length - 50, "positives " + positives);
        }
    }

    @Test
    void theConverterShapedExportWithZipMapGivesOneMapPerRow() throws OrtException {
        final LogisticRegression lr = new LogisticRegression(new float[] {1.5f, -0.5f, 0.25f}, 0.1f);
        final double[][] rows = randomRows(23, 50, 3);
        try (OrtSession s = session(lr.toOnnxLinearClassifier(true));
             OnnxTensor x = OrtTestSupport.tensor(OrtTestSupport.toFloat(rows), rows.length, 3);
             OrtSession.Result result = s.run(Map.of(Mlp.INPUT, x))) {
            assertEquals(List.of(TreeEnsemble.LABEL, TreeEnsemble.ZIPMAP_OUTPUT), List.copyOf(s.getOutputNames()));
            final List<? extends OnnxValue> maps =
                    ((OnnxSequence) result.get(TreeEnsemble.ZIPMAP_OUTPUT).orElseThrow()).getValue();
            assertEquals(rows.length, maps.size());
            for (int r = 0; r < rows.length; r++) {
                final Map<?, ?> m = ((OnnxMap) maps.get(r)).getValue();
                final double expected = lr.predict(rows[r]);
                assertTrue(scaledError(((Float) m.get(1L)).doubleValue(), expected) <= 1.0, "P(1) of row " + r);
                assertTrue(scaledError(((Float) m.get(0L)).doubleValue(), 1 - expected) <= 1.0, "P(0) of row " + r);
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
