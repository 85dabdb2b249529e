package io.scorestream.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/** The results of a benchmark run, as plain immutable values. */
final class Samples {

    private Samples() {
    }

    /**
     * One repetition of one throughput measurement.
     *
     * @param records records scored in the window
     * @param seconds length of the window
     * @param recordsPerSecond records / seconds
     * @param cpuSecondsPerMillion process CPU seconds per million records
     * @param threadCpuSecondsPerMillion CPU seconds of the scoring thread per million records
     * @param allocatedBytesPerRecord bytes allocated by the scoring thread per record
     * @param peakHeapBytes peak heap in the window (sum of pool peaks)
     * @param peakRssBytes peak RSS in the window
     * @param otherProcessesCpuShare CPU other processes used meanwhile, as a share of all cores
     * @param batches the batch sizes seen (null for model-only)
     * @param stages the scoring thread's CPU time by stage (null where none was recorded)
     * @param threads the process's CPU time by who spent it ({@link ThreadCpu}; null where not split)
     * @param allocation the scoring thread's allocation by site ({@link AllocationSites}; null where not sampled)
     */
    record Throughput(long records, double seconds, double recordsPerSecond, double cpuSecondsPerMillion,
                      double threadCpuSecondsPerMillion, double allocatedBytesPerRecord, long peakHeapBytes,
                      long peakRssBytes, double otherProcessesCpuShare, BatchSizes.Summary batches,
                      Stages stages, Threads threads, Allocation allocation) {

        /** A repetition without a stage split. */
        Throughput(long records, double seconds, double recordsPerSecond, double cpuSecondsPerMillion,
                   double threadCpuSecondsPerMillion, double allocatedBytesPerRecord, long peakHeapBytes,
                   long peakRssBytes, double otherProcessesCpuShare, BatchSizes.Summary batches) {
            this(records, seconds, recordsPerSecond, cpuSecondsPerMillion, threadCpuSecondsPerMillion,
                    allocatedBytesPerRecord, peakHeapBytes, peakRssBytes, otherProcessesCpuShare, batches, null);
        }

        /** A repetition without a thread split or allocation sites. */
        Throughput(long records, double seconds, double recordsPerSecond, double cpuSecondsPerMillion,
                   double threadCpuSecondsPerMillion, double allocatedBytesPerRecord, long peakHeapBytes,
                   long peakRssBytes, double otherProcessesCpuShare, BatchSizes.Summary batches, Stages stages) {
            this(records, seconds, recordsPerSecond, cpuSecondsPerMillion, threadCpuSecondsPerMillion,
                    allocatedBytesPerRecord, peakHeapBytes, peakRssBytes, otherProcessesCpuShare, batches, stages,
                    null, null);
        }

        /** Process CPU microseconds per event (= CPU seconds per million). */
        double cpuMicrosPerEvent() {
            return cpuSecondsPerMillion;
        }

        /** CPU-µs per event of the application's own threads, Java and native; NaN without a thread split. */
        double scorerCpuMicrosPerEvent() {
            return threads == null ? Double.NaN : threads.scorerMicrosPerEvent();
        }

        /** Process CPU-µs per event minus the broker's and the harness's threads'; NaN without a thread split. */
        double processMinusBrokerAndHarnessMicrosPerEvent() {
            return threads == null ? Double.NaN : threads.processMinusBrokerAndHarnessMicrosPerEvent();
        }
    }

    /**
     * The process's CPU time of one window by who spent it ({@link ThreadCpu#split}).
     *
     * @param events events of the window
     * @param processCpuNanos the process's CPU time
     * @param nanosByCategory CPU nanoseconds of each category: {@link ThreadCpu#APP} (the application's
     *     Java threads), {@link ThreadCpu#APP_NATIVE} (native threads it started), {@link ThreadCpu#BROKER},
     *     {@link ThreadCpu#HARNESS}, {@link ThreadCpu#JVM} (GC, JIT, VM, JFR), {@link ThreadCpu#OTHER}
     *     (new threads of no known owner)
     * @param unattributedNanos the process's CPU time not in any category: threads that ended in the
     *     window, and the reads' skew (may be slightly negative)
     * @param top the threads that used most CPU, as {@code category: name} (native: {@code comm}), with nanoseconds
     */
    record Threads(long events, long processCpuNanos, Map<String, Long> nanosByCategory, long unattributedNanos,
                   Map<String, Long> top) {

        Threads {
            nanosByCategory = Collections.unmodifiableMap(new LinkedHashMap<>(nanosByCategory));
            top = Collections.unmodifiableMap(new LinkedHashMap<>(top));
        }

        /** CPU-µs per event of one category (0 if absent). */
        double microsPerEvent(String category) {
            return nanosByCategory.getOrDefault(category, 0L) / 1e3 / Math.max(1, events);
        }

        /** The application's threads, Java and native, CPU-µs per event. */
        double scorerMicrosPerEvent() {
            return microsPerEvent(ThreadCpu.APP) + microsPerEvent(ThreadCpu.APP_NATIVE);
        }

        /** The process minus the broker's and the harness's threads, CPU-µs per event. */
        double processMinusBrokerAndHarnessMicrosPerEvent() {
            return processCpuNanos / 1e3 / Math.max(1, events) - microsPerEvent(ThreadCpu.BROKER)
                    - microsPerEvent(ThreadCpu.HARNESS);
        }

        /** Every category's CPU-µs per event, and {@code unattributed}, in category order. */
        Map<String, Double> microsPerEventByCategory() {
            final Map<String, Double> out = new LinkedHashMap<>();
            for (String c : nanosByCategory.keySet()) {
                out.put(c, microsPerEvent(c));
            }
            out.put("unattributed", unattributedNanos / 1e3 / Math.max(1, events));
            return out;
        }
    }

    /**
     * One allocation site of the scoring thread ({@link AllocationSites}).
     *
     * @param objectClass the allocated class
     * @param frame the first frame, top down, in our or Kafka's code
     * @param bytes sampled bytes (sum of the samples' weights)
     * @param consumerBytes of which in samples whose stack passes through the Kafka consumer
     * @param samples samples
     */
    record AllocationSite(String objectClass, String frame, long bytes, long consumerBytes, long samples) {
    }

    /**
     * The scoring thread's allocation of one window (or of all repetitions of a cell) by site.
     *
     * @param events events of the window(s)
     * @param measuredBytes bytes the scoring thread allocated ({@code ThreadMXBean})
     * @param sampledBytes sum of the weights of its allocation samples
     * @param consumerBytes of which in samples passing through the Kafka consumer
     * @param ownBytes of which in samples whose site is in scorestream's code ({@link AllocationSites#OWN})
     * @param outputBytes of {@code ownBytes}, the output record values handed to the producer
     *     ({@link AllocationSites#OUTPUT}: the producer keeps them, so they cannot be reused)
     * @param samples samples counted
     * @param sites the largest sites, largest first
     */
    record Allocation(long events, long measuredBytes, long sampledBytes, long consumerBytes, long ownBytes,
                      long outputBytes, long samples, List<AllocationSite> sites) {

        Allocation {
            sites = List.copyOf(sites);
        }

        double measuredPerEvent() {
            return (double) measuredBytes / Math.max(1, events);
        }

        double sampledPerEvent() {
            return (double) sampledBytes / Math.max(1, events);
        }

        /** Sampled bytes per event outside the consumer's fetch. */
        double excludingConsumerPerEvent() {
            return (double) (sampledBytes - consumerBytes) / Math.max(1, events);
        }

        /**
         * Sampled bytes per event allocated by scorestream's own code apart from the output values:
         * what issue 18's "≤ 64 B per event on the scoring path" is judged on.
         */
        double ownExcludingOutputPerEvent() {
            return (double) (ownBytes - outputBytes) / Math.max(1, events);
        }

        /** Sampled bytes per event of the output record values scorestream hands the producer. */
        double outputPerEvent() {
            return (double) outputBytes / Math.max(1, events);
        }

        /** {@link #excludingConsumerPerEvent()} scaled by measured / sampled; NaN without samples. */
        double excludingConsumerScaledPerEvent() {
            return sampledBytes == 0 ? Double.NaN
                    : excludingConsumerPerEvent() * measuredBytes / (double) sampledBytes;
        }

        /** Several windows as one: sums, and the sites merged by (class, frame), the {@code keep} largest. */
        static Allocation merge(List<Allocation> windows, int keep) {
            long events = 0;
            long measured = 0;
            long sampled = 0;
            long consumer = 0;
            long own = 0;
            long output = 0;
            long samples = 0;
            final Map<List<String>, long[]> sites = new LinkedHashMap<>();
            for (Allocation a : windows) {
                events += a.events();
                measured += a.measuredBytes();
                sampled += a.sampledBytes();
                consumer += a.consumerBytes();
                own += a.ownBytes();
                output += a.outputBytes();
                samples += a.samples();
                for (AllocationSite s : a.sites()) {
                    final long[] v = sites.computeIfAbsent(List.of(s.objectClass(), s.frame()), k -> new long[3]);
                    v[0] += s.bytes();
                    v[1] += s.consumerBytes();
                    v[2] += s.samples();
                }
            }
            final List<AllocationSite> list = new ArrayList<>();
            sites.forEach((k, v) -> list.add(new AllocationSite(k.get(0), k.get(1), v[0], v[1], v[2])));
            return new Allocation(events, measured, sampled, consumer, own, output, samples,
                    AllocationSites.top(list, keep));
        }
    }

    /**
     * The scoring thread's CPU time of one window split by stage ({@link StageProfiler}).
     *
     * @param microsPerEvent CPU microseconds per event of each stage, in {@link StageProfiler#STAGES} order
     * @param samples {@code jdk.ExecutionSample}s of the scoring thread in each bucket
     * @param threadMicrosPerEvent the scoring thread's CPU microseconds per event (the sum of the stages)
     * @param topMethods the scoring thread's most sampled executing Java methods ({@code package.Class.method},
     *     self time: the top frame of each sample) with their sample counts, largest first; these samples
     *     are the same as {@code samples}' (a thread in native code is not sampled)
     */
    record Stages(Map<String, Double> microsPerEvent, Map<String, Long> samples, double threadMicrosPerEvent,
                  Map<String, Long> topMethods) {

        Stages {
            microsPerEvent = Collections.unmodifiableMap(new LinkedHashMap<>(microsPerEvent));
            samples = Collections.unmodifiableMap(new LinkedHashMap<>(samples));
            topMethods = Collections.unmodifiableMap(new LinkedHashMap<>(topMethods));
        }

        /** A split without the executing methods. */
        static Stages split(Map<String, Long> samples, long threadCpuNanos, long onnxNanos, long events) {
            return split(samples, threadCpuNanos, onnxNanos, events, Map.of());
        }

        /**
         * Splits {@code threadCpuNanos}: ONNX Runtime gets {@code onnxNanos} (capped at the thread's
         * time), the rest goes to the other buckets in proportion to their samples (all to
         * {@code other} if there are none).
         */
        static Stages split(Map<String, Long> samples, long threadCpuNanos, long onnxNanos, long events,
                            Map<String, Long> topMethods) {
            final double perEvent = 1e-3 / Math.max(1, events);
            final long onnx = Math.min(Math.max(0, onnxNanos), Math.max(0, threadCpuNanos));
            final long rest = Math.max(0, threadCpuNanos) - onnx;
            long shared = 0;
            for (Map.Entry<String, Long> e : samples.entrySet()) {
                if (!e.getKey().equals("ONNX Runtime")) {
                    shared += e.getValue();
                }
            }
            final Map<String, Double> micros = new LinkedHashMap<>();
            for (String stage : StageProfiler.STAGES) {
                final double nanos;
                if (stage.equals("ONNX Runtime")) {
                    nanos = onnx;
                } else if (shared == 0) {
                    nanos = stage.equals("other") ? rest : 0;
                } else {
                    nanos = (double) rest * samples.getOrDefault(stage, 0L) / shared;
                }
                micros.put(stage, nanos * perEvent);
            }
            return new Stages(micros, samples, Math.max(0, threadCpuNanos) * perEvent, topMethods);
        }
    }

    /**
     * All repetitions of one (model, mode, batch size) cell.
     *
     * @param model reference model label
     * @param mode the mode
     * @param batch the fixed batch size of a model-only cell; 0 otherwise
     * @param reps the repetitions, in run order
     */
    record Cell(String model, Mode mode, int batch, List<Throughput> reps) {

        Cell {
            reps = List.copyOf(reps);
        }

        /** e.g. {@code adaptive} or {@code model-only b=256}. */
        String label() {
            return mode == Mode.MODEL_ONLY ? "model-only b=" + batch : mode.label();
        }

        double medianRate() {
            return median(Throughput::recordsPerSecond);
        }

        double minRate() {
            return reps.stream().mapToDouble(Throughput::recordsPerSecond).min().orElse(Double.NaN);
        }

        double maxRate() {
            return reps.stream().mapToDouble(Throughput::recordsPerSecond).max().orElse(Double.NaN);
        }

        /** The median of {@code metric} over the repetitions. */
        double median(ToDoubleFunction<Throughput> metric) {
            final double[] v = reps.stream().mapToDouble(metric).sorted().toArray();
            if (v.length == 0) {
                return Double.NaN;
            }
            return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
        }

        /** Per stage, the median over the repetitions that have a split of its µs per event; null if none has. */
        Map<String, Double> medianStages() {
            final List<Stages> with = reps.stream().map(Throughput::stages).filter(x -> x != null).toList();
            if (with.isEmpty()) {
                return null;
            }
            final Map<String, Double> out = new LinkedHashMap<>();
            for (String stage : StageProfiler.STAGES) {
                final double[] v = with.stream().mapToDouble(x -> x.microsPerEvent().getOrDefault(stage, 0.0))
                        .sorted().toArray();
                out.put(stage, v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2);
            }
            return out;
        }

        /**
         * The scoring thread's most sampled executing methods over all repetitions, each with its share
         * of the thread's samples (0..1), largest first; empty without a stage split.
         */
        Map<String, Double> topMethodShares() {
            final Map<String, Long> sum = new LinkedHashMap<>();
            long total = 0;
            for (Throughput t : reps) {
                if (t.stages() != null) {
                    t.stages().topMethods().forEach((m, n) -> sum.merge(m, n, Long::sum));
                    total += t.stages().samples().values().stream().mapToLong(Long::longValue).sum();
                }
            }
            final Map<String, Double> out = new LinkedHashMap<>();
            if (total == 0) {
                return out;
            }
            for (Map.Entry<String, Long> e : StageProfiler.top(sum, StageProfiler.TOP_METHODS).entrySet()) {
                out.put(e.getKey(), (double) e.getValue() / total);
            }
            return out;
        }

        /**
         * Per thread category ({@link Threads#microsPerEventByCategory()}), the median over the
         * repetitions that have a thread split of its CPU-µs per event; empty if none has.
         */
        Map<String, Double> medianThreadCategories() {
            final List<Threads> with = reps.stream().map(Throughput::threads).filter(x -> x != null).toList();
            final Map<String, Double> out = new LinkedHashMap<>();
            if (with.isEmpty()) {
                return out;
            }
            for (String category : with.get(0).microsPerEventByCategory().keySet()) {
                final double[] v = with.stream().mapToDouble(x -> x.microsPerEventByCategory()
                        .getOrDefault(category, 0.0)).sorted().toArray();
                out.put(category, v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2);
            }
            return out;
        }

        /** The scoring thread's allocation over all repetitions that have it, merged; null if none has. */
        Allocation allocation() {
            final List<Allocation> with = reps.stream().map(Throughput::allocation).filter(x -> x != null).toList();
            return with.isEmpty() ? null : Allocation.merge(with, AllocationSites.PRINTED);
        }

        /** The batch sizes of the median repetition (by throughput), or null. */
        BatchSizes.Summary medianBatches() {
            final List<Throughput> sorted = new ArrayList<>(reps);
            sorted.sort((a, b) -> Double.compare(a.recordsPerSecond(), b.recordsPerSecond()));
            return sorted.isEmpty() ? null : sorted.get(sorted.size() / 2).batches();
        }
    }

    /**
     * End-to-end latency at one fixed load.
     *
     * @param model reference model label
     * @param config the scoring configuration
     * @param loadPercent the load, in percent of the best micro-batched throughput; 0 for an absolute
     *     rate ({@code --latency-rates}, or the latency matrix's 1,000 events/s)
     * @param targetRate records/s the producer was asked for
     * @param achievedRate the phase's scores per second, over the time from the phase's start to the
     *     arrival of its last score: below the target when the pipeline could not keep up
     * @param count scores measured
     * @param produced events produced in this phase
     * @param p50 latency percentiles in milliseconds (event timestamp to arrival at a read_committed consumer)
     * @param batches the batch sizes seen during the phase (approximate at the phase edges)
     */
    record Latency(String model, LatencyConfig config, int loadPercent, double targetRate, double achievedRate,
                   long count, long produced, double p50, double p95, double p99, double p999, double max,
                   BatchSizes.Summary batches) {
    }

    /**
     * One side of the sink mode, one repetition: {@code rows} scores written into a fresh table.
     *
     * @param rows rows written (and counted in the table afterwards)
     * @param seconds the window: the ceiling's first decode to its last commit; the connector's
     *     creation (REST call) to the commit time of its last row ({@code track_commit_timestamp})
     * @param rowsPerSecond rows / seconds
     * @param firstRowSeconds from the start of the window to the first committed row (the
     *     connector's start-up: REST call, task start, consumer group, first fetch)
     * @param transactions distinct transactions that wrote the rows ({@code xmin}s)
     * @param decodeSeconds time spent decoding the Avro values (ceiling only; NaN for the connector)
     * @param jvmCpuSecondsPerMillion CPU seconds of this JVM (broker, Connect worker, harness) per million rows
     * @param writerCpuSecondsPerMillion CPU seconds of the writing threads (the sink's task threads, or
     *     the ceiling's one thread) per million rows
     * @param writerAllocatedBytesPerRow bytes the writing threads allocated per row
     * @param postgresCpuSecondsPerMillion CPU seconds of the PostgreSQL processes per million rows
     * @param otherProcessesCpuShare CPU of every other process on the machine, as a share of all cores
     */
    record SinkSide(long rows, double seconds, double rowsPerSecond, double firstRowSeconds, long transactions,
                    double decodeSeconds, double jvmCpuSecondsPerMillion, double writerCpuSecondsPerMillion,
                    double writerAllocatedBytesPerRow, double postgresCpuSecondsPerMillion,
                    double otherProcessesCpuShare) {
    }

    /**
     * The sink mode: both sides, every repetition (index {@code i} of both lists ran back to back).
     *
     * @param rows rows per side and repetition
     * @param partitions partitions of the scores topic
     * @param tasks {@code tasks.max} of the connector
     * @param batchSize {@code batch.size} of the connector and rows per batch of the ceiling
     * @param connectorConfig the connector's settings (the password masked)
     * @param workerOverrides worker properties given beyond the test kit's defaults
     * @param ceiling the plain JDBC runs
     * @param connector the connector runs
     */
    record Sink(long rows, int partitions, int tasks, int batchSize, Map<String, String> connectorConfig,
                Map<String, String> workerOverrides, List<SinkSide> ceiling, List<SinkSide> connector) {

        Sink {
            // Kept in the order given: the JSON lists the settings as the harness wrote them.
            connectorConfig = Collections.unmodifiableMap(new LinkedHashMap<>(connectorConfig));
            workerOverrides = Collections.unmodifiableMap(new LinkedHashMap<>(workerOverrides));
            ceiling = List.copyOf(ceiling);
            connector = List.copyOf(connector);
        }

        /** The median of {@code metric} over the repetitions of one side. */
        static double median(List<SinkSide> side, ToDoubleFunction<SinkSide> metric) {
            final double[] v = side.stream().mapToDouble(metric).sorted().toArray();
            if (v.length == 0) {
                return Double.NaN;
            }
            return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
        }

        /** Connector rows/s over ceiling rows/s, medians. */
        double ratio() {
            return median(connector, SinkSide::rowsPerSecond) / median(ceiling, SinkSide::rowsPerSecond);
        }
    }

    /**
     * The store of the aggregates after one repetition of the features mode.
     *
     * @param keys entries in the store: one per account seen
     * @param liveBytes key and value bytes of those entries
     * @param diskBytes bytes of the store's RocksDB directories once Kafka Streams has closed (as
     *     RocksDB left them: not compacted, so older versions of a key may still take space)
     * @param sstBytes of which in SST files
     * @param changelogBytes bytes of the store's changelog topic on the broker: every update written,
     *     before the log cleaner compacts it
     */
    record StoreFootprint(long keys, long liveBytes, long diskBytes, long sstBytes, long changelogBytes) {
    }

    /**
     * The features mode: both sides, every repetition (index {@code i} of the lists ran back to back).
     *
     * @param events events each side scored per repetition
     * @param keys accounts the events are spread over (the pool; {@link StoreFootprint#keys()} says how
     *     many were seen)
     * @param days days of event time the events span
     * @param partitions partitions of the features topic
     * @param aggregates the aggregates of the side with aggregates, in text form
     * @param plain the side without aggregates
     * @param withAggregates the side with them
     * @param stores the store after each repetition of the side with aggregates
     */
    record Features(long events, int keys, double days, int partitions, List<String> aggregates,
                    List<Throughput> plain, List<Throughput> withAggregates, List<StoreFootprint> stores) {

        Features {
            aggregates = List.copyOf(aggregates);
            plain = List.copyOf(plain);
            withAggregates = List.copyOf(withAggregates);
            stores = List.copyOf(stores);
        }

        /** The median of {@code metric} over a list of repetitions. */
        static <T> double median(List<T> reps, ToDoubleFunction<T> metric) {
            final double[] v = reps.stream().mapToDouble(metric).sorted().toArray();
            if (v.length == 0) {
                return Double.NaN;
            }
            return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
        }

        /** Records/s with aggregates over records/s without, medians. */
        double ratio() {
            return median(withAggregates, Throughput::recordsPerSecond) / median(plain, Throughput::recordsPerSecond);
        }

        /** The same ratio within each repetition, in run order. */
        double[] pairedRatios() {
            final double[] r = new double[Math.min(plain.size(), withAggregates.size())];
            for (int i = 0; i < r.length; i++) {
                r[i] = withAggregates.get(i).recordsPerSecond() / plain.get(i).recordsPerSecond();
            }
            return r;
        }
    }

    /** The {@code q} quantile (0..1) of sorted values, nearest rank; NaN when empty. */
    static double quantile(long[] sorted, double q) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        final int rank = (int) Math.ceil(q * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    /** Sorted copy of the first {@code n} values. */
    static long[] sorted(long[] values, int n) {
        final long[] copy = Arrays.copyOf(values, n);
        Arrays.sort(copy);
        return copy;
    }
}
