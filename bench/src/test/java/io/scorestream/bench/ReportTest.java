package io.scorestream.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Ratio lines, targets and option parsing, in memory. */
class ReportTest {

    private static Samples.Cell cell(String model, Mode mode, int batch, double... rates) {
        final List<Samples.Throughput> reps = new ArrayList<>();
        for (double r : rates) {
            reps.add(new Samples.Throughput(1000, 1000 / r, r, 1, 1, 100, 1, 1, 0,
                    new BatchSizes.Summary(1, 1, 1, 1, 1, 1, 1, Map.of())));
        }
        return new Samples.Cell(model, mode, batch, reps);
    }

    @Test
    void ratiosCompareTheBestMicroBatchedMedianWithEachCeilingAndFloor() {
        final List<Samples.Cell> cells = List.of(
                cell("large", Mode.PASSTHROUGH, 0, 100, 110, 90),
                cell("large", Mode.PER_RECORD, 0, 20, 30, 25),
                cell("large", Mode.BATCH_256, 0, 95, 80, 99),
                cell("large", Mode.ADAPTIVE, 0, 60, 70, 65),
                cell("large", Mode.MODEL_ONLY, 256, 1000, 1000, 1000));

        final List<String> lines = Report.ratioLines(cells, List.of("large"));

        assertEquals(3, lines.size());
        assertTrue(lines.get(0).startsWith("ratio large: micro-batched best / per-record = 3.80 (batch-256 95/s"),
                lines.get(0));
        assertTrue(lines.get(0).endsWith("target >= 3.00: met)"), lines.get(0));
        assertTrue(lines.get(1).startsWith("ratio large: micro-batched best / passthrough = 0.95"), lines.get(1));
        assertTrue(lines.get(1).endsWith("target >= 0.90: met)"), lines.get(1));
        assertTrue(lines.get(2).startsWith("ratio large: micro-batched best / model-only at batch 256 = 0.10"),
                lines.get(2));
    }

    @Test
    void aMissedTargetSaysSoAndAMissingModeIsNotGuessed() {
        final List<Samples.Cell> cells = List.of(
                cell("demo", Mode.PASSTHROUGH, 0, 100),
                cell("demo", Mode.ADAPTIVE, 0, 50));

        final List<String> lines = Report.ratioLines(cells, List.of("demo"));

        assertEquals("ratio demo: micro-batched best / per-record = n/a (not run)", lines.get(0));
        assertTrue(lines.get(1).endsWith("target >= 0.90: MISSED)"), lines.get(1));
        assertTrue(lines.get(2).contains("model-only at batch 1024 = n/a"), lines.get(2));
    }

    private static Samples.SinkSide side(double rowsPerSecond) {
        return new Samples.SinkSide(1000, 1000 / rowsPerSecond, rowsPerSecond, 0.5, 2, Double.NaN, 10, 5, 3000, 40,
                0.1);
    }

    private static Samples.Sink sink(List<Double> ceiling, List<Double> connector) {
        return new Samples.Sink(1000, 6, 6, 3000, Map.of("tasks.max", "6"), Map.of(),
                ceiling.stream().map(ReportTest::side).toList(), connector.stream().map(ReportTest::side).toList());
    }

    @Test
    void sinkRatioComparesTheMedianConnectorRateWithTheMedianCeilingAgainstSevenTenths() {
        final Samples.Sink met = sink(List.of(100.0, 120.0, 80.0), List.of(70.0, 90.0, 60.0));
        final Samples.Sink missed = sink(List.of(100.0), List.of(69.0));

        assertEquals("ratio sink: JDBC sink connector / plain JDBC ceiling = 0.70 (connector 70 rows/s vs ceiling "
                + "100 rows/s; target >= 0.70: met)", Report.sinkRatioLine(met));
        assertTrue(Report.sinkRatioLine(missed).endsWith("= 0.69 (connector 69 rows/s vs ceiling 100 rows/s; "
                + "target >= 0.70: MISSED)"), Report.sinkRatioLine(missed));
    }

    @Test
    void sinkTableHasARowPerSide() {
        final String table = Report.sinkTable(sink(List.of(100.0, 120.0, 80.0), List.of(70.0, 90.0, 60.0)));

        final List<String> rows = table.lines().toList();
        assertEquals(4, rows.size(), table);
        assertTrue(rows.get(2).startsWith("| plain JDBC (ceiling) | 100 | 80 | 120 | 10.0 | 0.50 | 500 |"), table);
        assertTrue(rows.get(3).startsWith("| JDBC sink connector | 70 | 60 | 90 | "), table);
        assertTrue(rows.get(3).endsWith("| tasks.max=6, batch.size=3,000 |"), table);
    }

    @Test
    void sinkOptionsHaveTheirDefaultsAndRefuseWhatTheCeilingMustShare() {
        final SinkOptions d = BenchOptions.defaults().sink();
        assertEquals(200_000, d.rows());
        assertEquals(20_000, d.warmupRows());
        assertEquals(6, d.tasksFor(6));
        assertEquals(3000, d.batchSize());

        final SinkOptions o = BenchOptions.parse(new String[] {"--sink-tasks", "2", "--sink-config",
            "consumer.override.max.poll.records=3000", "--connect-overrides", "consumer.fetch.min.bytes=1",
            "--sink-jdbc-params", "reWriteBatchedInserts=true"}).sink();
        assertEquals(2, o.tasksFor(6));
        assertEquals(Map.of("consumer.override.max.poll.records", "3000"), o.connectorOverrides());
        assertEquals(Map.of("consumer.fetch.min.bytes", "1"), o.workerOverrides());
        assertEquals(Map.of("reWriteBatchedInserts", "true"), o.jdbcUrlParams());

        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BenchOptions.parse(new String[] {"--sink-config", "batch.size=10"}));
        assertTrue(e.getMessage().contains("--sink-batch-size"), e.getMessage());
        final IllegalArgumentException pair = assertThrows(IllegalArgumentException.class,
                () -> BenchOptions.parse(new String[] {"--connect-overrides", "nonsense"}));
        assertEquals("--connect-overrides takes key=value pairs, got 'nonsense'", pair.getMessage());
    }

    @Test
    void batchSizeSummaryIsWeightedByRecords() {
        final long[] counts = new long[1025];
        counts[1] = 200;
        counts[1024] = 1;

        final BatchSizes.Summary s = BatchSizes.Summary.of(counts);

        assertEquals(201, s.batches());
        assertEquals(1224, s.records());
        assertEquals(1, s.p10());
        assertEquals(1024, s.p50());
        assertEquals(200L, s.buckets().get("1"));
        assertEquals(1024L, s.buckets().get("1024"));
    }

    @Test
    void optionsHaveTheIssuesDefaultsAndNameABadOption() {
        final BenchOptions d = BenchOptions.defaults();
        assertEquals(2_000_000, d.events());
        assertEquals(6, d.partitions());
        assertEquals(3, d.repetitions());
        assertEquals(List.of(25, 50, 75), d.latencyLoads());
        assertEquals(30.0, d.latencySeconds());
        assertEquals(List.of(Mode.values()), d.modes());
        assertEquals(200_000, d.warmupEvents());
        assertEquals(3, d.warmupPasses());
        assertEquals(1, BenchOptions.parse(new String[] {"--warmup-passes", "1"}).warmupPasses());

        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BenchOptions.parse(new String[] {"--evnts", "5"}));
        assertTrue(e.getMessage().startsWith("unknown option '--evnts'"), e.getMessage());
        final IllegalArgumentException passes = assertThrows(IllegalArgumentException.class,
                () -> BenchOptions.parse(new String[] {"--warmup-passes", "0"}));
        assertEquals("--warmup-passes must be >= 1", passes.getMessage());
    }
}
