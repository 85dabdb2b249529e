package io.scorestream.topology.errors;

import org.apache.kafka.streams.errors.StreamsException;

/**
 * A scoring processor holds more records than it may while its model has no live version
 * ({@link io.scorestream.topology.processor.ScoringSettings#maxHeldRecords()}): its input was not
 * paused. Fatal: the processing exception handler fails the stream thread instead of
 * dead-lettering, because records are never scored by "no model" and must not be dropped either.
 */
public class NoLiveModelException extends StreamsException {

    private static final long serialVersionUID = 1L;

    public NoLiveModelException(String message) {
        super(message);
    }
}
