package io.scorestream.app.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.scorestream.inference.registry.LiveRollout;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The meters of gray releases: what each version scores, and how a shadow candidate compares with
 * the stable version on the same records.
 *
 * <table>
 *   <caption>Meters (Prometheus: dots become underscores)</caption>
 *   <tr><th>name</th><th>type</th><th>tags</th></tr>
 *   <tr><td>{@value #SCORES}</td><td>distribution summary of the scores, per version</td>
 *       <td>model, version, role (stable|canary|shadow)</td></tr>
 *   <tr><td>{@value #DECISIONS}</td><td>counter of scores by decision, per version</td>
 *       <td>model, version, role, decision (true|false)</td></tr>
 *   <tr><td>{@value #SHADOW_DIFFERENCE}</td><td>distribution summary of |candidate - stable| score, per record</td>
 *       <td>model, stable, candidate</td></tr>
 *   <tr><td>{@value #SHADOW_SHIFT}</td><td>gauge: mean of candidate - stable over the records compared (the bias)</td>
 *       <td>model, stable, candidate</td></tr>
 *   <tr><td>{@value #SHADOW_DECISIONS}</td><td>counter of compared records</td>
 *       <td>model, stable, candidate, agreement (agree|disagree)</td></tr>
 *   <tr><td>{@value #SHADOW_AGREEMENT}</td><td>gauge: share of compared records whose decisions agree, 0..1</td>
 *       <td>model, stable, candidate</td></tr>
 *   <tr><td>{@value #SHADOW_FAILURES}</td><td>counter: records the shadow could not score (stable did)</td>
 *       <td>model, candidate, reason</td></tr>
 *   <tr><td>{@value #CANDIDATE_INFO}</td><td>gauge: the canary percentage (100 for a shadow), one per live candidate</td>
 *       <td>model, version, role</td></tr>
 * </table>
 *
 * <p>Thread-safe. Per-record methods look their meters up in nested maps keyed by the tag values,
 * with no allocation once a combination has been seen.
 */
public final class RolloutMetrics {

    public static final String SCORES = "scorestream.scores";
    public static final String DECISIONS = "scorestream.decisions";
    public static final String SHADOW_DIFFERENCE = "scorestream.shadow.score.difference";
    public static final String SHADOW_SHIFT = "scorestream.shadow.score.shift";
    public static final String SHADOW_DECISIONS = "scorestream.shadow.decisions";
    public static final String SHADOW_AGREEMENT = "scorestream.shadow.agreement";
    public static final String SHADOW_FAILURES = "scorestream.shadow.failures";
    public static final String CANDIDATE_INFO = "scorestream.model.candidate.info";

    private static final double[] SCORE_BUCKETS = {0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1.0};
    private static final double[] DIFFERENCE_BUCKETS = {0.001, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0};

    private final MeterRegistry registry;
    private final Tags commonTags;

    /** model → version → role → meters. */
    private final ConcurrentMap<String, ConcurrentMap<String, ConcurrentMap<String, VersionScores>>> scores =
            new ConcurrentHashMap<>();
    /** model → stable → candidate → comparison meters. */
    private final ConcurrentMap<String, ConcurrentMap<String, ConcurrentMap<String, Comparison>>> comparisons =
            new ConcurrentHashMap<>();
    /** model → the live candidate's gauge. */
    private final Map<String, Gauge> candidates = new ConcurrentHashMap<>();

    /** Meters registered in {@code registry}, each with {@code commonTags}. */
    public RolloutMetrics(MeterRegistry registry, Iterable<Tag> commonTags) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.commonTags = Tags.of(Objects.requireNonNull(commonTags, "commonTags"));
    }

    /** One score of {@code version} in {@code role} was forwarded. */
    public void recordScore(String model, String version, String role, double score, boolean decision) {
        // get() first: computeIfAbsent with a capturing lambda would allocate on every record.
        final ConcurrentMap<String, ConcurrentMap<String, VersionScores>> byVersion =
                scores.computeIfAbsent(model, k -> new ConcurrentHashMap<>());
        final ConcurrentMap<String, VersionScores> byRole = byVersion.computeIfAbsent(version,
                k -> new ConcurrentHashMap<>());
        VersionScores m = byRole.get(role);
        if (m == null) {
            m = byRole.computeIfAbsent(role, r -> new VersionScores(model, version, r));
        }
        m.scores.record(score);
        (decision ? m.positive : m.negative).increment();
    }

    /** A shadow candidate scored a record stable also scored; {@code difference} = candidate - stable. */
    public void recordComparison(String model, String stable, String candidate, double difference, boolean agree) {
        final ConcurrentMap<String, Comparison> byCandidate = comparisons
                .computeIfAbsent(model, k -> new ConcurrentHashMap<>())
                .computeIfAbsent(stable, k -> new ConcurrentHashMap<>());
        Comparison c = byCandidate.get(candidate);
        if (c == null) {
            c = byCandidate.computeIfAbsent(candidate, k -> new Comparison(model, stable, candidate));
        }
        c.difference.record(Math.abs(difference));
        c.shiftSum.add(difference);
        if (agree) {
            c.agree.increment();
            c.agreeCount.incrementAndGet();
        } else {
            c.disagree.increment();
        }
        c.total.incrementAndGet();
    }

    /** A shadow candidate could not score a record. */
    public void recordShadowFailure(String model, String candidate, String reason) {
        Counter.builder(SHADOW_FAILURES)
                .description("Records a shadow candidate could not score (the stable version scored them)")
                .tags(commonTags)
                .tags("model", model, "candidate", candidate, "reason", reason)
                .register(registry)
                .increment();
    }

    /** What is live for {@code model} changed: the candidate gauge follows it. */
    public synchronized void rolloutChanged(String model, LiveRollout nowOrNull) {
        final Gauge previous = candidates.remove(model);
        if (previous != null) {
            registry.remove(previous);
        }
        if (nowOrNull == null || !nowOrNull.hasCandidate()) {
            return;
        }
        final boolean canary = nowOrNull.role() == io.scorestream.schemas.RolloutRole.CANARY;
        final double value = canary ? nowOrNull.canaryPercent() : 100.0;
        candidates.put(model, Gauge.builder(CANDIDATE_INFO, () -> value)
                .description("The live candidate of a model: its canary percentage (100 for a shadow)")
                .tags(commonTags)
                .tags("model", model, "version", nowOrNull.candidate().version(), "role",
                        canary ? "canary" : "shadow")
                .strongReference(true)
                .register(registry));
    }

    private final class VersionScores {
        final DistributionSummary scores;
        final Counter positive;
        final Counter negative;

        VersionScores(String model, String version, String role) {
            scores = DistributionSummary.builder(SCORES)
                    .description("Scores forwarded, per model version and role")
                    .tags(commonTags)
                    .tags("model", model, "version", version, "role", role)
                    .serviceLevelObjectives(SCORE_BUCKETS)
                    .register(registry);
            positive = decisions(model, version, role, "true");
            negative = decisions(model, version, role, "false");
        }

        private Counter decisions(String model, String version, String role, String decision) {
            return Counter.builder(DECISIONS)
                    .description("Scores forwarded by decision (score >= threshold), per model version and role")
                    .tags(commonTags)
                    .tags("model", model, "version", version, "role", role, "decision", decision)
                    .register(registry);
        }
    }

    private final class Comparison {
        final DistributionSummary difference;
        /** Micrometer summaries drop negative amounts, so the signed mean is kept here. */
        final java.util.concurrent.atomic.DoubleAdder shiftSum = new java.util.concurrent.atomic.DoubleAdder();
        final Counter agree;
        final Counter disagree;
        final AtomicLong agreeCount = new AtomicLong();
        final AtomicLong total = new AtomicLong();

        Comparison(String model, String stable, String candidate) {
            final Tags tags = commonTags.and("model", model, "stable", stable, "candidate", candidate);
            difference = DistributionSummary.builder(SHADOW_DIFFERENCE)
                    .description("Absolute difference between a shadow candidate's score and the stable score")
                    .tags(tags)
                    .serviceLevelObjectives(DIFFERENCE_BUCKETS)
                    .register(registry);
            Gauge.builder(SHADOW_SHIFT, this, c -> c.total.get() == 0 ? Double.NaN : c.shiftSum.sum() / c.total.get())
                    .description("Mean of shadow candidate score minus stable score (the candidate's bias)")
                    .tags(tags)
                    .strongReference(true)
                    .register(registry);
            agree = Counter.builder(SHADOW_DECISIONS).description("Records compared in shadow mode, by agreement")
                    .tags(tags).tag("agreement", "agree").register(registry);
            disagree = Counter.builder(SHADOW_DECISIONS).description("Records compared in shadow mode, by agreement")
                    .tags(tags).tag("agreement", "disagree").register(registry);
            Gauge.builder(SHADOW_AGREEMENT, this, c -> c.total.get() == 0 ? Double.NaN
                            : (double) c.agreeCount.get() / c.total.get())
                    .description("Share of shadow-compared records whose decisions agree with the stable version")
                    .tags(tags)
                    .strongReference(true)
                    .register(registry);
        }
    }
}
