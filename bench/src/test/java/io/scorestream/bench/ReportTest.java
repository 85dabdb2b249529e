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

        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BenchOptions.parse(new String[] {"--evnts", "5"}));
        assertTrue(e.getMessage().startsWith("unknown option '--evnts'"), e.getMessage());
    }
}
