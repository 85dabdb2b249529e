package io.scorestream.inference.training;

/**
 * Per-column mean and standard deviation of a training set, used to train on standardised
 * features and then fold the standardisation back into the first layer so that the exported
 * model takes raw features. Immutable.
 */
final class Standardizer {

    private final double[] mean;
    private final double[] scale;

    private Standardizer(final double[] mean, final double[] scale) {
        this.mean = mean;
        this.scale = scale;
    }

    /** Fits to the columns of {@code rows}; a constant column gets scale 1. */
    static Standardizer fit(final double[][] rows) {
        final int d = rows[0].length;
        final double[] mean = new double[d];
        final double[] scale = new double[d];
        for (final double[] row : rows) {
            for (int i = 0; i < d; i++) {
                mean[i] += row[i];
            }
        }
        for (int i = 0; i < d; i++) {
            mean[i] /= rows.length;
        }
        for (final double[] row : rows) {
            for (int i = 0; i < d; i++) {
                final double c = row[i] - mean[i];
                scale[i] += c * c;
            }
        }
        for (int i = 0; i < d; i++) {
            final double sd = Math.sqrt(scale[i] / rows.length);
            scale[i] = sd > 1e-12 ? sd : 1.0;
        }
        return new Standardizer(mean, scale);
    }

    /** All rows standardised into one row-major array. */
    double[] transformFlat(final double[][] rows) {
        final int d = mean.length;
        final double[] out = new double[rows.length * d];
        for (int r = 0; r < rows.length; r++) {
            for (int i = 0; i < d; i++) {
                out[r * d + i] = (rows[r][i] - mean[i]) / scale[i];
            }
        }
        return out;
    }

    /**
     * Rewrites a first layer trained on standardised inputs, {@code z = ((x - mean) / scale) W + b},
     * as one on raw inputs: {@code W'[i][j] = W[i][j] / scale[i]},
     * {@code b'[j] = b[j] - sum_i mean[i] * W'[i][j]}.
     *
     * @param w row-major {@code [in][out]}
     * @return the raw-input weights as float {@code [in][out]}; {@code biasOut} receives b'
     */
    float[][] foldWeights(final double[] w, final double[] b, final int out, final float[] biasOut) {
        final int d = mean.length;
        final float[][] folded = new float[d][out];
        final double[] bias = b.clone();
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < out; j++) {
                final double wij = w[i * out + j] / scale[i];
                folded[i][j] = (float) wij;
                bias[j] -= mean[i] * wij;
            }
        }
        for (int j = 0; j < out; j++) {
            biasOut[j] = (float) bias[j];
        }
        return folded;
    }
}
