package io.scorestream.connectors.avro;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * A map of at most {@code capacity} entries that drops the least recently used one when full.
 * Thread-safe (one lock); keys are compared with {@code equals}.
 */
final class LruCache<K, V> {

    private final Map<K, V> map;

    LruCache(final int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1, got " + capacity);
        }
        this.map = new LinkedHashMap<>(16, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(final Map.Entry<K, V> eldest) {
                return size() > capacity;
            }
        };
    }

    /**
     * Returns the value of {@code key}, computing and keeping it first if absent. {@code compute}
     * runs outside the lock, so two threads may compute the same value; the first one kept wins.
     */
    V get(final K key, final Function<K, V> compute) {
        synchronized (map) {
            final V cached = map.get(key);
            if (cached != null) {
                return cached;
            }
        }
        final V computed = compute.apply(key);
        synchronized (map) {
            final V raced = map.putIfAbsent(key, computed);
            return raced != null ? raced : computed;
        }
    }

    int size() {
        synchronized (map) {
            return map.size();
        }
    }
}
