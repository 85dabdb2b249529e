package io.scorestream.app.replay;

/**
 * A replay that could not be completed (Kafka Streams failed, a model would not load, the cluster
 * refused something): the command reports the message and exits with code 1. Nothing of the run
 * is reported; what reached the output topic before the failure stays there.
 */
final class ReplayException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ReplayException(String message) {
        super(message);
    }

    public ReplayException(String message, Throwable cause) {
        super(message, cause);
    }
}
