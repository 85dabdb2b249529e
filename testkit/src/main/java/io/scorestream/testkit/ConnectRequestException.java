package io.scorestream.testkit;

/**
 * A Connect worker's REST API answered a request with an error status. The message carries the
 * method, the path, the status and the worker's own error message.
 */
public final class ConnectRequestException extends RuntimeException {

    private final int status;

    ConnectRequestException(final String message, final int status) {
        super(message);
        this.status = status;
    }

    /** The HTTP status the worker answered, e.g. 404 for an unknown connector. */
    public int status() {
        return status;
    }
}
