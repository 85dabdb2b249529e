package io.scorestream.tests.models;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scorestream.schemas.registry.InMemorySchemaRegistry;
import io.scorestream.testkit.EmbeddedKafka;
import io.scorestream.testkit.SchemaRegistryServer;
import io.scorestream.testkit.TestCertificates;
import io.scorestream.tests.models.ModelsCli.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code scorestream models} on a real broker with the schema registry behind TLS (a throw-away
 * CA) and basic auth: the registry's settings come from {@code --schema-registry-config}, the
 * same keys as {@code scorestream run}'s; without them the command fails naming the registry and
 * never printing a secret.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class ModelsSecureRegistryIT {

    private static final String USER_INFO = "operator:pw-models-5e2c81";

    @TempDir
    static Path dir;
    private static EmbeddedKafka kafka;
    private static SchemaRegistryServer registryServer;
    private static TestCertificates certificates;
    private static Path registryConfig;

    @BeforeAll
    static void start() throws Exception {
        certificates = TestCertificates.create(dir);
        kafka = EmbeddedKafka.startDefault();
        kafka.createCompactedTopic("model-specs", 1);
        registryServer = SchemaRegistryServer.builder(new InMemorySchemaRegistry())
                .tls(certificates.serverContext()).basicAuth(USER_INFO).start();
        registryConfig = Files.writeString(dir.resolve("scorestream.properties"), String.join("\n",
                "bootstrap.servers=" + kafka.bootstrapServers(),
                "schema.registry.basic.auth.user.info=" + USER_INFO,
                "schema.registry.ssl.truststore.location=" + certificates.truststore(),
                "schema.registry.ssl.truststore.password=" + certificates.password(),
                "schema.registry.ssl.truststore.type=PKCS12") + "\n");
    }

    @AfterAll
    static void stop() {
        Utils.closeQuietly(registryServer, "schema registry server");
        Utils.closeQuietly(kafka, "embedded kafka");
    }

    private static Result models(final boolean withConfig, final String... args) {
        final List<String> all = new ArrayList<>(List.of(ModelsCli.models(kafka.bootstrapServers(),
                registryServer.url(), null, args)));
        if (withConfig) {
            all.addAll(List.of("--schema-registry-config", registryConfig.toString()));
        }
        return ModelsCli.run(true, all.toArray(String[]::new));
    }

    private static void assertNoSecret(final Result r) {
        for (final String secret : List.of("pw-models-5e2c81", certificates.password())) {
            assertFalse(r.out().contains(secret), r.out());
            assertFalse(r.err().contains(secret), r.err());
        }
    }

    @Test
    void publishesAndListsThroughARegistryBehindTlsAndBasicAuth() throws Exception {
        // given
        final String onnx = ModelsCli.write(dir, ModelsCli.logisticRegression(7));

        // when
        final Result published = models(true, "publish", "--name", "fraud", "--version", "1", "--onnx", onnx);
        final Result listed = models(true, "list");
        final Result refused = models(false, "publish", "--name", "fraud", "--version", "2", "--onnx", onnx);

        // then
        published.assertOk();
        assertTrue(published.out().contains("published fraud: version 1"), published.out());
        listed.assertOk();
        assertTrue(listed.out().contains("fraud"), listed.out());
        assertNotEquals(0, refused.code());
        assertTrue(refused.err().contains(registryServer.url()), refused.err());
        assertTrue(refused.err().contains("certificate is not accepted"), refused.err());
        assertNoSecret(published);
        assertNoSecret(listed);
        assertNoSecret(refused);
        assertTrue(registryServer.subjects().contains("model-specs-value"), registryServer.subjects().toString());
    }
}
