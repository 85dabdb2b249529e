package io.scorestream.inference.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Test helper: runs generated models on the ONNX Runtime CPU provider and compares numbers.
 * Sessions are created per call and closed by the caller ({@link #session(byte[])}) or here.
 */
public final class OrtTestSupport {

    public static final OrtEnvironment ENV = OrtEnvironment.getEnvironment();

    private OrtTestSupport() {
    }

    /** A CPU session for the model; the caller closes it. */
    public static OrtSession session(final byte[] model) throws OrtException {
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            return ENV.createSession(model, options);
        }
    }

    /** A [rows x width] float tensor of the given row-major values; the caller closes it. */
    public static OnnxTensor tensor(final float[] flat, final int rows, final int width) throws OrtException {
        return OnnxTensor.createTensor(ENV, FloatBuffer.wrap(flat), new long[] {rows, width});
    }

    /**
     * Runs a single-input model on {@code rows} and returns the named float output, flattened
     * row-major (whatever its rank).
     */
    public static float[] runFlat(final OrtSession session, final String input, final double[][] rows,
                                  final String output) throws OrtException {
        final Map<String, double[][]> inputs = new LinkedHashMap<>();
        inputs.put(input, rows);
        return runFlat(session, inputs, output);
    }

    /** Runs a model on several named [N, w] inputs and returns the named float output, flattened. */
    public static float[] runFlat(final OrtSession session, final Map<String, double[][]> inputs,
                                  final String output) throws OrtException {
        final Map<String, OnnxTensor> tensors = new LinkedHashMap<>();
        try {
            for (final Map.Entry<String, double[][]> e : inputs.entrySet()) {
                final double[][] rows = e.getValue();
                tensors.put(e.getKey(), tensor(toFloat(rows), rows.length, rows[0].length));
            }
            try (OrtSession.Result result = session.run(tensors)) {
                final OnnxValue value = result.get(output).orElseThrow();
                final FloatBuffer buffer = ((OnnxTensor) value).getFloatBuffer();
                final float[] out = new float[buffer.remaining()];
                buffer.get(out);
                return out;
            }
        } finally {
            for (final OnnxTensor t : tensors.values()) {
                t.close();
            }
        }
    }

    /** Row-major float copy of a row array. */
    public static float[] toFloat(final double[][] rows) {
        final int width = rows[0].length;
        final float[] flat = new float[rows.length * width];
        for (int r = 0; r < rows.length; r++) {
            for (int c = 0; c < width; c++) {
                flat[r * width + c] = (float) rows[r][c];
            }
        }
        return flat;
    }

    /**
     * Standard-normal rows, already rounded to float so that the double reference sees exactly the
     * values the model sees.
     */
    public static double[][] randomRows(final long seed, final int rows, final int width) {
        final SplittableRandom rnd = new SplittableRandom(seed);
        final double[][] out = new double[rows][width];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < width; c++) {
                out[r][c] = (float) gaussian(rnd);
            }
        }
        return out;
    }

    /** Relative part of the tolerance of {@link #scaledError(double, double)}. */
    public static final double RELATIVE_TOLERANCE = 1e-5;
    /**
     * Absolute part of the tolerance: ONNX Runtime's CPU Sigmoid is an approximation with an absolute
     * error of up to ~7e-8 (measured, ORT 1.29), which dominates for probabilities below ~0.01.
     */
    public static final double ABSOLUTE_TOLERANCE = 1e-7;

    /**
     * {@code |actual - expected| / (1e-5 * |expected| + 1e-7)}: at most 1 when the two agree to 1e-5
     * relative, allowing for the runtime's absolute error on tiny values.
     */
    public static double scaledError(final double actual, final double expected) {
        return Math.abs(actual - expected) / (RELATIVE_TOLERANCE * Math.abs(expected) + ABSOLUTE_TOLERANCE);
    }

    private static double gaussian(final SplittableRandom rnd) {
        // Box-Muller; one value per call keeps the stream simple and reproducible.
        final double u1 = 1.0 - rnd.nextDouble();
        final double u2 = rnd.nextDouble();
        return Math.sqrt(-2.0 * Math.log(u1)) * Math.cos(2.0 * Math.PI * u2);
    }
}
