package io.scorestream.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The latency matrix and the absolute latency rates at a tiny size on a real embedded broker, so that
 * they cannot rot: 3,000 events, one repetition, 1 s per latency point. Checks the table's rows and
 * that every number in them is positive, the effective Streams settings read back, and the JSON;
 * the figures themselves mean nothing at this size.
 */
class LatencyMatrixSmokeIT {

    @TempDir
    Path out;

    @Test
    void tinyMatrixHasFourRowsOfPositiveFiguresWithTheEffectiveSettings() throws Exception {
        // given
        final BenchOptions options = BenchOptions.parse(new String[] {
            "--latency-matrix", "--events", "3000", "--partitions", "2", "--repetitions", "1",
            "--warmup-events", "0", "--latency-seconds", "1", "--latency-warmup-seconds", "0.5",
            "--out", out.toString()});
        final ByteArrayOutputStream stdout = new ByteArrayOutputStream();

        // when
        final Bench.Outcome outcome;
        try (PrintStream o = new PrintStream(stdout, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8)) {
            outcome = new Bench(options, o, e).run();
        }

        // then: the table, one row per setting, in the order, every figure positive
        final String printed = stdout.toString(StandardCharsets.UTF_8);
        assertTrue(printed.contains("## Latency by guarantee and commit interval (demo model, defaults: "
                + "batch.max.records=256, batch.max.wait.ms=5; no kafka.* settings; 2 partitions;"), printed);
        final List<String> rows = printed.lines().filter(l -> l.startsWith("| at_least_once")
                || l.startsWith("| exactly_once_v2")).toList();
        assertEquals(4, rows.size(), printed);
        assertTrue(rows.get(0).startsWith("| at_least_once | 100 (application default) | 5 (derived from "
                + "batch.max.wait.ms=5) | "), rows.get(0));
        assertTrue(rows.get(0).contains(" | 1.00 | "), rows.get(0));
        final long[] commits = {100, 20, 50, 100};
        for (int i = 0; i < 4; i++) {
            final String[] cells = rows.get(i).split("\\|");
            assertEquals(LatencyMatrix.SETTINGS.get(i).label(), cells[1].trim());
            assertTrue(cells[2].trim().startsWith(commits[i] + " ("), rows.get(i));
            assertTrue(cells[3].trim().startsWith("5 ("), "the derived linger: " + rows.get(i));
            assertTrue(positive(cells[4]), "max events/s in " + rows.get(i));
            assertTrue(positive(cells[5]), "ratio in " + rows.get(i));
            for (String p : cells[6].split("/")) {
                assertTrue(positive(p), "p50/p99 at 1,000 in " + rows.get(i));
            }
            assertTrue(positive(cells[7].split("/")[0]), "p50 at half max in " + rows.get(i));
        }
        assertTrue(printed.contains(LatencyMatrix.METHOD), printed);
        assertTrue(printed.contains("latency target: at_least_once at 1,000 events/s, defaults, producer "
                + "linger.ms=5: p50 "), printed);
        assertNull(outcome.chart());

        // and: the JSON has the same rows, each with its samples counted
        final JsonNode json = new ObjectMapper().readTree(outcome.json().toFile());
        assertTrue(json.get("options").get("latencyMatrix").asBoolean());
        final JsonNode matrix = json.get("latencyMatrix");
        assertEquals(4, matrix.size());
        for (int i = 0; i < 4; i++) {
            final JsonNode row = matrix.get(i);
            assertEquals(commits[i], row.get("commitIntervalMs").asLong(), row.toString());
            assertEquals(5, row.get("producerLingerMs").asLong(), row.toString());
            assertTrue(row.get("maxRecordsPerSecond").asDouble() > 0, row.toString());
            assertEquals(1000.0, row.get("atLowRate").get("targetRate").asDouble(), row.toString());
            // 1 s at 1,000 events/s: every event of the phase has its sample
            assertEquals(1000, row.get("atLowRate").get("count").asLong(), row.toString());
            assertEquals(row.get("atHalfMax").get("produced").asLong(), row.get("atHalfMax").get("count").asLong());
            assertEquals(Math.round(row.get("maxRecordsPerSecond").asDouble() / 2),
                    row.get("atHalfMax").get("targetRate").asDouble(), 0.5, row.toString());
        }
        assertEquals("application default", matrix.get(0).get("commitIntervalSource").asText());
        assertEquals("set", matrix.get(1).get("commitIntervalSource").asText());
    }

    @Test
    void absoluteLatencyRatesRunAlongTheLoads() throws Exception {
        // given: one batched mode for the 100 % load, a 50 % load and an absolute 500 events/s
        final BenchOptions options = BenchOptions.parse(new String[] {
            "--events", "3000", "--partitions", "2", "--repetitions", "1", "--warmup-events", "0",
            "--models", "demo", "--modes", "batch-64", "--latency-configs", "window-5ms",
            "--latency-loads", "50", "--latency-rates", "500", "--latency-seconds", "1",
            "--latency-warmup-seconds", "0.5", "--out", out.toString()});
        final ByteArrayOutputStream stdout = new ByteArrayOutputStream();

        // when
        final Bench.Outcome outcome;
        try (PrintStream o = new PrintStream(stdout, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8)) {
            outcome = new Bench(options, o, e).run();
        }

        // then: both points, the absolute one without a load
        final String printed = stdout.toString(StandardCharsets.UTF_8);
        assertTrue(printed.contains("| demo | window-5ms | 50% | "), printed);
        assertTrue(printed.contains("| demo | window-5ms | – | 500 | "), printed);
        final JsonNode latency = new ObjectMapper().readTree(outcome.json().toFile()).get("latency");
        assertEquals(2, latency.size());
        assertEquals(0, latency.get(1).get("loadPercent").asInt());
        assertEquals(500, latency.get(1).get("count").asLong());
    }

    private static boolean positive(String cell) {
        final String number = cell.trim().split(" ")[0].replace(",", "");
        return Double.parseDouble(number) > 0;
    }
}
