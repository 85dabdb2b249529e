package io.scorestream.connectors.load;

/**
 * One row of a file that does not fit: it cannot be read as a row (wrong number of columns, not a
 * JSON object) or one of its values does not fit the schema (wrong type, missing required value,
 * unparsable timestamp, unknown enum symbol). Carries where and why; the row itself stays with the
 * reader that read it.
 *
 * <p>The message reads {@code line 17, column 'amount', value 'abc': not a number (double)}; the
 * column and value parts are left out when the whole row is at fault. Values are shown as read,
 * cut at {@value #MAX_SHOWN} characters.
 */
public final class RowRejected extends Exception {

    private static final long serialVersionUID = 1L;
    static final int MAX_SHOWN = 80;

    private final long line;
    private final String column;
    private final String value;
    private final String reason;

    /**
     * @param line the physical line the row starts on (the header is line 1)
     * @param column the column at fault, or null when the whole row is
     * @param value the value at fault as read, or null (absent, or the whole row is at fault)
     * @param reason why, e.g. {@code not a number (double)}
     */
    public RowRejected(long line, String column, String value, String reason) {
        super("line " + line + ", " + describe(column, value, reason), null, false, false);
        this.line = line;
        this.column = column;
        this.value = value;
        this.reason = reason;
    }

    /** The physical line the row starts on, from 1 (a CSV header is line 1). */
    public long line() {
        return line;
    }

    /** The column at fault, or null when the whole row is. */
    public String column() {
        return column;
    }

    /** The value at fault as read, or null (absent, or the whole row is at fault). */
    public String value() {
        return value;
    }

    /** Why the row does not fit, without the line, column and value. */
    public String reason() {
        return reason;
    }

    /** The message without the line: {@code column 'amount', value 'abc': not a number (double)}. */
    public String describe() {
        return describe(column, value, reason);
    }

    private static String describe(String column, String value, String reason) {
        final StringBuilder s = new StringBuilder();
        if (column != null) {
            s.append("column '").append(column).append("', ");
        }
        if (value != null) {
            s.append("value '").append(shown(value)).append("', ");
        }
        if (s.length() > 0) {
            s.setLength(s.length() - 2);
            s.append(": ");
        }
        return s.append(reason).toString();
    }

    private static String shown(String value) {
        final String oneLine = value.replace("\r", "\\r").replace("\n", "\\n");
        return oneLine.length() <= MAX_SHOWN ? oneLine : oneLine.substring(0, MAX_SHOWN) + "...";
    }
}
