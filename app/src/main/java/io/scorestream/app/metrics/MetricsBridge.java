package io.scorestream.app.metrics;

import io.scorestream.inference.registry.LiveRollout;
import io.scorestream.schemas.ScoreResult;
import io.scorestream.app.metrics.RolloutMetrics;
import org.apache.avro.generic.GenericRecord;

import io.scorestream.inference.registry.RegistryListener;
import io.scorestream.app.metrics.ScoringMetrics;
import io.scorestream.topology.processor.ScoringObserver;

/**
 * Feeds the scoring path's and the model registry's events into {@link ScoringMetrics}.
 * Thread-safe because {@link ScoringMetrics} is.
 */
public final class MetricsBridge implements ScoringObserver, RegistryListener {

    private final ScoringMetrics metrics;
    private final RolloutMetrics rollouts;

    public MetricsBridge(ScoringMetrics metrics) {
        this(metrics, null);
    }

    /** @param rolloutsOrNull gray-release meters; null to skip them (e.g. the benchmark) */
    public MetricsBridge(ScoringMetrics metrics, RolloutMetrics rolloutsOrNull) {
        this.metrics = metrics;
        this.rollouts = rolloutsOrNull;
    }

    @Override
    public void onScore(ScoreResult score, GenericRecord event) {
        if (rollouts != null) {
            rollouts.recordScore(score.getModelName(), score.getModelVersion(),
                    score.getRole() == null ? "stable" : score.getRole(), score.getScore(), score.getDecision());
        }
    }

    @Override
    public void onShadowCompared(String model, String stableVersion, String candidateVersion, double scoreDifference,
                                 boolean decisionsAgree) {
        if (rollouts != null) {
            rollouts.recordComparison(model, stableVersion, candidateVersion, scoreDifference, decisionsAgree);
        }
    }

    @Override
    public void onShadowFailed(String model, String candidateVersion, String reason) {
        if (rollouts != null) {
            rollouts.recordShadowFailure(model, candidateVersion, reason);
        }
    }

    @Override
    public void onRolloutChanged(String name, LiveRollout nowOrNull) {
        if (rollouts != null) {
            rollouts.rolloutChanged(name, nowOrNull);
        }
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
    public void onFeatureLate(String model, String aggregate) {
        metrics.recordFeatureLate(model, aggregate);
    }

    @Override
    public void onFeatureHistory(String model, String aggregate, long windowMs, long historyMs, String task) {
        metrics.recordFeatureHistory(model, aggregate, windowMs, historyMs, task);
    }

    @Override
    public void onFeatureTaskClosed(String task) {
        metrics.featureTaskClosed(task);
    }

    @Override
    public void onDeadLetter(String reason, String model, String version) {
        metrics.recordDeadLetter(reason, model, version);
    }

    @Override
    public void onDecodeFallback(String model, String reason) {
        metrics.recordDecodeFallback(model, reason);
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
