package io.scorestream.app.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scorestream.app.demo.DemoModels;
import io.scorestream.inference.BatchScorer;
import io.scorestream.inference.ScoredBatch;
import io.scorestream.inference.ScoringModel;
import io.scorestream.inference.onnx.LogisticRegression;
import io.scorestream.inference.onnx.Mlp;
import io.scorestream.inference.onnx.TreeEnsemble;
import io.scorestream.inference.training.LogisticRegressionTrainer;
import io.scorestream.inference.training.SyntheticTransactions;
import io.scorestream.schemas.ModelOutput;
import io.scorestream.schemas.ModelSpec;
import io.scorestream.schemas.Transaction;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What a replay's byte-identical output rests on, checked on the machine that runs the tests, with
 * sessions loaded as a replay loads them ({@link ReplayModels}: CPU, one intra-op thread), for an
 * MLP like the demo's (30 -> 16 -> 1), a wider one (30 -> 256 -> 128 -> 1) and a logistic regression
 * in the shape skl2onnx gives a scikit-learn one ({@link LogisticRegression#toOnnxLinearClassifier}):
 *
 * <ul>
 *   <li>scored as the replay's processor scores them, padded to {@code --batch-max-records} rows
 *       ({@link ReplayPlans#fixedSizeRuns()}), every row gets the same bits however the rows were cut
 *       into batches and wherever a row sits in its batch: the guarantee;</li>
 *   <li>unpadded, the MLPs give every row the same bits at every batch size (so for them even another
 *       {@code --batch-max-records} gives the same output), while the regression gives some rows other
 *       bits when they are scored alone: why the padding is needed.</li>
 * </ul>
 *
 * See docs/BACKTESTING.md for the measurements.
 */
class ReplayScoreDeterminismTest {

    private static final int ROWS = 2_000;
    /** The padded batch size of these tests, small to keep 2 000 one-row batches cheap. */
    private static final int BATCH_MAX_RECORDS = 64;
    /** Batch sizes the padded rows are cut into; 0: uneven sizes, as a wall-clock flush cuts them. */
    private static final int[] SPLITS = {1, 2, 3, 7, 16, 31, 63, 64, 0};
    private static final int[] UNPADDED_SIZES = {1, 2, 3, 7, 8, 16, 31, 64, 100, 255, 256, 1000, 1024, ROWS};
    private static final int REGRESSION_LANE = 2;

    private static ReplayModels models;
    private static List<Transaction> rows;

    @BeforeAll
    static void loadModels() {
        final SyntheticTransactions generator = new SyntheticTransactions(11, 500);
        rows = new ArrayList<>();
        for (int i = 0; i < ROWS; i++) {
            rows.add(generator.next(Instant.ofEpochMilli(1_800_000_000_000L + i)));
        }
        final List<ReplayModels.LaneSpec> lanes = new ArrayList<>();
        for (ModelSpec s : List.of(
                DemoModels.inlineSpec("fraud", "small", Mlp.random(5, 30, 16, 1).toOnnx(), 0.5, Map.of()),
                DemoModels.inlineSpec("fraud", "wide", Mlp.random(6, 30, 256, 128, 1).toOnnx(), 0.5, Map.of()),
                convertedRegressionSpec("regression"))) {
            lanes.add(new ReplayModels.LaneSpec(s, "stable"));
        }
        models = ReplayModels.load(lanes, Transaction.getClassSchema(), w -> {
            throw new AssertionError(w);
        });
    }

    @AfterAll
    static void closeModels() {
        models.close();
    }

    @Test
    void aReplayAsksTheProcessorForFixedSizeRuns() {
        final ReplayRange range = new ReplayRange("tx", List.of(new ReplayRange.Partition(0, 0, 10, 10)));
        final ReplayPlans plans = new ReplayPlans(models, ReplayPlans.allLanes(models.lanes()), range,
                new ReplayCollector(range, null, List.of("small", "wide", "regression")), "replay of fraud");
        assertTrue(plans.fixedSizeRuns());
    }

    @Test
    void paddedEveryRowScoresTheSameBitsHoweverTheBatchesWereCut() {
        for (int lane = 0; lane < models.lanes(); lane++) {
            final ScoringModel model = models.model(lane);
            // the reference: consecutive full batches, each a run of BATCH_MAX_RECORDS rows
            final double[] reference = scoreAll(model, true, BATCH_MAX_RECORDS);
            for (int split : SPLITS) {
                final double[] scores = scoreAll(model, true, split);
                assertEquals(0, differing(reference, scores), String.format(Locale.ROOT, "%s: rows whose padded "
                        + "score differs in batches of %d from consecutive full batches", model, split));
            }
        }
    }

    @Test
    void unpaddedTheMlpsScoreTheSameBitsInEveryBatchSize() {
        for (int lane = 0; lane < REGRESSION_LANE; lane++) {
            final ScoringModel model = models.model(lane);
            final double[] reference = scoreAll(model, false, ROWS);
            for (int size : UNPADDED_SIZES) {
                assertEquals(0, differing(reference, scoreAll(model, false, size)), String.format(Locale.ROOT,
                        "%s: rows whose score differs in batches of %d from the one batch of %d", model, size, ROWS));
            }
        }
    }

    @Test
    void unpaddedTheConvertedRegressionScoresSomeRowsDifferentlyAlone() {
        final ScoringModel model = models.model(REGRESSION_LANE);
        final int differing = differing(scoreAll(model, false, ROWS), scoreAll(model, false, 1));
        assertTrue(differing > 0, "no row scored alone differs from its score in one batch of " + ROWS + ": the "
                + "regression no longer shows ONNX Runtime's batch dependence, and the padding test proves nothing");
    }

    // ---- helpers --------------------------------------------------------------------------------

    /** A regression trained on synthetic transactions, exported as skl2onnx would, scored from P(1). */
    private static ModelSpec convertedRegressionSpec(String version) {
        final LogisticRegression lr = new LogisticRegressionTrainer(3).train(new SyntheticTransactions(3, 500)
                .sample(2_000, Instant.parse("2026-01-01T00:00:00Z"), 1_000));
        return ModelSpec.newBuilder(DemoModels.inlineSpec("fraud", version, lr.toOnnxLinearClassifier(false), 0.5,
                Map.of())).setOutput(ModelOutput.newBuilder().setScoreOutput(TreeEnsemble.PROBABILITIES).build())
                .build();
    }

    /**
     * Every row's score, the rows cut into consecutive batches of {@code batch} (0: sizes 5, 1, 30, 1,
     * 2, 1, 26, 64, 1, 17 in turn), by a scorer padded to {@link #BATCH_MAX_RECORDS} rows or by an
     * unpadded one as large as the batches.
     */
    private static double[] scoreAll(ScoringModel model, boolean padded, int batch) {
        final int[] uneven = {5, 1, 30, 1, 2, 1, 26, 64, 1, 17};
        final double[] out = new double[ROWS];
        try (BatchScorer scorer = padded ? model.newPaddedScorer(BATCH_MAX_RECORDS) : model.newScorer(batch)) {
            int from = 0;
            for (int k = 0; from < ROWS; k++) {
                final int to = Math.min(ROWS, from + (batch > 0 ? batch : uneven[k % uneven.length]));
                scorer.clear();
                for (int i = from; i < to; i++) {
                    scorer.add(rows.get(i));
                }
                final ScoredBatch scored = scorer.score();
                for (int i = from; i < to; i++) {
                    out[i] = scored.score(i - from);
                }
                from = to;
            }
        }
        return out;
    }

    private static int differing(double[] a, double[] b) {
        int n = 0;
        for (int i = 0; i < a.length; i++) {
            n += Double.doubleToRawLongBits(a[i]) == Double.doubleToRawLongBits(b[i]) ? 0 : 1;
        }
        return n;
    }
}
