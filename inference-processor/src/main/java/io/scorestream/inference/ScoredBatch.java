package io.scorestream.inference;

import java.util.Map;

/**
 * The results of one {@link BatchScorer#score()}: one score per row, in the order rows were added.
 * A view owned by the scorer, valid until its next {@code add} or {@code clear}; not thread-safe.
 */
public final class ScoredBatch {

    private final BatchScorer scorer;

    ScoredBatch(BatchScorer scorer) {
        this.scorer = scorer;
    }

    public int size() {
        return scorer.size();
    }

    /** The score of row {@code row}. */
    public double score(int row) {
        return scorer.scoreAt(row);
    }

    /** {@code score(row) >= threshold} of the model's spec. */
    public boolean decision(int row) {
        return scorer.scoreAt(row) >= scorer.model().threshold();
    }

    /** The predicted label of the row, or null when the model has no label output. */
    public String label(int row) {
        return scorer.labelAt(row);
    }

    /** Probability per class label (ZipMap models), or null. */
    public Map<String, Double> classProbabilities(int row) {
        return scorer.probabilitiesAt(row);
    }

    /** Wall time of the run(s) that produced this batch, in nanoseconds. */
    public long inferenceNanos() {
        return scorer.lastInferenceNanos();
    }

    public String modelName() {
        return scorer.model().name();
    }

    public String modelVersion() {
        return scorer.model().version();
    }
}
