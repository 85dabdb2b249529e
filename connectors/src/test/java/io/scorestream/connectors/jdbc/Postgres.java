package io.scorestream.connectors.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;

/** Reads and changes the test database from outside the task, on connections of its own (autocommit). */
final class Postgres {

    private final DataSource db;

    Postgres(final DataSource db) {
        this.db = db;
    }

    /** The task's settings for database {@code postgres} on {@code port}, plus {@code more} (key, value, ...). */
    static Map<String, String> taskProps(final int port, final String... more) {
        final Map<String, String> props = new HashMap<>();
        props.put("connection.url", "jdbc:postgresql://localhost:" + port + "/postgres");
        props.put("connection.user", "postgres");
        for (int i = 0; i < more.length; i += 2) {
            props.put(more[i], more[i + 1]);
        }
        return props;
    }

    /** The first column of the first row of {@code sql}, or null when there is no row. */
    Object one(final String sql, final Object... args) throws SQLException {
        final List<List<Object>> rows = rows(sql, args);
        return rows.isEmpty() ? null : rows.get(0).get(0);
    }

    /** Every row of {@code sql}, each as its columns' values. */
    List<List<Object>> rows(final String sql, final Object... args) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                final List<List<Object>> rows = new ArrayList<>();
                while (rs.next()) {
                    final List<Object> row = new ArrayList<>();
                    for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                        row.add(rs.getObject(i));
                    }
                    rows.add(row);
                }
                return rows;
            }
        }
    }

    /** Runs {@code sql} (DDL or DML). */
    void execute(final String sql) throws SQLException {
        try (Connection c = db.getConnection(); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    /** {@code data_type} of every column of table {@code public.table}, by column name. */
    Map<String, String> columnTypes(final String table) throws SQLException {
        final Map<String, String> types = new HashMap<>();
        for (final List<Object> row : rows("SELECT column_name, data_type FROM information_schema.columns "
                + "WHERE table_schema = 'public' AND table_name = ?", table)) {
            types.put((String) row.get(0), (String) row.get(1));
        }
        return types;
    }

    /** The primary-key columns of {@code public.table}, in key order. */
    List<String> primaryKey(final String table) throws SQLException {
        final List<String> columns = new ArrayList<>();
        for (final List<Object> row : rows("SELECT k.column_name FROM information_schema.table_constraints t "
                + "JOIN information_schema.key_column_usage k ON k.constraint_name = t.constraint_name "
                + "AND k.table_schema = t.table_schema WHERE t.constraint_type = 'PRIMARY KEY' "
                + "AND t.table_schema = 'public' AND t.table_name = ? ORDER BY k.ordinal_position", table)) {
            columns.add((String) row.get(0));
        }
        return columns;
    }

    /** How many rows {@code public.table} has. */
    long count(final String table) throws SQLException {
        return (Long) one("SELECT count(*) FROM public." + table);
    }
}
