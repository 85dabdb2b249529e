package io.scorestream.inference.training;

import io.scorestream.inference.onnx.LogisticRegression;
import io.scorestream.inference.onnx.Mlp;
import java.util.Objects;

/**
 * Trains a {@link LogisticRegression} by mini-batch Adam on the binary cross-entropy, on
 * standardised features folded back into the weights (the model takes raw features). It is an
 * {@link MlpTrainer} without hidden layers. Immutable and deterministic.
 */
public final class LogisticRegressionTrainer {

    private final MlpTrainer trainer;

    /** Default settings with the given seed: 15 epochs, batch 128, learning rate 0.01, L2 1e-4. */
    public LogisticRegressionTrainer(final long seed) {
        this(seed, 15, 128, 0.01, 1e-4);
    }

    /**
     * @throws IllegalArgumentException if a setting is out of range
     */
    public LogisticRegressionTrainer(final long seed, final int epochs, final int batchSize,
                                     final double learningRate, final double l2) {
        this.trainer = MlpTrainer.builder().seed(seed).hiddenWidths().epochs(epochs).batchSize(batchSize)
                .learningRate(learningRate).l2(l2).build();
    }

    /** Trains on {@code data} (label true = class 1); the model takes raw features. */
    public LogisticRegression train(final LabeledRows data) {
        final Mlp mlp = trainer.train(Objects.requireNonNull(data, "data"));
        final float[][] w = mlp.weights(0);
        final float[] weights = new float[w.length];
        for (int i = 0; i < w.length; i++) {
            weights[i] = w[i][0];
        }
        return new LogisticRegression(weights, mlp.bias(0)[0]);
    }
}
