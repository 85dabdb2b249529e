package io.scorestream.inference.onnx;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Models whose input is not a float matrix, for tests of the input mapping: a tensor of any rank
 * and element type that the graph turns into the float rows an {@link Mlp} reads. Each model's
 * reference is the MLP's {@link Mlp#predict(double[])} of the row the graph computes, which each
 * factory's documentation states. Stateless; all methods are thread-safe.
 */
public final class ShapedModels {

    /** Input name of every model built here. */
    public static final String INPUT = "x";
    /** Output name of every model built here: float {@code [N, mlp out]}. */
    public static final String OUTPUT = Mlp.OUTPUT;

    private ShapedModels() {
    }

    /**
     * Input {@value #INPUT} of {@code type} and shape {@code [batch, d1, ..., dk]}, cast to float (if
     * it is not float) and flattened row-major to {@code [batch, d1 × ... × dk]}, fed to {@code mlp};
     * output {@value #OUTPUT} float {@code [batch, out]}. The reference of a row is
     * {@code mlp.predict(its values in row-major order, as floats)}, with booleans as 1 and 0.
     *
     * @param shape the input's shape: {@code -1} (symbolic {@code N}) or a fixed size for the batch,
     *     then the fixed row dimensions
     * @throws IllegalArgumentException if the product of the row dimensions is not the MLP's input width
     */
    public static byte[] flattened(final Mlp mlp, final ElementType type, final long... shape) {
        if (shape.length < 1) {
            throw new IllegalArgumentException("the shape needs at least the batch dimension");
        }
        requireWidth(Arrays.copyOfRange(shape, 1, shape.length), mlp.inputWidth());
        final OnnxGraphBuilder b = new OnnxGraphBuilder("flattened_" + type.name().toLowerCase(Locale.ROOT))
                .input(INPUT, type, shape)
                .output(OUTPUT, ElementType.FLOAT, shape[0], mlp.outputWidth());
        String x = INPUT;
        if (type != ElementType.FLOAT) {
            b.node("Cast", List.of(x), List.of("as_float"), OnnxAttribute.intAttr("to", ElementType.FLOAT.code()));
            x = "as_float";
        }
        b.node("Flatten", List.of(x), List.of("rows"), OnnxAttribute.intAttr("axis", 1));
        mlp.appendLayers(b, "rows", OUTPUT);
        return b.build();
    }

    /**
     * A linear model computed in double precision: input {@value #INPUT} double {@code [N, d1, ...,
     * dk]}, flattened, times {@code weights} plus {@code bias}; output {@value #OUTPUT} double
     * {@code [N, 1]}. The reference of a row is {@code bias + Σ weights[j] · row[j]} in double.
     *
     * @param rowDims the fixed dimensions after the batch; their product is {@code weights.length}
     */
    public static byte[] doubleLinear(final double[] weights, final double bias, final long... rowDims) {
        final long[] shape = batchFirst(rowDims);
        requireWidth(rowDims, weights.length);
        final OnnxGraphBuilder b = new OnnxGraphBuilder("double_linear")
                .input(INPUT, ElementType.DOUBLE, shape)
                .output(OUTPUT, ElementType.DOUBLE, -1, 1)
                .initializer("w", weights, weights.length, 1)
                .initializer("b", new double[] {bias}, 1)
                .node("Flatten", List.of(INPUT), List.of("rows"), OnnxAttribute.intAttr("axis", 1))
                .node("MatMul", List.of("rows", "w"), List.of("product"))
                .node("Add", List.of("product", "b"), List.of(OUTPUT));
        return b.build();
    }

    /**
     * An embedding lookup: input {@value #INPUT} of {@code indexType} (int32 or int64) and shape
     * {@code [N, T]} picks rows of {@code table} ({@code [V, E]}, Gather on axis 0) to a
     * {@code [N, T, E]} tensor, flattened to {@code [N, T × E]} and fed to {@code mlp}. The
     * reference of a row of indices is {@code mlp.predict(table[i1] ++ ... ++ table[iT])}.
     *
     * @throws IllegalArgumentException if {@code T × E} is not the MLP's input width
     */
    public static byte[] embedding(final Mlp mlp, final float[][] table, final ElementType indexType,
                                   final long tokens) {
        final int vocabulary = table.length;
        final int dim = table[0].length;
        requireWidth(new long[] {tokens, dim}, mlp.inputWidth());
        final float[] flat = new float[vocabulary * dim];
        for (int v = 0; v < vocabulary; v++) {
            System.arraycopy(table[v], 0, flat, v * dim, dim);
        }
        final OnnxGraphBuilder b = new OnnxGraphBuilder("embedding")
                .input(INPUT, indexType, -1, tokens)
                .output(OUTPUT, ElementType.FLOAT, -1, mlp.outputWidth())
                .initializer("table", flat, vocabulary, dim)
                .node("Gather", List.of("table", INPUT), List.of("vectors"), OnnxAttribute.intAttr("axis", 0))
                .node("Flatten", List.of("vectors"), List.of("rows"), OnnxAttribute.intAttr("axis", 1));
        mlp.appendLayers(b, "rows", OUTPUT);
        return b.build();
    }

    /**
     * Boolean flags choosing values: input {@value #INPUT} bool {@code [N, k]} selects, per column,
     * {@code whenTrue[j]} or {@code whenFalse[j]} (Where) into a float {@code [N, k]} fed to
     * {@code mlp}. The reference of a row of flags is {@code mlp.predict(flag ? whenTrue : whenFalse)}.
     */
    public static byte[] gated(final Mlp mlp, final float[] whenTrue, final float[] whenFalse) {
        requireWidth(new long[] {whenTrue.length}, mlp.inputWidth());
        requireWidth(new long[] {whenFalse.length}, mlp.inputWidth());
        final OnnxGraphBuilder b = new OnnxGraphBuilder("gated")
                .input(INPUT, ElementType.BOOL, -1, whenTrue.length)
                .output(OUTPUT, ElementType.FLOAT, -1, mlp.outputWidth())
                .initializer("when_true", whenTrue, whenTrue.length)
                .initializer("when_false", whenFalse, whenFalse.length)
                .node("Where", List.of(INPUT, "when_true", "when_false"), List.of("rows"));
        mlp.appendLayers(b, "rows", OUTPUT);
        return b.build();
    }

    /**
     * A string categorical, as sklearn converters encode one: input {@value #INPUT} string
     * {@code [batch, d1, ..., dk]} mapped to int64 by the {@value OnnxGraphBuilder#ML_DOMAIN} operator
     * {@code op} ({@code LabelEncoder}: keys_strings to values_int64s; or {@code CategoryMapper}:
     * cats_strings to cats_int64s), {@code categories[j]} to {@code j} and anything else to -1,
     * then cast to float, flattened and fed to {@code mlp}. The reference of a row is
     * {@code mlp.predict(the categories' indices, -1 for unknown)}.
     *
     * @param op {@code "LabelEncoder"} or {@code "CategoryMapper"}
     * @param shape the input's shape: {@code -1} (symbolic {@code N}) or a fixed size for the batch,
     *     then the fixed row dimensions
     */
    public static byte[] categorical(final Mlp mlp, final List<String> categories, final String op,
                                     final long... shape) {
        requireWidth(Arrays.copyOfRange(shape, 1, shape.length), mlp.inputWidth());
        final long[] codes = new long[categories.size()];
        for (int j = 0; j < codes.length; j++) {
            codes[j] = j;
        }
        final OnnxAttribute[] attributes = switch (op) {
            case "LabelEncoder" -> new OnnxAttribute[] {OnnxAttribute.strings("keys_strings", categories),
                OnnxAttribute.ints("values_int64s", codes), OnnxAttribute.intAttr("default_int64", -1)};
            case "CategoryMapper" -> new OnnxAttribute[] {OnnxAttribute.strings("cats_strings", categories),
                OnnxAttribute.ints("cats_int64s", codes), OnnxAttribute.intAttr("default_int64", -1)};
            default -> throw new IllegalArgumentException("op must be LabelEncoder or CategoryMapper, got " + op);
        };
        final OnnxGraphBuilder b = new OnnxGraphBuilder("categorical")
                .input(INPUT, ElementType.STRING, shape)
                .output(OUTPUT, ElementType.FLOAT, shape[0], mlp.outputWidth())
                .node(OnnxGraphBuilder.ML_DOMAIN, op, List.of(INPUT), List.of("codes"), attributes)
                .node("Cast", List.of("codes"), List.of("as_float"),
                        OnnxAttribute.intAttr("to", ElementType.FLOAT.code()))
                .node("Flatten", List.of("as_float"), List.of("rows"), OnnxAttribute.intAttr("axis", 1));
        mlp.appendLayers(b, "rows", OUTPUT);
        return b.build();
    }

    /**
     * A model reading dimensions it leaves symbolic: input {@value #INPUT} of {@code type} and shape
     * {@code shape} (e.g. {@code [N, T, 10]} or {@code [N, 2, H, W]}), cast to float (if it is not
     * float), averaged over {@code axes} (ReduceMean, the axes dropped), flattened and fed to
     * {@code mlp}. Whatever sizes the symbolic dimensions take, the reference of a row is
     * {@code mlp.predict(the row's means over those axes, row-major)}.
     */
    public static byte[] averaged(final Mlp mlp, final ElementType type, final long[] axes,
                                  final OnnxGraphBuilder.Dim... shape) {
        final OnnxGraphBuilder b = new OnnxGraphBuilder("averaged")
                .input(INPUT, type, shape)
                .output(OUTPUT, ElementType.FLOAT, -1, mlp.outputWidth());
        String x = INPUT;
        if (type != ElementType.FLOAT) {
            b.node("Cast", List.of(x), List.of("as_float"), OnnxAttribute.intAttr("to", ElementType.FLOAT.code()));
            x = "as_float";
        }
        b.node("ReduceMean", List.of(x), List.of("means"), OnnxAttribute.ints("axes", axes),
                        OnnxAttribute.intAttr("keepdims", 0))
                .node("Flatten", List.of("means"), List.of("rows"), OnnxAttribute.intAttr("axis", 1));
        mlp.appendLayers(b, "rows", OUTPUT);
        return b.build();
    }

    private static long[] batchFirst(final long[] rowDims) {
        final long[] shape = new long[rowDims.length + 1];
        shape[0] = -1;
        System.arraycopy(rowDims, 0, shape, 1, rowDims.length);
        return shape;
    }

    private static void requireWidth(final long[] rowDims, final int width) {
        long values = 1;
        for (final long d : rowDims) {
            values *= d;
        }
        if (values != width) {
            throw new IllegalArgumentException("rows of " + values + " values (" + Arrays.toString(rowDims)
                    + ") do not fit a width of " + width);
        }
    }
}
