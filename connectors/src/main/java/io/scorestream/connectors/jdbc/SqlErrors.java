package io.scorestream.connectors.jdbc;

import java.io.IOException;
import java.sql.SQLException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientException;

/**
 * What a database error means for the sink, from its SQLSTATE (PostgreSQL's codes, appendix A of
 * its manual) and JDBC's exception classes. Stateless.
 */
final class SqlErrors {

    /** What to do about an error. */
    enum Kind {
        /**
         * The database or the way to it failed, not the records: connection exceptions (class 08),
         * insufficient resources (53), operator intervention such as a shutting-down server (57),
         * transaction rollback such as a serialization failure or deadlock (40), a lock not
         * available (55P03). Retry the same records later, on a new connection.
         */
        TRANSIENT,
        /**
         * One record's values cannot be stored: data exceptions (class 22: a NUL byte in text, a
         * value out of range) and integrity constraint violations (23: not null, unique, check,
         * foreign key), a value too large to index (54000). Set the record aside, write the others.
         */
        RECORD,
        /**
         * The table changed under the sink (dropped, a column dropped or retyped, its unique key
         * dropped): read it again and retry.
         */
        TABLE_CHANGED,
        /** Anything else (authentication, permissions, a bug): the task cannot go on. */
        FATAL
    }

    private SqlErrors() {
    }

    /** The kind of {@code e}, from the first SQLSTATE in it or its chain. */
    static Kind classify(final SQLException e) {
        if (e instanceof SQLTransientException || e instanceof SQLRecoverableException) {
            return Kind.TRANSIENT;
        }
        final String state = sqlState(e);
        if (state == null) {
            return e.getCause() instanceof IOException ? Kind.TRANSIENT : Kind.FATAL;
        }
        if (state.startsWith("08") || state.startsWith("53") || state.startsWith("57") || state.startsWith("40")
                || state.equals("55P03")) {
            return Kind.TRANSIENT;
        }
        if (state.startsWith("22") || state.startsWith("23") || state.equals("54000")) {
            return Kind.RECORD;
        }
        if (state.equals("42P01") || state.equals("42703") || state.equals("42804") || state.equals("42P10")) {
            return Kind.TABLE_CHANGED;
        }
        return Kind.FATAL;
    }

    /** The SQLSTATE of {@code e}, else of the first exception chained to it that has one; or null. */
    static String sqlState(final SQLException e) {
        for (SQLException x = e; x != null; x = x.getNextException()) {
            if (x.getSQLState() != null) {
                return x.getSQLState();
            }
        }
        return e.getCause() instanceof SQLException ? sqlState((SQLException) e.getCause()) : null;
    }

    /**
     * {@code e} in one line for messages: the SQLSTATE and the message of the most specific exception
     * (for a failed batch, the statement's own error rather than "Batch entry 0 ... was aborted").
     */
    static String describe(final SQLException e) {
        final SQLException specific = e.getNextException() != null ? e.getNextException() : e;
        final String state = sqlState(e);
        return (state == null ? "" : "SQLSTATE " + state + ": ") + specific.getMessage();
    }
}
