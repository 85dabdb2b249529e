package io.scorestream.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Measures what one benchmark window costs the process: CPU time, peak heap, peak RSS, and the CPU
 * time and allocated bytes of chosen threads. Everything in this JVM counts, the embedded broker
 * included: the benchmark runs broker, application and clients in one process, as the demo does.
 *
 * <p>Peak heap is the sum of the heap pools' peak usages since {@link #start()} (an upper bound: the
 * pools need not peak together). Peak RSS is {@code VmHWM} after resetting it through
 * {@code /proc/self/clear_refs}, or the largest {@code VmRSS} sampled every 50 ms where the reset is
 * not allowed. Not thread-safe: one window at a time, driven by one thread.
 */
final class ResourceMeter {

    private static final Path STATUS = Path.of("/proc/self/status");
    private static final Path CLEAR_REFS = Path.of("/proc/self/clear_refs");
    private static final Path STAT = Path.of("/proc/stat");
    /** USER_HZ of /proc/stat: 100 on every Linux architecture the JDK runs on. */
    private static final long NANOS_PER_TICK = 10_000_000L;

    private final com.sun.management.OperatingSystemMXBean os =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    private final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    private final List<MemoryPoolMXBean> heapPools = ManagementFactory.getMemoryPoolMXBeans().stream()
            .filter(p -> p.getType() == MemoryType.HEAP).toList();

    private long cpuAtStart;
    private long machineBusyAtStart;
    private long startNanos;
    private long[] threadIds = new long[0];
    private long[] cpuOfThreadsAtStart = new long[0];
    private long[] allocOfThreadsAtStart = new long[0];
    private boolean hwmReset;
    private volatile long maxRssSampled;
    private volatile boolean sampling;
    private Thread sampler;

    ResourceMeter() {
        threads.setThreadAllocatedMemoryEnabled(true);
        threads.setThreadCpuTimeEnabled(true);
    }

    /** Opens a window: resets the peaks and notes the process CPU time. */
    void start() {
        for (MemoryPoolMXBean p : heapPools) {
            p.resetPeakUsage();
        }
        hwmReset = resetHighWaterMark();
        maxRssSampled = statusKb("VmRSS") * 1024;
        sampling = true;
        sampler = new Thread(this::sample, "bench-rss-sampler");
        sampler.setDaemon(true);
        sampler.start();
        cpuAtStart = os.getProcessCpuTime();
        machineBusyAtStart = machineBusyNanos();
        startNanos = System.nanoTime();
        threadIds = new long[0];
    }

    /** From now on, also measures these threads (e.g. the stream thread once it exists). */
    void watchThreads(long... ids) {
        threadIds = ids.clone();
        cpuOfThreadsAtStart = new long[ids.length];
        allocOfThreadsAtStart = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            cpuOfThreadsAtStart[i] = threads.getThreadCpuTime(ids[i]);
            allocOfThreadsAtStart[i] = threads.getThreadAllocatedBytes(ids[i]);
        }
    }

    /** Closes the window. Call while the watched threads are still alive. */
    Usage stop() {
        final long cpu = os.getProcessCpuTime() - cpuAtStart;
        final long machineBusy = machineBusyNanos() - machineBusyAtStart;
        final long wall = System.nanoTime() - startNanos;
        long threadCpu = 0;
        long threadAlloc = 0;
        for (int i = 0; i < threadIds.length; i++) {
            final long c = threads.getThreadCpuTime(threadIds[i]);
            final long a = threads.getThreadAllocatedBytes(threadIds[i]);
            if (c >= 0) {
                threadCpu += c - cpuOfThreadsAtStart[i];
            }
            if (a >= 0) {
                threadAlloc += a - allocOfThreadsAtStart[i];
            }
        }
        sampling = false;
        try {
            sampler.join(1_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        long heap = 0;
        for (MemoryPoolMXBean p : heapPools) {
            heap += p.getPeakUsage().getUsed();
        }
        final long rss = hwmReset ? Math.max(statusKb("VmHWM") * 1024, maxRssSampled) : maxRssSampled;
        final double others = machineBusyAtStart < 0 || wall <= 0 ? Double.NaN
                : Math.max(0, machineBusy - cpu) / ((double) wall * Runtime.getRuntime().availableProcessors());
        return new Usage(cpu, threadCpu, threadAlloc, heap, rss, others);
    }

    /** Busy time of all CPUs since boot (user, nice, system, irq, softirq, steal), or -1 off Linux. */
    private static long machineBusyNanos() {
        try {
            final String line = Files.readAllLines(STAT, StandardCharsets.US_ASCII).get(0);
            final String[] f = line.trim().split("\\s+");
            final long busy = Long.parseLong(f[1]) + Long.parseLong(f[2]) + Long.parseLong(f[3])
                    + Long.parseLong(f[6]) + Long.parseLong(f[7]) + Long.parseLong(f[8]);
            return busy * NANOS_PER_TICK;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** Allocated bytes of the calling thread so far. */
    long currentThreadAllocatedBytes() {
        return threads.getCurrentThreadAllocatedBytes();
    }

    /** CPU nanoseconds of the calling thread so far. */
    long currentThreadCpuNanos() {
        return threads.getCurrentThreadCpuTime();
    }

    private void sample() {
        while (sampling) {
            final long rss = statusKb("VmRSS") * 1024;
            if (rss > maxRssSampled) {
                maxRssSampled = rss;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private static boolean resetHighWaterMark() {
        try {
            // "5" resets the peak RSS (VmHWM) to the current RSS (Linux >= 4.0).
            Files.writeString(CLEAR_REFS, "5", StandardCharsets.US_ASCII);
            return true;
        } catch (IOException | SecurityException | UnsupportedOperationException e) {
            return false;
        }
    }

    /** A {@code kB} field of /proc/self/status, or 0 where there is none (not Linux). */
    static long statusKb(String field) {
        try {
            for (String line : Files.readAllLines(STATUS, StandardCharsets.US_ASCII)) {
                if (line.startsWith(field + ":")) {
                    return Long.parseLong(line.substring(field.length() + 1).replace("kB", "").trim());
                }
            }
        } catch (IOException | RuntimeException e) {
            return 0;
        }
        return 0;
    }

    /**
     * What one window cost.
     *
     * @param processCpuNanos CPU time of the whole process
     * @param threadCpuNanos CPU time of the watched threads
     * @param threadAllocatedBytes bytes allocated by the watched threads
     * @param peakHeapBytes sum of the heap pools' peaks
     * @param peakRssBytes peak resident set size
     * @param otherProcessesCpuShare CPU used by other processes on the machine in the window, as a
     *     share of all cores (0..1): a benchmark that shares its machine is disturbed by them
     */
    record Usage(long processCpuNanos, long threadCpuNanos, long threadAllocatedBytes, long peakHeapBytes,
                 long peakRssBytes, double otherProcessesCpuShare) {
    }
}
