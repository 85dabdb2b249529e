package io.scorestream.app.demo;

import io.scorestream.topology.features.FeatureStore;
import java.util.Arrays;
import java.util.TreeMap;

/**
 * A {@link FeatureStore} in a sorted map, for computing aggregates outside a stream task (the
 * demo's training history). Copies nothing: the engine neither keeps nor changes the arrays it
 * passes or gets. Not thread-safe, like the engine that uses it.
 */
final class MemoryFeatureStore implements FeatureStore {

    private final TreeMap<byte[], byte[]> entries = new TreeMap<>(Arrays::compare);

    @Override
    public byte[] get(byte[] key) {
        return entries.get(key);
    }

    @Override
    public void put(byte[] key, byte[] value) {
        entries.put(key, value);
    }

    @Override
    public void delete(byte[] key) {
        entries.remove(key);
    }

    /** Keys stored now. */
    int size() {
        return entries.size();
    }
}
