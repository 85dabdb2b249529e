package io.scorestream.topology.processor;

import io.scorestream.inference.ScoringModel;
import io.scorestream.schemas.Aggregate;
import io.scorestream.inference.features.AggregateDefinition;
import io.scorestream.topology.features.FeatureEngine;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.generic.IndexedRecord;

/**
 * The aggregates one model version declares, and how a record gets their values: those another
 * lane already computed for the record are reused ({@link FeatureValues}), the others are computed
 * by the task's {@link FeatureEngine} (which updates their state). Built once per version a task
 * scores with. Not thread-safe.
 */
final class LaneFeatures {

    private final ScoringModel model;
    private final List<AggregateDefinition> definitions;
    private final long[] valueIds;
    /** Positions of the definitions whose value id no earlier one has (each value is computed once). */
    private final int[] distinct;
    /** Whether this task has noted when each of these aggregates' states began (processor's business). */
    boolean statesNoted;
    /** The event schema seen last and the schema records of it are scored with (the usual case: one schema). */
    private Schema lastEventSchema;
    private Schema lastFeatureSchema;
    /** Scratch for the engine's output. */
    private final Object[] computed;

    private LaneFeatures(ScoringModel model, List<AggregateDefinition> definitions) {
        this.model = model;
        this.definitions = definitions;
        this.valueIds = new long[definitions.size()];
        for (int i = 0; i < valueIds.length; i++) {
            valueIds[i] = valueId(definitions.get(i));
        }
        final int[] firsts = new int[valueIds.length];
        int n = 0;
        outer:
        for (int i = 0; i < valueIds.length; i++) {
            for (int j = 0; j < i; j++) {
                if (valueIds[j] == valueIds[i]) {
                    continue outer;
                }
            }
            firsts[n++] = i;
        }
        this.distinct = java.util.Arrays.copyOf(firsts, n);
        this.computed = new Object[definitions.size()];
    }

    /** The features of {@code model}; null when it declares no aggregate. */
    static LaneFeatures of(ScoringModel model) {
        final List<Aggregate> aggregates = model.aggregates();
        if (aggregates.isEmpty()) {
            return null;
        }
        final List<AggregateDefinition> definitions = new ArrayList<>(aggregates.size());
        for (Aggregate a : aggregates) {
            definitions.add(AggregateDefinition.of(a));
        }
        return new LaneFeatures(model, List.copyOf(definitions));
    }

    /**
     * Identifies a definition's value for a record: its state and whether the record counts in it.
     * Two lanes (or versions) that declare the same aggregate under different names share it.
     */
    static long valueId(AggregateDefinition d) {
        return d.stateId() * 31 + (d.includeCurrent() ? 1 : 0);
    }

    List<AggregateDefinition> definitions() {
        return definitions;
    }

    /**
     * The record as this version scores it: the event plus its aggregates' values, computing those
     * {@code values} does not hold yet (and adding them to it).
     *
     * @throws io.scorestream.topology.features.AggregateException when an aggregate cannot be
     *     computed for this event (a missing group field, say)
     */
    IndexedRecord featured(FeatureEngine engine, FeatureValues values, byte[] key, GenericRecord event,
                           long timestamp, long streamTimeMs) {
        // First the schema: an event that lacks a field the aggregates read is a schema mismatch,
        // refused (FeatureException) before any state is touched, as the version's load-time check says.
        scoredSchema(event.getSchema());
        int missing = 0;
        for (int i : distinct) {
            if (values.find(valueIds[i]) < 0) {
                missing++;
            }
        }
        values.ensureCapacity(values.size() + missing);
        if (missing == definitions.size()) {
            // The usual case (the first lane of a record): every definition, the same list object
            // each time, which the engine's plan cache finds by identity.
            engine.compute(definitions, key, event, timestamp, streamTimeMs, computed);
            for (int i = 0; i < valueIds.length; i++) {
                values.put(valueIds[i], computed[i]);
                computed[i] = null;
            }
        } else if (missing > 0) {
            final List<AggregateDefinition> some = new ArrayList<>(missing);
            final int[] at = new int[missing];
            int m = 0;
            for (int i : distinct) {
                if (values.find(valueIds[i]) < 0) {
                    some.add(definitions.get(i));
                    at[m++] = i;
                }
            }
            engine.compute(some, key, event, timestamp, streamTimeMs, computed);
            for (int j = 0; j < m; j++) {
                values.put(valueIds[at[j]], computed[j]);
                computed[j] = null;
            }
        }
        return view(values, event);
    }

    /** The record with the aggregates' values {@code values} holds (all of this version's must be there). */
    IndexedRecord view(FeatureValues values, GenericRecord event) {
        final Object[] mine = new Object[definitions.size()];
        for (int i = 0; i < mine.length; i++) {
            final int at = values.find(valueIds[i]);
            if (at < 0) {
                throw new IllegalStateException("aggregate '" + definitions.get(i).name() + "' was not computed");
            }
            mine[i] = values.value(at);
        }
        return new FeaturedRecord(scoredSchema(event.getSchema()), event, mine);
    }

    /**
     * The schema records of {@code eventSchema} are scored with.
     *
     * @throws io.scorestream.inference.FeatureException ({@code schema_mismatch}) when an
     *     aggregate reads a field the event lacks, or has a field's name
     */
    private Schema scoredSchema(Schema eventSchema) {
        if (eventSchema != lastEventSchema) {
            // ScoringModel caches by schema equality, a deep comparison: too slow for every record.
            lastFeatureSchema = model.featureSchema(eventSchema);
            lastEventSchema = eventSchema;
        }
        return lastFeatureSchema;
    }

    /** The values of this version's aggregates, by name, as doubles (for {@code score.features.emit}). */
    java.util.Map<String, Double> named(FeatureValues values) {
        final java.util.Map<String, Double> out = new java.util.LinkedHashMap<>();
        for (int i = 0; i < definitions.size(); i++) {
            final int at = values.find(valueIds[i]);
            final Object v = at < 0 ? null : values.value(at);
            out.put(definitions.get(i).name(), v == null ? null : ((Number) v).doubleValue());
        }
        return out;
    }
}
