package io.scorestream.connectors.jdbc;

import static io.scorestream.connectors.jdbc.ScoreStructs.record;
import static io.scorestream.connectors.jdbc.ScoreStructs.score;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link JdbcSinkTask} while the database goes away: a stopped server, then the same server (same
 * port, same data directory) started again; and a server that never answers.
 */
// A separate thread: a put blocked on a lock or a dead socket fails the test instead of hanging the build.
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class JdbcSinkOutageTest {

    @TempDir
    Path dataDirectory;

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static EmbeddedPostgres start(final int port, final Path dataDirectory) throws IOException {
        return EmbeddedPostgres.builder().setPort(port).setDataDirectory(dataDirectory)
                .setCleanDataDirectory(false).start();
    }

    @Test
    void aDatabaseOutageIsRetriedAndNothingIsLostOnceTheDatabaseIsBack() throws Exception {
        // given a task that wrote a first batch
        final int port = freePort();
        EmbeddedPostgres server = start(port, dataDirectory);
        final RecordingSinkTaskContext context = new RecordingSinkTaskContext(true);
        final JdbcSinkTask task = new JdbcSinkTask();
        task.initialize(context);
        task.start(Postgres.taskProps(port, "retry.backoff.ms", "50", "max.retries", "5"));
        try {
            task.put(List.of(record("scores", 0, score("e-0", 0.1)), record("scores", 1, score("e-1", 0.2))));

            // when the server stops
            server.close();
            final List<SinkRecord> batch = List.of(record("scores", 2, score("e-2", 0.3)),
                    record("scores", 3, score("e-3", 0.4)));
            final RetriableException first = assertThrows(RetriableException.class, () -> task.put(batch));
            final RetriableException second = assertThrows(RetriableException.class, () -> task.put(batch));

            // then Connect is asked to wait before delivering the same records again
            assertEquals(List.of(50L, 50L), context.timeouts);
            // (the connection that was open learns of the shutdown, 57P01, or fails, 08xxx; a new one is refused)
            assertTrue(first.getMessage().matches("(?s)SQLSTATE (08|57P01).*"), first.getMessage());
            assertTrue(second.getMessage().startsWith("SQLSTATE 08001"), second.getMessage());

            // when the server is back, and Connect delivers the batch again
            server = start(port, dataDirectory);
            task.put(batch);

            // then every record is in the table once
            final Postgres db = new Postgres(server.getPostgresDatabase());
            assertEquals(List.of("e-0", "e-1", "e-2", "e-3"), db.rows("SELECT event_id FROM scores ORDER BY event_id")
                    .stream().map(r -> r.get(0)).collect(Collectors.toList()));
            assertTrue(context.reports.isEmpty());
        } finally {
            task.stop();
            server.close();
        }
    }

    @Test
    void afterMaxRetriesFailuresInARowTheTaskFailsWithTheLastSqlError() throws Exception {
        // given a database that is not there
        final int port = freePort();
        final RecordingSinkTaskContext context = new RecordingSinkTaskContext(true);
        final JdbcSinkTask task = new JdbcSinkTask();
        task.initialize(context);
        task.start(Postgres.taskProps(port, "retry.backoff.ms", "10", "max.retries", "2"));
        final List<SinkRecord> batch = List.of(record("scores", 0, score("e-0", 0.1)));

        // when
        assertThrows(RetriableException.class, () -> task.put(batch));
        assertThrows(RetriableException.class, () -> task.put(batch));
        final ConnectException e = assertThrows(ConnectException.class, () -> task.put(batch));
        task.stop();

        // then
        assertFalse(e instanceof RetriableException, e.toString());
        assertTrue(e.getMessage().contains("3 times in a row") && e.getMessage().contains("max.retries=2")
                && e.getMessage().contains("localhost:" + port), e.getMessage());
        assertTrue(e.getMessage().contains("SQLSTATE 08001"), e.getMessage());
        assertEquals(List.of(10L, 10L), context.timeouts);
    }
}
