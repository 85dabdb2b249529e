package io.scorestream.topology.processor;

import org.apache.avro.Schema;
import org.apache.avro.generic.IndexedRecord;

/**
 * An event as one model version scores it: the event's own fields, then the values of the
 * version's aggregates, under the schema {@link io.scorestream.inference.ScoringModel#featureSchema}
 * gives (the event's fields, then one per aggregate). A read-only view: nothing is copied.
 */
final class FeaturedRecord implements IndexedRecord {

    private final Schema schema;
    private final IndexedRecord event;
    private final int eventFields;
    private final Object[] aggregates;

    /**
     * @param schema the event's schema with the aggregates' fields appended
     * @param event the event
     * @param aggregates the aggregates' values, in the order of their fields
     */
    FeaturedRecord(Schema schema, IndexedRecord event, Object[] aggregates) {
        this.schema = schema;
        this.event = event;
        this.eventFields = event.getSchema().getFields().size();
        this.aggregates = aggregates;
    }

    @Override
    public Schema getSchema() {
        return schema;
    }

    @Override
    public Object get(int i) {
        return i < eventFields ? event.get(i) : aggregates[i - eventFields];
    }

    @Override
    public void put(int i, Object v) {
        throw new UnsupportedOperationException("a scored event is read-only");
    }
}
