package io.scorestream.app.replay;

import io.scorestream.inference.registry.KeyBuckets;
import io.scorestream.schemas.ModelSpec;
import io.scorestream.schemas.Rollout;
import io.scorestream.schemas.RolloutRole;
import io.scorestream.app.models.ModelTopicHistory;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What was live for one model name over time, reconstructed from the model topic's history: one
 * {@link Period} per record of the name, from that record's timestamp until the next record's.
 * The arrangement live at time {@code t} is the one of the newest record with a timestamp at or
 * before {@code t}; records with equal timestamps apply in the history's order (partition, offset),
 * so the last of them wins. Before the first record nothing was live.
 *
 * <p>A tombstone starts a period with nothing live. A spec with a CANARY rollout starts a period
 * where the candidate scores the keys {@link KeyBuckets} puts below its percentage (as the live
 * pipeline routes them); a SHADOW candidate never produced the output, so its period is the stable
 * version's alone, and so is a canary of 0 %.
 *
 * <p>Immutable and thread-safe; {@link #at} is a binary search, cheap enough per record.
 */
final class AsOfTimeline {

    /**
     * One arrangement and when it started.
     *
     * @param from the record timestamp (epoch ms) the period starts at
     * @param stable the version's own spec (no rollout); null for a tombstone (nothing live)
     * @param canary the canary candidate's spec, or null
     * @param canaryBuckets how many of {@link KeyBuckets#BUCKETS} buckets the canary takes; 0 without one
     * @param source the history record that started it
     */
    record Period(long from, ModelSpec stable, ModelSpec canary, int canaryBuckets, ModelTopicHistory.Entry source) {

        /** Whether a record with this key is scored by the canary: bucket below the canary's share, as live. */
        boolean routesToCanary(byte[] key) {
            if (canaryBuckets == 0) {
                return false;
            }
            final int bucket = KeyBuckets.bucket(key);
            return bucket >= 0 && bucket < canaryBuckets;
        }
    }

    private final String name;
    private final List<Period> periods;
    private final long[] starts;

    private AsOfTimeline(String name, List<Period> periods) {
        this.name = name;
        this.periods = List.copyOf(periods);
        this.starts = new long[periods.size()];
        for (int i = 0; i < starts.length; i++) {
            starts[i] = periods.get(i).from();
        }
    }

    /**
     * The timeline of {@code name} from its records in time order (as
     * {@link ModelTopicHistory#timeline(String)} gives them).
     *
     * @throws IllegalArgumentException for a record of another name, records out of time order, or a
     *     canary percentage outside [0, 100]
     */
    static AsOfTimeline of(String name, List<ModelTopicHistory.Entry> timeline) {
        Objects.requireNonNull(name, "name");
        final List<Period> periods = new ArrayList<>(timeline.size());
        long previous = Long.MIN_VALUE;
        for (ModelTopicHistory.Entry e : timeline) {
            if (!e.name().equals(name)) {
                throw new IllegalArgumentException("a record of model '" + e.name() + "' in the timeline of '" + name
                        + "'");
            }
            if (e.timestamp() < previous) {
                throw new IllegalArgumentException("the timeline of '" + name + "' is not in time order at partition "
                        + e.partition() + " offset " + e.offset());
            }
            previous = e.timestamp();
            final ModelSpec spec = e.specOrNull();
            if (spec == null) {
                periods.add(new Period(e.timestamp(), null, null, 0, e));
                continue;
            }
            final Rollout rollout = spec.getRollout();
            ModelSpec canary = null;
            int buckets = 0;
            if (rollout != null && rollout.getRole() == RolloutRole.CANARY && rollout.getCandidate() != null) {
                buckets = KeyBuckets.threshold(rollout.getCanaryPercent());
                if (buckets > 0) {
                    canary = withoutRollout(rollout.getCandidate());
                }
            }
            periods.add(new Period(e.timestamp(), withoutRollout(spec), canary, buckets, e));
        }
        return new AsOfTimeline(name, periods);
    }

    private static ModelSpec withoutRollout(ModelSpec spec) {
        return spec.getRollout() == null ? spec : ModelSpec.newBuilder(spec).setRollout(null).build();
    }

    String name() {
        return name;
    }

    /** Every period, in time order. */
    List<Period> periods() {
        return periods;
    }

    /** Index of the period live at {@code timestampMs}, or -1 before the first record. */
    int indexAt(long timestampMs) {
        // The last start <= t: the first start > t, minus one.
        int lo = 0;
        int hi = starts.length;
        while (lo < hi) {
            final int mid = (lo + hi) >>> 1;
            if (starts[mid] <= timestampMs) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo - 1;
    }

    /** The period live at {@code timestampMs}, or null before the first record. */
    Period at(long timestampMs) {
        final int i = indexAt(timestampMs);
        return i < 0 ? null : periods.get(i);
    }

    /**
     * Indexes of the periods live at some time of {@code [from, to)}; either bound may be null (open).
     */
    List<Integer> overlapping(Instant from, Instant to) {
        final List<Integer> out = new ArrayList<>();
        for (int i = 0; i < periods.size(); i++) {
            final long start = starts[i];
            final long end = i + 1 < starts.length ? starts[i + 1] : Long.MAX_VALUE;
            final boolean afterFrom = from == null || end > from.toEpochMilli();
            final boolean beforeTo = to == null || start < to.toEpochMilli();
            if (afterFrom && beforeTo && end > start) {
                out.add(i);
            }
        }
        return out;
    }

    /** Why nothing was live at {@code timestampMs} (for the dead letter of an event of that time). */
    String whyNothingLive(long timestampMs, String modelTopic) {
        final int i = indexAt(timestampMs);
        if (i < 0) {
            return "no version of model '" + name + "' was live at " + Instant.ofEpochMilli(timestampMs)
                    + ": its first record on '" + modelTopic + "' is from "
                    + (periods.isEmpty() ? "never" : Instant.ofEpochMilli(starts[0]).toString());
        }
        return "no version of model '" + name + "' was live at " + Instant.ofEpochMilli(timestampMs)
                + ": a tombstone on '" + modelTopic + "' retired it at " + Instant.ofEpochMilli(starts[i]);
    }
}
