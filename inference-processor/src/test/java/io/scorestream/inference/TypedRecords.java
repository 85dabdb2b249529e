package io.scorestream.inference;

import io.scorestream.schemas.FeatureColumn;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;

/**
 * Records of one Avro element type for the typed-input tests: an array field {@code values} of
 * that type and a scalar field {@code last} of it, mapped in that order. Records come back through
 * Avro's binary encoding, so arrays are the primitive-array lists production decoding yields.
 */
public final class TypedRecords {

    static final String VALUES = "values";
    static final String LAST = "last";

    private TypedRecords() {
    }

    /** Record {@code Typed} with {@code values: array<element>} and {@code last: element}. */
    static Schema schema(Schema.Type element) {
        final Schema e = Schema.create(element);
        return Schema.createRecord("Typed", null, "test", false, List.of(
                new Schema.Field(VALUES, Schema.createArray(e)),
                new Schema.Field(LAST, e)));
    }

    /** {@code values[arrayWidth]} then {@code last}: {@code arrayWidth + 1} values per row. */
    static List<FeatureColumn> columns(int arrayWidth) {
        return List.of(FeatureColumn.newBuilder().setField(VALUES).setWidth(arrayWidth).build(),
                FeatureColumn.newBuilder().setField(LAST).build());
    }

    /**
     * A record with {@code arrayWidth} random values and a random {@code last}: doubles standard-ish
     * in [-2, 2), ints and longs in [-5, 5], booleans fair.
     */
    static GenericRecord random(Schema schema, int arrayWidth, SplittableRandom random) {
        final Schema.Type type = schema.getField(LAST).schema().getType();
        final List<Object> values = new ArrayList<>(arrayWidth);
        for (int k = 0; k < arrayWidth; k++) {
            values.add(value(type, random));
        }
        final GenericRecord r = new GenericData.Record(schema);
        r.put(VALUES, values);
        r.put(LAST, value(type, random));
        return roundTrip(r);
    }

    private static Object value(Schema.Type type, SplittableRandom random) {
        return switch (type) {
            case DOUBLE -> random.nextDouble(-2, 2);
            case FLOAT -> (float) random.nextDouble(-2, 2);
            case INT -> random.nextInt(-5, 6);
            case LONG -> (long) random.nextInt(-5, 6);
            case BOOLEAN -> random.nextBoolean();
            default -> throw new IllegalArgumentException("no values of " + type);
        };
    }

    /** The record's row as numbers: {@code values} then {@code last}, booleans as 1 and 0. */
    static double[] row(GenericRecord r) {
        final List<?> values = (List<?>) r.get(VALUES);
        final double[] row = new double[values.size() + 1];
        for (int k = 0; k < values.size(); k++) {
            row[k] = number(values.get(k));
        }
        row[values.size()] = number(r.get(LAST));
        return row;
    }

    /** {@link #row(GenericRecord)} rounded to float, as a model that casts its input to float sees it. */
    static double[] floatRow(GenericRecord r) {
        final double[] row = row(r);
        for (int k = 0; k < row.length; k++) {
            row[k] = (float) row[k];
        }
        return row;
    }

    private static double number(Object v) {
        return v instanceof Boolean b ? (b ? 1 : 0) : ((Number) v).doubleValue();
    }

    /** {@code record} written with Avro's binary encoding and read back with its own schema. */
    public static GenericRecord roundTrip(GenericRecord record) {
        try {
            final ByteArrayOutputStream out = new ByteArrayOutputStream();
            final BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
            new GenericDatumWriter<GenericRecord>(record.getSchema()).write(record, encoder);
            encoder.flush();
            return new GenericDatumReader<GenericRecord>(record.getSchema())
                    .read(null, DecoderFactory.get().binaryDecoder(out.toByteArray(), null));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
