package io.scorestream.topology.features;

import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

/** A {@link FeatureStore} in a sorted map (so its contents compare and print in a fixed order), counting calls. */
final class MapFeatureStore implements FeatureStore {

    final TreeMap<byte[], byte[]> map = new TreeMap<>(Arrays::compare);
    int gets;
    int puts;
    int deletes;

    @Override
    public byte[] get(byte[] key) {
        gets++;
        final byte[] v = map.get(key);
        return v == null ? null : v.clone();
    }

    @Override
    public void put(byte[] key, byte[] value) {
        puts++;
        map.put(key.clone(), value.clone());
    }

    @Override
    public void delete(byte[] key) {
        deletes++;
        map.remove(key);
    }

    /** A deep copy of the contents, for comparing before and after. */
    TreeMap<byte[], byte[]> snapshot() {
        final TreeMap<byte[], byte[]> copy = new TreeMap<>(Arrays::compare);
        for (Map.Entry<byte[], byte[]> e : map.entrySet()) {
            copy.put(e.getKey().clone(), e.getValue().clone());
        }
        return copy;
    }

    /** Whether two snapshots hold the same keys and bytes. */
    static boolean sameContents(TreeMap<byte[], byte[]> a, TreeMap<byte[], byte[]> b) {
        if (a.size() != b.size()) {
            return false;
        }
        final var ia = a.entrySet().iterator();
        final var ib = b.entrySet().iterator();
        while (ia.hasNext()) {
            final Map.Entry<byte[], byte[]> ea = ia.next();
            final Map.Entry<byte[], byte[]> eb = ib.next();
            if (!Arrays.equals(ea.getKey(), eb.getKey()) || !Arrays.equals(ea.getValue(), eb.getValue())) {
                return false;
            }
        }
        return true;
    }

    void resetCounts() {
        gets = 0;
        puts = 0;
        deletes = 0;
    }
}
