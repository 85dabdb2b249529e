package io.scorestream.inference.onnx;

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
        long values = 1;
        for (int d = 1; d < shape.length; d++) {
            values *= shape[d];
        }
        if (shape.length < 1 || values != mlp.inputWidth()) {
            throw new IllegalArgumentException("rows of " + values + " values cannot feed an MLP of input width "
                    + mlp.inputWidth());
        }
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
}
