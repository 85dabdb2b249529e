package io.scorestream.connectors.load;

/**
 * What a {@link FileLoader} run did. Every row read is either produced or rejected, except when the
 * load stopped at a rejected row: then the rows after it are not read.
 *
 * @param rowsRead rows read (blank lines are no rows)
 * @param produced rows handed to the sink, all of them written (the sink was flushed)
 * @param rejected rows rejected: written to the reject file, or the one the load stopped at
 * @param elapsedNanos time taken, reading to the last flush
 * @param stoppedAt the rejected row the load stopped at (nothing at or after it was produced), or
 *     null when the whole file was read
 * @param minTimestamp the smallest record timestamp produced, epoch ms, or {@link Long#MAX_VALUE}
 *     when no record had one
 * @param maxTimestamp the largest, or {@link Long#MIN_VALUE}
 */
public record LoadResult(long rowsRead, long produced, long rejected, long elapsedNanos, RowRejected stoppedAt,
                         long minTimestamp, long maxTimestamp) {

    /** Whether the load stopped at a rejected row instead of reading the whole file. */
    public boolean stopped() {
        return stoppedAt != null;
    }

    /** Rows produced per second over the run. */
    public double rowsPerSecond() {
        return elapsedNanos <= 0 ? 0 : produced * 1e9 / elapsedNanos;
    }
}
