package io.scorestream.inference.registry;

/**
 * Sticky assignment of record keys to canary buckets: the same key bytes give the same bucket in
 * every process, on every machine and in every version of scorestream, so an account is scored by
 * one version for as long as a canary's percentage does not change, whichever instance owns its
 * partition, and a replay routes it as the live pipeline did.
 *
 * <p>The bucket is {@code fmix64(FNV-1a-64(key)) mod 10 000} (unsigned): FNV-1a over the key
 * bytes, then MurmurHash3's 64-bit finaliser so that keys differing only in their last byte spread
 * over all buckets. A canary of {@code p} percent routes the keys whose bucket is below
 * {@code p * 100}; raising {@code p} keeps every key already routed to the candidate there.
 */
public final class KeyBuckets {

    /** Number of buckets: a canary percentage has a resolution of 0.01. */
    public static final int BUCKETS = 10_000;

    private static final long FNV_OFFSET = 0xcbf29ce484222325L;
    private static final long FNV_PRIME = 0x100000001b3L;

    private KeyBuckets() {
    }

    /**
     * The bucket of {@code key}, in {@code [0, 10 000)}; -1 for a null key (records without a key
     * always go to the stable version).
     */
    public static int bucket(byte[] key) {
        if (key == null) {
            return -1;
        }
        long h = FNV_OFFSET;
        for (byte b : key) {
            h ^= b & 0xff;
            h *= FNV_PRIME;
        }
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return (int) Long.remainderUnsigned(h, BUCKETS);
    }

    /** The number of buckets a canary of {@code percent} (0 to 100) takes: those below it go to the candidate. */
    public static int threshold(double percent) {
        if (!(percent >= 0 && percent <= 100)) {
            throw new IllegalArgumentException("a canary percentage must be within [0, 100], got " + percent);
        }
        return (int) Math.round(percent * (BUCKETS / 100.0));
    }
}
