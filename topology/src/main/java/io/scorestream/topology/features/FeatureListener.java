package io.scorestream.topology.features;

import io.scorestream.inference.features.AggregateDefinition;
/**
 * Told what {@link FeatureEngine} does besides computing values, for metrics. Called on the engine's
 * thread, in the middle of {@link FeatureEngine#compute}: keep it cheap and do not throw.
 */
public interface FeatureListener {

    /** Ignores everything. */
    FeatureListener NONE = aggregate -> {
    };

    /**
     * An event was too old to be added to {@code aggregate}'s state (see {@link FeatureEngine}); it
     * was scored with the state as it was. Called once per aggregate of the event's list that would
     * otherwise have been updated.
     */
    void onLate(AggregateDefinition aggregate);
}
