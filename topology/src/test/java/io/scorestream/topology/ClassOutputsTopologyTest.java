package io.scorestream.topology;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.scorestream.inference.onnx.SoftmaxRegression;
import io.scorestream.inference.training.SyntheticTransactions;
import io.scorestream.schemas.ClassProbability;
import io.scorestream.schemas.ModelOutput;
import io.scorestream.schemas.ModelSpec;
import io.scorestream.schemas.ScoreResult;
import io.scorestream.schemas.Transaction;
import io.scorestream.schemas.registry.InMemorySchemaRegistry;
import io.scorestream.schemas.serde.ConfluentAvroSerializer;
import io.scorestream.topology.processor.ScoringObserver;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.streams.TestOutputTopic;
import org.junit.jupiter.api.Test;

/** A multi-class model's predicted class, class probabilities and top classes reach the scores topic. */
class ClassOutputsTopologyTest {

    private static final SoftmaxRegression MODEL = SoftmaxRegression.random(21, 30, 3);
    private static final List<String> CLASSES = List.of("low", "medium", "high");

    /** The softmax model with class labels, P("high") as the score and the top 2 classes. */
    private static ModelSpec multiClassSpec() {
        final byte[] onnx = MODEL.toOnnxLogits();
        final ModelSpec mlpSpec = ModelFixtures.spec(TopologyFixture.MODEL, "1",
                io.scorestream.inference.onnx.Mlp.random(1, 30, 4, 1));
        return ModelSpec.newBuilder(mlpSpec)
                .setArtifactBytes(java.nio.ByteBuffer.wrap(onnx))
                .setSha256(io.scorestream.inference.Sha256.hex(onnx))
                .setOutput(ModelOutput.newBuilder().setScoreOutput(SoftmaxRegression.LOGITS).setSoftmax(true)
                        .setClassLabels(CLASSES).setScoreClass("high").setTopK(2).build())
                .build();
    }

    @Test
    void eachScoreCarriesTheArgmaxClassItsProbabilitiesAndTheTopClasses() {
        final ModelSpec spec = multiClassSpec();
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
    void theScoresTopicCarriesTheBytesTheGenericAvroSerializerWritesForTheSameScores() {
        // given: an observer that keeps every forwarded score object, and the scores topic read raw
        final List<ScoreResult> observed = new ArrayList<>();
        final ScoringObserver keep = new ScoringObserver() {
            @Override
            public void onScore(ScoreResult score, org.apache.avro.generic.GenericRecord event) {
                observed.add(ScoringObserver.copyOf(score));
            }
        };
        final InMemorySchemaRegistry schemas = new InMemorySchemaRegistry();
        final ConfluentAvroSerializer<ScoreResult> reference =
                ConfluentAvroSerializer.specific(schemas, ScoreResult.class, false);
        final SyntheticTransactions generator = new SyntheticTransactions(5, 20);
        try (TopologyFixture f = TopologyFixture.builder(8).schemas(schemas).observer(keep).build()) {
            final TestOutputTopic<byte[], byte[]> raw = f.driver().createOutputTopic(TopologyFixture.SCORES,
                    new ByteArrayDeserializer(), new ByteArrayDeserializer());
            f.publishAndAwaitVersion(multiClassSpec());

            // when
            for (int i = 0; i < 8; i++) {
                f.send(generator.next(TopologyFixture.START.plusSeconds(i)));
            }
            final List<byte[]> written = raw.readValuesToList();

            // then: byte for byte what the generic path writes for each score (label, class map, top classes)
            assertEquals(8, written.size());
            assertEquals(8, observed.size());
            for (int i = 0; i < written.size(); i++) {
                assertEquals(3, observed.get(i).getClassProbabilities().size());
                assertArrayEquals(reference.serialize(TopologyFixture.SCORES, observed.get(i)), written.get(i),
                        "score " + i);
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
