package io.scorestream.inference.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scorestream.schemas.Transaction;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SyntheticTransactionsTest {

    private static final Instant START = Instant.parse("2024-01-01T00:00:00Z");

    @Test
    void sameSeedGivesSameRecords() {
        // given
        final SyntheticTransactions a = SyntheticTransactions.builder(11).embeddingFraction(0.5).build();
        final SyntheticTransactions b = SyntheticTransactions.builder(11).embeddingFraction(0.5).build();
        final SyntheticTransactions c = SyntheticTransactions.builder(12).embeddingFraction(0.5).build();
        // when / then
        boolean differs = false;
        for (int i = 0; i < 1000; i++) {
            final Instant t = START.plusSeconds(i);
            final Transaction ta = a.next(t);
            assertEquals(ta, b.next(t));
            differs |= !ta.equals(c.next(t));
        }
        assertTrue(differs, "a different seed should give different records");
    }

    @Test
    void featuresFollowTheCanonicalFieldOrder() {
        // given
        final Transaction t = new SyntheticTransactions(5, 10).next(START);
        // when
        final double[] row = SyntheticTransactions.features(t);
        // then
        assertEquals(30, SyntheticTransactions.FEATURE_FIELDS.size());
        assertEquals("elapsed_seconds", SyntheticTransactions.FEATURE_FIELDS.get(0));
        assertEquals("v1", SyntheticTransactions.FEATURE_FIELDS.get(1));
        assertEquals("amount", SyntheticTransactions.FEATURE_FIELDS.get(29));
        for (int i = 0; i < row.length; i++) {
            final String field = SyntheticTransactions.FEATURE_FIELDS.get(i);
            assertEquals(((Number) t.get(field)).doubleValue(), row[i], field);
        }
        final double[] offsetRow = new double[32];
        SyntheticTransactions.features(t, offsetRow, 2);
        for (int i = 0; i < row.length; i++) {
            assertEquals(row[i], offsetRow[i + 2]);
        }
    }

    @Test
    void recordsLookLikeTheCardFraudData() {
        // given
        final SyntheticTransactions gen = SyntheticTransactions.builder(7).accounts(50).build();
        final int n = 20_000;
        final Set<String> accounts = new HashSet<>();
        final Set<String> ids = new HashSet<>();
        int fraud = 0;
        double sumV1 = 0;
        double sumSqV1 = 0;
        double sumV1V2 = 0;
        double minAmount = Double.MAX_VALUE;
        double minElapsed = Double.MAX_VALUE;
        // when
        for (int i = 0; i < n; i++) {
            final Transaction t = gen.next(START.plusMillis(i));
            accounts.add(t.getAccountId());
            ids.add(t.getTransactionId());
            fraud += t.getIsFraud() ? 1 : 0;
            sumV1 += t.getV1();
            sumSqV1 += t.getV1() * t.getV1();
            sumV1V2 += t.getV1() * t.getV2();
            minAmount = Math.min(minAmount, t.getAmount());
            minElapsed = Math.min(minElapsed, t.getElapsedSeconds());
            assertNull(t.getEmbedding());
            assertEquals(START.plusMillis(i), t.getEventTime());
        }
        // then
        assertEquals(50, accounts.size());
        assertEquals(n, ids.size(), "transaction ids are unique");
        final double rate = (double) fraud / n;
        assertTrue(rate > 0.015 && rate < 0.025, "fraud rate " + rate);
        assertEquals(0.0, sumV1 / n, 0.05);
        assertEquals(1.0, sumSqV1 / n, 0.05);
        assertEquals(0.6, sumV1V2 / n, 0.05, "v1 and v2 are correlated");
        assertTrue(minAmount >= 0 && minElapsed >= 0);
    }

    @Test
    void embeddingIsPresentOnTheConfiguredShare() {
        final SyntheticTransactions gen = SyntheticTransactions.builder(3).embeddingFraction(0.25).build();
        int present = 0;
        for (int i = 0; i < 4000; i++) {
            final Transaction t = gen.next(START);
            if (t.getEmbedding() != null) {
                present++;
                assertEquals(SyntheticTransactions.EMBEDDING_WIDTH, t.getEmbedding().size());
                assertNotNull(t.getEmbedding().get(0));
            }
        }
        assertEquals(0.25, present / 4000.0, 0.03);
    }

    @Test
    void fraudRateIsConfigurable() {
        final LabeledRows none = SyntheticTransactions.builder(1).fraudRate(0).build().sample(2000, START, 1);
        final LabeledRows many = SyntheticTransactions.builder(1).fraudRate(0.5).build().sample(2000, START, 1);
        assertEquals(0, none.positives());
        assertEquals(0.5, many.positives() / 2000.0, 0.05);
        assertNotEquals(none.features()[0][0], Double.NaN);
        assertArrayEquals(new int[] {2000, 30}, new int[] {many.size(), many.width()});
    }

    @Test
    void badSettingsAreRefusedNamingTheSetting() {
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SyntheticTransactions.builder(1).fraudRate(1.5).build());
        assertTrue(e.getMessage().contains("fraudRate"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new SyntheticTransactions(1, 0));
    }

    @Test
    void burstsAreOffByDefaultAndLeaveTheRecordsAsTheyWere() {
        // given: a generator without the setting and one with it at 0
        final SyntheticTransactions plain = new SyntheticTransactions(21, 300);
        final SyntheticTransactions off = SyntheticTransactions.builder(21).accounts(300).burstFraudRate(0).build();
        // when / then: the same records, call for call
        for (int i = 0; i < 5000; i++) {
            final Instant t = START.plusMillis(i);
            assertEquals(plain.next(t), off.next(t));
        }
    }

    @Test
    void burstsAreSmallTransactionsThenALargeOneOnOneAccountCloseTogetherAndInTimeOrder() {
        // given: bursts only (no other fraud), times increasing by 1 ms a call
        final SyntheticTransactions gen = SyntheticTransactions.builder(9).accounts(2000).fraudRate(0)
                .burstFraudRate(0.05).build();
        final int n = 40_000;
        final Map<String, List<Integer>> fraudCalls = new HashMap<>();
        final Map<String, Instant> lastTime = new HashMap<>();
        final Transaction[] all = new Transaction[n];
        // when
        for (int i = 0; i < n; i++) {
            final Transaction t = gen.next(START.plusMillis(i));
            all[i] = t;
            final Instant previous = lastTime.put(t.getAccountId(), t.getEventTime());
            assertTrue(previous == null || !t.getEventTime().isBefore(previous), "account time order at " + i);
            assertEquals(START.plusMillis(i), t.getEventTime());
            if (t.getIsFraud()) {
                fraudCalls.computeIfAbsent(t.getAccountId(), k -> new ArrayList<>()).add(i);
            }
        }
        // then: every account's fraud comes in runs of 4 to 9 transactions, each a few calls after the
        // previous one (MAX_BURST_GAP, or a little more when two bursts are due at once), amounts small
        // then the last one large
        int bursts = 0;
        int complete = 0;
        double smallSum = 0;
        int smallCount = 0;
        double largeSum = 0;
        for (List<Integer> calls : fraudCalls.values()) {
            int from = 0;
            for (int k = 1; k <= calls.size(); k++) {
                if (k == calls.size() || calls.get(k) - calls.get(k - 1) > 3 * SyntheticTransactions.MAX_BURST_GAP) {
                    final int length = k - from;
                    bursts++;
                    // a burst started shortly before the end may be cut short
                    if (calls.get(k - 1) < n - 30 * SyntheticTransactions.MAX_BURST_GAP) {
                        assertTrue(length >= SyntheticTransactions.MIN_BURST_SMALL + 1
                                && length <= SyntheticTransactions.MAX_BURST_SMALL + 1, "burst of " + length);
                        complete++;
                        for (int j = from; j < k - 1; j++) {
                            smallSum += Math.log(all[calls.get(j)].getAmount());
                            smallCount++;
                        }
                        largeSum += Math.log(all[calls.get(k - 1)].getAmount());
                    }
                    from = k;
                }
            }
        }
        assertTrue(complete > 200, "bursts " + complete + " of " + bursts);
        assertTrue(largeSum / complete > smallSum / smallCount + 1.5, "the last transaction of a burst is large");
    }

    @Test
    void burstFraudComesOnTopOfTheFraudRateAndLooksOrdinaryRecordByRecord() {
        // given: 2% fraud with signs and 2% of transactions in bursts
        final SyntheticTransactions gen = SyntheticTransactions.builder(4).accounts(1000).burstFraudRate(0.02)
                .build();
        final int n = 100_000;
        int fraud = 0;
        double fraudV14 = 0;
        // when
        for (int i = 0; i < n; i++) {
            final Transaction t = gen.next(START.plusMillis(i));
            if (t.getIsFraud()) {
                fraud++;
                fraudV14 += t.getV14();
            }
        }
        // then: about 0.98 * 2% + 2% labelled fraud
        final double rate = (double) fraud / n;
        assertEquals(0.98 * SyntheticTransactions.DEFAULT_FRAUD_RATE + 0.02, rate, 0.004, "label rate");
        // and: the fraud's v14 is shifted down only by the half of it that shows signs
        final double meanV14 = fraudV14 / fraud;
        assertTrue(meanV14 < -0.5 && meanV14 > -1.6, "mean v14 of fraud " + meanV14);
    }

    @Test
    void burstFraudRateOutOfRangeIsRefused() {
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SyntheticTransactions.builder(1).burstFraudRate(0.7).build());
        assertTrue(e.getMessage().contains("burstFraudRate"), e.getMessage());
    }
}
