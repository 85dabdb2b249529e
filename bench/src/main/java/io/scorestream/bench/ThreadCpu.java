package io.scorestream.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Splits the process's CPU time of one benchmark window by who spent it, so that the cost of the
 * scoring application can be told from the embedded broker's and the harness's, which run in the
 * same JVM.
 *
 * <p>A {@link Census} is every thread of the process at one moment: the Java threads
 * ({@code ThreadMXBean}: id, full name, CPU time) and the Linux tasks ({@code /proc/self/task/*}:
 * task id, {@code comm} = the first 15 bytes of the name HotSpot gave a Java thread when it started,
 * and CPU time from {@code schedstat}, or {@code stat}'s utime + stime where there is no
 * {@code schedstat}). Three censuses make a split ({@link #split}): a <em>baseline</em> taken after
 * the broker and the harness's clients started and before the application starts, and one at each
 * end of the window; each thread counts with its CPU time at the end minus at the start (or all of
 * it if it started in the window).
 *
 * <p>How a thread is classified:
 * <ul>
 *   <li>Java threads, by full name: the harness ({@link #HARNESS_PREFIXES}: the score reader, the RSS
 *       sampler, the driving {@code main}); the JVM's own Java threads ({@link #JVM_JAVA_PREFIXES});
 *       the application: a name containing one of the application's markers (its
 *       {@code application.id}: stream threads, the global stream thread, the state updater, the
 *       cleanup thread, the Streams clients' producer network, heartbeat and admin threads; or the
 *       raw copy's output topic) or starting with {@code scorestream-} (the model registry's loader);
 *       a thread that existed at the baseline and is none of those: the broker; a new one named like
 *       the broker's ({@link #BROKER_PREFIXES}): the broker; else {@code other}.</li>
 *   <li>Tasks that are not Java threads (no Java thread has their {@code comm}): the JVM's (GC, JIT,
 *       VM, JFR threads, by {@code comm}, {@link #JVM_COMMS}: in a real deployment they would serve
 *       the application, here they also serve the broker, so they are not counted as the
 *       application's); a task started after the baseline that is not the JVM's is a native thread
 *       the application started (ONNX Runtime's intra-op threads, RocksDB's background threads: the
 *       broker starts none). Per {@code comm}, the CPU of the new tasks minus that of the new Java
 *       threads with that {@code comm} is the new native threads' (ONNX Runtime's threads inherit the
 *       {@code comm} of the Java thread that created them).</li>
 *   <li>What is left of the process's CPU time ({@code unattributed}): threads that ended in the window
 *       (their time leaves {@code /proc} and {@code ThreadMXBean} with them) and the few milliseconds
 *       by which the reads of one census are apart.</li>
 * </ul>
 *
 * <p>Stateless; {@link #census()} may be called from any thread.
 */
final class ThreadCpu {

    /** Java threads of the harness, by name prefix. */
    static final List<String> HARNESS_PREFIXES = List.of("bench-reader-", "bench-rss-sampler", "main",
            "kafka-admin-client-thread | embedded-kafka-admin");
    /** Java threads of the JVM itself, by name prefix. */
    static final List<String> JVM_JAVA_PREFIXES = List.of("Reference Handler", "Finalizer", "Signal Dispatcher",
            "Common-Cleaner", "Notification Thread", "Attach Listener", "process reaper", "Service Thread",
            "Monitor Deflation Thread");
    /**
     * Tasks of the JVM that are not Java threads (or are hidden from {@code ThreadMXBean}), by
     * {@code comm} prefix: garbage collection, the JIT compilers, the VM thread, JFR.
     */
    static final List<String> JVM_COMMS = List.of("GC Thread#", "G1 ", "VM Thread", "VM Periodic", "C1 CompilerThre",
            "C2 CompilerThre", "Sweeper thread", "JFR ", "Service Thread", "Monitor Deflati");
    /**
     * Of {@link #JVM_COMMS}, the JIT compilers' tasks: counted apart ({@link #JIT}), since a JVM still
     * compiling takes a core's share from everything else on a small machine.
     */
    static final List<String> JIT_COMMS = List.of("C1 CompilerThre", "C2 CompilerThre");
    /**
     * New Java threads that are the broker's, by name prefix: the names a listing of a run on the
     * test kit's broker showed ({@code -Dscorestream.bench.list-threads=true}), plus
     * {@code kafka-<node id>-} ({@link #BROKER_NODE_THREAD}).
     */
    static final List<String> BROKER_PREFIXES = List.of("data-plane-kafka-", "kafka-scheduler-", "kafka-log-cleaner-",
            "ExpirationReaper-", "group-coordinator-", "executor-", "share-coordinator-", "share-group-",
            "transaction-log-manager-", "TxnMarkerSenderThread-", "AddPartitionsToTxnSenderThread-",
            "LogDirFailureHandler", "broker-", "controller-", "quorum-controller-", "raft-", "client-metrics-reaper",
            "metrics-meter-tick-thread-", "network-partition-metadata-client-reaper", "persister-state-manager-",
            "PersisterStateManager", "SensorExpiryThread", "ReplicaFetcherThread-", "ReplicaAlterLogDirsThread-");
    /** The broker's raft and metadata threads: {@code kafka-<node id>-raft-io-thread}, ... */
    static final Pattern BROKER_NODE_THREAD = Pattern.compile("kafka-\\d+-.*");

    /** Where each category's CPU time goes in {@link Samples.Threads}. */
    static final String APP = "app";
    static final String APP_NATIVE = "app native";
    static final String BROKER = "broker";
    static final String HARNESS = "harness";
    static final String JVM = "jvm";
    static final String JIT = "jit";
    static final String OTHER = "other";

    /** Threads kept by name in {@link Samples.Threads#top()}. */
    static final int TOP_THREADS = 12;

    private static final Path TASKS = Path.of("/proc/self/task");
    /** USER_HZ of /proc: 100 on every Linux architecture the JDK runs on. */
    private static final long NANOS_PER_TICK = 10_000_000L;
    private static final int COMM_BYTES = 15;

    private ThreadCpu() {
    }

    /**
     * One Java thread at one moment.
     *
     * @param cpuNanos its CPU time so far, or -1 if it ended before it was read
     */
    record JavaThread(long id, String name, long cpuNanos) {
    }

    /**
     * One Linux task of the process at one moment.
     *
     * @param cpuNanos its CPU time so far, or -1 if unreadable (ended)
     */
    record Task(long tid, String comm, long cpuNanos) {
    }

    /** Every thread of the process at one moment, by Java id and by task id. */
    record Census(Map<Long, JavaThread> java, Map<Long, Task> tasks) {

        Census {
            java = Collections.unmodifiableMap(new HashMap<>(java));
            tasks = Collections.unmodifiableMap(new HashMap<>(tasks));
        }

        /** A census of the given threads and tasks (tests). */
        static Census of(List<JavaThread> java, List<Task> tasks) {
            final Map<Long, JavaThread> j = new HashMap<>();
            for (JavaThread t : java) {
                j.put(t.id(), t);
            }
            final Map<Long, Task> k = new HashMap<>();
            for (Task t : tasks) {
                k.put(t.tid(), t);
            }
            return new Census(j, k);
        }
    }

    /** Takes a census of this process's threads now; off Linux, the tasks are empty. */
    static Census census() {
        final com.sun.management.ThreadMXBean mx =
                (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        final long[] ids = mx.getAllThreadIds();
        final ThreadInfo[] infos = mx.getThreadInfo(ids, 0);
        final long[] cpu = mx.getThreadCpuTime(ids);
        final Map<Long, JavaThread> java = new HashMap<>();
        for (int i = 0; i < ids.length; i++) {
            if (infos[i] != null) {
                java.put(ids[i], new JavaThread(ids[i], infos[i].getThreadName(), cpu[i]));
            }
        }
        final Map<Long, Task> tasks = new HashMap<>();
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(TASKS)) {
            for (Path p : dir) {
                final long tid;
                try {
                    tid = Long.parseLong(p.getFileName().toString());
                } catch (NumberFormatException e) {
                    continue;
                }
                final String comm = readComm(p);
                final long nanos = readCpuNanos(p);
                if (comm != null && nanos >= 0) {
                    tasks.put(tid, new Task(tid, comm, nanos));
                }
            }
        } catch (IOException | RuntimeException e) {
            // Not Linux, or /proc not readable: no tasks, so no native or JVM-internal figures.
        }
        return new Census(java, tasks);
    }

    private static String readComm(Path task) {
        try {
            return Files.readString(task.resolve("comm"), StandardCharsets.UTF_8).strip();
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** The task's CPU nanoseconds: schedstat's first field, else stat's utime + stime; -1 if unreadable. */
    private static long readCpuNanos(Path task) {
        try {
            final String s = Files.readString(task.resolve("schedstat"), StandardCharsets.US_ASCII).strip();
            return Long.parseLong(s.substring(0, s.indexOf(' ')));
        } catch (IOException | RuntimeException e) {
            // fall through to stat
        }
        try {
            final String s = Files.readString(task.resolve("stat"), StandardCharsets.US_ASCII);
            // Fields after the comm, which is in parentheses and may contain spaces: state is field 3.
            final String[] f = s.substring(s.lastIndexOf(')') + 2).trim().split("\\s+");
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * NANOS_PER_TICK;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** The {@code comm} Linux shows for a Java thread of this name: its first 15 bytes. */
    static String commOf(String javaName) {
        if (javaName.equals("main")) {
            return "java"; // the launcher's thread, attached to the JVM: HotSpot does not rename it
        }
        final byte[] b = javaName.getBytes(StandardCharsets.UTF_8);
        return b.length <= COMM_BYTES ? javaName : new String(b, 0, COMM_BYTES, StandardCharsets.UTF_8);
    }

    /**
     * The category of a Java thread.
     *
     * @param appMarkers substrings that only the application's thread names contain
     * @param existedAtBaseline whether the thread was alive at the baseline census
     * @return one of {@link #APP}, {@link #BROKER}, {@link #HARNESS}, {@link #JVM}, {@link #OTHER}, or
     *     null for a JVM thread counted through its task ({@link #JVM_COMMS})
     */
    static String classifyJava(String name, List<String> appMarkers, boolean existedAtBaseline) {
        if (startsWithAny(commOf(name), JVM_COMMS)) {
            return null;
        }
        if (startsWithAny(name, HARNESS_PREFIXES)) {
            return HARNESS;
        }
        if (startsWithAny(name, JVM_JAVA_PREFIXES)) {
            return JVM;
        }
        if (name.startsWith("scorestream-")) {
            return APP;
        }
        for (String m : appMarkers) {
            if (name.contains(m)) {
                return APP;
            }
        }
        if (existedAtBaseline || startsWithAny(name, BROKER_PREFIXES) || BROKER_NODE_THREAD.matcher(name).matches()) {
            return BROKER;
        }
        return OTHER;
    }

    private static boolean startsWithAny(String s, List<String> prefixes) {
        for (String p : prefixes) {
            if (s.startsWith(p)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Splits a window's process CPU time.
     *
     * @param baseline census before the application started
     * @param start census at the start of the window
     * @param end census at the end of the window
     * @param appMarkers substrings only the application's Java thread names contain
     * @param processCpuNanos the process's CPU time in the window
     * @param events events of the window, for the per-event figures
     */
    static Samples.Threads split(Census baseline, Census start, Census end, List<String> appMarkers,
                                 long processCpuNanos, long events) {
        final Map<String, Long> byCategory = new LinkedHashMap<>();
        for (String c : List.of(APP, APP_NATIVE, BROKER, HARNESS, JVM, JIT, OTHER)) {
            byCategory.put(c, 0L);
        }
        final Map<String, Long> byThread = new HashMap<>();
        // Java side: per thread; the new ones' CPU is also noted per comm, to be taken off the new tasks'.
        final Map<String, Long> newJavaByComm = new HashMap<>();
        for (JavaThread t : end.java().values()) {
            final long d = delta(t.cpuNanos(), start.java().get(t.id()) == null ? 0
                    : start.java().get(t.id()).cpuNanos());
            final boolean old = baseline.java().containsKey(t.id());
            if (!old) {
                newJavaByComm.merge(commOf(t.name()), d, Long::sum);
            }
            final String category = classifyJava(t.name(), appMarkers, old);
            if (category == null) {
                continue;
            }
            byCategory.merge(category, d, Long::sum);
            byThread.merge(category + ": " + t.name(), d, Long::sum);
        }
        // Task side: the JVM's own tasks (any age), and new tasks that are no Java thread (per comm).
        final Map<String, Long> newTasksByComm = new HashMap<>();
        for (Task t : end.tasks().values()) {
            final Task before = start.tasks().get(t.tid());
            final long d = delta(t.cpuNanos(), before == null ? 0 : before.cpuNanos());
            if (startsWithAny(t.comm(), JVM_COMMS)) {
                final String category = startsWithAny(t.comm(), JIT_COMMS) ? JIT : JVM;
                byCategory.merge(category, d, Long::sum);
                byThread.merge(category + ": " + t.comm(), d, Long::sum);
            } else if (!baseline.tasks().containsKey(t.tid())) {
                newTasksByComm.merge(t.comm(), d, Long::sum);
            }
        }
        for (Map.Entry<String, Long> e : newTasksByComm.entrySet()) {
            final long nativeNanos = Math.max(0, e.getValue() - newJavaByComm.getOrDefault(e.getKey(), 0L));
            if (nativeNanos > 0) {
                byCategory.merge(APP_NATIVE, nativeNanos, Long::sum);
                byThread.merge(APP_NATIVE + ": " + e.getKey() + " (native)", nativeNanos, Long::sum);
            }
        }
        long attributed = 0;
        for (long v : byCategory.values()) {
            attributed += v;
        }
        return new Samples.Threads(events, processCpuNanos, byCategory, processCpuNanos - attributed,
                StageProfiler.top(byThread, TOP_THREADS));
    }

    private static long delta(long end, long start) {
        if (end < 0) {
            return 0;
        }
        return Math.max(0, end - Math.max(0, start));
    }

    /** The application markers of a Kafka mode: its application id. */
    static List<String> markersOfApplication(String applicationId) {
        return List.of(applicationId);
    }

    /** Names of every thread in a census, sorted, for a listing. */
    static List<String> names(Census c) {
        final List<String> out = new ArrayList<>();
        for (JavaThread t : c.java().values()) {
            out.add("java " + t.name());
        }
        final Set<String> javaComms = new HashSet<>();
        for (JavaThread t : c.java().values()) {
            javaComms.add(commOf(t.name()));
        }
        for (Task t : c.tasks().values()) {
            if (!javaComms.contains(t.comm())) {
                out.add("task " + t.comm());
            }
        }
        Collections.sort(out);
        return out;
    }
}
