package io.scorestream.inference;

/**
 * ONNX Runtime failed while scoring a batch of a live model. Carries the model name and version;
 * the cause is the native error. The batch's records were not scored.
 */
public class ScoringException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String modelName;
    private final String modelVersion;
    private final int batchSize;

    public ScoringException(String modelName, String modelVersion, int batchSize, String detail, Throwable cause) {
        super("Model '" + modelName + "' version '" + modelVersion + "' failed to score a batch of "
                + batchSize + " record(s): " + detail, cause);
        this.modelName = modelName;
        this.modelVersion = modelVersion;
        this.batchSize = batchSize;
    }

    public String modelName() {
        return modelName;
    }

    public String modelVersion() {
        return modelVersion;
    }

    public int batchSize() {
        return batchSize;
    }
}
