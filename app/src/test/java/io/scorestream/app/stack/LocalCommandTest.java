package io.scorestream.app.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scorestream.app.cli.ScorestreamApp;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code scorestream local}'s refusals, which come before anything is started. */
class LocalCommandTest {

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void aTakenPortExitsTwoNamingThePartAndTheOptionBeforeAnythingStarts() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            final int port = taken.getLocalPort();
            final ByteArrayOutputStream out = new ByteArrayOutputStream();
            final ByteArrayOutputStream err = new ByteArrayOutputStream();
            final int code;
            try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
                 PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
                code = ScorestreamApp.execute(new String[] {"local", "--kafka-port", "0", "--registry-port", "0",
                    "--postgres-port", Integer.toString(port), "--connect-port", "0"}, o, e);
            }
            final String message = err.toString(StandardCharsets.UTF_8);
            assertEquals(2, code, message);
            assertTrue(message.startsWith("scorestream local: port " + port + " for the PostgreSQL is taken on "
                    + "127.0.0.1"), message);
            assertTrue(message.contains("choose another port with --postgres-port"), message);
            assertEquals("", out.toString(StandardCharsets.UTF_8));
        }
    }
}
