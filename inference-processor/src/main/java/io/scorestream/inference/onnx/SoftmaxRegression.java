package io.scorestream.inference.onnx;

import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * A multinomial logistic regression, {@code softmax(x W + b)} over {@code k} classes, with a
 * double-precision reference ({@link #predict(double[])}) and an ONNX export ({@link #toOnnx()})
 * whose output is a [N, k] probability tensor. Immutable and thread-safe.
 */
public final class SoftmaxRegression {

    /** Output name of the exported model: float [N, k]. */
    public static final String OUTPUT = "probabilities";

    /** Output name of the {@linkplain #toOnnxLogits() logits export}: float [N, k]. */
    public static final String LOGITS = "logits";

    private final float[][] weights;
    private final float[] bias;

    /**
     * @param weights {@code [inWidth][classes]}, copied
     * @param bias {@code [classes]}, copied
     */
    public SoftmaxRegression(final float[][] weights, final float[] bias) {
        Objects.requireNonNull(weights, "weights");
        Objects.requireNonNull(bias, "bias");
        if (weights.length == 0 || bias.length < 2) {
            throw new IllegalArgumentException("need at least one input and two classes");
        }
        this.weights = new float[weights.length][];
        for (int i = 0; i < weights.length; i++) {
            if (weights[i] == null || weights[i].length != bias.length) {
                throw new IllegalArgumentException("weight row " + i + " is not of width " + bias.length);
            }
            this.weights[i] = weights[i].clone();
        }
        this.bias = bias.clone();
    }

    /** A seeded random model whose class probabilities on standard-normal rows are far from uniform. */
    public static SoftmaxRegression random(final long seed, final int inputWidth, final int classes) {
        if (inputWidth <= 0 || classes < 2) {
            throw new IllegalArgumentException("need inputWidth > 0 and classes >= 2");
        }
        final SplittableRandom rnd = new SplittableRandom(seed);
        final double bound = 2.0 * Math.sqrt(6.0 / (inputWidth + classes));
        final float[][] w = new float[inputWidth][classes];
        for (int i = 0; i < inputWidth; i++) {
            for (int j = 0; j < classes; j++) {
                w[i][j] = (float) rnd.nextDouble(-bound, bound);
            }
        }
        final float[] b = new float[classes];
        for (int j = 0; j < classes; j++) {
            b[j] = (float) rnd.nextDouble(-0.5, 0.5);
        }
        return new SoftmaxRegression(w, b);
    }

    /** Number of input columns. */
    public int inputWidth() {
        return weights.length;
    }

    /** Number of classes, the width of the output. */
    public int classes() {
        return bias.length;
    }

    /** The class logits {@code x W + b} for one row, in double precision. */
    public double[] logits(final double[] row) {
        if (row.length != weights.length) {
            throw new IllegalArgumentException("expected " + weights.length + " features, got " + row.length);
        }
        final int k = bias.length;
        final double[] z = new double[k];
        for (int j = 0; j < k; j++) {
            z[j] = bias[j];
        }
        for (int i = 0; i < weights.length; i++) {
            for (int j = 0; j < k; j++) {
                z[j] += row[i] * weights[i][j];
            }
        }
        return z;
    }

    /** The class probabilities for one row, in double precision; they sum to 1. */
    public double[] predict(final double[] row) {
        final int k = bias.length;
        final double[] z = logits(row);
        double max = Double.NEGATIVE_INFINITY;
        for (final double v : z) {
            max = Math.max(max, v);
        }
        double sum = 0.0;
        for (int j = 0; j < k; j++) {
            z[j] = Math.exp(z[j] - max);
            sum += z[j];
        }
        for (int j = 0; j < k; j++) {
            z[j] /= sum;
        }
        return z;
    }

    /**
     * The model without its softmax, as many exporters leave classifiers: input "features" float
     * [N, in] → Gemm → {@value #LOGITS} float [N, k].
     */
    public byte[] toOnnxLogits() {
        return new OnnxGraphBuilder("softmax_regression_logits")
                .input(Mlp.INPUT, ElementType.FLOAT, -1, weights.length)
                .output(LOGITS, ElementType.FLOAT, -1, bias.length)
                .initializer("softmax_w", flatWeights(), weights.length, bias.length)
                .initializer("softmax_b", bias.clone(), bias.length)
                .node("Gemm", List.of(Mlp.INPUT, "softmax_w", "softmax_b"), List.of(LOGITS))
                .build();
    }

    private float[] flatWeights() {
        final int k = bias.length;
        final float[] flat = new float[weights.length * k];
        for (int i = 0; i < weights.length; i++) {
            System.arraycopy(weights[i], 0, flat, i * k, k);
        }
        return flat;
    }

    /** The model: input "features" float [N, in] → Gemm → Softmax(axis 1) → {@value #OUTPUT} float [N, k]. */
    public byte[] toOnnx() {
        final int in = weights.length;
        final int k = bias.length;
        final float[] flat = flatWeights();
        return new OnnxGraphBuilder("softmax_regression")
                .input(Mlp.INPUT, ElementType.FLOAT, -1, in)
                .output(OUTPUT, ElementType.FLOAT, -1, k)
                .initializer("softmax_w", flat, in, k)
                .initializer("softmax_b", bias.clone(), k)
                .node("Gemm", List.of(Mlp.INPUT, "softmax_w", "softmax_b"), List.of("softmax_z"))
                .node("Softmax", List.of("softmax_z"), List.of(OUTPUT), OnnxAttribute.intAttr("axis", 1))
                .build();
    }
}
