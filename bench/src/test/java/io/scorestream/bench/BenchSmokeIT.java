package io.scorestream.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole harness at a tiny size on a real embedded broker, so that it cannot rot: every mode
 * (raw-copy included), one repetition, a latency run of 2 s at one load, the sink mode on 2,000 scores (a real
 * PostgreSQL and Connect worker), and the features mode on 3,000 events. Checks that the tables, the JSON, the PNG and the ratio lines come
 * out; the numbers themselves mean nothing at this size. A second, shorter run scores wide events
 * (W = 64) against the raw-copy ceiling and checks the per-stage split, the scorer's CPU (its own threads)
 * and the allocation split in the JSON.
 */
class BenchSmokeIT {

    @TempDir
    Path out;

    @Test
    void tinyRunOfEveryModeProducesTableJsonChartAndRatioLines() throws Exception {
        // given: 3,000 events, one repetition, every mode, the demo model, a 2 s latency run at 50 %
        // (two configurations: per-record's latency path is the same code, and it keeps this < 60 s),
        // 2,000 scores into PostgreSQL per side after a warm-up of 300, and 3,000 events over 300
        // accounts with and without aggregates
        final BenchOptions options = BenchOptions.parse(new String[] {
            "--events", "3000", "--partitions", "3", "--repetitions", "1", "--warmup-events", "0",
            "--models", "demo", "--model-only-seconds", "0.2",
            "--latency-configs", "adaptive,window-5ms", "--latency-loads", "50", "--latency-seconds", "2",
            "--latency-warmup-seconds", "0.5", "--sink-rows", "2000", "--sink-warmup-rows", "300",
            "--features-events", "3000", "--features-keys", "300", "--out", out.toString()});
        final ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        final ByteArrayOutputStream stderr = new ByteArrayOutputStream();

        // when
        final Bench.Outcome outcome;
        try (PrintStream o = new PrintStream(stdout, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(stderr, true, StandardCharsets.UTF_8)) {
            outcome = new Bench(options, o, e).run();
        }

        // then: a Markdown table with a row per mode (model-only: per batch size)
        final String printed = stdout.toString(StandardCharsets.UTF_8);
        assertTrue(printed.contains("| model | mode | records/s (median) |"), printed);
        for (String mode : List.of("raw-copy", "passthrough", "per-record", "batch-64", "batch-256", "batch-1024", "adaptive",
                "model-only b=1", "model-only b=1024")) {
            assertTrue(printed.contains("| demo | " + mode + " |"), "row for " + mode + " in\n" + printed);
        }
        assertTrue(printed.contains("| demo | window-5ms | 50% |"), printed);

        // and: the sink table, with both sides
        assertTrue(printed.contains("## Sink into PostgreSQL (2,000 scores, 3 partitions, median of 1;"), printed);
        assertTrue(printed.contains("| plain JDBC (ceiling) | "), printed);
        assertTrue(printed.contains("| JDBC sink connector | "), printed);

        // and: the features table, with both sides and the store's footprint
        assertTrue(printed.contains("## Behavioural features (3,000 events, 300 accounts, 3 days of event time, "
                + "3 partitions, median of 1;"), printed);
        assertTrue(printed.contains("| no aggregates (38 event fields) | "), printed);
        assertTrue(printed.contains("| 8 aggregates over 10m, 1h, 24h (30 event fields + aggregates) | "), printed);
        assertTrue(printed.contains("Store `scoring-features` after a run with aggregates (median of 1): "), printed);

        // and: the ratio lines come last, one per comparison, the sink's and the features' after the models'
        final List<String> lines = printed.strip().lines().toList();
        final List<String> last = lines.subList(lines.size() - 9, lines.size());
        assertTrue(last.get(0).startsWith("ratio demo: micro-batched best / per-record = "), last.toString());
        assertTrue(last.get(1).startsWith("ratio demo: micro-batched best / passthrough = "), last.toString());
        assertTrue(last.get(2).startsWith("ratio demo: micro-batched best / model-only at batch "), last.toString());
        assertTrue(last.get(3).startsWith("ratio demo: vs raw-copy ceiling = passthrough "), last.toString());
        assertTrue(last.get(3).contains("CPU-µs/event: raw-copy ") && last.get(3).contains(" (scorer "),
                last.toString());
        assertTrue(last.get(4).startsWith("ratio demo: vs Kafka Streams floor = "), last.toString());
        assertTrue(last.get(4).contains("scorer CPU-µs/event: streams-copy ") && last.get(4).contains(
                "scorestream's own "), last.toString());
        assertTrue(last.get(5).startsWith("cpu demo: CPU-µs/event, scorer (process minus broker and harness): "),
                last.toString());
        for (String mode : List.of("raw-copy", "streams-copy", "passthrough", "per-record", "batch-256", "adaptive")) {
            assertTrue(last.get(5).contains(" " + mode + " "), mode + " in " + last.get(5));
        }
        assertTrue(!last.get(5).contains("model-only"), last.get(5));
        assertTrue(last.get(6).startsWith("alloc demo: B/event on the scoring thread, all / outside the consumer's "
                + "fetch / scorestream's own code [its output values]: "), last.toString());
        assertTrue(last.get(6).contains(" batch-256 "), last.get(6));
        assertTrue(last.get(7).startsWith("ratio sink: JDBC sink connector / plain JDBC ceiling = "), last.toString());
        assertTrue(last.get(8).startsWith("ratio features: with 8 aggregates / without = "), last.toString());
        assertEquals(last, outcome.ratioLines());

        // and: the JSON holds every cell and latency point, the PNG is a PNG
        final JsonNode json = new ObjectMapper().readTree(outcome.json().toFile());
        assertEquals(3000, json.get("options").get("events").asLong());
        assertEquals(8 + Mode.MODEL_ONLY_BATCHES.size(), json.get("throughput").size(),
                "Kafka modes (raw-copy included) + model-only");
        assertEquals(2, json.get("latency").size());
        assertTrue(json.get("throughput").get(0).get("recordsPerSecondMedian").asDouble() > 0);
        final JsonNode sink = json.get("sink");
        assertEquals(2000, sink.get("rows").asLong());
        assertEquals(3, sink.get("tasks").asInt());
        assertEquals(1, sink.get("ceiling").size());
        assertEquals(1, sink.get("connector").size());
        assertEquals(2000, sink.get("connector").get(0).get("rows").asLong());
        assertTrue(sink.get("ratio").asDouble() > 0, sink.toString());
        assertEquals("********", sink.get("connectorConfig").get("connection.password").asText());
        final JsonNode features = json.get("features");
        assertEquals(3000, features.get("events").asLong());
        assertEquals(1, features.get("plain").size());
        assertEquals(1, features.get("withAggregates").size());
        assertTrue(features.get("ratio").asDouble() > 0, features.toString());
        // nearly every account of the pool is seen at this size (half the events go to a recent one),
        // and each has one entry
        final JsonNode store = features.get("stores").get(0);
        assertTrue(store.get("keys").asLong() > 270 && store.get("keys").asLong() <= 300, store.toString());
        assertTrue(store.get("liveBytes").asLong() > 300 * 50, store.toString());
        assertTrue(store.get("diskBytes").asLong() > 0, store.toString());
        assertTrue(store.get("changelogBytes").asLong() > 0, store.toString());
        final byte[] png = Files.readAllBytes(outcome.chart());
        assertTrue(png.length > 1000, "chart of " + png.length + " bytes");
        assertEquals((byte) 0x89, png[0]);
        assertEquals("PNG", new String(png, 1, 3, StandardCharsets.US_ASCII));
    }

    @Test
    void wideEventsAgainstTheRawCopyCeilingWithCpuPerEventAndStageSplit() throws Exception {
        // given: 2,000 wide events of 64 floats, raw-copy and batch-256 (passthrough's path is the demo run's;
        // leaving it out here keeps the smoke short), after one warm-up pass of 500 events
        final BenchOptions options = BenchOptions.parse(new String[] {
            "--events", "2000", "--partitions", "2", "--repetitions", "1", "--warmup-events", "500",
            "--warmup-passes", "1", "--models", "wide", "--wide-width", "64", "--modes", "raw-copy,batch-256",
            "--latency-configs", "none", "--out", out.toString()});
        final ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        final ByteArrayOutputStream stderr = new ByteArrayOutputStream();

        // when
        final Bench.Outcome outcome;
        try (PrintStream o = new PrintStream(stdout, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(stderr, true, StandardCharsets.UTF_8)) {
            outcome = new Bench(options, o, e).run();
        }

        // then: the warm-up ran both modes, unmeasured, and said how much the JIT compiled
        final String progress = stderr.toString(StandardCharsets.UTF_8);
        assertTrue(progress.contains("bench: warm-up pass 1: 2 runs of 500 events in "), progress);
        assertTrue(progress.contains(" of a core (queue drained in "), progress);
        assertTrue(progress.contains("  JIT "), progress);

        // then: a row per mode, the stage table, and the raw-copy line with CPU-µs per event, last
        final String printed = stdout.toString(StandardCharsets.UTF_8);
        for (String mode : List.of("raw-copy", "batch-256")) {
            assertTrue(printed.contains("| wide | " + mode + " |"), "row for " + mode + " in\n" + printed);
        }
        assertTrue(printed.contains("## Scoring-thread CPU by stage (CPU-µs per event, median of 1)"), printed);
        assertTrue(printed.contains("| model | mode | scoring-thread CPU-µs / event | fetch/deserialize | feature fill "
                + "| ONNX Runtime | result encode | produce | other | samples |"), printed);
        final List<String> lines = printed.strip().lines().toList();
        final String rawLine = lines.get(lines.size() - 3);
        assertTrue(rawLine.startsWith("ratio wide: vs raw-copy ceiling = batch-256 "), rawLine);
        assertTrue(rawLine.contains("CPU-µs/event: raw-copy "), rawLine);
        assertTrue(lines.get(lines.size() - 2).startsWith("cpu wide: CPU-µs/event, scorer (process minus broker and "
                + "harness): raw-copy "), lines.get(lines.size() - 2));
        assertTrue(lines.get(lines.size() - 1).startsWith("alloc wide: B/event on the scoring thread, all / outside "
                + "the consumer's fetch / scorestream's own code [its output values]: raw-copy "),
                lines.get(lines.size() - 1));
        // and: the allocation table, per cell
        assertTrue(printed.contains("## Scoring-thread allocation by site (B per event, JFR samples of all 1 "
                + "repetition(s))"), printed);
        assertTrue(printed.contains("| wide | batch-256 | "), printed);

        // and: every row has CPU-µs and alloc B per event and a split that adds up to the scoring thread's CPU
        final JsonNode json = new ObjectMapper().readTree(outcome.json().toFile());
        assertEquals(64, json.get("options").get("wideWidth").asInt());
        final JsonNode passes = json.get("warmupPasses");
        assertEquals(1, passes.size(), passes.toString());
        assertEquals(2, passes.get(0).get("runs").asInt(), passes.toString());
        assertTrue(passes.get(0).get("jitCoreShare").asDouble() >= 0, passes.toString());
        assertEquals(2, json.get("throughput").size());
        for (JsonNode row : json.get("throughput")) {
            assertTrue(row.get("cpuMicrosPerEventMedian").asDouble() > 0, row.toString());
            assertTrue(row.get("scoringThreadCpuMicrosPerEventMedian").asDouble() > 0, row.toString());
            assertTrue(row.get("allocatedBytesPerEventMedian").asDouble() > 0, row.toString());
            final JsonNode stages = row.get("stagesMicrosPerEventMedian");
            double sum = 0;
            for (String stage : StageProfiler.STAGES) {
                sum += stages.get(stage).asDouble();
            }
            assertEquals(row.get("scoringThreadCpuMicrosPerEventMedian").asDouble(), sum, 1e-6 * (1 + sum),
                    row.toString());
            // the scorer's own threads: some CPU, less than the process's (the broker's is not in it)
            final double scorer = row.get("scorerCpuMicrosPerEventMedian").asDouble();
            assertTrue(scorer > 0 && scorer < row.get("cpuMicrosPerEventMedian").asDouble(), row.toString());
            assertTrue(scorer >= 0.5 * row.get("scoringThreadCpuMicrosPerEventMedian").asDouble(), row.toString());
            assertTrue(row.get("cpuMicrosPerEventByThreadsMedian").get("broker").asDouble() > 0, row.toString());
            assertTrue(row.get("cpuMicrosPerEventByThreadsMedian").get("jit").asDouble() >= 0, row.toString());
            final JsonNode alloc = row.get("allocationAllRepetitions");
            assertEquals(row.get("allocatedBytesPerEventMedian").asDouble(), alloc.get("measuredBytesPerEvent")
                    .asDouble(), 1e-6 * row.get("allocatedBytesPerEventMedian").asDouble(), row.toString());
            assertTrue(alloc.get("sampledBytesPerEvent").asDouble() >= alloc.get(
                    "excludingConsumerFetchBytesPerEvent").asDouble(), alloc.toString());
            assertTrue(alloc.get("scorestreamOwnExcludingOutputBytesPerEvent").asDouble() >= 0, alloc.toString());
            final double onnx = stages.get("ONNX Runtime").asDouble();
            assertTrue(row.get("mode").asText().equals("batch-256") ? onnx > 0 : onnx == 0, row.toString());
        }
        assertTrue(json.get("stageBuckets").get("produce").toString().contains("org.apache.kafka.clients.producer."),
                json.get("stageBuckets").toString());
    }
}
