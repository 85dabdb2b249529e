package io.scorestream.inference.onnx;

import java.util.List;
import java.util.Objects;

/**
 * A binary logistic regression, {@code sigmoid(w . x + b)}, with a double-precision reference
 * ({@link #predict(double[])}) and two ONNX exports: a plain graph ({@link #toOnnx()}) and the shape
 * a converter gives a scikit-learn model ({@link #toOnnxLinearClassifier(boolean)}). Immutable and
 * thread-safe.
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

    /**
     * The model as skl2onnx converts a binary scikit-learn {@code LogisticRegression} with a float
     * input: input "features" float [N, in] → {@code LinearClassifier} ({@code ai.onnx.ml}; class
     * labels 0 and 1, coefficients {@code [-w; w]}, intercepts {@code [-b, b]}, post_transform
     * {@code LOGISTIC}) → outputs {@value TreeEnsemble#LABEL} int64 [N] and
     * {@value TreeEnsemble#PROBABILITIES} float [N, 2] ({@code [sigmoid(-z), sigmoid(z)]}, the same
     * names {@link TreeEnsemble} uses).
     *
     * <p>ONNX Runtime's CPU kernel for it computes a row's probabilities by a different path when the
     * run has one row than when it has more, so the last bits of a score can depend on the batch size
     * (measured with ONNX Runtime 1.29: see docs/BACKTESTING.md). Tests use it as the batch-sensitive
     * model.
     *
     * @param zipMap when true, the probabilities go through {@code ZipMap} (keys 0 and 1) and the
     *     graph's second output is {@value TreeEnsemble#ZIPMAP_OUTPUT}, a sequence of maps, as the
     *     converter's default
     */
    public byte[] toOnnxLinearClassifier(final boolean zipMap) {
        final int n = weights.length;
        final float[] coefficients = new float[2 * n];
        for (int i = 0; i < n; i++) {
            coefficients[i] = -weights[i];
            coefficients[n + i] = weights[i];
        }
        final OnnxGraphBuilder b = new OnnxGraphBuilder("linear_classifier")
                .input(Mlp.INPUT, ElementType.FLOAT, -1, n)
                .output(TreeEnsemble.LABEL, ElementType.INT64, -1);
        if (zipMap) {
            b.sequenceOfMapsOutput(TreeEnsemble.ZIPMAP_OUTPUT, ElementType.INT64, ElementType.FLOAT);
        } else {
            b.output(TreeEnsemble.PROBABILITIES, ElementType.FLOAT, -1, 2);
        }
        b.node(OnnxGraphBuilder.ML_DOMAIN, "LinearClassifier", List.of(Mlp.INPUT),
                List.of(TreeEnsemble.LABEL, TreeEnsemble.PROBABILITIES),
                OnnxAttribute.ints("classlabels_ints", 0, 1),
                OnnxAttribute.floats("coefficients", coefficients),
                OnnxAttribute.floats("intercepts", -bias, bias),
                OnnxAttribute.intAttr("multi_class", 0),
                OnnxAttribute.stringAttr("post_transform", "LOGISTIC"));
        if (zipMap) {
            b.node(OnnxGraphBuilder.ML_DOMAIN, "ZipMap", List.of(TreeEnsemble.PROBABILITIES),
                    List.of(TreeEnsemble.ZIPMAP_OUTPUT), OnnxAttribute.ints("classlabels_int64s", 0, 1));
        }
        return b.build();
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
