package io.scorestream.topology.features;

import static io.scorestream.topology.features.FeatureFixture.tx;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.scorestream.topology.features.FeatureFixture.Run;
import org.apache.avro.util.Utf8;
import org.junit.jupiter.api.Test;

/** What each function gives, within one window of 10 s in 1 s buckets unless said otherwise. */
class FeatureEngineFunctionsTest {

    private static final String[] ALL = {
        "c=count() by account_id over 10s bucket 1s",
        "s=sum(amount) by account_id over 10s bucket 1s",
        "mean=mean(amount) by account_id over 10s bucket 1s",
        "lo=min(amount) by account_id over 10s bucket 1s",
        "hi=max(amount) by account_id over 10s bucket 1s",
        "sd=stddev(amount) by account_id over 10s bucket 1s",
        "d=count_distinct(merchant) by account_id over 10s bucket 1s",
        "l=last(amount) by account_id over 10s bucket 1s",
        "g=since_last() by account_id over 10s bucket 1s",
    };

    @Test
    void theFirstEventOfAKeySeesOnlyItself() {
        final Run run = new Run(ALL);

        final Object[] out = run.at(100_000, tx("A", 12.5).merchant("shop"));

        // count 1, sum = mean = min = max = 12.5, stddev of one value 0, one merchant, no previous event
        assertArrayEquals(new Object[] {1L, 12.5, 12.5, 12.5, 12.5, 0.0, 1L, null, null}, out);
    }

    @Test
    void everyFunctionOverSeveralBuckets() {
        final Run run = new Run(ALL);
        // amounts 2, 4, 4, 4, 5, 5, 7, 9 over buckets 100..107 (two in bucket 101)
        run.at(100_000, tx("A", 2).merchant("a"));
        run.at(101_000, tx("A", 4).merchant("b"));
        run.at(101_500, tx("A", 4).merchant("a"));
        run.at(103_000, tx("A", 4).merchant("c"));
        run.at(104_000, tx("A", 5).merchant("a"));
        run.at(105_000, tx("A", 5).merchant("b"));
        run.at(106_000, tx("A", 7).merchant("a"));

        final Object[] out = run.at(107_000, tx("A", 9).merchant("d"));

        // window (97, 107] holds all 8: count 8, sum 40, mean 40/8 = 5, min 2, max 9,
        // squared deviations 9+1+1+1+0+0+4+16 = 32, population variance 32/8 = 4, stddev 2;
        // merchants a, b, c, d = 4; last = previous amount 7; since_last = (107000 - 106000) / 1000 = 1.0
        assertEquals(8L, out[0]);
        assertEquals(40.0, out[1]);
        assertEquals(5.0, (Double) out[2], 1e-12);
        assertEquals(2.0, out[3]);
        assertEquals(9.0, out[4]);
        assertEquals(2.0, (Double) out[5], 1e-12);
        assertEquals(4L, out[6]);
        assertEquals(7.0, out[7]);
        assertEquals(1.0, out[8]);
    }

    @Test
    void meanAndStddevCombineBucketsByWelfordAndChan() {
        final Run run = new Run("mean=mean(amount) by account_id over 10s bucket 1s",
                "sd=stddev(amount) by account_id over 10s bucket 1s",
                "sd_before=stddev(amount) by account_id over 10s bucket 1s excluding current");
        // bucket 0: 1, 3 -> n 2, mean 2, M2 = (1-2)^2 + (3-2)^2 = 2
        run.at(0, tx("A", 1));
        final Object[] second = run.at(500, tx("A", 3));
        // population stddev of {1, 3} = sqrt(2/2) = 1; before it: {1} -> 0
        assertEquals(2.0, second[0]);
        assertEquals(1.0, second[1]);
        assertEquals(0.0, second[2]);
        // bucket 1: 5, 7, 9 -> n 3, mean 7, M2 = 4 + 0 + 4 = 8
        run.at(1_000, tx("A", 5));
        run.at(1_200, tx("A", 7));

        final Object[] out = run.at(1_400, tx("A", 9));

        // Chan: n = 5, delta = 7 - 2 = 5, mean = 2 + 5 * 3/5 = 5, M2 = 2 + 8 + 25 * (2*3/5) = 40,
        // variance 40/5 = 8, stddev sqrt(8) = 2.8284271247461903; before the 9: {1,3,5,7}: mean 4,
        // M2 = 9+1+1+9 = 20, variance 5, stddev sqrt(5) = 2.23606797749979
        assertEquals(5.0, (Double) out[0], 1e-12);
        assertEquals(Math.sqrt(8), (Double) out[1], 1e-12);
        assertEquals(Math.sqrt(5), (Double) out[2], 1e-12);
    }

    @Test
    void keysAreAggregatedApart() {
        final Run run = new Run(ALL);

        final Object[] a1 = run.at(100_000, tx("A", 10));
        final Object[] b1 = run.at(100_500, tx("B", 20));
        final Object[] a2 = run.at(101_000, tx("A", 5));

        assertEquals(1L, a1[0]);
        assertEquals(10.0, a1[1]);
        // B's first event does not see A's
        assertArrayEquals(new Object[] {1L, 20.0, 20.0, 20.0, 20.0, 0.0, 1L, null, null}, b1);
        // A: count 2, sum 10 + 5 = 15, mean 7.5, min 5, max 10, stddev |10-5|/2 = 2.5, one merchant "m",
        // last 10, since_last (101000 - 100000) / 1000 = 1.0
        assertArrayEquals(new Object[] {2L, 15.0, 7.5, 5.0, 10.0, 2.5, 1L, 10.0, 1.0}, a2);
    }

    @Test
    void excludingCurrentGivesTheStateBeforeTheEvent() {
        final Run run = new Run("c=count() by account_id over 10s bucket 1s excluding current",
                "s=sum(amount) by account_id over 10s bucket 1s excluding current",
                "m=mean(amount) by account_id over 10s bucket 1s excluding current",
                "hi=max(amount) by account_id over 10s bucket 1s excluding current",
                "d=count_distinct(merchant) by account_id over 10s bucket 1s excluding current",
                "c_in=count() by account_id over 10s bucket 1s",
                "s_in=sum(amount) by account_id over 10s bucket 1s",
                "m_in=mean(amount) by account_id over 10s bucket 1s");

        final Object[] first = run.at(0, tx("A", 2));
        final Object[] second = run.at(1_000, tx("A", 4));

        // before the first event: empty window
        assertArrayEquals(new Object[] {0L, 0.0, null, null, 0L, 1L, 2.0, 2.0}, first);
        // before the second: {2}; after: {2, 4}, mean 3
        assertArrayEquals(new Object[] {1L, 2.0, 2.0, 2.0, 1L, 2L, 6.0, 3.0}, second);
    }

    @Test
    void booleanFilterCountsOnlyMatchingEventsButEveryEventReadsIt() {
        final Run run = new Run("on=count() by account_id over 10s bucket 1s where is_online = true",
                "off=count() by account_id over 10s bucket 1s where is_online != true");

        // online, offline, online: "= true" counts 1, 1, 2; "!= true" counts 0, 1, 1
        assertArrayEquals(new Object[] {1L, 0L}, run.at(0, tx("A", 1).online(true)));
        assertArrayEquals(new Object[] {1L, 1L}, run.at(1, tx("A", 1).online(false)));
        assertArrayEquals(new Object[] {2L, 1L}, run.at(2, tx("A", 1).online(true)));
    }

    @Test
    void numberFiltersCompareAsNumbers() {
        final Run run = new Run("three=count() by account_id over 10s bucket 1s where items = 3",
                "three_dot_zero=count() by account_id over 10s bucket 1s where items = 3.0",
                "never=count() by account_id over 10s bucket 1s where items = 3.5",
                "not_12_5=sum(amount) by account_id over 10s bucket 1s where amount != 12.5",
                "tenth=count() by account_id over 10s bucket 1s where rate = 0.1",
                "qty=count() by account_id over 10s bucket 1s where qty = -2");

        final Object[] a = run.at(0, tx("A", 12.5).items(3).set("rate", 0.1f).set("qty", -2));
        final Object[] b = run.at(1, tx("A", 10).items(4).set("rate", 0.2f));

        // a: items 3 matches 3 and 3.0 but never 3.5; amount 12.5 is excluded; the float 0.1f equals 0.1 as a float
        assertArrayEquals(new Object[] {1L, 1L, 0L, 0.0, 1L, 1L}, a);
        // b: items 4, amount 10 (sum 10), rate 0.2, qty 0
        assertArrayEquals(new Object[] {1L, 1L, 0L, 10.0, 1L, 1L}, b);
    }

    @Test
    void textAndEnumFiltersCompareTheTextAndTheSymbol() {
        final Run run = new Run("shop_a=sum(amount) by account_id over 10s bucket 1s where merchant = \"shop a\"",
                "pos=count() by account_id over 10s bucket 1s where channel = POS",
                "not_pos=count() by account_id over 10s bucket 1s where channel != POS");

        final Object[] a = run.at(0, tx("A", 5).merchant("shop a").channel("POS"));
        // an Avro Utf8 string compares like a String
        final Object[] b = run.at(1, tx("A", 7).merchant(new Utf8("shop a")).channel("WEB"));
        final Object[] c = run.at(2, tx("A", 9).merchant("shop b"));

        assertArrayEquals(new Object[] {5.0, 1L, 0L}, a);
        assertArrayEquals(new Object[] {12.0, 1L, 1L}, b);
        assertArrayEquals(new Object[] {12.0, 1L, 2L}, c);
    }

    @Test
    void aNullFilterFieldNeverMatchesEitherWay() {
        final Run run = new Run("eq=count() by account_id over 10s bucket 1s where score = 1.5",
                "ne=count() by account_id over 10s bucket 1s where score != 1.5");

        assertArrayEquals(new Object[] {0L, 0L}, run.at(0, tx("A", 1).score(null)));
        assertArrayEquals(new Object[] {1L, 0L}, run.at(1, tx("A", 1).score(1.5)));
        assertArrayEquals(new Object[] {1L, 1L}, run.at(2, tx("A", 1).score(2.0)));
    }

    @Test
    void nullNanAndInfiniteValuesDoNotUpdateButCountCountsEveryEvent() {
        final Run run = new Run("c=count() by account_id over 10s bucket 1s",
                "s=sum(score) by account_id over 10s bucket 1s",
                "m=mean(score) by account_id over 10s bucket 1s",
                "lo=min(score) by account_id over 10s bucket 1s",
                "l=last(score) by account_id over 10s bucket 1s",
                "d=count_distinct(score) by account_id over 10s bucket 1s");

        final Object[] a = run.at(0, tx("A", 1).score(null));
        final Object[] b = run.at(1, tx("A", 1).score(Double.NaN));
        final Object[] c = run.at(2, tx("A", 1).score(Double.POSITIVE_INFINITY));
        final Object[] d = run.at(3, tx("A", 1).score(-2.0));
        final Object[] e = run.at(4, tx("A", 1).score(null));

        assertArrayEquals(new Object[] {1L, 0.0, null, null, null, 0L}, a);
        assertArrayEquals(new Object[] {2L, 0.0, null, null, null, 0L}, b);
        assertArrayEquals(new Object[] {3L, 0.0, null, null, null, 0L}, c);
        assertArrayEquals(new Object[] {4L, -2.0, -2.0, -2.0, null, 1L}, d);
        // the null does not change the state: last is still the -2 of the previous (non-null) event
        assertArrayEquals(new Object[] {5L, -2.0, -2.0, -2.0, -2.0, 1L}, e);
    }

    @Test
    void booleansAreOneAndZero() {
        final Run run = new Run("s=sum(is_online) by account_id over 10s bucket 1s",
                "m=mean(is_online) by account_id over 10s bucket 1s",
                "l=last(is_online) by account_id over 10s bucket 1s");

        assertArrayEquals(new Object[] {1.0, 1.0, null}, run.at(0, tx("A", 1).online(true)));
        assertArrayEquals(new Object[] {1.0, 0.5, 1.0}, run.at(1, tx("A", 1).online(false)));
        final Object[] third = run.at(2, tx("A", 1).online(true));
        // sum 1 + 0 + 1 = 2, mean 2/3, last = the previous event's false = 0
        assertEquals(2.0, third[0]);
        assertEquals(2.0 / 3.0, (Double) third[1], 1e-15);
        assertEquals(0.0, third[2]);
    }

    @Test
    void countDistinctTakesEveryScalarKind() {
        final Run run = new Run("long=count_distinct(items) by account_id over 10s bucket 1s",
                "dbl=count_distinct(amount) by account_id over 10s bucket 1s",
                "bool=count_distinct(is_online) by account_id over 10s bucket 1s",
                "enum=count_distinct(channel) by account_id over 10s bucket 1s",
                "text=count_distinct(merchant) by account_id over 10s bucket 1s");

        run.at(0, tx("A", 1.0).items(7).online(true).channel("POS").merchant("x"));
        run.at(1, tx("A", 1.0).items(7).online(false).channel("POS").merchant(new Utf8("x")));
        final Object[] out = run.at(2, tx("A", 2.5).items(-7).online(true).channel("WEB").merchant("y"));

        // items {7, -7}, amount {1.0, 2.5}, booleans {true, false}, channels {POS, WEB},
        // merchants {x (String and Utf8 alike), y}
        assertArrayEquals(new Object[] {2L, 2L, 2L, 2L, 2L}, out);
    }

    @Test
    void countDistinctUnionsTheBucketsOfTheWindow() {
        final Run run = new Run("d=count_distinct(merchant) by account_id over 3s bucket 1s");

        assertEquals(1L, run.at(0, tx("A", 1).merchant("a"))[0]);
        assertEquals(2L, run.at(1_000, tx("A", 1).merchant("b"))[0]);
        // a again, in bucket 1: {a, b}
        assertEquals(2L, run.at(1_500, tx("A", 1).merchant("a"))[0]);
        assertEquals(3L, run.at(2_000, tx("A", 1).merchant("c"))[0]);
        // bucket 3: window (0, 3] = buckets 1 {b, a}, 2 {c}, 3 {x} -> 4; bucket 0's a is gone but a is in bucket 1
        assertEquals(4L, run.at(3_000, tx("A", 1).merchant("x"))[0]);
        // bucket 4: window (1, 4] = {c}, {x}, {x} -> 2
        assertEquals(2L, run.at(4_000, tx("A", 1).merchant("x"))[0]);
    }

    @Test
    void lastAndSinceLastDescribeThePreviousEvent() {
        final Run run = new Run("l=last(amount) by account_id over 10s bucket 1s",
                "g=since_last() by account_id over 10s bucket 1s",
                "l_ex=last(amount) by account_id over 10s bucket 1s excluding current");

        // none before the first
        assertArrayEquals(new Object[] {null, null, null}, run.at(1_000, tx("A", 3)));
        // 3500 - 1000 = 2.5 s after the 3; include_current does not matter
        assertArrayEquals(new Object[] {3.0, 2.5, 3.0}, run.at(3_500, tx("A", 5)));
        // 13500 - 3500 = 10 s: not less than the window, so none
        assertArrayEquals(new Object[] {null, null, null}, run.at(13_500, tx("A", 7)));
        // 13600 - 13500 = 0.1 s
        assertArrayEquals(new Object[] {7.0, 0.1, 7.0}, run.at(13_600, tx("A", 8)));
        // out of order: 13000 is before the newest (13600): since_last clamps at 0, last is the newest's 8
        assertArrayEquals(new Object[] {8.0, 0.0, 8.0}, run.at(13_000, tx("A", 1)));
        // the newest is still 13600: 0.4 s, 8
        assertArrayEquals(new Object[] {8.0, 0.4, 8.0}, run.at(14_000, tx("A", 2)));
    }

    @Test
    void sumOfAnEmptyWindowIsZeroAndTheOthersAreNull() {
        final Run run = new Run("s=sum(amount) by account_id over 10s bucket 1s where is_online = true",
                "m=mean(amount) by account_id over 10s bucket 1s where is_online = true",
                "lo=min(amount) by account_id over 10s bucket 1s where is_online = true",
                "hi=max(amount) by account_id over 10s bucket 1s where is_online = true",
                "sd=stddev(amount) by account_id over 10s bucket 1s where is_online = true",
                "d=count_distinct(merchant) by account_id over 10s bucket 1s where is_online = true",
                "c=count() by account_id over 10s bucket 1s where is_online = true");

        final Object[] out = run.at(0, tx("A", 1).online(false));

        assertArrayEquals(new Object[] {0.0, null, null, null, null, 0L, 0L}, out);
        assertNull(run.store.map.firstEntry(), "nothing updated, nothing stored");
    }
}
