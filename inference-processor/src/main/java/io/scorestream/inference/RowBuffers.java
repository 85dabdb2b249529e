package io.scorestream.inference;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import io.scorestream.inference.onnx.ElementType;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.util.Arrays;

/**
 * The feature rows of a batch: one buffer per model input, of the input's element type, with room
 * for a fixed number of rows of {@link FeatureMapping#width(int)} values each, row-major. A
 * {@link FeatureExtractor} writes records into it; the batch scorer wraps its buffers in tensors.
 *
 * <p>Numbers and booleans live in direct buffers in native byte order, allocated once (zeroed):
 * {@link FloatBuffer} for float, {@link DoubleBuffer} for double, {@link IntBuffer} for int32,
 * {@link LongBuffer} for int64, and a {@link ByteBuffer} of 0 and 1 for bool. ONNX Runtime reads
 * direct buffers in place, so a tensor over one is made once and sees every later write.
 *
 * <p>Strings cannot live in a direct buffer: a string input has a {@code String[]} of the same
 * layout (filled with {@code ""} at first), which ONNX Runtime copies into a new tensor on every
 * run. The array is reused from batch to batch; only a run of fewer rows than it holds copies the
 * run's part into a second array, itself reused while the run size repeats.
 *
 * <p>Not thread-safe; owned by one scorer (or test), which needs no closing: the buffers are freed
 * with the object.
 */
public final class RowBuffers {

    private final ElementType[] types;
    private final int[] widths;
    private final int rows;
    /** Per input: its direct buffer, or null for a string input. */
    private final Buffer[] buffers;
    /** Per input: the direct byte buffer {@link #buffers} views (native order), or null for a string input. */
    private final ByteBuffer[] bytes;
    /** Per input: its strings, or null for a numeric or bool input. */
    private final String[][] texts;
    /** Per string input: the part of {@link #texts} the last shorter run read, or null. */
    private final String[][] runTexts;

    private RowBuffers(ElementType[] types, int[] widths, int rows, Buffer[] buffers, ByteBuffer[] bytes,
                       String[][] texts) {
        this.types = types;
        this.widths = widths;
        this.rows = rows;
        this.buffers = buffers;
        this.bytes = bytes;
        this.texts = texts;
        this.runTexts = new String[texts.length][];
    }

    /**
     * Buffers for {@code rows} rows of every input of {@code mapping}.
     *
     * @throws IllegalArgumentException if {@code rows} is not positive, or an input's buffer would
     *     exceed what one direct buffer holds (the message names the input)
     */
    public static RowBuffers allocate(FeatureMapping mapping, int rows) {
        if (rows < 1) {
            throw new IllegalArgumentException("rows must be >= 1, got " + rows);
        }
        final int n = mapping.inputCount();
        final ElementType[] types = new ElementType[n];
        final int[] widths = new int[n];
        final Buffer[] buffers = new Buffer[n];
        final ByteBuffer[] byteBuffers = new ByteBuffer[n];
        final String[][] texts = new String[n][];
        for (int i = 0; i < n; i++) {
            types[i] = mapping.elementType(i);
            widths[i] = mapping.width(i);
            if (types[i] == ElementType.STRING) {
                final long values = (long) rows * widths[i];
                if (values > Integer.MAX_VALUE - 8) {
                    throw new IllegalArgumentException("a batch of " + rows + " rows of string input '"
                            + mapping.inputName(i) + "' (" + widths[i] + " values per row) needs " + values
                            + " strings, more than an array holds; use a smaller batch");
                }
                texts[i] = new String[(int) values];
                Arrays.fill(texts[i], "");
                continue;
            }
            final int size = elementBytes(types[i]);
            final long bytes = (long) rows * widths[i] * size;
            if (bytes > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("a batch of " + rows + " rows of input '" + mapping.inputName(i)
                        + "' (" + widths[i] + " values per row) needs " + bytes + " bytes, more than one buffer"
                        + " holds; use a smaller batch");
            }
            final ByteBuffer bytesBuffer = ByteBuffer.allocateDirect((int) bytes).order(ByteOrder.nativeOrder());
            byteBuffers[i] = bytesBuffer;
            buffers[i] = switch (types[i]) {
                case FLOAT -> bytesBuffer.asFloatBuffer();
                case DOUBLE -> bytesBuffer.asDoubleBuffer();
                case INT32 -> bytesBuffer.asIntBuffer();
                case INT64 -> bytesBuffer.asLongBuffer();
                default -> bytesBuffer;
            };
        }
        return new RowBuffers(types, widths, rows, buffers, byteBuffers, texts);
    }

    /** Bytes per value of a supported element type. */
    private static int elementBytes(ElementType type) {
        return switch (type) {
            case FLOAT, INT32 -> 4;
            case DOUBLE, INT64 -> 8;
            case BOOL -> 1;
            default -> throw new IllegalArgumentException("no buffer for element type " + type);
        };
    }

    /** Number of rows each buffer holds. */
    public int rows() {
        return rows;
    }

    /** Number of inputs. */
    public int inputCount() {
        return buffers.length;
    }

    /** Element type of input {@code i}. */
    public ElementType elementType(int i) {
        return types[i];
    }

    /** Input {@code i}'s buffer, whose class follows its element type (see the class comment); null for string. */
    public Buffer buffer(int i) {
        return buffers[i];
    }

    /**
     * Input {@code i}'s strings, row-major.
     *
     * @throws IllegalStateException if input {@code i} is not string
     */
    public String[] strings(int i) {
        if (types[i] != ElementType.STRING) {
            throw new IllegalStateException("input " + i + " is " + types[i] + ", not " + ElementType.STRING);
        }
        return texts[i];
    }

    /** Input {@code i}'s strings, or null when it is not a string input. */
    String[] textsOrNull(int i) {
        return texts[i];
    }

    /**
     * Whether {@link #tensor} of input {@code i} copies the values (strings), so that a tensor
     * made before a write does not see it and one must be made for every run.
     */
    boolean copiesOnRun(int i) {
        return texts[i] != null;
    }

    /**
     * The native-order byte buffer under input {@code i}'s typed buffer (value {@code k} of a float
     * input starts at byte {@code 4 * k}): what {@link CompiledReader} copies little-endian floats
     * into in bulk. Null for a string input.
     */
    ByteBuffer bytes(int i) {
        return bytes[i];
    }

    /**
     * Input {@code i}'s buffer, which must be float.
     *
     * @throws IllegalStateException if input {@code i} is not float
     */
    public FloatBuffer floats(int i) {
        return typed(i, ElementType.FLOAT, FloatBuffer.class);
    }

    /** As {@link #floats(int)}, for a double input. */
    public DoubleBuffer doubles(int i) {
        return typed(i, ElementType.DOUBLE, DoubleBuffer.class);
    }

    /** As {@link #floats(int)}, for an int32 input. */
    public IntBuffer ints(int i) {
        return typed(i, ElementType.INT32, IntBuffer.class);
    }

    /** As {@link #floats(int)}, for an int64 input. */
    public LongBuffer longs(int i) {
        return typed(i, ElementType.INT64, LongBuffer.class);
    }

    /** As {@link #floats(int)}, for a bool input: one byte per value, 1 for true and 0 for false. */
    public ByteBuffer bools(int i) {
        return typed(i, ElementType.BOOL, ByteBuffer.class);
    }

    private <T extends Buffer> T typed(int i, ElementType type, Class<T> kind) {
        if (types[i] != type) {
            throw new IllegalStateException("input " + i + " is " + types[i] + ", not " + type);
        }
        return kind.cast(buffers[i]);
    }

    /** Sets every value of row {@code row} of every input to zero (false, the empty string). */
    void zeroRow(int row) {
        for (int i = 0; i < buffers.length; i++) {
            final int from = row * widths[i];
            final int to = from + widths[i];
            if (texts[i] != null) {
                Arrays.fill(texts[i], from, to, "");
                continue;
            }
            final Buffer b = buffers[i];
            for (int k = from; k < to; k++) {
                switch (types[i]) {
                    case FLOAT -> ((FloatBuffer) b).put(k, 0f);
                    case DOUBLE -> ((DoubleBuffer) b).put(k, 0.0);
                    case INT32 -> ((IntBuffer) b).put(k, 0);
                    case INT64 -> ((LongBuffer) b).put(k, 0L);
                    default -> ((ByteBuffer) b).put(k, (byte) 0);
                }
            }
        }
    }

    /**
     * A tensor of shape {@code shape} over rows {@code [fromRow, fromRow + shape[0])} of input
     * {@code i}, reading the buffer in place (strings: copying them, see {@link #copiesOnRun}). The
     * caller closes it.
     */
    OnnxTensor tensor(OrtEnvironment env, int i, int fromRow, long[] shape) throws OrtException {
        final int from = fromRow * widths[i];
        final int to = from + (int) shape[0] * widths[i];
        return switch (types[i]) {
            case STRING -> OnnxTensor.createTensor(env, runTexts(i, from, to), shape);
            case FLOAT -> OnnxTensor.createTensor(env, ((FloatBuffer) buffers[i]).duplicate().position(from).limit(to)
                    .slice(), shape);
            case DOUBLE -> OnnxTensor.createTensor(env, ((DoubleBuffer) buffers[i]).duplicate().position(from)
                    .limit(to).slice(), shape);
            case INT32 -> OnnxTensor.createTensor(env, ((IntBuffer) buffers[i]).duplicate().position(from).limit(to)
                    .slice(), shape);
            case INT64 -> OnnxTensor.createTensor(env, ((LongBuffer) buffers[i]).duplicate().position(from).limit(to)
                    .slice(), shape);
            default -> OnnxTensor.createTensor(env, ((ByteBuffer) buffers[i]).duplicate().position(from).limit(to)
                    .slice().order(ByteOrder.nativeOrder()), shape, OnnxJavaType.BOOL);
        };
    }

    /** Strings {@code [from, to)} of input {@code i}: the whole array, or a reused copy of the part. */
    private String[] runTexts(int i, int from, int to) {
        final String[] all = texts[i];
        if (from == 0 && to == all.length) {
            return all;
        }
        String[] part = runTexts[i];
        if (part == null || part.length != to - from) {
            part = new String[to - from];
            runTexts[i] = part;
        }
        System.arraycopy(all, from, part, 0, to - from);
        return part;
    }
}
