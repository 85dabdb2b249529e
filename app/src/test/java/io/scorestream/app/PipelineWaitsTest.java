package io.scorestream.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.scorestream.app.demo.DemoModels;
import io.scorestream.inference.Device;
import io.scorestream.inference.InferenceSettings;
import io.scorestream.inference.OnnxModelLoader;
import io.scorestream.inference.onnx.Mlp;
import io.scorestream.inference.registry.DefaultArtifactFetcher;
import io.scorestream.inference.registry.ModelRegistry;
import io.scorestream.inference.registry.RegistryListener;
import io.scorestream.inference.registry.RegistrySettings;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link PipelineWaits} on real (unstarted) Kafka Streams clients and a real model registry: a
 * pipeline whose model is missing is paused, reported, overdue once, and resumed when a version
 * goes live; the others are left alone.
 */
class PipelineWaitsTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(1);

    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-07T00:00:00Z"));
    private final List<String> overdue = new ArrayList<>();
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private ModelRegistry models;
    private KafkaStreams fraud;
    private KafkaStreams credit;
    private PipelineWaits waits;

    @BeforeEach
    void setUp() throws InterruptedException {
        final RegistrySettings settings = RegistrySettings.builder().warmUpRows(2).build();
        models = new ModelRegistry(settings,
                new OnnxModelLoader(InferenceSettings.builder().device(Device.CPU).intraOpThreads(1).build()),
                new DefaultArtifactFetcher(settings), RegistryListener.NONE);
        publish("fraud", "1");
        fraud = client("fraud");
        credit = client("credit");
        waits = new PipelineWaits(List.of(new PipelineWaits.Gate("fraud", "fraud", fraud),
                new PipelineWaits.Gate("credit", "credit", credit)), models, TIMEOUT, "model-specs", overdue::add,
                clock);
        waits.bindTo(meters, List.of(Tag.of("application", "test")));
    }

    @AfterEach
    void tearDown() {
        waits.close();
        fraud.close(Duration.ofSeconds(5));
        credit.close(Duration.ofSeconds(5));
        models.close();
    }

    @Test
    void pausesOnlyThePipelineWithoutALiveModelAndResumesItWhenOneGoesLive() throws Exception {
        // when: checked before the clients start, with only the fraud model live
        waits.pauseMissing();

        // then: credit is paused and waiting, fraud is not
        assertTrue(credit.isPaused(), "credit has no model: its client must be paused");
        assertFalse(fraud.isPaused(), "fraud has a live model: its client must run");
        assertEquals(List.of("credit"), waits.waits().stream().map(PipelineWaits.Wait::pipeline).toList());
        assertEquals(1.0, waiting("credit"));
        assertEquals(0.0, waiting("fraud"));
        final Map<String, Object> details = waits.details(clock.instant());
        assertEquals(List.of("credit"), List.copyOf(details.keySet()));
        assertEquals("waiting", ((Map<?, ?>) details.get("credit")).get("status"));

        // when: a version of the credit model goes live
        publish("credit", "1");
        waits.check();

        // then: credit resumes, nothing waits, and no wait was overdue
        assertFalse(credit.isPaused());
        assertTrue(waits.waits().isEmpty());
        assertEquals(0.0, waiting("credit"));
        assertTrue(overdue.isEmpty(), overdue.toString());
    }

    @Test
    void aWaitPastTheTimeoutIsReportedOnceAsAnErrorAndTheWaitGoesOn() throws Exception {
        waits.pauseMissing();

        clock.advance(TIMEOUT.minusMillis(1));
        waits.check();
        assertTrue(overdue.isEmpty(), "not overdue yet: " + overdue);

        clock.advance(Duration.ofMillis(1));
        waits.check();
        waits.check();
        assertEquals(1, overdue.size(), "reported once: " + overdue);
        assertTrue(overdue.get(0).startsWith("Pipeline 'credit' has waited 1000 ms (model.wait.timeout.ms=1000) "
                + "for a live version of model 'credit'"), overdue.get(0));
        assertTrue(waits.anyOverdue());
        assertEquals("error", ((Map<?, ?>) waits.details(clock.instant()).get("credit")).get("status"));
        assertTrue(credit.isPaused(), "the wait goes on, paused");

        publish("credit", "1");
        waits.check();
        assertFalse(credit.isPaused());
        assertFalse(waits.anyOverdue());
    }

    @Test
    void retiringTheLastVersionPausesThePipelineAgain() throws Exception {
        waits.pauseMissing();
        assertFalse(fraud.isPaused());

        models.submit("fraud", null);
        final long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (models.live("fraud").isPresent()) {
            assertTrue(System.nanoTime() < deadline, "the tombstone never retired the model");
            Thread.sleep(10);
        }
        waits.check();

        assertTrue(fraud.isPaused());
        assertTrue(waits.isWaiting("fraud"));
    }

    private double waiting(String pipeline) {
        return meters.get(PipelineWaits.WAITING_METRIC).tag("pipeline", pipeline).gauge().value();
    }

    private void publish(String name, String version) throws InterruptedException {
        models.submit(name, DemoModels.inlineSpec(name, version, Mlp.random(7, 30, 4, 1).toOnnx(), 0.5, Map.of()));
        final long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!models.live(name).map(m -> m.version().equals(version)).orElse(false)) {
            assertTrue(System.nanoTime() < deadline, name + " v" + version + " never went live: "
                    + models.lastRefusal(name));
            Thread.sleep(10);
        }
    }

    /** A client that is never started: pause() and isPaused() work on it all the same. */
    private static KafkaStreams client(String pipeline) {
        final StreamsBuilder b = new StreamsBuilder();
        b.stream(pipeline + "-in").to(pipeline + "-out");
        final Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, "pipeline-waits-test-" + pipeline);
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:1");
        p.put(StreamsConfig.DEFAULT_KEY_SERDE_CLASS_CONFIG, Serdes.ByteArray().getClass());
        p.put(StreamsConfig.DEFAULT_VALUE_SERDE_CLASS_CONFIG, Serdes.ByteArray().getClass());
        return new KafkaStreams(b.build(), p);
    }

    private static final class MutableClock extends Clock {
        private Instant now;

        MutableClock(Instant start) {
            this.now = start;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }
}
