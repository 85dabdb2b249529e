package io.scorestream.connectors.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the database says a table is: its columns (from {@code information_schema.columns}) and the
 * column sets of its unique indexes (primary key included; partial and expression indexes left out,
 * as {@code ON CONFLICT (columns)} cannot use them). A snapshot: read again after any change.
 */
final class TableMetadata {

    /**
     * One column.
     *
     * @param name the column name
     * @param dataType the SQL type as {@code information_schema} spells it, e.g. {@code double precision}
     * @param udtName PostgreSQL's name of the type, e.g. {@code float8}
     * @param nullable whether it accepts NULL
     * @param hasDefault whether it has a default value
     */
    record Column(String name, String dataType, String udtName, boolean nullable, boolean hasDefault) {
    }

    private static final String COLUMNS = "SELECT column_name, data_type, udt_name, is_nullable, column_default "
            + "FROM information_schema.columns WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position";

    private static final String UNIQUE_KEYS = "SELECT i.indexrelid, a.attname FROM pg_catalog.pg_index i "
            + "JOIN pg_catalog.pg_class c ON c.oid = i.indrelid "
            + "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
            + "JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) "
            + "WHERE n.nspname = ? AND c.relname = ? AND i.indisunique "
            + "AND i.indpred IS NULL AND i.indexprs IS NULL";

    private final TableId table;
    private final Map<String, Column> columns;
    private final List<Set<String>> uniqueKeys;

    private TableMetadata(final TableId table, final Map<String, Column> columns, final List<Set<String>> uniqueKeys) {
        this.table = table;
        this.columns = Collections.unmodifiableMap(columns);
        this.uniqueKeys = List.copyOf(uniqueKeys);
    }

    /**
     * Reads {@code table} on {@code connection} (in its current transaction).
     *
     * @return the table, or null when it does not exist (or the user may see none of its columns)
     */
    static TableMetadata read(final Connection connection, final TableId table) throws SQLException {
        final Map<String, Column> columns = new LinkedHashMap<>();
        try (PreparedStatement ps = connection.prepareStatement(COLUMNS)) {
            ps.setString(1, table.schema());
            ps.setString(2, table.name());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    final String name = rs.getString(1);
                    columns.put(name, new Column(name, rs.getString(2), rs.getString(3),
                            "YES".equals(rs.getString(4)), rs.getString(5) != null));
                }
            }
        }
        if (columns.isEmpty()) {
            return null;
        }
        final Map<Long, Set<String>> byIndex = new HashMap<>();
        try (PreparedStatement ps = connection.prepareStatement(UNIQUE_KEYS)) {
            ps.setString(1, table.schema());
            ps.setString(2, table.name());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    byIndex.computeIfAbsent(rs.getLong(1), k -> new HashSet<>()).add(rs.getString(2));
                }
            }
        }
        return new TableMetadata(table, columns, new ArrayList<>(byIndex.values()));
    }

    TableId table() {
        return table;
    }

    /** The column named {@code name} exactly, or null. */
    Column column(final String name) {
        return columns.get(name);
    }

    /** Every column, in table order. */
    Iterable<Column> columns() {
        return columns.values();
    }

    /** Whether a primary key or unique index covers exactly {@code columnNames}, as ON CONFLICT needs. */
    boolean hasUniqueKey(final Set<String> columnNames) {
        return uniqueKeys.contains(columnNames);
    }
}
