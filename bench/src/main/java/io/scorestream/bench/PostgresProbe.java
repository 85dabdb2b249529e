package io.scorestream.bench;

import io.scorestream.testkit.EmbeddedPostgresServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;

/**
 * What the sink mode asks of the PostgreSQL server beside the writing itself: tables, row counts,
 * the commit times of the rows, and the CPU time of the server's processes. One connection of its
 * own (autocommit), used by one thread; close it before the server.
 *
 * <p>Commit times come from {@code track_commit_timestamp}, which {@link #enableCommitTimestamps}
 * turns on (it needs a server restart): the moment the last row of a table became visible is then
 * read after the fact, so how often the harness polls does not change the measured window.
 */
final class PostgresProbe implements AutoCloseable {

    /** USER_HZ of /proc/[pid]/stat: 100 on every Linux architecture the JDK runs on. */
    private static final long NANOS_PER_TICK = 10_000_000L;
    private static final String UNDEFINED_TABLE = "42P01";

    private final EmbeddedPostgresServer server;
    private final Connection connection;

    /** The first and last commit time of a table's rows, and how many transactions wrote them. */
    record Commits(Instant first, Instant last, long transactions) {
    }

    private PostgresProbe(EmbeddedPostgresServer server, Connection connection) {
        this.server = server;
        this.connection = connection;
    }

    static PostgresProbe connect(EmbeddedPostgresServer server) throws SQLException {
        final Connection c = server.dataSource().getConnection();
        c.setAutoCommit(true);
        return new PostgresProbe(server, c);
    }

    /**
     * Turns {@code track_commit_timestamp} on ({@code ALTER SYSTEM}) and restarts the server, unless
     * it is on already. Call before any other client connects.
     */
    static void enableCommitTimestamps(EmbeddedPostgresServer server) throws SQLException {
        try (Connection c = server.dataSource().getConnection(); Statement s = c.createStatement()) {
            try (ResultSet r = s.executeQuery("SHOW track_commit_timestamp")) {
                r.next();
                if (r.getString(1).equals("on")) {
                    return;
                }
            }
            s.execute("ALTER SYSTEM SET track_commit_timestamp = on");
        }
        server.restart();
    }

    /** Creates {@code table} with the columns, constraints and indexes of {@code template}. */
    void createLike(String table, String template) throws SQLException {
        try (Statement s = connection.createStatement()) {
            s.execute("CREATE TABLE " + JdbcCeiling.quote(table) + " (LIKE " + JdbcCeiling.quote(template)
                    + " INCLUDING ALL)");
        }
    }

    /** Drops {@code table}. */
    void drop(String table) throws SQLException {
        try (Statement s = connection.createStatement()) {
            s.execute("DROP TABLE " + JdbcCeiling.quote(table));
        }
    }

    /** The exact number of rows of {@code table}; 0 while it does not exist. */
    long rowCount(String table) throws SQLException {
        try (Statement s = connection.createStatement();
             ResultSet r = s.executeQuery("SELECT count(*) FROM " + JdbcCeiling.quote(table))) {
            r.next();
            return r.getLong(1);
        } catch (SQLException e) {
            if (UNDEFINED_TABLE.equals(e.getSQLState())) {
                return 0;
            }
            throw e;
        }
    }

    /**
     * Rows inserted into {@code table} as the statistics collector last heard (cheap, up to about
     * half a second late, and counting rows of rolled-back transactions too); 0 before it heard of
     * the table.
     */
    long insertedRows(String table) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement(
                "SELECT n_tup_ins FROM pg_stat_user_tables WHERE schemaname = 'public' AND relname = ?")) {
            ps.setString(1, table);
            try (ResultSet r = ps.executeQuery()) {
                return r.next() ? r.getLong(1) : 0;
            }
        }
    }

    /** The commit times of {@code table}'s rows; null times when it is empty or they were not tracked. */
    Commits commits(String table) throws SQLException {
        try (Statement s = connection.createStatement();
             ResultSet r = s.executeQuery("SELECT min(t), max(t), count(DISTINCT x) FROM (SELECT "
                     + "pg_xact_commit_timestamp(xmin) AS t, xmin::text AS x FROM " + JdbcCeiling.quote(table)
                     + ") c")) {
            r.next();
            final java.sql.Timestamp first = r.getTimestamp(1);
            final java.sql.Timestamp last = r.getTimestamp(2);
            return new Commits(first == null ? null : first.toInstant(), last == null ? null : last.toInstant(),
                    r.getLong(3));
        }
    }

    /** Rows of {@code a} that are not in {@code b}, compared on every column. */
    long rowsMissingFrom(String a, String b) throws SQLException {
        try (Statement s = connection.createStatement();
             ResultSet r = s.executeQuery("SELECT count(*) FROM (SELECT * FROM " + JdbcCeiling.quote(a)
                     + " EXCEPT SELECT * FROM " + JdbcCeiling.quote(b) + ") d")) {
            r.next();
            return r.getLong(1);
        }
    }

    /**
     * CPU time of the server so far: the postmaster and every live child (backends, background
     * workers), plus what its children that have ended used; -1 where {@code /proc} cannot tell.
     */
    long cpuNanos() {
        try {
            final String pidText = Files.readAllLines(server.dataDir().resolve("postmaster.pid"),
                    StandardCharsets.US_ASCII).get(0).trim();
            final long postmaster = Long.parseLong(pidText);
            long ticks = 0;
            try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
                for (Path p : procs) {
                    final long[] stat = stat(p.resolve("stat"));
                    if (stat == null) {
                        continue;
                    }
                    if (stat[0] == postmaster) {
                        ticks += stat[2] + stat[3] + stat[4] + stat[5];
                    } else if (stat[1] == postmaster) {
                        ticks += stat[2] + stat[3];
                    }
                }
            }
            return ticks * NANOS_PER_TICK;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** pid, ppid, utime, stime, cutime, cstime of one /proc/[pid]/stat; null if the process is gone. */
    private static long[] stat(Path file) {
        final String line;
        try {
            line = Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            return null;
        }
        // The command name, field 2, is in parentheses and may hold spaces: count fields after it.
        final int close = line.lastIndexOf(')');
        if (close < 0) {
            return null;
        }
        final String[] f = line.substring(close + 2).trim().split(" ");
        // f[0] is field 3 (state): ppid is field 4, utime..cstime fields 14..17.
        return new long[] {Long.parseLong(line.substring(0, line.indexOf(' ')).trim()), Long.parseLong(f[1]),
                Long.parseLong(f[11]), Long.parseLong(f[12]), Long.parseLong(f[13]), Long.parseLong(f[14])};
    }

    @Override
    public void close() throws SQLException {
        connection.close();
    }
}
