package io.scorestream.bench;

import io.scorestream.topology.processor.ScoringObserver;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts the size of every batch the scoring processors flush: the batch-size distribution a mode
 * actually produced. Thread-safe and cheap: one array increment per batch, nothing per record.
 */
final class BatchSizes implements ScoringObserver {

    private final AtomicLongArray counts;
    private final LongAdder records = new LongAdder();
    private final LongAdder inferenceNanos = new LongAdder();

    /** @param maxSize the largest batch expected; larger ones are counted as {@code maxSize} */
    BatchSizes(int maxSize) {
        this.counts = new AtomicLongArray(maxSize + 1);
    }

    @Override
    public void onBatch(String model, String version, int size, long nanos) {
        counts.incrementAndGet(Math.min(size, counts.length() - 1));
        records.add(size);
        inferenceNanos.add(nanos);
    }

    /** Nanoseconds the scoring processors spent in ONNX Runtime calls so far (as they measured them). */
    long inferenceNanos() {
        return inferenceNanos.sum();
    }

    /** An immutable copy of what was counted so far. */
    Summary summary() {
        return Summary.of(snapshot());
    }

    /** Batches counted so far, per size. */
    long[] snapshot() {
        final long[] c = new long[counts.length()];
        for (int i = 0; i < c.length; i++) {
            c[i] = counts.get(i);
        }
        return c;
    }

    /** What was counted between two snapshots. */
    static Summary between(long[] before, long[] after) {
        final long[] d = new long[after.length];
        for (int i = 0; i < d.length; i++) {
            d[i] = after[i] - before[i];
        }
        return Summary.of(d);
    }

    /**
     * The distribution of batch sizes.
     *
     * @param batches number of batches
     * @param records number of records in them
     * @param meanPerBatch mean batch size
     * @param p10 10th percentile of batch sizes, weighted by records (the batch size a record sees)
     * @param p50 median, weighted by records
     * @param p90 90th percentile, weighted by records
     * @param max the largest batch
     * @param buckets records per power-of-two bucket of batch size ({@code "1"}, {@code "2-3"}, ...)
     */
    record Summary(long batches, long records, double meanPerBatch, int p10, int p50, int p90, int max,
                   Map<String, Long> buckets) {

        static Summary of(long[] counts) {
            long batches = 0;
            long records = 0;
            int max = 0;
            for (int s = 1; s < counts.length; s++) {
                batches += counts[s];
                records += s * counts[s];
                if (counts[s] > 0) {
                    max = s;
                }
            }
            final Map<String, Long> buckets = new LinkedHashMap<>();
            for (int lo = 1; lo < counts.length; lo *= 2) {
                final int hi = Math.min(counts.length - 1, lo * 2 - 1);
                long n = 0;
                for (int s = lo; s <= hi; s++) {
                    n += s * counts[s];
                }
                if (n > 0) {
                    buckets.put(lo == hi ? Integer.toString(lo) : lo + "-" + hi, n);
                }
            }
            return new Summary(batches, records, batches == 0 ? 0 : (double) records / batches,
                    weighted(counts, records, 0.10), weighted(counts, records, 0.50), weighted(counts, records, 0.90),
                    max, buckets);
        }

        private static int weighted(long[] counts, long records, double q) {
            if (records == 0) {
                return 0;
            }
            final double target = q * records;
            long seen = 0;
            for (int s = 1; s < counts.length; s++) {
                seen += s * counts[s];
                if (seen >= target) {
                    return s;
                }
            }
            return counts.length - 1;
        }

        /** e.g. {@code mean 612; p10/50/90 256/1024/1024}. */
        String describe() {
            if (batches == 0) {
                return "–";
            }
            return String.format(Locale.ROOT, "mean %.0f; p10/50/90 %d/%d/%d", meanPerBatch, p10, p50, p90);
        }
    }
}
