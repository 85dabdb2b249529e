package io.scorestream.topology.features;

import static io.scorestream.topology.features.FeatureFixture.tx;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.scorestream.topology.features.FeatureFixture.Run;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which events a window holds: bucket edges, out-of-order and late events, retention, grace. */
class FeatureEngineWindowTest {

    @Test
    void anEventJustPastTheWindowFallsOutAtTheBucketEdge() {
        final Run run = new Run("c=count() by account_id over 10s bucket 1s",
                "s=sum(amount) by account_id over 10s bucket 1s");

        // bucket 0
        assertArrayEquals(new Object[] {1L, 1.0}, run.at(0, tx("A", 1)));
        // bucket 9: window (9 - 10, 9] = (-1, 9] still holds bucket 0
        assertArrayEquals(new Object[] {2L, 3.0}, run.at(9_999, tx("A", 2)));
        // bucket 10: window (0, 10] no longer holds bucket 0: count 2 (buckets 9, 10), sum 2 + 4 = 6
        assertArrayEquals(new Object[] {2L, 6.0}, run.at(10_000, tx("A", 4)));
    }

    @Test
    void theWindowCoversBetweenWindowMinusBucketAndWindowOfTime() {
        final Run run = new Run("c=count() by account_id over 10s bucket 1s");
        run.at(999, tx("A", 1));

        // 10000 - 999 = 9.001 s apart, less than the window, but bucket 0 has left the window of bucket 10:
        // the error of one bucket at the old edge
        assertEquals(1L, run.at(10_000, tx("A", 1))[0]);

        final Run other = new Run("c=count() by account_id over 10s bucket 1s");
        other.at(9_000, tx("A", 1));
        // 18999 - 9000 = 9.999 s apart, bucket 18: window (8, 18] holds bucket 9
        assertEquals(2L, other.at(18_999, tx("A", 1))[0]);
    }

    @Test
    void anOutOfOrderEventInsideTheWindowIsAddedButSeesNoLaterBucket() {
        final Run run = new Run("c=count() by account_id over 10s bucket 1s",
                "s=sum(amount) by account_id over 10s bucket 1s",
                "l=last(amount) by account_id over 10s bucket 1s",
                "g=since_last() by account_id over 10s bucket 1s");

        assertArrayEquals(new Object[] {1L, 1.0, null, null}, run.at(20_000, tx("A", 1)));
        // 15500 (bucket 15) after 20000: window (5, 15] holds only itself; last/since_last: the newest (20000)
        assertArrayEquals(new Object[] {1L, 2.0, 1.0, 0.0}, run.at(15_500, tx("A", 2)));
        // 20500 (bucket 20): window (10, 20] = bucket 15 {2} and bucket 20 {1, 4}: count 3, sum 7;
        // the newest before it is still 20000 (the late-arriving 15500 is older): last 1, since 0.5
        assertArrayEquals(new Object[] {3L, 7.0, 1.0, 0.5}, run.at(20_500, tx("A", 4)));
    }

    @Test
    void anOutOfOrderEventSeesLaterEventsOfItsOwnBucket() {
        final Run run = new Run("s=sum(amount) by account_id over 10s bucket 1s");
        run.at(30_700, tx("A", 1));

        // 30200 is in the same bucket as 30700, which it sees although it happened later: 1 + 2 = 3
        assertEquals(3.0, run.at(30_200, tx("A", 2))[0]);
    }

    @Test
    void aLateEventIsNotAddedIsReportedAndReadsTheStateAsItIs() {
        final Run run = new Run("c=count() by account_id over 10s bucket 1s",
                "s=sum(amount) by account_id over 10s bucket 1s",
                "m=mean(amount) by account_id over 10s bucket 1s excluding current",
                "l=last(amount) by account_id over 10s bucket 1s",
                "g=since_last() by account_id over 10s bucket 1s",
                "f=count() by account_id over 10s bucket 1s where is_online = true");
        run.at(30_000, tx("A", 1));

        // bucket 20 <= b(M) - ceil((10s + 0) / 1s) = 30 - 10 = 20: late. Its window (10, 20] is long dropped
        // (retention keeps buckets above 20): count 0, sum 0, mean null; last and since_last read the newest,
        // 30000: 1.0 and 0 (clamped). The filtered-out f would not have been updated: not reported.
        final Object[] late = run.at(20_999, tx("A", 100).online(false));

        assertArrayEquals(new Object[] {0L, 0.0, null, 1.0, 0.0, 0L}, late);
        assertEquals(List.of("c", "g", "l", "m", "s"), run.lateSorted());
        // it was not added: bucket 30 holds 30000 and now 30100
        assertArrayEquals(new Object[] {2L, 2.0, 1.0, 1.0, 0.1, 0L}, run.at(30_100, tx("A", 1)));
        // bucket 21 is not late: added, and its window (11, 21] holds only itself
        run.late.clear();
        assertArrayEquals(new Object[] {1L, 5.0, null, 1.0, 0.0, 0L}, run.at(21_000, tx("A", 5)));
        assertEquals(List.of(), run.late);
    }

    @Test
    void graceKeepsOlderEventsAddableAndTheirBucketsReadable() {
        final Run run = new Run("with_grace=count() by account_id over 10s bucket 1s grace 5s",
                "no_grace=count() by account_id over 10s bucket 1s");
        run.at(30_000, tx("A", 1));

        // bucket 16: with grace, late only at or below 30 - ceil(15s / 1s) = 15; without, at or below 20
        assertArrayEquals(new Object[] {1L, 0L}, run.at(16_000, tx("A", 1)));
        assertEquals(List.of("no_grace"), run.lateSorted());
        // bucket 15: late for both
        assertArrayEquals(new Object[] {0L, 0L}, run.at(15_999, tx("A", 1)));
        assertEquals(List.of("no_grace", "no_grace", "with_grace"), run.lateSorted());
        // bucket 25: window (15, 25] holds the grace-kept bucket 16 for with_grace only
        assertArrayEquals(new Object[] {2L, 1L}, run.at(25_000, tx("A", 1)));
        // bucket 30: window (20, 30]: 25000, 30000 and 30500 in both
        assertArrayEquals(new Object[] {3L, 3L}, run.at(30_500, tx("A", 1)));
    }

    @Test
    void retentionDropsBucketsOlderThanWindowPlusGrace() {
        final Run run = new Run("s=sum(amount) by account_id over 10s bucket 1s");
        run.at(0, tx("A", 1));
        // bucket 10: buckets <= 10 - 10 = 0 are dropped
        run.at(10_000, tx("A", 2));

        // bucket 9 is not late (9 > 0), and its window (-1, 9] would hold bucket 0 had it been kept: 4 only
        assertEquals(4.0, run.at(9_000, tx("A", 4))[0]);
    }

    @Test
    void withoutADroppingUpdateAnOutOfOrderEventStillSeesOldBuckets() {
        // the counterpart of the test above: bucket 0 is kept while the newest is in bucket 9
        final Run run = new Run("s=sum(amount) by account_id over 10s bucket 1s");
        run.at(0, tx("A", 1));
        run.at(9_500, tx("A", 2));

        // bucket 5: window (-5, 5] holds bucket 0: 1 + 4
        assertEquals(5.0, run.at(5_000, tx("A", 4))[0]);
    }

    @Test
    void defaultBucketsGiveTheWindowTheirResolution() {
        // 10m -> 10 s buckets: 600000 / 10000 = 60 buckets
        final Run run = new Run("c=count() by account_id over 10m");
        run.at(5_000, tx("A", 1));

        // bucket 60 of 10 s: window (0, 60] no longer holds bucket 0 (0..9999), though 595 s < 10 min apart
        assertEquals(1L, run.at(600_000, tx("A", 1))[0]);
        // bucket 60 still: the 600000 event is there
        assertEquals(2L, run.at(609_999, tx("A", 1))[0]);
    }
}
