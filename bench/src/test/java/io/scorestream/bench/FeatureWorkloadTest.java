package io.scorestream.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scorestream.inference.features.AggregateDefinition;
import io.scorestream.schemas.Aggregate;
import io.scorestream.schemas.FeatureColumn;
import io.scorestream.schemas.ModelSpec;
import io.scorestream.schemas.Transaction;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FeatureWorkloadTest {

    @Test
    void bothSpecsCarryTheSameModelAndTensorWidthAndDifferInTheirLastEightColumns() {
        // given
        final byte[] onnx = FeatureWorkload.onnx(42);

        // when
        final ModelSpec plain = FeatureWorkload.plainSpec(onnx);
        final ModelSpec withAggregates = FeatureWorkload.aggregatesSpec(onnx);

        // then: one ONNX graph, 38 columns each, the first 30 the same fields
        assertEquals(ByteBuffer.wrap(onnx), plain.getArtifactBytes());
        assertEquals(ByteBuffer.wrap(onnx), withAggregates.getArtifactBytes());
        final List<FeatureColumn> a = plain.getInputs().get(0).getColumns();
        final List<FeatureColumn> b = withAggregates.getInputs().get(0).getColumns();
        assertEquals(38, a.size());
        assertEquals(38, b.size());
        assertEquals(a.subList(0, 30), b.subList(0, 30));
        assertNull(plain.getAggregates());
        // and: the last 8 columns of the second read its 8 aggregates, each with a default
        final List<Aggregate> aggregates = withAggregates.getAggregates();
        assertEquals(8, aggregates.size());
        for (int i = 0; i < 8; i++) {
            assertEquals(aggregates.get(i).getName().toString(), b.get(30 + i).getField().toString());
            assertTrue(b.get(30 + i).getDefaultValue() != null, "default of " + b.get(30 + i).getField());
        }
    }

    @Test
    void aggregatesAreEightFunctionsOverThreeWindowsGroupedByAccount() {
        // when
        final List<AggregateDefinition> defs = new ArrayList<>();
        for (Aggregate a : FeatureWorkload.aggregatesSpec(FeatureWorkload.onnx(1)).getAggregates()) {
            defs.add(AggregateDefinition.of(a));
        }

        // then
        final Set<Long> windows = new HashSet<>();
        final Set<AggregateDefinition.Function> functions = new HashSet<>();
        int filtered = 0;
        for (AggregateDefinition d : defs) {
            windows.add(d.windowMs());
            functions.add(d.function());
            filtered += d.hasFilter() ? 1 : 0;
            assertEquals("account_id", d.groupBy());
        }
        assertEquals(Set.of(600_000L, 3_600_000L, 86_400_000L), windows);
        assertEquals(7, functions.size(), "count (twice, once filtered), sum, mean, max, count_distinct, stddev, "
                + "since_last");
        assertEquals(1, filtered);
    }

    @Test
    void eventsAreEvenlySpacedInTimeOrderAndComeInBurstsPerAccount() {
        // given: 20,000 events over 50,000 accounts (so that a uniform draw rarely hits a recent one) and one day
        final long start = 1_700_000_000_000L;
        final long span = 86_400_000L;
        final FeatureWorkload.Events events = new FeatureWorkload.Events(7, 50_000, 20_000, start, span);

        // when
        final List<Transaction> all = new ArrayList<>();
        while (events.hasNext()) {
            all.add(events.next());
        }

        // then: in time order within the span, ids by index
        assertEquals(20_000, all.size());
        long previous = Long.MIN_VALUE;
        for (Transaction t : all) {
            final long ts = t.getEventTime().toEpochMilli();
            assertTrue(ts >= previous && ts >= start && ts < start + span, "time " + ts);
            previous = ts;
        }
        assertEquals("ftx-0", all.get(0).getTransactionId().toString());
        assertEquals("ftx-19999", all.get(19_999).getTransactionId().toString());
        // and: about half the events repeat a recent account, the others are spread over the pool
        final Set<String> accounts = new HashSet<>();
        int repeats = 0;
        for (int i = 0; i < all.size(); i++) {
            final String account = all.get(i).getAccountId().toString();
            accounts.add(account);
            for (int j = Math.max(0, i - FeatureWorkload.RECENT); j < i; j++) {
                if (all.get(j).getAccountId().toString().equals(account)) {
                    repeats++;
                    break;
                }
            }
        }
        assertTrue(accounts.size() > 9_000 && accounts.size() < 11_000, accounts.size() + " accounts");
        assertTrue(repeats > 9_000 && repeats < 11_000, repeats + " repeats");
        // and: the same arguments give the same events
        final FeatureWorkload.Events again = new FeatureWorkload.Events(7, 50_000, 20_000, start, span);
        for (int i = 0; i < 100; i++) {
            assertEquals(all.get(i), again.next());
        }
    }

    @Test
    void featuresOptionsDefaultToTheIssuesSizesAndParse() {
        // when
        final FeaturesOptions defaults = BenchOptions.defaults().features();
        final FeaturesOptions small = BenchOptions.parse(new String[] {
            "--features-events", "3000", "--features-keys", "300", "--features-days", "0.5"}).features();

        // then
        assertEquals(new FeaturesOptions(1_000_000, 100_000, 3), defaults);
        assertEquals(new FeaturesOptions(3_000, 300, 0.5), small);
        assertEquals(43_200_000L, small.spanMs());
        assertArrayEquals(new int[] {38, 64, 1}, FeatureWorkload.widths());
    }
}
