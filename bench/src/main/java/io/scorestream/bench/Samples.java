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
     */
    record Throughput(long records, double seconds, double recordsPerSecond, double cpuSecondsPerMillion,
                      double threadCpuSecondsPerMillion, double allocatedBytesPerRecord, long peakHeapBytes,
                      long peakRssBytes, double otherProcessesCpuShare, BatchSizes.Summary batches,
                      Stages stages) {

        /** A repetition without a stage split. */
        Throughput(long records, double seconds, double recordsPerSecond, double cpuSecondsPerMillion,
                   double threadCpuSecondsPerMillion, double allocatedBytesPerRecord, long peakHeapBytes,
                   long peakRssBytes, double otherProcessesCpuShare, BatchSizes.Summary batches) {
            this(records, seconds, recordsPerSecond, cpuSecondsPerMillion, threadCpuSecondsPerMillion,
                    allocatedBytesPerRecord, peakHeapBytes, peakRssBytes, otherProcessesCpuShare, batches, null);
        }

        /** Process CPU microseconds per event (= CPU seconds per million). */
        double cpuMicrosPerEvent() {
            return cpuSecondsPerMillion;
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
