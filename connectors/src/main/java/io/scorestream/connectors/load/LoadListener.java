package io.scorestream.connectors.load;

import java.util.List;

/**
 * Told what a {@link FileLoader} run does, on the loading thread; every method does nothing by
 * default. Must not throw.
 */
public interface LoadListener {

    /** A listener that does nothing. */
    LoadListener NONE = new LoadListener() {
    };

    /**
     * Columns of the file no field takes (neither key nor timestamp column): once for a CSV header,
     * and for JSON Lines each time keys not seen before appear.
     */
    default void ignoredColumns(List<String> columns) {
    }

    /** Rows read so far (including rejected ones) and bytes of the file read; about every 100 ms, and at the end. */
    default void progress(long rowsRead, long bytesRead) {
    }

    /** A row was rejected and written to the reject file (not called when the load stops at it). */
    default void rejected(RowRejected rejected) {
    }
}
