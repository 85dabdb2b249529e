package io.scorestream.inference.features;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scorestream.schemas.Aggregate;
import io.scorestream.schemas.AggregateFilter;
import io.scorestream.inference.features.AggregateDefinition.Function;
import org.junit.jupiter.api.Test;

class AggregateDefinitionTest {

    private static final long S = 1_000L;
    private static final long M = 60 * S;
    private static final long H = 60 * M;
    private static final long D = 24 * H;

    private static Aggregate.Builder agg(String name, String function, String field, long windowMs) {
        return Aggregate.newBuilder().setName(name).setFunction(function).setField(field).setGroupBy("account_id")
                .setWindowMs(windowMs).setBucketMs(null).setGraceMs(0).setIncludeCurrent(true).setFilter(null);
    }

    private static String refusal(Aggregate.Builder b) {
        return assertThrows(IllegalArgumentException.class, () -> AggregateDefinition.of(b.build())).getMessage();
    }

    @Test
    void defaultBucketIsTheLargestStepAtMostASixtiethOfTheWindow() {
        // 10m/60 = 10s; 1h/60 = 1m; 24h/60 = 24m -> 10m; 30d/60 = 12h -> 1h (the largest step)
        assertEquals(10 * S, AggregateDefinition.of(agg("a", "count", null, 10 * M).build()).bucketMs());
        assertEquals(M, AggregateDefinition.of(agg("a", "count", null, H).build()).bucketMs());
        assertEquals(10 * M, AggregateDefinition.of(agg("a", "count", null, 24 * H).build()).bucketMs());
        assertEquals(H, AggregateDefinition.of(agg("a", "count", null, 30 * D).build()).bucketMs());
        // 30s/60 = 0.5s, but never below 1s
        assertEquals(S, AggregateDefinition.of(agg("a", "count", null, 30 * S).build()).bucketMs());
        // 59m/60 < 1m -> 10s
        assertEquals(10 * S, AggregateDefinition.of(agg("a", "count", null, 59 * M).build()).bucketMs());
    }

    @Test
    void anExplicitBucketIsKept() {
        final AggregateDefinition d = AggregateDefinition.of(agg("a", "count", null, H).setBucketMs(5 * M).build());
        assertEquals(5 * M, d.bucketMs());
        assertEquals(12, d.windowBuckets());
    }

    @Test
    void aWindowShorterThanOneSecondNeedsAnExplicitBucket() {
        final String message = refusal(agg("fast", "count", null, 500));
        assertTrue(message.contains("aggregate 'fast'") && message.contains("give bucket_ms"), message);
        assertEquals(100, AggregateDefinition.of(agg("fast", "count", null, 500).setBucketMs(100L).build()).bucketMs());
    }

    @Test
    void aDefaultBucketThatDoesNotDivideTheWindowIsRefused() {
        // 1500 ms -> default 1 s, which does not divide it
        final String message = refusal(agg("odd", "count", null, 1_500));
        assertTrue(message.contains("'odd'") && message.contains("not a multiple") && message.contains("1000"),
                message);
    }

    @Test
    void refusesAnUnknownFunctionListingTheValidOnes() {
        final String message = refusal(agg("x", "median", "amount", H));
        assertEquals("aggregate 'x': unknown function 'median'; valid: count, sum, mean, min, max, stddev,"
                + " count_distinct, last, since_last", message);
        // the text is lower case
        assertTrue(refusal(agg("x", "SUM", "amount", H)).contains("unknown function 'SUM'"));
    }

    @Test
    void refusesAMissingOrSuperfluousField() {
        assertEquals("aggregate 'x': sum needs a field", refusal(agg("x", "sum", null, H)));
        assertEquals("aggregate 'x': count_distinct needs a field", refusal(agg("x", "count_distinct", "", H)));
        assertEquals("aggregate 'x': count takes no field, but field 'amount' is given",
                refusal(agg("x", "count", "amount", H)));
        assertEquals("aggregate 'x': since_last takes no field, but field 'amount' is given",
                refusal(agg("x", "since_last", "amount", H)));
    }

    @Test
    void refusesBadWindowsBucketsAndGrace() {
        assertEquals("aggregate 'x': window_ms must be at least 1, not 0", refusal(agg("x", "count", null, 0)));
        assertEquals("aggregate 'x': bucket_ms 7000 does not divide window_ms 60000",
                refusal(agg("x", "count", null, M).setBucketMs(7 * S)));
        assertEquals("aggregate 'x': bucket_ms must be at least 1, not 0",
                refusal(agg("x", "count", null, M).setBucketMs(0L)));
        assertEquals("aggregate 'x': grace_ms must not be negative, not -1",
                refusal(agg("x", "count", null, M).setGraceMs(-1)));
        // 1 d in 1 s buckets = 86400 buckets
        assertEquals("aggregate 'x': window + grace spans 86400 buckets of 1000 ms, more than 10000; use a larger"
                + " bucket_ms", refusal(agg("x", "count", null, D).setBucketMs(S)));
        // 10000 buckets exactly is fine; grace counts: 10000 s + 1 ms of grace = 10001 buckets
        AggregateDefinition.of(agg("x", "count", null, 10_000 * S).setBucketMs(S).build());
        assertTrue(refusal(agg("x", "count", null, 10_000 * S).setBucketMs(S).setGraceMs(1))
                .contains("10001 buckets"));
    }

    @Test
    void refusesEmptyOrInvalidNames() {
        assertTrue(refusal(agg("", "count", null, H)).startsWith("aggregate has an empty name"));
        assertEquals("aggregate '1x': the name is not a valid Avro name (letters, digits and _, not starting with"
                + " a digit)", refusal(agg("1x", "count", null, H)));
        assertTrue(refusal(agg("a-b", "count", null, H)).contains("not a valid Avro name"));
        assertEquals("aggregate 'x': group_by is empty; leave it null to group by the record key",
                refusal(agg("x", "count", null, H).setGroupBy("")));
        assertEquals("aggregate 'x': the filter has no field", refusal(agg("x", "count", null, H)
                .setFilter(AggregateFilter.newBuilder().setField("").setValue("1").build())));
    }

    @Test
    void nullableAndIntegralFollowTheFunction() {
        for (Function f : Function.values()) {
            final AggregateDefinition d = AggregateDefinition.of(
                    agg("x", f.text(), f.takesField() ? "amount" : null, H).build());
            final boolean integral = f == Function.COUNT || f == Function.COUNT_DISTINCT;
            final boolean nullable = !integral && f != Function.SUM;
            assertEquals(integral, d.integral(), f.text());
            assertEquals(nullable, d.nullable(), f.text());
        }
    }

    @Test
    void stateIdIgnoresNameAndIncludeCurrentOnly() {
        final Aggregate.Builder base = agg("a", "sum", "amount", H).setGraceMs(M)
                .setFilter(AggregateFilter.newBuilder().setField("is_online").setValue("true").build());
        final long id = AggregateDefinition.of(base.build()).stateId();
        assertEquals(id, AggregateDefinition.of(Aggregate.newBuilder(base).setName("b").setIncludeCurrent(false)
                .build()).stateId());
        // an explicit bucket equal to the default is the same state
        assertEquals(id, AggregateDefinition.of(Aggregate.newBuilder(base).setBucketMs(M).build()).stateId());
        assertNotEquals(id, AggregateDefinition.of(Aggregate.newBuilder(base).setFunction("mean").build()).stateId());
        assertNotEquals(id, AggregateDefinition.of(Aggregate.newBuilder(base).setField("items").build()).stateId());
        assertNotEquals(id, AggregateDefinition.of(Aggregate.newBuilder(base).setGroupBy(null).build()).stateId());
        assertNotEquals(id, AggregateDefinition.of(Aggregate.newBuilder(base).setWindowMs(2 * H).build()).stateId());
        assertNotEquals(id, AggregateDefinition.of(Aggregate.newBuilder(base).setBucketMs(10 * S).build()).stateId());
        assertNotEquals(id, AggregateDefinition.of(Aggregate.newBuilder(base).setGraceMs(0).build()).stateId());
        assertNotEquals(id, AggregateDefinition.of(Aggregate.newBuilder(base).setFilter(null).build()).stateId());
        assertNotEquals(id, AggregateDefinition.of(Aggregate.newBuilder(base).setFilter(AggregateFilter.newBuilder()
                .setField("is_online").setNegated(true).setValue("true").build()).build()).stateId());
    }

    @Test
    void stateIdIsAFixedHashOfACanonicalText() {
        // given: the id is stored with every state, so it must never change for the same definition
        final AggregateDefinition d = AggregateDefinition.of(agg("amount_sum_24h", "sum", "amount", D).build());

        assertEquals("scorestream-aggregate-state/1;function=sum;field=6:amount;group_by=10:account_id;filter=-;"
                + "bucket_ms=600000;window_ms=86400000;grace_ms=0", d.canonicalStateText());
        // first 8 bytes of SHA-256 of that text (printf '%s' TEXT | sha256sum)
        assertEquals(0xfe58b9e8259b4966L, d.stateId());
    }

    @Test
    void equalityCoversTheWholeDefinitionWithTheBucketResolved() {
        final AggregateDefinition a = AggregateDefinition.of(agg("a", "count", null, H).build());
        assertEquals(a, AggregateDefinition.of(agg("a", "count", null, H).setBucketMs(M).build()));
        assertEquals(a.hashCode(), AggregateDefinition.of(agg("a", "count", null, H).setBucketMs(M).build()).hashCode());
        assertNotEquals(a, AggregateDefinition.of(agg("b", "count", null, H).build()));
        assertNotEquals(a, AggregateDefinition.of(agg("a", "count", null, H).setIncludeCurrent(false).build()));
    }

    @Test
    void accessorsAndToStringGiveTheResolvedDefinition() {
        final AggregateDefinition d = AggregateDefinition.of(agg("merchants_1h", "count_distinct", "merchant", H)
                .setGraceMs(5 * M).setIncludeCurrent(false)
                .setFilter(AggregateFilter.newBuilder().setField("is_online").setNegated(true).setValue("true").build())
                .build());
        assertEquals("merchants_1h", d.name());
        assertEquals(Function.COUNT_DISTINCT, d.function());
        assertEquals("merchant", d.field());
        assertEquals("account_id", d.groupBy());
        assertEquals(H, d.windowMs());
        assertEquals(M, d.bucketMs());
        assertEquals(5 * M, d.graceMs());
        assertFalse(d.includeCurrent());
        assertTrue(d.hasFilter());
        assertEquals("is_online", d.filterField());
        assertTrue(d.filterNegated());
        assertEquals("true", d.filterValue());
        // (1h + 5m) / 1m
        assertEquals(65, d.retainedBuckets());
        assertEquals("merchants_1h=count_distinct(merchant) by account_id over 1h grace 5m"
                + " where is_online != true excluding current", d.toString());
        assertNull(AggregateDefinition.of(agg("c", "count", null, H).setGroupBy(null).build()).groupBy());
    }
}
