package io.scorestream.inference.onnx;

import static io.scorestream.inference.onnx.OrtTestSupport.randomRows;
import static io.scorestream.inference.onnx.OrtTestSupport.session;
import static io.scorestream.inference.onnx.OrtTestSupport.tensor;
import static io.scorestream.inference.onnx.OrtTestSupport.toFloat;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxMap;
import ai.onnxruntime.OnnxSequence;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.SequenceInfo;
import ai.onnxruntime.TensorInfo;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TreeEnsembleTest {

    private static final double TOLERANCE = 1e-5;
    private static final TreeEnsemble FOREST = TreeEnsemble.random(17, 30, 25, 4);

    @Test
    void probabilityTensorAndLabelMatchTheReference() throws OrtException {
        // given
        final double[][] rows = randomRows(3, 2000, 30);
        try (OrtSession s = session(FOREST.toOnnx(false));
             OnnxTensor x = tensor(toFloat(rows), rows.length, 30);
             // when
             OrtSession.Result result = s.run(Map.of(Mlp.INPUT, x))) {
            // then
            final LongBuffer labels = ((OnnxTensor) result.get(TreeEnsemble.LABEL).orElseThrow()).getLongBuffer();
            final OnnxTensor probs = (OnnxTensor) result.get(TreeEnsemble.PROBABILITIES).orElseThrow();
            assertArrayEquals(new long[] {rows.length, 2}, probs.getInfo().getShape());
            final FloatBuffer p = probs.getFloatBuffer();
            int positives = 0;
            for (int r = 0; r < rows.length; r++) {
                final double expected = FOREST.predictProbability(rows[r]);
                assertEquals(expected, p.get(2 * r + 1), TOLERANCE, "P(1) row " + r);
                assertEquals(1.0 - expected, p.get(2 * r), TOLERANCE, "P(0) row " + r);
                if (Math.abs(expected - 0.5) > TOLERANCE) {
                    assertEquals(FOREST.predictLabel(rows[r]), labels.get(r), "label row " + r);
                }
                positives += labels.get(r) == 1 ? 1 : 0;
            }
            // the check above is only meaningful when both labels occur
            assertTrue(positives > 100 && positives < rows.length - 100, "positives " + positives);
        }
    }

    @Test
    void zipMapOutputIsASequenceOfMapsMatchingTheReference() throws OrtException {
        // given
        final double[][] rows = randomRows(4, 500, 30);
        try (OrtSession s = session(FOREST.toOnnx(true))) {
            final SequenceInfo info = (SequenceInfo) s.getOutputInfo().get(TreeEnsemble.ZIPMAP_OUTPUT).getInfo();
            assertTrue(info.isSequenceOfMaps());
            assertEquals(List.of(TreeEnsemble.LABEL, TreeEnsemble.ZIPMAP_OUTPUT), List.copyOf(s.getOutputNames()));
            try (OnnxTensor x = tensor(toFloat(rows), rows.length, 30);
                 // when
                 OrtSession.Result result = s.run(Map.of(Mlp.INPUT, x))) {
                // then
                final LongBuffer labels = ((OnnxTensor) result.get(TreeEnsemble.LABEL).orElseThrow()).getLongBuffer();
                final OnnxSequence seq = (OnnxSequence) result.get(TreeEnsemble.ZIPMAP_OUTPUT).orElseThrow();
                final List<? extends OnnxValue> maps = seq.getValue();
                assertEquals(rows.length, maps.size());
                for (int r = 0; r < rows.length; r++) {
                    final Map<?, ?> m = assertInstanceOf(OnnxMap.class, maps.get(r)).getValue();
                    assertEquals(2, m.size());
                    final double expected = FOREST.predictProbability(rows[r]);
                    assertEquals(expected, ((Float) m.get(1L)).doubleValue(), TOLERANCE, "P(1) row " + r);
                    assertEquals(1.0 - expected, ((Float) m.get(0L)).doubleValue(), TOLERANCE, "P(0) row " + r);
                    if (Math.abs(expected - 0.5) > TOLERANCE) {
                        assertEquals(FOREST.predictLabel(rows[r]), labels.get(r), "label row " + r);
                    }
                }
            }
        }
    }

    @Test
    void handBuiltTreeSendsValuesEqualToTheThresholdToTheTrueBranch() throws OrtException {
        // given: x0 <= 0.5 ? (x1 <= -1 ? 0.1 : 0.4) : 0.9
        final TreeEnsemble single = new TreeEnsemble(2, List.of(new TreeEnsemble.Tree(List.of(
                TreeEnsemble.Node.branch(0, 0.5f, 1, 2),
                TreeEnsemble.Node.branch(1, -1f, 3, 4),
                TreeEnsemble.Node.leaf(0.9f),
                TreeEnsemble.Node.leaf(0.1f),
                TreeEnsemble.Node.leaf(0.4f)))));
        final double[][] rows = {{0.5, -1.0}, {0.5, 0.0}, {0.51, -5.0}, {-3.0, -1.01}};
        final double[] expected = {0.1, 0.4, 0.9, 0.1};
        try (OrtSession s = session(single.toOnnx(false))) {
            // when
            final float[] p = OrtTestSupport.runFlat(s, Mlp.INPUT, rows, TreeEnsemble.PROBABILITIES);
            // then
            for (int r = 0; r < rows.length; r++) {
                assertEquals(expected[r], single.predictProbability(rows[r]), 1e-7);
                assertEquals(expected[r], p[2 * r + 1], 1e-7);
            }
            assertEquals(List.of(TreeEnsemble.LABEL, TreeEnsemble.PROBABILITIES), List.copyOf(s.getOutputNames()));
            assertArrayEquals(new long[] {-1},
                    ((TensorInfo) s.getOutputInfo().get(TreeEnsemble.LABEL).getInfo()).getShape());
        }
    }

    @Test
    void labelIsZeroWhenTheProbabilityIsExactlyOneHalf() throws OrtException {
        // given: ORT labels 1 only when P(1) > 0.5, and predictLabel follows it
        final TreeEnsemble half = new TreeEnsemble(1, List.of(new TreeEnsemble.Tree(List.of(
                TreeEnsemble.Node.leaf(0.5f)))));
        final double[][] rows = {{0.0}, {3.0}};
        try (OrtSession s = session(half.toOnnx(false));
             OnnxTensor x = tensor(toFloat(rows), rows.length, 1);
             // when
             OrtSession.Result result = s.run(Map.of(Mlp.INPUT, x))) {
            // then
            final LongBuffer labels = ((OnnxTensor) result.get(TreeEnsemble.LABEL).orElseThrow()).getLongBuffer();
            assertEquals(0L, labels.get(0));
            assertEquals(0L, labels.get(1));
            assertEquals(0L, half.predictLabel(rows[0]));
        }
    }
}
