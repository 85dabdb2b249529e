package io.scorestream.inference;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Output tensors a scorer owns and ONNX Runtime writes a run's results into ("pinned outputs" of
 * {@code OrtSession.run(inputs, requestedOutputs, pinnedOutputs)}), so a run's scores are read
 * straight from a direct buffer instead of being copied out of a tensor ONNX Runtime allocated.
 *
 * <p>Only a requested output that is a numeric tensor (float, double, int64, int32) whose every
 * dimension but the first (the batch) is fixed can be pinned: its buffer can then be sized before
 * the run. Each pinned output has one direct buffer in native byte order, allocated once for the
 * largest run; tensors over its first {@code rows} rows are made when the run size changes and
 * reused while it repeats. The other requested outputs ({@link #unpinnedOutputs()}) are left to the
 * run's result as before. A pinned tensor is not owned by the result: closing the result leaves it
 * open, and {@link #close()} (or a new run size) closes it.
 *
 * <p>Not thread-safe: owned by one scorer.
 */
final class PinnedOutputs implements AutoCloseable {

    private final String[] names;
    private final String[] types;
    /** Per output: its dimensions after the batch one. */
    private final long[][] rowShapes;
    /** Per output: values per row (the product of {@link #rowShapes}). */
    private final int[] widths;
    private final Buffer[] buffers;
    private final OnnxTensor[] tensors;
    private final Set<String> unpinned;
    /** The pinned tensors by output name, passed to every run; one map for the scorer's life. */
    private final Map<String, OnnxTensor> byName;
    private int rows = -1;
    private int created;
    private int closed;

    private PinnedOutputs(List<ValueSpec> pinnable, Set<String> requested, int maxRows) {
        final int n = pinnable.size();
        this.names = new String[n];
        this.types = new String[n];
        this.rowShapes = new long[n][];
        this.widths = new int[n];
        this.buffers = new Buffer[n];
        this.tensors = new OnnxTensor[n];
        this.byName = new HashMap<>(n * 2);
        final Set<String> rest = new LinkedHashSet<>(requested);
        for (int i = 0; i < n; i++) {
            final ValueSpec spec = pinnable.get(i);
            names[i] = spec.name();
            types[i] = spec.elementType();
            rowShapes[i] = new long[spec.rank() - 1];
            long width = 1;
            for (int d = 1; d < spec.rank(); d++) {
                rowShapes[i][d - 1] = spec.dim(d);
                width *= spec.dim(d);
            }
            final long bytes = (long) maxRows * width * elementBytes(types[i]);
            if (width > Integer.MAX_VALUE || bytes > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("output " + spec + " of " + maxRows + " rows needs " + bytes
                        + " bytes, more than one buffer holds");
            }
            widths[i] = (int) width;
            final ByteBuffer b = ByteBuffer.allocateDirect((int) bytes).order(ByteOrder.nativeOrder());
            buffers[i] = switch (types[i]) {
                case "FLOAT" -> b.asFloatBuffer();
                case "DOUBLE" -> b.asDoubleBuffer();
                case "INT64" -> b.asLongBuffer();
                default -> b.asIntBuffer();
            };
            rest.remove(spec.name());
        }
        this.unpinned = Set.copyOf(rest);
    }

    /**
     * Pinned outputs for the requested outputs of {@code output} that can be pinned, with room for
     * runs of up to {@code maxRows} rows; null when none can.
     *
     * @throws IllegalArgumentException when an output of {@code maxRows} rows would exceed one
     *     direct buffer
     */
    static PinnedOutputs of(OutputReader output, int maxRows) {
        final List<ValueSpec> pinnable = new ArrayList<>();
        for (ValueSpec spec : output.requestedSpecs()) {
            if (pinnable(spec)) {
                pinnable.add(spec);
            }
        }
        return pinnable.isEmpty() ? null : new PinnedOutputs(pinnable, output.requestedOutputs(), maxRows);
    }

    /**
     * Whether ONNX Runtime can write {@code spec} into a buffer sized before the run: a numeric
     * tensor of rank 1 or more whose dimensions after the first are all fixed.
     */
    static boolean pinnable(ValueSpec spec) {
        if (spec.kind() != ValueSpec.Kind.TENSOR || spec.rank() < 1) {
            return false;
        }
        switch (spec.elementType()) {
            case "FLOAT", "DOUBLE", "INT64", "INT32" -> { }
            default -> {
                return false;
            }
        }
        for (int d = 1; d < spec.rank(); d++) {
            if (spec.dim(d) < 0) {
                return false;
            }
        }
        return true;
    }

    private static int elementBytes(String type) {
        return "DOUBLE".equals(type) || "INT64".equals(type) ? 8 : 4;
    }

    /** The names of the pinned outputs. */
    List<String> names() {
        return List.of(names);
    }

    /** The requested outputs that are not pinned: the ones a run is still asked to return. */
    Set<String> unpinnedOutputs() {
        return unpinned;
    }

    /**
     * The pinned tensors for a run of {@code count} rows, by output name: the ones of the last run
     * when it had as many rows, else new ones (the old ones are closed).
     */
    Map<String, OnnxTensor> forRun(OrtEnvironment env, int count) throws OrtException {
        if (count != rows) {
            closeTensors();
            for (int i = 0; i < names.length; i++) {
                final long[] shape = new long[rowShapes[i].length + 1];
                shape[0] = count;
                System.arraycopy(rowShapes[i], 0, shape, 1, rowShapes[i].length);
                final int values = count * widths[i];
                final OnnxTensor t = switch (types[i]) {
                    case "FLOAT" -> OnnxTensor.createTensor(env,
                            ((FloatBuffer) buffers[i]).duplicate().position(0).limit(values).slice(), shape);
                    case "DOUBLE" -> OnnxTensor.createTensor(env,
                            ((DoubleBuffer) buffers[i]).duplicate().position(0).limit(values).slice(), shape);
                    case "INT64" -> OnnxTensor.createTensor(env,
                            ((LongBuffer) buffers[i]).duplicate().position(0).limit(values).slice(), shape);
                    default -> OnnxTensor.createTensor(env,
                            ((IntBuffer) buffers[i]).duplicate().position(0).limit(values).slice(), shape);
                };
                created++;
                tensors[i] = t;
                byName.put(names[i], t);
            }
            rows = count;
        }
        return byName;
    }

    /**
     * The buffer output {@code name} is written into (a {@link FloatBuffer}, {@link DoubleBuffer},
     * {@link LongBuffer} or {@link IntBuffer} by its element type; row-major from index 0, read with
     * absolute gets), or null when that output is not pinned.
     */
    Buffer buffer(String name) {
        for (int i = 0; i < names.length; i++) {
            if (names[i].equals(name)) {
                return buffers[i];
            }
        }
        return null;
    }

    /** Values per row of pinned output {@code name}; -1 when it is not pinned. */
    int width(String name) {
        for (int i = 0; i < names.length; i++) {
            if (names[i].equals(name)) {
                return widths[i];
            }
        }
        return -1;
    }

    /** The tensors of the current run size (empty before the first run or after close); for tests. */
    List<OnnxTensor> tensors() {
        final List<OnnxTensor> l = new ArrayList<>();
        for (OnnxTensor t : tensors) {
            if (t != null) {
                l.add(t);
            }
        }
        return l;
    }

    /** Tensors made so far; for tests. */
    int created() {
        return created;
    }

    /** Tensors closed so far; for tests. */
    int closed() {
        return closed;
    }

    private void closeTensors() {
        for (int i = 0; i < tensors.length; i++) {
            if (tensors[i] != null) {
                tensors[i].close();
                tensors[i] = null;
                closed++;
            }
        }
        byName.clear();
        rows = -1;
    }

    /** Closes the tensors; the buffers go with the object. Idempotent; a later run makes new tensors. */
    @Override
    public void close() {
        closeTensors();
    }
}
