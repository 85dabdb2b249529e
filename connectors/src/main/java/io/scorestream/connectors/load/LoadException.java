package io.scorestream.connectors.load;

/**
 * A load that cannot go on: the file cannot be read or parsed as its format, or the sink failed
 * (a send was refused or not acknowledged). The message says what and where; records already
 * handed to the sink before it may have been written.
 */
public class LoadException extends Exception {

    private static final long serialVersionUID = 1L;

    public LoadException(String message) {
        super(message);
    }

    public LoadException(String message, Throwable cause) {
        super(message, cause);
    }
}
