package io.scorestream.app.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.scorestream.inference.registry.LiveModelInfo;
import io.scorestream.inference.registry.LiveRollout;
import io.scorestream.schemas.ModelSpec;
import io.scorestream.schemas.RolloutRole;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class RolloutMetricsTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final RolloutMetrics metrics = new RolloutMetrics(registry, Tags.of("application", "test"));

    @Test
    void scoresAndDecisionsAreCountedPerVersionAndRole() {
        metrics.recordScore("fraud", "1", "stable", 0.2, false);
        metrics.recordScore("fraud", "1", "stable", 0.9, true);
        metrics.recordScore("fraud", "2", "canary", 0.7, true);

        assertEquals(2, registry.get(RolloutMetrics.SCORES).tags("version", "1", "role", "stable").summary().count());
        assertEquals(1.1, registry.get(RolloutMetrics.SCORES).tags("version", "1").summary().totalAmount(), 1e-9);
        assertEquals(1, registry.get(RolloutMetrics.DECISIONS).tags("version", "1", "decision", "true").counter()
                .count());
        assertEquals(1, registry.get(RolloutMetrics.DECISIONS).tags("version", "2", "role", "canary",
                "decision", "true").counter().count());
        assertEquals("test", registry.get(RolloutMetrics.SCORES).tags("version", "2").summary().getId()
                .getTag("application"));
    }

    @Test
    void shadowComparisonsGiveTheDifferenceDistributionAndTheAgreementRate() {
        metrics.recordComparison("fraud", "1", "2", 0.10, true);
        metrics.recordComparison("fraud", "1", "2", -0.30, false);
        metrics.recordComparison("fraud", "1", "2", 0.05, true);
        metrics.recordComparison("fraud", "1", "2", 0.0, true);

        final var difference = registry.get(RolloutMetrics.SHADOW_DIFFERENCE)
                .tags("model", "fraud", "stable", "1", "candidate", "2").summary();
        assertEquals(4, difference.count());
        assertEquals(0.45, difference.totalAmount(), 1e-9);
        assertEquals(0.30, difference.max(), 1e-9);
        assertEquals(-0.15 / 4, registry.get(RolloutMetrics.SHADOW_SHIFT).gauge().value(), 1e-9);
        assertEquals(3, registry.get(RolloutMetrics.SHADOW_DECISIONS).tags("agreement", "agree").counter().count());
        assertEquals(1, registry.get(RolloutMetrics.SHADOW_DECISIONS).tags("agreement", "disagree").counter()
                .count());
        assertEquals(0.75, registry.get(RolloutMetrics.SHADOW_AGREEMENT).gauge().value(), 1e-12);
    }

    @Test
    void theCandidateGaugeFollowsTheRollout() {
        final LiveModelInfo v1 = info("1");
        final LiveModelInfo v2 = info("2");
        metrics.rolloutChanged("fraud", new LiveRollout(v1, v2, RolloutRole.CANARY, 10));
        assertEquals(10.0, registry.get(RolloutMetrics.CANDIDATE_INFO).tags("version", "2", "role", "canary").gauge()
                .value());

        metrics.rolloutChanged("fraud", new LiveRollout(v1, v2, RolloutRole.SHADOW, 0));
        assertEquals(100.0, registry.get(RolloutMetrics.CANDIDATE_INFO).tags("role", "shadow").gauge().value());
        assertEquals(1, registry.find(RolloutMetrics.CANDIDATE_INFO).gauges().size());

        metrics.rolloutChanged("fraud", new LiveRollout(v1, null, null, 0));
        assertNull(registry.find(RolloutMetrics.CANDIDATE_INFO).gauge(), "a rollback removes the candidate gauge");
    }

    @Test
    void shadowFailuresAreCountedByReason() {
        metrics.recordShadowFailure("fraud", "2", "missing_field");
        metrics.recordShadowFailure("fraud", "2", "missing_field");
        assertEquals(2, registry.get(RolloutMetrics.SHADOW_FAILURES).tags("reason", "missing_field").counter()
                .count());
    }

    private static LiveModelInfo info(String version) {
        return new LiveModelInfo("fraud", version, "ab", "cpu", Instant.EPOCH, new ModelSpec());
    }
}
