package io.scorestream.inference;

import io.scorestream.inference.onnx.ElementType;
import io.scorestream.schemas.FeatureColumn;
import io.scorestream.schemas.ModelInput;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.avro.Schema;

/**
 * A model spec's input mapping, checked against the model's signature: which named inputs exist,
 * the shape of one row of each, and which fields fill it. Compile it against a record schema with
 * {@link #compile(Schema)} to get the per-record {@link FeatureExtractor}.
 *
 * <p>An input of shape {@code [N, d1, ..., dk]} (the first dimension is the batch) takes
 * {@code d1 × ... × dk} values per row, which the mapped columns fill in row-major order: each
 * scalar field one value, each array field {@code width} values, in the order mapped. A rank-1
 * input {@code [N]} takes one value per row.
 *
 * <p>Checked at construction: every model input is filled by exactly one mapped input and vice
 * versa; every input is a tensor of rank 1 or more of float, double, int32, int64, bool or string,
 * and every default fits its element type (a string input takes none); the mapped values per row
 * equal the product of the input's dimensions after the batch one, which the spec's {@code dims}
 * give where the model leaves them symbolic (the single dimension of a rank-2 input may stay
 * symbolic: the mapping's width fills it); all inputs agree on a fixed batch dimension, if any.
 * Immutable and thread-safe.
 */
public final class FeatureMapping {

    /** One named model input: its shape per row and the columns that fill it. */
    static final class InputPlan {
        final String inputName;
        final ElementType type;
        /** The input's dimensions after the batch dimension, all fixed. */
        final long[] rowShape;
        /** Values per row: the product of {@link #rowShape}, which the columns fill in order. */
        final int width;
        final List<FeatureColumn> columns;

        InputPlan(String inputName, ElementType type, long[] rowShape, int width, List<FeatureColumn> columns) {
            this.inputName = inputName;
            this.type = type;
            this.rowShape = rowShape;
            this.width = width;
            this.columns = columns;
        }
    }

    private final String modelName;
    private final String modelVersion;
    private final List<InputPlan> plans;
    private final int fixedBatch;

    private FeatureMapping(String modelName, String modelVersion, List<InputPlan> plans, int fixedBatch) {
        this.modelName = modelName;
        this.modelVersion = modelVersion;
        this.plans = plans;
        this.fixedBatch = fixedBatch;
    }

    /**
     * Checks {@code inputs} against {@code signature}.
     *
     * @throws ModelLoadException with reason {@code INPUT_MAPPING} naming the input or field and the
     *     numbers that disagree
     */
    public static FeatureMapping of(String modelName, String modelVersion, List<ModelInput> inputs,
                                    ModelSignature signature) {
        if (inputs == null || inputs.isEmpty()) {
            throw refuse(modelName, modelVersion, "the spec maps no inputs; the model has inputs "
                    + signature.inputNames());
        }
        final Set<String> mapped = new HashSet<>();
        final List<InputPlan> plans = new ArrayList<>(inputs.size());
        long fixedBatch = -1;
        for (ModelInput in : inputs) {
            final String inputName = in.getInputName();
            if (!mapped.add(inputName)) {
                throw refuse(modelName, modelVersion, "input '" + inputName + "' is mapped twice");
            }
            final ValueSpec spec = signature.input(inputName).orElseThrow(() -> refuse(modelName, modelVersion,
                    "the spec maps input '" + inputName + "' but the model has no such input; its inputs are "
                            + signature.inputNames()));
            final ElementType type = spec.kind() == ValueSpec.Kind.TENSOR ? supported(spec.elementType()) : null;
            if (type == null) {
                throw refuse(modelName, modelVersion, "model input '" + inputName + "' is " + spec
                        + "; scorestream feeds tensors [batch, d1, ..., dk] of float, double, int32, int64, bool"
                        + " or string");
            }
            if (spec.rank() < 1) {
                throw refuse(modelName, modelVersion, "model input '" + inputName + "' is a scalar ("
                        + spec + "); scorestream feeds tensors whose first dimension is the batch");
            }
            if (in.getColumns() == null || in.getColumns().isEmpty()) {
                throw refuse(modelName, modelVersion, "input '" + inputName + "' maps no columns");
            }
            long width = 0;
            for (FeatureColumn c : in.getColumns()) {
                if (c.getField() == null || c.getField().isBlank()) {
                    throw refuse(modelName, modelVersion, "input '" + inputName + "' has a column with no field name");
                }
                if (c.getWidth() != null && c.getWidth() < 1) {
                    throw refuse(modelName, modelVersion, "field '" + c.getField() + "' of input '" + inputName
                            + "' has width " + c.getWidth() + "; a width must be >= 1");
                }
                final String badDefault = c.getDefaultValue() == null ? null : badDefault(type, c.getDefaultValue());
                if (badDefault != null) {
                    throw refuse(modelName, modelVersion, "field '" + c.getField() + "' has default "
                            + c.getDefaultValue() + ", which is not " + badDefault);
                }
                width += c.getWidth() == null ? 1 : c.getWidth();
            }
            final long[] rowShape = rowShape(modelName, modelVersion, inputName, spec, in.getDims(), width);
            final long values = product(rowShape);
            if (values != width) {
                throw refuse(modelName, modelVersion, "input '" + inputName + "' has shape " + spec.shapeText()
                        + (in.getDims() == null ? "" : " with dims " + in.getDims() + " from the spec")
                        + " = " + (values < 0 ? "more than " + Integer.MAX_VALUE : Long.toString(values))
                        + " values per row; the mapping gives " + width + " "
                        + describe(in.getColumns()));
            }
            final long batchDim = spec.dim(0);
            if (batchDim >= 0) {
                if (fixedBatch >= 0 && fixedBatch != batchDim) {
                    throw refuse(modelName, modelVersion, "model inputs disagree on their fixed batch size ("
                            + fixedBatch + " vs " + batchDim + " for '" + inputName + "')");
                }
                fixedBatch = batchDim;
            }
            plans.add(new InputPlan(inputName, type, rowShape, (int) width, List.copyOf(in.getColumns())));
        }
        for (String modelInput : signature.inputNames()) {
            if (!mapped.contains(modelInput)) {
                throw refuse(modelName, modelVersion, "model input '" + modelInput + "' ("
                        + signature.input(modelInput).orElseThrow()
                        + ") is not filled by the mapping, which maps only " + mapped);
            }
        }
        if (fixedBatch == 0) {
            throw refuse(modelName, modelVersion, "the model's fixed batch dimension is 0");
        }
        if (fixedBatch > 0 && signature.inputs().stream().anyMatch(s -> s.dim(0) < 0)) {
            throw refuse(modelName, modelVersion, "some inputs have a fixed batch dimension of " + fixedBatch
                    + " and others a symbolic one");
        }
        return new FeatureMapping(modelName, modelVersion, List.copyOf(plans), (int) Math.max(fixedBatch, 0));
    }

    /** The element type named {@code ortName} (ONNX Runtime's Java naming), if scorestream feeds it, else null. */
    private static ElementType supported(String ortName) {
        return switch (ortName) {
            case "FLOAT" -> ElementType.FLOAT;
            case "DOUBLE" -> ElementType.DOUBLE;
            case "INT32" -> ElementType.INT32;
            case "INT64" -> ElementType.INT64;
            case "BOOL" -> ElementType.BOOL;
            case "STRING" -> ElementType.STRING;
            default -> null;
        };
    }

    /**
     * Why {@code value} cannot be a default of an input of {@code type} (what it should be), or null
     * when it can: a finite float (saturation is for record values, a spec should say what it means),
     * a finite double, an integer in range, 0 or 1 for bool, and none for string.
     */
    private static String badDefault(ElementType type, double value) {
        return switch (type) {
            case FLOAT -> Math.abs(value) <= Float.MAX_VALUE ? null : "a finite float (tensors are float32)";
            case DOUBLE -> Double.isFinite(value) ? null : "a finite number";
            case INT32 -> value == Math.rint(value) && value >= Integer.MIN_VALUE && value <= Integer.MAX_VALUE
                    ? null : "an int32 (an integer from " + Integer.MIN_VALUE + " to " + Integer.MAX_VALUE + ")";
            // 2^63 is exactly representable as a double and is the first value past the long range.
            case INT64 -> value == Math.rint(value) && value >= -0x1p63 && value < 0x1p63
                    ? null : "an int64 (an integer from -2^63 to 2^63-1)";
            case BOOL -> value == 0.0 || value == 1.0 ? null : "0 or 1 (the input is bool)";
            case STRING -> "usable: the input is string and defaults are numbers";
            default -> "usable for an input of " + type;
        };
    }

    /**
     * The input's dimensions after the batch one: the spec's {@code dims} where it gives them (they
     * must agree with every dimension the model fixes), else the model's. Without {@code dims}, the
     * one dimension of a rank-2 input may be symbolic: the mapping's width fills it, as it always
     * has; any other symbolic dimension is refused, naming it.
     */
    private static long[] rowShape(String modelName, String modelVersion, String inputName, ValueSpec spec,
                                   List<Long> dims, long width) {
        final long[] shape = spec.shape();
        final long[] row = Arrays.copyOfRange(shape, 1, shape.length);
        if (dims != null) {
            if (dims.size() != row.length) {
                throw refuse(modelName, modelVersion, "the spec gives input '" + inputName + "' dims " + dims + " ("
                        + dims.size() + " dimension(s)) but its shape " + spec.shapeText() + " has " + row.length
                        + " after the batch dimension");
            }
            for (int d = 0; d < row.length; d++) {
                final Long given = dims.get(d);
                if (given == null || given < 1) {
                    throw refuse(modelName, modelVersion, "the spec gives input '" + inputName + "' dims " + dims
                            + "; every dimension must be >= 1");
                }
                if (row[d] >= 0 && row[d] != given) {
                    throw refuse(modelName, modelVersion, "the spec gives input '" + inputName + "' dims " + dims
                            + " but its shape " + spec.shapeText() + " fixes dimension " + (d + 1) + " to " + row[d]);
                }
                row[d] = given;
            }
            return row;
        }
        if (row.length == 1 && row[0] < 0) {
            row[0] = width;
        }
        for (int d = 0; d < row.length; d++) {
            if (row[d] < 0) {
                final String dimName = spec.dimName(d + 1);
                throw refuse(modelName, modelVersion, "input '" + inputName + "' has shape " + spec.shapeText()
                        + ", whose dimension " + (d + 1) + (dimName == null ? "" : " (" + dimName + ")")
                        + " is symbolic; the spec must give the input's " + row.length + " dimensions after the batch"
                        + " (ModelInput.dims)");
            }
        }
        return row;
    }

    /** Number of values in a row of {@code rowShape}, or -1 past {@link Integer#MAX_VALUE}. */
    private static long product(long[] rowShape) {
        long p = 1;
        for (long d : rowShape) {
            if (d > Integer.MAX_VALUE) {
                return -1;
            }
            p *= d;
            if (p > Integer.MAX_VALUE) {
                return -1;
            }
        }
        return p;
    }

    /**
     * The mapped fields as a message shows them, e.g. {@code (fields elapsed_seconds, v1..v28,
     * amount, embedding[8])}: a run of three or more scalar fields numbered one after another is
     * shortened to its first and last.
     */
    static String describe(List<FeatureColumn> columns) {
        final StringBuilder sb = new StringBuilder(columns.size() == 1 ? "(field " : "(fields ");
        int i = 0;
        while (i < columns.size()) {
            if (i > 0) {
                sb.append(", ");
            }
            final FeatureColumn first = columns.get(i);
            int end = i + 1;
            while (end < columns.size() && follows(columns.get(end - 1), columns.get(end))) {
                end++;
            }
            if (end - i >= 3) {
                sb.append(first.getField()).append("..").append(columns.get(end - 1).getField());
                i = end;
                continue;
            }
            sb.append(first.getField());
            if (first.getWidth() != null) {
                sb.append('[').append(first.getWidth()).append(']');
            }
            i++;
        }
        return sb.append(')').toString();
    }

    /** Whether {@code b} is the scalar field numbered one after scalar field {@code a} (v7, v8). */
    private static boolean follows(FeatureColumn a, FeatureColumn b) {
        if (a.getWidth() != null || b.getWidth() != null) {
            return false;
        }
        final String x = a.getField();
        final String y = b.getField();
        final int px = digitsStart(x);
        final int py = digitsStart(y);
        if (px == 0 || px != py || !x.regionMatches(0, y, 0, px) || px == x.length() || py == y.length()
                || x.length() - px > 9 || y.length() - py > 9 || y.charAt(py) == '0') {
            return false;
        }
        return Long.parseLong(y.substring(py)) == Long.parseLong(x.substring(px)) + 1;
    }

    /** Index where the trailing run of ASCII digits of {@code s} starts ({@code s.length()} if none). */
    private static int digitsStart(String s) {
        int p = s.length();
        while (p > 0 && s.charAt(p - 1) >= '0' && s.charAt(p - 1) <= '9') {
            p--;
        }
        return p;
    }

    private static ModelLoadException refuse(String name, String version, String detail) {
        return new ModelLoadException(name, version, ModelLoadException.Reason.INPUT_MAPPING, detail);
    }

    /**
     * Resolves field positions and types for records of {@code recordSchema}, once.
     *
     * @throws FeatureException with reason {@code SCHEMA_MISMATCH} naming the field when a mapped
     *     field is missing (and has no default) or is not numeric, boolean or an array of numbers
     */
    public FeatureExtractor compile(Schema recordSchema) {
        return FeatureExtractor.compile(this, recordSchema);
    }

    /**
     * As {@link #compile(Schema)}, for load-time validation against a feature topic's schema.
     *
     * @throws ModelLoadException with reason {@code INPUT_MAPPING} and the field's name
     */
    public void validateAgainst(Schema recordSchema) {
        try {
            compile(recordSchema);
        } catch (FeatureException e) {
            throw new ModelLoadException(modelName, modelVersion, ModelLoadException.Reason.INPUT_MAPPING,
                    e.getMessage() + " (schema " + recordSchema.getFullName() + ")", e);
        }
    }

    List<InputPlan> plans() {
        return plans;
    }

    public int inputCount() {
        return plans.size();
    }

    public String inputName(int i) {
        return plans.get(i).inputName;
    }

    /** Number of values per row of input {@code i}: the product of {@link #rowShape(int)}. */
    public int width(int i) {
        return plans.get(i).width;
    }

    /** The element type of input {@code i}: FLOAT, DOUBLE, INT32, INT64, BOOL or STRING. */
    public ElementType elementType(int i) {
        return plans.get(i).type;
    }

    /** The dimensions of one row of input {@code i} (its shape after the batch dimension); a copy. */
    public long[] rowShape(int i) {
        return plans.get(i).rowShape.clone();
    }

    /** The model's fixed batch dimension, or 0 when it is symbolic. */
    public int fixedBatch() {
        return fixedBatch;
    }

    public String modelName() {
        return modelName;
    }

    public String modelVersion() {
        return modelVersion;
    }
}
