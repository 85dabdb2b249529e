package io.scorestream.inference.features;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scorestream.schemas.Aggregate;
import io.scorestream.schemas.AggregateFilter;
import org.junit.jupiter.api.Test;

class AggregateSyntaxTest {

    private static final long S = 1_000L;
    private static final long M = 60 * S;
    private static final long H = 60 * M;
    private static final long D = 24 * H;

    private static Aggregate.Builder agg(String name, String function, String field, String groupBy, long windowMs,
                                         long bucketMs) {
        return Aggregate.newBuilder().setName(name).setFunction(function).setField(field).setGroupBy(groupBy)
                .setWindowMs(windowMs).setBucketMs(bucketMs).setGraceMs(0).setIncludeCurrent(true).setFilter(null);
    }

    private static AggregateFilter filter(String field, boolean negated, String value) {
        return AggregateFilter.newBuilder().setField(field).setNegated(negated).setValue(value).build();
    }

    private static String error(String text) {
        return assertThrows(IllegalArgumentException.class, () -> AggregateSyntax.parse(text)).getMessage();
    }

    @Test
    void parsesTheDocumentedExamplesWithTheBucketResolved() {
        assertEquals(agg("amount_sum_24h", "sum", "amount", "account_id", D, 10 * M).build(),
                AggregateSyntax.parse("amount_sum_24h=sum(amount) by account_id over 24h"));
        assertEquals(agg("tx_count_10m", "count", null, null, 10 * M, 10 * S)
                        .setFilter(filter("is_online", false, "true")).build(),
                AggregateSyntax.parse("tx_count_10m=count() by key over 10m where is_online = true"));
        assertEquals(agg("gap", "since_last", null, "account_id", 30 * D, H).build(),
                AggregateSyntax.parse("gap=since_last() by account_id over 30d"));
        assertEquals(agg("merchants_1h", "count_distinct", "merchant", "account_id", H, M).setGraceMs(5 * M)
                        .setIncludeCurrent(false).build(),
                AggregateSyntax.parse("merchants_1h=count_distinct(merchant) by account_id over 1h bucket 1m grace 5m"
                        + " excluding current"));
    }

    @Test
    void acceptsCountStarLooseSpacingAndClausesInAnyOrder() {
        final Aggregate expected = agg("n", "count", null, null, H, 5 * M).setGraceMs(1500)
                .setFilter(filter("items", true, "-3.5")).setIncludeCurrent(false).build();
        assertEquals(expected, AggregateSyntax.parse("  n = count( * ) by key over 1h excluding current"
                + " where items!=-3.5 grace 1500ms bucket 5m  "));
        assertEquals(expected, AggregateSyntax.parse("n=count() by key over 1h bucket 5m grace 1500ms"
                + " where items != -3.5 excluding current"));
    }

    @Test
    void aQuotedValueMayHoldSpacesQuotesAndBackslashes() {
        final Aggregate a = AggregateSyntax.parse("m=count() by key over 1m where merchant = \"Joe's \\\"Diner\\\" \\\\ 2\"");
        assertEquals("Joe's \"Diner\" \\ 2", a.getFilter().getValue());
        assertEquals("m=count() by key over 1m where merchant = \"Joe's \\\"Diner\\\" \\\\ 2\"", AggregateSyntax.format(a));
        assertEquals("", AggregateSyntax.parse("m=count() by key over 1m where merchant = \"\"").getFilter().getValue());
    }

    @Test
    void formatIsCanonicalAndRoundTrips() {
        final String[] canonical = {
            "amount_sum_24h=sum(amount) by account_id over 1d",
            "tx_count_10m=count() by key over 10m where is_online = true",
            "gap=since_last() by account_id over 30d",
            "merchants_1h=count_distinct(merchant) by account_id over 1h grace 5m excluding current",
            "spend=mean(amount) by account_id over 90m bucket 30s where merchant != \"a b\"",
            "x=max(amount) by key over 1500ms bucket 500ms grace 1s",
        };
        for (String text : canonical) {
            assertEquals(text, AggregateSyntax.format(AggregateSyntax.parse(text)));
            final Aggregate a = AggregateSyntax.parse(text);
            assertEquals(a, AggregateSyntax.parse(AggregateSyntax.format(a)));
        }
        // durations in the largest exact unit; an explicit default bucket is left out
        assertEquals("a=sum(amount) by key over 1d", AggregateSyntax.format(
                AggregateSyntax.parse("a=sum(amount) by key over 24h bucket 600s grace 0ms")));
    }

    @Test
    void parseOfFormatGivesTheAggregateWithItsBucketResolvedOrAsGiven() {
        // bucket null: comes back resolved (1h / 60 = 1m)
        final Aggregate noBucket = agg("c", "count", null, "account_id", H, 0).setBucketMs(null).build();
        assertEquals(agg("c", "count", null, "account_id", H, M).build(),
                AggregateSyntax.parse(AggregateSyntax.format(noBucket)));
        // bucket given: as given, whether it is the default or not
        final Aggregate defaultBucket = agg("c", "count", null, "account_id", H, M).build();
        assertEquals(defaultBucket, AggregateSyntax.parse(AggregateSyntax.format(defaultBucket)));
        final Aggregate ownBucket = agg("c", "count", null, "account_id", H, 20 * S).setGraceMs(90 * S).build();
        assertEquals("c=count() by account_id over 1h bucket 20s grace 90s", AggregateSyntax.format(ownBucket));
        assertEquals(ownBucket, AggregateSyntax.parse(AggregateSyntax.format(ownBucket)));
    }

    @Test
    void formatsDurationsInTheLargestExactUnit() {
        assertEquals("1d", AggregateSyntax.formatDuration(D));
        assertEquals("25h", AggregateSyntax.formatDuration(25 * H));
        assertEquals("90s", AggregateSyntax.formatDuration(90 * S));
        assertEquals("1500ms", AggregateSyntax.formatDuration(1_500));
        assertEquals("0ms", AggregateSyntax.formatDuration(0));
    }

    @Test
    void everyParseErrorNamesTheTextThePositionAndTheToken() {
        final String form = "; expected form: " + AggregateSyntax.FORM;
        assertEquals("cannot parse aggregate '=count() by key over 1h' at character 1: expected the aggregate's NAME"
                + " but found '=count()'" + form, error("=count() by key over 1h"));
        assertEquals("cannot parse aggregate 'n count() by key over 1h' at character 3: expected '=' after the name"
                + " but found 'count()'" + form, error("n count() by key over 1h"));
        assertEquals("cannot parse aggregate 'n=summ(amount) by key over 1h' at character 3: unknown function"
                + " 'summ'; valid: count, sum, mean, min, max, stddev, count_distinct, last, since_last" + form,
                error("n=summ(amount) by key over 1h"));
        assertTrue(error("n=sum(*) by key over 1h").contains("at character 7: '*' is only for count(*)"));
        assertTrue(error("n=sum(amount by key over 1h").contains("at character 14: expected ')' but found 'by'"));
        assertTrue(error("n=sum(amount) key over 1h").contains("at character 15: expected 'by' but found 'key'"));
        assertTrue(error("n=sum(amount)by key over 1h").contains("at character 14: expected a space before 'by'"));
        assertTrue(error("n=sum(amount) by over 1h").contains("at character 23: expected 'over' but found '1h'"));
        assertTrue(error("n=sum(amount) by 9x over 1h").contains("at character 18: expected GROUP (a field, or key)"
                + " but found '9x'"));
        assertTrue(error("n=sum(amount) by key 1h").contains("at character 22: expected 'over' but found '1h'"));
        assertTrue(error("n=sum(amount) by key over 24x").contains("at character 27: expected WINDOW (an integer and"
                + " one of ms, s, m, h, d, e.g. 10m) but found '24x'"));
        assertTrue(error("n=sum(amount) by key over h").contains("found 'h'"));
        assertTrue(error("n=sum(amount) by key over").contains("at character 26: expected WINDOW"));
        assertTrue(error("n=sum(amount) by key over 1h buckets 1m").contains("at character 30: expected bucket,"
                + " grace, where, excluding or the end but found 'buckets'"));
        assertTrue(error("n=sum(amount) by key over 1h bucket 1m bucket 2m").contains("at character 40: 'bucket'"
                + " given twice"));
        assertTrue(error("n=sum(amount) by key over 1h grace soon").contains("at character 36: expected a grace"
                + " DURATION"));
        assertTrue(error("n=sum(amount) by key over 1h where is_online true").contains("at character 46: expected"
                + " '=' or '!=' but found 'true'"));
        assertTrue(error("n=sum(amount) by key over 1h where is_online =").contains("at character 47: expected a"
                + " VALUE but found the end"));
        assertTrue(error("n=sum(amount) by key over 1h where m = \"abc").contains("at character 40: the quoted VALUE"
                + " starting here is not closed"));
        assertTrue(error("n=sum(amount) by key over 1h where m = \"a\\nb\"").contains("at character 42: unknown"
                + " escape '\\n'"));
        assertTrue(error("n=sum(amount) by key over 1h excluding now").contains("at character 40: expected"
                + " 'current' but found 'now'"));
        assertTrue(error("n=sum(amount) by key over 99999999999999999d").contains("the duration"
                + " '99999999999999999d' is too large"));
    }

    @Test
    void aParsedAggregateIsValidated() {
        assertEquals("invalid aggregate 'n=sum() by key over 1h': aggregate 'n': sum needs a field",
                error("n=sum() by key over 1h"));
        assertEquals("invalid aggregate 'n=count(amount) by key over 1h': aggregate 'n': count takes no field,"
                + " but field 'amount' is given", error("n=count(amount) by key over 1h"));
        assertTrue(error("n=count() by key over 500ms").contains("give bucket_ms"));
        assertTrue(error("n=count() by key over 1h bucket 7m").contains("does not divide"));
    }
}
