package io.scorestream.connectors.avro;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.LogicalType;
import org.apache.avro.LogicalTypes;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericFixed;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.connect.data.Date;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Time;
import org.apache.kafka.connect.data.Timestamp;
import org.apache.kafka.connect.errors.DataException;

/**
 * Avro to Connect, as {@link AvroData} documents. An instance converts one schema (it tracks the
 * records being converted, to refuse recursive ones); {@link #value} is stateless.
 */
final class AvroToConnect {

    private final Deque<String> recordsInProgress = new ArrayDeque<>();

    /** The Connect schema of {@code avro}: optional if it is a union with {@code null}. */
    Schema schema(final org.apache.avro.Schema avro) {
        return element(avro).build();
    }

    // ---- schemas ------------------------------------------------------------------------------

    /** The schema of anything but a record field (which may also have a default). */
    private SchemaBuilder element(final org.apache.avro.Schema avro) {
        if (avro.getType() != org.apache.avro.Schema.Type.UNION) {
            return builder(avro);
        }
        final List<org.apache.avro.Schema> nonNull = new ArrayList<>(avro.getTypes().size());
        for (final org.apache.avro.Schema branch : avro.getTypes()) {
            if (branch.getType() != org.apache.avro.Schema.Type.NULL) {
                nonNull.add(branch);
            }
        }
        if (nonNull.isEmpty()) {
            throw new DataException("Avro union " + avro + " of null alone has no Connect counterpart");
        }
        final SchemaBuilder builder = nonNull.size() == 1 ? builder(nonNull.get(0)) : unionStruct(nonNull);
        return nonNull.size() < avro.getTypes().size() ? builder.optional() : builder;
    }

    private SchemaBuilder unionStruct(final List<org.apache.avro.Schema> branches) {
        final SchemaBuilder struct = SchemaBuilder.struct().name(AvroData.UNION_SCHEMA_NAME);
        for (final org.apache.avro.Schema branch : branches) {
            struct.field(branchName(branch), builder(branch).optional().build());
        }
        return struct;
    }

    /** The field of a union struct that holds {@code branch}. */
    private static String branchName(final org.apache.avro.Schema branch) {
        switch (branch.getType()) {
            case RECORD:
            case ENUM:
            case FIXED:
                return branch.getFullName();
            default:
                return branch.getType().getName();
        }
    }

    /** The schema of {@code avro}, which is not a union. */
    private SchemaBuilder builder(final org.apache.avro.Schema avro) {
        final LogicalType logicalType = avro.getLogicalType();
        final SchemaBuilder builder;
        boolean named = false;
        switch (avro.getType()) {
            case RECORD:
                return record(avro);
            case ENUM:
                builder = SchemaBuilder.string().name(avro.getFullName())
                        .parameter(AvroData.ENUM_SYMBOLS_PARAM, String.join(",", avro.getEnumSymbols()));
                if (avro.getEnumDefault() != null) {
                    builder.parameter(AvroData.ENUM_DEFAULT_PARAM, avro.getEnumDefault());
                }
                named = true;
                break;
            case FIXED:
                if (logicalType instanceof LogicalTypes.Decimal decimal) {
                    builder = decimal(decimal)
                            .parameter(AvroData.FIXED_SIZE_PARAM, Integer.toString(avro.getFixedSize()))
                            .parameter(AvroData.FIXED_NAME_PARAM, avro.getFullName());
                } else {
                    builder = withLogicalType(SchemaBuilder.bytes().name(avro.getFullName())
                            .parameter(AvroData.FIXED_SIZE_PARAM, Integer.toString(avro.getFixedSize())), logicalType);
                }
                named = true;
                break;
            case ARRAY: {
                final org.apache.avro.Schema items = avro.getElementType();
                if (items.getType() == org.apache.avro.Schema.Type.RECORD
                        && AvroData.MAP_ENTRY.equals(items.getProp(AvroData.CONNECT_INTERNAL_TYPE_PROP))) {
                    builder = SchemaBuilder.map(element(items.getFields().get(0).schema()).build(),
                            element(items.getFields().get(1).schema()).build());
                } else {
                    builder = SchemaBuilder.array(element(items).build());
                }
                break;
            }
            case MAP:
                builder = SchemaBuilder.map(Schema.STRING_SCHEMA, element(avro.getValueType()).build());
                break;
            case STRING:
                builder = withLogicalType(SchemaBuilder.string(), logicalType);
                break;
            case BYTES:
                builder = logicalType instanceof LogicalTypes.Decimal decimal
                        ? decimal(decimal) : withLogicalType(SchemaBuilder.bytes(), logicalType);
                break;
            case INT:
                if (logicalType instanceof LogicalTypes.Date) {
                    builder = Date.builder();
                } else if (logicalType instanceof LogicalTypes.TimeMillis) {
                    builder = Time.builder();
                } else if ("int8".equals(avro.getProp(AvroData.CONNECT_TYPE_PROP))) {
                    builder = SchemaBuilder.int8();
                } else if ("int16".equals(avro.getProp(AvroData.CONNECT_TYPE_PROP))) {
                    builder = SchemaBuilder.int16();
                } else {
                    builder = withLogicalType(SchemaBuilder.int32(), logicalType);
                }
                break;
            case LONG:
                builder = logicalType instanceof LogicalTypes.TimestampMillis
                        ? Timestamp.builder() : withLogicalType(SchemaBuilder.int64(), logicalType);
                break;
            case FLOAT:
                builder = SchemaBuilder.float32();
                break;
            case DOUBLE:
                builder = SchemaBuilder.float64();
                break;
            case BOOLEAN:
                builder = SchemaBuilder.bool();
                break;
            default:
                throw new DataException("Avro type " + avro.getType().getName() + " has no Connect counterpart");
        }
        if (named && avro.getDoc() != null) {
            builder.doc(avro.getDoc());
        }
        applyConnectProps(avro, builder);
        return builder;
    }

    private SchemaBuilder record(final org.apache.avro.Schema avro) {
        final String name = avro.getFullName();
        if (recordsInProgress.contains(name)) {
            throw new DataException("Avro record " + name + " contains itself; Connect schemas cannot be recursive");
        }
        recordsInProgress.push(name);
        final SchemaBuilder struct = SchemaBuilder.struct();
        if (!AvroData.ANONYMOUS_STRUCT.equals(avro.getProp(AvroData.CONNECT_INTERNAL_TYPE_PROP))) {
            struct.name(name);
        }
        if (avro.getDoc() != null) {
            struct.doc(avro.getDoc());
        }
        applyConnectProps(avro, struct);
        for (final org.apache.avro.Schema.Field f : avro.getFields()) {
            try {
                struct.field(f.name(), field(f));
            } catch (RuntimeException e) {
                throw FieldDataException.in(f.name(), e);
            }
        }
        recordsInProgress.pop();
        return struct;
    }

    private Schema field(final org.apache.avro.Schema.Field f) {
        final SchemaBuilder builder = element(f.schema());
        if (f.hasDefaultValue()) {
            final Object datum = GenericData.get().getDefaultValue(f);
            if (datum != null) {
                // Converted against the builder itself: a struct default must have exactly the
                // schema it is the default of, and that schema does not exist before build().
                builder.defaultValue(value(builder, f.schema(), datum));
            }
        }
        return builder.build();
    }

    private static SchemaBuilder decimal(final LogicalTypes.Decimal decimal) {
        final SchemaBuilder builder = Decimal.builder(decimal.getScale());
        if (decimal.getPrecision() != AvroData.DEFAULT_DECIMAL_PRECISION) {
            builder.parameter(AvroData.DECIMAL_PRECISION_PARAM, Integer.toString(decimal.getPrecision()));
        }
        return builder;
    }

    private static SchemaBuilder withLogicalType(final SchemaBuilder builder, final LogicalType logicalType) {
        return logicalType == null ? builder : builder.parameter(AvroData.LOGICAL_TYPE_PARAM, logicalType.getName());
    }

    /** Name, version, doc and parameters a Connect schema left in Avro properties. */
    private static void applyConnectProps(final org.apache.avro.Schema avro, final SchemaBuilder builder) {
        final String name = avro.getProp(AvroData.CONNECT_NAME_PROP);
        if (name != null && builder.name() == null) {
            builder.name(name);
        }
        final Object version = avro.getObjectProp(AvroData.CONNECT_VERSION_PROP);
        if (version instanceof Number number && builder.version() == null) {
            builder.version(number.intValue());
        }
        final String doc = avro.getProp(AvroData.CONNECT_DOC_PROP);
        if (doc != null && builder.doc() == null) {
            builder.doc(doc);
        }
        if (avro.getObjectProp(AvroData.CONNECT_PARAMETERS_PROP) instanceof Map<?, ?> params) {
            for (final Map.Entry<?, ?> e : params.entrySet()) {
                builder.parameter(String.valueOf(e.getKey()), String.valueOf(e.getValue()));
            }
        }
    }

    // ---- values -------------------------------------------------------------------------------

    /**
     * {@code datum}, a generic datum of {@code avro}, as a Connect value of {@code schema}, the
     * Connect schema made from {@code avro}.
     */
    static Object value(final Schema schema, final org.apache.avro.Schema avro, final Object datum) {
        if (datum == null) {
            return null;
        }
        org.apache.avro.Schema source = avro;
        if (source.getType() == org.apache.avro.Schema.Type.UNION) {
            if (AvroData.UNION_SCHEMA_NAME.equals(schema.name())) {
                return unionValue(schema, source, datum);
            }
            source = ConnectToAvro.nonNullBranch(source);
        }
        final String name = schema.name();
        if (name != null) {
            switch (name) {
                case Decimal.LOGICAL_NAME:
                    return Decimal.toLogical(schema, bytes(datum, schema));
                case Date.LOGICAL_NAME:
                    return Date.toLogical(schema, expect(Integer.class, datum, schema));
                case Time.LOGICAL_NAME:
                    return Time.toLogical(schema, expect(Integer.class, datum, schema));
                case Timestamp.LOGICAL_NAME:
                    return Timestamp.toLogical(schema, expect(Long.class, datum, schema));
                default:
                    break;
            }
        }
        switch (schema.type()) {
            case INT8: {
                final int i = expect(Integer.class, datum, schema);
                if (i < Byte.MIN_VALUE || i > Byte.MAX_VALUE) {
                    throw new DataException(i + " is out of range for an INT8");
                }
                return (byte) i;
            }
            case INT16: {
                final int i = expect(Integer.class, datum, schema);
                if (i < Short.MIN_VALUE || i > Short.MAX_VALUE) {
                    throw new DataException(i + " is out of range for an INT16");
                }
                return (short) i;
            }
            case INT32:
                return expect(Integer.class, datum, schema);
            case INT64:
                return expect(Long.class, datum, schema);
            case FLOAT32:
                return expect(Float.class, datum, schema);
            case FLOAT64:
                return expect(Double.class, datum, schema);
            case BOOLEAN:
                return expect(Boolean.class, datum, schema);
            case STRING:
                // Utf8, String, or an enum symbol.
                return datum.toString();
            case BYTES:
                return bytes(datum, schema);
            case ARRAY: {
                final Collection<?> items = expect(Collection.class, datum, schema);
                final List<Object> list = new ArrayList<>(items.size());
                final org.apache.avro.Schema itemSchema = source.getElementType();
                int i = 0;
                for (final Object item : items) {
                    try {
                        list.add(value(schema.valueSchema(), itemSchema, item));
                    } catch (RuntimeException e) {
                        throw FieldDataException.in("[" + i + "]", e);
                    }
                    i++;
                }
                return list;
            }
            case MAP:
                return mapValue(schema, source, datum);
            case STRUCT:
                return structValue(schema, source, expect(GenericRecord.class, datum, schema));
            default:
                throw new DataException("Connect type " + schema.type() + " has no Avro counterpart");
        }
    }

    private static Struct structValue(final Schema schema, final org.apache.avro.Schema avro, final GenericRecord record) {
        final Struct struct = new Struct(schema);
        final List<Field> fields = schema.fields();
        final List<org.apache.avro.Schema.Field> avroFields = avro.getFields();
        for (int i = 0; i < fields.size(); i++) {
            final Field f = fields.get(i);
            try {
                struct.put(f, value(f.schema(), avroFields.get(i).schema(), record.get(i)));
            } catch (RuntimeException e) {
                throw FieldDataException.in(f.name(), e);
            }
        }
        return struct;
    }

    private static Map<Object, Object> mapValue(final Schema schema, final org.apache.avro.Schema avro, final Object datum) {
        if (avro.getType() == org.apache.avro.Schema.Type.MAP) {
            final Map<?, ?> map = expect(Map.class, datum, schema);
            final Map<Object, Object> out = new LinkedHashMap<>(Math.max(4, map.size() * 4 / 3 + 1));
            for (final Map.Entry<?, ?> e : map.entrySet()) {
                final String key = e.getKey().toString();
                try {
                    out.put(key, value(schema.valueSchema(), avro.getValueType(), e.getValue()));
                } catch (RuntimeException ex) {
                    throw FieldDataException.in("[" + key + "]", ex);
                }
            }
            return out;
        }
        final Collection<?> entries = expect(Collection.class, datum, schema);
        final org.apache.avro.Schema entry = avro.getElementType();
        final org.apache.avro.Schema keyAvro = entry.getFields().get(0).schema();
        final org.apache.avro.Schema valueAvro = entry.getFields().get(1).schema();
        final Map<Object, Object> out = new LinkedHashMap<>(Math.max(4, entries.size() * 4 / 3 + 1));
        for (final Object e : entries) {
            final GenericRecord record = expect(GenericRecord.class, e, schema);
            final Object key = value(schema.keySchema(), keyAvro, record.get(0));
            try {
                out.put(key, value(schema.valueSchema(), valueAvro, record.get(1)));
            } catch (RuntimeException ex) {
                throw FieldDataException.in("[" + key + "]", ex);
            }
        }
        return out;
    }

    private static Struct unionValue(final Schema schema, final org.apache.avro.Schema avro, final Object datum) {
        final int branch = GenericData.get().resolveUnion(avro, datum);
        // The struct's fields are the union's non-null branches in order.
        int field = 0;
        for (int i = 0; i < branch; i++) {
            if (avro.getTypes().get(i).getType() != org.apache.avro.Schema.Type.NULL) {
                field++;
            }
        }
        final Field f = schema.fields().get(field);
        final Struct struct = new Struct(schema);
        try {
            struct.put(f, value(f.schema(), avro.getTypes().get(branch), datum));
        } catch (RuntimeException e) {
            throw FieldDataException.in(f.name(), e);
        }
        return struct;
    }

    private static byte[] bytes(final Object datum, final Schema schema) {
        if (datum instanceof ByteBuffer buffer) {
            final ByteBuffer copy = buffer.duplicate();
            final byte[] bytes = new byte[copy.remaining()];
            copy.get(bytes);
            return bytes;
        }
        if (datum instanceof GenericFixed fixed) {
            return fixed.bytes();
        }
        if (datum instanceof byte[] bytes) {
            return bytes;
        }
        throw mismatch("ByteBuffer or fixed", datum, schema);
    }

    private static <T> T expect(final Class<T> type, final Object datum, final Schema schema) {
        if (!type.isInstance(datum)) {
            throw mismatch(type.getSimpleName(), datum, schema);
        }
        return type.cast(datum);
    }

    private static DataException mismatch(final String expected, final Object datum, final Schema schema) {
        return new DataException("expected an Avro " + expected + " for Connect " + schema.type()
                + (schema.name() != null ? " (" + schema.name() + ")" : "") + ", got " + datum.getClass().getSimpleName());
    }
}
