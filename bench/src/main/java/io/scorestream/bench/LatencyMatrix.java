package io.scorestream.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The latency matrix of {@code bench/run --latency-matrix} (issue 18): for each processing guarantee
 * and commit interval a user might choose, what that setting costs in maximum throughput and what
 * end-to-end latency it gives at 1,000 events/s and at half its own maximum. The settings, the row
 * of one setting, and the Markdown rendering. Stateless; the measuring is {@link Bench}'s.
 *
 * <p>Every setting runs the {@link LatencyConfig#DEFAULTS} pipeline (the application's defaults,
 * {@code batch.max.records=256}, {@code batch.max.wait.ms=5}: the {@link Mode#BATCH_256} mode's settings, so its maximum is that
 * mode's throughput under the setting) on the demo model, with no {@code kafka.*} settings: the
 * producer's {@code linger.ms} is the application's derived default.
 */
final class LatencyMatrix {

    /** The fixed low rate of the matrix, events/s. */
    static final long LOW_RATE = 1_000;
    /** The share of a setting's measured maximum that its second latency point offers. */
    static final double HALF = 0.5;
    /** The target at {@link #LOW_RATE}, at least once: p50 and p99 end to end, ms. */
    static final double TARGET_P50_MS = 15;
    static final double TARGET_P99_MS = 40;
    /** The throughput mode with the latency pipeline's settings. */
    static final Mode THROUGHPUT_MODE = Mode.BATCH_256;
    /** The latency pipeline. */
    static final LatencyConfig PIPELINE = LatencyConfig.DEFAULTS;

    /** How latency is measured, printed under the table and stored in the JSON. */
    static final String METHOD = "latency = arrival of the score at a read_committed consumer (in this JVM) minus the "
            + "event's timestamp, which is its scheduled send time at the offered rate (so a producer that falls "
            + "behind counts as latency: no coordinated omission); one sample per event of the measured phase, "
            + "every score waited for; the warm-up phase at 1,000 events/s is not counted. Max events/s = events / "
            + "(application ready to last score read) of the same pipeline scoring a pre-loaded topic from "
            + "the beginning, median of the repetitions.";

    private LatencyMatrix() {
    }

    /**
     * One setting of the matrix.
     *
     * @param label as printed
     * @param guarantee {@code processing.guarantee}
     * @param commitIntervalMs {@code commit.interval.ms}, or {@link BenchApp#APP_DEFAULT_COMMIT_INTERVAL}: not set
     */
    record Setting(String label, String guarantee, long commitIntervalMs) {
    }

    /**
     * The settings, at least once first (the ratios are to it). At least once leaves
     * {@code commit.interval.ms} unset, as a user who sets nothing gets it: the application's default
     * (which the application passes to Kafka Streams, so Streams' own 30 s default for at least once
     * does not apply; at least once does not wait for commits to make scores visible anyway).
     */
    static final List<Setting> SETTINGS = List.of(
            new Setting("at_least_once", "at_least_once", BenchApp.APP_DEFAULT_COMMIT_INTERVAL),
            new Setting("exactly_once_v2, commit 20 ms", "exactly_once_v2", 20),
            new Setting("exactly_once_v2, commit 50 ms", "exactly_once_v2", 50),
            new Setting("exactly_once_v2, commit 100 ms", "exactly_once_v2", 100));

    /**
     * One measured setting.
     *
     * @param effective the Streams settings its latency application ran with (read back, not assumed)
     * @param throughput the repetitions of its maximum-throughput run
     * @param low the latency point at {@link #LOW_RATE}
     * @param half the latency point at half of {@link #maxRate()}
     */
    record Row(Setting setting, BenchApp.Effective effective, List<Samples.Throughput> throughput, Samples.Latency low,
               Samples.Latency half) {

        Row {
            throughput = List.copyOf(throughput);
        }

        /** Median events/s of the throughput repetitions. */
        double maxRate() {
            return Samples.Features.median(throughput, Samples.Throughput::recordsPerSecond);
        }
    }

    /** The table: one row per setting, ratios to the first (at least once). */
    static String table(List<Row> rows) {
        final StringBuilder b = new StringBuilder();
        b.append("| setting | commit.interval.ms | producer linger.ms | max events/s | ratio to at_least_once "
                + "| p50 / p99 ms at 1,000 events/s | p50 / p99 ms at half max | events measured |\n");
        b.append("|---|--:|--:|--:|--:|--:|--:|---|\n");
        final double base = rows.isEmpty() ? Double.NaN : rows.get(0).maxRate();
        for (Row r : rows) {
            final BenchApp.Effective e = r.effective();
            b.append(String.format(Locale.ROOT, "| %s | %d (%s) | %d (%s) | %,.0f | %.2f | %.0f / %.0f | "
                            + "%.0f / %.0f at %,.0f (achieved %,.0f) | latency %,d + %,d; throughput %d × %,d |%n",
                    r.setting().label(), e.commitIntervalMs(), e.commitIntervalSource(), e.producerLingerMs(),
                    e.producerLingerSource(), r.maxRate(), r.maxRate() / base, r.low().p50(), r.low().p99(),
                    r.half().p50(), r.half().p99(), r.half().targetRate(), r.half().achievedRate(), r.low().count(),
                    r.half().count(), r.throughput().size(), r.throughput().isEmpty() ? 0 : r.throughput().get(0).records()));
        }
        return b.toString();
    }

    /** The target, checked on the at-least-once row at 1,000 events/s; empty without that row. */
    static List<String> targetLines(List<Row> rows) {
        final List<String> lines = new ArrayList<>();
        for (Row r : rows) {
            if (r.setting().guarantee().equals("at_least_once")) {
                final boolean met = r.low().p50() <= TARGET_P50_MS && r.low().p99() <= TARGET_P99_MS;
                lines.add(String.format(Locale.ROOT, "latency target: %s at %,d events/s, %s, producer linger.ms=%d: "
                                + "p50 %.0f ms (<= %.0f), p99 %.0f ms (<= %.0f): %s", r.setting().label(), LOW_RATE,
                        PIPELINE.label(), r.effective().producerLingerMs(), r.low().p50(), TARGET_P50_MS, r.low().p99(),
                        TARGET_P99_MS, met ? "met" : "MISSED"));
            }
        }
        return lines;
    }
}
