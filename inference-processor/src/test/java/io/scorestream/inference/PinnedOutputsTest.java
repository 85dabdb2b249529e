package io.scorestream.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import io.scorestream.inference.onnx.ElementType;
import io.scorestream.inference.onnx.LogisticRegression;
import io.scorestream.inference.onnx.Mlp;
import io.scorestream.inference.onnx.OnnxAttribute;
import io.scorestream.inference.onnx.OnnxGraphBuilder;
import io.scorestream.inference.onnx.OnnxModels;
import io.scorestream.inference.onnx.ShapedModels;
import io.scorestream.inference.onnx.SoftmaxRegression;
import io.scorestream.inference.onnx.TreeEnsemble;
import io.scorestream.schemas.ClassProbability;
import io.scorestream.schemas.FeatureColumn;
import io.scorestream.schemas.ModelOutput;
import io.scorestream.schemas.ModelSpec;
import io.scorestream.schemas.Transaction;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Outputs ONNX Runtime writes into tensors the scorer owns ({@link PinnedOutputs}): the same rows
 * scored with and without pinning give the same bits, pinning allocates less per run, the tensors
 * are closed with the scorer, and a model whose outputs cannot be pinned still scores.
 */
class PinnedOutputsTest {

    private static final OnnxModelLoader LOADER =
            new OnnxModelLoader(InferenceSettings.builder().device(Device.CPU).intraOpThreads(1).build());
    /** Batch sizes in turn: 1, 7 and 256 rows, and the run size changing back and forth. */
    private static final int[] SIZES = {1, 7, 256, 7, 1, 256, 256, 3};
    private static final List<String> TEN = List.of("c0", "c1", "c2", "c3", "c4", "c5", "c6", "c7", "c8", "c9");

    private static List<Transaction> records;

    @BeforeAll
    static void makeRecords() {
        final SplittableRandom random = new SplittableRandom(31);
        records = new ArrayList<>();
        for (int i = 0; i < 256; i++) {
            records.add(TestSpecs.transaction(random, i));
        }
    }

    private static ModelSpec spec(byte[] onnx, ModelOutput out) {
        return spec(onnx, "features", out);
    }

    private static ModelSpec spec(byte[] onnx, String input, ModelOutput out) {
        return TestSpecs.spec("1", onnx, List.of(TestSpecs.input(input, TestSpecs.columns(TestSpecs.FEATURES))), out)
                .build();
    }

    private static ModelOutput.Builder out(String score) {
        return ModelOutput.newBuilder().setScoreOutput(score);
    }

    @Test
    void anMlpWithTenOutputsScoresTheSameBitsPinned() {
        final byte[] onnx = Mlp.random(3, 30, 64, 10).toOnnx();
        assertSameBits(spec(onnx, out(Mlp.OUTPUT).setScoreColumn(9).build()), Set.of(Mlp.OUTPUT), false, 256);
        assertSameBits(spec(onnx, out(Mlp.OUTPUT).setClassLabels(TEN).setScoreClass("c4").setTopK(3).build()),
                Set.of(Mlp.OUTPUT), false, 256);
    }

    @Test
    void aBinaryLogisticRegressionScoresTheSameBitsPinned() {
        final LogisticRegression lr = regression(5);
        final byte[] matrix = lr.toOnnx();
        assertSameBits(spec(matrix, out(Mlp.OUTPUT).build()), Set.of(Mlp.OUTPUT), false, 256);
        final byte[] vector = OnnxModels.squeezedScore(lr.toMlp());
        assertSameBits(spec(vector, out(Mlp.OUTPUT).build()), Set.of(Mlp.OUTPUT), false, 256);
        // The sklearn shape: an int64 label tensor and a probability tensor, both pinned.
        final byte[] classifier = lr.toOnnxLinearClassifier(false);
        assertSameBits(spec(classifier, out(TreeEnsemble.PROBABILITIES).setLabelOutput(TreeEnsemble.LABEL).build()),
                Set.of(TreeEnsemble.PROBABILITIES, TreeEnsemble.LABEL), false, 256);
    }

    @Test
    void softmaxRegressionWithClassLabelsScoresTheSameBitsPinned() {
        final SoftmaxRegression softmax = SoftmaxRegression.random(11, 30, 4);
        final List<String> classes = List.of("legit", "fraud", "chargeback", "review");
        assertSameBits(spec(softmax.toOnnxLogits(), out(SoftmaxRegression.LOGITS).setSoftmax(true)
                        .setClassLabels(classes).setScoreClass("fraud").setTopK(2).build()),
                Set.of(SoftmaxRegression.LOGITS), false, 256);
        assertSameBits(spec(softmax.toOnnx(), out(SoftmaxRegression.OUTPUT).setClassLabels(classes).setTopK(4)
                .build()), Set.of(SoftmaxRegression.OUTPUT), false, 256);
    }

    @Test
    void aTreeEnsembleWithZipMapPinsOnlyItsLabels() {
        final TreeEnsemble trees = TreeEnsemble.random(17, 30, 5, 3);
        assertSameBits(spec(trees.toOnnx(true), out(TreeEnsemble.ZIPMAP_OUTPUT).setLabelOutput(TreeEnsemble.LABEL)
                .build()), Set.of(TreeEnsemble.LABEL), false, 256);
        assertSameBits(spec(trees.toOnnx(false), out(TreeEnsemble.PROBABILITIES).setLabelOutput(TreeEnsemble.LABEL)
                .build()), Set.of(TreeEnsemble.PROBABILITIES, TreeEnsemble.LABEL), false, 256);
    }

    @Test
    void aZipMapWithoutLabelsPinsNothing() {
        final byte[] onnx = TreeEnsemble.random(17, 30, 5, 3).toOnnx(true);
        assertSameBits(spec(onnx, out(TreeEnsemble.ZIPMAP_OUTPUT).build()), Set.of(), false, 256);
    }

    @Test
    void aDoubleOutputScoresTheSameBitsPinned() {
        final double[] w = new double[30];
        for (int i = 0; i < w.length; i++) {
            w[i] = (i % 7 - 3) / 10.0;
        }
        final byte[] onnx = ShapedModels.doubleLinear(w, 0.25, 30);
        assertSameBits(spec(onnx, ShapedModels.INPUT, out(ShapedModels.OUTPUT).build()), Set.of(ShapedModels.OUTPUT),
                false, 256);
    }

    @Test
    void aFixedBatchModelScoresTheSameBitsPinnedChunkByChunk() {
        final byte[] onnx = OnnxModels.fixedBatch(Mlp.random(3, 30, 64, 10), 5);
        assertSameBits(spec(onnx, out(Mlp.OUTPUT).setScoreColumn(2).build()), Set.of(Mlp.OUTPUT), false, 256);
        assertSameBits(spec(onnx, out(Mlp.OUTPUT).setScoreColumn(2).build()), Set.of(Mlp.OUTPUT), true, 256);
    }

    @Test
    void paddedScorersScoreTheSameBitsPinned() {
        final LogisticRegression lr = regression(8);
        assertSameBits(spec(lr.toOnnxLinearClassifier(false), out(TreeEnsemble.PROBABILITIES)
                .setLabelOutput(TreeEnsemble.LABEL).build()),
                Set.of(TreeEnsemble.PROBABILITIES, TreeEnsemble.LABEL), true, 256);
        assertSameBits(spec(Mlp.random(3, 30, 64, 10).toOnnx(), out(Mlp.OUTPUT).setClassLabels(TEN).setTopK(2)
                .build()), Set.of(Mlp.OUTPUT), true, 300);
    }

    @Test
    void onlyNumericTensorsOfFixedRowShapeArePinnable() {
        final String n = OnnxGraphBuilder.BATCH_DIM;
        assertTrue(PinnedOutputs.pinnable(tensor("FLOAT", -1, 10)));
        assertTrue(PinnedOutputs.pinnable(tensor("DOUBLE", -1)));
        assertTrue(PinnedOutputs.pinnable(tensor("INT64", -1)));
        assertTrue(PinnedOutputs.pinnable(tensor("INT32", -1, 1)));
        assertTrue(PinnedOutputs.pinnable(tensor("FLOAT", 4, 3)), "a fixed batch dimension");
        assertFalse(PinnedOutputs.pinnable(tensor("FLOAT", -1, -1)), "a symbolic width: " + n);
        assertFalse(PinnedOutputs.pinnable(tensor("STRING", -1)), "strings are copied whatever happens");
        assertFalse(PinnedOutputs.pinnable(tensor("FLOAT")), "a scalar has no batch dimension");
        assertFalse(PinnedOutputs.pinnable(new ValueSpec("zip", ValueSpec.Kind.SEQUENCE_OF_MAPS, "FLOAT", "INT64",
                null)));
    }

    /** A seeded logistic regression over the 30 transaction features. */
    private static LogisticRegression regression(long seed) {
        final SplittableRandom random = new SplittableRandom(seed);
        final float[] w = new float[30];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (random.nextDouble() - 0.5);
        }
        return new LogisticRegression(w, (float) (random.nextDouble() - 0.5));
    }

    private static ValueSpec tensor(String type, long... shape) {
        return new ValueSpec("out", ValueSpec.Kind.TENSOR, type, null, shape);
    }

    @Test
    void thePinnedTensorsAreClosedWhenTheRunSizeChangesAndWithTheScorer() {
        final byte[] onnx = Mlp.random(3, 30, 64, 10).toOnnx();
        try (ScoringModel m = ScoringModel.create(spec(onnx, out(Mlp.OUTPUT).setScoreColumn(9).build()), onnx,
                LOADER, true)) {
            final BatchScorer scorer = new BatchScorer(m, 16, false, true);
            final PinnedOutputs pinned = scorer.pinnedOutputs();
            assertNotNull(pinned);
            scorer.addZeroRows(4);
            scorer.score();
            final List<OnnxTensor> first = pinned.tensors();
            assertEquals(1, first.size());
            scorer.score();
            assertEquals(first, pinned.tensors(), "the same run size reuses the tensors");
            scorer.addZeroRows(3);
            scorer.score();
            assertTrue(first.get(0).isClosed(), "a new run size closes the old tensor");
            final List<OnnxTensor> second = pinned.tensors();
            assertFalse(second.get(0).isClosed());

            scorer.close();

            assertTrue(second.get(0).isClosed(), "closing the scorer closes its pinned tensors");
            assertEquals(pinned.created(), pinned.closed(), "every tensor made was closed");
            assertEquals(2, pinned.created());
            scorer.close();
            assertEquals(2, pinned.closed(), "close is idempotent");
        }
    }

    @Test
    void anOutputWhoseWidthIsOnlyKnownAtRunTimeIsNotPinned() {
        // Declared [N, 3], inferred [N, 1]: ONNX Runtime reports the width as unknown.
        final OnnxGraphBuilder b = new OnnxGraphBuilder("conflicting")
                .input(Mlp.INPUT, ElementType.FLOAT, -1, 30)
                .output(Mlp.OUTPUT, ElementType.FLOAT, -1, 3)
                .initializer("w", regression(5).weights(), 30, 1)
                .node("MatMul", List.of(Mlp.INPUT, "w"), List.of(Mlp.OUTPUT));
        final byte[] onnx = b.build();
        final ModelSpec spec = spec(onnx, out(Mlp.OUTPUT).setScoreColumn(0).build());
        assertSameBits(spec, Set.of(), false, 256);
    }

    @Test
    void aModelWhoseDeclaredOutputShapeIsWrongFallsBackWithoutLosingAScore() {
        // Declared [N, 3]; computed [N, 1]: Compress keeps the columns a condition picks, so ONNX Runtime
        // cannot infer the width and trusts the declaration, then refuses the pinned [rows, 3] tensor.
        final float[] w = new float[30 * 3];
        for (int i = 0; i < w.length; i++) {
            w[i] = (i % 11 - 5) / 20f;
        }
        final OnnxGraphBuilder b = new OnnxGraphBuilder("misdeclared")
                .input(Mlp.INPUT, ElementType.FLOAT, -1, 30)
                .output(Mlp.OUTPUT, ElementType.FLOAT, -1, 3)
                .initializer("w", w, 30, 3)
                .initializer("keep_values", new float[] {1, 0, 0}, 3)
                .initializer("half", new float[] {0.5f}, 1)
                .node("MatMul", List.of(Mlp.INPUT, "w"), List.of("all"))
                .node("Greater", List.of("keep_values", "half"), List.of("keep"))
                .node("Compress", List.of("all", "keep"), List.of(Mlp.OUTPUT), OnnxAttribute.intAttr("axis", 1));
        final byte[] onnx = b.build();
        final ModelSpec spec = spec(onnx, out(Mlp.OUTPUT).setScoreColumn(0).build());
        try (ScoringModel m = ScoringModel.create(spec, onnx, LOADER, true);
             BatchScorer pinned = new BatchScorer(m, 16, false, true);
             BatchScorer other = new BatchScorer(m, 16, false, true);
             BatchScorer plain = new BatchScorer(m, 16, false, false)) {
            assertEquals(3, m.signature().output(Mlp.OUTPUT).orElseThrow().dim(1));
            assertNotNull(pinned.pinnedOutputs());
            final PinnedOutputs given = pinned.pinnedOutputs();
            for (int i = 0; i < 5; i++) {
                pinned.add(records.get(i));
                other.add(records.get(i));
                plain.add(records.get(i));
            }
            final ScoredBatch a = pinned.score();
            final ScoredBatch c = plain.score();
            for (int i = 0; i < 5; i++) {
                assertEquals(Double.doubleToRawLongBits(c.score(i)), Double.doubleToRawLongBits(a.score(i)),
                        "row " + i);
            }
            assertNull(pinned.pinnedOutputs(), "the scorer gave pinning up");
            assertEquals(given.created(), given.closed(), "and closed its pinned tensors");
            assertTrue(m.pinnedOutputsRefused(), "for every scorer of the model");
            final ScoredBatch o = other.score();
            assertEquals(Double.doubleToRawLongBits(c.score(4)), Double.doubleToRawLongBits(o.score(4)));
            assertNull(other.pinnedOutputs());
        }
    }

    @Test
    void aRealFailureIsStillAScoringExceptionAndAClosedModelStillRefuses() {
        final byte[] onnx = Mlp.random(3, 30, 64, 10).toOnnx();
        final ScoringModel m = ScoringModel.create(spec(onnx, out(Mlp.OUTPUT).build()), onnx, LOADER, true);
        try (BatchScorer scorer = new BatchScorer(m, 4, false, true)) {
            scorer.addZeroRows(2);
            scorer.score();
            m.close();
            final ScoringException e = assertThrows(ScoringException.class, scorer::score);
            assertTrue(e.getMessage().contains("closed"), e.getMessage());
        }
    }

    /**
     * A model that scores 0.5 for every row whose first feature ({@code elapsed_seconds}) is at most
     * {@code limit} and fails the whole run otherwise: the row's index into a one-element table becomes
     * 1000, out of its bounds.
     */
    private static byte[] failingAbove(float limit) {
        return new OnnxGraphBuilder("fails_above")
                .input("features", ElementType.FLOAT, -1, 30)
                .output("score", ElementType.FLOAT, -1, 1)
                .initializer("first", new long[] {0}, 1)
                .initializer("limit", new float[] {limit}, 1)
                .initializer("far", new long[] {1000}, 1)
                .initializer("table", new float[] {0.5f}, 1)
                .node("Gather", List.of("features", "first"), List.of("x0"), OnnxAttribute.intAttr("axis", 1))
                .node("Greater", List.of("x0", "limit"), List.of("above"))
                .node("Cast", List.of("above"), List.of("above_int"), OnnxAttribute.intAttr("to", 7))
                .node("Mul", List.of("above_int", "far"), List.of("index"))
                .node("Gather", List.of("table", "index"), List.of("score"), OnnxAttribute.intAttr("axis", 0))
                .build();
    }

    @Test
    void onceAPinnedRunSucceededAFailingRunIsNotRunAgainWithoutPinning() {
        final byte[] onnx = failingAbove(100f);
        final ModelSpec spec = spec(onnx, out("score").build());
        final Transaction bad = Transaction.newBuilder(records.get(0)).setElapsedSeconds(1_000).build();
        try (ScoringModel m = ScoringModel.create(spec, onnx, LOADER, true);
             BatchScorer scorer = new BatchScorer(m, 8, false, true);
             BatchScorer other = new BatchScorer(m, 8, false, true)) {
            // given no pinned run has succeeded yet: a failure might be pinning's, so it is run again without
            scorer.add(bad);
            long before = scorer.sessionRuns();
            assertThrows(ScoringException.class, scorer::score);
            assertEquals(2, scorer.sessionRuns() - before, "pinned, then without pinning");
            assertNotNull(scorer.pinnedOutputs(), "failing without pinning too, the failure is the model's");
            assertFalse(m.pinnedOutputsRefused());
            assertFalse(m.pinnedOutputsProven());
            scorer.clear();

            // when a pinned run succeeds
            for (int i = 0; i < 5; i++) {
                scorer.add(records.get(i));
            }
            before = scorer.sessionRuns();
            final ScoredBatch ok = scorer.score();
            assertEquals(1, scorer.sessionRuns() - before);
            for (int i = 0; i < 5; i++) {
                assertEquals(0.5, ok.score(i), "row " + i);
            }
            assertTrue(m.pinnedOutputsProven());
            scorer.clear();

            // then a failing run is the model's failure at once, in this scorer and in the model's others
            scorer.add(records.get(5));
            scorer.add(bad);
            before = scorer.sessionRuns();
            final ScoringException e = assertThrows(ScoringException.class, scorer::score);
            assertEquals(1, scorer.sessionRuns() - before, "one run, not two");
            assertTrue(e.getMessage().contains("'fraud' version '1' failed to score a batch of 2"), e.getMessage());
            other.add(bad);
            assertThrows(ScoringException.class, other::score);
            assertEquals(1, other.sessionRuns());
            other.clear();

            // and both still score pinned
            scorer.clear();
            scorer.add(records.get(6));
            assertEquals(0.5, scorer.score().score(0));
            other.add(records.get(7));
            assertEquals(0.5, other.score().score(0));
            assertNotNull(scorer.pinnedOutputs());
            assertNotNull(other.pinnedOutputs());
            assertFalse(m.pinnedOutputsRefused());
        }
    }

    /**
     * The bound the allocation test asserts per run of 256 rows with pinned outputs; the path
     * without pinning copies the [256, 10] float output (10 KiB) on every run.
     */
    private static final long PINNED_BOUND = 2_000;

    @Test
    void aPinnedRunOfTheWideMlpAllocatesLessThanTheOutputCopy() {
        // The bench's wide model: W = 784 floats from one array field, hidden 128 and 64, 10 outputs.
        final int width = 784;
        final byte[] onnx = Mlp.random(1, width, 128, 64, 10).toOnnx();
        final ModelSpec spec = TestSpecs.spec("1", onnx, List.of(TestSpecs.input(Mlp.INPUT, List.of(
                        FeatureColumn.newBuilder().setField("values").setWidth(width).build()))),
                out(Mlp.OUTPUT).setScoreColumn(9).build()).build();
        try (ScoringModel m = ScoringModel.create(spec, onnx, LOADER, true);
             BatchScorer pinned = new BatchScorer(m, 256, false, true);
             BatchScorer plain = new BatchScorer(m, 256, false, false)) {
            final long withPinning = allocatedPerScore(pinned);
            final long without = allocatedPerScore(plain);
            System.out.printf("score() of 256 rows of a %d-128-64-10 MLP allocates %d bytes pinned (%.1f per event),"
                    + " %d bytes without pinning (%.1f per event)%n", width, withPinning, withPinning / 256.0,
                    without, without / 256.0);

            assertTrue(without > 10_000, "the path without pinning copies the output: " + without + " bytes");
            assertTrue(withPinning < PINNED_BOUND, "a pinned run allocated " + withPinning + " bytes");
            assertTrue(without - withPinning >= 256 * 10 * 4, "pinning saves at least the output copy: "
                    + without + " vs " + withPinning);
        }
    }

    /** The fewest bytes this thread allocated in one score() of 256 rows, over 20 runs after 200 warm-up runs. */
    private static long allocatedPerScore(BatchScorer scorer) {
        final com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        scorer.addZeroRows(256);
        for (int i = 0; i < 200; i++) {
            scorer.score();
        }
        final long tid = Thread.currentThread().getId();
        long least = Long.MAX_VALUE;
        for (int i = 0; i < 20; i++) {
            final long before = threads.getThreadAllocatedBytes(tid);
            scorer.score();
            least = Math.min(least, threads.getThreadAllocatedBytes(tid) - before);
        }
        return least;
    }

    /**
     * Scores batches of {@link #SIZES} rows with a scorer pinning outputs and one that does not, and
     * asserts both give the same bits: scores, labels, class probabilities and top classes.
     */
    private static void assertSameBits(ModelSpec spec, Set<String> expectPinned, boolean padded, int capacity) {
        final byte[] onnx = spec.getArtifactBytes().array();
        try (ScoringModel m = ScoringModel.create(spec, onnx, LOADER, true);
             BatchScorer pinned = new BatchScorer(m, capacity, padded, true);
             BatchScorer plain = new BatchScorer(m, capacity, padded, false)) {
            assertNull(plain.pinnedOutputs());
            if (expectPinned.isEmpty()) {
                assertNull(pinned.pinnedOutputs(), "nothing to pin");
            } else {
                assertNotNull(pinned.pinnedOutputs());
                for (String name : expectPinned) {
                    assertNotNull(pinned.pinnedOutputs().buffer(name), name + " is pinned");
                }
                assertEquals(expectPinned.size() + pinned.pinnedOutputs().unpinnedOutputs().size(),
                        m.output().requestedOutputs().size(), "pinned " + expectPinned + ", not "
                        + pinned.pinnedOutputs().unpinnedOutputs());
            }
            int next = 0;
            for (int size : SIZES) {
                pinned.clear();
                plain.clear();
                for (int i = 0; i < size; i++) {
                    final Transaction t = records.get((next + i) % records.size());
                    pinned.add(t);
                    plain.add(t);
                }
                next += size;
                final ScoredBatch a = pinned.score();
                final ScoredBatch b = plain.score();
                assertEquals(b.size(), a.size());
                for (int i = 0; i < size; i++) {
                    final String row = "row " + i + " of a batch of " + size;
                    assertEquals(Double.doubleToRawLongBits(b.score(i)), Double.doubleToRawLongBits(a.score(i)), row);
                    assertEquals(b.label(i), a.label(i), "label of " + row);
                    assertEquals(b.classProbabilities(i), a.classProbabilities(i), "probabilities of " + row);
                    assertEquals(text(b.topClasses(i)), text(a.topClasses(i)), "top classes of " + row);
                }
            }
            assertFalse(m.pinnedOutputsRefused(), "pinning never failed");
            if (!expectPinned.isEmpty()) {
                assertNotNull(pinned.pinnedOutputs(), "and was not given up");
            }
        }
    }

    /** Top classes as text with the probabilities' exact bits; null for none. */
    private static String text(List<ClassProbability> top) {
        if (top == null) {
            return null;
        }
        final StringBuilder sb = new StringBuilder();
        for (ClassProbability c : top) {
            sb.append(c.getClassLabel()).append('=').append(Long.toHexString(Double.doubleToRawLongBits(
                    c.getProbability()))).append(' ');
        }
        return sb.toString();
    }
}
