package io.scorestream.topology.features;

import io.scorestream.inference.features.AggregateDefinition;
import static io.scorestream.topology.features.FeatureFixture.tx;
import static io.scorestream.topology.features.FeatureFixture.utf8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scorestream.topology.features.FeatureFixture.Run;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import org.apache.avro.util.Utf8;
import org.junit.jupiter.api.Test;

/** How state is shared, stored, kept and expired. */
class FeatureEngineStateTest {

    private static final String SUM = "s=sum(amount) by account_id over 10s bucket 1s";
    private static final String COUNT_1H = "c=count() by account_id over 1h bucket 1m";

    /** The states of a stored group value by state id, each as its bytes (length prefix included). */
    private static TreeMap<Long, byte[]> states(byte[] value) {
        final TreeMap<Long, byte[]> states = new TreeMap<>();
        final ByteBuffer in = ByteBuffer.wrap(value);
        assertEquals(2, in.get(), "version");
        while (in.hasRemaining()) {
            final int at = in.position();
            // the length: an unsigned LEB128 varint, 7 bits a byte, least significant first
            int length = 0;
            int shift = 0;
            byte b;
            do {
                b = in.get();
                length |= (b & 0x7F) << shift;
                shift += 7;
            } while (b < 0);
            final long id = in.getLong();
            final byte[] state = new byte[in.position() - 8 - at + length];
            in.position(at);
            in.get(state);
            states.put(id, state);
        }
        return states;
    }

    private static byte[] groupKey(String groupBy, String key) {
        final byte[] g = utf8(groupBy);
        final byte[] k = utf8(key);
        return ByteBuffer.allocate(2 + g.length + k.length).put((byte) 1).put(g).put((byte) 0).put(k).array();
    }

    @Test
    void aggregatesDifferingOnlyInNameAndIncludeCurrentShareOneState() {
        final Run both = new Run("a=sum(amount) by account_id over 10s bucket 1s",
                "b=sum(amount) by account_id over 10s bucket 1s excluding current");
        final Run one = new Run("a=sum(amount) by account_id over 10s bucket 1s");

        assertArrayEquals(new Object[] {2.0, 0.0}, both.at(0, tx("A", 2)));
        assertArrayEquals(new Object[] {5.0, 2.0}, both.at(1_000, tx("A", 3)));
        one.at(0, tx("A", 2));
        one.at(1_000, tx("A", 3));

        // one state, the very bytes a list with only one of them stores
        assertEquals(1, states(both.store.map.firstEntry().getValue()).size());
        assertTrue(MapFeatureStore.sameContents(one.store.map, both.store.map));
    }

    @Test
    void eachGroupIsReadAndWrittenOncePerEvent() {
        final Run run = new Run(SUM, "m=max(amount) by account_id over 10s bucket 1s",
                "d=count_distinct(merchant) by account_id over 10s bucket 1s",
                "k=count() by key over 10s bucket 1s", "k2=sum(amount) by key over 1m");

        run.at(0, tx("A", 1));

        assertEquals(2, run.store.gets);
        assertEquals(2, run.store.puts);
        assertEquals(2, run.store.map.size());
    }

    @Test
    void anEventThatUpdatesNothingWritesNothing() {
        final Run run = new Run("on=count() by account_id over 10s bucket 1s where is_online = true",
                "k=sum(amount) by key over 10s bucket 1s where is_online = true");
        run.at(0, tx("A", 1).online(true));
        run.store.resetCounts();

        run.at(1, tx("A", 1).online(false));

        assertEquals(2, run.store.gets);
        assertEquals(0, run.store.puts);
    }

    @Test
    void storeKeysAreKindGroupNameSeparatorAndGroupKey() {
        final Run run = new Run(SUM, "k=count() by key over 10s bucket 1s", "i=count() by items over 10s bucket 1s",
                "o=count() by is_online over 10s bucket 1s", "ch=count() by channel over 10s bucket 1s",
                "q=count() by qty over 10s bucket 1s");

        run.at(0, utf8("rk"), tx("A", 1).items(-42).online(true).channel("POS").set("qty", 7));

        assertNotNull(run.store.map.get(groupKey("account_id", "A")));
        assertNotNull(run.store.map.get(new byte[] {1, 0, 'r', 'k'}));
        assertNotNull(run.store.map.get(groupKey("items", "-42")));
        assertNotNull(run.store.map.get(groupKey("is_online", "true")));
        assertNotNull(run.store.map.get(groupKey("channel", "POS")));
        assertNotNull(run.store.map.get(groupKey("qty", "7")));
        assertEquals(6, run.store.map.size());
        for (byte[] key : run.store.map.keySet()) {
            assertTrue(FeatureEngine.isGroupStateKey(key));
        }
    }

    /** Concatenates Integers (one byte each), Longs (i64) and Doubles (f64), big-endian. */
    private static byte[] bytes(Object... parts) {
        final ByteBuffer out = ByteBuffer.allocate(8 * parts.length);
        for (Object p : parts) {
            if (p instanceof Integer b) {
                out.put((byte) (int) b);
            } else if (p instanceof Long l) {
                out.putLong(l);
            } else {
                out.putDouble((Double) p);
            }
        }
        return java.util.Arrays.copyOf(out.array(), out.position());
    }

    @Test
    void theValueIsVersionThenCompactSelfDescribingStates() {
        final Run run = new Run("k=count() by key over 10s bucket 1s");

        run.at(1_500, utf8("rk"), tx("A", 1));

        final AggregateDefinition d = run.aggregates.get(0);
        // Varints: 7 bits a byte, least significant group first, 0x80 on every byte but the last.
        //   bucket 1000 = 7 * 128 + 104: 0xE8 (104 | 0x80), 0x07
        //   window + grace 10000 + 0 = 78 * 128 + 16: 0x90, 0x4E
        //   newest 1500, zigzag 2 * 1500 = 3000 = 23 * 128 + 56: 0xB8, 0x17
        // length 18 = id 8 + function 1 + 2 + 2 + 2 + bucket count 1 + ago 1 + count 1
        // (the version-1 layout took 58 bytes for it: 4 + 45 of header, 2 of count, 2 + 8 of bucket)
        final byte[] expected = bytes(2, 18, d.stateId(), 1, 0xE8, 0x07, 0x90, 0x4E, 0xB8, 0x17,
                1, 0, 1);
        assertEquals(20, expected.length);
        assertArrayEquals(expected, run.store.map.get(new byte[] {1, 0, 'r', 'k'}));
    }

    @Test
    void eachFunctionStoresItsPayloadCompactly() {
        final Run run = new Run("n=count() by account_id over 10s bucket 1s grace 2s",
                "s=sum(amount) by account_id over 10s bucket 1s", "m=mean(amount) by account_id over 10s bucket 1s",
                "d=count_distinct(merchant) by account_id over 10s bucket 1s",
                "l=last(amount) by account_id over 10s bucket 1s", "g=since_last() by account_id over 10s bucket 1s");
        final long[] id = run.aggregates.stream().mapToLong(AggregateDefinition::stateId).toArray();
        // buckets -1 (t = -500) and 1 (t = 1000 and 1200); the newest is 1200, in bucket 1, so the
        // buckets are 2 and 0 buckets before the newest's
        run.at(-500, tx("A", 2).merchant("m1"));
        run.at(1_000, tx("A", 3).merchant("m2"));
        run.at(1_200, tx("A", 4).merchant("m1"));
        final ValueHasher hasher = new ValueHasher();
        final long h1 = hasher.hash("m1", FieldKind.STRING);
        final long h2 = hasher.hash("m2", FieldKind.STRING);

        final TreeMap<Long, byte[]> states = states(run.store.map.get(groupKey("account_id", "A")));

        // common header after the id and function: bucket 1000 (0xE8 0x07), window + grace (10000:
        // 0x90 0x4E; with grace 2 s 12000 = 93 * 128 + 96: 0xE0 0x5D), newest 1200 zigzag 2400 =
        // 18 * 128 + 96 (0xE0 0x12), then the bucket count: 8 + 1 + 2 + 2 + 2 + 1 = 16 bytes
        // count: + 2 x (ago 1 + count 1) = 20
        assertArrayEquals(bytes(20, id[0], 1, 0xE8, 0x07, 0xE0, 0x5D, 0xE0, 0x12, 2, 2, 1, 0, 2), states.get(id[0]));
        // sum: + 2 x (ago 1 + f64 8) = 34
        assertArrayEquals(bytes(34, id[1], 2, 0xE8, 0x07, 0x90, 0x4E, 0xE0, 0x12, 2, 2, 2.0, 0, 7.0),
                states.get(id[1]));
        // mean: + 2 x (ago 1 + n 1 + mean 8 + M2 8) = 52; bucket 1: n 2, mean 3.5, M2 0.5^2 + 0.5^2
        assertArrayEquals(bytes(52, id[2], 3, 0xE8, 0x07, 0x90, 0x4E, 0xE0, 0x12, 2, 2, 1, 2.0, 0.0, 0, 2, 3.5,
                0.5), states.get(id[2]));
        // count_distinct: + (ago 1 + run 1 + 8) + (ago 1 + run 1 + 16) = 44; a run's hashes ascending
        assertArrayEquals(bytes(44, id[3], 7, 0xE8, 0x07, 0x90, 0x4E, 0xE0, 0x12, 2, 2, 1, h1, 0, 2,
                Math.min(h1, h2), Math.max(h1, h2)), states.get(id[3]));
        // last: the value before the bucket count, and no bucket: 15 + 8 + 1 = 24
        assertArrayEquals(bytes(24, id[4], 8, 0xE8, 0x07, 0x90, 0x4E, 0xE0, 0x12, 4.0, 0), states.get(id[4]));
        // since_last: 16
        assertArrayEquals(bytes(16, id[5], 9, 0xE8, 0x07, 0x90, 0x4E, 0xE0, 0x12, 0), states.get(id[5]));
        // version + (1 + 20) + (1 + 34) + (1 + 52) + (1 + 44) + (1 + 24) + (1 + 16); 443 in version 1
        assertEquals(197, run.store.map.get(groupKey("account_id", "A")).length);
    }

    @Test
    void aNegativeNewestTimeIsZigzagEncoded() {
        final Run run = new Run("n=count() by account_id over 10s bucket 1s grace 2s");

        run.at(-1_500, tx("B", 1));

        // zigzag(-1500) = 2 * 1500 - 1 = 2999 = 23 * 128 + 55: 0xB7 0x17; bucket -2, 0 before the newest's
        final byte[] value = run.store.map.get(groupKey("account_id", "B"));
        assertArrayEquals(bytes(2, 18, run.aggregates.get(0).stateId(), 1, 0xE8, 0x07, 0xE0, 0x5D, 0xB7, 0x17,
                1, 0, 1), value);
        assertEquals(-1_500, FeatureEngine.newestEventTime(value));
        assertArrayEquals(new Object[] {2L}, run.at(-1_000, tx("B", 1)));
    }

    @Test
    void aStateLongerThan127BytesHasATwoByteLengthAndIsKeptAndReadBack() {
        final MapFeatureStore store = new MapFeatureStore();
        final String distinct = "d=count_distinct(merchant) by account_id over 10s bucket 1s";
        final Run v1 = new Run(store, false, distinct);
        for (int i = 0; i < 20; i++) {
            v1.at(i, tx("A", 1).merchant("m" + i));
        }
        final long id = v1.aggregates.get(0).stateId();
        final byte[] state = states(store.map.get(groupKey("account_id", "A"))).get(id);
        // 8 + 1 + bucket 2 + retained 2 + newest 19 (zigzag 38) 1 + count 1 + ago 1 + run 20 1 + 20 x 8
        // = 177 = 1 * 128 + 49: 0xB1 0x01
        assertEquals(179, state.length);
        assertEquals((byte) 0xB1, state[0]);
        assertEquals(0x01, state[1]);

        // kept byte for byte by a version without it, and read back by one with it
        final Run v2 = new Run(store, false, COUNT_1H);
        v2.at(100, tx("A", 1));
        assertArrayEquals(state, states(store.map.get(groupKey("account_id", "A"))).get(id));
        assertArrayEquals(new Object[] {20L}, v1.at(200, tx("A", 1).merchant("m3")));
        assertArrayEquals(new Object[] {21L}, v1.at(300, tx("A", 1).merchant("m20")));
    }

    @Test
    void aVersion1ValueIsRefusedClearly() {
        final Run run = new Run("k=count() by key over 10s bucket 1s");
        final byte[] version1 = ByteBuffer.allocate(1 + 4 + 53).put((byte) 1).putInt(53)
                .putLong(run.aggregates.get(0).stateId()).put((byte) 1).putLong(1_000).putLong(10_000).putLong(0)
                .putLong(1_500).putShort((short) 1).putShort((short) 0).putLong(1).array();
        run.store.map.put(new byte[] {1, 0, 'r', 'k'}, version1);

        final IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> run.at(2_000, utf8("rk"), tx("A", 1)));
        assertTrue(e.getMessage().contains("version 1"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> FeatureEngine.expired(version1, 0));
        assertArrayEquals(version1, run.store.map.get(new byte[] {1, 0, 'r', 'k'}));
    }

    @Test
    void aStringAndAUtf8GroupValueAreOneGroup() {
        final Run run = new Run(SUM);

        run.at(0, tx("A", 1));

        assertEquals(3.0, run.at(1, utf8("A"), tx("A", 2).set("account_id", new Utf8("A")))[0]);
        assertEquals(1, run.store.map.size());
    }

    @Test
    void anAggregateNotInTheListIsKeptByteForByte() {
        final MapFeatureStore store = new MapFeatureStore();
        final Run v1 = new Run(store, false, SUM, COUNT_1H);
        v1.at(0, tx("A", 1));
        v1.at(1_000, tx("A", 2));
        final long sumId = v1.aggregates.get(0).stateId();
        final byte[] sumState = states(store.map.get(groupKey("account_id", "A"))).get(sumId);

        // when: a version without the sum sees an event of the group
        final Run v2 = new Run(store, false, COUNT_1H);
        assertEquals(3L, v2.at(2_000, tx("A", 4))[0]);

        // then: the sum's state is there untouched, and a version that has it again goes on from it: 1 + 2 + 8
        assertArrayEquals(sumState, states(store.map.get(groupKey("account_id", "A"))).get(sumId));
        final Run v3 = new Run(store, false, SUM, COUNT_1H);
        assertArrayEquals(new Object[] {11.0, 4L}, v3.at(3_000, tx("A", 8)));
    }

    @Test
    void anAggregateNotInTheListIsDroppedOnceOlderThanItsWindowPlusGrace() {
        final MapFeatureStore store = new MapFeatureStore();
        final Run v1 = new Run(store, false, SUM, COUNT_1H);
        v1.at(0, tx("A", 1));
        final long sumId = v1.aggregates.get(0).stateId();
        final Run v2 = new Run(store, false, COUNT_1H);

        // 10000 - 0 is not more than 10 s + 0: kept
        v2.at(10_000, tx("A", 1));
        assertTrue(states(store.map.get(groupKey("account_id", "A"))).containsKey(sumId));
        // 10001 - 0 is: dropped
        v2.at(10_001, tx("A", 1));
        assertFalse(states(store.map.get(groupKey("account_id", "A"))).containsKey(sumId));
        assertEquals(1, states(store.map.get(groupKey("account_id", "A"))).size());
    }

    @Test
    void aGroupValueWithNoStateLeftIsDeleted() {
        final MapFeatureStore store = new MapFeatureStore();
        new Run(store, false, SUM).at(0, tx("A", 1));
        final Run other = new Run(store, false, "on=count() by account_id over 10s bucket 1s where is_online = true");

        // the sum's state expires and the filtered-out event adds nothing
        other.at(20_000, tx("A", 1).online(false));

        assertEquals(0, store.map.size());
        assertEquals(1, store.deletes);
    }

    @Test
    void theSameEventsGiveTheSameValuesAndBytes() {
        final String[] aggregates = {SUM, COUNT_1H, "mean=mean(amount) by account_id over 10s bucket 1s grace 2s",
            "sd=stddev(amount) by account_id over 10s bucket 1s excluding current",
            "d=count_distinct(merchant) by key over 5s bucket 1s", "l=last(amount) by key over 5s bucket 1s",
            "g=since_last() by account_id over 10s bucket 1s where is_online = true",
            "lo=min(score) by account_id over 10s bucket 1s", "hi=max(amount) by key over 5s bucket 500ms"};
        final Run a = new Run(aggregates);
        final Run b = new Run(aggregates);
        final List<String> reversed = new ArrayList<>(List.of(aggregates));
        Collections.reverse(reversed);
        final Run c = new Run(reversed.toArray(new String[0]));
        final Random random = new Random(42);

        for (int i = 0; i < 400; i++) {
            // times mostly increasing, some out of order and some late
            final long t = i * 250L - random.nextInt(4) * random.nextInt(6_000);
            final String account = "acct" + random.nextInt(5);
            final FeatureFixture.Tx tx = tx(account, Math.round(random.nextGaussian() * 1000) / 100.0)
                    .merchant("m" + random.nextInt(7)).online(random.nextBoolean())
                    .score(random.nextInt(3) == 0 ? null : random.nextDouble());
            final Object[] outA = a.at(t, tx);
            final Object[] outB = b.at(t, tx);
            final Object[] outC = c.at(t, tx);
            assertArrayEquals(outA, outB, "event " + i);
            for (int k = 0; k < outA.length; k++) {
                assertEquals(outA[k], outC[outA.length - 1 - k], "event " + i + ", aggregate " + k);
            }
        }

        assertTrue(MapFeatureStore.sameContents(a.store.map, b.store.map));
        // the list's order does not reach the bytes
        assertTrue(MapFeatureStore.sameContents(a.store.map, c.store.map));
        assertEquals(a.late, b.late);
        assertFalse(a.late.isEmpty(), "the sequence has late events");
    }

    @Test
    void expiredWhenEveryStateIsOlderThanTwiceItsWindowPlusGraceAndThreeBuckets() {
        final Run one = new Run("s=sum(amount) by account_id over 10s bucket 1s grace 5s");
        one.at(1_000, tx("A", 1));
        one.at(500, tx("A", 1));
        final byte[] value = one.store.map.firstEntry().getValue();

        assertEquals(1_000, FeatureEngine.newestEventTime(value));
        // 34000 - 1000 = 33 s: not more than 2 x (10 s + 5 s) + 3 x 1 s
        assertFalse(FeatureEngine.expired(value, 34_000));
        assertTrue(FeatureEngine.expired(value, 34_001));

        final Run two = new Run("s=sum(amount) by account_id over 10s bucket 1s grace 5s", COUNT_1H);
        two.at(1_000, tx("A", 1));
        final byte[] both = two.store.map.firstEntry().getValue();
        // the 1-h count (1-min buckets) keeps it: 2 x 1 h + 3 min
        assertFalse(FeatureEngine.expired(both, 34_001));
        assertFalse(FeatureEngine.expired(both, 1_000 + 7_380_000));
        assertTrue(FeatureEngine.expired(both, 1_000 + 7_380_001));
        assertTrue(FeatureEngine.expired(new byte[] {2}, 0));
        assertEquals(Long.MIN_VALUE, FeatureEngine.newestEventTime(new byte[] {2}));
    }

    @Test
    void deletingExpiredKeysAtAnyTimeChangesNoValueWhenLatenessFollowsStreamTime() {
        // given: two engines over the same events, out of order and some very late, with the stream
        // time (the largest event time so far) passed in; the second deletes expired keys after
        // every 7th event, as a sweep might at any moment
        final String[] aggregates = {"s=sum(amount) by account_id over 2s bucket 100ms",
            "n=count() by account_id over 1s bucket 100ms grace 300ms",
            "l=last(amount) by account_id over 2s bucket 100ms",
            "g=since_last() by account_id over 1s bucket 100ms",
            "d=count_distinct(merchant) by account_id over 2s bucket 100ms excluding current"};
        final Run kept = new Run(aggregates);
        final Run swept = new Run(aggregates);
        final Random random = new Random(7);
        long stream = Long.MIN_VALUE;
        int deleted = 0;
        for (int i = 0; i < 3_000; i++) {
            // 40 accounts, 3 events a second among them: each account idles for seconds at a time
            final long t = i * 333L - (random.nextInt(5) == 0 ? random.nextInt(9_000) : 0);
            stream = Math.max(stream, t);
            final FeatureFixture.Tx tx = tx("acct" + random.nextInt(40), random.nextInt(100) / 4.0)
                    .merchant("m" + random.nextInt(5));
            final byte[] key = utf8(String.valueOf(tx.build().get("account_id")));
            final Object[] a = new Object[aggregates.length];
            final Object[] b = new Object[aggregates.length];
            kept.engine.compute(kept.aggregates, key, tx.build(), t, stream, a);
            swept.engine.compute(swept.aggregates, key, tx.build(), t, stream, b);

            // then: the same values, event by event
            assertArrayEquals(a, b, "event " + i + " at " + t + " (stream time " + stream + ")");
            if (i % 7 == 0) {
                final List<byte[]> expired = new ArrayList<>();
                for (var e : swept.store.map.entrySet()) {
                    if (FeatureEngine.expired(e.getValue(), stream)) {
                        expired.add(e.getKey());
                    }
                }
                expired.forEach(swept.store.map::remove);
                deleted += expired.size();
            }
        }
        // and: the sweep did delete keys, and late events were reported the same way
        assertTrue(deleted > 100, "keys deleted: " + deleted);
        assertEquals(kept.lateSorted(), swept.lateSorted());
        assertFalse(kept.late.isEmpty());
    }

    @Test
    void anEventOlderThanTheRetainedSpanBehindStreamTimeIsLateAndReadsAnEmptyWindow() {
        final Run run = new Run("s=sum(amount) by account_id over 10s bucket 1s", "n=count() by account_id over 10s"
                + " bucket 1s", "g=since_last() by account_id over 10s bucket 1s");
        final Object[] out = new Object[3];
        // A at 5 s, B at 30 s (stream time 30 s)
        run.engine.compute(run.aggregates, utf8("A"), tx("A", 4).build(), 5_000, 5_000, out);
        run.engine.compute(run.aggregates, utf8("B"), tx("B", 1).build(), 30_000, 30_000, out);

        final List<byte[]> before = new ArrayList<>(run.store.map.values());

        // when: A at 6 s, 24 s behind stream time (more than the 10-s window): not late for A's own
        // state (A's newest is 5 s, in the same window), but late for the task
        run.engine.compute(run.aggregates, utf8("A"), tx("A", 2).build(), 6_000, 30_000, out);

        // then: read as an empty window (not the 5-s event), counted late, and not added
        assertArrayEquals(new Object[] {0.0, 0L, null}, out);
        assertEquals(List.of("g", "n", "s"), run.lateSorted());
        final List<byte[]> after = new ArrayList<>(run.store.map.values());
        assertEquals(before.size(), after.size());
        for (int i = 0; i < before.size(); i++) {
            assertArrayEquals(before.get(i), after.get(i), "state " + i + " changed");
        }
        // and: without the stream time, the same event is not late (A's own newest is 1 s away)
        final Run alone = new Run("s=sum(amount) by account_id over 10s bucket 1s");
        final Object[] one = new Object[1];
        alone.engine.compute(alone.aggregates, utf8("A"), tx("A", 4).build(), 5_000, one);
        alone.engine.compute(alone.aggregates, utf8("A"), tx("A", 2).build(), 6_000, one);
        assertArrayEquals(new Object[] {6.0}, one);
    }
}
