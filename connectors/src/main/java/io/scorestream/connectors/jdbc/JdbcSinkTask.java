package io.scorestream.connectors.jdbc;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.sink.ErrantRecordReporter;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes records to PostgreSQL: each {@link #put(Collection)} is one database transaction, committed
 * before {@code put} returns. See {@link JdbcSinkConnector} for what that guarantees.
 *
 * <p><b>Lifecycle.</b> {@link #start(Map)} reads the settings and does not connect; the connection
 * is opened by the first {@code put}, and again by the first {@code put} after a failure closed it.
 * {@link #stop()} closes it. Nothing is buffered across {@code put} calls, so {@link #flush(Map)}
 * has nothing to do and the offsets Connect commits are always of records already in the table.
 *
 * <p><b>Errors.</b>
 * <ul>
 *   <li>A record that cannot be written (a tombstone, a value that is not a struct, a null
 *       primary-key field, a value the database rejects: a NUL byte in text, a constraint
 *       violation, a duplicate key in insert mode) is reported to
 *       {@link ErrantRecordReporter#report(SinkRecord, Throwable)} after the others are committed.
 *       Without a reporter ({@code errors.tolerance=none}) the put is rolled back and the task fails,
 *       naming the record.</li>
 *   <li>A transient database error (see {@link SqlErrors.Kind#TRANSIENT}) rolls the put back,
 *       closes the connection, asks Connect to wait {@code retry.backoff.ms}
 *       ({@code context.timeout}) and throws {@link RetriableException}: Connect delivers the same
 *       records again. After {@code max.retries} such failures in a row, the next fails the task with
 *       the last SQL error.</li>
 *   <li>A table that cannot take a schema, or any other database error, fails the task with a
 *       {@link ConnectException} saying why.</li>
 * </ul>
 *
 * <p>Neither the password nor a {@code password=} URL parameter appears in a log line or message.
 *
 * <p><b>Threading.</b> Connect calls every method on the task's own thread.
 */
public final class JdbcSinkTask extends SinkTask {

    private static final Logger log = LoggerFactory.getLogger(JdbcSinkTask.class);

    private JdbcSinkConfig config;
    private TableManager tables;
    private RecordWriter writer;
    private ErrantRecordReporter reporter;
    private Connection connection;
    private int consecutiveFailures;

    @Override
    public String version() {
        return JdbcSinkConnector.VERSION;
    }

    @Override
    public void start(final Map<String, String> props) {
        this.config = new JdbcSinkConfig(props);
        this.tables = new TableManager(config);
        this.writer = new RecordWriter(config, tables);
        this.reporter = reporterOf(context);
        log.info("JDBC sink task started: {}; errant records {}", config,
                reporter == null ? "fail the task (no errant record reporter)" : "go to the errant record reporter");
    }

    /**
     * Writes {@code records} in one transaction and commits it, reporting the records that cannot be
     * written.
     *
     * @throws RetriableException after a transient database error, when Connect should deliver the same
     *         records again after {@code retry.backoff.ms}
     * @throws ConnectException when the task cannot go on
     */
    @Override
    public void put(final Collection<SinkRecord> records) {
        if (records.isEmpty()) {
            return;
        }
        final List<RecordWriter.Rejected> rejected;
        try {
            final Connection c = connection();
            rejected = writer.write(c, records);
            if (!rejected.isEmpty() && reporter == null) {
                final RecordWriter.Rejected first = rejected.get(0);
                throw new ConnectException(first.error().getMessage() + ". No errant record reporter "
                        + "(errors.tolerance=none): failing the task; nothing of this batch of " + records.size()
                        + " records was written. Set errors.tolerance=all (and errors.deadletterqueue.topic.name) "
                        + "to write the others and send such records to a dead-letter queue", first.error());
            }
            c.commit();
        } catch (SQLException e) {
            throw failure(e);
        } catch (RuntimeException e) {
            rollbackQuietly();
            throw e;
        }
        consecutiveFailures = 0;
        for (final RecordWriter.Rejected r : rejected) {
            log.warn("{}; reporting it as errant", r.error().getMessage());
            reporter.report(r.record(), r.error());
        }
    }

    /** Nothing to do: every {@code put} commits before it returns, so nothing is buffered here. */
    @Override
    public void flush(final Map<TopicPartition, OffsetAndMetadata> currentOffsets) {
        // Deliberately empty: see the javadoc.
    }

    @Override
    public void stop() {
        closeConnection();
        log.info("JDBC sink task stopped");
    }

    private Connection connection() throws SQLException {
        if (connection == null) {
            final Properties props = new Properties();
            if (config.user() != null) {
                props.setProperty("user", config.user());
            }
            if (config.password() != null) {
                props.setProperty("password", config.password().value());
            }
            props.setProperty("ApplicationName", "scorestream-jdbc-sink");
            // The driver itself, not DriverManager: in a Connect plugin class loader DriverManager may not see it.
            final Connection c = new org.postgresql.Driver().connect(config.url(), props);
            if (c == null) {
                throw new ConnectException("The PostgreSQL driver does not accept connection.url "
                        + config.redactedUrl());
            }
            c.setAutoCommit(false);
            // The database may have changed while the task was away from it.
            tables.clear();
            connection = c;
            log.info("Connected to {}", config.redactedUrl());
        }
        return connection;
    }

    /** The exception {@code put} throws for {@code e}, after rolling back or closing the connection. */
    private ConnectException failure(final SQLException e) {
        final SqlErrors.Kind kind = SqlErrors.classify(e);
        if (kind != SqlErrors.Kind.TRANSIENT && kind != SqlErrors.Kind.TABLE_CHANGED) {
            rollbackQuietly();
            return new ConnectException("Writing to " + config.redactedUrl() + " failed: " + SqlErrors.describe(e), e);
        }
        closeConnection();
        consecutiveFailures++;
        if (consecutiveFailures > config.maxRetries()) {
            return new ConnectException("Writing to " + config.redactedUrl() + " failed " + consecutiveFailures
                    + " times in a row (max.retries=" + config.maxRetries() + "); last error: "
                    + SqlErrors.describe(e), e);
        }
        log.warn("Writing to {} failed ({}); the records will be delivered again in {} ms (retry {} of {})",
                config.redactedUrl(), SqlErrors.describe(e), config.retryBackoffMs(), consecutiveFailures,
                config.maxRetries());
        context.timeout(config.retryBackoffMs());
        return new RetriableException(SqlErrors.describe(e), e);
    }

    private void rollbackQuietly() {
        if (connection == null) {
            return;
        }
        try {
            connection.rollback();
        } catch (SQLException e) {
            log.warn("Rollback failed ({}); closing the connection", SqlErrors.describe(e));
            closeConnection();
        }
    }

    private void closeConnection() {
        if (connection == null) {
            return;
        }
        try {
            connection.close();
        } catch (SQLException e) {
            log.debug("Closing the connection failed ({})", SqlErrors.describe(e));
        }
        connection = null;
    }

    private static ErrantRecordReporter reporterOf(final org.apache.kafka.connect.sink.SinkTaskContext context) {
        try {
            return context == null ? null : context.errantRecordReporter();
        } catch (NoSuchMethodError | NoClassDefFoundError e) {
            // A worker older than Kafka 2.6 has no errant record reporter.
            return null;
        }
    }
}
