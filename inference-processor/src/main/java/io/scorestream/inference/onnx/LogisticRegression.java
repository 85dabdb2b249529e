package io.scorestream.inference.onnx;

import java.util.List;
import java.util.Objects;

/**
 * A binary logistic regression, {@code sigmoid(w . x + b)}, with a double-precision reference
 * ({@link #predict(double[])}) and an ONNX export ({@link #toOnnx()}). Immutable and thread-safe.
 */
public final class LogisticRegression {

    private final float[] weights;
    private final float bias;

    /**
     * @param weights one weight per input column; non-empty, copied
     * @param bias the intercept
     */
    public LogisticRegression(final float[] weights, final float bias) {
        if (Objects.requireNonNull(weights, "weights").length == 0) {
            throw new IllegalArgumentException("weights must be non-empty");
        }
        this.weights = weights.clone();
        this.bias = bias;
    }

    /** Number of input columns. */
    public int inputWidth() {
        return weights.length;
    }

    /** A copy of the weights. */
    public float[] weights() {
        return weights.clone();
    }

    /** The intercept. */
    public float bias() {
        return bias;
    }

    /** P(class 1) for one row of {@link #inputWidth()} values, in double precision. */
    public double predict(final double[] row) {
        if (row.length != weights.length) {
            throw new IllegalArgumentException("expected " + weights.length + " features, got " + row.length);
        }
        double z = bias;
        for (int i = 0; i < weights.length; i++) {
            z += row[i] * weights[i];
        }
        return Mlp.sigmoid(z);
    }

    /** The model: input "features" float [N, in] → Gemm → Sigmoid → output "score" float [N, 1]. */
    public byte[] toOnnx() {
        return new OnnxGraphBuilder("logistic_regression")
                .input(Mlp.INPUT, ElementType.FLOAT, -1, weights.length)
                .output(Mlp.OUTPUT, ElementType.FLOAT, -1, 1)
                .initializer("lr_w", weights.clone(), weights.length, 1)
                .initializer("lr_b", new float[] {bias}, 1)
                .node("Gemm", List.of(Mlp.INPUT, "lr_w", "lr_b"), List.of("lr_z"))
                .node("Sigmoid", List.of("lr_z"), List.of(Mlp.OUTPUT))
                .build();
    }

    /** The same model as a one-layer {@link Mlp}. */
    public Mlp toMlp() {
        final float[][] w = new float[weights.length][1];
        for (int i = 0; i < weights.length; i++) {
            w[i][0] = weights[i];
        }
        return new Mlp(List.<float[][]>of(w), List.<float[]>of(new float[] {bias}));
    }
}
