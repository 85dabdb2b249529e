package io.scorestream.app.security;

/**
 * Kafka refused to authenticate or authorize a client, and the message says who, on which
 * resource, for which operation, and what it was needed for ({@link KafkaAccess}). Commands print
 * the message alone, without a stack trace, and exit 1.
 */
public final class KafkaRefusedException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public KafkaRefusedException(final String message) {
        super(message);
    }

    public KafkaRefusedException(final String message, final Throwable cause) {
        super(message, cause);
    }
}
