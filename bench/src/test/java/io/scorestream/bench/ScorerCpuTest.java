package io.scorestream.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The thread classification and CPU split, and the allocation split by site, on fake samples. */
class ScorerCpuTest {

    private static final String APP = "bench-wide-batch-256-r1";
    private static final String STREAM = APP + "-6f1c-StreamThread-1";
    private static final String PRODUCER = "kafka-producer-network-thread | " + APP + "-6f1c-StreamThread-1-producer";

    @Test
    void javaThreadsAreTheAppsByApplicationIdAndTheHarnessBeforeThat() {
        assertEquals(ThreadCpu.APP, ThreadCpu.classifyJava(STREAM, List.of(APP), false));
        assertEquals(ThreadCpu.APP, ThreadCpu.classifyJava(PRODUCER, List.of(APP), false));
        assertEquals(ThreadCpu.APP, ThreadCpu.classifyJava("scorestream-model-loader", List.of(APP), false));
        // the reader's name contains the application id, but it is the harness's
        assertEquals(ThreadCpu.HARNESS, ThreadCpu.classifyJava("bench-reader-" + APP + "-scores", List.of(APP), true));
        assertEquals(ThreadCpu.HARNESS, ThreadCpu.classifyJava("main", List.of(APP), true));
        assertEquals(ThreadCpu.JVM, ThreadCpu.classifyJava("Common-Cleaner", List.of(APP), true));
        // JFR's and the compilers' Java threads are counted through their tasks, not twice
        assertNull(ThreadCpu.classifyJava("JFR Recorder Thread", List.of(APP), false));
        // the broker: whatever was there before the application, and new threads with its names
        assertEquals(ThreadCpu.BROKER, ThreadCpu.classifyJava("data-plane-kafka-request-handler-0", List.of(APP), true));
        assertEquals(ThreadCpu.BROKER, ThreadCpu.classifyJava("kafka-scheduler-7", List.of(APP), false));
        assertEquals(ThreadCpu.BROKER, ThreadCpu.classifyJava("kafka-1-raft-io-thread", List.of(APP), false));
        assertEquals(ThreadCpu.OTHER, ThreadCpu.classifyJava("pool-3-thread-1", List.of(APP), false));
        // a client of no known owner is not the broker's
        assertEquals(ThreadCpu.OTHER, ThreadCpu.classifyJava("kafka-producer-network-thread | producer-1",
                List.of(APP), false));
        assertEquals(ThreadCpu.HARNESS, ThreadCpu.classifyJava("kafka-admin-client-thread | embedded-kafka-admin",
                List.of(APP), true));
    }

    @Test
    void commIsTheFirstFifteenBytesAndMainIsJava() {
        assertEquals("bench-wide-batc", ThreadCpu.commOf(STREAM));
        assertEquals("short", ThreadCpu.commOf("short"));
        assertEquals("java", ThreadCpu.commOf("main"));
    }

    @Test
    void splitCountsEachThreadsWindowAndFindsNativeThreadsByComm() {
        // given: at the baseline, the broker, the harness and the JVM
        final List<ThreadCpu.JavaThread> java0 = List.of(jt(1, "main", 50), jt(2, "data-plane-kafka-request-handler-0",
                900), jt(3, "bench-reader-" + APP + "-scores", 10));
        final List<ThreadCpu.Task> tasks0 = List.of(task(100, "java", 50), task(102, "data-plane-kafk", 900),
                task(103, "bench-reader-be", 10), task(110, "GC Thread#0", 300), task(111, "C2 CompilerThre", 400));
        final ThreadCpu.Census baseline = ThreadCpu.Census.of(java0, tasks0);
        // and: at the window's start the application runs: its stream and producer threads, and ONNX Runtime's
        // native thread, which has the comm of the Java thread that created it (ended since)
        final ThreadCpu.Census start = ThreadCpu.Census.of(List.of(jt(1, "main", 60), jt(2,
                        "data-plane-kafka-request-handler-0", 1_000), jt(3, "bench-reader-" + APP + "-scores", 20),
                jt(10, STREAM, 100), jt(11, PRODUCER, 30)), List.of(task(100, "java", 60), task(102, "data-plane-kafk",
                1_000), task(103, "bench-reader-be", 20), task(110, "GC Thread#0", 300), task(111, "C2 CompilerThre",
                450), task(200, "bench-wide-batc", 100), task(201, "kafka-producer-", 30), task(210, "scorestream-ort",
                5), task(220, "kafka-scheduler", 0)));
        // when: at the end, each has run; a broker scheduler thread, a GC thread and an unknown thread started in
        // the window; task 220 (no Java thread) ended
        final ThreadCpu.Census end = ThreadCpu.Census.of(List.of(jt(1, "main", 70), jt(2,
                        "data-plane-kafka-request-handler-0", 3_000), jt(3, "bench-reader-" + APP + "-scores", 120),
                jt(10, STREAM, 2_100), jt(11, PRODUCER, 330), jt(12, "kafka-scheduler-3", 40), jt(13, "pool-1-thread-1",
                25)), List.of(task(100, "java", 70), task(102, "data-plane-kafk", 3_000), task(103, "bench-reader-be",
                120), task(110, "GC Thread#0", 500), task(112, "GC Thread#1", 100), task(111, "C2 CompilerThre", 650),
                task(200, "bench-wide-batc", 2_100), task(201, "kafka-producer-", 330), task(210, "scorestream-ort",
                805), task(202, "kafka-scheduler", 40), task(203, "pool-1-thread-1", 25)));
        final Samples.Threads split = ThreadCpu.split(baseline, start, end, List.of(APP), 6_000, 10);

        // then: app = stream 2,000 + producer 300; native = ONNX Runtime's 800; broker 2,000 + the new 40;
        // harness 10 + 100; JVM 200 + 100; the JIT 200; other 25; the rest of the 6,000 is unattributed
        assertEquals(2_300L, split.nanosByCategory().get(ThreadCpu.APP));
        assertEquals(800L, split.nanosByCategory().get(ThreadCpu.APP_NATIVE));
        assertEquals(2_040L, split.nanosByCategory().get(ThreadCpu.BROKER));
        assertEquals(110L, split.nanosByCategory().get(ThreadCpu.HARNESS));
        assertEquals(300L, split.nanosByCategory().get(ThreadCpu.JVM));
        assertEquals(200L, split.nanosByCategory().get(ThreadCpu.JIT));
        assertEquals(25L, split.nanosByCategory().get(ThreadCpu.OTHER));
        assertEquals(6_000L - 2_300 - 800 - 2_040 - 110 - 300 - 200 - 25, split.unattributedNanos());
        // per event (10 events): nanoseconds / 1000 / 10
        assertEquals(0.31, split.scorerMicrosPerEvent(), 1e-12);
        assertEquals((6_000 - 2_040 - 110) / 1e4, split.processMinusBrokerAndHarnessMicrosPerEvent(), 1e-12);
        assertEquals(List.of("app", "app native", "broker", "harness", "jvm", "jit", "other", "unattributed"),
                new ArrayList<>(split.microsPerEventByCategory().keySet()));
        // and: the threads are named, largest first
        assertEquals("app: " + STREAM, split.top().keySet().iterator().next());
        assertTrue(split.top().containsKey("app native: scorestream-ort (native)"), split.top().toString());
    }

    @Test
    void aNewJavaThreadIsNotCountedAgainAsNative() {
        // given: the stream thread and its task, both new; their counters differ by the skew of two reads
        final ThreadCpu.Census none = ThreadCpu.Census.of(List.of(), List.of());
        final ThreadCpu.Census end = ThreadCpu.Census.of(List.of(jt(10, STREAM, 1_000)),
                List.of(task(200, "bench-wide-batc", 990)));

        // when
        final Samples.Threads split = ThreadCpu.split(none, none, end, List.of(APP), 1_000, 1);

        // then
        assertEquals(1_000L, split.nanosByCategory().get(ThreadCpu.APP));
        assertEquals(0L, split.nanosByCategory().get(ThreadCpu.APP_NATIVE));
    }

    @Test
    void allocationIsSplitBySiteWithoutEachThreadsFirstSampleAndTheConsumersFetchApart() {
        // given: the scoring thread (5): its first sample (earliest, not first in the list) reaches back
        // before the window; two fetch samples through the consumer, one decode, one produce; thread 6 is not watched
        final List<String> fetch = List.of("java.nio.ByteBuffer.allocate",
                "org.apache.kafka.common.record.DefaultRecord.readFrom",
                "org.apache.kafka.clients.consumer.internals.CompletedFetch.fetchRecords",
                "org.apache.kafka.streams.processor.internals.StreamThread.runOnce");
        final List<String> decode = List.of("io.scorestream.schemas.serde.AvroCursor.floats",
                "io.scorestream.topology.processor.ScoringProcessor.process");
        final List<AllocationSites.Sample> samples = List.of(
                new AllocationSites.Sample(5, 20, "byte[]", fetch, 1_000),
                new AllocationSites.Sample(5, 10, "byte[]", decode, 1_000_000),
                new AllocationSites.Sample(5, 30, "byte[]", fetch, 3_000),
                new AllocationSites.Sample(5, 40, "float[]", decode, 500),
                new AllocationSites.Sample(5, 50, "java.lang.Object[]", List.of("java.util.ArrayList.grow"), 100),
                new AllocationSites.Sample(6, 15, "byte[]", fetch, 77_777));

        // when: 10 events, the thread measured at 5,000 bytes
        final Samples.Allocation a = AllocationSites.split(samples, new long[] {5}, 5_000, 10);

        // then
        assertEquals(4_600, a.sampledBytes());
        assertEquals(4_000, a.consumerBytes());
        assertEquals(500, a.ownBytes());
        assertEquals(0, a.outputBytes());
        assertEquals(4, a.samples());
        assertEquals(460.0, a.sampledPerEvent(), 1e-12);
        assertEquals(60.0, a.excludingConsumerPerEvent(), 1e-12);
        assertEquals(60.0 * 5_000 / 4_600, a.excludingConsumerScaledPerEvent(), 1e-9);
        assertEquals(List.of(new Samples.AllocationSite("byte[]", "org.apache.kafka.common.record.DefaultRecord.readFrom",
                        4_000, 4_000, 2),
                new Samples.AllocationSite("float[]", "io.scorestream.schemas.serde.AvroCursor.floats", 500, 0, 1),
                new Samples.AllocationSite("java.lang.Object[]", AllocationSites.NO_FRAME, 100, 0, 1)), a.sites());
    }

    @Test
    void allocationOfRepetitionsMergesBySiteAndClassNamesReadAsJava() {
        final Samples.AllocationSite x = new Samples.AllocationSite("byte[]", "a.B.c", 300, 100, 3);
        final Samples.AllocationSite y = new Samples.AllocationSite("int[]", "a.B.d", 50, 0, 1);
        final Samples.Allocation merged = Samples.Allocation.merge(List.of(
                new Samples.Allocation(10, 400, 350, 100, 70, 20, 4, List.of(x, y)),
                new Samples.Allocation(30, 1_200, 300, 100, 50, 10, 3, List.of(x))), 1);

        assertEquals(40, merged.events());
        assertEquals(1_600, merged.measuredBytes());
        assertEquals(650, merged.sampledBytes());
        assertEquals(120, merged.ownBytes());
        assertEquals(30, merged.outputBytes());
        assertEquals(90.0 / 40, merged.ownExcludingOutputPerEvent(), 1e-12);
        assertEquals(List.of(new Samples.AllocationSite("byte[]", "a.B.c", 600, 200, 6)), merged.sites());
        assertEquals("byte[]", AllocationSites.sourceName("[B"));
        assertEquals("java.lang.Object[][]", AllocationSites.sourceName("[[Ljava.lang.Object;"));
        assertEquals("java.lang.String", AllocationSites.sourceName("java.lang.String"));
        assertTrue(Double.isNaN(new Samples.Allocation(1, 1, 0, 0, 0, 0, 0, List.of()).excludingConsumerScaledPerEvent()));
        assertEquals("a.Foo$$Lambda", AllocationSites.withoutLambdaId("a.Foo$$Lambda$1587+0x00007f46545e8458.703824017"));
        assertEquals("a.Foo$$Lambda.accept",
                AllocationSites.withoutLambdaId("a.Foo$$Lambda$1709+0x00007f4654624200.1241632053.accept"));
        assertEquals("a.Foo.bar", AllocationSites.withoutLambdaId("a.Foo.bar"));
    }

    @Test
    void rowsAndLinesShowTheScorerWhereThereIsASplit() {
        // given: a batch-256 cell with a split (scorer 0.31 µs/event) and allocation sites; a model-only cell without
        final Samples.Threads threads = new Samples.Threads(10, 6_000, Map.of(ThreadCpu.APP, 2_300L,
                ThreadCpu.APP_NATIVE, 800L, ThreadCpu.BROKER, 2_000L), 900, Map.of());
        final Samples.Allocation alloc = new Samples.Allocation(10, 5_000, 4_600, 4_000, 450, 120, 4, List.of(
                new Samples.AllocationSite("byte[]", "org.apache.kafka.common.record.DefaultRecord.readFrom", 4_000,
                        4_000, 2)));
        final Samples.Cell batch = new Samples.Cell("wide", Mode.BATCH_256, 0, List.of(new Samples.Throughput(10, 1,
                10, 0.6, 0.2, 500, 1, 1, 0, null, null, threads, alloc)));
        final Samples.Cell raw = new Samples.Cell("wide", Mode.RAW_COPY, 0, List.of(new Samples.Throughput(10, 0.5,
                20, 0.6, 0.1, 500, 1, 1, 0, null, null, threads, null)));
        final Samples.Cell modelOnly = new Samples.Cell("wide", Mode.MODEL_ONLY, 256, List.of(new Samples.Throughput(10,
                1, 10, 1, 1, 1, 1, 1, 0, null)));

        // when
        final String table = Report.throughputTable(List.of(batch, modelOnly));
        final String line = Report.rawCopyLine("wide", batch, raw, Optional.empty());
        final Optional<String> cpu = Report.cpuLine(List.of(raw, batch, modelOnly), "wide");
        final String allocation = Report.allocationTable(List.of(batch, modelOnly));

        // then: scorer 0.31, process minus broker and harness 0.60 - 0.20 = 0.40
        assertTrue(table.contains("| wide | batch-256 | 10 | 10 | 10 | 0.60 | 0.31 | 0.40 | 0.20 | 500 |"), table);
        assertTrue(table.contains("| wide | model-only b=256 | 10 | 10 | 10 | 1.00 | – | – | 1.00 |"), table);
        assertTrue(line.endsWith("CPU-µs/event: raw-copy 0.6 (scorer 0.3), batch-256 0.6 (scorer 0.3)"), line);
        assertEquals(Optional.of("cpu wide: CPU-µs/event, scorer (process minus broker and harness): raw-copy 0.3 "
                + "(0.4), batch-256 0.3 (0.4)"), cpu);
        assertFalse(Report.cpuLine(List.of(modelOnly), "wide").isPresent());
        assertTrue(allocation.contains("| wide | batch-256 | 500 | 460 | 92% | 60 | 65 | 33 | 12 | 4 |"), allocation);
        assertEquals(Optional.of("alloc wide: B/event on the scoring thread, all / outside the consumer's fetch / "
                + "scorestream's own code [its output values]: batch-256 500 / 60 / 33 [12]"),
                Report.allocationLine(List.of(raw, batch, modelOnly), "wide"));
        assertFalse(Report.allocationLine(List.of(modelOnly), "wide").isPresent());
        assertTrue(allocation.contains("| wide | batch-256 | `byte[]` | `org.apache.kafka.common.record.DefaultRecord"
                + ".readFrom` | 400.0 | 400.0 | 2 |"), allocation);
        assertFalse(allocation.contains("model-only"), allocation);
        assertEquals("", Report.allocationTable(List.of(modelOnly)));
    }

    @Test
    void streamsCopyLineSaysWhatScorestreamAddsToKafkaStreams() {
        // given: the Kafka Streams floor at 0.20 scorer µs/event, 80 events/s; batch-256 at 0.31, 40 events/s
        final Samples.Threads floorThreads = new Samples.Threads(10, 3_000, Map.of(ThreadCpu.APP, 2_000L,
                ThreadCpu.BROKER, 500L), 0, Map.of());
        final Samples.Threads batchThreads = new Samples.Threads(10, 6_000, Map.of(ThreadCpu.APP, 2_300L,
                ThreadCpu.APP_NATIVE, 800L, ThreadCpu.BROKER, 2_000L), 900, Map.of());
        final Samples.Cell floor = new Samples.Cell("demo", Mode.STREAMS_COPY, 0, List.of(new Samples.Throughput(10,
                0.125, 80, 0.3, 0.1, 100, 1, 1, 0, null, null, floorThreads, null)));
        final Samples.Cell batch = new Samples.Cell("demo", Mode.BATCH_256, 0, List.of(new Samples.Throughput(10, 0.25,
                40, 0.6, 0.2, 500, 1, 1, 0, null, null, batchThreads, null)));

        // when
        final String line = Report.streamsCopyLine("demo", batch, floor);
        final List<String> lines = Report.ratioLines(List.of(floor, batch), List.of("demo"));

        // then
        assertEquals("ratio demo: vs Kafka Streams floor = batch-256 0.50 (streams-copy 80/s); scorer CPU-µs/event: "
                + "streams-copy 0.2, batch-256 0.3, scorestream's own 0.1", line);
        assertTrue(lines.contains(line), lines.toString());
        assertEquals(Mode.STREAMS_COPY, Mode.parse("streams-copy"));
        assertFalse(Mode.STREAMS_COPY.microBatched());
    }

    private static ThreadCpu.JavaThread jt(long id, String name, long cpu) {
        return new ThreadCpu.JavaThread(id, name, cpu);
    }

    private static ThreadCpu.Task task(long tid, String comm, long cpu) {
        return new ThreadCpu.Task(tid, comm, cpu);
    }
}
