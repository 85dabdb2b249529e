package io.scorestream.app.stack;

import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A query result as {@code psql} prints it by default (aligned): a centred header, a rule of
 * {@code -} and {@code +}, one line per row with numbers right-aligned and text left-aligned, and
 * {@code (N rows)}; nulls are empty. Stateless.
 */
final class PsqlTable {

    private PsqlTable() {
    }

    /** Reads every row of {@code rows} (from its current position) and formats them; lines end with {@code \n}. */
    static String format(ResultSet rows) throws SQLException {
        final ResultSetMetaData meta = rows.getMetaData();
        final int columns = meta.getColumnCount();
        final String[] headers = new String[columns];
        final boolean[] numeric = new boolean[columns];
        final int[] widths = new int[columns];
        for (int c = 0; c < columns; c++) {
            headers[c] = meta.getColumnLabel(c + 1);
            numeric[c] = isNumeric(meta.getColumnType(c + 1));
            widths[c] = headers[c].length();
        }
        final List<String[]> cells = new ArrayList<>();
        while (rows.next()) {
            final String[] row = new String[columns];
            for (int c = 0; c < columns; c++) {
                final String value = rows.getString(c + 1);
                row[c] = value == null ? "" : value;
                widths[c] = Math.max(widths[c], row[c].length());
            }
            cells.add(row);
        }
        final StringBuilder out = new StringBuilder();
        final StringBuilder header = new StringBuilder();
        final StringBuilder rule = new StringBuilder();
        for (int c = 0; c < columns; c++) {
            final int left = (widths[c] - headers[c].length()) / 2;
            header.append(c == 0 ? " " : " | ").append(" ".repeat(left)).append(headers[c])
                    .append(" ".repeat(widths[c] - headers[c].length() - left));
            rule.append(c == 0 ? "" : "+").append("-".repeat(widths[c] + 2));
        }
        out.append(header.toString().stripTrailing()).append('\n').append(rule).append('\n');
        for (String[] row : cells) {
            final StringBuilder line = new StringBuilder();
            for (int c = 0; c < columns; c++) {
                final String pad = " ".repeat(widths[c] - row[c].length());
                line.append(c == 0 ? " " : " | ").append(numeric[c] ? pad + row[c] : row[c] + pad);
            }
            out.append(line.toString().stripTrailing()).append('\n');
        }
        out.append(String.format(Locale.ROOT, "(%d %s)%n", cells.size(), cells.size() == 1 ? "row" : "rows"));
        return out.toString();
    }

    private static boolean isNumeric(int sqlType) {
        return switch (sqlType) {
            case Types.TINYINT, Types.SMALLINT, Types.INTEGER, Types.BIGINT, Types.REAL, Types.FLOAT, Types.DOUBLE,
                 Types.NUMERIC, Types.DECIMAL -> true;
            default -> false;
        };
    }
}
