package io.scorestream.app.command;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import io.scorestream.schemas.registry.InMemorySchemaRegistry;
import io.scorestream.testkit.SchemaRegistryServer;
import io.scorestream.testkit.TestCertificates;

import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code --schema-registry-config}, as the models, replay, produce and load commands mix it in. */
class SchemaRegistryOptionsTest {

    private static final Schema R = new Schema.Parser().parse(
            "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":\"int\"}]}");
    private static final String TOKEN = "tok-cli-6a0e3b";

    @TempDir
    Path dir;

    /** A command with the mixin that registers one schema and prints its id. */
    @Command(name = "register")
    static final class Register implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--schema-registry", required = true)
        String url;

        @Mixin
        SchemaRegistryOptions registryOptions = new SchemaRegistryOptions();

        @Override
        public Integer call() {
            CommandLines.out(spec).println("id " + registryOptions.client(spec, "--schema-registry", url)
                    .register("t-value", R));
            return CommandLines.OK;
        }
    }

    private record Run(int code, String out, String err) {
    }

    private static Run run(final String... args) {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final int code = CommandLines.execute(new Register(), args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void theFilesTrustStoreAndTokenReachTheRegistry() throws IOException {
        final TestCertificates certificates = TestCertificates.create(dir);
        try (SchemaRegistryServer server = SchemaRegistryServer.builder(new InMemorySchemaRegistry())
                .tls(certificates.serverContext()).bearerToken(TOKEN).start()) {
            // given
            final Path file = Files.writeString(dir.resolve("registry.properties"),
                    "schema.registry.bearer.auth.token=" + TOKEN + "\n"
                            + "schema.registry.ssl.truststore.location=" + certificates.truststore() + "\n"
                            + "schema.registry.ssl.truststore.password=" + certificates.password() + "\n");

            // when
            final Run withFile = run("--schema-registry", server.url(), "--schema-registry-config", file.toString());
            final Run without = run("--schema-registry", server.url());

            // then
            assertEquals(CommandLines.OK, withFile.code(), withFile.err());
            assertTrue(withFile.out().contains("id 1"), withFile.out());
            assertEquals(CommandLines.FAILED, without.code(), without.err());
            assertTrue(without.err().contains(server.url()), without.err());
            assertFalse(without.err().contains(TOKEN), without.err());
        }
    }

    @Test
    void aBadFileIsAUsageErrorNamingTheOptionAndKey() throws IOException {
        final Path file = Files.writeString(dir.resolve("registry.properties"),
                "schema.registry.bearer.auth.token=" + TOKEN + "\nschema.registry.basic.auth.user.info=u:p\n");

        final Run bad = run("--schema-registry", "https://registry:8081", "--schema-registry-config", file.toString());
        final Run missing = run("--schema-registry", "https://registry:8081", "--schema-registry-config",
                dir.resolve("absent.properties").toString());

        assertEquals(CommandLines.USAGE, bad.code());
        assertTrue(bad.err().contains("--schema-registry-config"), bad.err());
        assertTrue(bad.err().contains("schema.registry.bearer.auth.token"), bad.err());
        assertFalse(bad.err().contains(TOKEN), bad.err());
        assertEquals(CommandLines.USAGE, missing.code());
        assertTrue(missing.err().contains("does not exist"), missing.err());
    }
}
