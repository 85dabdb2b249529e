package io.scorestream.inference;

import java.util.Locale;

/**
 * One record cannot be turned into a feature row: the record goes to the dead-letter topic with
 * this message, the rest of its batch is scored. The message names the field and what was wrong.
 */
public class FeatureException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** What was wrong with the record. */
    public enum Reason {
        /** A mapped field is null (or absent from the record's schema) and the mapping has no default. */
        MISSING_VALUE,
        /** A mapped value is NaN or infinite. */
        NON_FINITE,
        /** An array field has more elements than its mapped width, or fewer and no default. */
        ARRAY_LENGTH,
        /** The record's schema cannot feed the model (a field missing, or of a type its input cannot take). */
        SCHEMA_MISMATCH,
        /**
         * A mapped value does not fit the input's element type: a long beyond int32's range for an
         * int32 input, or a number other than 0 and 1 for a bool input.
         */
        OUT_OF_RANGE;

        public String tag() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final Reason reason;
    private final String field;

    public FeatureException(Reason reason, String field, String message) {
        super(message);
        this.reason = reason;
        this.field = field;
    }

    public Reason reason() {
        return reason;
    }

    /** The offending field's name; never null. */
    public String field() {
        return field;
    }
}
