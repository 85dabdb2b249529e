package io.scorestream.inference.training;

import java.util.Objects;

/**
 * Feature rows with their binary labels, for training and evaluation. Holds the arrays it is
 * given without copying; callers must not change them while a trainer or metric uses them.
 */
public final class LabeledRows {

    private final double[][] features;
    private final boolean[] labels;

    /**
     * @param features one row per example, all of the same width
     * @param labels one label per row, true for the positive class
     * @throws IllegalArgumentException if the counts differ, there are no rows, or widths differ
     */
    public LabeledRows(final double[][] features, final boolean[] labels) {
        Objects.requireNonNull(features, "features");
        Objects.requireNonNull(labels, "labels");
        if (features.length == 0 || features.length != labels.length) {
            throw new IllegalArgumentException("need one label per row and at least one row, got "
                    + features.length + " rows and " + labels.length + " labels");
        }
        final int width = features[0].length;
        for (int i = 0; i < features.length; i++) {
            if (features[i] == null || features[i].length != width) {
                throw new IllegalArgumentException("row " + i + " is not of width " + width);
            }
        }
        this.features = features;
        this.labels = labels;
    }

    /** The rows (not a copy). */
    public double[][] features() {
        return features;
    }

    /** The labels (not a copy). */
    public boolean[] labels() {
        return labels;
    }

    /** Number of rows. */
    public int size() {
        return labels.length;
    }

    /** Width of every row. */
    public int width() {
        return features[0].length;
    }

    /** Number of positive labels. */
    public int positives() {
        int n = 0;
        for (final boolean label : labels) {
            n += label ? 1 : 0;
        }
        return n;
    }
}
