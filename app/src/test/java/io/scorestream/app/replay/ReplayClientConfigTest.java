package io.scorestream.app.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scorestream.app.command.CommandLines;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;

/** {@code replay --client-config FILE}: the Kafka client settings every client of the replay gets. */
class ReplayClientConfigTest {

    private static final PrintStream NOWHERE = new PrintStream(new ByteArrayOutputStream(), true,
            StandardCharsets.UTF_8);

    @TempDir
    Path dir;

    private static ReplayCommand parse(String... more) {
        final List<String> args = new ArrayList<>(List.of("--bootstrap", "localhost:9092", "--schema-registry",
                "http://localhost:8081", "--topic", "transactions", "--out", "replay-scores", "--model", "fraud@1"));
        args.addAll(List.of(more));
        final ReplayCommand command = new ReplayCommand();
        CommandLines.configure(new CommandLine(command), NOWHERE, NOWHERE).parseArgs(args.toArray(new String[0]));
        return command;
    }

    @Test
    void withoutTheOptionTheClientsGetNoExtraSettings() {
        assertEquals(Map.of(), parse().clientConfig());
    }

    @Test
    void readsTheFilesPropertiesAndLeavesBootstrapToTheOption() throws Exception {
        final Path file = dir.resolve("client.properties");
        Files.writeString(file, "security.protocol=SASL_SSL\nsasl.mechanism=SCRAM-SHA-512\n"
                + "bootstrap.servers=elsewhere:9092\n", StandardCharsets.UTF_8);

        final Map<String, Object> config = parse("--client-config", file.toString()).clientConfig();

        assertEquals(Map.of("security.protocol", "SASL_SSL", "sasl.mechanism", "SCRAM-SHA-512"), config);
        assertFalse(config.containsKey("bootstrap.servers"));
    }

    @Test
    void aMissingFileIsAUsageErrorNamingIt() {
        final Path missing = dir.resolve("nope.properties");
        final ReplayCommand command = parse("--client-config", missing.toString());

        final String message = assertThrows(ParameterException.class, command::clientConfig).getMessage();

        assertTrue(message.contains("--client-config") && message.contains(missing.toString()), message);
    }
}
