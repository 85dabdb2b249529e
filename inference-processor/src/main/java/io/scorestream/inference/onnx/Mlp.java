package io.scorestream.inference.onnx;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * A dense multi-layer perceptron held in Java: {@code Gemm} layers with ReLU between them and a
 * sigmoid on every column of the last layer. It computes a double-precision reference with
 * {@link #predict(double[])} and exports itself as an ONNX model with {@link #toOnnx()}.
 *
 * <p>Layer {@code l} maps {@code x (1 x in)} to {@code x W_l + b_l (1 x out)}, with
 * {@code W_l = weights.get(l)} indexed {@code [in][out]}.
 *
 * <p>Immutable and thread-safe: arrays are copied in and out.
 */
public final class Mlp {

    /** Default input name of the exported model. */
    public static final String INPUT = "features";
    /** Default output name of the exported model. */
    public static final String OUTPUT = "score";

    private final float[][][] weights;
    private final float[][] biases;

    /**
     * @param weights per layer, a {@code [inWidth][outWidth]} matrix; layer {@code l}'s out width
     *     must be layer {@code l+1}'s in width
     * @param biases per layer, a vector of that layer's out width
     * @throws IllegalArgumentException if the shapes do not chain, or there are no layers
     */
    public Mlp(final List<float[][]> weights, final List<float[]> biases) {
        Objects.requireNonNull(weights, "weights");
        Objects.requireNonNull(biases, "biases");
        if (weights.isEmpty() || weights.size() != biases.size()) {
            throw new IllegalArgumentException("need one bias per weight matrix and at least one layer, got "
                    + weights.size() + " weight matrices and " + biases.size() + " biases");
        }
        this.weights = new float[weights.size()][][];
        this.biases = new float[biases.size()][];
        int expectedIn = -1;
        for (int l = 0; l < weights.size(); l++) {
            final float[][] w = weights.get(l);
            final float[] b = biases.get(l);
            if (w == null || w.length == 0 || w[0] == null || w[0].length == 0 || b == null) {
                throw new IllegalArgumentException("layer " + l + " is empty or null");
            }
            final int in = w.length;
            final int out = w[0].length;
            if (expectedIn != -1 && in != expectedIn) {
                throw new IllegalArgumentException("layer " + l + " takes " + in + " inputs but layer " + (l - 1)
                        + " produces " + expectedIn);
            }
            if (b.length != out) {
                throw new IllegalArgumentException("layer " + l + " has " + out + " outputs but a bias of "
                        + b.length);
            }
            this.weights[l] = new float[in][];
            for (int i = 0; i < in; i++) {
                if (w[i] == null || w[i].length != out) {
                    throw new IllegalArgumentException("layer " + l + " weight row " + i + " is not of width " + out);
                }
                this.weights[l][i] = w[i].clone();
            }
            this.biases[l] = b.clone();
            expectedIn = out;
        }
    }

    /**
     * A randomly initialised MLP (Xavier/Glorot-uniform weights, small uniform biases), seeded and
     * therefore reproducible. Its outputs on standard-normal inputs spread well away from 0.5.
     *
     * @param layerWidths input width, hidden widths..., output width (at least two values)
     */
    public static Mlp random(final long seed, final int... layerWidths) {
        if (layerWidths.length < 2) {
            throw new IllegalArgumentException("need an input width and an output width");
        }
        final SplittableRandom rnd = new SplittableRandom(seed);
        final List<float[][]> ws = new ArrayList<>();
        final List<float[]> bs = new ArrayList<>();
        for (int l = 0; l + 1 < layerWidths.length; l++) {
            final int in = layerWidths[l];
            final int out = layerWidths[l + 1];
            if (in <= 0 || out <= 0) {
                throw new IllegalArgumentException("layer widths must be positive");
            }
            // Glorot bound, widened on the last layer so the sigmoid sees logits of a few units.
            final boolean last = l + 2 == layerWidths.length;
            final double bound = Math.sqrt(6.0 / (in + out)) * (last ? 2.0 : 1.0);
            final float[][] w = new float[in][out];
            for (int i = 0; i < in; i++) {
                for (int j = 0; j < out; j++) {
                    w[i][j] = (float) rnd.nextDouble(-bound, bound);
                }
            }
            final float[] b = new float[out];
            for (int j = 0; j < out; j++) {
                b[j] = (float) rnd.nextDouble(-0.1, 0.1);
            }
            ws.add(w);
            bs.add(b);
        }
        return new Mlp(ws, bs);
    }

    /** Number of input columns. */
    public int inputWidth() {
        return weights[0].length;
    }

    /** Number of output columns. */
    public int outputWidth() {
        return biases[biases.length - 1].length;
    }

    /** Number of {@code Gemm} layers. */
    public int layerCount() {
        return weights.length;
    }

    /** A copy of layer {@code l}'s {@code [in][out]} weights. */
    public float[][] weights(final int layer) {
        final float[][] copy = new float[weights[layer].length][];
        for (int i = 0; i < copy.length; i++) {
            copy[i] = weights[layer][i].clone();
        }
        return copy;
    }

    /** A copy of layer {@code l}'s bias. */
    public float[] bias(final int layer) {
        return biases[layer].clone();
    }

    /**
     * The double-precision reference output for one row (the float weights widened to double).
     *
     * @param row {@link #inputWidth()} values
     * @return {@link #outputWidth()} sigmoid outputs
     */
    public double[] predict(final double[] row) {
        if (row.length != inputWidth()) {
            throw new IllegalArgumentException("expected " + inputWidth() + " features, got " + row.length);
        }
        double[] x = row;
        for (int l = 0; l < weights.length; l++) {
            final float[][] w = weights[l];
            final float[] b = biases[l];
            final double[] y = new double[b.length];
            for (int j = 0; j < y.length; j++) {
                y[j] = b[j];
            }
            for (int i = 0; i < w.length; i++) {
                final double xi = x[i];
                final float[] wi = w[i];
                for (int j = 0; j < y.length; j++) {
                    y[j] += xi * wi[j];
                }
            }
            final boolean last = l == weights.length - 1;
            for (int j = 0; j < y.length; j++) {
                y[j] = last ? sigmoid(y[j]) : Math.max(0.0, y[j]);
            }
            x = y;
        }
        return x;
    }

    /** The model with input {@value #INPUT} float [N, in] and output {@value #OUTPUT} float [N, out]. */
    public byte[] toOnnx() {
        return toOnnx(INPUT, OUTPUT, -1);
    }

    /**
     * The model with the given input and output names.
     *
     * @param fixedBatch {@code -1} for a symbolic batch dimension {@code N}, otherwise the fixed batch
     *     size written into both the input and the output shape (as some converters do)
     */
    public byte[] toOnnx(final String inputName, final String outputName, final long fixedBatch) {
        if (fixedBatch == 0 || fixedBatch < -1) {
            throw new IllegalArgumentException("fixedBatch must be -1 or positive, got " + fixedBatch);
        }
        final OnnxGraphBuilder b = new OnnxGraphBuilder("mlp")
                .input(inputName, ElementType.FLOAT, fixedBatch, inputWidth())
                .output(outputName, ElementType.FLOAT, fixedBatch, outputWidth());
        appendLayers(b, inputName, outputName);
        return b.build();
    }

    /**
     * A two-input variant: inputs {@code in1} float [N, width1] and {@code in2} float
     * [N, inputWidth - width1] are concatenated on axis 1 and fed to this MLP; output
     * {@value #OUTPUT} float [N, out].
     */
    public byte[] toOnnxTwoInputs(final String in1, final int width1, final String in2) {
        if (width1 <= 0 || width1 >= inputWidth()) {
            throw new IllegalArgumentException("first input width must be in [1, " + (inputWidth() - 1)
                    + "], got " + width1);
        }
        final String concatenated = in1 + "_" + in2 + "_concat";
        final OnnxGraphBuilder b = new OnnxGraphBuilder("mlp_two_inputs")
                .input(in1, ElementType.FLOAT, -1, width1)
                .input(in2, ElementType.FLOAT, -1, inputWidth() - width1)
                .output(OUTPUT, ElementType.FLOAT, -1, outputWidth())
                .node("Concat", List.of(in1, in2), List.of(concatenated), OnnxAttribute.intAttr("axis", 1));
        appendLayers(b, concatenated, OUTPUT);
        return b.build();
    }

    /**
     * Appends this MLP's initializers and nodes to {@code b}, reading {@code input} [N, in] and
     * writing {@code output} [N, out]. Initializer and intermediate names are prefixed "mlp_".
     */
    void appendLayers(final OnnxGraphBuilder b, final String input, final String output) {
        String x = input;
        for (int l = 0; l < weights.length; l++) {
            final int in = weights[l].length;
            final int out = biases[l].length;
            final float[] flat = new float[in * out];
            for (int i = 0; i < in; i++) {
                System.arraycopy(weights[l][i], 0, flat, i * out, out);
            }
            final String w = "mlp_w" + l;
            final String bias = "mlp_b" + l;
            final String z = "mlp_z" + l;
            b.initializer(w, flat, in, out).initializer(bias, biases[l].clone(), out);
            b.node("Gemm", List.of(x, w, bias), List.of(z), OnnxAttribute.intAttr("transB", 0));
            final boolean last = l == weights.length - 1;
            final String y = last ? output : "mlp_h" + l;
            b.node(last ? "Sigmoid" : "Relu", List.of(z), List.of(y));
            x = y;
        }
    }

    static double sigmoid(final double z) {
        return 1.0 / (1.0 + Math.exp(-z));
    }
}
