package io.scorestream.inference;

import java.util.Arrays;
import java.util.Objects;

/**
 * Name, kind, element type and shape of one model input or output, as ONNX Runtime reports it.
 * Dimensions are -1 where symbolic (e.g. the batch dimension {@code N}). For a sequence of maps
 * (the ZipMap shape) {@link #elementType()} is the map's value type and {@link #keyType()} its key
 * type. Immutable.
 */
public final class ValueSpec {

    /** The ONNX value kinds scorestream understands. */
    public enum Kind { TENSOR, SEQUENCE_OF_MAPS, SEQUENCE, MAP, OTHER }

    private final String name;
    private final Kind kind;
    private final String elementType;
    private final String keyType;
    private final long[] shape;

    public ValueSpec(String name, Kind kind, String elementType, String keyType, long[] shape) {
        this.name = Objects.requireNonNull(name, "name");
        this.kind = Objects.requireNonNull(kind, "kind");
        this.elementType = Objects.requireNonNull(elementType, "elementType");
        this.keyType = keyType;
        this.shape = shape == null ? new long[0] : shape.clone();
    }

    public String name() {
        return name;
    }

    public Kind kind() {
        return kind;
    }

    /** Element type in ONNX Runtime's Java naming: FLOAT, DOUBLE, INT64, STRING, ... */
    public String elementType() {
        return elementType;
    }

    /** Key type of a map or sequence of maps, else null. */
    public String keyType() {
        return keyType;
    }

    /** A copy of the shape; empty for non-tensors. */
    public long[] shape() {
        return shape.clone();
    }

    public int rank() {
        return shape.length;
    }

    /** Dimension {@code i}, -1 where symbolic. */
    public long dim(int i) {
        return shape[i];
    }

    /** Shape as text, e.g. {@code [N,30]}. */
    public String shapeText() {
        final StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < shape.length; i++) {
            if (i > 0) {
                sb.append(',');
            }
            sb.append(shape[i] < 0 ? "N" : Long.toString(shape[i]));
        }
        return sb.append(']').toString();
    }

    @Override
    public String toString() {
        return switch (kind) {
            case TENSOR -> name + ": " + elementType + shapeText();
            case SEQUENCE_OF_MAPS -> name + ": seq(map(" + keyType + "," + elementType + "))";
            default -> name + ": " + kind + "(" + elementType + ")";
        };
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ValueSpec v && v.name.equals(name) && v.kind == kind
                && v.elementType.equals(elementType) && Objects.equals(v.keyType, keyType)
                && Arrays.equals(v.shape, shape);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, kind, elementType, keyType, Arrays.hashCode(shape));
    }
}
