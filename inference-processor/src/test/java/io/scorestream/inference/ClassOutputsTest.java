package io.scorestream.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scorestream.inference.onnx.Mlp;
import io.scorestream.inference.onnx.SoftmaxRegression;
import io.scorestream.schemas.ClassProbability;
import io.scorestream.schemas.ModelOutput;
import io.scorestream.schemas.ModelSpec;
import io.scorestream.schemas.Transaction;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Class outputs of an [N,k] tensor: softmax of logits, the predicted class (argmax) with the spec's
 * class labels, every class's probability, the score picked by class name, and the top-k classes;
 * each against a double-precision Java reference.
 */
class ClassOutputsTest {

    private static final OnnxModelLoader LOADER = new OnnxModelLoader(InferenceSettings.builder()
            .device(Device.parse("cpu")).intraOpThreads(1).build());
    private static final SoftmaxRegression MODEL = SoftmaxRegression.random(11, 30, 4);
    private static final List<String> CLASSES = List.of("legit", "fraud", "chargeback", "review");
    /** float32 model against a double reference. */
    private static final double TOLERANCE = 1e-5;

    @Test
    void logitsWithSoftmaxGiveTheReferenceProbabilitiesArgmaxAndScoreByClassName() {
        final byte[] onnx = MODEL.toOnnxLogits();
        final ModelOutput out = ModelOutput.newBuilder().setScoreOutput(SoftmaxRegression.LOGITS).setSoftmax(true)
                .setClassLabels(CLASSES).setScoreClass("fraud").setTopK(2).build();
        final List<Transaction> records = records(37);
        try (ScoringModel m = ScoringModel.create(spec(onnx, out), onnx, LOADER, true);
             BatchScorer scorer = m.newScorer(records.size())) {
            records.forEach(scorer::add);
            final ScoredBatch batch = scorer.score();
            for (int i = 0; i < records.size(); i++) {
                final double[] p = softmax(MODEL.logits(TestSpecs.row(records.get(i))));
                assertEquals(p[1], batch.score(i), TOLERANCE, "score = P(fraud) of row " + i);
                assertEquals(CLASSES.get(argmax(p)), batch.label(i), "predicted class of row " + i);
                final Map<String, Double> byClass = batch.classProbabilities(i);
                assertEquals(CLASSES, new ArrayList<>(byClass.keySet()), "classes in column order");
                for (int c = 0; c < CLASSES.size(); c++) {
                    assertEquals(p[c], byClass.get(CLASSES.get(c)), TOLERANCE, CLASSES.get(c) + " of row " + i);
                }
                final List<ClassProbability> top = batch.topClasses(i);
                assertEquals(2, top.size());
                final List<Integer> order = rankOrder(p);
                assertEquals(CLASSES.get(order.get(0)), top.get(0).getClassLabel(), "most probable of row " + i);
                assertEquals(CLASSES.get(order.get(1)), top.get(1).getClassLabel(), "second of row " + i);
                assertTrue(top.get(0).getProbability() >= top.get(1).getProbability());
            }
        }
    }

    @Test
    void probabilitiesReadAsTheyAreWithoutSoftmax() {
        final byte[] onnx = MODEL.toOnnx();
        final ModelOutput out = ModelOutput.newBuilder().setScoreOutput(SoftmaxRegression.OUTPUT)
                .setClassLabels(CLASSES).build();
        final List<Transaction> records = records(5);
        try (ScoringModel m = ScoringModel.create(spec(onnx, out), onnx, LOADER, true);
             BatchScorer scorer = m.newScorer(records.size())) {
            records.forEach(scorer::add);
            final ScoredBatch batch = scorer.score();
            for (int i = 0; i < records.size(); i++) {
                final double[] p = MODEL.predict(TestSpecs.row(records.get(i)));
                assertEquals(p[3], batch.score(i), TOLERANCE, "the last column by default");
                assertEquals(CLASSES.get(argmax(p)), batch.label(i));
                assertNull(batch.topClasses(i), "no top_k asked for");
            }
        }
    }

    @Test
    void withoutClassLabelsNothingChanges() {
        final byte[] onnx = MODEL.toOnnx();
        final ModelOutput out = ModelOutput.newBuilder().setScoreOutput(SoftmaxRegression.OUTPUT).build();
        try (ScoringModel m = ScoringModel.create(spec(onnx, out), onnx, LOADER, true);
             BatchScorer scorer = m.newScorer(1)) {
            scorer.add(records(1).get(0));
            final ScoredBatch batch = scorer.score();
            assertNull(batch.label(0));
            assertNull(batch.classProbabilities(0));
        }
    }

    @Test
    void specsThatDoNotFitTheOutputAreRefusedSayingWhy() {
        final byte[] matrix = MODEL.toOnnx();
        assertRefused(matrix, ModelOutput.newBuilder().setScoreOutput(SoftmaxRegression.OUTPUT)
                .setClassLabels(List.of("a", "b", "c")).build(), "class_labels name 3 class(es)");
        assertRefused(matrix, ModelOutput.newBuilder().setScoreOutput(SoftmaxRegression.OUTPUT)
                .setClassLabels(List.of("a", "b", "a", "c")).build(), "must be distinct");
        assertRefused(matrix, ModelOutput.newBuilder().setScoreOutput(SoftmaxRegression.OUTPUT)
                .setClassLabels(CLASSES).setScoreClass("nope").build(), "score class 'nope' is not among");
        assertRefused(matrix, ModelOutput.newBuilder().setScoreOutput(SoftmaxRegression.OUTPUT)
                .setScoreClass("fraud").build(), "needs class_labels");
        assertRefused(matrix, ModelOutput.newBuilder().setScoreOutput(SoftmaxRegression.OUTPUT).setTopK(2).build(),
                "top_k needs class probabilities");
        assertRefused(matrix, ModelOutput.newBuilder().setScoreOutput(SoftmaxRegression.OUTPUT)
                .setClassLabels(CLASSES).setTopK(5).build(), "top_k 5 must be 1 to the number of classes (4)");
        final byte[] vector = Mlp.random(1, 30, 4, 1).toOnnx();
        assertRefused(vector, ModelOutput.newBuilder().setScoreOutput(Mlp.OUTPUT).setSoftmax(true).build(),
                "softmax applies to an [N,k] score tensor");
    }

    private static void assertRefused(byte[] onnx, ModelOutput out, String expected) {
        final ModelLoadException e = assertThrows(ModelLoadException.class,
                () -> ScoringModel.create(spec(onnx, out), onnx, LOADER, true).close());
        assertEquals(ModelLoadException.Reason.OUTPUT_MAPPING, e.reason(), e.getMessage());
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    private static ModelSpec spec(byte[] onnx, ModelOutput out) {
        return TestSpecs.spec("1", onnx, List.of(TestSpecs.input("features", TestSpecs.columns(TestSpecs.FEATURES))),
                out).build();
    }

    private static List<Transaction> records(int n) {
        final SplittableRandom random = new SplittableRandom(5);
        final List<Transaction> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(TestSpecs.transaction(random, i));
        }
        return out;
    }

    private static double[] softmax(double[] z) {
        double max = Double.NEGATIVE_INFINITY;
        for (double v : z) {
            max = Math.max(max, v);
        }
        double sum = 0;
        final double[] p = new double[z.length];
        for (int i = 0; i < z.length; i++) {
            p[i] = Math.exp(z[i] - max);
            sum += p[i];
        }
        for (int i = 0; i < z.length; i++) {
            p[i] /= sum;
        }
        return p;
    }

    private static int argmax(double[] p) {
        return rankOrder(p).get(0);
    }

    private static List<Integer> rankOrder(double[] p) {
        final List<Integer> idx = new ArrayList<>();
        for (int i = 0; i < p.length; i++) {
            idx.add(i);
        }
        idx.sort(Comparator.comparingDouble((Integer i) -> -p[i]));
        return idx;
    }
}
