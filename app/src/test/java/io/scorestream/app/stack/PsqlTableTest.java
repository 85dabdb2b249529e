package io.scorestream.app.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.sql.SQLException;
import java.sql.Types;
import javax.sql.rowset.CachedRowSet;
import javax.sql.rowset.RowSetMetaDataImpl;
import javax.sql.rowset.RowSetProvider;
import org.junit.jupiter.api.Test;

class PsqlTableTest {

    @Test
    void printsAlignedAsPsqlDoes() throws SQLException {
        // given: a text and two numeric columns, one null
        final CachedRowSet rows = rows(new String[] {"account", "max_score", "scores"},
                new int[] {Types.VARCHAR, Types.NUMERIC, Types.BIGINT},
                new Object[][] {{"acct-00042", "0.9987", 12L}, {"acct-7", null, 3L}});

        // when
        final String text = PsqlTable.format(rows);

        // then
        assertEquals(String.join("\n",
                "  account   | max_score | scores",
                "------------+-----------+--------",
                " acct-00042 |    0.9987 |     12",
                " acct-7     |           |      3",
                "(2 rows)", ""), text.replace("\r\n", "\n"));
    }

    @Test
    void oneRowIsSingular() throws SQLException {
        final String text = PsqlTable.format(rows(new String[] {"?column?"}, new int[] {Types.INTEGER},
                new Object[][] {{1}}));
        assertEquals(String.join("\n", " ?column?", "----------", "        1", "(1 row)", ""),
                text.replace("\r\n", "\n"));
    }

    private static CachedRowSet rows(String[] names, int[] types, Object[][] values) throws SQLException {
        final RowSetMetaDataImpl meta = new RowSetMetaDataImpl();
        meta.setColumnCount(names.length);
        for (int c = 0; c < names.length; c++) {
            meta.setColumnName(c + 1, names[c]);
            meta.setColumnLabel(c + 1, names[c]);
            meta.setColumnType(c + 1, types[c]);
        }
        final CachedRowSet rows = RowSetProvider.newFactory().createCachedRowSet();
        rows.setMetaData(meta);
        // The JDK's CachedRowSet inserts each new row before the one inserted last: insert from the last.
        for (int r = values.length - 1; r >= 0; r--) {
            final Object[] row = values[r];
            rows.moveToInsertRow();
            for (int c = 0; c < row.length; c++) {
                if (row[c] == null) {
                    rows.updateNull(c + 1);
                } else {
                    rows.updateObject(c + 1, row[c]);
                }
            }
            rows.insertRow();
            rows.moveToCurrentRow();
        }
        rows.beforeFirst();
        return rows;
    }
}
