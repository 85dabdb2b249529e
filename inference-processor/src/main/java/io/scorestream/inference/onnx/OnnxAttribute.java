package io.scorestream.inference.onnx;

import java.util.List;
import java.util.Objects;

/**
 * One attribute of an ONNX node ({@code AttributeProto}): a name and exactly one typed value.
 * Immutable; arrays are copied in. Create with the static factories.
 */
public final class OnnxAttribute {

    // AttributeProto field numbers (onnx.proto).
    private static final int NAME = 1;
    private static final int F = 2;
    private static final int I = 3;
    private static final int S = 4;
    private static final int T = 5;
    private static final int FLOATS = 7;
    private static final int INTS = 8;
    private static final int STRINGS = 9;
    private static final int TYPE = 20;

    // AttributeProto.AttributeType values.
    private static final int TYPE_FLOAT = 1;
    private static final int TYPE_INT = 2;
    private static final int TYPE_STRING = 3;
    private static final int TYPE_TENSOR = 4;
    private static final int TYPE_FLOATS = 6;
    private static final int TYPE_INTS = 7;
    private static final int TYPE_STRINGS = 8;

    private final String name;
    private final int type;
    private final float f;
    private final long i;
    private final String s;
    private final TensorValue t;
    private final float[] floats;
    private final long[] ints;
    private final String[] strings;

    private OnnxAttribute(final String name, final int type, final float f, final long i, final String s,
                          final TensorValue t, final float[] floats, final long[] ints, final String[] strings) {
        this.name = requireName(name);
        this.type = type;
        this.f = f;
        this.i = i;
        this.s = s;
        this.t = t;
        this.floats = floats;
        this.ints = ints;
        this.strings = strings;
    }

    /** A single {@code float} attribute. */
    public static OnnxAttribute floatAttr(final String name, final float value) {
        return new OnnxAttribute(name, TYPE_FLOAT, value, 0, null, null, null, null, null);
    }

    /** A single {@code int} (int64) attribute. */
    public static OnnxAttribute intAttr(final String name, final long value) {
        return new OnnxAttribute(name, TYPE_INT, 0f, value, null, null, null, null, null);
    }

    /** A single string attribute, written as UTF-8. */
    public static OnnxAttribute stringAttr(final String name, final String value) {
        return new OnnxAttribute(name, TYPE_STRING, 0f, 0, Objects.requireNonNull(value, "value"),
                null, null, null, null);
    }

    /** A list-of-floats attribute. */
    public static OnnxAttribute floats(final String name, final float... values) {
        return new OnnxAttribute(name, TYPE_FLOATS, 0f, 0, null, null,
                Objects.requireNonNull(values, "values").clone(), null, null);
    }

    /** A list-of-ints (int64) attribute. */
    public static OnnxAttribute ints(final String name, final long... values) {
        return new OnnxAttribute(name, TYPE_INTS, 0f, 0, null, null, null,
                Objects.requireNonNull(values, "values").clone(), null);
    }

    /** A list-of-strings attribute, each written as UTF-8. */
    public static OnnxAttribute strings(final String name, final String... values) {
        final String[] copy = Objects.requireNonNull(values, "values").clone();
        for (final String v : copy) {
            Objects.requireNonNull(v, "string attribute element");
        }
        return new OnnxAttribute(name, TYPE_STRINGS, 0f, 0, null, null, null, null, copy);
    }

    /** A list-of-strings attribute, each written as UTF-8. */
    public static OnnxAttribute strings(final String name, final List<String> values) {
        return strings(name, values.toArray(new String[0]));
    }

    /**
     * A float tensor attribute (e.g. the {@code value} of a {@code Constant} node).
     *
     * @throws IllegalArgumentException if the product of {@code dims} is not {@code data.length}
     */
    public static OnnxAttribute tensor(final String name, final float[] data, final long... dims) {
        return new OnnxAttribute(name, TYPE_TENSOR, 0f, 0, null, TensorValue.ofFloats("", data, dims),
                null, null, null);
    }

    /**
     * An int64 tensor attribute (e.g. the {@code value} of a {@code Constant} node).
     *
     * @throws IllegalArgumentException if the product of {@code dims} is not {@code data.length}
     */
    public static OnnxAttribute tensor(final String name, final long[] data, final long... dims) {
        return new OnnxAttribute(name, TYPE_TENSOR, 0f, 0, null, TensorValue.ofLongs("", data, dims),
                null, null, null);
    }

    /** The attribute's name. */
    public String name() {
        return name;
    }

    ProtoWriter encode() {
        final ProtoWriter w = new ProtoWriter();
        w.string(NAME, name);
        switch (type) {
            case TYPE_FLOAT:
                w.float32(F, f);
                break;
            case TYPE_INT:
                w.int64(I, i);
                break;
            case TYPE_STRING:
                w.string(S, s);
                break;
            case TYPE_TENSOR:
                w.message(T, t.encode());
                break;
            case TYPE_FLOATS:
                // proto2 declares these without [packed=true]; write them unpacked, as declared.
                for (final float v : floats) {
                    w.float32(FLOATS, v);
                }
                break;
            case TYPE_INTS:
                for (final long v : ints) {
                    w.int64(INTS, v);
                }
                break;
            case TYPE_STRINGS:
                for (final String v : strings) {
                    w.string(STRINGS, v);
                }
                break;
            default:
                throw new IllegalStateException("unhandled attribute type " + type);
        }
        w.int64(TYPE, type);
        return w;
    }

    private static String requireName(final String name) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("attribute name must be non-empty");
        }
        return name;
    }

    @Override
    public String toString() {
        return "OnnxAttribute[" + name + "]";
    }
}
