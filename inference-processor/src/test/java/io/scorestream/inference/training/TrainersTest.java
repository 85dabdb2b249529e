package io.scorestream.inference.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.scorestream.inference.onnx.LogisticRegression;
import io.scorestream.inference.onnx.Mlp;
import io.scorestream.inference.onnx.OrtTestSupport;
import java.time.Instant;
import java.util.Locale;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class TrainersTest {

    private static final Instant START = Instant.parse("2024-01-01T00:00:00Z");
    private static LabeledRows train;
    private static LabeledRows test;

    @BeforeAll
    static void generateData() {
        train = new SyntheticTransactions(100, 1000).sample(20_000, START, 1000);
        // fresh data: another seed, later in time
        test = new SyntheticTransactions(200, 1000).sample(20_000, START.plusSeconds(86_400), 1000);
    }

    private static double auc(final double[] scores) {
        return BinaryClassificationMetrics.rocAuc(scores, test.labels());
    }

    private static double[] scores(final Mlp mlp) {
        final double[] s = new double[test.size()];
        for (int i = 0; i < s.length; i++) {
            s[i] = mlp.predict(test.features()[i])[0];
        }
        return s;
    }

    @Test
    void trainedMlpRanksFreshFraudWellAndBeatsAnUntrainedOne() throws OrtException {
        // given
        final long t0 = System.nanoTime();
        // when
        final Mlp trained = MlpTrainer.builder().seed(1).build().train(train);
        final long millis = (System.nanoTime() - t0) / 1_000_000;
        // then
        final double trainedAuc = auc(scores(trained));
        final double untrainedAuc = auc(scores(Mlp.random(1, 30, 16, 1)));
        System.out.printf(Locale.ROOT, "MLP 30-16-1: trained AUC %.4f in %d ms, untrained AUC %.4f%n",
                trainedAuc, millis, untrainedAuc);
        assertTrue(trainedAuc >= 0.85, "trained AUC " + trainedAuc);
        assertTrue(trainedAuc >= untrainedAuc + 0.2, "trained " + trainedAuc + " vs untrained " + untrainedAuc);

        // and the exported model, fed raw features, scores as the Java model does
        try (OrtSession s = OrtTestSupport.session(trained.toOnnx())) {
            final float[] onnx = OrtTestSupport.runFlat(s, Mlp.INPUT, test.features(), Mlp.OUTPUT);
            final double[] onnxScores = new double[onnx.length];
            for (int i = 0; i < onnx.length; i++) {
                onnxScores[i] = onnx[i];
            }
            assertTrue(auc(onnxScores) >= 0.85);
            assertEquals(trainedAuc, auc(onnxScores), 2e-3);
        }
    }

    @Test
    void trainedLogisticRegressionRanksFreshFraudWell() {
        // when
        final LogisticRegression lr = new LogisticRegressionTrainer(1).train(train);
        // then
        final double[] s = new double[test.size()];
        for (int i = 0; i < s.length; i++) {
            s[i] = lr.predict(test.features()[i]);
        }
        final double aucLr = auc(s);
        final BinaryClassificationMetrics.ConfusionMatrix m = BinaryClassificationMetrics.confusionMatrix(
                s, test.labels(), 0.5);
        System.out.printf(Locale.ROOT, "LR: AUC %.4f, at 0.5: %s%n", aucLr, m);
        assertTrue(aucLr >= 0.85, "AUC " + aucLr);
        assertTrue(aucLr < 0.995, "the rule must not be trivially perfect: AUC " + aucLr);
    }

    @Test
    void trainingIsDeterministic() {
        final LabeledRows small = new SyntheticTransactions(5, 100).sample(2_000, START, 1);
        final MlpTrainer trainer = MlpTrainer.builder().seed(9).epochs(3).build();
        final double[] row = small.features()[17];
        assertEquals(trainer.train(small).predict(row)[0], trainer.train(small).predict(row)[0]);
    }
}
