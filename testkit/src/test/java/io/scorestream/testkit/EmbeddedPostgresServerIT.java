package io.scorestream.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real PostgreSQL server: rows written and read, credentials checked, data kept over restarts. */
class EmbeddedPostgresServerIT {

    @Test
    void storesAndReadsRowsChecksThePasswordAndDeletesItsTemporaryDataDirectoryOnClose() throws SQLException {
        // given
        final Path dataDir;
        try (EmbeddedPostgresServer postgres = EmbeddedPostgresServer.start()) {
            dataDir = postgres.dataDir();
            assertTrue(postgres.isRunning());
            assertEquals("jdbc:postgresql://127.0.0.1:" + postgres.port() + "/postgres", postgres.jdbcUrl());

            // when
            createScoresTable(postgres.dataSource());
            insertScore(postgres.dataSource(), "event-1", 0.25);
            insertScore(postgres.dataSource(), "event-2", 0.75);

            // then: read back through the JDBC URL and the credentials, as a sink would connect
            try (Connection connection = DriverManager.getConnection(postgres.jdbcUrl(), postgres.user(),
                    postgres.password())) {
                assertEquals(List.of("event-1=0.25", "event-2=0.75"), scores(connection));
            }
            // and a wrong password is refused
            final SQLException refused = assertThrows(SQLException.class,
                    () -> DriverManager.getConnection(postgres.jdbcUrl(), postgres.user(), "wrong").close());
            assertEquals("28P01", refused.getSQLState(), "invalid_password: " + refused.getMessage());
        }
        assertFalse(Files.exists(dataDir), "temporary data directory deleted on close");
    }

    @Test
    void restartKeepsTheDataAndThePortAndClientsReconnect(@TempDir final Path dir) throws SQLException {
        // given
        final Path dataDir = dir.resolve("postgres");
        try (EmbeddedPostgresServer postgres = EmbeddedPostgresServer.start(dataDir, 0)) {
            final int port = postgres.port();
            createScoresTable(postgres.dataSource());
            insertScore(postgres.dataSource(), "before-outage", 0.5);

            // when the database goes away, clients fail
            postgres.stop();
            assertFalse(postgres.isRunning());
            assertThrows(SQLException.class, () -> postgres.dataSource().getConnection().close());

            // then it comes back on the same port with the same data, and the same data source works
            postgres.restart();
            assertTrue(postgres.isRunning());
            assertEquals(port, postgres.port());
            insertScore(postgres.dataSource(), "after-outage", 0.5);
            try (Connection connection = postgres.dataSource().getConnection()) {
                assertEquals(List.of("after-outage=0.5", "before-outage=0.5"), scores(connection));
            }

            // and restart() on a running server is a stop and a start
            postgres.restart();
            try (Connection connection = postgres.dataSource().getConnection()) {
                assertEquals(2, scores(connection).size());
            }
        }
        assertTrue(Files.isDirectory(dataDir), "a data directory given by the caller is kept");
    }

    @Test
    void aGivenDataDirectoryIsReusedByTheNextServer(@TempDir final Path dir) throws SQLException {
        // given a first server that wrote a row and is gone
        final Path dataDir = dir.resolve("postgres");
        try (EmbeddedPostgresServer first = EmbeddedPostgresServer.start(dataDir, 0)) {
            createScoresTable(first.dataSource());
            insertScore(first.dataSource(), "first-run", 1.0);
        }

        // when a second one starts on that directory
        try (EmbeddedPostgresServer second = EmbeddedPostgresServer.start(dataDir, 0)) {
            // then it has the row (and the password set when the directory was initialised)
            try (Connection connection = second.dataSource().getConnection()) {
                assertEquals(List.of("first-run=1.0"), scores(connection));
            }
        }
    }

    private static void createScoresTable(final DataSource dataSource) throws SQLException {
        try (Connection connection = dataSource.getConnection();
                Statement statement = connection.createStatement()) {
            statement.execute("CREATE TABLE scores (event_id TEXT PRIMARY KEY, score DOUBLE PRECISION NOT NULL)");
        }
    }

    private static void insertScore(final DataSource dataSource, final String eventId, final double score)
            throws SQLException {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement insert = connection.prepareStatement(
                        "INSERT INTO scores (event_id, score) VALUES (?, ?)")) {
            insert.setString(1, eventId);
            insert.setDouble(2, score);
            assertEquals(1, insert.executeUpdate());
        }
    }

    private static List<String> scores(final Connection connection) throws SQLException {
        final List<String> rows = new ArrayList<>();
        try (Statement statement = connection.createStatement();
                ResultSet result = statement.executeQuery("SELECT event_id, score FROM scores ORDER BY event_id")) {
            while (result.next()) {
                rows.add(result.getString(1) + "=" + result.getDouble(2));
            }
        }
        return rows;
    }
}
