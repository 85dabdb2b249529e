package io.scorestream.connectors.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.sink.SinkRecord;

/**
 * Writes the records of one {@code put()} in the connection's current transaction, leaving the
 * commit (or rollback) to the caller.
 *
 * <p>Records go to their topic's table; within a table they are written in delivery order (so the
 * last of two records with the same key wins), in consecutive runs of one value schema, in JDBC
 * batches of {@code batch.size} single-row statements. Tables are made to fit every schema of the
 * put (see {@link TableManager}) before the first row is written.
 *
 * <p>A batch that fails on a record's values ({@link SqlErrors.Kind#RECORD}) is rolled back to a
 * savepoint taken before it and written again row by row, each row under its own savepoint, to
 * find the records that cannot be written; they are returned, the others written. Any other
 * database error is thrown, leaving the transaction for the caller to roll back.
 *
 * <p>Used by one task thread; not thread-safe.
 */
final class RecordWriter {

    /**
     * A record that cannot be written, and why.
     *
     * @param record the record
     * @param error the reason, naming the record's table and the database's error
     */
    record Rejected(SinkRecord record, DataException error) {
    }

    private final JdbcSinkConfig config;
    private final TableManager tables;
    private final Map<String, TableId> tableOfTopic = new HashMap<>();

    RecordWriter(final JdbcSinkConfig config, final TableManager tables) {
        this.config = config;
        this.tables = tables;
    }

    /**
     * Writes {@code records}, uncommitted.
     *
     * @return the records that could not be written, in no particular order; empty when all were
     * @throws SQLException when the database fails other than on one record's values
     * @throws org.apache.kafka.connect.errors.ConnectException when a table cannot take a schema
     */
    List<Rejected> write(final Connection connection, final Collection<SinkRecord> records) throws SQLException {
        final List<Rejected> rejected = new ArrayList<>(0);
        final Map<TableId, List<SinkRecord>> byTable = new LinkedHashMap<>();
        for (final SinkRecord record : records) {
            final TableId table = tableOf(record.topic());
            if (record.value() instanceof Struct) {
                List<SinkRecord> ofTable = byTable.get(table);
                if (ofTable == null) {
                    ofTable = new ArrayList<>(records.size());
                    byTable.put(table, ofTable);
                }
                ofTable.add(record);
            } else {
                rejected.add(new Rejected(record, new DataException(describe(record) + " cannot be written to table "
                        + table + ": its value is " + (record.value() == null ? "null (a tombstone)"
                                : "a " + record.value().getClass().getName() + ", not a Connect Struct with a schema"))));
            }
        }
        final List<Run> runs = new ArrayList<>();
        for (final Map.Entry<TableId, List<SinkRecord>> e : byTable.entrySet()) {
            plan(connection, e.getKey(), e.getValue(), runs);
        }
        for (final Run run : runs) {
            write(connection, run, rejected);
        }
        return rejected;
    }

    /** Splits one table's records into runs of one value schema, planning each schema. */
    private void plan(final Connection connection, final TableId table, final List<SinkRecord> records,
            final List<Run> runs) throws SQLException {
        WritePlan current = null;
        int start = 0;
        for (int i = 0; i < records.size(); i++) {
            final Schema schema = ((Struct) records.get(i).value()).schema();
            // Converters hand out one Schema instance per schema: compare identity before equality.
            if (current != null && (current.schema() == schema || current.schema().equals(schema))) {
                continue;
            }
            if (current != null) {
                runs.add(new Run(current, records.subList(start, i)));
            }
            current = tables.plan(connection, table, schema);
            start = i;
        }
        runs.add(new Run(current, records.subList(start, records.size())));
    }

    private void write(final Connection connection, final Run run, final List<Rejected> rejected)
            throws SQLException {
        final List<SinkRecord> records = run.records();
        final List<SinkRecord> batch = new ArrayList<>(Math.min(records.size(), config.batchSize()));
        try (PreparedStatement ps = connection.prepareStatement(run.plan().sql())) {
            for (int from = 0; from < records.size(); from += config.batchSize()) {
                batch.clear();
                final Savepoint savepoint = connection.setSavepoint();
                for (final SinkRecord record : records.subList(from, Math.min(records.size(),
                        from + config.batchSize()))) {
                    if (bind(ps, run.plan(), record, rejected)) {
                        ps.addBatch();
                        batch.add(record);
                    }
                }
                try {
                    if (!batch.isEmpty()) {
                        ps.executeBatch();
                    }
                } catch (SQLException e) {
                    if (SqlErrors.classify(e) != SqlErrors.Kind.RECORD) {
                        throw e;
                    }
                    connection.rollback(savepoint);
                    ps.clearBatch();
                    writeOneByOne(connection, ps, run.plan(), batch, rejected);
                }
                connection.releaseSavepoint(savepoint);
            }
        }
    }

    private static void writeOneByOne(final Connection connection, final PreparedStatement ps, final WritePlan plan,
            final List<SinkRecord> records, final List<Rejected> rejected) throws SQLException {
        for (final SinkRecord record : records) {
            final Savepoint savepoint = connection.setSavepoint();
            try {
                plan.bind(ps, (Struct) record.value());
                ps.executeUpdate();
            } catch (SQLException e) {
                if (SqlErrors.classify(e) != SqlErrors.Kind.RECORD) {
                    throw e;
                }
                connection.rollback(savepoint);
                rejected.add(new Rejected(record, new DataException(describe(record) + " cannot be written to table "
                        + plan.table() + ": " + SqlErrors.describe(e), e)));
            }
            connection.releaseSavepoint(savepoint);
        }
    }

    /** Binds {@code record} to {@code ps}; false (and the record rejected) when its values cannot be bound. */
    private static boolean bind(final PreparedStatement ps, final WritePlan plan, final SinkRecord record,
            final List<Rejected> rejected) throws SQLException {
        try {
            plan.bind(ps, (Struct) record.value());
            return true;
        } catch (DataException e) {
            ps.clearParameters();
            rejected.add(new Rejected(record, new DataException(describe(record) + " cannot be written to table "
                    + plan.table() + ": " + e.getMessage(), e)));
            return false;
        }
    }

    private TableId tableOf(final String topic) {
        return tableOfTopic.computeIfAbsent(topic, t -> new TableId(config.tableSchema(), config.tableName(t)));
    }

    /** {@code topic-partition@offset}. */
    static String describe(final SinkRecord record) {
        return "Record " + record.topic() + "-" + record.kafkaPartition() + "@" + record.kafkaOffset();
    }

    /** Consecutive records of one table with one value schema. */
    private record Run(WritePlan plan, List<SinkRecord> records) {
    }
}
