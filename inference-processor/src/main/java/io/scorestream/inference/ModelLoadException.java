package io.scorestream.inference;

import java.util.Locale;

/**
 * A model version could not be made ready to score: its bytes, its device, or its fit with the
 * mapping and the feature schema. The message names the model, the version and the problem; the
 * {@link Reason} is meant for metric tags. The previously live version is not affected.
 */
public class ModelLoadException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** Why a version was refused. */
    public enum Reason {
        SHA256_MISMATCH,
        SHA256_MISSING,
        CORRUPT_MODEL,
        DEVICE_UNAVAILABLE,
        INVALID_SPEC,
        INPUT_MAPPING,
        OUTPUT_MAPPING,
        UNSUPPORTED_MODEL,
        ARTIFACT_UNAVAILABLE,
        WARM_UP_FAILED,
        /** Unsigned while signatures are required, signed by an untrusted key, or altered after signing. */
        BAD_SIGNATURE;

        /** Lower-case tag value, e.g. {@code sha256_mismatch}. */
        public String tag() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final String modelName;
    private final String modelVersion;
    private final Reason reason;

    public ModelLoadException(String modelName, String modelVersion, Reason reason, String detail) {
        this(modelName, modelVersion, reason, detail, null);
    }

    public ModelLoadException(String modelName, String modelVersion, Reason reason, String detail,
                              Throwable cause) {
        super("Model '" + modelName + "' version '" + modelVersion + "' refused (" + reason.tag() + "): "
                + detail, cause);
        this.modelName = modelName;
        this.modelVersion = modelVersion;
        this.reason = reason;
    }

    public String modelName() {
        return modelName;
    }

    public String modelVersion() {
        return modelVersion;
    }

    public Reason reason() {
        return reason;
    }
}
