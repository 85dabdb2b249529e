package io.scorestream.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scorestream.schemas.ModelInput;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;

/** The wide model and events, the stage buckets and split, and the raw-copy report lines, in memory. */
class WideBenchTest {

    @Test
    void wideModelReadsOneArrayOfWidthFloatsAndScoresOneOfTenClasses() {
        // when
        final BenchModel model = BenchModel.of(BenchModel.Kind.WIDE, 42, 64);

        // then
        final ModelInput input = model.spec().getInputs().get(0);
        assertEquals(1, model.spec().getInputs().size());
        assertEquals("values", input.getColumns().get(0).getField());
        assertEquals(64, input.getColumns().get(0).getWidth());
        assertEquals(9, model.spec().getOutput().getScoreColumn());
        assertEquals("bench-wide-64", model.inputTopic());
        assertEquals("event_id", model.eventIdField());
        assertEquals("wide (64-128-64-10)", model.describe());
        assertEquals("demo (30-64-1)", BenchModel.of(BenchModel.Kind.DEMO, 42, 64).describe());
    }

    @Test
    void wideEventsCarryWidthFloatsAndAreSeeded() {
        final GenericRecord a = new WideEvents(784, 7).next("wide-0", 1000L);
        final GenericRecord b = new WideEvents(784, 7).next("wide-0", 1000L);
        assertEquals(784, ((List<?>) a.get("values")).size());
        assertEquals(a, b);
        assertThrows(IllegalArgumentException.class, () -> new WideEvents(0, 7));
    }

    @Test
    void wideWidthOptionDefaultsTo784AndRefusesZero() {
        assertEquals(784, BenchOptions.parse(new String[0]).wideWidth());
        assertEquals(4096, BenchOptions.parse(new String[] {"--wide-width", "4096"}).wideWidth());
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BenchOptions.parse(new String[] {"--wide-width", "0"}));
        assertTrue(e.getMessage().contains("--wide-width"), e.getMessage());
        assertEquals(Mode.RAW_COPY, Mode.parse("raw-copy"));
        assertEquals(BenchModel.Kind.WIDE, BenchModel.Kind.parse("wide"));
    }

    @Test
    void methodsFallInTheBucketOfTheirStage() {
        assertEquals("ONNX Runtime", StageProfiler.bucketOf("ai.onnxruntime.OrtSession.run"));
        assertEquals("feature fill", StageProfiler.bucketOf("io.scorestream.inference.FeatureExtractor.fill"));
        assertEquals("fetch/deserialize", StageProfiler.bucketOf("org.apache.avro.io.BinaryDecoder.readFloat"));
        assertEquals("fetch/deserialize",
                StageProfiler.bucketOf("org.apache.kafka.clients.consumer.internals.FetchCollector.collectFetch"));
        assertEquals("result encode",
                StageProfiler.bucketOf("org.apache.avro.specific.SpecificDatumWriter.writeField"));
        assertEquals("produce", StageProfiler.bucketOf("org.apache.kafka.clients.producer.KafkaProducer.doSend"));
        assertNull(StageProfiler.bucketOf("org.apache.kafka.streams.processor.internals.StreamThread.runOnce"));
    }

    @Test
    void splitGivesOnnxItsMeasuredTimeAndSharesTheRestBySamples() {
        // given: 100 µs of thread CPU over 10 events, 40 µs measured in ONNX Runtime, samples 3:1 between
        // deserializing and producing (the ORT samples are not shared out)
        final Map<String, Long> samples = new LinkedHashMap<>();
        samples.put("fetch/deserialize", 3L);
        samples.put("produce", 1L);
        samples.put("ONNX Runtime", 5L);

        // when
        final Samples.Stages s = Samples.Stages.split(samples, 100_000, 40_000, 10);

        // then: µs per event
        assertEquals(10.0, s.threadMicrosPerEvent(), 1e-9);
        assertEquals(4.0, s.microsPerEvent().get("ONNX Runtime"), 1e-9);
        assertEquals(4.5, s.microsPerEvent().get("fetch/deserialize"), 1e-9);
        assertEquals(1.5, s.microsPerEvent().get("produce"), 1e-9);
        assertEquals(0.0, s.microsPerEvent().get("other"), 1e-9);
        assertEquals(StageProfiler.STAGES, new ArrayList<>(s.microsPerEvent().keySet()));

        // and: with no samples the rest is "other"; ONNX time beyond the thread's CPU is capped
        final Samples.Stages none = Samples.Stages.split(Map.of(), 100_000, 250_000, 10);
        assertEquals(10.0, none.microsPerEvent().get("ONNX Runtime"), 1e-9);
        assertEquals(0.0, none.microsPerEvent().get("other"), 1e-9);
        assertEquals(6.0, Samples.Stages.split(Map.of(), 60_000, 0, 10).microsPerEvent().get("other"), 1e-9);
    }

    @Test
    void rawCopyLineComparesWithTheCeilingAndPrintsCpuPerEvent() {
        final Samples.Cell raw = cell(Mode.RAW_COPY, 50_000, 20);
        final Samples.Cell pass = cell(Mode.PASSTHROUGH, 25_000, 60);
        final Samples.Cell best = cell(Mode.BATCH_256, 20_000, 100);

        final String line = Report.rawCopyLine("wide", best, raw, Optional.of(pass));

        assertEquals("ratio wide: vs raw-copy ceiling = passthrough 0.50, batch-256 0.40 (raw-copy 50,000/s); "
                + "CPU-µs/event: raw-copy 20.0, passthrough 60.0, batch-256 100.0", line);
        final List<String> lines = Report.ratioLines(List.of(raw, pass, best), List.of("wide"));
        assertEquals(line, lines.get(lines.size() - 1));
    }

    @Test
    void stageTableShowsEachSplitCellAndTheBuckets() {
        final Samples.Stages stages = Samples.Stages.split(Map.of("produce", 2L), 40_000, 10_000, 10);
        final Samples.Cell c = new Samples.Cell("wide", Mode.BATCH_256, 0, List.of(new Samples.Throughput(10, 1, 10,
                5, 4, 100, 1, 1, 0, null, stages)));

        final String table = Report.stageTable(List.of(c, cell(Mode.MODEL_ONLY, 1, 1)));

        assertTrue(table.contains("| wide | batch-256 | 4.00 | 0.00 | 0.00 | 1.00 | 0.00 | 3.00 | 0.00 | 2 |"), table);
        assertTrue(table.contains("- produce: `org.apache.kafka.clients.producer.`"), table);
        assertEquals("", Report.stageTable(List.of(cell(Mode.MODEL_ONLY, 1, 1))));
    }

    @Test
    void topMethodsAddUpOverRepetitionsAsSharesOfAllSamples() {
        // given: two repetitions, 10 and 30 samples; the second's top methods omit its 5 rarest samples
        final Samples.Stages r1 = Samples.Stages.split(Map.of("other", 10L), 1000, 0, 10,
                StageProfiler.top(Map.of("a.B.x", 6L, "a.B.y", 4L), 5));
        final Samples.Stages r2 = Samples.Stages.split(Map.of("other", 30L), 1000, 0, 10,
                StageProfiler.top(Map.of("a.B.y", 20L, "c.D.z", 5L), 5));
        final Samples.Cell c = new Samples.Cell("wide", Mode.BATCH_256, 0, List.of(
                new Samples.Throughput(10, 1, 10, 5, 4, 100, 1, 1, 0, null, r1),
                new Samples.Throughput(10, 1, 10, 5, 4, 100, 1, 1, 0, null, r2)));

        // when
        final Map<String, Double> shares = c.topMethodShares();

        // then: y 24 of 40, x 6, z 5, largest first
        assertEquals(List.of("a.B.y", "a.B.x", "c.D.z"), new ArrayList<>(shares.keySet()));
        assertEquals(0.6, shares.get("a.B.y"), 1e-12);
        assertEquals(0.15, shares.get("a.B.x"), 1e-12);
        assertTrue(Report.stageTable(List.of(c)).contains("- wide batch-256: a.B.y 60.0%, a.B.x 15.0%, c.D.z 12.5%"),
                Report.stageTable(List.of(c)));
        assertTrue(cell(Mode.BATCH_256, 1, 1).topMethodShares().isEmpty());
    }

    @Test
    void topKeepsTheLargestCountsInOrderWithTiesByName() {
        final Map<String, Long> top = StageProfiler.top(Map.of("b", 3L, "a", 3L, "c", 9L, "d", 1L), 3);

        assertEquals(List.of("c", "a", "b"), new ArrayList<>(top.keySet()));
        assertEquals(9L, top.get("c"));
        assertEquals(0, StageProfiler.top(Map.of(), 3).size());
    }

    private static Samples.Cell cell(Mode mode, double rate, double cpuMicros) {
        return new Samples.Cell("wide", mode, 0, List.of(new Samples.Throughput(1000, 1000 / rate, rate, cpuMicros,
                1, 100, 1, 1, 0, null)));
    }
}
