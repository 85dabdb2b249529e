package io.scorestream.connectors.jdbc;

import static io.scorestream.connectors.jdbc.ScoreStructs.record;
import static io.scorestream.connectors.jdbc.ScoreStructs.score;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.read.ListAppender;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.RetriableException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

/**
 * The database password, given as {@code connection.password} and as a {@code password=} URL
 * parameter, appears in no log line (any level) and no exception message of a task that starts,
 * creates a table, writes, reports a bad record, loses its database and gives up.
 */
// A separate thread: a put blocked on a lock or a dead socket fails the test instead of hanging the build.
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class JdbcSinkSecretsTest {

    private static final String SECRET = "pw-Zq81-never-shown";

    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
    private final Logger ours = (Logger) LoggerFactory.getLogger("io.scorestream");
    private Level oursBefore;

    @BeforeEach
    void captureLogs() {
        logs.start();
        ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).addAppender(logs);
        oursBefore = ours.getLevel();
        ours.setLevel(Level.TRACE);
    }

    @AfterEach
    void releaseLogs() {
        ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).detachAppender(logs);
        ours.setLevel(oursBefore);
    }

    @Test
    void thePasswordAppearsInNoLogLineAndNoExceptionMessage() throws Exception {
        final List<Throwable> thrown = new ArrayList<>();
        final int deadPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            deadPort = socket.getLocalPort();
        }

        // given a task writing to a live database (trust authentication: the password is not needed)
        try (EmbeddedPostgres server = EmbeddedPostgres.builder().start()) {
            final JdbcSinkTask task = new JdbcSinkTask();
            task.initialize(new RecordingSinkTaskContext(true));
            task.start(withSecrets(server.getPort(), "1"));
            // when it creates a table, writes, and reports a bad record
            task.put(List.of(record("scores", 0, score("e-1", 0.1)), record("scores", 1, score("e-\u0000", 0.2))));
            // and loses its database until it gives up
            server.close();
            thrown.add(assertThrows(RetriableException.class,
                    () -> task.put(List.of(record("scores", 2, score("e-2", 0.3))))));
            thrown.add(assertThrows(ConnectException.class,
                    () -> task.put(List.of(record("scores", 2, score("e-2", 0.3))))));
            task.stop();
        }
        // and a task that finds no database at all, retries none, fails at once
        final JdbcSinkTask dead = new JdbcSinkTask();
        dead.initialize(new RecordingSinkTaskContext(false));
        dead.start(withSecrets(deadPort, "0"));
        thrown.add(assertThrows(ConnectException.class, () -> dead.put(List.of(record("scores", 0, score("e", 1))))));
        dead.stop();

        // then
        final StringBuilder text = new StringBuilder();
        for (final ILoggingEvent event : logs.list) {
            text.append(event.getFormattedMessage()).append('\n');
            for (IThrowableProxy t = event.getThrowableProxy(); t != null; t = t.getCause()) {
                text.append(t.getClassName()).append(": ").append(t.getMessage()).append('\n');
            }
        }
        for (final Throwable t : thrown) {
            for (Throwable x = t; x != null; x = x.getCause()) {
                text.append(x).append('\n');
            }
        }
        assertFalse(text.toString().contains(SECRET), text.toString());
        // the URL was shown, masked: the test looked where the secret would have been
        assertTrue(text.toString().contains("password=****"), text.toString());
        assertTrue(logs.list.stream().anyMatch(e -> e.getLevel() == Level.WARN), text.toString());
        assertEquals(3, thrown.size());
    }

    private static Map<String, String> withSecrets(final int port, final String maxRetries) {
        final Map<String, String> props = Postgres.taskProps(port, "connection.password", SECRET,
                "max.retries", maxRetries, "retry.backoff.ms", "10");
        props.put("connection.url", props.get("connection.url") + "?ApplicationName=secrets-test&password=" + SECRET);
        return props;
    }
}
