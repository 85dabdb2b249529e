package io.scorestream.topology.app;

import io.scorestream.inference.registry.RegistryListener;
import io.scorestream.topology.metrics.ScoringMetrics;
import io.scorestream.topology.processor.ScoringObserver;

/**
 * Feeds the scoring path's and the model registry's events into {@link ScoringMetrics}.
 * Thread-safe because {@link ScoringMetrics} is.
 */
final class MetricsBridge implements ScoringObserver, RegistryListener {

    private final ScoringMetrics metrics;

    MetricsBridge(ScoringMetrics metrics) {
        this.metrics = metrics;
    }

    @Override
    public void onBatch(String model, String version, int size, long inferenceNanos) {
        metrics.recordBatch(model, version, size, inferenceNanos);
    }

    @Override
    public void onScored(String model, String version, int count) {
        metrics.recordScored(model, version, count);
    }

    @Override
    public void onLatency(long millis) {
        metrics.recordLatencyMillis(millis);
    }

    @Override
    public void onDeadLetter(String reason, String model, String version) {
        metrics.recordDeadLetter(reason, model, version);
    }

    @Override
    public void onLoaded(String name, String version, long loadNanos, String device) {
        metrics.modelLoaded(name, version, loadNanos, device);
    }

    @Override
    public void onRefused(String name, String version, String reasonTag, String message) {
        metrics.modelRefused(name, version, reasonTag);
    }

    @Override
    public void onSwapped(String name, String oldVersionOrNull, String newVersion) {
        metrics.modelLive(name, newVersion);
    }

    @Override
    public void onRetired(String name, String version) {
        metrics.modelRetired(name, version);
    }
}
