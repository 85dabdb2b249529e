package io.scorestream.connectors.load;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Reads the rows of one file, in order, keeping each row's physical line number.
 *
 * <p><b>Use.</b> {@link #next()} until it returns null. A row that cannot be read as one (a CSV
 * record with another number of fields than the header, a JSON line that is not a flat object) is
 * consumed and thrown as {@link RowRejected}; reading goes on with the next. Blank lines are not
 * rows and are skipped. Text that cannot be parsed past the current row at all (an unterminated CSV
 * quote) throws {@link LoadException}, and nothing more can be read.
 *
 * <p><b>Rejects.</b> {@link #openRejects(Path)} opens a file in the reader's format where a
 * rejected row is written as read, with the reason: for CSV the header with a {@code reason} column
 * added, then each rejected record's fields and its reason; for JSON Lines one object
 * {@code {"line":n,"reason":"...","row":<the original object, or the line as a string>}} per row.
 *
 * <p><b>Threading and ownership.</b> One thread. Owns the file it opened; {@link #close()} closes
 * it (and not the reject file, which its opener closes).
 */
public interface RowReader extends Closeable {

    /**
     * Opens {@code file} (UTF-8; a byte-order mark is skipped). A CSV file's header is read now.
     *
     * @throws IOException if the file cannot be opened or its header read
     * @throws LoadException if the CSV header is not valid (a column named twice)
     */
    static RowReader open(Path file, InputFormat format) throws IOException, LoadException {
        return switch (format) {
            case CSV -> new CsvRowReader(file);
            case JSONL -> new JsonLinesRowReader(file);
        };
    }

    /** The format read. */
    InputFormat format();

    /**
     * The column names, by index: a CSV file's header; for JSON Lines, the keys met so far, in the
     * order first met (the list grows by appending as new keys appear).
     */
    List<String> columns();

    /** Whether {@link #columns()} is every column of the file from the start (CSV), not only those met so far. */
    boolean columnsKnownUpFront();

    /**
     * The next row, or null at the end of the file.
     *
     * @throws RowRejected if the next row cannot be read as a row (it is consumed)
     * @throws LoadException if the file cannot be parsed past here
     * @throws IOException if reading fails
     */
    Row next() throws IOException, LoadException, RowRejected;

    /** Bytes of the file read so far (ahead of the rows returned by at most a read buffer). */
    long bytesRead();

    /**
     * Opens {@code file} (created or replaced) for the rows this reader rejects, in its format.
     *
     * @throws IOException if the file cannot be written
     */
    Rejects openRejects(Path file) throws IOException;

    /** Where a reader writes the rows it rejected. One thread; the opener closes it. */
    interface Rejects extends Closeable {

        /**
         * Writes the row last returned or rejected by the reader, as read, with {@code rejected}'s
         * reason.
         */
        void write(RowRejected rejected) throws IOException;
    }
}
