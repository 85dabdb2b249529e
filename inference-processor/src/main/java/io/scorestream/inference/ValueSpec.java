package io.scorestream.inference;

import java.util.Arrays;
import java.util.Objects;

/**
 * Name, kind, element type and shape of one model input or output, as ONNX Runtime reports it.
 * Dimensions are -1 where symbolic (e.g. the batch dimension {@code N}), and a symbolic dimension
 * may carry the name the model gives it (e.g. {@code batch_size}, {@code T}). For a sequence of maps
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
    /** Per dimension: the symbolic dimension's name, or null where fixed or unnamed. */
    private final String[] dimNames;

    /** A value whose symbolic dimensions, if any, are unnamed. */
    public ValueSpec(String name, Kind kind, String elementType, String keyType, long[] shape) {
        this(name, kind, elementType, keyType, shape, null);
    }

    /**
     * @param dimNames per dimension of {@code shape}, the symbolic dimension's name; null, or an
     *     empty or null entry, where there is none. Names of fixed dimensions are ignored.
     */
    public ValueSpec(String name, Kind kind, String elementType, String keyType, long[] shape, String[] dimNames) {
        this.name = Objects.requireNonNull(name, "name");
        this.kind = Objects.requireNonNull(kind, "kind");
        this.elementType = Objects.requireNonNull(elementType, "elementType");
        this.keyType = keyType;
        this.shape = shape == null ? new long[0] : shape.clone();
        this.dimNames = new String[this.shape.length];
        for (int i = 0; i < this.shape.length; i++) {
            final String n = dimNames != null && i < dimNames.length ? dimNames[i] : null;
            this.dimNames[i] = this.shape[i] < 0 && n != null && !n.isEmpty() ? n : null;
        }
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

    /** The name of symbolic dimension {@code i}, or null where it is fixed or unnamed. */
    public String dimName(int i) {
        return dimNames[i];
    }

    /**
     * Shape as text, e.g. {@code [N,30]} or {@code [batch,T,30]}: a symbolic dimension shows its
     * name, or {@code N} when it has none.
     */
    public String shapeText() {
        final StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < shape.length; i++) {
            if (i > 0) {
                sb.append(',');
            }
            sb.append(shape[i] >= 0 ? Long.toString(shape[i]) : dimNames[i] != null ? dimNames[i] : "N");
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
                && Arrays.equals(v.shape, shape) && Arrays.equals(v.dimNames, dimNames);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, kind, elementType, keyType, Arrays.hashCode(shape), Arrays.hashCode(dimNames));
    }
}
