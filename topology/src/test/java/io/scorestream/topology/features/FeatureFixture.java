package io.scorestream.topology.features;

import io.scorestream.inference.features.AggregateDefinition;
import io.scorestream.inference.features.AggregateSyntax;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;

/** Test events (a small transaction schema) and an engine over a map store, for the engine's tests. */
final class FeatureFixture {

    static final Schema CHANNEL = SchemaBuilder.enumeration("Channel").namespace("test").symbols("WEB", "POS");

    static final Schema EVENT = SchemaBuilder.record("Tx").namespace("test").fields()
            .requiredString("account_id")
            .requiredDouble("amount")
            .requiredBoolean("is_online")
            .requiredString("merchant")
            .requiredLong("items")
            .optionalDouble("score")
            .optionalString("device")
            .name("channel").type(CHANNEL).withDefault("WEB")
            .requiredFloat("rate")
            .requiredInt("qty")
            .name("tags").type().array().items().stringType().arrayDefault(List.of())
            .name("mixed").type().unionOf().nullType().and().stringType().and().longType().endUnion().nullDefault()
            .endRecord();

    private FeatureFixture() {
    }

    static AggregateDefinition def(String text) {
        return AggregateDefinition.of(AggregateSyntax.parse(text));
    }

    static List<AggregateDefinition> defs(String... texts) {
        final List<AggregateDefinition> list = new ArrayList<>();
        for (String t : texts) {
            list.add(def(t));
        }
        return List.copyOf(list);
    }

    static Tx tx(String account, double amount) {
        return new Tx(account, amount);
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** An event with defaults for every field but the account and amount. */
    static final class Tx {
        private final GenericData.Record r = new GenericData.Record(EVENT);

        Tx(String account, double amount) {
            r.put("account_id", account);
            r.put("amount", amount);
            r.put("is_online", false);
            r.put("merchant", "m");
            r.put("items", 0L);
            r.put("score", null);
            r.put("device", null);
            r.put("channel", new GenericData.EnumSymbol(CHANNEL, "WEB"));
            r.put("rate", 0f);
            r.put("qty", 0);
            r.put("tags", List.of());
            r.put("mixed", null);
        }

        Tx set(String field, Object value) {
            r.put(field, value);
            return this;
        }

        Tx online(boolean online) {
            return set("is_online", online);
        }

        Tx merchant(Object merchant) {
            return set("merchant", merchant);
        }

        Tx items(long items) {
            return set("items", items);
        }

        Tx score(Double score) {
            return set("score", score);
        }

        Tx channel(String symbol) {
            return set("channel", new GenericData.EnumSymbol(CHANNEL, symbol));
        }

        GenericRecord build() {
            return r;
        }
    }

    /** An engine over a fresh map store with one list of aggregates, recording late calls. */
    static final class Run {
        final MapFeatureStore store;
        final List<String> late = new ArrayList<>();
        final FeatureEngine engine;
        List<AggregateDefinition> aggregates;

        Run(String... aggregates) {
            this(new MapFeatureStore(), false, aggregates);
        }

        Run(MapFeatureStore store, boolean fieldGroupsMustMatchKey, String... aggregates) {
            this.store = store;
            this.engine = new FeatureEngine(store, d -> late.add(d.name()), fieldGroupsMustMatchKey);
            this.aggregates = defs(aggregates);
        }

        /** The names of the aggregates reported late so far, sorted (the engine reports them in state order). */
        List<String> lateSorted() {
            final List<String> sorted = new ArrayList<>(late);
            sorted.sort(null);
            return sorted;
        }

        /** Computes one event keyed by its account. */
        Object[] at(long t, Tx tx) {
            return at(t, utf8(String.valueOf(tx.build().get("account_id"))), tx);
        }

        Object[] at(long t, byte[] key, Tx tx) {
            final Object[] out = new Object[aggregates.size()];
            engine.compute(aggregates, key, tx.build(), t, out);
            return out;
        }
    }
}
