package io.scorestream.connectors.jdbc;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.errors.ConnectException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes tables fit the record schemas written to them, and caches the result: for each (table,
 * value schema) a {@link WritePlan}, made once after reading the table's columns from the database,
 * creating the table ({@code auto.create}) or adding columns ({@code auto.evolve}) as needed, and
 * checking that every field fits its column.
 *
 * <p>DDL runs and commits before any row of the put is written, each statement in a transaction of
 * its own, so a rolled-back put never undoes a table change the cache remembers. Concurrent tasks
 * creating the same table are tolerated ({@code IF NOT EXISTS}, and a failed DDL is checked against
 * a fresh read before it fails the task).
 *
 * <p>Used by one task thread; not thread-safe. Cleared when the task reconnects, since the database
 * may have changed meanwhile.
 */
final class TableManager {

    private static final Logger log = LoggerFactory.getLogger(TableManager.class);

    private final JdbcSinkConfig config;
    private final Map<TableId, Map<Schema, WritePlan>> plans = new HashMap<>();

    TableManager(final JdbcSinkConfig config) {
        this.config = config;
    }

    /** Forgets every table; the next record of each reads its table again. */
    void clear() {
        plans.clear();
    }

    /**
     * The plan for writing records of value schema {@code schema} to {@code table}, after making the
     * table fit it.
     *
     * @throws ConnectException when the table cannot take records of this schema (a primary-key field
     *         missing from the schema, a missing table or column that may not be created, a required
     *         field without a default, a field whose type does not fit its column, no unique key for upsert)
     * @throws SQLException when the database fails
     */
    WritePlan plan(final Connection connection, final TableId table, final Schema schema) throws SQLException {
        final Map<Schema, WritePlan> ofTable = plans.computeIfAbsent(table, t -> new HashMap<>());
        final WritePlan cached = ofTable.get(schema);
        if (cached != null) {
            return cached;
        }
        requireStruct(table, schema);
        requirePrimaryKeyFields(table, schema);
        TableMetadata meta = TableMetadata.read(connection, table);
        if (meta == null) {
            meta = create(connection, table, schema);
        }
        meta = evolve(connection, meta, schema);
        final WritePlan plan = check(meta, schema);
        ofTable.put(schema, plan);
        return plan;
    }

    private static void requireStruct(final TableId table, final Schema schema) {
        if (schema.type() != Schema.Type.STRUCT) {
            throw new ConnectException("Table " + table + ": record values must be structs, not "
                    + ColumnType.describe(schema));
        }
    }

    private void requirePrimaryKeyFields(final TableId table, final Schema schema) {
        for (final String pk : config.pkFields()) {
            if (schema.field(pk) == null) {
                throw new ConnectException("Table " + table + ": the record schema " + schemaName(schema)
                        + " has no field '" + pk + "', which pk.fields " + config.pkFields()
                        + " names as part of the primary key");
            }
        }
    }

    private TableMetadata create(final Connection connection, final TableId table, final Schema schema)
            throws SQLException {
        if (!config.autoCreate()) {
            throw new ConnectException("Table " + table + " does not exist, and auto.create is false");
        }
        final Set<String> pk = Set.copyOf(config.pkFields());
        final StringBuilder ddl = new StringBuilder("CREATE TABLE IF NOT EXISTS ").append(table.sql()).append(" (");
        for (final Field field : schema.fields()) {
            ddl.append(Identifiers.quote(field.name())).append(' ').append(ColumnType.of(field.schema()).ddl());
            if (!field.schema().isOptional() || pk.contains(field.name())) {
                ddl.append(" NOT NULL");
            }
            ddl.append(", ");
        }
        ddl.append("PRIMARY KEY (");
        for (int i = 0; i < config.pkFields().size(); i++) {
            ddl.append(i == 0 ? "" : ", ").append(Identifiers.quote(config.pkFields().get(i)));
        }
        ddl.append("))");
        final SQLException failure = execute(connection, table, ddl.toString());
        final TableMetadata meta = TableMetadata.read(connection, table);
        if (meta == null) {
            throw new ConnectException("Table " + table + " could not be created"
                    + (failure == null ? " (or its columns are not visible to the connecting user)"
                            : ": " + SqlErrors.describe(failure)), failure);
        }
        return meta;
    }

    private TableMetadata evolve(final Connection connection, final TableMetadata meta, final Schema schema)
            throws SQLException {
        final TableId table = meta.table();
        final List<String> changes = new ArrayList<>();
        for (final Field field : schema.fields()) {
            final TableMetadata.Column column = meta.column(field.name());
            final Schema fieldSchema = field.schema();
            if (column == null) {
                if (!config.autoEvolve()) {
                    throw new ConnectException("Table " + table + " has no column \"" + field.name()
                            + "\" for field '" + field.name() + "' (" + ColumnType.describe(fieldSchema)
                            + ") of the record schema " + schemaName(schema) + ", and auto.evolve is false");
                }
                if (!fieldSchema.isOptional() && fieldSchema.defaultValue() == null) {
                    throw new ConnectException("Table " + table + " has no column \"" + field.name()
                            + "\" for the required field '" + field.name() + "' (" + ColumnType.describe(fieldSchema)
                            + ") of the record schema " + schemaName(schema) + ". A required field without a "
                            + "default cannot be added to a table that may hold rows: make the field optional or "
                            + "give it a default, or add the column by hand");
                }
                // Nullable even for a required field with a default: rows written before have no value.
                changes.add("ALTER TABLE " + table.sql() + " ADD COLUMN IF NOT EXISTS "
                        + Identifiers.quote(field.name()) + " " + ColumnType.of(fieldSchema).ddl());
            } else if (fieldSchema.isOptional() && !column.nullable() && !config.pkFields().contains(field.name())
                    && config.autoEvolve()) {
                changes.add("ALTER TABLE " + table.sql() + " ALTER COLUMN " + Identifiers.quote(field.name())
                        + " DROP NOT NULL");
            }
        }
        if (changes.isEmpty()) {
            return meta;
        }
        SQLException failure = null;
        for (final String ddl : changes) {
            final SQLException e = execute(connection, table, ddl);
            failure = e == null ? failure : e;
        }
        final TableMetadata evolved = TableMetadata.read(connection, table);
        for (final Field field : schema.fields()) {
            if (evolved == null || evolved.column(field.name()) == null) {
                throw new ConnectException("Table " + table + ": column \"" + field.name() + "\" could not be added"
                        + (failure == null ? "" : ": " + SqlErrors.describe(failure)), failure);
            }
        }
        return evolved;
    }

    private WritePlan check(final TableMetadata meta, final Schema schema) {
        final TableId table = meta.table();
        final List<String> udtNames = new ArrayList<>(schema.fields().size());
        for (final Field field : schema.fields()) {
            final TableMetadata.Column column = meta.column(field.name());
            final ColumnType type = ColumnType.of(field.schema());
            if (!type.fits(column.udtName())) {
                throw new ConnectException("Table " + table + ", column \"" + column.name() + "\": the column has "
                        + "type " + column.dataType() + " but field '" + field.name() + "' of the record schema "
                        + schemaName(schema) + " has type " + ColumnType.describe(field.schema()) + " (column type "
                        + type.ddl() + "). Columns are never retyped: migrate the column, or write the new schema "
                        + "to another table (table.name.format)");
            }
            udtNames.add(column.udtName());
        }
        for (final TableMetadata.Column column : meta.columns()) {
            if (!column.nullable() && !column.hasDefault() && schema.field(column.name()) == null) {
                throw new ConnectException("Table " + table + ", column \"" + column.name() + "\" is NOT NULL "
                        + "without a default, and the record schema " + schemaName(schema) + " has no such field");
            }
        }
        final Set<String> pk = new LinkedHashSet<>(config.pkFields());
        if (config.insertMode() == JdbcSinkConfig.InsertMode.UPSERT && !meta.hasUniqueKey(pk)) {
            throw new ConnectException("Table " + table + " has no primary key or unique index on exactly "
                    + pk + " (pk.fields), which insert.mode=upsert needs for ON CONFLICT");
        }
        return new WritePlan(table, schema, udtNames, config.insertMode(), config.pkFields());
    }

    /**
     * Runs one DDL statement and commits it.
     *
     * @return null, or the error when it failed other than transiently: another task may have made the
     *         same change first, so the caller's fresh read of the table decides
     * @throws SQLException a transient error
     */
    private static SQLException execute(final Connection connection, final TableId table, final String ddl)
            throws SQLException {
        log.info("Table {}: {}", table, ddl);
        try (Statement statement = connection.createStatement()) {
            statement.execute(ddl);
            connection.commit();
            return null;
        } catch (SQLException e) {
            if (SqlErrors.classify(e) == SqlErrors.Kind.TRANSIENT) {
                throw e;
            }
            connection.rollback();
            log.warn("Table {}: {} failed ({}); reading the table again", table, ddl, SqlErrors.describe(e));
            return e;
        }
    }

    private static String schemaName(final Schema schema) {
        return schema.name() == null ? "(unnamed)" : schema.name();
    }
}
