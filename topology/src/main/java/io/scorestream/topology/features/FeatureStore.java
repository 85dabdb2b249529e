package io.scorestream.topology.features;

/**
 * Where {@link FeatureEngine} keeps the state of its aggregates: byte keys to byte values. The
 * scoring processor adapts its changelogged key-value store of the task to it; tests use a map.
 * Called only from the engine's thread. The engine never keeps or changes an array it passed or was
 * given.
 */
public interface FeatureStore {

    /** The value stored under {@code key}, or null when there is none. */
    byte[] get(byte[] key);

    /** Stores {@code value} (never null) under {@code key}, replacing any value. */
    void put(byte[] key, byte[] value);

    /** Removes the value under {@code key}, if any. */
    void delete(byte[] key);
}
