package io.scorestream.bench;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Splits the scoring thread's allocation of one benchmark window by site, from JDK Flight Recorder
 * {@code jdk.ObjectAllocationSample} events (recorded by {@link StageProfiler}).
 *
 * <p>Each event's {@code weight} is the bytes its thread allocated since that thread's previous
 * sample (HotSpot keeps the count per thread), so the weights of one thread add up to about what it
 * allocated. The first sample of each thread in a window is dropped: its weight reaches back to the
 * thread's previous sample, before the window (for a new stream thread: to its start). A site is
 * (allocated class, first frame from the top of the stack in our or Kafka's code, i.e. whose class
 * starts with {@code io.scorestream.} or {@code org.apache.kafka.}); a sample whose stack passes
 * through {@code org.apache.kafka.clients.consumer.} is the Kafka consumer's fetch (records and
 * buffers the consumer allocates before Kafka Streams gets them), counted apart so that the scorer's
 * own path can be judged without it. Sites in scorestream's own code ({@link #OWN}) are summed apart too,
 * and of them the output record values ({@link #OUTPUT}).
 *
 * <p>Stateless.
 */
final class AllocationSites {

    /** Frames that can name a site, by class prefix. */
    static final List<String> SITE_PREFIXES = List.of("io.scorestream.", "org.apache.kafka.");
    /** A sample whose stack has a frame starting with this is the consumer's fetch. */
    static final String CONSUMER = "org.apache.kafka.clients.consumer.";
    /** A site whose frame starts with this is scorestream's own code. */
    static final String OWN = "io.scorestream.";
    /**
     * The site of the output record values: the bytes of each score, handed to the producer, which keeps
     * them; counted apart from the rest of our own allocation.
     */
    static final String OUTPUT = "byte[] @ io.scorestream.schemas.serde.ScoreResultWriter.write";
    /** Sites kept per window, largest first (more than printed, so that repetitions can be merged). */
    static final int KEEP = 50;
    /** Sites printed per cell. */
    static final int PRINTED = 15;
    /** The site of a sample none of whose frames is ours or Kafka's. */
    static final String NO_FRAME = "(no frame of ours or Kafka's)";

    private AllocationSites() {
    }

    /**
     * One {@code jdk.ObjectAllocationSample}.
     *
     * @param threadId Java id of the allocating thread
     * @param timeNanos when it was taken (any clock, the same for all samples of a window)
     * @param objectClass the allocated class, as Java source names it ({@code byte[]})
     * @param frames {@code package.Class.method} of each frame, top (allocating) frame first
     * @param weight bytes the thread allocated since its previous sample
     */
    record Sample(long threadId, long timeNanos, String objectClass, List<String> frames, long weight) {

        Sample {
            frames = List.copyOf(frames);
        }
    }

    /**
     * Splits the samples of the watched threads.
     *
     * @param samples every allocation sample of the window, any thread, any order
     * @param threadIds Java ids of the watched (scoring) threads
     * @param measuredBytes what {@code ThreadMXBean} says those threads allocated in the window
     * @param events events of the window
     */
    static Samples.Allocation split(List<Sample> samples, long[] threadIds, long measuredBytes, long events) {
        final Map<Long, List<Sample>> byThread = new HashMap<>();
        for (Sample s : samples) {
            for (long id : threadIds) {
                if (id == s.threadId()) {
                    byThread.computeIfAbsent(id, k -> new ArrayList<>()).add(s);
                }
            }
        }
        long sampled = 0;
        long consumer = 0;
        long own = 0;
        long output = 0;
        long count = 0;
        final Map<String, long[]> sites = new LinkedHashMap<>();
        final Map<String, String[]> keys = new HashMap<>();
        for (List<Sample> list : byThread.values()) {
            list.sort(Comparator.comparingLong(Sample::timeNanos));
            for (Sample s : list.subList(1, list.size())) {
                final boolean fetch = passesThroughConsumer(s.frames());
                final String frame = siteFrame(s.frames());
                final String key = s.objectClass() + " @ " + frame;
                keys.putIfAbsent(key, new String[] {s.objectClass(), frame});
                final long[] v = sites.computeIfAbsent(key, k -> new long[3]);
                v[0] += s.weight();
                v[1] += fetch ? s.weight() : 0;
                v[2]++;
                sampled += s.weight();
                consumer += fetch ? s.weight() : 0;
                own += frame.startsWith(OWN) ? s.weight() : 0;
                output += key.equals(OUTPUT) ? s.weight() : 0;
                count++;
            }
        }
        final List<Samples.AllocationSite> list = new ArrayList<>();
        for (Map.Entry<String, long[]> e : sites.entrySet()) {
            final String[] k = keys.get(e.getKey());
            list.add(new Samples.AllocationSite(k[0], k[1], e.getValue()[0], e.getValue()[1], e.getValue()[2]));
        }
        return new Samples.Allocation(events, measuredBytes, sampled, consumer, own, output, count, top(list, KEEP));
    }

    /** The first frame, top down, in our or Kafka's code, or {@link #NO_FRAME}. */
    static String siteFrame(List<String> frames) {
        for (String f : frames) {
            for (String p : SITE_PREFIXES) {
                if (f.startsWith(p)) {
                    return f;
                }
            }
        }
        return NO_FRAME;
    }

    /** Whether any frame is the Kafka consumer's. */
    static boolean passesThroughConsumer(List<String> frames) {
        for (String f : frames) {
            if (f.startsWith(CONSUMER)) {
                return true;
            }
        }
        return false;
    }

    /** The {@code n} largest sites by bytes, largest first (ties by class, then frame). */
    static List<Samples.AllocationSite> top(List<Samples.AllocationSite> sites, int n) {
        final List<Samples.AllocationSite> sorted = new ArrayList<>(sites);
        sorted.sort(Comparator.comparingLong(Samples.AllocationSite::bytes).reversed()
                .thenComparing(Samples.AllocationSite::objectClass).thenComparing(Samples.AllocationSite::frame));
        return List.copyOf(sorted.subList(0, Math.min(n, sorted.size())));
    }

    /**
     * A class or frame name without the per-run part of a lambda's hidden class
     * ({@code Foo$$Lambda$1587+0x00007f46545e8458.703824017.accept} is {@code Foo$$Lambda.accept}), so that
     * the same lambda is one site in every run.
     */
    static String withoutLambdaId(String name) {
        final int at = name.indexOf("$$Lambda$");
        if (at < 0) {
            return name;
        }
        final int method = name.lastIndexOf('.');
        final String head = name.substring(0, at + "$$Lambda".length());
        // A frame keeps its method name (after the last dot, which follows the id's digits).
        return method > at && !name.substring(method + 1).chars().allMatch(Character::isDigit)
                ? head + name.substring(method) : head;
    }

    /** A JVM class name as Java source writes it: {@code [B} is {@code byte[]}, {@code [Ljava.lang.Object;} is {@code java.lang.Object[]}. */
    static String sourceName(String jvmName) {
        int dims = 0;
        while (dims < jvmName.length() && jvmName.charAt(dims) == '[') {
            dims++;
        }
        if (dims == 0) {
            return jvmName;
        }
        final String element = jvmName.substring(dims);
        final String base = switch (element) {
            case "B" -> "byte";
            case "C" -> "char";
            case "D" -> "double";
            case "F" -> "float";
            case "I" -> "int";
            case "J" -> "long";
            case "S" -> "short";
            case "Z" -> "boolean";
            default -> element.startsWith("L") && element.endsWith(";")
                    ? element.substring(1, element.length() - 1) : element;
        };
        return base + "[]".repeat(dims);
    }
}
