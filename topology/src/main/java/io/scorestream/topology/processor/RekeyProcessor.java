package io.scorestream.topology.processor;

import io.scorestream.topology.errors.InvalidEventException;
import io.scorestream.topology.serde.FeatureEvent;
import java.nio.charset.StandardCharsets;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericEnumSymbol;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/**
 * Gives each event the value of one of its fields (as UTF-8 text) as its key, ahead of a
 * repartition, so every event of a group reaches the task that holds the group's aggregates. The
 * event's own key and source coordinates go along as {@link RepartitionHeaders}. An event without
 * the field (or with a null, or a floating-point, value) cannot be grouped: it is rejected with an
 * {@link InvalidEventException} and dead-lettered by the processing exception handler.
 *
 * <p>A field's text is the one aggregates group by: a string, an enum's symbol, an int's or a
 * long's decimal digits, {@code true} or {@code false}.
 */
public final class RekeyProcessor implements Processor<byte[], FeatureEvent, byte[], FeatureEvent> {

    private final String field;
    private ProcessorContext<byte[], FeatureEvent> context;
    private Schema lastSchema;
    private int lastPos = -1;

    public RekeyProcessor(String field) {
        this.field = field;
    }

    /** A supplier of processors rekeying by {@code field}. */
    public static ProcessorSupplier<byte[], FeatureEvent, byte[], FeatureEvent> supplier(String field) {
        return () -> new RekeyProcessor(field);
    }

    @Override
    public void init(ProcessorContext<byte[], FeatureEvent> context) {
        this.context = context;
    }

    @Override
    public void process(Record<byte[], FeatureEvent> record) {
        final FeatureEvent event = record.value();
        if (event == null) {
            throw new InvalidEventException("null_value", "the record has a null value (a tombstone); there is "
                    + "nothing to score");
        }
        final GenericRecord value = event.record();
        final Schema schema = value.getSchema();
        if (schema != lastSchema) {
            final Schema.Field f = schema.getType() == Schema.Type.RECORD ? schema.getField(field) : null;
            lastPos = f == null ? -1 : f.pos();
            lastSchema = schema;
        }
        if (lastPos < 0) {
            throw missingField(field, schema);
        }
        final byte[] key = groupKey(value.get(lastPos), field);
        final RecordMetadata meta = context.recordMetadata().orElse(null);
        final Headers headers = new RecordHeaders(record.headers().toArray());
        RepartitionHeaders.add(headers, record.key(), meta == null ? "" : meta.topic(),
                meta == null ? -1 : meta.partition(), meta == null ? -1 : meta.offset());
        context.forward(record.withKey(key).withHeaders(headers));
    }

    /**
     * The key an event gets when repartitioned by {@code field}: the field's text as UTF-8, the
     * bytes {@link RekeyProcessor} writes to the repartition topic (a replay of a repartitioned
     * pipeline rekeys with it, so its events land as live ones do). Stateless.
     *
     * @throws InvalidEventException {@code aggregate_missing_field} when the event has no such field or
     *     a value that cannot be a group; {@code aggregate_null_group} when it is null
     */
    public static byte[] groupKey(GenericRecord value, String field) {
        final Schema schema = value.getSchema();
        final Schema.Field f = schema.getType() == Schema.Type.RECORD ? schema.getField(field) : null;
        if (f == null) {
            throw missingField(field, schema);
        }
        return groupKey(value.get(f.pos()), field);
    }

    private static InvalidEventException missingField(String field, Schema schema) {
        return new InvalidEventException("aggregate_missing_field", "the events are repartitioned by field '"
                + field + "', which this event (" + schema.getFullName() + ") does not have");
    }

    private static byte[] groupKey(Object v, String field) {
        if (v == null) {
            throw new InvalidEventException("aggregate_null_group", "the events are repartitioned by field '" + field
                    + "', which is null in this event");
        }
        if (v instanceof CharSequence || v instanceof GenericEnumSymbol<?> || v instanceof Integer
                || v instanceof Long || v instanceof Boolean) {
            return v.toString().getBytes(StandardCharsets.UTF_8);
        }
        throw new InvalidEventException("aggregate_missing_field", "the events are repartitioned by field '"
                + field + "', whose value here is a " + v.getClass().getSimpleName() + ": a group needs a "
                + "string, an enum, an int, a long or a boolean");
    }
}
