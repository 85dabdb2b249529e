package io.scorestream.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.scorestream.inference.onnx.SoftmaxRegression;
import io.scorestream.inference.training.SyntheticTransactions;
import io.scorestream.schemas.ClassProbability;
import io.scorestream.schemas.ModelOutput;
import io.scorestream.schemas.ModelSpec;
import io.scorestream.schemas.ScoreResult;
import io.scorestream.schemas.Transaction;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A multi-class model's predicted class, class probabilities and top classes reach the scores topic. */
class ClassOutputsTopologyTest {

    private static final SoftmaxRegression MODEL = SoftmaxRegression.random(21, 30, 3);
    private static final List<String> CLASSES = List.of("low", "medium", "high");

    @Test
    void eachScoreCarriesTheArgmaxClassItsProbabilitiesAndTheTopClasses() {
        final byte[] onnx = MODEL.toOnnxLogits();
        final ModelSpec mlpSpec = ModelFixtures.spec(TopologyFixture.MODEL, "1",
                io.scorestream.inference.onnx.Mlp.random(1, 30, 4, 1));
        final ModelSpec spec = ModelSpec.newBuilder(mlpSpec)
                .setArtifactBytes(java.nio.ByteBuffer.wrap(onnx))
                .setSha256(io.scorestream.inference.Sha256.hex(onnx))
                .setOutput(ModelOutput.newBuilder().setScoreOutput(SoftmaxRegression.LOGITS).setSoftmax(true)
                        .setClassLabels(CLASSES).setScoreClass("high").setTopK(2).build())
                .build();
        final SyntheticTransactions generator = new SyntheticTransactions(3, 20);
        try (TopologyFixture f = TopologyFixture.builder(8).build()) {
            f.publishAndAwaitVersion(spec);
            final List<Transaction> sent = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                final Transaction t = generator.next(TopologyFixture.START.plusSeconds(i));
                sent.add(t);
                f.send(t);
            }
            final List<ScoreResult> scores = f.scores().readValuesToList();
            assertEquals(8, scores.size());
            for (int i = 0; i < scores.size(); i++) {
                final double[] p = probabilities(sent.get(i));
                final ScoreResult s = scores.get(i);
                assertEquals(p[2], s.getScore(), 1e-5, "score = P(high)");
                final int best = p[0] >= p[1] && p[0] >= p[2] ? 0 : p[1] >= p[2] ? 1 : 2;
                assertEquals(CLASSES.get(best), s.getLabel(), "predicted class");
                assertEquals(3, s.getClassProbabilities().size());
                assertEquals(p[1], s.getClassProbabilities().get("medium"), 1e-5);
                final List<ClassProbability> top = s.getTopClasses();
                assertEquals(2, top.size());
                assertEquals(CLASSES.get(best), top.get(0).getClassLabel());
                assertEquals(p[best], top.get(0).getProbability(), 1e-5);
            }
        }
    }

    @Test
    void aBinaryModelsScoresCarryNoClassFields() {
        try (TopologyFixture f = TopologyFixture.builder(4).build()) {
            f.publishAndAwaitVersion(ModelFixtures.spec(TopologyFixture.MODEL, "1",
                    io.scorestream.inference.onnx.Mlp.random(1, 30, 4, 1)));
            final SyntheticTransactions generator = new SyntheticTransactions(3, 20);
            for (int i = 0; i < 4; i++) {
                f.send(generator.next(TopologyFixture.START.plusSeconds(i)));
            }
            for (ScoreResult s : f.scores().readValuesToList()) {
                assertNull(s.getLabel());
                assertNull(s.getClassProbabilities());
                assertNull(s.getTopClasses());
            }
        }
    }

    /** Softmax of the model's logits, from the float32 features the model sees. */
    private static double[] probabilities(Transaction t) {
        final double[] row = SyntheticTransactions.features(t);
        for (int i = 0; i < row.length; i++) {
            row[i] = (float) row[i];
        }
        return MODEL.predict(row);
    }
}
