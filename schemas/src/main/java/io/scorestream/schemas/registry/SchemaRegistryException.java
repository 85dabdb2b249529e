package io.scorestream.schemas.registry;

/**
 * A schema registry could not do what was asked: the thing asked for does not exist
 * ({@link #isNotFound()}), the registry refused (e.g. an incompatible or invalid schema), or it
 * could not be reached. The message names the request (method and URL for the HTTP registry, never
 * credentials), the HTTP status, the registry's error code and its message, where there are any.
 */
public class SchemaRegistryException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** Error code: the subject does not exist. */
    public static final int SUBJECT_NOT_FOUND = 40401;
    /** Error code: the subject has no such version. */
    public static final int VERSION_NOT_FOUND = 40402;
    /** Error code: no such schema (unknown id, or the subject does not hold the schema). */
    public static final int SCHEMA_NOT_FOUND = 40403;
    /** Error code: the schema is incompatible with earlier versions of the subject. */
    public static final int INCOMPATIBLE_SCHEMA = 409;
    /** Error code: the schema is invalid. */
    public static final int INVALID_SCHEMA = 42201;
    /** Value of {@link #httpStatus()} and {@link #errorCode()} when there is none. */
    public static final int NONE = -1;

    private final int httpStatus;
    private final int errorCode;

    /** Creates an exception that carries no HTTP status and no error code. */
    public SchemaRegistryException(final String message, final Throwable cause) {
        this(message, NONE, NONE, cause);
    }

    /**
     * Creates an exception for an answer of the registry.
     *
     * @param httpStatus the HTTP status, or {@link #NONE}
     * @param errorCode the registry's {@code error_code}, or {@link #NONE}
     * @param cause the cause, or {@code null}
     */
    public SchemaRegistryException(
            final String message, final int httpStatus, final int errorCode, final Throwable cause) {
        super(message, cause);
        this.httpStatus = httpStatus;
        this.errorCode = errorCode;
    }

    /** The HTTP status of the registry's answer, or {@link #NONE} if there was no answer. */
    public int httpStatus() {
        return httpStatus;
    }

    /** The registry's {@code error_code} (e.g. {@link #SCHEMA_NOT_FOUND}), or {@link #NONE}. */
    public int errorCode() {
        return errorCode;
    }

    /** Whether the registry answered that the subject, version or schema asked for does not exist. */
    public boolean isNotFound() {
        return errorCode == SUBJECT_NOT_FOUND
                || errorCode == VERSION_NOT_FOUND
                || errorCode == SCHEMA_NOT_FOUND
                || (errorCode == NONE && httpStatus == 404);
    }
}
