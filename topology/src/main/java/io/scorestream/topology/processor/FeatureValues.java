package io.scorestream.topology.processor;

import java.util.Arrays;

/**
 * The aggregate values computed for one buffered record, each under the id of the aggregate
 * definition it belongs to ({@link LaneFeatures#valueId}). Computing an aggregate for a record
 * updates its state, so it happens once per record and definition: the values are kept with the
 * record (also in the buffer store, so a record restored after a restart is scored with the
 * values computed when it arrived) and every lane that declares the same aggregate reads them here.
 * Not thread-safe; small (a handful of aggregates per model).
 *
 * <p>{@link #EMPTY} is one shared instance with no values that refuses any: records scored by a
 * plan whose lanes declare no aggregates carry it, so such a record costs no arrays of its own.
 */
final class FeatureValues {

    /**
     * No values, and none can be added ({@link #put} and {@link #ensureCapacity} throw): shared by
     * every record whose plan computes no aggregate. Immutable, so safe to share across threads.
     */
    static final FeatureValues EMPTY = new FeatureValues(new long[0], new Object[0]);

    private long[] ids;
    private Object[] values;
    private int size;

    FeatureValues() {
        this(4);
    }

    FeatureValues(int capacity) {
        this.ids = new long[Math.max(1, capacity)];
        this.values = new Object[Math.max(1, capacity)];
    }

    private FeatureValues(long[] ids, Object[] values) {
        this.ids = ids;
        this.values = values;
    }

    private void requireWritable() {
        if (this == EMPTY) {
            throw new IllegalStateException("the shared empty FeatureValues cannot hold aggregate values: a record "
                    + "whose lanes compute aggregates needs its own instance");
        }
    }

    /** Position of {@code id}, or -1. */
    int find(long id) {
        for (int i = 0; i < size; i++) {
            if (ids[i] == id) {
                return i;
            }
        }
        return -1;
    }

    /** Adds (or replaces) the value of {@code id}: a Long, a Double or null. */
    void put(long id, Object value) {
        requireWritable();
        final int at = find(id);
        if (at >= 0) {
            values[at] = value;
            return;
        }
        if (size == ids.length) {
            ids = Arrays.copyOf(ids, size * 2);
            values = Arrays.copyOf(values, size * 2);
        }
        ids[size] = id;
        values[size++] = value;
    }

    int size() {
        return size;
    }

    /** Makes room for {@code capacity} values at least, so adding them does not grow the arrays one by one. */
    void ensureCapacity(int capacity) {
        requireWritable();
        if (capacity > ids.length) {
            ids = Arrays.copyOf(ids, capacity);
            values = Arrays.copyOf(values, capacity);
        }
    }

    long id(int i) {
        return ids[i];
    }

    Object value(int i) {
        return values[i];
    }
}
