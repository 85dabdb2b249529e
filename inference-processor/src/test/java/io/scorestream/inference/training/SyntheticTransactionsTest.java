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
import java.util.HashSet;
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
}
