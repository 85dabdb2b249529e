package io.scorestream.topology.features;

import io.scorestream.inference.features.AggregateDefinition;
import io.scorestream.inference.features.AggregateDefinition.Function;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The state of one aggregate for one group key, decoded: the newest event time added, the field's
 * value on it (last), and the sparse buckets that received an event, in ascending index order, as
 * parallel arrays reused from event to event. Per bucket: count (count; n of mean and stddev), a
 * (sum; mean; min; max), b (M2 of mean and stddev) or a sorted run of value hashes (count_distinct,
 * all buckets' runs in one array, in bucket order).
 *
 * <p>Encoded form, see {@link StateCodec} for the types: {@code length:uvar stateId:i64 function:u8
 * bucketMs:uvar retainedMs:uvar newest:svar [last:f64, last only] buckets:uvar bucket*}, with
 * {@code bucket = ago:uvar payload}, {@code ago = index(newest) - index}, buckets in ascending index,
 * retainedMs = window + grace, and the payload {@code count:uvar} (count), {@code sum:f64} (sum),
 * {@code n:uvar mean:f64 m2:f64} (mean, stddev), {@code value:f64} (min, max), {@code n:uvar hash:i64*n}
 * ascending (count_distinct); last and since_last keep no buckets (a count of 0). The length counts
 * the bytes after itself.
 *
 * <p>Not thread-safe: owned by one engine.
 */
final class AggregateState {

    final long stateId;
    final Function function;
    final long bucketMs;
    final long windowMs;
    /** window + grace: what is kept, and what the stored state says besides its bucket. */
    final long retainedMs;
    private final long windowBuckets;
    private final long retainedBuckets;

    boolean present;
    long newest;
    double last;

    private int n;
    private long[] index = new long[8];
    private long[] count = new long[8];
    private double[] a = new double[8];
    private double[] b = new double[8];
    private int[] runStart = new int[8];
    private int[] runLength = new int[8];
    private long[] hashes = new long[16];
    private int hashCount;

    AggregateState(AggregateDefinition d) {
        this.stateId = d.stateId();
        this.function = d.function();
        this.bucketMs = d.bucketMs();
        this.windowMs = d.windowMs();
        this.retainedMs = d.windowMs() + d.graceMs();
        this.windowBuckets = d.windowBuckets();
        this.retainedBuckets = d.retainedBuckets();
    }

    void clear() {
        present = false;
        newest = 0;
        last = 0;
        n = 0;
        hashCount = 0;
    }

    long bucketOf(long t) {
        return Math.floorDiv(t, bucketMs);
    }

    /** Whether an event of bucket {@code bt} is too old to be added: its bucket is no longer kept. */
    boolean isLate(long bt) {
        return present && bt <= bucketOf(newest) - retainedBuckets;
    }

    /**
     * Whether an event of bucket {@code bt} is older than what is kept behind the task's stream time
     * {@code streamTimeMs} (Long.MIN_VALUE: none known): such an event's window is read as empty.
     */
    boolean isLateForStream(long bt, long streamTimeMs) {
        return streamTimeMs != Long.MIN_VALUE && bt <= bucketOf(streamTimeMs) - retainedBuckets;
    }

    /** The value of an empty window: 0 for count, count_distinct and sum, null otherwise. */
    Object emptyValue() {
        return switch (function) {
            case COUNT, COUNT_DISTINCT -> 0L;
            case SUM -> 0.0;
            default -> null;
        };
    }

    /**
     * Adds an event at {@code t} (bucket {@code bt}, not late) with the field's value {@code x} or,
     * for count_distinct, its hash; then drops the buckets that fell out of window + grace.
     */
    void add(long t, long bt, double x, long hash) {
        if (!present || t >= newest) {
            // ties go to the later arrival, so "last" is the value of the event seen last among the newest
            last = x;
            newest = t;
        }
        present = true;
        switch (function) {
            case LAST, SINCE_LAST -> {
                return;
            }
            default -> {
            }
        }
        int i = search(bt);
        final boolean fresh = i < 0;
        if (fresh) {
            i = -i - 1;
            insertBucket(i, bt);
        }
        switch (function) {
            case COUNT -> count[i]++;
            case SUM -> a[i] += x;
            case MEAN, STDDEV -> {
                // Welford's update within the bucket
                count[i]++;
                final double delta = x - a[i];
                a[i] += delta / count[i];
                b[i] += delta * (x - a[i]);
            }
            case MIN -> a[i] = fresh ? x : Math.min(a[i], x);
            case MAX -> a[i] = fresh ? x : Math.max(a[i], x);
            case COUNT_DISTINCT -> insertHash(i, hash);
            default -> throw new IllegalStateException(function.name());
        }
        dropBefore(bucketOf(newest) - retainedBuckets);
    }

    /**
     * The value over the window read for an event of bucket {@code bt}: the buckets (bt - window/bucket,
     * bt], combined in ascending order. Long for count and count_distinct, Double or null otherwise.
     * Not for last and since_last.
     */
    Object read(long bt, LongScratch scratch) {
        int i = firstAbove(bt - windowBuckets);
        switch (function) {
            case COUNT -> {
                long c = 0;
                for (; i < n && index[i] <= bt; i++) {
                    c += count[i];
                }
                return c;
            }
            case SUM -> {
                double s = 0.0;
                for (; i < n && index[i] <= bt; i++) {
                    s += a[i];
                }
                return s;
            }
            case MEAN, STDDEV -> {
                // Chan et al.'s pairwise combination of (n, mean, M2), bucket after bucket
                long cn = 0;
                double mean = 0.0;
                double m2 = 0.0;
                for (; i < n && index[i] <= bt; i++) {
                    final long bn = count[i];
                    if (cn == 0) {
                        cn = bn;
                        mean = a[i];
                        m2 = b[i];
                        continue;
                    }
                    final long total = cn + bn;
                    final double delta = a[i] - mean;
                    mean += delta * bn / total;
                    m2 += b[i] + delta * delta * ((double) cn * bn / total);
                    cn = total;
                }
                if (cn == 0) {
                    return null;
                }
                return function == Function.MEAN ? mean : Math.sqrt(Math.max(0.0, m2 / cn));
            }
            case MIN, MAX -> {
                boolean any = false;
                double v = 0.0;
                for (; i < n && index[i] <= bt; i++) {
                    v = !any ? a[i] : function == Function.MIN ? Math.min(v, a[i]) : Math.max(v, a[i]);
                    any = true;
                }
                return any ? v : null;
            }
            case COUNT_DISTINCT -> {
                final int first = i;
                int end = i;
                int total = 0;
                while (end < n && index[end] <= bt) {
                    total += runLength[end];
                    end++;
                }
                if (end - first <= 1) {
                    return (long) total;
                }
                // union of the buckets' sorted runs: gather, sort, count the distinct
                final long[] all = scratch.ensure(total);
                System.arraycopy(hashes, runStart[first], all, 0, total);
                Arrays.sort(all, 0, total);
                long distinct = total == 0 ? 0 : 1;
                for (int k = 1; k < total; k++) {
                    if (all[k] != all[k - 1]) {
                        distinct++;
                    }
                }
                return distinct;
            }
            default -> throw new IllegalStateException(function + " is not read from buckets");
        }
    }

    private int search(long bt) {
        return Arrays.binarySearch(index, 0, n, bt);
    }

    /** The first bucket position whose index is above {@code lo}. */
    private int firstAbove(long lo) {
        int low = 0;
        int high = n;
        while (low < high) {
            final int mid = (low + high) >>> 1;
            if (index[mid] <= lo) {
                low = mid + 1;
            } else {
                high = mid;
            }
        }
        return low;
    }

    private void insertBucket(int at, long bt) {
        ensureBuckets(n + 1);
        final int tail = n - at;
        System.arraycopy(index, at, index, at + 1, tail);
        System.arraycopy(count, at, count, at + 1, tail);
        System.arraycopy(a, at, a, at + 1, tail);
        System.arraycopy(b, at, b, at + 1, tail);
        System.arraycopy(runStart, at, runStart, at + 1, tail);
        System.arraycopy(runLength, at, runLength, at + 1, tail);
        index[at] = bt;
        count[at] = 0;
        a[at] = 0.0;
        b[at] = 0.0;
        runStart[at] = at < n ? runStart[at + 1] : hashCount;
        runLength[at] = 0;
        n++;
    }

    private void insertHash(int bucket, long hash) {
        final int start = runStart[bucket];
        final int found = Arrays.binarySearch(hashes, start, start + runLength[bucket], hash);
        if (found >= 0) {
            return;
        }
        final int at = -found - 1;
        ensureHashes(hashCount + 1);
        System.arraycopy(hashes, at, hashes, at + 1, hashCount - at);
        hashes[at] = hash;
        hashCount++;
        runLength[bucket]++;
        for (int k = bucket + 1; k < n; k++) {
            runStart[k]++;
        }
    }

    /** Drops the buckets whose index is at most {@code maxDropped}. */
    private void dropBefore(long maxDropped) {
        final int keepFrom = firstAbove(maxDropped);
        if (keepFrom == 0) {
            return;
        }
        final int rest = n - keepFrom;
        System.arraycopy(index, keepFrom, index, 0, rest);
        System.arraycopy(count, keepFrom, count, 0, rest);
        System.arraycopy(a, keepFrom, a, 0, rest);
        System.arraycopy(b, keepFrom, b, 0, rest);
        System.arraycopy(runLength, keepFrom, runLength, 0, rest);
        final int firstHash = keepFrom < n ? runStart[keepFrom] : hashCount;
        System.arraycopy(hashes, firstHash, hashes, 0, hashCount - firstHash);
        hashCount -= firstHash;
        System.arraycopy(runStart, keepFrom, runStart, 0, rest);
        for (int k = 0; k < rest; k++) {
            runStart[k] -= firstHash;
        }
        n = rest;
    }

    private void ensureBuckets(int size) {
        if (size <= index.length) {
            return;
        }
        final int grown = Math.max(size, index.length * 2);
        index = Arrays.copyOf(index, grown);
        count = Arrays.copyOf(count, grown);
        a = Arrays.copyOf(a, grown);
        b = Arrays.copyOf(b, grown);
        runStart = Arrays.copyOf(runStart, grown);
        runLength = Arrays.copyOf(runLength, grown);
    }

    private void ensureHashes(int size) {
        if (size > hashes.length) {
            hashes = Arrays.copyOf(hashes, Math.max(size, hashes.length * 2));
        }
    }

    /** Bytes {@link #encode} writes, length prefix included. */
    int encodedSize() {
        final int body = bodySize();
        return StateCodec.varLongSize(body) + body;
    }

    /** Bytes after the length prefix. */
    private int bodySize() {
        int size = 8 + 1 + StateCodec.varLongSize(bucketMs) + StateCodec.varLongSize(retainedMs)
                + StateCodec.varLongSize(StateCodec.zigzag(newest)) + (function == Function.LAST ? 8 : 0)
                + StateCodec.varLongSize(n);
        final long newestBucket = bucketOf(newest);
        for (int i = 0; i < n; i++) {
            size += StateCodec.varLongSize(newestBucket - index[i]);
            size += switch (function) {
                case COUNT -> StateCodec.varLongSize(count[i]);
                case SUM, MIN, MAX -> 8;
                case MEAN, STDDEV -> StateCodec.varLongSize(count[i]) + 16;
                case COUNT_DISTINCT -> StateCodec.varLongSize(runLength[i]) + 8 * runLength[i];
                default -> throw new IllegalStateException(function.name());
            };
        }
        return size;
    }

    void encode(ByteBuffer out) {
        StateCodec.putVarLong(out, bodySize());
        out.putLong(stateId).put(function.code());
        StateCodec.putVarLong(out, bucketMs);
        StateCodec.putVarLong(out, retainedMs);
        StateCodec.putVarLong(out, StateCodec.zigzag(newest));
        if (function == Function.LAST) {
            out.putDouble(last);
        }
        StateCodec.putVarLong(out, n);
        final long newestBucket = bucketOf(newest);
        for (int i = 0; i < n; i++) {
            StateCodec.putVarLong(out, newestBucket - index[i]);
            switch (function) {
                case COUNT -> StateCodec.putVarLong(out, count[i]);
                case SUM, MIN, MAX -> out.putDouble(a[i]);
                case MEAN, STDDEV -> {
                    StateCodec.putVarLong(out, count[i]);
                    out.putDouble(a[i]).putDouble(b[i]);
                }
                case COUNT_DISTINCT -> {
                    StateCodec.putVarLong(out, runLength[i]);
                    for (int k = runStart[i]; k < runStart[i] + runLength[i]; k++) {
                        out.putLong(hashes[k]);
                    }
                }
                default -> throw new IllegalStateException(function.name());
            }
        }
    }

    /**
     * Reads the state whose header {@code h} was just read from {@code in} (positioned after it), which
     * must be this aggregate's: the same state id, function, bucket and window + grace.
     */
    void decode(StateCodec.Header h, ByteBuffer in) {
        // compared as the stored code: Function.ofCode copies values() on every call, once per state and event
        if (h.stateId != stateId || h.function != function.code() || h.bucketMs != bucketMs
                || h.retainedMs != retainedMs) {
            throw new IllegalStateException("stored aggregate state " + Long.toHexString(h.stateId)
                    + " does not match its definition (" + Function.ofCode(h.function) + ", bucket " + h.bucketMs
                    + ", window + grace " + h.retainedMs + ")");
        }
        clear();
        present = true;
        newest = h.newest;
        if (function == Function.LAST) {
            last = in.getDouble();
        }
        // every bucket takes at least 2 bytes: a bound that keeps a corrupt count from allocating much
        final int buckets = StateCodec.getVarInt(in, (h.end - in.position()) / 2, "bucket count");
        ensureBuckets(buckets);
        final long newestBucket = bucketOf(newest);
        for (int i = 0; i < buckets; i++) {
            index[i] = newestBucket - StateCodec.getVarInt(in, Integer.MAX_VALUE, "bucket age");
            count[i] = 0;
            a[i] = 0.0;
            b[i] = 0.0;
            runStart[i] = hashCount;
            runLength[i] = 0;
            switch (function) {
                case COUNT -> count[i] = StateCodec.getVarLong(in);
                case SUM, MIN, MAX -> a[i] = in.getDouble();
                case MEAN, STDDEV -> {
                    count[i] = StateCodec.getVarLong(in);
                    a[i] = in.getDouble();
                    b[i] = in.getDouble();
                }
                case COUNT_DISTINCT -> {
                    final int run = StateCodec.getVarInt(in, (h.end - in.position()) / 8, "hash count");
                    ensureHashes(hashCount + run);
                    for (int k = 0; k < run; k++) {
                        hashes[hashCount++] = in.getLong();
                    }
                    runLength[i] = run;
                }
                default -> throw new IllegalStateException("stored " + function + " state has buckets");
            }
        }
        n = buckets;
    }

    /** A growable scratch array of longs, reused across reads. */
    static final class LongScratch {
        private long[] values = new long[64];

        long[] ensure(int size) {
            if (size > values.length) {
                values = new long[Math.max(size, values.length * 2)];
            }
            return values;
        }
    }
}
