package io.scorestream.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The latency matrix's options, settings, table and target line, in memory. */
class LatencyMatrixTest {

    private static Samples.Throughput rate(double r) {
        return new Samples.Throughput(1000, 1000 / r, r, 1, 1, 100, 1, 1, 0, null, null);
    }

    private static Samples.Latency at(double rate, int count, double p50, double p99) {
        return new Samples.Latency("demo", LatencyConfig.DEFAULTS, 0, rate, rate * 0.99, count, count, p50, p50,
                p99, p99, p99, null);
    }

    private static LatencyMatrix.Row row(int setting, double max, double p50, double p99) {
        final LatencyMatrix.Setting s = LatencyMatrix.SETTINGS.get(setting);
        final BenchApp.Effective e = new BenchApp.Effective(s.commitIntervalMs() < 0 ? 100 : s.commitIntervalMs(),
                s.commitIntervalMs() < 0 ? "application default" : "set", 5, "derived from batch.max.wait.ms=5");
        return new LatencyMatrix.Row(s, e, List.of(rate(max * 0.9), rate(max), rate(max * 1.2)),
                at(1000, 20_000, p50, p99), at(max / 2, 500_000, p50 * 3, p99 * 3));
    }

    @Test
    void theMatrixIsTheIssuesFourSettingsOnTheWindowPipelineWithTheSameBatchingAsItsThroughputMode() {
        assertEquals(List.of("at_least_once", "exactly_once_v2", "exactly_once_v2", "exactly_once_v2"),
                LatencyMatrix.SETTINGS.stream().map(LatencyMatrix.Setting::guarantee).toList());
        assertEquals(List.of(BenchApp.APP_DEFAULT_COMMIT_INTERVAL, 20L, 50L, 100L),
                LatencyMatrix.SETTINGS.stream().map(LatencyMatrix.Setting::commitIntervalMs).toList());
        // the maximum is measured on the very pipeline whose latency is measured
        assertEquals(LatencyMatrix.PIPELINE.batchMaxRecords(), LatencyMatrix.THROUGHPUT_MODE.batchMaxRecords());
        assertEquals(LatencyMatrix.PIPELINE.batchMaxWaitMs(), LatencyMatrix.THROUGHPUT_MODE.batchMaxWaitMs());
        assertEquals(5, LatencyMatrix.PIPELINE.batchMaxWaitMs());
    }

    @Test
    void tableHasOneRowPerSettingWithRatiosToAtLeastOnceAndTheEffectiveSettings() {
        final List<LatencyMatrix.Row> rows = List.of(row(0, 100_000, 8, 30), row(1, 50_000, 20, 60),
                row(2, 80_000, 40, 90), row(3, 90_000, 70, 150));

        final String table = LatencyMatrix.table(rows);

        final List<String> lines = table.lines().toList();
        assertEquals(6, lines.size(), table);
        assertTrue(lines.get(0).startsWith("| setting | commit.interval.ms | producer linger.ms | max events/s "
                + "| ratio to at_least_once |"), lines.get(0));
        assertEquals("| at_least_once | 100 (application default) | 5 (derived from batch.max.wait.ms=5) | 100,000 "
                + "| 1.00 | 8 / 30 | 24 / 90 at 50,000 (achieved 49,500) | latency 20,000 + 500,000; throughput 3 × 1,000 |",
                lines.get(2));
        assertTrue(lines.get(3).startsWith("| exactly_once_v2, commit 20 ms | 20 (set) | 5 (derived from "
                + "batch.max.wait.ms=5) | 50,000 | 0.50 | 20 / 60 | 60 / 180 at 25,000 "), lines.get(3));
        assertTrue(lines.get(5).contains("| 90,000 | 0.90 |"), lines.get(5));
    }

    @Test
    void targetLineChecksTheAtLeastOnceRowAtOneThousandEventsPerSecond() {
        final String met = LatencyMatrix.targetLines(List.of(row(0, 100_000, 15, 40), row(1, 50_000, 90, 200)))
                .get(0);
        assertEquals("latency target: at_least_once at 1,000 events/s, defaults, producer linger.ms=5: "
                + "p50 15 ms (<= 15), p99 40 ms (<= 40): met", met);

        final List<String> missed = LatencyMatrix.targetLines(List.of(row(0, 100_000, 12, 41)));
        assertEquals(1, missed.size());
        assertTrue(missed.get(0).endsWith("p99 41 ms (<= 40): MISSED"), missed.get(0));
        assertTrue(LatencyMatrix.targetLines(List.of(row(1, 50_000, 1, 1))).isEmpty());
    }

    @Test
    void matrixFlagTakesNoValueAndBringsItsOwnDefaults() {
        final BenchOptions o = BenchOptions.parse(new String[] {"--latency-matrix", "--partitions", "3"});

        assertTrue(o.latencyMatrix());
        assertEquals(1_500_000, o.events());
        assertEquals(20.0, o.latencySeconds());
        assertEquals(3, o.partitions());
        assertFalse(BenchOptions.defaults().latencyMatrix());

        final BenchOptions given = BenchOptions.parse(new String[] {"--events", "3000", "--latency-matrix",
            "--latency-seconds", "2"});
        assertEquals(3000, given.events());
        assertEquals(2.0, given.latencySeconds());
    }

    @Test
    void matrixRefusesOptionsItFixesNamingThem() {
        for (String option : List.of("--guarantee", "--commit-interval-ms", "--streams-overrides", "--modes",
                "--latency-loads")) {
            final String value = option.equals("--streams-overrides") ? "linger.ms=1"
                    : option.equals("--guarantee") ? "at_least_once" : option.equals("--modes") ? "batch-64" : "50";
            final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> BenchOptions.parse(new String[] {"--latency-matrix", option, value}));
            assertTrue(e.getMessage().startsWith("option '" + option + "' cannot be used with --latency-matrix"),
                    e.getMessage());
        }
    }

    @Test
    void latencyRatesAloneReplaceTheLoadsAndWithLoadsAddToThem() {
        final BenchOptions alone = BenchOptions.parse(new String[] {"--latency-rates", "1000,5000"});
        assertEquals(List.of(1000L, 5000L), alone.latencyRates());
        assertEquals(List.of(), alone.latencyLoads());

        final BenchOptions both = BenchOptions.parse(new String[] {"--latency-rates", "1000", "--latency-loads", "50"});
        assertEquals(List.of(1000L), both.latencyRates());
        assertEquals(List.of(50), both.latencyLoads());

        assertEquals(List.of(), BenchOptions.parse(new String[] {"--latency-loads", "none"}).latencyLoads());
        assertEquals(List.of(), BenchOptions.defaults().latencyRates());

        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BenchOptions.parse(new String[] {"--latency-rates", "1000,0"}));
        assertEquals("--latency-rates are events/s > 0, got 0", e.getMessage());
    }
}
