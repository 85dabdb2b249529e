package io.scorestream.bench;

/**
 * What the features mode ({@link Mode#FEATURES}) does. Immutable; read from the command line by
 * {@link BenchOptions#parse}.
 *
 * @param events transactions pre-loaded on the features mode's own topic and scored by each side in
 *     each repetition
 * @param keys accounts the transactions are spread over (the topic's record keys and the aggregates'
 *     group)
 * @param days days of event time the transactions span, evenly spaced, ending a minute before the
 *     pre-load
 */
public record FeaturesOptions(long events, int keys, double days) {

    public FeaturesOptions {
        if (events < 1 || events > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("--features-events must be between 1 and 2^31-1");
        }
        if (keys < 1 || keys > 999_999) {
            throw new IllegalArgumentException("--features-keys must be between 1 and 999999");
        }
        if (!(days > 0) || days > 365) {
            throw new IllegalArgumentException("--features-days must be in (0, 365]");
        }
    }

    /** The event-time span in milliseconds. */
    long spanMs() {
        return Math.round(days * 86_400_000.0);
    }
}
