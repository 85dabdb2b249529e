package io.scorestream.connectors.jdbc;

import io.scorestream.connectors.jdbc.JdbcSinkConfig.InsertMode;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import java.util.Set;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.DataException;

/**
 * How records of one value schema are written to one table, worked out once per (table, schema):
 * the statement, and for each field its column type and parameter position. Immutable.
 */
final class WritePlan {

    private final TableId table;
    private final Schema schema;
    private final String sql;
    private final Field[] fields;
    private final ColumnType[] types;
    private final boolean[] primaryKey;

    /**
     * @param table the table, which has a column for every field of {@code schema}
     * @param schema the record value schema (a struct)
     * @param udtNames the PostgreSQL type of each field's column, in field order
     * @param mode insert or upsert
     * @param pkFields the conflict target of an upsert; their values must not be null
     */
    WritePlan(final TableId table, final Schema schema, final List<String> udtNames, final InsertMode mode,
            final List<String> pkFields) {
        this.table = table;
        this.schema = schema;
        final List<Field> all = schema.fields();
        this.fields = all.toArray(new Field[0]);
        this.types = new ColumnType[fields.length];
        this.primaryKey = new boolean[fields.length];
        final Set<String> pk = Set.copyOf(pkFields);
        final StringBuilder columns = new StringBuilder();
        final StringBuilder values = new StringBuilder();
        final StringBuilder updates = new StringBuilder();
        for (int i = 0; i < fields.length; i++) {
            final String name = fields[i].name();
            types[i] = ColumnType.of(fields[i].schema());
            primaryKey[i] = pk.contains(name);
            final String column = Identifiers.quote(name);
            columns.append(i == 0 ? "" : ", ").append(column);
            values.append(i == 0 ? "" : ", ").append(types[i].placeholder(udtNames.get(i)));
            if (!primaryKey[i]) {
                updates.append(updates.length() == 0 ? "" : ", ").append(column).append(" = EXCLUDED.").append(column);
            }
        }
        final StringBuilder sql = new StringBuilder("INSERT INTO ").append(table.sql())
                .append(" (").append(columns).append(") VALUES (").append(values).append(')');
        if (mode == InsertMode.UPSERT) {
            final StringBuilder target = new StringBuilder();
            for (final String field : pkFields) {
                target.append(target.length() == 0 ? "" : ", ").append(Identifiers.quote(field));
            }
            sql.append(" ON CONFLICT (").append(target).append(')');
            sql.append(updates.length() == 0 ? " DO NOTHING" : " DO UPDATE SET " + updates);
        }
        this.sql = sql.toString();
    }

    TableId table() {
        return table;
    }

    /** The value schema this plan was made for. */
    Schema schema() {
        return schema;
    }

    /** The parameterized INSERT (or upsert) of one row. */
    String sql() {
        return sql;
    }

    /**
     * Sets the parameters of {@code ps} (prepared from {@link #sql()}) to the fields of {@code value}.
     *
     * @throws DataException when a primary-key field is null or a value does not match its schema; the
     *         parameters are then partly set
     */
    void bind(final PreparedStatement ps, final Struct value) throws SQLException {
        for (int i = 0; i < fields.length; i++) {
            final Object v = value.get(fields[i]);
            if (v == null && primaryKey[i]) {
                throw new DataException("Field '" + fields[i].name() + "' is null, but it is part of the primary key "
                        + "(pk.fields) of table " + table);
            }
            try {
                types[i].bind(ps, i + 1, fields[i].schema(), v);
            } catch (ClassCastException e) {
                throw new DataException("Field '" + fields[i].name() + "' holds a " + v.getClass().getName()
                        + ", not a value of its schema " + ColumnType.describe(fields[i].schema()), e);
            }
        }
    }
}
