package io.scorestream.inference.onnx;

/**
 * ONNX tensor element types, with the {@code TensorProto.DataType} code each one has in
 * {@code onnx.proto}.
 */
public enum ElementType {
    FLOAT(1),
    UINT8(2),
    INT8(3),
    UINT16(4),
    INT16(5),
    INT32(6),
    INT64(7),
    STRING(8),
    BOOL(9),
    FLOAT16(10),
    DOUBLE(11),
    UINT32(12),
    UINT64(13),
    BFLOAT16(16);

    private final int code;

    ElementType(final int code) {
        this.code = code;
    }

    /** The {@code TensorProto.DataType} value written into the model. */
    public int code() {
        return code;
    }

    /**
     * The element type with the given {@code TensorProto.DataType} code.
     *
     * @throws IllegalArgumentException if no constant has that code
     */
    public static ElementType fromCode(final int code) {
        for (final ElementType t : values()) {
            if (t.code == code) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown ONNX element type code " + code);
    }
}
