package io.scorestream.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.scorestream.app.config.InferenceConfig;
import io.scorestream.app.config.KafkaStreamsConfig;
import io.scorestream.app.config.ModelsConfig;
import io.scorestream.app.config.ScorestreamConfig;
import io.scorestream.app.config.TopicsConfig;
import io.scorestream.app.metrics.HealthProbe;
import io.scorestream.app.metrics.ObservabilityServer;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The security defaults of the configuration: Kafka client secrets reach the clients and never the
 * logs, the metrics endpoint listens on the loopback interface unless told otherwise, and no
 * custom-op library is loaded unless one is configured (and exists).
 */
class SecurityBasicsTest {

    private static final String JAAS = "org.apache.kafka.common.security.plain.PlainLoginModule required "
            + "username=\"scorer\" password=\"jaas-s3cr3t\";";
    private static final String KEYSTORE_PASSWORD = "keystore-s3cr3t";

    @TempDir
    Path dir;

    private Map<String, Object> required(Object... keyValues) {
        final Map<String, Object> config = new HashMap<>();
        config.put(KafkaStreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "broker:9093");
        config.put(TopicsConfig.INPUT_TOPICS_CONFIG, "transactions");
        config.put(ModelsConfig.MODEL_NAME_CONFIG, "fraud");
        config.put(KafkaStreamsConfig.STATE_DIR_CONFIG, dir.toString());
        for (int i = 0; i < keyValues.length; i += 2) {
            config.put((String) keyValues[i], keyValues[i + 1]);
        }
        return config;
    }

    @Test
    void saslAndSslSecretsReachKafkaStreamsAndTheClientsButNeverTheLog() {
        // given
        final ScorestreamConfig config = ScorestreamConfig.of(required(
                "kafka.security.protocol", "SASL_SSL",
                "kafka.sasl.mechanism", "PLAIN",
                "kafka.sasl.jaas.config", JAAS,
                "kafka.ssl.keystore.location", "/etc/scorestream/keystore.p12",
                "kafka.ssl.keystore.password", KEYSTORE_PASSWORD));

        // when
        final Properties streams = config.kafka().streamsProperties();
        final Map<String, Object> clients = config.kafka().clientProperties();

        // then: the clients get them, verbatim
        assertEquals(JAAS, streams.get("sasl.jaas.config"));
        assertEquals(KEYSTORE_PASSWORD, streams.get("ssl.keystore.password"));
        assertEquals("SASL_SSL", streams.get("security.protocol"));
        assertEquals(JAAS, clients.get("sasl.jaas.config"));
        assertEquals(KEYSTORE_PASSWORD, clients.get("ssl.keystore.password"));

        // and: what is logged does not
        for (String shown : List.of(config.redacted().toString(), config.toString())) {
            assertFalse(shown.contains("s3cr3t"), shown);
        }
        assertEquals("[hidden]", config.redacted().get("kafka.sasl.jaas.config"));
        assertEquals("[hidden]", config.redacted().get("kafka.ssl.keystore.password"));
        assertEquals("SASL_SSL", config.redacted().get("kafka.security.protocol"));
    }

    @Test
    void theMetricsEndpointListensOnLoopbackByDefault() throws Exception {
        // given: the default configuration
        final ScorestreamConfig config = ScorestreamConfig.of(required());
        assertEquals("127.0.0.1", config.metrics().bindAddress());

        // when: the endpoint starts as the application starts it
        final PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        try (ObservabilityServer server = new ObservabilityServer(config.metrics().bindAddress(), 0, meters,
                new UpProbe()).start()) {

            // then: it answers on loopback, and not on this host's other addresses
            assertTrue(connects(InetAddress.getLoopbackAddress(), server.port()));
            final Optional<InetAddress> external = nonLoopbackAddress();
            Assumptions.assumeTrue(external.isPresent(), "this host has no non-loopback IPv4 address");
            assertFalse(connects(external.get(), server.port()),
                    "reachable on " + external.get().getHostAddress());
        } finally {
            meters.close();
        }
    }

    @Test
    void noCustomOpLibraryIsLoadedByDefault() {
        final ScorestreamConfig config = ScorestreamConfig.of(required());

        assertEquals(List.of(), config.inference().settings().customOpLibraries());
        assertEquals("", config.redacted().get(InferenceConfig.INFERENCE_CUSTOM_OP_LIBRARIES_CONFIG));
    }

    @Test
    void aConfiguredCustomOpLibraryThatDoesNotExistStopsTheStartNamingKeyAndPath() {
        final String missing = dir.resolve("libmissing_ops.so").toString();

        final ConfigException e = assertThrows(ConfigException.class, () -> ScorestreamConfig.of(required(
                InferenceConfig.INFERENCE_CUSTOM_OP_LIBRARIES_CONFIG, missing)));

        assertTrue(e.getMessage().contains(InferenceConfig.INFERENCE_CUSTOM_OP_LIBRARIES_CONFIG), e.getMessage());
        assertTrue(e.getMessage().contains("'" + missing + "'"), e.getMessage());
    }

    @Test
    void aConfiguredCustomOpLibraryThatExistsIsCarriedToTheInferenceSettings() throws IOException {
        final Path library = Files.createFile(dir.resolve("libcustom_ops.so"));

        final ScorestreamConfig config = ScorestreamConfig.of(required(
                InferenceConfig.INFERENCE_CUSTOM_OP_LIBRARIES_CONFIG, library.toString()));

        assertEquals(List.of(library.toString()), config.inference().settings().customOpLibraries());
    }

    private static boolean connects(InetAddress address, int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(address, port), 1_000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static Optional<InetAddress> nonLoopbackAddress() throws SocketException {
        for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (!nic.isUp() || nic.isLoopback()) {
                continue;
            }
            for (InetAddress a : Collections.list(nic.getInetAddresses())) {
                if (a instanceof Inet4Address && !a.isLoopbackAddress() && !a.isLinkLocalAddress()) {
                    return Optional.of(a);
                }
            }
        }
        return Optional.empty();
    }

    /** Always up and ready, no details. */
    private static final class UpProbe implements HealthProbe {
        @Override
        public boolean live() {
            return true;
        }

        @Override
        public boolean ready() {
            return true;
        }

        @Override
        public Map<String, Object> details() {
            return Map.of();
        }
    }
}
