package io.scorestream.inference.registry;

import io.scorestream.schemas.RolloutRole;

/**
 * The versions one batch scores with: the stable version and, during a rollout, the candidate, as
 * they were live together when the lease was taken. Both stay open until {@link #close()}, even if
 * a promotion or rollback is published meanwhile; the next batch sees the new arrangement.
 *
 * <p>Threading: meant for the thread that acquired it; {@link #close()} is idempotent.
 */
public final class RolloutLease implements AutoCloseable {

    private final ModelLease stable;
    private final ModelLease candidate;
    private final RolloutRole role;
    private final double canaryPercent;
    private final int canaryBuckets;

    RolloutLease(ModelLease stable, ModelLease candidate, RolloutRole role, double canaryPercent) {
        this.stable = stable;
        this.candidate = candidate;
        this.role = candidate == null ? null : role;
        this.canaryPercent = this.role == RolloutRole.CANARY ? canaryPercent : 0;
        this.canaryBuckets = this.role == RolloutRole.CANARY ? KeyBuckets.threshold(this.canaryPercent) : 0;
    }

    /** The stable version's lease. */
    public ModelLease stable() {
        return stable;
    }

    /** The candidate's lease, or null when no rollout is in progress. */
    public ModelLease candidate() {
        return candidate;
    }

    /** CANARY or SHADOW; null without a candidate. */
    public RolloutRole role() {
        return role;
    }

    /** Share of keys the canary scores, 0 to 100; 0 unless the role is CANARY. */
    public double canaryPercent() {
        return canaryPercent;
    }

    /**
     * Whether a record with this key is scored by the canary instead of the stable version: only in
     * CANARY role, by {@link KeyBuckets#bucket}, so the answer for a key is the same everywhere.
     */
    public boolean routesToCanary(byte[] key) {
        if (canaryBuckets == 0) {
            return false;
        }
        final int bucket = KeyBuckets.bucket(key);
        return bucket >= 0 && bucket < canaryBuckets;
    }

    /** Releases both versions. Idempotent. */
    @Override
    public void close() {
        try {
            if (candidate != null) {
                candidate.close();
            }
        } finally {
            stable.close();
        }
    }

    @Override
    public String toString() {
        return "RolloutLease{" + stable + (candidate == null ? "" : ", " + role + " " + candidate) + "}";
    }
}
