package io.scorestream.app.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ObservabilityServerTest {

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final FlippingProbe probe = new FlippingProbe();
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private ObservabilityServer server;

    @BeforeEach
    void start() {
        server = new ObservabilityServer("127.0.0.1", 0, registry, probe).start();
    }

    @AfterEach
    void stop() {
        server.close();
        registry.close();
    }

    private HttpResponse<String> send(final String method, final String path) throws IOException, InterruptedException {
        final HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .method(method, HttpRequest.BodyPublishers.noBody())
                .timeout(Duration.ofSeconds(5))
                .build();
        return client.send(request, HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void bindsAnEphemeralPortWhenAskedForZero() {
        assertTrue(server.port() > 0);
    }

    @Test
    void servesRecordedMetersInPrometheusTextFormat() throws Exception {
        // given
        final ScoringMetrics metrics = new ScoringMetrics(List.of(Tag.of("application", "test")));
        metrics.bindTo(registry);
        metrics.recordBatch("fraud", "v1", 64, TimeUnit.MILLISECONDS.toNanos(3));
        metrics.recordScored("fraud", "v1", 64);
        metrics.recordLatencyMillis(12);
        metrics.modelLive("fraud", "v1");

        // when
        final HttpResponse<String> response = send("GET", "/metrics");

        // then
        assertEquals(200, response.statusCode());
        assertEquals("text/plain; version=0.0.4; charset=utf-8",
                response.headers().firstValue("Content-Type").orElseThrow());
        final String body = response.body();
        assertTrue(body.contains("scorestream_batch_size"), body);
        assertTrue(body.contains("scorestream_inference_time_seconds_bucket{"), body);
        assertTrue(body.contains("scorestream_records_total{"), body);
        assertTrue(body.contains("scorestream_e2e_latency_seconds_bucket{"), body);
        assertTrue(body.contains("scorestream_batch_size_records_bucket{"), body);
        assertTrue(body.contains("model=\"fraud\""), body);
        assertTrue(body.contains("scorestream_model_live"), body);
    }

    @Test
    void answersReadinessFromTheProbeWithItsDetails() throws Exception {
        // given not ready
        probe.details.put("streams", "REBALANCING");

        // when
        final HttpResponse<String> notReady = send("GET", "/readyz");

        // then
        assertEquals(503, notReady.statusCode());
        assertEquals("application/json; charset=utf-8", notReady.headers().firstValue("Content-Type").orElseThrow());
        assertEquals("{\"status\":\"DOWN\",\"details\":{\"streams\":\"REBALANCING\"}}", notReady.body());

        // when the probe flips
        probe.ready = true;
        probe.details.put("streams", "RUNNING");
        probe.details.put("models", Map.of("fraud", "v2"));
        final HttpResponse<String> ready = send("GET", "/readyz");

        // then
        assertEquals(200, ready.statusCode());
        assertEquals("{\"status\":\"UP\",\"details\":{\"streams\":\"RUNNING\",\"models\":{\"fraud\":\"v2\"}}}",
                ready.body());
    }

    @Test
    void answersLivenessFromTheProbe() throws Exception {
        final HttpResponse<String> up = send("GET", "/healthz");
        assertEquals(200, up.statusCode());
        assertEquals("{\"status\":\"UP\"}", up.body());

        probe.live = false;
        final HttpResponse<String> down = send("GET", "/healthz");
        assertEquals(503, down.statusCode());
        assertEquals("{\"status\":\"DOWN\"}", down.body());
    }

    @Test
    void answersNotReadyWhenTheProbeThrows() throws Exception {
        probe.failure = new IllegalStateException("streams not created yet");
        final HttpResponse<String> response = send("GET", "/readyz");
        assertEquals(503, response.statusCode());
        assertTrue(response.body().contains("streams not created yet"), response.body());
        assertEquals(503, send("GET", "/healthz").statusCode());
    }

    @Test
    void answersAnInternalErrorWhenTheDetailsCannotBeWritten() throws Exception {
        // given details that refer to themselves
        final List<Object> loop = new ArrayList<>();
        loop.add(loop);
        probe.ready = true;
        probe.details.put("loop", loop);

        // when
        final HttpResponse<String> response = send("GET", "/readyz");

        // then
        assertEquals(500, response.statusCode(), response.body());
        assertEquals(200, send("GET", "/healthz").statusCode());
    }

    @Test
    void writesNonFiniteDetailsAsStrings() throws Exception {
        probe.ready = true;
        probe.details.put("ratio", Double.NaN);

        assertEquals("{\"status\":\"UP\",\"details\":{\"ratio\":\"NaN\"}}", send("GET", "/readyz").body());
    }

    @Test
    void rejectsUnknownPathsAndMethods() throws Exception {
        assertEquals(404, send("GET", "/").statusCode());
        assertEquals(404, send("GET", "/metrics/extra").statusCode());
        final HttpResponse<String> post = send("POST", "/metrics");
        assertEquals(405, post.statusCode());
        assertEquals("GET, HEAD", post.headers().firstValue("Allow").orElseThrow());
        assertEquals(405, send("DELETE", "/readyz").statusCode());
    }

    @Test
    void answersHeadWithoutABody() throws Exception {
        final HttpResponse<String> head = send("HEAD", "/healthz");
        assertEquals(200, head.statusCode());
        assertEquals("", head.body());
    }

    @Test
    void closesQuicklyAndStopsListening() throws Exception {
        // given
        final int port = server.port();
        send("GET", "/healthz");

        // when
        final long start = System.nanoTime();
        server.close();
        final long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

        // then
        assertTrue(tookMillis < 1_000, "close took " + tookMillis + " ms");
        assertThrows(IllegalStateException.class, server::port);
        final HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/healthz"))
                .timeout(Duration.ofSeconds(2)).build();
        final HttpClient fresh = HttpClient.newHttpClient();
        assertThrows(IOException.class, () -> fresh.send(request, HttpResponse.BodyHandlers.ofString()));
        server.close(); // idempotent
        assertThrows(IllegalStateException.class, server::start);
    }

    @Test
    void refusesAPortInUseNamingTheSettings() {
        final ObservabilityServer second = new ObservabilityServer("127.0.0.1", server.port(), registry, probe);
        final RuntimeException e = assertThrows(RuntimeException.class, second::start);
        assertTrue(e.getMessage().contains("metrics.port"), e.getMessage());
        second.close();
    }

    @Test
    void bindsKafkaStreamsClientMetrics(@TempDir final Path stateDir) {
        // given a Kafka Streams client that is created but never started (no broker needed)
        final StreamsBuilder builder = new StreamsBuilder();
        builder.stream("in", Consumed.with(Serdes.String(), Serdes.String()))
                .to("out", Produced.with(Serdes.String(), Serdes.String()));
        final Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "observability-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:1");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        final SimpleMeterRegistry meters = new SimpleMeterRegistry();

        try (KafkaStreams streams = new KafkaStreams(builder.build(), props)) {
            // when
            final KafkaStreamsMetrics binder = ObservabilityServer.bindKafkaStreams(meters, streams,
                    List.of(Tag.of("application", "test")));
            try {
                // then
                final List<Meter> kafka = meters.getMeters().stream()
                        .filter(m -> m.getId().getName().startsWith("kafka."))
                        .toList();
                assertFalse(kafka.isEmpty(), "no Kafka Streams meters bound");
                assertTrue(kafka.stream().allMatch(m -> "test".equals(m.getId().getTag("application"))));
            } finally {
                binder.close();
            }
        }
    }

    /** A probe the test flips by hand. */
    private static final class FlippingProbe implements HealthProbe {
        volatile boolean live = true;
        volatile boolean ready;
        volatile RuntimeException failure;
        final Map<String, Object> details = Collections.synchronizedMap(new LinkedHashMap<>());

        @Override
        public boolean live() {
            if (failure != null) {
                throw failure;
            }
            return live;
        }

        @Override
        public boolean ready() {
            if (failure != null) {
                throw failure;
            }
            return ready;
        }

        @Override
        public Map<String, Object> details() {
            synchronized (details) {
                return new LinkedHashMap<>(details);
            }
        }
    }
}
