package io.scorestream.inference.onnx;

import java.util.Arrays;
import java.util.Objects;

/**
 * A constant tensor (initializer or tensor attribute) held until the model is encoded as an ONNX
 * {@code TensorProto}. Immutable: arrays are copied in.
 */
final class TensorValue {

    // TensorProto field numbers (onnx.proto).
    private static final int DIMS = 1;
    private static final int DATA_TYPE = 2;
    private static final int FLOAT_DATA = 4;
    private static final int INT64_DATA = 7;
    private static final int NAME = 8;
    private static final int DOUBLE_DATA = 10;

    private final String name;
    private final ElementType type;
    private final long[] dims;
    private final float[] floats;
    private final long[] longs;
    private final double[] doubles;

    private TensorValue(final String name, final ElementType type, final long[] dims,
                        final float[] floats, final long[] longs, final double[] doubles) {
        this.name = Objects.requireNonNull(name, "name");
        this.type = type;
        this.dims = dims.clone();
        this.floats = floats;
        this.longs = longs;
        this.doubles = doubles;
        long elements = 1;
        for (final long d : dims) {
            if (d < 0) {
                throw new IllegalArgumentException("tensor '" + name + "' has a negative dimension: "
                        + Arrays.toString(dims));
            }
            elements = Math.multiplyExact(elements, d);
        }
        final int length = floats != null ? floats.length : longs != null ? longs.length : doubles.length;
        if (elements != length) {
            throw new IllegalArgumentException("tensor '" + name + "' has dims " + Arrays.toString(dims)
                    + " (" + elements + " elements) but " + length + " values");
        }
    }

    static TensorValue ofFloats(final String name, final float[] data, final long[] dims) {
        return new TensorValue(name, ElementType.FLOAT, dims, Objects.requireNonNull(data, "data").clone(), null,
                null);
    }

    static TensorValue ofLongs(final String name, final long[] data, final long[] dims) {
        return new TensorValue(name, ElementType.INT64, dims, null, Objects.requireNonNull(data, "data").clone(),
                null);
    }

    static TensorValue ofDoubles(final String name, final double[] data, final long[] dims) {
        return new TensorValue(name, ElementType.DOUBLE, dims, null, null,
                Objects.requireNonNull(data, "data").clone());
    }

    String name() {
        return name;
    }

    ProtoWriter encode() {
        final ProtoWriter w = new ProtoWriter();
        w.packedInt64s(DIMS, dims);
        w.int64(DATA_TYPE, type.code());
        if (floats != null) {
            w.packedFloats(FLOAT_DATA, floats);
        } else if (longs != null) {
            w.packedInt64s(INT64_DATA, longs);
        } else {
            w.packedDoubles(DOUBLE_DATA, doubles);
        }
        if (!name.isEmpty()) {
            w.string(NAME, name);
        }
        return w;
    }
}
