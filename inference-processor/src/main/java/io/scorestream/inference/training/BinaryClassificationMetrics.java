package io.scorestream.inference.training;

import java.util.Arrays;
import java.util.Locale;

/**
 * Evaluation of binary scores against labels: ROC AUC and the confusion matrix at a threshold.
 * Stateless; all methods are thread-safe and leave their arguments unchanged.
 */
public final class BinaryClassificationMetrics {

    private BinaryClassificationMetrics() {
    }

    /**
     * The area under the ROC curve: the probability that a random positive scores above a random
     * negative, counting a tie as one half (the Mann-Whitney statistic).
     *
     * @return 1.0 for a perfect ranking, 0.0 for a reversed one, 0.5 when every score is equal
     * @throws IllegalArgumentException if lengths differ, a score is NaN, or either class is absent
     */
    public static double rocAuc(final double[] scores, final boolean[] labels) {
        check(scores, labels);
        int positives = 0;
        for (final boolean label : labels) {
            positives += label ? 1 : 0;
        }
        final int negatives = labels.length - positives;
        if (positives == 0 || negatives == 0) {
            throw new IllegalArgumentException("ROC AUC needs both classes; got " + positives + " positives and "
                    + negatives + " negatives");
        }
        final double[] pos = new double[positives];
        final double[] neg = new double[negatives];
        int p = 0;
        int n = 0;
        for (int i = 0; i < scores.length; i++) {
            if (labels[i]) {
                pos[p++] = scores[i];
            } else {
                neg[n++] = scores[i];
            }
        }
        Arrays.sort(pos);
        Arrays.sort(neg);
        // Walk the positives in ascending order; for each, count negatives strictly below and equal.
        double wins = 0.0;
        int below = 0;
        int belowOrEqual = 0;
        for (final double s : pos) {
            while (below < negatives && neg[below] < s) {
                below++;
            }
            if (belowOrEqual < below) {
                belowOrEqual = below;
            }
            while (belowOrEqual < negatives && neg[belowOrEqual] <= s) {
                belowOrEqual++;
            }
            wins += below + 0.5 * (belowOrEqual - below);
        }
        return wins / ((double) positives * negatives);
    }

    /**
     * The confusion matrix when a score at or above {@code threshold} is predicted positive.
     *
     * @throws IllegalArgumentException if lengths differ or a score is NaN
     */
    public static ConfusionMatrix confusionMatrix(final double[] scores, final boolean[] labels,
                                                  final double threshold) {
        check(scores, labels);
        long tp = 0;
        long fp = 0;
        long tn = 0;
        long fn = 0;
        for (int i = 0; i < scores.length; i++) {
            final boolean predicted = scores[i] >= threshold;
            if (predicted) {
                if (labels[i]) {
                    tp++;
                } else {
                    fp++;
                }
            } else if (labels[i]) {
                fn++;
            } else {
                tn++;
            }
        }
        return new ConfusionMatrix(tp, fp, tn, fn);
    }

    private static void check(final double[] scores, final boolean[] labels) {
        if (scores.length != labels.length) {
            throw new IllegalArgumentException(scores.length + " scores but " + labels.length + " labels");
        }
        for (int i = 0; i < scores.length; i++) {
            if (Double.isNaN(scores[i])) {
                throw new IllegalArgumentException("score " + i + " is NaN");
            }
        }
    }

    /** Counts of a binary decision against the truth. Immutable. */
    public static final class ConfusionMatrix {
        private final long truePositives;
        private final long falsePositives;
        private final long trueNegatives;
        private final long falseNegatives;

        /** A matrix of the given counts (each non-negative). */
        public ConfusionMatrix(final long truePositives, final long falsePositives, final long trueNegatives,
                               final long falseNegatives) {
            if (truePositives < 0 || falsePositives < 0 || trueNegatives < 0 || falseNegatives < 0) {
                throw new IllegalArgumentException("counts must be non-negative");
            }
            this.truePositives = truePositives;
            this.falsePositives = falsePositives;
            this.trueNegatives = trueNegatives;
            this.falseNegatives = falseNegatives;
        }

        /** Positives predicted positive. */
        public long truePositives() {
            return truePositives;
        }

        /** Negatives predicted positive. */
        public long falsePositives() {
            return falsePositives;
        }

        /** Negatives predicted negative. */
        public long trueNegatives() {
            return trueNegatives;
        }

        /** Positives predicted negative. */
        public long falseNegatives() {
            return falseNegatives;
        }

        /** TP / (TP + FP); 0 when nothing is predicted positive. */
        public double precision() {
            return ratio(truePositives, truePositives + falsePositives);
        }

        /** TP / (TP + FN), the true-positive rate; 0 when there are no positives. */
        public double recall() {
            return ratio(truePositives, truePositives + falseNegatives);
        }

        /** FP / (FP + TN); 0 when there are no negatives. */
        public double falsePositiveRate() {
            return ratio(falsePositives, falsePositives + trueNegatives);
        }

        /** (TP + TN) / all; 0 when empty. */
        public double accuracy() {
            return ratio(truePositives + trueNegatives,
                    truePositives + trueNegatives + falsePositives + falseNegatives);
        }

        /** Harmonic mean of precision and recall; 0 when both are 0. */
        public double f1() {
            final double p = precision();
            final double r = recall();
            return p + r == 0 ? 0.0 : 2 * p * r / (p + r);
        }

        private static double ratio(final long num, final long den) {
            return den == 0 ? 0.0 : (double) num / den;
        }

        @Override
        public boolean equals(final Object o) {
            if (!(o instanceof ConfusionMatrix)) {
                return false;
            }
            final ConfusionMatrix m = (ConfusionMatrix) o;
            return truePositives == m.truePositives && falsePositives == m.falsePositives
                    && trueNegatives == m.trueNegatives && falseNegatives == m.falseNegatives;
        }

        @Override
        public int hashCode() {
            return Long.hashCode(truePositives) * 31 * 31 * 31 + Long.hashCode(falsePositives) * 31 * 31
                    + Long.hashCode(trueNegatives) * 31 + Long.hashCode(falseNegatives);
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "ConfusionMatrix[tp=%d, fp=%d, tn=%d, fn=%d, precision=%.4f, recall=%.4f]",
                    truePositives, falsePositives, trueNegatives, falseNegatives, precision(), recall());
        }
    }
}
