package io.scorestream.topology.errors;

import org.apache.kafka.streams.errors.StreamsException;

/**
 * No version of the configured model became live within {@code model.wait.timeout.ms}. Fatal: the
 * processing exception handler fails the stream thread instead of dead-lettering, because records
 * are never scored by "no model" and must not be dropped either.
 */
public class NoLiveModelException extends StreamsException {

    private static final long serialVersionUID = 1L;

    public NoLiveModelException(String message) {
        super(message);
    }
}
