package io.scorestream.inference;

import io.scorestream.schemas.ClassProbability;
import java.util.ArrayList;
import java.util.List;
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

    /**
     * The spec's {@code top_k} most probable classes of the row, most probable first (ties in the
     * model's class order), or null when the spec asks for none. A new list per call.
     */
    public List<ClassProbability> topClasses(int row) {
        final int k = scorer.model().output().topK();
        final Map<String, Double> byClass = scorer.probabilitiesAt(row);
        if (k == 0 || byClass == null) {
            return null;
        }
        final List<Map.Entry<String, Double>> entries = new ArrayList<>(byClass.entrySet());
        // A stable sort: classes of equal probability keep the model's order.
        entries.sort((a, b) -> Double.compare(b.getValue(), a.getValue()));
        final List<ClassProbability> top = new ArrayList<>(Math.min(k, entries.size()));
        for (int i = 0; i < k && i < entries.size(); i++) {
            top.add(new ClassProbability(entries.get(i).getKey(), entries.get(i).getValue()));
        }
        return top;
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
