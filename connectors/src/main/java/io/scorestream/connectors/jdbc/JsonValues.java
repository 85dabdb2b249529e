package io.scorestream.connectors.jdbc;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.time.LocalDate;
import java.time.LocalTime;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.data.Date;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Time;
import org.apache.kafka.connect.data.Timestamp;
import org.apache.kafka.connect.errors.DataException;

/**
 * Connect values (maps, arrays, structs, and whatever they hold) as JSON text for {@code jsonb}
 * columns, guided by their schema:
 * <ul>
 *   <li>struct → object by field name; map with string keys → object; map with other keys →
 *       array of {@code {"key": ..., "value": ...}}; array → array;</li>
 *   <li>Timestamp → ISO-8601 instant string ({@code 2026-12-07T03:02:46.123Z}); Date →
 *       {@code 2026-12-07}; Time → {@code 03:02:46.123}; Decimal → exact number;</li>
 *   <li>bytes → base64 string; NaN and infinities → strings ({@code "NaN"}), as JSON has no such
 *       numbers.</li>
 * </ul>
 * Stateless and thread-safe.
 */
final class JsonValues {

    private static final JsonFactory FACTORY = new JsonFactory();
    private static final long MILLIS_PER_DAY = 86_400_000L;

    private JsonValues() {
    }

    /**
     * {@code value}, a Connect value of {@code schema} (may be null for schemaless content), as JSON.
     *
     * @throws DataException when the value does not match its schema
     */
    static String toJson(final Schema schema, final Object value) {
        final StringWriter out = new StringWriter(64);
        try (JsonGenerator json = FACTORY.createGenerator(out)) {
            write(json, schema, value);
        } catch (IOException e) {
            // A StringWriter does not fail; Jackson declares it anyway.
            throw new UncheckedIOException(e);
        } catch (ClassCastException e) {
            throw new DataException("Value does not match its schema " + schema + ": " + e.getMessage(), e);
        }
        return out.toString();
    }

    private static void write(final JsonGenerator json, final Schema schema, final Object value) throws IOException {
        if (value == null) {
            json.writeNull();
            return;
        }
        if (schema == null) {
            writeSchemaless(json, value);
            return;
        }
        final String logical = schema.name();
        if (Timestamp.LOGICAL_NAME.equals(logical)) {
            json.writeString(((java.util.Date) value).toInstant().toString());
            return;
        }
        if (Date.LOGICAL_NAME.equals(logical)) {
            json.writeString(LocalDate.ofEpochDay(Math.floorDiv(((java.util.Date) value).getTime(),
                    MILLIS_PER_DAY)).toString());
            return;
        }
        if (Time.LOGICAL_NAME.equals(logical)) {
            json.writeString(LocalTime.ofNanoOfDay(Math.floorMod(((java.util.Date) value).getTime(),
                    MILLIS_PER_DAY) * 1_000_000L).toString());
            return;
        }
        if (Decimal.LOGICAL_NAME.equals(logical)) {
            json.writeNumber((BigDecimal) value);
            return;
        }
        switch (schema.type()) {
            case INT8:
            case INT16:
            case INT32:
            case INT64:
                json.writeNumber(((Number) value).longValue());
                break;
            case FLOAT32:
                final float f = (Float) value;
                if (Float.isFinite(f)) {
                    json.writeNumber(f);
                } else {
                    json.writeString(Float.toString(f));
                }
                break;
            case FLOAT64:
                writeDouble(json, (Double) value);
                break;
            case BOOLEAN:
                json.writeBoolean((Boolean) value);
                break;
            case STRING:
                json.writeString((String) value);
                break;
            case BYTES:
                json.writeBinary(bytes(value));
                break;
            case ARRAY:
                json.writeStartArray();
                for (final Object element : (List<?>) value) {
                    write(json, schema.valueSchema(), element);
                }
                json.writeEndArray();
                break;
            case MAP:
                writeMap(json, schema, (Map<?, ?>) value);
                break;
            case STRUCT:
                final Struct struct = (Struct) value;
                json.writeStartObject();
                for (final Field field : schema.fields()) {
                    json.writeFieldName(field.name());
                    write(json, field.schema(), struct.get(field));
                }
                json.writeEndObject();
                break;
            default:
                throw new DataException("Connect type " + schema.type() + " cannot be written as JSON");
        }
    }

    private static void writeMap(final JsonGenerator json, final Schema schema, final Map<?, ?> map)
            throws IOException {
        if (schema.keySchema().type() == Schema.Type.STRING) {
            json.writeStartObject();
            for (final Map.Entry<?, ?> e : map.entrySet()) {
                json.writeFieldName((String) e.getKey());
                write(json, schema.valueSchema(), e.getValue());
            }
            json.writeEndObject();
        } else {
            // JSON object keys are strings; other keys keep their type in a list of pairs.
            json.writeStartArray();
            for (final Map.Entry<?, ?> e : map.entrySet()) {
                json.writeStartObject();
                json.writeFieldName("key");
                write(json, schema.keySchema(), e.getKey());
                json.writeFieldName("value");
                write(json, schema.valueSchema(), e.getValue());
                json.writeEndObject();
            }
            json.writeEndArray();
        }
    }

    private static void writeSchemaless(final JsonGenerator json, final Object value) throws IOException {
        if (value instanceof Struct) {
            write(json, ((Struct) value).schema(), value);
        } else if (value instanceof Map) {
            json.writeStartObject();
            for (final Map.Entry<?, ?> e : ((Map<?, ?>) value).entrySet()) {
                json.writeFieldName(String.valueOf(e.getKey()));
                write(json, null, e.getValue());
            }
            json.writeEndObject();
        } else if (value instanceof List) {
            json.writeStartArray();
            for (final Object element : (List<?>) value) {
                write(json, null, element);
            }
            json.writeEndArray();
        } else if (value instanceof Float || value instanceof Double) {
            writeDouble(json, ((Number) value).doubleValue());
        } else if (value instanceof BigDecimal) {
            json.writeNumber((BigDecimal) value);
        } else if (value instanceof Number) {
            json.writeNumber(((Number) value).longValue());
        } else if (value instanceof Boolean) {
            json.writeBoolean((Boolean) value);
        } else if (value instanceof byte[] || value instanceof ByteBuffer) {
            json.writeBinary(bytes(value));
        } else if (value instanceof java.util.Date) {
            json.writeString(((java.util.Date) value).toInstant().toString());
        } else {
            json.writeString(value.toString());
        }
    }

    private static void writeDouble(final JsonGenerator json, final double d) throws IOException {
        if (Double.isFinite(d)) {
            json.writeNumber(d);
        } else {
            json.writeString(Double.toString(d));
        }
    }

    /** The content of a Connect bytes value ({@code byte[]} or {@link ByteBuffer}); the buffer is not moved. */
    static byte[] bytes(final Object value) {
        if (value instanceof byte[]) {
            return (byte[]) value;
        }
        final ByteBuffer buffer = ((ByteBuffer) value).duplicate();
        final byte[] bytes = new byte[buffer.remaining()];
        buffer.get(bytes);
        return bytes;
    }
}
