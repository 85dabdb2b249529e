package io.scorestream.app.command;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scorestream.app.security.KafkaRefusedException;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.Callable;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.Command;

/** Kafka's refusals end a command with a message and exit 1, never with a bare stack trace. */
class CommandLinesRefusalTest {

    @Command(name = "refused")
    static final class Explained implements Callable<Integer> {
        @Override
        public Integer call() {
            throw new KafkaRefusedException("Kafka at b:9093 does not allow User:scorer to use topic(s) 'm'",
                    new TopicAuthorizationException(Set.of("m")));
        }
    }

    @Command(name = "raw")
    static final class Raw implements Callable<Integer> {
        @Override
        public Integer call() {
            throw new KafkaException("send failed", new TopicAuthorizationException(Set.of("scores")));
        }
    }

    @Test
    void anExplainedRefusalPrintsItsMessageAloneAndExitsOne() {
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final int code = CommandLines.execute(new Explained(), new String[0], new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        final String printed = err.toString(StandardCharsets.UTF_8);
        assertEquals(CommandLines.FAILED, code);
        assertEquals("scorestream refused: Kafka at b:9093 does not allow User:scorer to use topic(s) 'm'",
                printed.strip());
    }

    @Test
    void aRawKafkaRefusalIsStillNamedWithoutAStackTrace() {
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final int code = CommandLines.execute(new Raw(), new String[0], new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        final String printed = err.toString(StandardCharsets.UTF_8);
        assertEquals(CommandLines.FAILED, code);
        assertTrue(printed.contains("'scores'"), printed);
        assertFalse(printed.contains("\tat "), printed);
    }
}
