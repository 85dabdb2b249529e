package io.scorestream.inference.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.scorestream.inference.training.BinaryClassificationMetrics.ConfusionMatrix;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class BinaryClassificationMetricsTest {

    @Test
    void perfectlySeparatedScoresHaveAucOne() {
        assertEquals(1.0, BinaryClassificationMetrics.rocAuc(
                new double[] {0.1, 0.2, 0.3, 0.8, 0.9}, new boolean[] {false, false, false, true, true}));
    }

    @Test
    void reversedScoresHaveAucZero() {
        assertEquals(0.0, BinaryClassificationMetrics.rocAuc(
                new double[] {0.9, 0.8, 0.3, 0.2}, new boolean[] {false, false, true, true}));
    }

    @Test
    void allTiedScoresHaveAucOneHalf() {
        assertEquals(0.5, BinaryClassificationMetrics.rocAuc(
                new double[] {0.4, 0.4, 0.4, 0.4, 0.4}, new boolean[] {true, false, true, false, false}));
    }

    @Test
    void handComputedExamples() {
        // 4 pairs (pos, neg): (0.35,0.1) win, (0.35,0.4) loss, (0.8,0.1) win, (0.8,0.4) win -> 3/4
        assertEquals(0.75, BinaryClassificationMetrics.rocAuc(
                new double[] {0.1, 0.4, 0.35, 0.8}, new boolean[] {false, false, true, true}));
        // positive 0.5 vs negatives {0.5, 0.2}: one tie (1/2) and one win -> 1.5 / 2
        assertEquals(0.75, BinaryClassificationMetrics.rocAuc(
                new double[] {0.5, 0.5, 0.2}, new boolean[] {true, false, false}));
        // positives {0.3, 0.6} vs negatives {0.3, 0.3, 0.6}: 0.3 -> 0 + 2 ties = 1; 0.6 -> 2 wins + 1 tie = 2.5
        assertEquals(3.5 / 6.0, BinaryClassificationMetrics.rocAuc(
                new double[] {0.3, 0.6, 0.3, 0.3, 0.6}, new boolean[] {true, true, false, false, false}), 1e-15);
    }

    @Test
    void aucAgreesWithCountingEveryPair() {
        final SplittableRandom rnd = new SplittableRandom(3);
        final int n = 400;
        final double[] scores = new double[n];
        final boolean[] labels = new boolean[n];
        for (int i = 0; i < n; i++) {
            labels[i] = rnd.nextDouble() < 0.3;
            // coarse scores so that there are many ties
            scores[i] = Math.floor((rnd.nextDouble() + (labels[i] ? 0.3 : 0.0)) * 10) / 10;
        }
        double wins = 0;
        long pairs = 0;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                if (labels[i] && !labels[j]) {
                    pairs++;
                    wins += scores[i] > scores[j] ? 1.0 : scores[i] == scores[j] ? 0.5 : 0.0;
                }
            }
        }
        assertEquals(wins / pairs, BinaryClassificationMetrics.rocAuc(scores, labels), 1e-12);
    }

    @Test
    void aucNeedsBothClasses() {
        assertThrows(IllegalArgumentException.class,
                () -> BinaryClassificationMetrics.rocAuc(new double[] {0.1, 0.2}, new boolean[] {true, true}));
        assertThrows(IllegalArgumentException.class,
                () -> BinaryClassificationMetrics.rocAuc(new double[] {0.1, Double.NaN}, new boolean[] {true, false}));
    }

    @Test
    void confusionMatrixCountsScoresAtTheThresholdAsPositive() {
        // given
        final double[] scores = {0.9, 0.5, 0.49, 0.1, 0.7, 0.2};
        final boolean[] labels = {true, true, true, false, false, false};
        // when
        final ConfusionMatrix m = BinaryClassificationMetrics.confusionMatrix(scores, labels, 0.5);
        // then
        assertEquals(new ConfusionMatrix(2, 1, 2, 1), m);
        assertEquals(2.0 / 3.0, m.precision(), 1e-15);
        assertEquals(2.0 / 3.0, m.recall(), 1e-15);
        assertEquals(1.0 / 3.0, m.falsePositiveRate(), 1e-15);
        assertEquals(4.0 / 6.0, m.accuracy(), 1e-15);
    }

    @Test
    void undefinedRatiosAreZero() {
        final ConfusionMatrix none = BinaryClassificationMetrics.confusionMatrix(
                new double[] {0.1, 0.2}, new boolean[] {true, false}, 0.9);
        assertEquals(0.0, none.precision());
        assertEquals(0.0, none.recall());
        assertEquals(0.0, none.f1());
    }
}
