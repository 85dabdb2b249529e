package io.scorestream.app.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.scorestream.inference.BatchScorer;
import io.scorestream.inference.ScoredBatch;
import io.scorestream.inference.ScoringModel;
import io.scorestream.inference.onnx.Mlp;
import io.scorestream.inference.training.SyntheticTransactions;
import io.scorestream.schemas.ModelSpec;
import io.scorestream.schemas.Transaction;
import io.scorestream.app.demo.DemoModels;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What a replay's byte-identical output rests on: the models a replay loads ({@link ReplayModels}:
 * CPU, one intra-op thread) give every row the same score, to the bit, whatever batch it is scored
 * in. Checked here on the machine that runs the tests, for an MLP like the demo's (30 -> 16 -> 1)
 * and a wider one (30 -> 256 -> 128 -> 1), at batch sizes from 1 to the whole set; see
 * docs/BACKTESTING.md for the measurement.
 */
class ReplayScoreDeterminismTest {

    private static final int ROWS = 2_000;
    private static final int[] BATCH_SIZES = {1, 2, 3, 7, 8, 16, 31, 64, 100, 255, 256, 1000, 1024, ROWS};

    @Test
    void aRowScoresTheSameBitsInEveryBatchSize() {
        final SyntheticTransactions generator = new SyntheticTransactions(11, 500);
        final List<Transaction> rows = new ArrayList<>();
        for (int i = 0; i < ROWS; i++) {
            rows.add(generator.next(Instant.ofEpochMilli(1_800_000_000_000L + i)));
        }
        final List<ModelSpec> specs = List.of(
                DemoModels.inlineSpec("fraud", "small", Mlp.random(5, 30, 16, 1).toOnnx(), 0.5, Map.of()),
                DemoModels.inlineSpec("fraud", "wide", Mlp.random(6, 30, 256, 128, 1).toOnnx(), 0.5, Map.of()));
        final List<ReplayModels.LaneSpec> lanes = new ArrayList<>();
        for (ModelSpec s : specs) {
            lanes.add(new ReplayModels.LaneSpec(s, "stable"));
        }
        try (ReplayModels models = ReplayModels.load(lanes, Transaction.getClassSchema(), w -> {
            throw new AssertionError(w);
        })) {
            for (int lane = 0; lane < models.lanes(); lane++) {
                final ScoringModel model = models.model(lane);
                final double[] reference = scoreAll(model, rows, ROWS);
                for (int size : BATCH_SIZES) {
                    final double[] scores = scoreAll(model, rows, size);
                    int differing = 0;
                    for (int i = 0; i < ROWS; i++) {
                        differing += Double.doubleToRawLongBits(scores[i]) == Double.doubleToRawLongBits(reference[i])
                                ? 0 : 1;
                    }
                    assertEquals(0, differing, String.format(Locale.ROOT, "%s: rows whose score differs in batches "
                            + "of %d from the one batch of %d", model, size, ROWS));
                }
            }
        }
    }

    private static double[] scoreAll(ScoringModel model, List<Transaction> rows, int batch) {
        final double[] out = new double[rows.size()];
        try (BatchScorer scorer = model.newScorer(batch)) {
            for (int from = 0; from < rows.size(); from += batch) {
                scorer.clear();
                final int to = Math.min(rows.size(), from + batch);
                for (int i = from; i < to; i++) {
                    scorer.add(rows.get(i));
                }
                final ScoredBatch scored = scorer.score();
                for (int i = from; i < to; i++) {
                    out[i] = scored.score(i - from);
                }
            }
        }
        return out;
    }
}
