package io.scorestream.inference;

import ai.onnxruntime.OnnxMap;
import ai.onnxruntime.OnnxSequence;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.scorestream.schemas.ModelOutput;
import java.nio.Buffer;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads scores (and labels, class probabilities) out of a run's result, for the output shapes
 * models commonly have: a float tensor {@code [N]}, {@code [N,1]} or {@code [N,k]} (one column is
 * the score), or the sklearn-converter shape: an int64 label tensor plus a sequence of maps from
 * class label to probability (ZipMap). Checked against the signature at construction. Immutable.
 */
final class OutputReader {

    private enum ScoreShape { VECTOR, MATRIX, ZIPMAP }

    private final String scoreOutput;
    private final ScoreShape shape;
    /** Column of a matrix output; -1 = last column. */
    private final int column;
    /** ZipMap key of the score class (Long or String). */
    private final Object scoreClass;
    private final String labelOutput;
    /** Softmax across the columns of a matrix output before it is read. */
    private final boolean softmax;
    /** Names of a matrix output's classes, in column order; null when the spec gives none. */
    private final String[] classLabels;
    /** How many of the most probable classes each score lists; 0 for none. */
    private final int topK;
    private final Set<String> requested;
    /** The signature's entries of the requested outputs, score output first. */
    private final List<ValueSpec> requestedSpecs;

    private OutputReader(ValueSpec scoreSpec, ScoreShape shape, int column, Object scoreClass, ValueSpec labelSpec,
                         boolean softmax, String[] classLabels, int topK) {
        this.scoreOutput = scoreSpec.name();
        final String labelOutput = labelSpec == null ? null : labelSpec.name();
        this.shape = shape;
        this.column = column;
        this.scoreClass = scoreClass;
        this.labelOutput = labelOutput;
        this.softmax = softmax;
        this.classLabels = classLabels;
        this.topK = topK;
        final Set<String> r = new LinkedHashSet<>();
        r.add(scoreOutput);
        if (labelOutput != null) {
            r.add(labelOutput);
        }
        this.requested = Set.copyOf(r);
        this.requestedSpecs = labelSpec == null || labelOutput.equals(scoreOutput) ? List.of(scoreSpec)
                : List.of(scoreSpec, labelSpec);
    }

    static OutputReader of(String modelName, String version, ModelOutput out, ModelSignature sig) {
        if (out == null || out.getScoreOutput() == null) {
            throw refuse(modelName, version, "the spec names no score output; the model's outputs are "
                    + sig.outputNames());
        }
        final String name = out.getScoreOutput();
        final ValueSpec spec = sig.output(name).orElseThrow(() -> refuse(modelName, version,
                "score output '" + name + "' is not an output of the model; its outputs are " + sig.outputs()));
        final ScoreShape shape;
        int column = -1;
        Object scoreClass = null;
        switch (spec.kind()) {
            case TENSOR -> {
                if (!"FLOAT".equals(spec.elementType()) && !"DOUBLE".equals(spec.elementType())) {
                    throw refuse(modelName, version, "score output " + spec + " is not a float or double tensor");
                }
                if (spec.rank() == 1) {
                    shape = ScoreShape.VECTOR;
                    if (out.getScoreColumn() != null && out.getScoreColumn() != 0) {
                        throw refuse(modelName, version, "score output " + spec + " has one column but the spec picks "
                                + "column " + out.getScoreColumn());
                    }
                } else if (spec.rank() == 2) {
                    shape = ScoreShape.MATRIX;
                    final long k = spec.dim(1);
                    if (out.getScoreColumn() != null) {
                        column = out.getScoreColumn();
                        if (column < 0 || (k >= 0 && column >= k)) {
                            throw refuse(modelName, version, "the spec picks column " + column + " of score output "
                                    + spec + ", which has " + (k >= 0 ? k + " column(s)" : "a symbolic width"));
                        }
                    }
                } else {
                    throw refuse(modelName, version, "score output " + spec + " must be [N], [N,1] or [N,k]");
                }
            }
            case SEQUENCE_OF_MAPS -> {
                shape = ScoreShape.ZIPMAP;
                if (!"FLOAT".equals(spec.elementType()) && !"DOUBLE".equals(spec.elementType())) {
                    throw refuse(modelName, version, "score output " + spec + " maps to " + spec.elementType()
                            + ", not to probabilities");
                }
                final String cls = out.getScoreClass() == null ? "1" : out.getScoreClass();
                if ("INT64".equals(spec.keyType())) {
                    try {
                        scoreClass = Long.valueOf(cls);
                    } catch (NumberFormatException e) {
                        throw refuse(modelName, version, "score class '" + cls + "' is not an integer, but output "
                                + spec + " has int64 class labels");
                    }
                } else if ("STRING".equals(spec.keyType())) {
                    scoreClass = cls;
                } else {
                    throw refuse(modelName, version, "score output " + spec + " has unsupported key type");
                }
            }
            default -> throw refuse(modelName, version, "score output " + spec
                    + " is neither a tensor nor a sequence of maps");
        }
        final String label = out.getLabelOutput();
        ValueSpec labelSpec = null;
        if (label != null) {
            final ValueSpec l = sig.output(label).orElseThrow(() -> refuse(modelName, version,
                    "label output '" + label + "' is not an output of the model; its outputs are " + sig.outputNames()));
            final boolean supported = l.kind() == ValueSpec.Kind.TENSOR
                    && (l.rank() == 1 || (l.rank() == 2 && l.dim(1) == 1))
                    && List.of("INT64", "INT32", "STRING").contains(l.elementType());
            if (!supported) {
                throw refuse(modelName, version, "label output " + l + " must be an int64, int32 or string tensor [N]");
            }
            labelSpec = l;
        }
        final boolean soft = Boolean.TRUE.equals(out.getSoftmax());
        final List<String> names = out.getClassLabels();
        String[] classes = null;
        if (soft && (shape != ScoreShape.MATRIX || spec.dim(1) == 1)) {
            throw refuse(modelName, version, "softmax applies to an [N,k] score tensor of k >= 2 columns; score "
                    + "output " + spec + " is not one");
        }
        if (names != null) {
            if (shape != ScoreShape.MATRIX) {
                throw refuse(modelName, version, "class_labels name the columns of an [N,k] score tensor; score output "
                        + spec + " is not one" + (shape == ScoreShape.ZIPMAP ? " (a ZipMap output names its classes "
                        + "itself)" : ""));
            }
            final long k = spec.dim(1);
            if (k >= 0 && names.size() != k) {
                throw refuse(modelName, version, "class_labels name " + names.size() + " class(es) but score output "
                        + spec + " has " + k + " column(s)");
            }
            if (names.stream().anyMatch(java.util.Objects::isNull)
                    || new java.util.HashSet<>(names).size() != names.size()) {
                throw refuse(modelName, version, "class_labels " + names + " must be distinct names");
            }
            classes = names.toArray(new String[0]);
            if (out.getScoreClass() != null) {
                if (out.getScoreColumn() != null) {
                    throw refuse(modelName, version, "the spec picks the score both by column (" + out.getScoreColumn()
                            + ") and by class ('" + out.getScoreClass() + "'); give one");
                }
                column = names.indexOf(out.getScoreClass());
                if (column < 0) {
                    throw refuse(modelName, version, "score class '" + out.getScoreClass() + "' is not among "
                            + "class_labels " + names);
                }
            }
        } else if (shape == ScoreShape.MATRIX && out.getScoreClass() != null) {
            throw refuse(modelName, version, "score class '" + out.getScoreClass() + "' picks a column of score output "
                    + spec + " by name, which needs class_labels");
        }
        final int top = out.getTopK() == null ? 0 : out.getTopK();
        if (out.getTopK() != null) {
            if (classes == null && shape != ScoreShape.ZIPMAP) {
                throw refuse(modelName, version, "top_k needs class probabilities: class_labels for an [N,k] score "
                        + "tensor, or a ZipMap output");
            }
            if (top < 1 || (classes != null && top > classes.length)) {
                throw refuse(modelName, version, "top_k " + top + " must be 1 to the number of classes"
                        + (classes != null ? " (" + classes.length + ")" : ""));
            }
        }
        return new OutputReader(spec, shape, column, scoreClass, labelSpec, soft, classes, top);
    }

    private static ModelLoadException refuse(String name, String version, String detail) {
        return new ModelLoadException(name, version, ModelLoadException.Reason.OUTPUT_MAPPING, detail);
    }

    /** The outputs a run must compute. */
    Set<String> requestedOutputs() {
        return requested;
    }

    /** The signature's entries of {@link #requestedOutputs()}, score output first. */
    List<ValueSpec> requestedSpecs() {
        return requestedSpecs;
    }

    /** Whether each row gets a label: from the label output, or the argmax of named classes. */
    boolean hasLabels() {
        return labelOutput != null || classLabels != null;
    }

    boolean hasClassProbabilities() {
        return shape == ScoreShape.ZIPMAP || classLabels != null;
    }

    /** How many of the most probable classes each score lists; 0 for none. */
    int topK() {
        return topK;
    }

    /**
     * Copies rows {@code 0..n-1} of {@code result} into {@code scores[offset..]} (and the label and
     * probability arrays when present).
     */
    void read(OrtSession.Result result, int n, int offset, double[] scores, String[] labels,
              Map<String, Double>[] probabilities) throws OrtException {
        read(result, null, n, offset, scores, labels, probabilities);
    }

    /**
     * As {@link #read(OrtSession.Result, int, int, double[], String[], Map[])}, reading each output
     * that {@code pinned} holds straight from its buffer (the run wrote it there) and every other one
     * from {@code result}. {@code pinned} may be null: then every output comes from the result.
     */
    void read(OrtSession.Result result, PinnedOutputs pinned, int n, int offset, double[] scores, String[] labels,
              Map<String, Double>[] probabilities) throws OrtException {
        final Buffer pinnedScores = pinned == null ? null : pinned.buffer(scoreOutput);
        if (shape == ScoreShape.ZIPMAP) {
            readZipMap((OnnxSequence) output(result, scoreOutput), n, offset, scores, probabilities);
        } else if (pinnedScores != null) {
            readTensor(pinnedScores, pinned.width(scoreOutput), n, offset, scores, labels, probabilities);
        } else {
            final OnnxTensor t = (OnnxTensor) output(result, scoreOutput);
            final boolean doubles = t.getInfo().type == ai.onnxruntime.OnnxJavaType.DOUBLE;
            // A copy of the whole output, made by ONNX Runtime's Java API on every call.
            final Buffer values = doubles ? t.getDoubleBuffer() : t.getFloatBuffer();
            final int width = shape == ScoreShape.MATRIX ? (int) t.getInfo().getShape()[1] : 1;
            readTensor(values, width, n, offset, scores, labels, probabilities);
        }
        if (labelOutput != null) {
            final Buffer pinnedLabels = pinned == null ? null : pinned.buffer(labelOutput);
            if (pinnedLabels != null) {
                readLabels(pinnedLabels, n, offset, labels);
            } else {
                readLabels((OnnxTensor) output(result, labelOutput), n, offset, labels);
            }
        }
    }

    private static OnnxValue output(OrtSession.Result result, String name) {
        return result.get(name).orElseThrow(() ->
                new IllegalStateException("the run returned no output '" + name + "'"));
    }

    /**
     * Reads a score tensor's rows from {@code values} (a {@link FloatBuffer} or {@link DoubleBuffer}
     * holding the tensor row-major from index 0, {@code width} values a row).
     */
    private void readTensor(Buffer values, int width, int n, int offset, double[] scores, String[] labels,
                            Map<String, Double>[] probabilities) {
        if (shape == ScoreShape.VECTOR) {
            readVector(values, n, offset, scores);
        } else {
            readMatrix(values, width, n, offset, scores, labels, probabilities);
        }
    }

    private static void readVector(Buffer values, int n, int offset, double[] scores) {
        if (values instanceof DoubleBuffer b) {
            for (int r = 0; r < n; r++) {
                scores[offset + r] = b.get(r);
            }
        } else {
            final FloatBuffer b = (FloatBuffer) values;
            for (int r = 0; r < n; r++) {
                scores[offset + r] = b.get(r);
            }
        }
    }

    private void readMatrix(Buffer values, int k, int n, int offset, double[] scores, String[] labels,
                            Map<String, Double>[] probabilities) {
        final int col = column < 0 ? k - 1 : column;
        if (col >= k) {
            throw new IllegalStateException("score column " + col + " is out of range: the output has " + k
                    + " column(s)");
        }
        if (classLabels != null && classLabels.length != k) {
            throw new IllegalStateException("the spec names " + classLabels.length + " classes but the output has "
                    + k + " column(s)");
        }
        final boolean doubles = values instanceof DoubleBuffer;
        final DoubleBuffer db = doubles ? (DoubleBuffer) values : null;
        final FloatBuffer fb = doubles ? null : (FloatBuffer) values;
        if (!softmax && classLabels == null) {
            // The common case: one column, no per-row work beyond the copy.
            for (int r = 0; r < n; r++) {
                scores[offset + r] = doubles ? db.get(r * k + col) : fb.get(r * k + col);
            }
            return;
        }
        final double[] row = new double[k];
        for (int r = 0; r < n; r++) {
            for (int c = 0; c < k; c++) {
                row[c] = doubles ? db.get(r * k + c) : fb.get(r * k + c);
            }
            if (softmax) {
                softmaxInPlace(row);
            }
            scores[offset + r] = row[col];
            if (classLabels != null) {
                int best = 0;
                for (int c = 1; c < k; c++) {
                    if (row[c] > row[best]) {
                        best = c;
                    }
                }
                if (labelOutput == null) {
                    labels[offset + r] = classLabels[best];
                }
                final Map<String, Double> byClass = new LinkedHashMap<>(k * 2);
                for (int c = 0; c < k; c++) {
                    byClass.put(classLabels[c], row[c]);
                }
                probabilities[offset + r] = byClass;
            }
        }
    }

    /** Softmax of {@code v} in place, computed stably (the maximum subtracted first) in double precision. */
    static void softmaxInPlace(double[] v) {
        double max = Double.NEGATIVE_INFINITY;
        for (double x : v) {
            max = Math.max(max, x);
        }
        double sum = 0;
        for (int i = 0; i < v.length; i++) {
            v[i] = Math.exp(v[i] - max);
            sum += v[i];
        }
        for (int i = 0; i < v.length; i++) {
            v[i] /= sum;
        }
    }

    private void readZipMap(OnnxSequence seq, int n, int offset, double[] scores,
                            Map<String, Double>[] probabilities) throws OrtException {
        final List<? extends OnnxValue> maps = seq.getValue();
        for (int r = 0; r < n; r++) {
            final Map<? extends Object, ? extends Object> m = ((OnnxMap) maps.get(r)).getValue();
            final Object p = m.get(scoreClass);
            if (p == null) {
                throw new IllegalStateException("class '" + scoreClass + "' is not among the model's class labels "
                        + m.keySet());
            }
            scores[offset + r] = ((Number) p).doubleValue();
            final Map<String, Double> copy = new LinkedHashMap<>(m.size() * 2);
            for (Map.Entry<? extends Object, ? extends Object> e : m.entrySet()) {
                copy.put(String.valueOf(e.getKey()), ((Number) e.getValue()).doubleValue());
            }
            probabilities[offset + r] = copy;
        }
    }

    private static void readLabels(OnnxTensor t, int n, int offset, String[] labels) throws OrtException {
        switch (t.getInfo().type) {
            case INT64 -> readLabels(t.getLongBuffer(), n, offset, labels);
            case INT32 -> readLabels(t.getIntBuffer(), n, offset, labels);
            default -> {
                final Object v = t.getValue();
                if (v instanceof String[] s) {
                    System.arraycopy(s, 0, labels, offset, n);
                } else if (v instanceof String[][] s2) {
                    for (int r = 0; r < n; r++) {
                        labels[offset + r] = s2[r][0];
                    }
                } else {
                    throw new IllegalStateException("unsupported label tensor " + t.getInfo());
                }
            }
        }
    }

    /** Integer labels from {@code values}, a {@link LongBuffer} or {@link IntBuffer} from index 0. */
    private static void readLabels(Buffer values, int n, int offset, String[] labels) {
        if (values instanceof LongBuffer b) {
            for (int r = 0; r < n; r++) {
                labels[offset + r] = Long.toString(b.get(r));
            }
        } else {
            final IntBuffer b = (IntBuffer) values;
            for (int r = 0; r < n; r++) {
                labels[offset + r] = Integer.toString(b.get(r));
            }
        }
    }
}
