package io.scorestream.topology.features;

import io.scorestream.inference.features.AggregateDefinition;
import static io.scorestream.topology.features.FeatureFixture.tx;
import static io.scorestream.topology.features.FeatureFixture.utf8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scorestream.topology.features.FeatureFixture.Run;
import java.util.List;
import java.util.TreeMap;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.junit.jupiter.api.Test;

/** Every reason an event's aggregates cannot be computed, and that such an event changes nothing. */
class FeatureEngineErrorsTest {

    private static AggregateException failure(Run run, byte[] key, FeatureFixture.Tx tx) {
        return assertThrows(AggregateException.class, () -> run.at(1_000, key, tx));
    }

    private static void assertMissingField(String aggregate, String message) {
        final AggregateException e = failure(new Run(aggregate), utf8("A"), tx("A", 1));
        assertEquals(AggregateException.MISSING_FIELD, e.reason());
        assertEquals("aggregate_missing_field", e.reason());
        assertEquals(message, e.getMessage());
    }

    @Test
    void aFieldAbsentFromTheSchemaIsMissing() {
        assertMissingField("x=sum(price) by account_id over 10s bucket 1s",
                "aggregate 'x': field 'price' is not in the event schema test.Tx");
        assertMissingField("x=count() by region over 10s bucket 1s",
                "aggregate 'x': group_by field 'region' is not in the event schema test.Tx");
        assertMissingField("x=count() by account_id over 10s bucket 1s where region = eu",
                "aggregate 'x': filter field 'region' is not in the event schema test.Tx");
    }

    @Test
    void aFieldOfATypeTheFunctionCannotTakeIsMissing() {
        assertMissingField("x=sum(merchant) by account_id over 10s bucket 1s",
                "aggregate 'x': field 'merchant' is string; sum takes a number or boolean field");
        assertMissingField("x=last(channel) by account_id over 10s bucket 1s",
                "aggregate 'x': field 'channel' is enum; last takes a number or boolean field");
        assertMissingField("x=count_distinct(tags) by account_id over 10s bucket 1s",
                "aggregate 'x': field 'tags' is array; count_distinct takes a number, boolean, string or enum field");
        assertMissingField("x=max(mixed) by account_id over 10s bucket 1s",
                "aggregate 'x': field 'mixed' is union [null, string, long]; max takes a number or boolean field");
        assertMissingField("x=count() by amount over 10s bucket 1s",
                "aggregate 'x': group_by field 'amount' is double; group by a string, enum, int, long or boolean"
                        + " field");
        assertMissingField("x=count() by key over 10s bucket 1s where tags = a",
                "aggregate 'x': filter field 'tags' is array; a filter compares a number, boolean, string or enum"
                        + " field");
    }

    @Test
    void aFilterValueThatDoesNotFitItsFieldIsMissingField() {
        assertMissingField("x=count() by key over 10s bucket 1s where is_online = maybe",
                "aggregate 'x': filter value 'maybe' is not true or false, but field 'is_online' is boolean");
        assertMissingField("x=count() by key over 10s bucket 1s where amount = abc",
                "aggregate 'x': filter value 'abc' is not a number, but field 'amount' is double");
        assertMissingField("x=count() by key over 10s bucket 1s where items != NaN",
                "aggregate 'x': filter value 'NaN' is not a number, but field 'items' is long");
        assertMissingField("x=count() by key over 10s bucket 1s where channel = SHOP",
                "aggregate 'x': filter value 'SHOP' is not a symbol of enum field 'channel' (WEB, POS)");
    }

    @Test
    void theFirstFailingAggregateOfTheListIsNamed() {
        final Run run = new Run("ok=count() by key over 10s bucket 1s", "bad=sum(price) by key over 10s bucket 1s",
                "worse=sum(merchant) by key over 10s bucket 1s");

        assertEquals("aggregate 'bad': field 'price' is not in the event schema test.Tx",
                failure(run, utf8("A"), tx("A", 1)).getMessage());
        // and again for the next event of the schema (the failed plan is kept)
        assertEquals("aggregate 'bad': field 'price' is not in the event schema test.Tx",
                failure(run, utf8("A"), tx("A", 1)).getMessage());
    }

    @Test
    void aNullGroupIsANullGroup() {
        final AggregateException field = failure(new Run("x=count() by device over 10s bucket 1s"), utf8("A"),
                tx("A", 1));
        assertEquals(AggregateException.NULL_GROUP, field.reason());
        assertEquals("aggregate_null_group", field.reason());
        assertEquals("aggregate 'x': group_by field 'device' is null", field.getMessage());

        final AggregateException key = failure(new Run("k=count() by key over 10s bucket 1s"), null, tx("A", 1));
        assertEquals(AggregateException.NULL_GROUP, key.reason());
        assertEquals("aggregate 'k': the record key is null, and the aggregate groups by the record key",
                key.getMessage());
    }

    @Test
    void aGroupFieldThatIsNotTheRecordKeyIsNotPartitionedWhenItMustBe() {
        final Run strict = new Run(new MapFeatureStore(), true, "x=sum(amount) by account_id over 10s bucket 1s");

        final AggregateException e = failure(strict, utf8("B"), tx("A", 1));

        assertEquals(AggregateException.NOT_PARTITIONED, e.reason());
        assertEquals("aggregate_not_partitioned", e.reason());
        assertEquals("aggregate 'x': group_by field 'account_id' is 'A' but the record key is 'B': the events of one"
                + " account_id may be spread over partitions, so the aggregate would be wrong; key the input topic by"
                + " account_id, or set repartition.by=account_id", e.getMessage());
        assertEquals(AggregateException.NOT_PARTITIONED, failure(strict, null, tx("A", 1)).reason());
        // keyed by the field: fine; and a lenient engine takes any key
        assertArrayEquals(new Object[] {1.0}, strict.at(0, utf8("A"), tx("A", 1)));
        assertArrayEquals(new Object[] {1.0},
                new Run("x=sum(amount) by account_id over 10s bucket 1s").at(0, utf8("B"), tx("A", 1)));
    }

    @Test
    void theRecordKeyGroupNeedsNoMatch() {
        final Run strict = new Run(new MapFeatureStore(), true, "k=count() by key over 10s bucket 1s");

        assertArrayEquals(new Object[] {1L}, strict.at(0, utf8("anything"), tx("A", 1)));
    }

    @Test
    void aFailingEventLeavesTheStoreAsItWas() {
        final Run run = new Run("s=sum(amount) by account_id over 10s bucket 1s",
                "k=count() by key over 10s bucket 1s", "d=count() by device over 10s bucket 1s");
        run.at(0, tx("A", 1).set("device", "phone"));
        final TreeMap<byte[], byte[]> before = run.store.snapshot();
        run.store.resetCounts();

        // the third group's field is null: nothing is read or written, for the first two groups either
        final AggregateException e = failure(run, utf8("A"), tx("A", 5).set("device", null));

        assertEquals(AggregateException.NULL_GROUP, e.reason());
        assertTrue(MapFeatureStore.sameContents(before, run.store.map));
        assertEquals(0, run.store.puts + run.store.deletes);
        // the next event goes on from the state before the failure: 1 + 2
        assertArrayEquals(new Object[] {3.0, 2L, 2L}, run.at(2_000, tx("A", 2).set("device", "phone")));
    }

    @Test
    void aFailingSchemaDoesNotAffectAnotherSchema() {
        final Run run = new Run("s=sum(amount) by account_id over 10s bucket 1s");
        final Schema without = SchemaBuilder.record("Tx").namespace("test").fields()
                .requiredString("account_id").endRecord();
        final GenericData.Record bare = new GenericData.Record(without);
        bare.put("account_id", "A");

        final AggregateException e = assertThrows(AggregateException.class,
                () -> run.engine.compute(run.aggregates, utf8("A"), bare, 0, new Object[1]));

        assertEquals(AggregateException.MISSING_FIELD, e.reason());
        assertArrayEquals(new Object[] {1.0}, run.at(0, tx("A", 1)));
        // an equal list in another instance finds the same plan
        final Object[] out = new Object[1];
        run.engine.compute(List.copyOf(FeatureFixture.defs("s=sum(amount) by account_id over 10s bucket 1s")),
                utf8("A"), tx("A", 2).build(), 1, out);
        assertArrayEquals(new Object[] {3.0}, out);
    }

    @Test
    void theListenerCanBeNone() {
        final FeatureEngine engine = new FeatureEngine(new MapFeatureStore(), FeatureListener.NONE, false);
        final Object[] out = new Object[1];
        final List<AggregateDefinition> list = FeatureFixture.defs("c=count() by key over 10s bucket 1s");

        engine.compute(list, utf8("A"), tx("A", 1).build(), 30_000, out);
        engine.compute(list, utf8("A"), tx("A", 1).build(), 0, out);

        assertEquals(0L, out[0]);
    }
}
