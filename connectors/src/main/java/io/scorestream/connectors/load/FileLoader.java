package io.scorestream.connectors.load;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Loads one file into a {@link RowSink}: reads it row by row ({@link RowReader}), converts each row
 * ({@link RowConverter}) and hands it to the sink, in file order, at most at the options' rate.
 *
 * <p><b>Rejected rows.</b> Without a reject file the load stops at the first row that does not fit,
 * before handing it (or anything after it) to the sink; the result names it. With one, each such
 * row is written there with its reason and the load goes on. Either way the sink is flushed before
 * {@link #load} returns, so every row counted as produced is written.
 *
 * <p><b>Before the first row</b> the schema is checked against the file's columns; a mismatch
 * throws {@link LoadRefused} and nothing is read or produced.
 *
 * <p>Stateless; {@link #load} runs on the calling thread and closes the file and the reject file it
 * opened, not the sink.
 */
public final class FileLoader {

    private static final long PROGRESS_EVERY_NANOS = 100_000_000L;

    private FileLoader() {
    }

    /**
     * Loads {@code options.file()} into {@code sink}.
     *
     * @return what was read, produced and rejected; {@link LoadResult#stopped()} when the load stopped
     *     at a rejected row
     * @throws LoadRefused if the schema does not fit the file's columns (nothing was produced)
     * @throws LoadException if the file cannot be parsed past some row, or the sink failed; rows
     *     before it may have been produced
     * @throws IOException if the file or the reject file cannot be read or written
     * @throws InterruptedException if interrupted while pacing to the rate
     */
    public static LoadResult load(LoadOptions options, RowSink sink, LoadListener listener)
            throws IOException, LoadException, InterruptedException {
        final long start = System.nanoTime();
        try (RowReader reader = RowReader.open(options.file(), options.format())) {
            final RowConverter converter = RowConverter.create(options.schema(), reader.columns(),
                    reader.columnsKnownUpFront(), options.keyColumn(), options.timestampColumn());
            try (RowReader.Rejects rejects = options.rejectFile() == null ? null
                    : reader.openRejects(options.rejectFile())) {
                return new Run(options, reader, converter, sink, rejects, listener, start).run();
            }
        }
    }

    /** One load's loop and counters. */
    private static final class Run {

        private final LoadOptions options;
        private final RowReader reader;
        private final RowConverter converter;
        private final RowSink sink;
        private final RowReader.Rejects rejects;
        private final LoadListener listener;
        private final long start;
        private long rows;
        private long produced;
        private long rejected;
        private long minTimestamp = Long.MAX_VALUE;
        private long maxTimestamp = Long.MIN_VALUE;
        private int columnsAnnounced;
        private long lastProgress;

        Run(LoadOptions options, RowReader reader, RowConverter converter, RowSink sink, RowReader.Rejects rejects,
            LoadListener listener, long start) {
            this.options = options;
            this.reader = reader;
            this.converter = converter;
            this.sink = sink;
            this.rejects = rejects;
            this.listener = listener;
            this.start = start;
            this.lastProgress = start;
        }

        LoadResult run() throws IOException, LoadException, InterruptedException {
            announceIgnoredColumns();
            while (true) {
                final LoadRecord record;
                try {
                    final Row row;
                    try {
                        row = reader.next();
                    } finally {
                        announceIgnoredColumns();
                    }
                    if (row == null) {
                        break;
                    }
                    record = converter.convert(row);
                } catch (RowRejected r) {
                    rows++;
                    rejected++;
                    if (rejects == null) {
                        return finish(r);
                    }
                    rejects.write(r);
                    listener.rejected(r);
                    continue;
                }
                rows++;
                pace();
                sink.send(record);
                produced++;
                if (record.timestamp() != null) {
                    minTimestamp = Math.min(minTimestamp, record.timestamp());
                    maxTimestamp = Math.max(maxTimestamp, record.timestamp());
                }
                final long now = System.nanoTime();
                if (now - lastProgress >= PROGRESS_EVERY_NANOS) {
                    lastProgress = now;
                    listener.progress(rows, reader.bytesRead());
                }
            }
            return finish(null);
        }

        private LoadResult finish(RowRejected stoppedAt) throws LoadException {
            sink.flush();
            listener.progress(rows, reader.bytesRead());
            return new LoadResult(rows, produced, rejected, System.nanoTime() - start, stoppedAt, minTimestamp,
                    maxTimestamp);
        }

        /** Tells the listener of columns no field takes, among those not announced yet. */
        private void announceIgnoredColumns() {
            final List<String> columns = reader.columns();
            if (columns.size() != columnsAnnounced) {
                final List<String> ignored = converter.ignored(columns.subList(columnsAnnounced, columns.size()));
                columnsAnnounced = columns.size();
                if (!ignored.isEmpty()) {
                    listener.ignoredColumns(ignored);
                }
            }
        }

        /** Waits until row number {@code produced} is due at the rate; rows that fell behind go at once. */
        private void pace() throws InterruptedException {
            if (options.ratePerSecond() > 0) {
                final long due = start + (long) (produced * 1e9 / options.ratePerSecond());
                final long wait = due - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
            }
        }
    }
}
