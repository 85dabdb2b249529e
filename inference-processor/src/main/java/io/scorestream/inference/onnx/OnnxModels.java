package io.scorestream.inference.onnx;

import java.util.List;

/**
 * Ready-made model shapes for tests, demos and benchmarks: each is a real ONNX model whose
 * reference output a Java object computes. Stateless; all methods are thread-safe.
 *
 * <ul>
 *   <li>one input [N, w], output [N, 1]: {@link Mlp#toOnnx()}, {@link LogisticRegression#toOnnx()}</li>
 *   <li>two named inputs: {@link #twoInputMlp(Mlp, int)}</li>
 *   <li>a fixed batch dimension: {@link #fixedBatch(Mlp, int)}</li>
 *   <li>output [N]: {@link #squeezedScore(Mlp)}</li>
 *   <li>output [N, k]: {@link #softmaxClassifier(long, int, int)}</li>
 *   <li>label + probabilities, with or without ZipMap: {@link TreeEnsemble#toOnnx(boolean)}</li>
 * </ul>
 */
public final class OnnxModels {

    /** First input of {@link #twoInputMlp(Mlp, int)}. */
    public static final String DENSE = "dense";
    /** Second input of {@link #twoInputMlp(Mlp, int)}. */
    public static final String EMBEDDING = "embedding";

    private OnnxModels() {
    }

    /**
     * The MLP fed by two inputs: {@value #DENSE} float [N, firstWidth] and {@value #EMBEDDING}
     * float [N, inputWidth - firstWidth], concatenated on axis 1; output "score" float [N, out].
     * Its reference is {@code mlp.predict(concat(dense, embedding))}.
     */
    public static byte[] twoInputMlp(final Mlp mlp, final int firstWidth) {
        return mlp.toOnnxTwoInputs(DENSE, firstWidth, EMBEDDING);
    }

    /**
     * The MLP with a fixed batch dimension: input "features" float [batch, in], output "score"
     * float [batch, out]. ONNX Runtime rejects any other batch size.
     */
    public static byte[] fixedBatch(final Mlp mlp, final int batch) {
        if (batch <= 0) {
            throw new IllegalArgumentException("batch must be positive, got " + batch);
        }
        return mlp.toOnnx(Mlp.INPUT, Mlp.OUTPUT, batch);
    }

    /**
     * A single-output MLP whose output "score" is float [N] rather than [N, 1] (the sigmoid output is
     * reshaped to one dimension). Its reference is {@code mlp.predict(row)[0]}.
     *
     * @throws IllegalArgumentException if the MLP has more than one output column
     */
    public static byte[] squeezedScore(final Mlp mlp) {
        if (mlp.outputWidth() != 1) {
            throw new IllegalArgumentException("squeezedScore needs a single-output MLP, this one has "
                    + mlp.outputWidth());
        }
        final OnnxGraphBuilder b = new OnnxGraphBuilder("mlp_squeezed")
                .input(Mlp.INPUT, ElementType.FLOAT, -1, mlp.inputWidth())
                .output(Mlp.OUTPUT, ElementType.FLOAT, -1);
        mlp.appendLayers(b, Mlp.INPUT, "score_2d");
        b.initializer("flat_shape", new long[] {-1L}, 1)
                .node("Reshape", List.of("score_2d", "flat_shape"), List.of(Mlp.OUTPUT));
        return b.build();
    }

    /**
     * A seeded random softmax classifier over {@code classes} classes: its {@link SoftmaxRegression#toOnnx()}
     * has input "features" float [N, inputWidth] and output "probabilities" float [N, classes], and
     * its {@link SoftmaxRegression#predict(double[])} is the reference.
     */
    public static SoftmaxRegression softmaxClassifier(final long seed, final int inputWidth, final int classes) {
        return SoftmaxRegression.random(seed, inputWidth, classes);
    }
}
