package io.scorestream.connectors.load;

import java.util.List;

/**
 * One row of a file as read: its physical line, and a value per column of its reader.
 *
 * <p>A value is the text as read, or null when absent: an empty CSV field, a JSON {@code null}, a
 * key a JSON object does not have. Each value has a {@link Kind}: CSV values are all
 * {@link Kind#TEXT} (their type is for the schema to say); JSON values keep the JSON type they were
 * written with.
 *
 * <p>Immutable once read; the columns list is the reader's (it may grow for JSON Lines, by
 * appending, so a column's index never changes).
 */
public final class Row {

    /** What a value was written as. */
    public enum Kind {
        /** Untyped text (CSV). */
        TEXT,
        /** A JSON string. */
        STRING,
        /** A JSON number; the value is its literal text. */
        NUMBER,
        /** A JSON {@code true} or {@code false}. */
        BOOLEAN
    }

    private final long line;
    private final List<String> columns;
    private final String[] values;
    private final Kind[] kinds;

    /**
     * @param line the physical line the row starts on
     * @param columns the reader's column names, by index
     * @param values a value per column index (null = absent); may be shorter than {@code columns}
     * @param kinds a kind per value, or null when all are {@link Kind#TEXT}
     */
    Row(long line, List<String> columns, String[] values, Kind[] kinds) {
        this.line = line;
        this.columns = columns;
        this.values = values;
        this.kinds = kinds;
    }

    /** The physical line the row starts on, from 1. */
    public long line() {
        return line;
    }

    /** The reader's column names, by index. */
    public List<String> columns() {
        return columns;
    }

    /** The value of column {@code index}, or null when absent. */
    public String value(int index) {
        return index >= 0 && index < values.length ? values[index] : null;
    }

    /** What the value of column {@code index} was written as. */
    public Kind kind(int index) {
        return kinds == null || index < 0 || index >= kinds.length ? Kind.TEXT : kinds[index];
    }
}
