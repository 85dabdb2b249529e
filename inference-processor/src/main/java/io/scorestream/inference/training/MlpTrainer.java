package io.scorestream.inference.training;

import io.scorestream.inference.onnx.Mlp;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * Trains a binary classifier {@link Mlp} (ReLU hidden layers, one sigmoid output) by mini-batch
 * gradient descent with Adam on the binary cross-entropy, on standardised features. The
 * standardisation is folded into the first layer, so the returned model, and its ONNX export,
 * take raw features.
 *
 * <p>Deterministic: the same settings and data give the same model. A trainer is immutable and
 * may be shared; {@link #train(LabeledRows)} allocates its own working state and does not modify
 * the data.
 */
public final class MlpTrainer {

    private static final double BETA1 = 0.9;
    private static final double BETA2 = 0.999;
    private static final double EPSILON = 1e-8;

    private final long seed;
    private final int[] hiddenWidths;
    private final int epochs;
    private final int batchSize;
    private final double learningRate;
    private final double l2;
    private final double positiveWeight;

    private MlpTrainer(final Builder b) {
        this.seed = b.seed;
        this.hiddenWidths = b.hiddenWidths.clone();
        this.epochs = b.epochs;
        this.batchSize = b.batchSize;
        this.learningRate = b.learningRate;
        this.l2 = b.l2;
        this.positiveWeight = b.positiveWeight;
    }

    /** Starts configuring a trainer; defaults: seed 1, one hidden layer of 16, 20 epochs, batch 128. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Trains on {@code data} (label true = class 1).
     *
     * @return a model of widths {@code data.width(), hidden..., 1} taking raw features
     */
    public Mlp train(final LabeledRows data) {
        Objects.requireNonNull(data, "data");
        final int n = data.size();
        final int d = data.width();
        final Standardizer standardizer = Standardizer.fit(data.features());
        final double[] x = standardizer.transformFlat(data.features());
        final boolean[] y = data.labels();

        final int[] widths = new int[hiddenWidths.length + 2];
        widths[0] = d;
        System.arraycopy(hiddenWidths, 0, widths, 1, hiddenWidths.length);
        widths[widths.length - 1] = 1;
        final int layers = widths.length - 1;

        final SplittableRandom rnd = new SplittableRandom(seed);
        final double[][] w = new double[layers][];
        final double[][] b = new double[layers][];
        for (int l = 0; l < layers; l++) {
            final int in = widths[l];
            final int out = widths[l + 1];
            // He-uniform before a ReLU, Glorot-uniform before the sigmoid.
            final double bound = l < layers - 1 ? Math.sqrt(6.0 / in) : Math.sqrt(6.0 / (in + out));
            w[l] = new double[in * out];
            for (int k = 0; k < w[l].length; k++) {
                w[l][k] = rnd.nextDouble(-bound, bound);
            }
            b[l] = new double[out];
        }
        final Adam adamW = new Adam(w);
        final Adam adamB = new Adam(b);

        final int batch = Math.min(batchSize, n);
        final double[][] act = new double[layers + 1][];
        final double[][] delta = new double[layers + 1][];
        final double[][] gw = new double[layers][];
        final double[][] gb = new double[layers][];
        for (int l = 0; l <= layers; l++) {
            act[l] = new double[batch * widths[l]];
            delta[l] = new double[batch * widths[l]];
        }
        for (int l = 0; l < layers; l++) {
            gw[l] = new double[w[l].length];
            gb[l] = new double[b[l].length];
        }
        final int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }

        for (int epoch = 0; epoch < epochs; epoch++) {
            shuffle(order, rnd);
            for (int start = 0; start < n; start += batch) {
                final int rows = Math.min(batch, n - start);
                for (int r = 0; r < rows; r++) {
                    System.arraycopy(x, order[start + r] * d, act[0], r * d, d);
                }
                forward(widths, w, b, act, rows);
                // d(loss)/d(logit) of the weighted mean cross-entropy is (p - y) * weight / rows.
                for (int r = 0; r < rows; r++) {
                    final boolean label = y[order[start + r]];
                    final double p = act[layers][r];
                    delta[layers][r] = (p - (label ? 1.0 : 0.0)) * (label ? positiveWeight : 1.0) / rows;
                }
                backward(widths, w, act, delta, gw, gb, rows);
                for (int l = 0; l < layers; l++) {
                    for (int k = 0; k < w[l].length; k++) {
                        gw[l][k] += l2 * w[l][k];
                    }
                }
                adamW.step(w, gw, learningRate);
                adamB.step(b, gb, learningRate);
            }
        }

        final List<float[][]> weights = new ArrayList<>(layers);
        final List<float[]> biases = new ArrayList<>(layers);
        final float[] firstBias = new float[widths[1]];
        weights.add(standardizer.foldWeights(w[0], b[0], widths[1], firstBias));
        biases.add(firstBias);
        for (int l = 1; l < layers; l++) {
            final int in = widths[l];
            final int out = widths[l + 1];
            final float[][] wl = new float[in][out];
            for (int i = 0; i < in; i++) {
                for (int j = 0; j < out; j++) {
                    wl[i][j] = (float) w[l][i * out + j];
                }
            }
            final float[] bl = new float[out];
            for (int j = 0; j < out; j++) {
                bl[j] = (float) b[l][j];
            }
            weights.add(wl);
            biases.add(bl);
        }
        return new Mlp(weights, biases);
    }

    private static void forward(final int[] widths, final double[][] w, final double[][] b, final double[][] act,
                                final int rows) {
        final int layers = widths.length - 1;
        for (int l = 0; l < layers; l++) {
            final int in = widths[l];
            final int out = widths[l + 1];
            final double[] a = act[l];
            final double[] z = act[l + 1];
            final double[] wl = w[l];
            final boolean last = l == layers - 1;
            for (int r = 0; r < rows; r++) {
                final int zo = r * out;
                System.arraycopy(b[l], 0, z, zo, out);
                for (int i = 0; i < in; i++) {
                    final double ai = a[r * in + i];
                    if (ai == 0.0) {
                        continue;
                    }
                    final int wo = i * out;
                    for (int j = 0; j < out; j++) {
                        z[zo + j] += ai * wl[wo + j];
                    }
                }
                for (int j = 0; j < out; j++) {
                    final double v = z[zo + j];
                    z[zo + j] = last ? 1.0 / (1.0 + Math.exp(-v)) : (v > 0 ? v : 0.0);
                }
            }
        }
    }

    private static void backward(final int[] widths, final double[][] w, final double[][] act,
                                 final double[][] delta, final double[][] gw, final double[][] gb,
                                 final int rows) {
        for (int l = widths.length - 2; l >= 0; l--) {
            final int in = widths[l];
            final int out = widths[l + 1];
            final double[] a = act[l];
            final double[] dz = delta[l + 1];
            final double[] wl = w[l];
            final double[] gwl = gw[l];
            final double[] gbl = gb[l];
            Arrays.fill(gwl, 0.0);
            Arrays.fill(gbl, 0.0);
            for (int r = 0; r < rows; r++) {
                final int zo = r * out;
                for (int j = 0; j < out; j++) {
                    gbl[j] += dz[zo + j];
                }
                for (int i = 0; i < in; i++) {
                    final double ai = a[r * in + i];
                    if (ai == 0.0) {
                        continue;
                    }
                    final int wo = i * out;
                    for (int j = 0; j < out; j++) {
                        gwl[wo + j] += ai * dz[zo + j];
                    }
                }
            }
            if (l > 0) {
                // Through the ReLU: a unit that output 0 passes no gradient back.
                final double[] da = delta[l];
                for (int r = 0; r < rows; r++) {
                    final int zo = r * out;
                    for (int i = 0; i < in; i++) {
                        if (a[r * in + i] <= 0.0) {
                            da[r * in + i] = 0.0;
                            continue;
                        }
                        final int wo = i * out;
                        double s = 0.0;
                        for (int j = 0; j < out; j++) {
                            s += wl[wo + j] * dz[zo + j];
                        }
                        da[r * in + i] = s;
                    }
                }
            }
        }
    }

    private static void shuffle(final int[] order, final SplittableRandom rnd) {
        for (int i = order.length - 1; i > 0; i--) {
            final int j = rnd.nextInt(i + 1);
            final int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
    }

    /** Adam moment estimates for a set of parameter arrays. */
    private static final class Adam {
        private final double[][] m;
        private final double[][] v;
        private long t;

        Adam(final double[][] params) {
            m = new double[params.length][];
            v = new double[params.length][];
            for (int l = 0; l < params.length; l++) {
                m[l] = new double[params[l].length];
                v[l] = new double[params[l].length];
            }
        }

        void step(final double[][] params, final double[][] grads, final double lr) {
            t++;
            final double c1 = 1.0 - Math.pow(BETA1, t);
            final double c2 = 1.0 - Math.pow(BETA2, t);
            for (int l = 0; l < params.length; l++) {
                final double[] p = params[l];
                final double[] g = grads[l];
                final double[] ml = m[l];
                final double[] vl = v[l];
                for (int k = 0; k < p.length; k++) {
                    ml[k] = BETA1 * ml[k] + (1 - BETA1) * g[k];
                    vl[k] = BETA2 * vl[k] + (1 - BETA2) * g[k] * g[k];
                    p[k] -= lr * (ml[k] / c1) / (Math.sqrt(vl[k] / c2) + EPSILON);
                }
            }
        }
    }

    /** Settings of an {@link MlpTrainer}; validated by {@link #build()}. Not thread-safe. */
    public static final class Builder {
        private long seed = 1;
        private int[] hiddenWidths = {16};
        private int epochs = 20;
        private int batchSize = 128;
        private double learningRate = 0.003;
        private double l2 = 1e-4;
        private double positiveWeight = 1.0;

        private Builder() {
        }

        /** Seed of initialisation and shuffling. */
        public Builder seed(final long seed) {
            this.seed = seed;
            return this;
        }

        /** Widths of the hidden layers; none gives a logistic regression. */
        public Builder hiddenWidths(final int... widths) {
            this.hiddenWidths = widths.clone();
            return this;
        }

        /** Passes over the data. */
        public Builder epochs(final int epochs) {
            this.epochs = epochs;
            return this;
        }

        /** Rows per gradient step. */
        public Builder batchSize(final int batchSize) {
            this.batchSize = batchSize;
            return this;
        }

        /** Adam step size. */
        public Builder learningRate(final double learningRate) {
            this.learningRate = learningRate;
            return this;
        }

        /** L2 penalty on weights (not biases). */
        public Builder l2(final double l2) {
            this.l2 = l2;
            return this;
        }

        /** Loss weight of positive rows relative to negative ones (1 = unweighted). */
        public Builder positiveWeight(final double positiveWeight) {
            this.positiveWeight = positiveWeight;
            return this;
        }

        /**
         * @throws IllegalArgumentException naming the setting that is out of range
         */
        public MlpTrainer build() {
            for (final int width : hiddenWidths) {
                if (width <= 0) {
                    throw new IllegalArgumentException("hiddenWidths must be positive");
                }
            }
            if (epochs <= 0) {
                throw new IllegalArgumentException("epochs must be positive, got " + epochs);
            }
            if (batchSize <= 0) {
                throw new IllegalArgumentException("batchSize must be positive, got " + batchSize);
            }
            if (!(learningRate > 0)) {
                throw new IllegalArgumentException("learningRate must be positive, got " + learningRate);
            }
            if (!(l2 >= 0)) {
                throw new IllegalArgumentException("l2 must be >= 0, got " + l2);
            }
            if (!(positiveWeight > 0)) {
                throw new IllegalArgumentException("positiveWeight must be positive, got " + positiveWeight);
            }
            return new MlpTrainer(this);
        }
    }
}
