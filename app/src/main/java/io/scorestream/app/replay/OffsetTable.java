package io.scorestream.app.replay;

/**
 * One byte (and optionally one double) per offset of a {@link ReplayRange}, addressed by partition
 * and offset. Storage is chunked: a chunk of {@value #CHUNK} slots is allocated when the first of
 * its slots is written, so memory follows the records actually seen (about 9 bytes a record with
 * doubles, 1 without) and a replay of a sparse range costs little. Unwritten slots read as 0.
 *
 * <p>Not thread-safe: the owner synchronizes.
 */
final class OffsetTable {

    private static final int CHUNK_BITS = 12;
    static final int CHUNK = 1 << CHUNK_BITS;
    private static final int MASK = CHUNK - 1;

    private final long[] start;
    private final long[] length;
    private final byte[][][] bytes;
    private final double[][][] doubles;

    OffsetTable(ReplayRange range, boolean withDoubles) {
        final int n = range.partitionCount();
        this.start = new long[n];
        this.length = new long[n];
        this.bytes = new byte[n][][];
        this.doubles = withDoubles ? new double[n][][] : null;
        for (int p = 0; p < n; p++) {
            final ReplayRange.Partition part = range.partition(p);
            start[p] = part.start();
            length[p] = part.offsets();
            final long chunks = (length[p] + CHUNK - 1) >>> CHUNK_BITS;
            if (chunks > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("partition " + p + " has too many offsets: " + length[p]);
            }
            bytes[p] = new byte[(int) chunks][];
            if (withDoubles) {
                doubles[p] = new double[(int) chunks][];
            }
        }
    }

    int partitions() {
        return start.length;
    }

    /** Offsets of partition {@code p} in the range; slot {@code i} is offset {@code start + i}. */
    long length(int p) {
        return length[p];
    }

    /** Whether the chunk holding slot {@code i} of partition {@code p} was ever written (else all its slots are 0). */
    boolean chunkAllocated(int p, long i) {
        return bytes[p][(int) (i >>> CHUNK_BITS)] != null;
    }

    /** Slot index of {@code offset} in partition {@code p}, or -1 outside the range. */
    long slot(int p, long offset) {
        if (p < 0 || p >= start.length) {
            return -1;
        }
        final long i = offset - start[p];
        return i >= 0 && i < length[p] ? i : -1;
    }

    byte getByte(int p, long i) {
        final byte[] chunk = bytes[p][(int) (i >>> CHUNK_BITS)];
        return chunk == null ? 0 : chunk[(int) (i & MASK)];
    }

    void setByte(int p, long i, byte value) {
        final int c = (int) (i >>> CHUNK_BITS);
        byte[] chunk = bytes[p][c];
        if (chunk == null) {
            chunk = new byte[CHUNK];
            bytes[p][c] = chunk;
        }
        chunk[(int) (i & MASK)] = value;
    }

    double getDouble(int p, long i) {
        final double[] chunk = doubles[p][(int) (i >>> CHUNK_BITS)];
        return chunk == null ? 0.0 : chunk[(int) (i & MASK)];
    }

    void setDouble(int p, long i, double value) {
        final int c = (int) (i >>> CHUNK_BITS);
        double[] chunk = doubles[p][c];
        if (chunk == null) {
            chunk = new double[CHUNK];
            doubles[p][c] = chunk;
        }
        chunk[(int) (i & MASK)] = value;
    }
}
