package io.scorestream.app.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.scorestream.testkit.TestCertificates;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** The metrics endpoint with basic authentication, with TLS, and the warning when it has neither off loopback. */
class ObservabilityServerSecurityTest {

    private static final String USER_INFO = "prometheus:pw-81f0aa2c";

    @TempDir
    static Path dir;
    private static TestCertificates certificates;

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final ListAppender<ILoggingEvent> log = new ListAppender<>();
    private final Logger logger = (Logger) LoggerFactory.getLogger(ObservabilityServer.class);

    @BeforeAll
    static void makeCertificates() {
        certificates = TestCertificates.create(dir);
    }

    @BeforeEach
    void captureLog() {
        registry.counter("scorestream.test.requests").increment();
        log.start();
        logger.addAppender(log);
    }

    @AfterEach
    void release() {
        logger.detachAppender(log);
        registry.close();
    }

    private static HealthProbe upProbe() {
        return new HealthProbe() {
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
                return Map.of("streams", "RUNNING");
            }
        };
    }

    private static HttpResponse<String> get(final HttpClient client, final String url, final String userInfo)
            throws IOException, InterruptedException {
        final HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5));
        if (userInfo != null) {
            request.header("Authorization", "Basic "
                    + Base64.getEncoder().encodeToString(userInfo.getBytes(StandardCharsets.UTF_8)));
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private List<String> warnings() {
        return log.list.stream().filter(e -> e.getLevel() == Level.WARN).map(ILoggingEvent::getFormattedMessage)
                .toList();
    }

    @Test
    void basicAuthGuardsMetricsAndReadinessButNotLiveness() throws Exception {
        // given
        final HttpClient client = HttpClient.newHttpClient();
        try (ObservabilityServer server = new ObservabilityServer("127.0.0.1", 0, registry, upProbe(),
                EndpointSecurity.of(USER_INFO, null)).start()) {
            final String base = "http://127.0.0.1:" + server.port();

            // when
            final HttpResponse<String> with = get(client, base + "/metrics", USER_INFO);
            final HttpResponse<String> without = get(client, base + "/metrics", null);
            final HttpResponse<String> wrong = get(client, base + "/metrics", "prometheus:pw-81f0aa2d");
            final HttpResponse<String> readyWithout = get(client, base + "/readyz", null);
            final HttpResponse<String> readyWith = get(client, base + "/readyz", USER_INFO);
            final HttpResponse<String> health = get(client, base + "/healthz", null);

            // then
            assertEquals(200, with.statusCode());
            assertTrue(with.body().contains("scorestream_test_requests_total"), with.body());
            assertEquals(401, without.statusCode());
            assertTrue(without.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Basic realm="),
                    without.headers().toString());
            assertFalse(without.body().contains("scorestream_test"), without.body());
            assertEquals(401, wrong.statusCode());
            assertEquals(401, readyWithout.statusCode());
            assertFalse(readyWithout.body().contains("RUNNING"), readyWithout.body());
            assertEquals(200, readyWith.statusCode());
            assertEquals(200, health.statusCode());
        }
        for (final ILoggingEvent event : log.list) {
            assertFalse(event.getFormattedMessage().contains("pw-81f0aa2c"), event.getFormattedMessage());
        }
    }

    @Test
    void tlsServesMetricsToAClientTrustingTheCa() throws Exception {
        // given
        final EndpointSecurity security = EndpointSecurity.of(USER_INFO, EndpointSecurity.keyStoreContext(
                certificates.keystore(), "PKCS12", certificates.password(), null));
        try (ObservabilityServer server = new ObservabilityServer("127.0.0.1", 0, registry, upProbe(), security)
                .start()) {
            final HttpClient trusting = HttpClient.newBuilder().sslContext(certificates.clientContext()).build();

            // when
            final HttpResponse<String> metrics = get(trusting, "https://localhost:" + server.port() + "/metrics",
                    USER_INFO);

            // then
            assertEquals(200, metrics.statusCode());
            assertTrue(metrics.body().contains("scorestream_test_requests_total"), metrics.body());
            assertEquals(401, get(trusting, "https://127.0.0.1:" + server.port() + "/metrics", null).statusCode());
            // a client that does not trust the test CA gets no answer at all
            assertThrows(IOException.class,
                    () -> get(HttpClient.newHttpClient(), "https://127.0.0.1:" + server.port() + "/healthz", null));
        }
    }

    @Test
    void warnsNamingTheAddressWhenServingOffLoopbackWithoutAuthOrTls() {
        // when
        try (ObservabilityServer open = new ObservabilityServer("0.0.0.0", 0, registry, upProbe()).start()) {
            // then
            assertEquals(1, warnings().size(), warnings().toString());
            assertTrue(warnings().get(0).contains("0.0.0.0"), warnings().get(0));
            assertTrue(warnings().get(0).contains("metrics.basic.auth.user.info"), warnings().get(0));
        }
    }

    @Test
    void doesNotWarnOnLoopbackOrWithAuthentication() {
        try (ObservabilityServer loopback = new ObservabilityServer("127.0.0.1", 0, registry, upProbe()).start();
             ObservabilityServer guarded = new ObservabilityServer("0.0.0.0", 0, registry, upProbe(),
                     EndpointSecurity.of(USER_INFO, null)).start()) {
            assertEquals(List.of(), warnings());
        }
    }

    @Test
    void wrongKeyStorePasswordNamesTheFileButNotThePassword() {
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> EndpointSecurity.keyStoreContext(certificates.keystore(), "PKCS12", "pw-not-it-77", null));
        assertTrue(e.getMessage().contains(certificates.keystore().toString()), e.getMessage());
        assertFalse(e.getMessage().contains("pw-not-it-77"), e.getMessage());
    }

    @Test
    void securityNamesWhatIsOnButNoSecret() {
        final EndpointSecurity security = EndpointSecurity.of(USER_INFO, certificates.serverContext());
        assertEquals("EndpointSecurity[TLS, basic auth]", security.toString());
        assertThrows(IllegalArgumentException.class, () -> EndpointSecurity.of("prometheus", null));
        assertThrows(IllegalArgumentException.class, () -> EndpointSecurity.of("prometheus:", null));
    }
}
