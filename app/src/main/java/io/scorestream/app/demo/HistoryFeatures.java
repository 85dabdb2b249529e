package io.scorestream.app.demo;

import io.scorestream.inference.features.AggregateDefinition;
import io.scorestream.inference.training.SyntheticTransactions;
import io.scorestream.schemas.Transaction;
import io.scorestream.topology.features.FeatureEngine;
import io.scorestream.topology.features.FeatureListener;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;

/**
 * The feature rows of a history of transactions for training a model with aggregates: the 30 event
 * fields, then the aggregates, computed by the scoring topology's own {@link FeatureEngine} (over an
 * in-memory store instead of the task's state store), so training sees the values live scoring and
 * a replay will compute for the same events in the same order. Nullable aggregates without a value
 * take their column's default, as the scoring topology gives them.
 *
 * <p>Feed the events in the order the topology will see them: per account, in event time (the
 * demo's record key is the account, so each account is on one partition, in production order).
 * Not thread-safe; owns its store.
 */
final class HistoryFeatures {

    private final List<AggregateDefinition> aggregates;
    private final Double[] defaults;
    private final FeatureEngine engine;
    private final Object[] values;

    /** An empty history: every aggregate starts with no state. */
    HistoryFeatures(List<AggregateDefinition> aggregates, List<Double> defaults) {
        this.aggregates = List.copyOf(aggregates);
        if (defaults.size() != aggregates.size()) {
            throw new IllegalArgumentException(defaults.size() + " defaults for " + aggregates.size() + " aggregates");
        }
        this.defaults = defaults.toArray(new Double[0]);
        this.engine = new FeatureEngine(new MemoryFeatureStore(), FeatureListener.NONE, true);
        this.values = new Object[aggregates.size()];
    }

    private long streamTimeMs = Long.MIN_VALUE;

    /** Width of the rows: the 30 event fields and the aggregates. */
    int width() {
        return SyntheticTransactions.FEATURE_COUNT + aggregates.size();
    }

    /**
     * Adds {@code t}, whose record timestamp is {@code timestampMs} and whose record key is its
     * account, and returns its row.
     *
     * @throws IllegalStateException if an aggregate has no value and its column no default
     */
    double[] next(Transaction t, long timestampMs) {
        Objects.requireNonNull(t, "transaction");
        final double[] row = new double[width()];
        SyntheticTransactions.features(t, row, 0);
        // The stream time, as a stream task would have it: the largest timestamp so far.
        streamTimeMs = Math.max(streamTimeMs, timestampMs);
        engine.compute(aggregates, t.getAccountId().getBytes(StandardCharsets.UTF_8), t, timestampMs, streamTimeMs,
                values);
        for (int i = 0; i < values.length; i++) {
            final Object v = values[i];
            if (v instanceof Number n) {
                row[SyntheticTransactions.FEATURE_COUNT + i] = n.doubleValue();
            } else if (defaults[i] != null) {
                row[SyntheticTransactions.FEATURE_COUNT + i] = defaults[i];
            } else {
                throw new IllegalStateException("aggregate '" + aggregates.get(i).name() + "' has no value for "
                        + t.getTransactionId() + " and no default");
            }
        }
        return row;
    }
}
