package io.scorestream.topology.features;

import io.scorestream.inference.features.AggregateDefinition;
import io.scorestream.inference.features.AggregateDefinition.Function;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;

/**
 * Computes windowed per-group aggregates of an event stream, one event at a time in arrival order,
 * keeping their state in a {@link FeatureStore}. One engine per stream task; not thread-safe. It
 * does not own the store (whoever made it closes it).
 *
 * <h2>Windows and buckets</h2>
 * An event at event time t falls in bucket b(t) = floorDiv(t, bucket). The window read for it is the
 * window/bucket buckets (b(t) − window/bucket, b(t)]: the events from the start of bucket
 * b(t) − window/bucket + 1 to the end of t's own bucket. So the window covers between window − bucket
 * and window of event time before t, plus any event later than t in t's own bucket: the error is at
 * most one bucket at each edge. Buckets newer than b(t) are never read, so an out-of-order event does
 * not see the events of later buckets.
 *
 * <h2>State</h2>
 * Per aggregate and group key: M, the newest event time added; the field's value on that event
 * (last; on equal times, the later arrival's); and the buckets that received an event, each with
 * what the function needs: a count (count), a sum (sum), count + mean + M2 by Welford's update (mean,
 * stddev; buckets combined in ascending order by Chan et al.'s formula), a min or max, or the sorted
 * set of 64-bit hashes of the values (count_distinct, unioned across buckets when read; see
 * {@link ValueHasher} for the collision odds). An event updates an aggregate when it passes the
 * filter and its field is non-null and finite (count needs no field; booleans are 1 and 0).
 *
 * <h2>Retention and late events</h2>
 * Let R = ceil((window + grace) / bucket). After each update the buckets with index ≤ b(M) − R are
 * dropped. An event with b(t) ≤ b(M) − R is late: it is not added, it is scored with the state as it
 * is (whose buckets within its window are all gone by then, so count, count_distinct and sum read 0
 * and mean, min, max and stddev null), and {@link FeatureListener#onLate} is called for each
 * aggregate it would have updated. An older event that is not late is added to its own bucket; M
 * stays the newest time. Note the bound is window + grace of age, not grace alone.
 *
 * <h2>Values</h2>
 * include_current true: the window after adding the event; false: before. Empty window: count and
 * count_distinct 0, sum 0.0, mean, min, max and stddev null; stddev is the population one (0.0 for
 * one value). last and since_last describe the group's newest event added before this one (M and its
 * value before the update), whatever include_current says: since_last = (t − M) / 1000 seconds, 0
 * for an event older than M; last = the field's value on it (boolean 1 or 0); both null when there is
 * none, or when t − M ≥ window.
 *
 * <h2>Groups and store</h2>
 * The group key is the record key's bytes (group_by null) or the UTF-8 of the group_by field's
 * value as text (string, enum symbol, decimal int or long, true/false). With
 * {@code fieldGroupsMustMatchKey}, that text must be the record key's bytes (see
 * {@link AggregateException#NOT_PARTITIONED}). The aggregates of one group_by are stored under one
 * key and read and written once per event, in the layout of {@link StateCodec}; aggregates sharing a
 * {@link AggregateDefinition#stateId()} share one state. States in the value that the current list
 * does not have are kept byte for byte, unless their newest event is more than their own window +
 * grace older than the event, when they are dropped.
 *
 * <h2>Determinism</h2>
 * The same sequence of calls gives the same values and stored bytes: buckets are combined in index
 * order, states stored in state-id order, and no hash-map order reaches a value or a byte.
 *
 * <p>Event times are assumed to lie well within ±2^62 ms.
 */
public final class FeatureEngine {

    /** The first byte of every key the engine writes. */
    public static final byte GROUP_STATE_KIND = StateCodec.GROUP_STATE_KIND;

    /** Plans kept before the cache is emptied (schemas and lists come and go with model versions). */
    private static final int MAX_PLANS = 256;

    private final FeatureStore store;
    private final FeatureListener listener;
    private final boolean fieldGroupsMustMatchKey;
    private final ValueHasher hasher = new ValueHasher();
    private final AggregateState.LongScratch scratch = new AggregateState.LongScratch();

    private final Map<Schema, Map<List<AggregateDefinition>, FeaturePlan>> plans = new IdentityHashMap<>();
    private int planCount;
    private Schema lastSchema;
    private List<AggregateDefinition> lastAggregates;
    private FeaturePlan lastPlan;

    /**
     * @param store where the state is; the engine is its only writer for the keys it writes
     * @param listener told of late events
     * @param fieldGroupsMustMatchKey whether a group_by field's value must equal the record key, so
     *     that all the events of a group are on one partition (true when the input is partitioned by
     *     the record key, as it is unless the caller repartitions)
     */
    public FeatureEngine(FeatureStore store, FeatureListener listener, boolean fieldGroupsMustMatchKey) {
        this.store = Objects.requireNonNull(store, "store");
        this.listener = Objects.requireNonNull(listener, "listener");
        this.fieldGroupsMustMatchKey = fieldGroupsMustMatchKey;
    }

    /**
     * Updates the aggregates with one event and writes their values, {@code out[i]} for
     * {@code aggregates.get(i)}: a Long for {@link AggregateDefinition#integral()} ones, a Double or
     * null for the others. Call in the order the events arrive.
     *
     * <p>The list is treated as immutable once passed (its plan is cached by identity, then by value,
     * per event schema). When this throws, the store is as it was before the call.
     *
     * @param recordKey the record key's bytes; null only when no aggregate groups by it
     * @param event the event; its schema is resolved once and cached by identity
     * @param out at least {@code aggregates.size()} long; other positions are left alone
     * @throws AggregateException for an event whose aggregates cannot be computed
     */
    public void compute(List<AggregateDefinition> aggregates, byte[] recordKey, GenericRecord event,
                        long eventTimeMs, Object[] out) {
        compute(aggregates, recordKey, event, eventTimeMs, Long.MIN_VALUE, out);
    }

    /**
     * As {@link #compute(List, byte[], GenericRecord, long, Object[])}, with the stream task's
     * stream time (the largest event time it has seen, this event included; Kafka Streams keeps it
     * across restarts): an event whose bucket is older than an aggregate's window + grace behind it
     * is late whatever its key's state, is not added, and reads that aggregate's window as empty (0
     * for count, count_distinct and sum, null otherwise). With it, the values never depend on
     * whether a sweep ({@link #expired}) has deleted a key yet.
     *
     * @param streamTimeMs the task's stream time; Long.MIN_VALUE for none (only the key's own
     *     newest event decides lateness)
     */
    public void compute(List<AggregateDefinition> aggregates, byte[] recordKey, GenericRecord event,
                        long eventTimeMs, long streamTimeMs, Object[] out) {
        if (aggregates.isEmpty()) {
            return;
        }
        if (out.length < aggregates.size()) {
            throw new IllegalArgumentException("out has " + out.length + " places for " + aggregates.size()
                    + " aggregates");
        }
        final FeaturePlan plan = plan(aggregates, event.getSchema());
        final AggregateException failure = plan.failure();
        if (failure != null) {
            throw failure;
        }
        final FeaturePlan.Group[] groups = plan.groups;
        // first everything that can fail, so a failing event leaves the store as it was
        for (FeaturePlan.Group g : groups) {
            g.key(recordKey, event, fieldGroupsMustMatchKey);
        }
        for (FeaturePlan.Group g : groups) {
            for (FeaturePlan.Slot s : g.slots) {
                s.extract(event, hasher);
            }
        }
        for (FeaturePlan.Group g : groups) {
            g.load(store.get(g.storeKey));
            for (FeaturePlan.Slot s : g.slots) {
                apply(s, g, eventTimeMs, streamTimeMs, out);
            }
            g.dropExpiredKept(eventTimeMs);
            g.encode();
        }
        for (FeaturePlan.Group g : groups) {
            if (!g.dirty) {
                continue;
            }
            if (g.newValue != null) {
                store.put(g.storeKey, g.newValue);
            } else if (g.oldValue != null) {
                store.delete(g.storeKey);
            }
        }
    }

    private void apply(FeaturePlan.Slot s, FeaturePlan.Group g, long t, long streamTimeMs, Object[] out) {
        final AggregateState st = s.state;
        final long bt = st.bucketOf(t);
        if (st.isLateForStream(bt, streamTimeMs)) {
            // Older than what the task keeps: not added, and its window reads as empty, so nothing
            // depends on whether a sweep has deleted the key's state yet.
            if (s.adds) {
                for (AggregateDefinition d : s.definitions) {
                    listener.onLate(d);
                }
            }
            final Object empty = st.emptyValue();
            for (int o : s.outputs) {
                out[o] = empty;
            }
            return;
        }
        final boolean hadPrevious = st.present;
        final long previousNewest = st.newest;
        final double previousLast = st.last;
        final boolean late = s.adds && st.isLate(bt);
        if (late) {
            for (AggregateDefinition d : s.definitions) {
                listener.onLate(d);
            }
        }
        final boolean add = s.adds && !late;
        if (st.function == Function.LAST || st.function == Function.SINCE_LAST) {
            if (add) {
                st.add(t, bt, s.x, s.hash);
                g.dirty = true;
            }
            Object value = null;
            if (hadPrevious && !StateCodec.atLeastOlder(previousNewest, t, st.windowMs)) {
                value = st.function == Function.LAST ? previousLast
                        : previousNewest >= t ? 0.0 : (t - previousNewest) / 1000.0;
            }
            for (int o : s.outputs) {
                out[o] = value;
            }
            return;
        }
        final Object before = s.needsBefore ? st.read(bt, scratch) : null;
        if (add) {
            st.add(t, bt, s.x, s.hash);
            g.dirty = true;
        }
        Object after = null;
        if (s.needsAfter) {
            // unchanged state: the value before is the value after
            after = add || !s.needsBefore ? st.read(bt, scratch) : before;
        }
        for (int k = 0; k < s.outputs.length; k++) {
            out[s.outputs[k]] = s.includeCurrent[k] ? after : before;
        }
    }

    private FeaturePlan plan(List<AggregateDefinition> aggregates, Schema schema) {
        if (schema == lastSchema && aggregates == lastAggregates) {
            return lastPlan;
        }
        Map<List<AggregateDefinition>, FeaturePlan> bySchema = plans.get(schema);
        FeaturePlan plan = bySchema == null ? null : bySchema.get(aggregates);
        if (plan == null) {
            if (planCount >= MAX_PLANS) {
                plans.clear();
                planCount = 0;
                bySchema = null;
            }
            if (bySchema == null) {
                bySchema = new HashMap<>();
                plans.put(schema, bySchema);
            }
            plan = FeaturePlan.build(aggregates, schema);
            bySchema.put(List.copyOf(aggregates), plan);
            planCount++;
        }
        lastSchema = schema;
        lastAggregates = aggregates;
        lastPlan = plan;
        return plan;
    }

    /**
     * Whether a stored group value has expired at stream time {@code streamTimeMs}: every aggregate
     * state in it has its newest event more than its window + grace before it (true when it holds
     * none), plus the same again and three buckets: no event that is not late by stream time
     * ({@link #compute(List, byte[], GenericRecord, long, long, Object[])}) could read anything of
     * it, so a sweep may delete the key without changing any value.
     */
    public static boolean expired(byte[] storedValue, long streamTimeMs) {
        return StateCodec.expired(storedValue, streamTimeMs);
    }

    /** The newest event time of any aggregate state in a stored group value; Long.MIN_VALUE if none. */
    public static long newestEventTime(byte[] storedValue) {
        return StateCodec.newestEventTime(storedValue);
    }

    /** Whether a store key is one the engine writes (group state), for a sweep over a shared store. */
    public static boolean isGroupStateKey(byte[] storeKey) {
        return storeKey != null && storeKey.length > 0 && storeKey[0] == GROUP_STATE_KIND;
    }
}
