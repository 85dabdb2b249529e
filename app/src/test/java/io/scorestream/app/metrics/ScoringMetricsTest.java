package io.scorestream.app.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MockClock;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.scorestream.inference.registry.RegistryListener;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ScoringMetricsTest {

    private final MockClock clock = new MockClock();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry(SimpleConfig.DEFAULT, clock);
    private final ScoringMetrics metrics = new ScoringMetrics(List.of(Tag.of("application", "test-app")));

    @BeforeEach
    void bind() {
        metrics.bindTo(registry);
    }

    @Test
    void registersTheLatencyTimerWhenBound() {
        final Timer latency = registry.get(ScoringMetrics.E2E_LATENCY).tag("application", "test-app").timer();
        assertEquals(0, latency.count());
    }

    @Test
    void recordsBatchSizePerModelAndInferenceTimePerVersion() {
        // when
        metrics.recordBatch("fraud", "v1", 100, TimeUnit.MILLISECONDS.toNanos(4));
        metrics.recordBatch("fraud", "v1", 50, TimeUnit.MILLISECONDS.toNanos(2));
        metrics.recordBatch("fraud", "v2", 10, TimeUnit.MILLISECONDS.toNanos(1));

        // then
        final DistributionSummary sizes = registry.get(ScoringMetrics.BATCH_SIZE)
                .tags("model", "fraud", "application", "test-app").summary();
        assertEquals(3, sizes.count());
        assertEquals(160.0, sizes.totalAmount());
        assertEquals("records", sizes.getId().getBaseUnit());
        assertEquals(2, sizes.takeSnapshot().percentileValues().length);
        assertTrue(sizes.takeSnapshot().histogramCounts().length > 0);
        final Timer v1 = registry.get(ScoringMetrics.INFERENCE_TIME).tags("model", "fraud", "version", "v1").timer();
        assertEquals(2, v1.count());
        assertEquals(6.0, v1.totalTime(TimeUnit.MILLISECONDS), 1e-9);
        assertEquals(1, registry.get(ScoringMetrics.INFERENCE_TIME).tags("version", "v2").timer().count());
    }

    @Test
    void countsScoredRecordsByModelAndVersion() {
        // when
        metrics.recordScored("fraud", "v1", 100);
        metrics.recordScored("fraud", "v1", 28);

        // then
        final Counter scored = registry.get(ScoringMetrics.RECORDS)
                .tags("outcome", "scored", "model", "fraud", "version", "v1", "reason", "none").counter();
        assertEquals(128.0, scored.count());
    }

    @Test
    void reusesCachedMetersOnTheHotPath() {
        // given
        metrics.recordBatch("fraud", "v1", 1, 1);
        metrics.recordScored("fraud", "v1", 1);
        final int meters = registry.getMeters().size();
        final Timer timer = registry.get(ScoringMetrics.INFERENCE_TIME).timer();

        // when
        for (int i = 0; i < 1000; i++) {
            metrics.recordBatch("fraud", "v1", 1, 1);
            metrics.recordScored("fraud", "v1", 1);
            metrics.recordLatencyMillis(i);
        }

        // then
        assertEquals(meters, registry.getMeters().size());
        assertSame(timer, registry.get(ScoringMetrics.INFERENCE_TIME).timer());
        assertEquals(1001, timer.count());
    }

    @Test
    void recordsEndToEndLatencyCountingClockSkewAsZero() {
        // when
        metrics.recordLatencyMillis(120);
        metrics.recordLatencyMillis(-5);

        // then
        final Timer latency = registry.get(ScoringMetrics.E2E_LATENCY).timer();
        assertEquals(2, latency.count());
        assertEquals(120.0, latency.totalTime(TimeUnit.MILLISECONDS), 1e-9);
        assertEquals(120.0, latency.max(TimeUnit.MILLISECONDS), 1e-9);
    }

    @Test
    void countsDeadLettersByReasonWithNoneForUnknownModelOrVersion() {
        // when
        metrics.recordDeadLetter("deserialization", null, null);
        metrics.recordDeadLetter("deserialization", null, null);
        metrics.recordDeadLetter("inference", "fraud", "v3");

        // then
        assertEquals(2.0, registry.get(ScoringMetrics.RECORDS).tags("outcome", "dead_lettered",
                "reason", "deserialization", "model", "none", "version", "none").counter().count());
        assertEquals(1.0, registry.get(ScoringMetrics.RECORDS).tags("outcome", "dead_lettered",
                "reason", "inference", "model", "fraud", "version", "v3").counter().count());
    }

    @Test
    void countsLoadsAndRefusalsAndTimesLoads() {
        // when
        metrics.modelLoaded("fraud", "v1", TimeUnit.SECONDS.toNanos(2));
        metrics.modelRefused("fraud", "v2", "sha256_mismatch");
        metrics.modelRefused("fraud", "v3", "sha256_mismatch");

        // then
        assertEquals(1.0, registry.get(ScoringMetrics.MODEL_LOADS)
                .tags("model", "fraud", "result", "loaded", "reason", "none").counter().count());
        assertEquals(2.0, registry.get(ScoringMetrics.MODEL_LOADS)
                .tags("model", "fraud", "result", "refused", "reason", "sha256_mismatch").counter().count());
        final Timer loadTime = registry.get(ScoringMetrics.MODEL_LOAD_TIME).tags("model", "fraud").timer();
        assertEquals(1, loadTime.count());
        assertEquals(2.0, loadTime.totalTime(TimeUnit.SECONDS), 1e-9);
    }

    @Test
    void showsOnlyTheLiveVersionAndWhenItWentLive() {
        // given
        clock.add(1_000, TimeUnit.SECONDS);
        metrics.modelLoaded("fraud", "v1", 1, "cuda:0");
        metrics.modelLive("fraud", "v1");
        final double v1Since = registry.get(ScoringMetrics.MODEL_LIVE_SINCE).tags("version", "v1").gauge().value();

        // when v2 is swapped in later
        clock.add(60, TimeUnit.SECONDS);
        metrics.modelLoaded("fraud", "v2", 1, "cpu");
        metrics.modelLive("fraud", "v2");

        // then
        assertEquals(clock.wallTime() / 1000.0 - 60, v1Since, 1e-6);
        assertNull(registry.find(ScoringMetrics.MODEL_LIVE_INFO).tags("version", "v1").gauge());
        assertNull(registry.find(ScoringMetrics.MODEL_LIVE_SINCE).tags("version", "v1").gauge());
        final Gauge info = registry.get(ScoringMetrics.MODEL_LIVE_INFO)
                .tags("model", "fraud", "version", "v2", "device", "cpu").gauge();
        assertEquals(1.0, info.value());
        assertEquals(clock.wallTime() / 1000.0,
                registry.get(ScoringMetrics.MODEL_LIVE_SINCE).tags("version", "v2").gauge().value(), 1e-6);
        assertEquals(1, registry.find(ScoringMetrics.MODEL_LIVE_INFO).gauges().size());
    }

    @Test
    void keepsOneLiveGaugePerModel() {
        // when
        metrics.modelLive("fraud", "v1");
        metrics.modelLive("churn", "v7");
        metrics.modelLive("fraud", "v1");

        // then
        assertEquals(2, registry.find(ScoringMetrics.MODEL_LIVE_INFO).gauges().size());
        assertEquals("unknown", registry.get(ScoringMetrics.MODEL_LIVE_INFO).tags("model", "churn").gauge()
                .getId().getTag("device"));
    }

    @Test
    void removesTheLiveGaugeWhenTheLiveVersionIsRetired() {
        // given
        metrics.modelLive("fraud", "v1");

        // when an older version is retired, nothing changes
        metrics.modelRetired("fraud", "v0");
        assertNotNull(registry.find(ScoringMetrics.MODEL_LIVE_INFO).tags("version", "v1").gauge());

        // when the live one is retired (tombstone)
        metrics.modelRetired("fraud", "v1");

        // then
        assertNull(registry.find(ScoringMetrics.MODEL_LIVE_INFO).gauge());
        assertNull(registry.find(ScoringMetrics.MODEL_LIVE_SINCE).gauge());
    }

    @Test
    void followsTheModelRegistryAsItsListener() {
        // given
        final RegistryListener listener = metrics;

        // when v1 loads and goes live, v2 is refused, v3 replaces v1, then a tombstone retires v3
        listener.onLoaded("fraud", "v1", TimeUnit.MILLISECONDS.toNanos(300), "cuda:0");
        listener.onSwapped("fraud", null, "v1");
        assertEquals("cuda:0", registry.get(ScoringMetrics.MODEL_LIVE_INFO).tags("version", "v1").gauge()
                .getId().getTag("device"));
        listener.onRefused("fraud", "v2", "sha256_mismatch", "sha256 of v2 does not match");
        listener.onLoaded("fraud", "v3", TimeUnit.MILLISECONDS.toNanos(200), "cpu");
        listener.onSwapped("fraud", "v1", "v3");

        // then
        assertEquals(2.0, registry.get(ScoringMetrics.MODEL_LOADS).tags("result", "loaded").counter().count());
        assertEquals(1.0, registry.get(ScoringMetrics.MODEL_LOADS).tags("result", "refused",
                "reason", "sha256_mismatch").counter().count());
        assertEquals(1, registry.find(ScoringMetrics.MODEL_LIVE_INFO).gauges().size());
        assertNotNull(registry.find(ScoringMetrics.MODEL_LIVE_INFO).tags("version", "v3", "device", "cpu").gauge());

        // when
        listener.onRetired("fraud", "v3");

        // then
        assertNull(registry.find(ScoringMetrics.MODEL_LIVE_INFO).gauge());
    }

    @Test
    void refusesToRecordBeforeBeingBound() {
        final ScoringMetrics unbound = new ScoringMetrics(List.of());
        assertThrows(IllegalStateException.class, () -> unbound.recordBatch("m", "v", 1, 1));
        assertThrows(IllegalStateException.class, () -> unbound.recordLatencyMillis(1));
        assertThrows(IllegalStateException.class, () -> unbound.recordDeadLetter("r", null, null));
        assertThrows(IllegalStateException.class, () -> unbound.modelLive("m", "v"));
    }

    @Test
    void bindsToOneRegistryOnly() {
        metrics.bindTo(registry); // again: no-op
        assertThrows(IllegalStateException.class, () -> metrics.bindTo(new SimpleMeterRegistry()));
    }

    @Test
    void disabledMetricsAcceptEverything() {
        final ScoringMetrics disabled = ScoringMetrics.disabled();
        disabled.recordBatch("m", "v", 1, 1);
        disabled.recordScored("m", "v", 1);
        disabled.recordLatencyMillis(1);
        disabled.recordDeadLetter("r", null, null);
        disabled.modelLoaded("m", "v", 1);
        disabled.modelLive("m", "v");
        disabled.modelRetired("m", "v");
    }

    @Test
    void countsLateEventsPerModelAndAggregate() {
        metrics.recordFeatureLate("fraud", "n_10m");
        metrics.recordFeatureLate("fraud", "n_10m");
        metrics.recordFeatureLate("fraud", "sum_1h");

        assertEquals(2.0, registry.get(ScoringMetrics.FEATURES_LATE)
                .tags("model", "fraud", "aggregate", "n_10m", "application", "test-app").counter().count());
        assertEquals(1.0, registry.get(ScoringMetrics.FEATURES_LATE).tags("aggregate", "sum_1h").counter().count());
    }

    @Test
    void countsDecodeFallbacksPerModelAndReasonThroughTheBridge() {
        // when: the processor reports fallbacks to the bridge
        final MetricsBridge bridge = new MetricsBridge(metrics);
        bridge.onDecodeFallback("fraud", "aggregates");
        bridge.onDecodeFallback("fraud", "aggregates");
        bridge.onDecodeFallback("fraud", "value");
        bridge.onDecodeFallback("churn", "value");

        // then
        assertEquals(2.0, registry.get(ScoringMetrics.DECODE_FALLBACK)
                .tags("model", "fraud", "reason", "aggregates", "application", "test-app").counter().count());
        assertEquals(1.0, registry.get(ScoringMetrics.DECODE_FALLBACK).tags("model", "fraud", "reason", "value")
                .counter().count());
        assertEquals(1.0, registry.get(ScoringMetrics.DECODE_FALLBACK).tags("model", "churn").counter().count());
        assertEquals("records", registry.get(ScoringMetrics.DECODE_FALLBACK).tags("model", "churn").counter()
                .getId().getBaseUnit());
    }

    @Test
    void showsTheLeastHistoryOfAnAggregateOverTheTasksAndWhetherItsWindowIsFull() {
        // given: two tasks; task 0_1 began the 24-h sum later
        metrics.recordFeatureHistory("fraud", "sum_24h", 86_400_000L, 90_000_000L, "0_0");
        metrics.recordFeatureHistory("fraud", "sum_24h", 86_400_000L, 10_800_000L, "0_1");
        metrics.recordFeatureHistory("fraud", "n_10m", 600_000L, 90_000_000L, "0_0");

        // then: the gauge and /readyz's detail show the least
        assertEquals(10_800.0, registry.get(ScoringMetrics.FEATURES_HISTORY).tags("aggregate", "sum_24h").gauge()
                .value());
        assertEquals(Map.of("window_ms", 86_400_000L, "history_ms", 10_800_000L, "status", "warming up"),
                metrics.featureHistory().get("fraud").get("sum_24h"));
        assertEquals("warm", metrics.featureHistory().get("fraud").get("n_10m").get("status"));

        // when: task 0_1 moves away
        metrics.featureTaskClosed("0_1");

        // then
        assertEquals(90_000.0, registry.get(ScoringMetrics.FEATURES_HISTORY).tags("aggregate", "sum_24h").gauge()
                .value());
        assertEquals("warm", metrics.featureHistory().get("fraud").get("sum_24h").get("status"));
    }
}
