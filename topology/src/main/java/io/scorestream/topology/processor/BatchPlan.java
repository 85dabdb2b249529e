package io.scorestream.topology.processor;

import io.scorestream.inference.ScoringModel;

/**
 * The model versions one batch is scored with ("lanes"), and which of them scores each record.
 * Taken when a batch opens and closed when it has been forwarded, so every version stays open for
 * the whole batch even if what is live changes meanwhile.
 *
 * <p>Live scoring has one lane (the stable version) or two (stable and a candidate: a canary scores
 * some keys instead of stable, a shadow scores every record beside it). A replay may have more (one
 * per version of the model topic's history, or one per version being compared).
 *
 * <p>Not thread-safe: used by the one stream thread of its task.
 */
public interface BatchPlan extends AutoCloseable {

    /** Most lanes a plan may have (the routing is a bit mask). */
    int MAX_LANES = 31;

    /** Number of lanes, 1 to {@link #MAX_LANES}. */
    int lanes();

    /** The model of lane {@code lane}; open until {@link #close()}. */
    ScoringModel model(int lane);

    /** Role written into the scores of lane {@code lane}: {@code stable}, {@code canary}, {@code shadow}. */
    String role(int lane);

    /**
     * Whether lane {@code lane} is a shadow: its scores go to the shadow topic, and a record it
     * cannot score is only counted (the record was scored by the lane it shadows), never dead-lettered.
     */
    boolean isShadow(int lane);

    /** The lane whose scores lane {@code lane}'s are compared with (score difference, decision agreement); -1 for none. */
    int comparedWith(int lane);

    /**
     * The lanes that score a record, as a bit mask (bit {@code i} = lane {@code i}). Must be the same
     * for the same key and timestamp for the life of the plan. 0: no lane can score it; the record is
     * dead-lettered with {@link #unroutedReason}.
     */
    int route(byte[] key, long timestamp);

    /** Reason tag and explanation for a record {@link #route} gave no lane; e.g. no version live at its time. */
    default String[] unroutedReason(long timestamp) {
        return new String[] {"no_model", "no model version can score this record"};
    }

    /** Releases the versions. Idempotent. */
    @Override
    void close();
}
