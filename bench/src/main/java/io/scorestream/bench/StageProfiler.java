package io.scorestream.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedClass;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingFile;

/**
 * Splits the scoring thread's CPU time of one benchmark window into stages, from a JDK Flight
 * Recorder recording of {@code jdk.ExecutionSample} (every 10 ms) made in this JVM for the window
 * and read back with {@link RecordingFile}.
 *
 * <p>Each sample of a watched thread is put in the bucket of the first frame, from the top of its
 * stack (the executing method) down, whose class and method name start with one of the bucket's
 * prefixes ({@link #BUCKETS}, tried in that order for each frame); a sample no frame matches is
 * {@code other} (Kafka Streams' own bookkeeping, commits' coordination, the JVM). ONNX Runtime runs
 * in native code, which {@code jdk.ExecutionSample} does not see (a thread in native code is not
 * sampled there), so its stage is not taken from samples: it is the time the scoring processor
 * measured around its ONNX Runtime calls ({@code ScoredBatch.inferenceNanos}: tensor fill, run,
 * output read), and the rest of the thread's CPU time is shared out in proportion to the other
 * buckets' samples (samples inside {@code BatchScorer.score} or {@code ai.onnxruntime} are counted,
 * but not shared out, as they are already in the measured time).
 *
 * <p>The same recording holds {@code jdk.ObjectAllocationSample} events (with stack traces, throttled
 * to {@link #ALLOCATION_THROTTLE}), from which {@link AllocationSites} splits the scoring thread's
 * allocation by site.
 *
 * <p>Lifecycle: {@link #start()} then {@link #stop}, once. Not thread-safe.
 */
final class StageProfiler implements AutoCloseable {

    /** Stage names, in report order. */
    static final List<String> STAGES = List.of("fetch/deserialize", "feature fill", "ONNX Runtime", "result encode",
            "produce", "other");

    /** Method prefixes of each bucket; see the class comment for how a sample finds its bucket. */
    static final Map<String, List<String>> BUCKETS = buckets();

    private static final long PERIOD_MS = 10;

    /** Executing methods kept per window ({@link Samples.Stages#topMethods}). */
    static final int TOP_METHODS = 15;

    /**
     * Allocation samples per second, for the whole JVM ({@code jdk.ObjectAllocationSample}'s throttle;
     * the JDK's {@code profile} setting). Each sample walks a stack on the allocating thread, so more
     * would cost the measured threads more; {@code -Dscorestream.bench.allocation.throttle=5000/s}
     * buys a steadier split by site (sites of a few percent of the bytes get tens of samples instead
     * of a few) at that cost, for allocation-only runs.
     */
    static final String ALLOCATION_THROTTLE = System.getProperty("scorestream.bench.allocation.throttle", "300/s");

    private final Recording recording = new Recording();

    /** What one window's recording says about the scoring threads. */
    record Profile(Samples.Stages stages, Samples.Allocation allocation) {
    }

    StageProfiler() {
        recording.enable("jdk.ExecutionSample").withPeriod(Duration.ofMillis(PERIOD_MS));
        recording.enable("jdk.ObjectAllocationSample").with("throttle", ALLOCATION_THROTTLE).withStackTrace();
        recording.setToDisk(true);
        recording.setName("scorestream-bench-stages");
    }

    private static Map<String, List<String>> buckets() {
        final Map<String, List<String>> b = new LinkedHashMap<>();
        b.put("ONNX Runtime", List.of("ai.onnxruntime.", "io.scorestream.inference.BatchScorer.score",
                "io.scorestream.inference.BatchScorer.run", "io.scorestream.inference.OutputReader"));
        b.put("result encode", List.of("io.scorestream.schemas.serde.ConfluentAvroSerializer",
                "io.scorestream.schemas.serde.ScoreResultSerializer", "io.scorestream.schemas.serde.ScoreResultWriter",
                "org.apache.avro.generic.GenericDatumWriter", "org.apache.avro.specific.SpecificDatumWriter",
                "org.apache.avro.io.BinaryEncoder", "org.apache.avro.io.BufferedBinaryEncoder",
                "org.apache.avro.io.DirectBinaryEncoder", "io.scorestream.schemas.ScoreResult",
                "io.scorestream.topology.processor.ScoringProcessor.toResult",
                "io.scorestream.topology.processor.ScoringProcessor.forward"));
        b.put("feature fill", List.of("io.scorestream.inference.FeatureExtractor",
                "io.scorestream.inference.RowBuffers", "io.scorestream.inference.FeatureMapping",
                "io.scorestream.inference.BatchScorer.add", "io.scorestream.inference.CompiledReader",
                "io.scorestream.topology.processor.FeatureValues",
                "io.scorestream.topology.processor.LaneFeatures"));
        b.put("fetch/deserialize", List.of("org.apache.kafka.clients.consumer.", "org.apache.avro.io.BinaryDecoder",
                "org.apache.avro.io.ResolvingDecoder", "org.apache.avro.io.parsing.",
                "org.apache.avro.generic.GenericDatumReader", "org.apache.avro.specific.SpecificDatumReader",
                "io.scorestream.schemas.serde.ConfluentAvroDeserializer", "io.scorestream.schemas.serde.AvroCursor",
                "io.scorestream.topology.serde.",
                "org.apache.kafka.common.serialization.ByteArrayDeserializer",
                "org.apache.kafka.common.record.", "org.apache.kafka.streams.processor.internals.RecordQueue",
                "org.apache.kafka.streams.processor.internals.RecordDeserializer"));
        b.put("produce", List.of("org.apache.kafka.clients.producer.",
                "org.apache.kafka.streams.processor.internals.RecordCollectorImpl",
                "org.apache.kafka.streams.processor.internals.StreamsProducer"));
        return Collections.unmodifiableMap(b);
    }

    /** Starts recording. */
    void start() {
        recording.start();
    }

    /**
     * Stops recording, splits the watched threads' CPU time by stage and their allocation by site
     * ({@link AllocationSites}).
     *
     * @param threadIds Java ids of the scoring threads
     * @param threadCpuNanos their CPU time in the window
     * @param threadAllocatedBytes the bytes they allocated in the window ({@code ThreadMXBean})
     * @param onnxNanos time measured around ONNX Runtime calls in the window (0: none)
     * @param events events of the window, the divisor of the per-event figures
     */
    Profile stop(long[] threadIds, long threadCpuNanos, long threadAllocatedBytes, long onnxNanos, long events)
            throws IOException {
        recording.stop();
        final Path file = Files.createTempFile("scorestream-bench-stages", ".jfr");
        try {
            recording.dump(file);
            final Map<String, Long> counts = new LinkedHashMap<>();
            final Map<String, Long> leaves = new HashMap<>();
            final List<AllocationSites.Sample> allocations = new ArrayList<>();
            for (String s : STAGES) {
                counts.put(s, 0L);
            }
            try (RecordingFile in = new RecordingFile(file)) {
                while (in.hasMoreEvents()) {
                    final RecordedEvent e = in.readEvent();
                    if (e.getEventType().getName().equals("jdk.ObjectAllocationSample")) {
                        // Only the watched threads' stacks are read: the broker's samples are most of them.
                        final RecordedThread t = e.getThread();
                        if (t != null && watched(threadIds, t.getJavaThreadId())) {
                            final AllocationSites.Sample a = allocationSample(e);
                            if (a != null) {
                                allocations.add(a);
                            }
                        }
                        continue;
                    }
                    if (!e.getEventType().getName().equals("jdk.ExecutionSample")) {
                        continue;
                    }
                    final RecordedThread t = e.getThread("sampledThread");
                    if (t == null || !watched(threadIds, t.getJavaThreadId())) {
                        continue;
                    }
                    counts.merge(classify(e.getStackTrace()), 1L, Long::sum);
                    leaves.merge(leaf(e.getStackTrace()), 1L, Long::sum);
                }
            }
            return new Profile(Samples.Stages.split(counts, threadCpuNanos, onnxNanos, events, top(leaves, TOP_METHODS)),
                    AllocationSites.split(allocations, threadIds, threadAllocatedBytes, events));
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /** One {@code jdk.ObjectAllocationSample} as plain values, or null without a thread or class. */
    private static AllocationSites.Sample allocationSample(RecordedEvent e) {
        final RecordedThread t = e.getThread();
        final RecordedClass c = e.getClass("objectClass");
        if (t == null || c == null) {
            return null;
        }
        final List<String> frames = new ArrayList<>();
        final RecordedStackTrace stack = e.getStackTrace();
        if (stack != null) {
            for (RecordedFrame f : stack.getFrames()) {
                if (f.getMethod() != null && f.getMethod().getType() != null) {
                    frames.add(AllocationSites.withoutLambdaId(f.getMethod().getType().getName() + "."
                            + f.getMethod().getName()));
                }
            }
        }
        final Instant at = e.getStartTime();
        return new AllocationSites.Sample(t.getJavaThreadId(), at.getEpochSecond() * 1_000_000_000L + at.getNano(),
                AllocationSites.withoutLambdaId(AllocationSites.sourceName(c.getName())), frames, e.getLong("weight"));
    }

    private static boolean watched(long[] ids, long id) {
        for (long i : ids) {
            if (i == id) {
                return true;
            }
        }
        return false;
    }

    /** The executing Java method of one sample ({@code package.Class.method}), or {@code (unknown)}. */
    static String leaf(RecordedStackTrace stack) {
        if (stack != null) {
            for (RecordedFrame f : stack.getFrames()) {
                if (f.getMethod() != null && f.getMethod().getType() != null) {
                    return f.getMethod().getType().getName() + "." + f.getMethod().getName();
                }
            }
        }
        return "(unknown)";
    }

    /** The {@code n} largest counts, largest first (ties by name), as an ordered map. */
    static Map<String, Long> top(Map<String, Long> counts, int n) {
        final List<Map.Entry<String, Long>> sorted = new ArrayList<>(counts.entrySet());
        sorted.sort(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder())
                .thenComparing(Map.Entry.comparingByKey()));
        final Map<String, Long> out = new LinkedHashMap<>();
        for (Map.Entry<String, Long> e : sorted.subList(0, Math.min(n, sorted.size()))) {
            out.put(e.getKey(), e.getValue());
        }
        return out;
    }

    /** The bucket of one sample: the first frame, top down, matching a bucket's prefix. */
    static String classify(RecordedStackTrace stack) {
        if (stack == null) {
            return "other";
        }
        for (RecordedFrame f : stack.getFrames()) {
            if (f.getMethod() == null || f.getMethod().getType() == null) {
                continue;
            }
            final String bucket = bucketOf(f.getMethod().getType().getName() + "." + f.getMethod().getName());
            if (bucket != null) {
                return bucket;
            }
        }
        return "other";
    }

    /** The bucket of one method ({@code package.Class.method}), or null if none of its prefixes match. */
    static String bucketOf(String method) {
        for (Map.Entry<String, List<String>> b : BUCKETS.entrySet()) {
            for (String prefix : b.getValue()) {
                if (method.startsWith(prefix)) {
                    return b.getKey();
                }
            }
        }
        return null;
    }

    @Override
    public void close() {
        recording.close();
    }
}
