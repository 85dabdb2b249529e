package io.scorestream.inference.signing;

import io.scorestream.schemas.ModelSpec;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericEnumSymbol;
import org.apache.avro.generic.GenericFixed;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;

/**
 * The bytes a model spec's signature is computed over: every field of the spec but its top-level
 * {@code signature}, in one deterministic layout that does not depend on the Avro schema version
 * the spec was written or read with.
 *
 * <p><b>Layout</b> (version 1). The ASCII magic {@value #MAGIC}, then the spec as a <i>record</i>,
 * where each value is one tag byte followed by its content (integers big-endian; "len" is a 4-byte
 * unsigned count):
 * <pre>
 *   null    0x00
 *   boolean 0x01 then 0x00|0x01          int    0x02 then 4 bytes      long  0x03 then 8 bytes
 *   float   0x04 then 4 bytes (IEEE bits, NaN canonical)             double 0x05 then 8 bytes (idem)
 *   string  0x06 then len, UTF-8 bytes   enum   0x07 then len, symbol  bytes 0x08 then len, bytes
 *   fixed   0x09 then len, bytes         array  0x0A then len, each element
 *   map     0x0B then len, entries sorted by the UTF-8 bytes of their key: key (as string), value
 *   record  0x0C then len, fields sorted by the UTF-8 bytes of their name: name (as string), value
 * </pre>
 * A union value is written as the branch it holds (no branch index). Logical types are written as
 * their underlying type (a {@code timestamp-millis} as its long). A record field whose value equals
 * the field's schema default is left out, at every level; the top-level {@code signature} is always
 * left out.
 *
 * <p><b>Why every field, and why defaults are left out.</b> A hand-picked list of "fields that
 * decide the scores" would silently stop covering a field added later (as {@code aggregates} and
 * {@code rollout} were), so the encoding walks the schema: any field added to {@code ModelSpec} is
 * covered without touching this class. Leaving out fields at their default keeps signatures made
 * before a field was added valid after it was (the reader fills the default, which is not
 * written), while any value other than the default is covered. Sorting by name makes the bytes
 * independent of field order and of the iteration order of maps ({@code metadata}).
 *
 * <p>Stateless and thread-safe.
 */
public final class CanonicalSpec {

    /** The first bytes of every encoding; its version changes if the layout does. */
    public static final String MAGIC = "scorestream-modelspec-v1";

    /** The top-level field the encoding leaves out: the signature itself. */
    public static final String SIGNATURE_FIELD = "signature";

    private static final byte NULL = 0x00;
    private static final byte BOOLEAN = 0x01;
    private static final byte INT = 0x02;
    private static final byte LONG = 0x03;
    private static final byte FLOAT = 0x04;
    private static final byte DOUBLE = 0x05;
    private static final byte STRING = 0x06;
    private static final byte ENUM = 0x07;
    private static final byte BYTES = 0x08;
    private static final byte FIXED = 0x09;
    private static final byte ARRAY = 0x0A;
    private static final byte MAP = 0x0B;
    private static final byte RECORD = 0x0C;

    private static final Comparator<byte[]> UNSIGNED = Arrays::compareUnsigned;

    private CanonicalSpec() {
    }

    /**
     * The canonical bytes of {@code spec}; equal specs (but for their signature) give equal bytes.
     *
     * @throws IllegalArgumentException if the spec cannot be written with its schema (a required
     *     field is null)
     */
    public static byte[] encode(final ModelSpec spec) {
        final GenericRecord generic = toGeneric(spec);
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.write(MAGIC.getBytes(StandardCharsets.US_ASCII));
            writeRecord(out, generic, true);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
        }
        return bytes.toByteArray();
    }

    /**
     * The spec as plain Avro values (no logical-type conversions, no generated classes), by a
     * round trip through Avro binary with the spec's own schema.
     */
    private static GenericRecord toGeneric(final ModelSpec spec) {
        final Schema schema = spec.getSchema();
        final ByteArrayOutputStream buffer = new ByteArrayOutputStream(512);
        try {
            final BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(buffer, null);
            new SpecificDatumWriter<ModelSpec>(schema).write(spec, encoder);
            encoder.flush();
            return new GenericDatumReader<GenericRecord>(schema, schema, new GenericData())
                    .read(null, DecoderFactory.get().binaryDecoder(buffer.toByteArray(), null));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("model spec cannot be encoded: " + e.getMessage(), e);
        }
    }

    private static void writeRecord(final DataOutputStream out, final GenericRecord record, final boolean top)
            throws IOException {
        final List<Schema.Field> written = new ArrayList<>();
        for (Schema.Field field : record.getSchema().getFields()) {
            if (top && SIGNATURE_FIELD.equals(field.name())) {
                continue;
            }
            if (field.hasDefaultValue() && isDefault(field, record.get(field.pos()))) {
                continue;
            }
            written.add(field);
        }
        written.sort(Comparator.comparing(f -> utf8(f.name()), UNSIGNED));
        out.writeByte(RECORD);
        out.writeInt(written.size());
        for (Schema.Field field : written) {
            writeString(out, STRING, field.name());
            writeValue(out, record.get(field.pos()));
        }
    }

    /** Whether {@code value} encodes like the field's default (compared as canonical bytes). */
    private static boolean isDefault(final Schema.Field field, final Object value) throws IOException {
        final Object def = GenericData.get().getDefaultValue(field);
        if (def == null || value == null) {
            // Most defaults are null: no need to encode the value (it may be a whole inline model).
            return def == value;
        }
        return Arrays.equals(bytesOf(value), bytesOf(def));
    }

    private static byte[] bytesOf(final Object value) throws IOException {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream(32);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            writeValue(out, value);
        }
        return bytes.toByteArray();
    }

    private static void writeValue(final DataOutputStream out, final Object value) throws IOException {
        if (value == null) {
            out.writeByte(NULL);
        } else if (value instanceof Boolean b) {
            out.writeByte(BOOLEAN);
            out.writeByte(b ? 1 : 0);
        } else if (value instanceof Integer i) {
            out.writeByte(INT);
            out.writeInt(i);
        } else if (value instanceof Long l) {
            out.writeByte(LONG);
            out.writeLong(l);
        } else if (value instanceof Float f) {
            out.writeByte(FLOAT);
            out.writeInt(Float.floatToIntBits(f));
        } else if (value instanceof Double d) {
            out.writeByte(DOUBLE);
            out.writeLong(Double.doubleToLongBits(d));
        } else if (value instanceof CharSequence s) {
            writeString(out, STRING, s.toString());
        } else if (value instanceof GenericEnumSymbol<?> e) {
            writeString(out, ENUM, e.toString());
        } else if (value instanceof ByteBuffer b) {
            final ByteBuffer view = b.duplicate();
            final byte[] content = new byte[view.remaining()];
            view.get(content);
            out.writeByte(BYTES);
            out.writeInt(content.length);
            out.write(content);
        } else if (value instanceof GenericFixed f) {
            out.writeByte(FIXED);
            out.writeInt(f.bytes().length);
            out.write(f.bytes());
        } else if (value instanceof GenericRecord r) {
            writeRecord(out, r, false);
        } else if (value instanceof Map<?, ?> m) {
            final List<Map.Entry<byte[], Object>> entries = new ArrayList<>(m.size());
            for (Map.Entry<?, ?> e : m.entrySet()) {
                entries.add(Map.entry(utf8(String.valueOf(e.getKey())), e.getValue() == null ? NullValue.NULL
                        : e.getValue()));
            }
            entries.sort(Map.Entry.comparingByKey(UNSIGNED));
            out.writeByte(MAP);
            out.writeInt(entries.size());
            for (Map.Entry<byte[], Object> e : entries) {
                out.writeByte(STRING);
                out.writeInt(e.getKey().length);
                out.write(e.getKey());
                writeValue(out, e.getValue() == NullValue.NULL ? null : e.getValue());
            }
        } else if (value instanceof Collection<?> c) {
            out.writeByte(ARRAY);
            out.writeInt(c.size());
            for (Object element : c) {
                writeValue(out, element);
            }
        } else {
            throw new IllegalArgumentException("model spec holds a value of unexpected type "
                    + value.getClass().getName());
        }
    }

    private static void writeString(final DataOutputStream out, final byte tag, final String s) throws IOException {
        final byte[] b = utf8(s);
        out.writeByte(tag);
        out.writeInt(b.length);
        out.write(b);
    }

    private static byte[] utf8(final String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Stands for a null map value in a list of entries ({@link Map#entry} takes no null). */
    private enum NullValue {
        NULL
    }
}
