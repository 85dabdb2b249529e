package io.scorestream.topology.errors;

/**
 * A record that reached the scoring processor but cannot be scored for a reason other than its
 * features (e.g. a null value). Dead-lettered with {@link #reason()}.
 */
public class InvalidEventException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String reason;

    public InvalidEventException(String reason, String message) {
        super(message);
        this.reason = reason;
    }

    /** Short lower-case reason tag, e.g. {@code null_value}. */
    public String reason() {
        return reason;
    }
}
