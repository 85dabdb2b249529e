package io.scorestream.inference;

import io.scorestream.schemas.FeatureColumn;
import io.scorestream.schemas.ModelInput;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.avro.Schema;

/**
 * A model spec's input mapping, checked against the model's signature: which named float inputs
 * exist, how wide each is, and which fields fill which columns. Compile it against a record schema
 * with {@link #compile(Schema)} to get the per-record {@link FeatureExtractor}.
 *
 * <p>Checked at construction: every model input is filled by exactly one mapped input and vice
 * versa; every input is a rank-2 float tensor {@code [N, width]}; the mapped column count equals
 * the model's width (when the model fixes it); all inputs agree on a fixed batch dimension, if any.
 * Immutable and thread-safe.
 */
public final class FeatureMapping {

    /** One named model input and the columns that fill it. */
    static final class InputPlan {
        final String inputName;
        final int width;
        final List<FeatureColumn> columns;

        InputPlan(String inputName, int width, List<FeatureColumn> columns) {
            this.inputName = inputName;
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
            if (spec.kind() != ValueSpec.Kind.TENSOR || !"FLOAT".equals(spec.elementType())) {
                throw refuse(modelName, modelVersion, "model input '" + inputName + "' is " + spec
                        + "; scorestream feeds float tensors [batch, columns]");
            }
            if (spec.rank() != 2) {
                throw refuse(modelName, modelVersion, "model input '" + inputName + "' has shape " + spec.shapeText()
                        + " (rank " + spec.rank() + "); scorestream feeds rank-2 float tensors [batch, columns]");
            }
            if (in.getColumns() == null || in.getColumns().isEmpty()) {
                throw refuse(modelName, modelVersion, "input '" + inputName + "' maps no columns");
            }
            int width = 0;
            for (FeatureColumn c : in.getColumns()) {
                if (c.getField() == null || c.getField().isBlank()) {
                    throw refuse(modelName, modelVersion, "input '" + inputName + "' has a column with no field name");
                }
                if (c.getWidth() != null && c.getWidth() < 1) {
                    throw refuse(modelName, modelVersion, "field '" + c.getField() + "' of input '" + inputName
                            + "' has width " + c.getWidth() + "; a width must be >= 1");
                }
                if (c.getDefaultValue() != null && !(Math.abs(c.getDefaultValue()) <= Float.MAX_VALUE)) {
                    throw refuse(modelName, modelVersion, "field '" + c.getField() + "' has default "
                            + c.getDefaultValue() + ", which is not a finite float (tensors are float32)");
                }
                width += c.getWidth() == null ? 1 : c.getWidth();
            }
            final long modelWidth = spec.dim(1);
            if (modelWidth >= 0 && modelWidth != width) {
                throw refuse(modelName, modelVersion, "input '" + inputName + "' maps " + width
                        + " column(s) " + describe(in.getColumns()) + " but the model's input is "
                        + spec.shapeText() + ", i.e. " + modelWidth + " column(s)");
            }
            final long batchDim = spec.dim(0);
            if (batchDim >= 0) {
                if (fixedBatch >= 0 && fixedBatch != batchDim) {
                    throw refuse(modelName, modelVersion, "model inputs disagree on their fixed batch size ("
                            + fixedBatch + " vs " + batchDim + " for '" + inputName + "')");
                }
                fixedBatch = batchDim;
            }
            plans.add(new InputPlan(inputName, width, List.copyOf(in.getColumns())));
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

    private static String describe(List<FeatureColumn> columns) {
        final StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < columns.size(); i++) {
            if (i > 0) {
                sb.append(", ");
            }
            sb.append(columns.get(i).getField());
            if (columns.get(i).getWidth() != null) {
                sb.append('[').append(columns.get(i).getWidth()).append(']');
            }
        }
        return sb.append(')').toString();
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

    /** Number of tensor columns of input {@code i}. */
    public int width(int i) {
        return plans.get(i).width;
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
