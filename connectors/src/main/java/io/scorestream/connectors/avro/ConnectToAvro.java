package io.scorestream.connectors.avro;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apache.avro.JsonProperties;
import org.apache.avro.LogicalType;
import org.apache.avro.LogicalTypes;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.connect.data.Date;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Time;
import org.apache.kafka.connect.data.Timestamp;
import org.apache.kafka.connect.errors.DataException;

/**
 * Connect to Avro, as {@link AvroData} documents. An instance converts one schema (it remembers the
 * named types it has made, since Avro allows one definition per name); {@link #value} is stateless.
 */
final class ConnectToAvro {

    /** Parameters this class turns into Avro constructs, so not copied into {@code connect.parameters}. */
    private static final Set<String> CONSUMED_PARAMS = Set.of(AvroData.ENUM_SYMBOLS_PARAM,
            AvroData.ENUM_DEFAULT_PARAM, AvroData.FIXED_SIZE_PARAM, AvroData.FIXED_NAME_PARAM,
            AvroData.LOGICAL_TYPE_PARAM);
    private static final Set<String> DECIMAL_PARAMS = Set.of(Decimal.SCALE_FIELD, AvroData.DECIMAL_PRECISION_PARAM);

    /** Named Avro types made so far, and the Connect schema each was made from. */
    private final Map<String, Named> named = new HashMap<>();
    private int anonymousStructs;
    private int mapEntries;

    /** The Avro schema of {@code schema}: {@code ["null", T]} if it is optional. */
    org.apache.avro.Schema schema(final Schema schema) {
        final org.apache.avro.Schema bare = bare(schema);
        return schema.isOptional() ? nullable(bare, true) : bare;
    }

    // ---- schemas ------------------------------------------------------------------------------

    /** The Avro schema of {@code schema} ignoring whether it is optional (and its default). */
    private org.apache.avro.Schema bare(final Schema schema) {
        final String name = schema.name();
        if (name != null) {
            switch (name) {
                case Decimal.LOGICAL_NAME:
                    return decimal(schema);
                case Date.LOGICAL_NAME:
                    return logical(schema, LogicalTypes.date(), org.apache.avro.Schema.Type.INT);
                case Time.LOGICAL_NAME:
                    return logical(schema, LogicalTypes.timeMillis(), org.apache.avro.Schema.Type.INT);
                case Timestamp.LOGICAL_NAME:
                    return logical(schema, LogicalTypes.timestampMillis(), org.apache.avro.Schema.Type.LONG);
                case AvroData.UNION_SCHEMA_NAME:
                    return union(schema);
                default:
                    break;
            }
        }
        final org.apache.avro.Schema avro;
        boolean avroNamed = false;
        switch (schema.type()) {
            case INT8:
            case INT16:
                avro = org.apache.avro.Schema.create(org.apache.avro.Schema.Type.INT);
                avro.addProp(AvroData.CONNECT_TYPE_PROP, schema.type().getName());
                break;
            case INT32:
                avro = org.apache.avro.Schema.create(org.apache.avro.Schema.Type.INT);
                break;
            case INT64:
                avro = org.apache.avro.Schema.create(org.apache.avro.Schema.Type.LONG);
                break;
            case FLOAT32:
                avro = org.apache.avro.Schema.create(org.apache.avro.Schema.Type.FLOAT);
                break;
            case FLOAT64:
                avro = org.apache.avro.Schema.create(org.apache.avro.Schema.Type.DOUBLE);
                break;
            case BOOLEAN:
                avro = org.apache.avro.Schema.create(org.apache.avro.Schema.Type.BOOLEAN);
                break;
            case STRING:
                if (param(schema, AvroData.ENUM_SYMBOLS_PARAM) != null) {
                    return enumeration(schema);
                }
                avro = org.apache.avro.Schema.create(org.apache.avro.Schema.Type.STRING);
                break;
            case BYTES:
                if (param(schema, AvroData.FIXED_SIZE_PARAM) != null) {
                    avro = fixed(schema, schema.name());
                    avroNamed = true;
                } else {
                    avro = org.apache.avro.Schema.create(org.apache.avro.Schema.Type.BYTES);
                }
                break;
            case ARRAY:
                avro = org.apache.avro.Schema.createArray(schema(schema.valueSchema()));
                break;
            case MAP:
                avro = map(schema);
                break;
            case STRUCT:
                return record(schema);
            default:
                throw new DataException("Connect type " + schema.type() + " has no Avro counterpart");
        }
        final String logicalType = param(schema, AvroData.LOGICAL_TYPE_PARAM);
        if (logicalType != null) {
            addLogicalType(avro, logicalType);
        }
        if (!avroNamed && name != null) {
            avro.addProp(AvroData.CONNECT_NAME_PROP, name);
        }
        addConnectProps(schema, avro, !avroNamed, true, CONSUMED_PARAMS);
        return avro;
    }

    /** A Connect logical type (always version 1, so the version is not kept) as an Avro one. */
    private static org.apache.avro.Schema logical(final Schema schema, final LogicalType logicalType,
            final org.apache.avro.Schema.Type type) {
        final org.apache.avro.Schema avro = logicalType.addToSchema(org.apache.avro.Schema.create(type));
        addConnectProps(schema, avro, true, false, Set.of());
        return avro;
    }

    /**
     * Version (if {@code withVersion}), doc (as a property if {@code docAsProp}) and the parameters
     * not in {@code consumed}.
     */
    private static void addConnectProps(final Schema schema, final org.apache.avro.Schema avro,
            final boolean docAsProp, final boolean withVersion, final Set<String> consumed) {
        if (withVersion && schema.version() != null) {
            avro.addProp(AvroData.CONNECT_VERSION_PROP, schema.version());
        }
        if (docAsProp && schema.doc() != null) {
            avro.addProp(AvroData.CONNECT_DOC_PROP, schema.doc());
        }
        final Map<String, String> params = schema.parameters();
        if (params != null && !params.isEmpty()) {
            final Map<String, String> kept = new LinkedHashMap<>();
            for (final Map.Entry<String, String> e : params.entrySet()) {
                if (!consumed.contains(e.getKey())) {
                    kept.put(e.getKey(), e.getValue());
                }
            }
            if (!kept.isEmpty()) {
                avro.addProp(AvroData.CONNECT_PARAMETERS_PROP, kept);
            }
        }
    }

    private static void addLogicalType(final org.apache.avro.Schema avro, final String logicalType) {
        avro.addProp(LogicalType.LOGICAL_TYPE_PROP, logicalType);
        final LogicalType parsed = LogicalTypes.fromSchemaIgnoreInvalid(avro);
        if (parsed == null) {
            throw new DataException("Avro logical type '" + logicalType + "' (parameter "
                    + AvroData.LOGICAL_TYPE_PARAM + ") is unknown or not valid on Avro type " + avro.getType());
        }
        parsed.addToSchema(avro);
    }

    private org.apache.avro.Schema decimal(final Schema schema) {
        final int scale = intParam(schema, Decimal.SCALE_FIELD, null);
        final int precision = intParam(schema, AvroData.DECIMAL_PRECISION_PARAM, AvroData.DEFAULT_DECIMAL_PRECISION);
        final org.apache.avro.Schema avro;
        if (param(schema, AvroData.FIXED_SIZE_PARAM) != null) {
            avro = fixed(schema, param(schema, AvroData.FIXED_NAME_PARAM));
        } else {
            avro = org.apache.avro.Schema.create(org.apache.avro.Schema.Type.BYTES);
        }
        try {
            LogicalTypes.decimal(precision, scale).addToSchema(avro);
        } catch (IllegalArgumentException e) {
            throw new DataException("Decimal with precision " + precision + " and scale " + scale
                    + " has no Avro form: " + e.getMessage(), e);
        }
        addConnectProps(schema, avro, avro.getType() != org.apache.avro.Schema.Type.FIXED, false,
                union(CONSUMED_PARAMS, DECIMAL_PARAMS));
        return avro;
    }

    private org.apache.avro.Schema fixed(final Schema schema, final String fullName) {
        final int size = intParam(schema, AvroData.FIXED_SIZE_PARAM, null);
        final String avroName = fullName != null ? fullName : AvroData.NAMESPACE + ".Fixed" + size;
        final Named existing = named.get(avroName);
        if (existing != null) {
            if (existing.avro.getType() == org.apache.avro.Schema.Type.FIXED && existing.avro.getFixedSize() == size) {
                return existing.avro;
            }
            throw new DataException("Two different Avro types would be named '" + avroName + "'");
        }
        final org.apache.avro.Schema avro;
        try {
            avro = org.apache.avro.Schema.createFixed(avroName, schema.doc(), null, size);
        } catch (RuntimeException e) {
            throw new DataException("'" + avroName + "' cannot name an Avro fixed: " + e.getMessage(), e);
        }
        named.put(avroName, new Named(schema, avro));
        return avro;
    }

    private org.apache.avro.Schema enumeration(final Schema schema) {
        final String name = schema.name() != null ? schema.name() : AvroData.NAMESPACE + ".Enum";
        final List<String> symbols = Arrays.asList(param(schema, AvroData.ENUM_SYMBOLS_PARAM).split(",", -1));
        final Named existing = named.get(name);
        if (existing != null) {
            if (existing.avro.getType() == org.apache.avro.Schema.Type.ENUM
                    && existing.avro.getEnumSymbols().equals(symbols)) {
                return existing.avro;
            }
            throw new DataException("Two different Avro types would be named '" + name + "'");
        }
        final org.apache.avro.Schema avro;
        try {
            avro = org.apache.avro.Schema.createEnum(
                    name, schema.doc(), null, symbols, param(schema, AvroData.ENUM_DEFAULT_PARAM));
        } catch (RuntimeException e) {
            throw new DataException("Connect enum '" + name + "' has no Avro form: " + e.getMessage(), e);
        }
        addConnectProps(schema, avro, false, true, CONSUMED_PARAMS);
        named.put(name, new Named(schema, avro));
        return avro;
    }

    private org.apache.avro.Schema map(final Schema schema) {
        final Schema key = schema.keySchema();
        if (key.type() == Schema.Type.STRING && !key.isOptional() && key.name() == null && key.parameters() == null) {
            return org.apache.avro.Schema.createMap(schema(schema.valueSchema()));
        }
        mapEntries++;
        final String name = AvroData.NAMESPACE + "." + AvroData.MAP_ENTRY + (mapEntries == 1 ? "" : mapEntries);
        final org.apache.avro.Schema entry = org.apache.avro.Schema.createRecord(name, null, null, false);
        entry.addProp(AvroData.CONNECT_INTERNAL_TYPE_PROP, AvroData.MAP_ENTRY);
        named.put(name, new Named(schema, entry));
        entry.setFields(List.of(field("key", key), field("value", schema.valueSchema())));
        return org.apache.avro.Schema.createArray(entry);
    }

    private org.apache.avro.Schema record(final Schema schema) {
        final String name;
        final boolean anonymous = schema.name() == null;
        if (anonymous) {
            anonymousStructs++;
            name = AvroData.NAMESPACE + ".AnonymousStruct" + (anonymousStructs == 1 ? "" : anonymousStructs);
        } else {
            name = schema.name();
        }
        final Named existing = named.get(name);
        if (existing != null) {
            if (existing.connect != null && sameStruct(existing.connect, schema)) {
                return existing.avro;
            }
            throw new DataException("Two different Connect schemas are named '" + name
                    + "'; an Avro schema can define a name only once");
        }
        final org.apache.avro.Schema avro;
        try {
            avro = org.apache.avro.Schema.createRecord(name, schema.doc(), null, false);
        } catch (RuntimeException e) {
            throw new DataException("Connect struct name '" + name + "' is not a valid Avro name: " + e.getMessage(), e);
        }
        if (anonymous) {
            avro.addProp(AvroData.CONNECT_INTERNAL_TYPE_PROP, AvroData.ANONYMOUS_STRUCT);
        }
        addConnectProps(schema, avro, false, true, Set.of());
        // Registered before the fields, so that a struct that (wrongly) contains itself fails cleanly.
        named.put(name, new Named(schema, avro));
        final List<org.apache.avro.Schema.Field> fields = new ArrayList<>(schema.fields().size());
        for (final Field f : schema.fields()) {
            try {
                fields.add(field(f.name(), f.schema()));
            } catch (RuntimeException e) {
                throw FieldDataException.in(f.name(), e);
            }
        }
        avro.setFields(fields);
        return avro;
    }

    /** An Avro field of Connect schema {@code schema}, with its default. */
    private org.apache.avro.Schema.Field field(final String name, final Schema schema) {
        final org.apache.avro.Schema bare = bare(schema);
        final Object defaultValue = schema.defaultValue();
        final org.apache.avro.Schema type;
        final Object avroDefault;
        if (defaultValue == null) {
            type = schema.isOptional() ? nullable(bare, true) : bare;
            avroDefault = schema.isOptional() ? JsonProperties.NULL_VALUE : null;
        } else {
            // Avro wants a union's default to be of its first branch.
            type = schema.isOptional() ? nullable(bare, false) : bare;
            avroDefault = jsonDefault(schema, bare, defaultValue);
        }
        try {
            return new org.apache.avro.Schema.Field(name, type, null, avroDefault);
        } catch (RuntimeException e) {
            throw new DataException("cannot be an Avro field: " + e.getMessage(), e);
        }
    }

    private org.apache.avro.Schema union(final Schema schema) {
        final List<org.apache.avro.Schema> branches = new ArrayList<>(schema.fields().size());
        for (final Field f : schema.fields()) {
            if (AvroData.UNION_SCHEMA_NAME.equals(f.schema().name())) {
                throw new DataException("union struct '" + f.name() + "' directly inside a union: Avro unions cannot nest");
            }
            branches.add(bare(f.schema()));
        }
        try {
            return org.apache.avro.Schema.createUnion(branches);
        } catch (RuntimeException e) {
            throw new DataException("struct " + AvroData.UNION_SCHEMA_NAME + " has no Avro union form: "
                    + e.getMessage(), e);
        }
    }

    /** {@code ["null", bare]} ({@code nullFirst}) or {@code [bare, "null"]}; a union gets null added. */
    private static org.apache.avro.Schema nullable(final org.apache.avro.Schema bare, final boolean nullFirst) {
        final List<org.apache.avro.Schema> branches = new ArrayList<>();
        final org.apache.avro.Schema nullSchema = org.apache.avro.Schema.create(org.apache.avro.Schema.Type.NULL);
        if (nullFirst) {
            branches.add(nullSchema);
        }
        if (bare.getType() == org.apache.avro.Schema.Type.UNION) {
            branches.addAll(bare.getTypes());
        } else {
            branches.add(bare);
        }
        if (!nullFirst) {
            branches.add(nullSchema);
        }
        return org.apache.avro.Schema.createUnion(branches);
    }

    private static boolean sameStruct(final Schema a, final Schema b) {
        return a.type() == b.type()
                && Objects.equals(a.fields(), b.fields())
                && Objects.equals(a.version(), b.version())
                && Objects.equals(a.doc(), b.doc())
                && Objects.equals(a.parameters(), b.parameters());
    }

    private static String param(final Schema schema, final String key) {
        final Map<String, String> params = schema.parameters();
        return params == null ? null : params.get(key);
    }

    private static int intParam(final Schema schema, final String key, final Integer fallback) {
        final String value = param(schema, key);
        if (value == null) {
            if (fallback == null) {
                throw new DataException("schema " + schema.name() + " lacks parameter '" + key + "'");
            }
            return fallback;
        }
        try {
            return Integer.parseInt(value.strip());
        } catch (NumberFormatException e) {
            throw new DataException("parameter '" + key + "' of schema " + schema.name()
                    + " must be an integer, got '" + value + "'", e);
        }
    }

    private static Set<String> union(final Set<String> a, final Set<String> b) {
        final java.util.HashSet<String> all = new java.util.HashSet<>(a);
        all.addAll(b);
        return all;
    }

    // ---- defaults -----------------------------------------------------------------------------

    /**
     * {@code value}, a Connect value of {@code schema}, as the Java form of a JSON default that Avro's
     * {@link org.apache.avro.Schema.Field} takes for {@code bare}.
     */
    private static Object jsonDefault(final Schema schema, final org.apache.avro.Schema bare, final Object value) {
        if (AvroData.UNION_SCHEMA_NAME.equals(schema.name())) {
            final Struct struct = (Struct) value;
            final List<Field> fields = schema.fields();
            if (fields.isEmpty() || struct.get(fields.get(0)) == null) {
                throw new DataException("the default of a union must be of its first branch ('"
                        + (fields.isEmpty() ? "" : fields.get(0).name()) + "'), as Avro requires");
            }
            return jsonDefault(fields.get(0).schema(), bare.getTypes().get(0), struct.get(fields.get(0)));
        }
        final Object avro = value(schema, bare, value);
        return json(avro);
    }

    /** A generic Avro datum as the Java form of its JSON encoding (bytes as ISO-8859-1 text). */
    private static Object json(final Object datum) {
        if (datum == null) {
            return JsonProperties.NULL_VALUE;
        }
        if (datum instanceof ByteBuffer buffer) {
            return new String(bytes(buffer), StandardCharsets.ISO_8859_1);
        }
        if (datum instanceof GenericData.Fixed fixed) {
            return new String(fixed.bytes(), StandardCharsets.ISO_8859_1);
        }
        if (datum instanceof GenericData.EnumSymbol symbol) {
            return symbol.toString();
        }
        if (datum instanceof GenericRecord record) {
            final Map<String, Object> fields = new LinkedHashMap<>();
            for (final org.apache.avro.Schema.Field f : record.getSchema().getFields()) {
                fields.put(f.name(), json(record.get(f.pos())));
            }
            return fields;
        }
        if (datum instanceof Map<?, ?> map) {
            final Map<String, Object> entries = new LinkedHashMap<>();
            for (final Map.Entry<?, ?> e : map.entrySet()) {
                entries.put(e.getKey().toString(), json(e.getValue()));
            }
            return entries;
        }
        if (datum instanceof Collection<?> items) {
            final List<Object> list = new ArrayList<>(items.size());
            for (final Object item : items) {
                list.add(json(item));
            }
            return list;
        }
        return datum;
    }

    // ---- values -------------------------------------------------------------------------------

    /**
     * {@code value}, a Connect value of {@code schema}, as a generic datum of {@code avro}, the Avro
     * schema made from {@code schema} (a union if it is optional).
     */
    static Object value(final Schema schema, final org.apache.avro.Schema avro, final Object value) {
        Object v = value;
        if (v == null) {
            v = schema.defaultValue();
            if (v == null) {
                if (schema.isOptional()) {
                    return null;
                }
                throw new DataException("null for a required " + describe(schema));
            }
        }
        org.apache.avro.Schema target = avro;
        if (AvroData.UNION_SCHEMA_NAME.equals(schema.name())) {
            return unionValue(schema, avro, v);
        }
        if (target.getType() == org.apache.avro.Schema.Type.UNION) {
            target = nonNullBranch(target);
        }
        final String name = schema.name();
        if (name != null) {
            switch (name) {
                case Decimal.LOGICAL_NAME:
                    return decimalValue(schema, target, expect(BigDecimal.class, v, schema));
                case Date.LOGICAL_NAME:
                    return Date.fromLogical(schema, expect(java.util.Date.class, v, schema));
                case Time.LOGICAL_NAME:
                    return Time.fromLogical(schema, expect(java.util.Date.class, v, schema));
                case Timestamp.LOGICAL_NAME:
                    return Timestamp.fromLogical(schema, expect(java.util.Date.class, v, schema));
                default:
                    break;
            }
        }
        switch (schema.type()) {
            case INT8:
                return (int) expect(Byte.class, v, schema);
            case INT16:
                return (int) expect(Short.class, v, schema);
            case INT32:
                return expect(Integer.class, v, schema);
            case INT64:
                return expect(Long.class, v, schema);
            case FLOAT32:
                return expect(Float.class, v, schema);
            case FLOAT64:
                return expect(Double.class, v, schema);
            case BOOLEAN:
                return expect(Boolean.class, v, schema);
            case STRING: {
                final String s = expect(String.class, v, schema);
                if (target.getType() == org.apache.avro.Schema.Type.ENUM) {
                    if (!target.hasEnumSymbol(s)) {
                        throw new DataException("'" + s + "' is not a symbol of enum " + target.getFullName()
                                + " " + target.getEnumSymbols());
                    }
                    return new GenericData.EnumSymbol(target, s);
                }
                return s;
            }
            case BYTES: {
                final byte[] bytes;
                if (v instanceof byte[] array) {
                    bytes = array;
                } else if (v instanceof ByteBuffer buffer) {
                    bytes = bytes(buffer);
                } else {
                    throw mismatch("byte[] or ByteBuffer", v, schema);
                }
                if (target.getType() == org.apache.avro.Schema.Type.FIXED) {
                    if (bytes.length != target.getFixedSize()) {
                        throw new DataException(bytes.length + " bytes for Avro fixed " + target.getFullName()
                                + " of size " + target.getFixedSize());
                    }
                    return new GenericData.Fixed(target, bytes);
                }
                return ByteBuffer.wrap(bytes);
            }
            case ARRAY: {
                final Collection<?> items = expect(Collection.class, v, schema);
                final List<Object> array = new ArrayList<>(items.size());
                int i = 0;
                for (final Object item : items) {
                    try {
                        array.add(value(schema.valueSchema(), target.getElementType(), item));
                    } catch (RuntimeException e) {
                        throw FieldDataException.in("[" + i + "]", e);
                    }
                    i++;
                }
                return array;
            }
            case MAP:
                return mapValue(schema, target, expect(Map.class, v, schema));
            case STRUCT:
                return structValue(schema, target, expect(Struct.class, v, schema));
            default:
                throw new DataException("Connect type " + schema.type() + " has no Avro counterpart");
        }
    }

    private static Object structValue(final Schema schema, final org.apache.avro.Schema avro, final Struct struct) {
        // Usually the very schema; otherwise (e.g. a default built against its SchemaBuilder) the
        // struct's fields are looked up by name.
        final boolean sameSchema = struct.schema() == schema || struct.schema().equals(schema);
        final GenericData.Record record = new GenericData.Record(avro);
        final List<Field> fields = schema.fields();
        final List<org.apache.avro.Schema.Field> avroFields = avro.getFields();
        for (int i = 0; i < fields.size(); i++) {
            final Field f = fields.get(i);
            try {
                final Object v = sameSchema ? struct.get(f) : struct.get(f.name());
                record.put(i, value(f.schema(), avroFields.get(i).schema(), v));
            } catch (RuntimeException e) {
                throw FieldDataException.in(f.name(), e);
            }
        }
        return record;
    }

    private static Object mapValue(final Schema schema, final org.apache.avro.Schema avro, final Map<?, ?> map) {
        if (avro.getType() == org.apache.avro.Schema.Type.MAP) {
            final Map<String, Object> out = new LinkedHashMap<>(Math.max(4, map.size() * 4 / 3 + 1));
            for (final Map.Entry<?, ?> e : map.entrySet()) {
                final String key = expect(String.class, e.getKey(), schema.keySchema());
                try {
                    out.put(key, value(schema.valueSchema(), avro.getValueType(), e.getValue()));
                } catch (RuntimeException ex) {
                    throw FieldDataException.in("[" + key + "]", ex);
                }
            }
            return out;
        }
        final org.apache.avro.Schema entry = avro.getElementType();
        final org.apache.avro.Schema keyAvro = entry.getFields().get(0).schema();
        final org.apache.avro.Schema valueAvro = entry.getFields().get(1).schema();
        final List<Object> entries = new ArrayList<>(map.size());
        for (final Map.Entry<?, ?> e : map.entrySet()) {
            final GenericData.Record record = new GenericData.Record(entry);
            try {
                record.put(0, value(schema.keySchema(), keyAvro, e.getKey()));
                record.put(1, value(schema.valueSchema(), valueAvro, e.getValue()));
            } catch (RuntimeException ex) {
                throw FieldDataException.in("[" + e.getKey() + "]", ex);
            }
            entries.add(record);
        }
        return entries;
    }

    private static Object unionValue(final Schema schema, final org.apache.avro.Schema avro, final Object v) {
        final Struct struct = expect(Struct.class, v, schema);
        final List<Field> fields = schema.fields();
        Field set = null;
        for (final Field f : fields) {
            if (struct.get(f) != null) {
                if (set != null) {
                    throw new DataException("union struct has both '" + set.name() + "' and '" + f.name()
                            + "' set; exactly one branch may be");
                }
                set = f;
            }
        }
        if (set == null) {
            if (schema.isOptional()) {
                return null;
            }
            throw new DataException("union struct has no branch set; exactly one must be");
        }
        // The union's branches are the struct's fields in order, after null if that comes first.
        final List<org.apache.avro.Schema> branches = avro.getTypes();
        final int offset = branches.get(0).getType() == org.apache.avro.Schema.Type.NULL ? 1 : 0;
        try {
            return value(set.schema(), branches.get(set.index() + offset), struct.get(set));
        } catch (RuntimeException e) {
            throw FieldDataException.in(set.name(), e);
        }
    }

    private static Object decimalValue(final Schema schema, final org.apache.avro.Schema avro, final BigDecimal value) {
        final byte[] unscaled = Decimal.fromLogical(schema, value);
        final int precision = ((LogicalTypes.Decimal) avro.getLogicalType()).getPrecision();
        if (value.precision() > precision) {
            throw new DataException("decimal " + value.toPlainString() + " has " + value.precision()
                    + " digits; the schema's precision is " + precision);
        }
        if (avro.getType() != org.apache.avro.Schema.Type.FIXED) {
            return ByteBuffer.wrap(unscaled);
        }
        final int size = avro.getFixedSize();
        if (unscaled.length > size) {
            throw new DataException("decimal " + value.toPlainString() + " needs " + unscaled.length
                    + " bytes; Avro fixed " + avro.getFullName() + " has " + size);
        }
        // Two's complement, big-endian: sign-extend to the fixed size.
        final byte[] padded = new byte[size];
        Arrays.fill(padded, 0, size - unscaled.length, value.signum() < 0 ? (byte) 0xff : 0);
        System.arraycopy(unscaled, 0, padded, size - unscaled.length, unscaled.length);
        return new GenericData.Fixed(avro, padded);
    }

    static org.apache.avro.Schema nonNullBranch(final org.apache.avro.Schema union) {
        for (final org.apache.avro.Schema branch : union.getTypes()) {
            if (branch.getType() != org.apache.avro.Schema.Type.NULL) {
                return branch;
            }
        }
        throw new DataException("Avro union " + union + " has no non-null branch");
    }

    private static byte[] bytes(final ByteBuffer buffer) {
        final ByteBuffer copy = buffer.duplicate();
        final byte[] bytes = new byte[copy.remaining()];
        copy.get(bytes);
        return bytes;
    }

    private static <T> T expect(final Class<T> type, final Object value, final Schema schema) {
        if (!type.isInstance(value)) {
            throw mismatch(type.getSimpleName(), value, schema);
        }
        return type.cast(value);
    }

    private static DataException mismatch(final String expected, final Object value, final Schema schema) {
        return new DataException("expected a " + expected + " for a " + describe(schema) + ", got "
                + value.getClass().getSimpleName() + " " + abbreviate(value));
    }

    private static String describe(final Schema schema) {
        return schema.name() != null ? schema.type() + " (" + schema.name() + ")" : schema.type().toString();
    }

    private static String abbreviate(final Object value) {
        final String s = String.valueOf(value);
        return s.length() <= 40 ? s : s.substring(0, 40) + "...";
    }

    /** A named Avro type made in this conversion and the Connect schema it came from. */
    private static final class Named {
        final Schema connect;
        final org.apache.avro.Schema avro;

        Named(final Schema connect, final org.apache.avro.Schema avro) {
            this.connect = connect;
            this.avro = avro;
        }
    }
}
