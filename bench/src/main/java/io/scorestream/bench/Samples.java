package io.scorestream.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
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
     */
    record Throughput(long records, double seconds, double recordsPerSecond, double cpuSecondsPerMillion,
                      double threadCpuSecondsPerMillion, double allocatedBytesPerRecord, long peakHeapBytes,
                      long peakRssBytes, double otherProcessesCpuShare, BatchSizes.Summary batches) {
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
     * @param loadPercent the load, in percent of the best micro-batched throughput
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
