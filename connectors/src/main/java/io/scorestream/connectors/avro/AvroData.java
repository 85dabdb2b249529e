package io.scorestream.connectors.avro;

import java.util.Objects;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.errors.DataException;

/**
 * Translates between Kafka Connect's data ({@link Schema}, {@link org.apache.kafka.connect.data.Struct}
 * and the Java values Connect allows) and Avro's ({@link org.apache.avro.Schema},
 * {@link org.apache.avro.generic.GenericRecord} and the generic representation: logical types as their
 * underlying values, e.g. {@code timestamp-millis} as a {@code Long}). {@link AvroConverter} uses it
 * between the bytes and Connect; it can be used alone.
 *
 * <h2>How types map</h2>
 *
 * <table>
 * <caption>Connect type ↔ Avro type</caption>
 * <tr><th>Connect</th><th>Avro</th></tr>
 * <tr><td>INT8, INT16</td><td>{@code int} with {@code "connect.type": "int8"|"int16"} (so they come back)</td></tr>
 * <tr><td>INT32, INT64, FLOAT32, FLOAT64, BOOLEAN, STRING, BYTES</td>
 *     <td>{@code int, long, float, double, boolean, string, bytes}</td></tr>
 * <tr><td>optional T</td><td>{@code ["null", T]} with default {@code null}; {@code [T, "null"]} when the
 *     Connect schema has a non-null default (Avro wants the default's branch first)</td></tr>
 * <tr><td>default value</td><td>the field's {@code default}</td></tr>
 * <tr><td>ARRAY</td><td>{@code array}</td></tr>
 * <tr><td>MAP with (required) STRING keys</td><td>{@code map}</td></tr>
 * <tr><td>MAP with other keys</td><td>{@code array} of records {@code {key, value}} marked
 *     {@code "connect.internal.type": "MapEntry"}</td></tr>
 * <tr><td>STRUCT</td><td>{@code record} named after the Connect schema; an unnamed struct gets a
 *     generated name in namespace {@value #NAMESPACE}, marked so it comes back unnamed</td></tr>
 * <tr><td>STRING with parameter {@value #ENUM_SYMBOLS_PARAM}</td><td>{@code enum} (Avro enums come back as
 *     such strings, named after the enum, the symbols comma-separated in that parameter)</td></tr>
 * <tr><td>BYTES with parameter {@value #FIXED_SIZE_PARAM}</td><td>{@code fixed} of that size</td></tr>
 * <tr><td>Timestamp</td><td>{@code long} {@code timestamp-millis}</td></tr>
 * <tr><td>Date</td><td>{@code int} {@code date}</td></tr>
 * <tr><td>Time</td><td>{@code int} {@code time-millis}</td></tr>
 * <tr><td>Decimal (scale; precision in parameter {@value #DECIMAL_PRECISION_PARAM}, default
 *     {@value #DEFAULT_DECIMAL_PRECISION}, which is left out on the way back)</td>
 *     <td>{@code bytes} {@code decimal} (a {@code fixed} decimal comes back as Decimal with the fixed's
 *     size and name in parameters, and is written as that fixed again)</td></tr>
 * <tr><td>the underlying type, with parameter {@value #LOGICAL_TYPE_PARAM}</td>
 *     <td>every other logical type: {@code timestamp-micros}, {@code timestamp-nanos},
 *     {@code local-timestamp-millis|micros|nanos} and {@code time-micros} read as INT64 holding the
 *     Avro number unchanged (no precision lost, no time zone invented); {@code uuid} as STRING (or BYTES
 *     on a fixed). Written back with the same logical type.</td></tr>
 * <tr><td>STRUCT named {@value #UNION_SCHEMA_NAME}, one optional field per branch, exactly one set</td>
 *     <td>any other union, e.g. {@code ["string", "int"]} or {@code ["null", "string", "long"]} (then the
 *     struct is optional). Fields are named after the branch: its full name for records, enums and
 *     fixeds, else its type ({@code "int"}, {@code "string"}, {@code "array"}, ...).</td></tr>
 * </table>
 *
 * <p>Name, version, doc and parameters of a Connect schema are kept: as the Avro name (records, enums,
 * fixeds) or property {@value #CONNECT_NAME_PROP}, property {@value #CONNECT_VERSION_PROP}, the Avro doc
 * (named types) or property {@value #CONNECT_DOC_PROP}, and property {@value #CONNECT_PARAMETERS_PROP}.
 * Avro unions carry no properties, so those of a union struct are lost. Avro field docs, aliases and
 * other properties are not carried into Connect. Avro's {@code null} type alone, and recursive records,
 * have no Connect counterpart and are refused.
 *
 * <p><b>Errors</b> are {@link DataException}s naming the field (dotted path) and what was wrong.
 *
 * <p><b>Caching.</b> Converted schemas are kept in two bounded least-recently-used caches (one per
 * direction). Schemas are compared with {@code equals}; a Connect {@link org.apache.kafka.connect.data.SchemaBuilder}
 * is compared by identity and must not change once converted.
 *
 * <p><b>Threading:</b> thread-safe. Returned Avro schemas are shared: do not change them.
 */
public final class AvroData {

    /** Namespace of the Avro names this class invents. */
    public static final String NAMESPACE = "io.scorestream.connect.avro";
    /** Avro property: the Connect type of an Avro {@code int} that is an INT8 or INT16. */
    public static final String CONNECT_TYPE_PROP = "connect.type";
    /** Avro property: the Connect schema name of a type Avro does not name. */
    public static final String CONNECT_NAME_PROP = "connect.name";
    /** Avro property: the Connect schema version. */
    public static final String CONNECT_VERSION_PROP = "connect.version";
    /** Avro property: the Connect schema doc, for types without an Avro doc. */
    public static final String CONNECT_DOC_PROP = "connect.doc";
    /** Avro property: the Connect schema parameters (a JSON object of strings). */
    public static final String CONNECT_PARAMETERS_PROP = "connect.parameters";
    /** Avro property on records this class invents: {@value #MAP_ENTRY} or {@value #ANONYMOUS_STRUCT}. */
    public static final String CONNECT_INTERNAL_TYPE_PROP = "connect.internal.type";
    /** {@value #CONNECT_INTERNAL_TYPE_PROP} of the key/value records of a map with non-string keys. */
    public static final String MAP_ENTRY = "MapEntry";
    /** {@value #CONNECT_INTERNAL_TYPE_PROP} of a record named for a Connect struct that had no name. */
    public static final String ANONYMOUS_STRUCT = "AnonymousStruct";
    /** Connect parameter of a Decimal: the Avro precision. */
    public static final String DECIMAL_PRECISION_PARAM = "connect.decimal.precision";
    /** The Avro precision of a Connect Decimal without {@value #DECIMAL_PRECISION_PARAM}. */
    public static final int DEFAULT_DECIMAL_PRECISION = 64;
    /** Connect parameter of a STRING that is an Avro enum: the symbols, comma-separated, in order. */
    public static final String ENUM_SYMBOLS_PARAM = "avro.enum.symbols";
    /** Connect parameter of a STRING that is an Avro enum: the enum's default symbol, if it has one. */
    public static final String ENUM_DEFAULT_PARAM = "avro.enum.default";
    /** Connect parameter of a BYTES (or Decimal) that is an Avro fixed: its size. */
    public static final String FIXED_SIZE_PARAM = "avro.fixed.size";
    /** Connect parameter of a Decimal that is an Avro fixed: the fixed's full name. */
    public static final String FIXED_NAME_PARAM = "avro.fixed.name";
    /** Connect parameter: an Avro logical type with no Connect counterpart, e.g. {@code timestamp-micros}. */
    public static final String LOGICAL_TYPE_PARAM = "avro.logicalType";
    /** Name of the Connect struct that stands for a general Avro union. */
    public static final String UNION_SCHEMA_NAME = NAMESPACE + ".Union";

    private final LruCache<Schema, org.apache.avro.Schema> toAvroSchemas;
    private final LruCache<org.apache.avro.Schema, Schema> toConnectSchemas;
    /** The last conversion in each direction: a task usually sees one schema, compared by identity. */
    private volatile Pair<Schema, org.apache.avro.Schema> lastToAvro;
    private volatile Pair<org.apache.avro.Schema, Schema> lastToConnect;

    /**
     * Creates a translator that keeps up to {@code cacheSize} converted schemas in each direction.
     *
     * @throws IllegalArgumentException if {@code cacheSize} is less than 1
     */
    public AvroData(final int cacheSize) {
        this.toAvroSchemas = new LruCache<>(cacheSize);
        this.toConnectSchemas = new LruCache<>(cacheSize);
    }

    /**
     * Returns the Avro schema of {@code schema}; an optional schema becomes {@code ["null", T]}.
     *
     * @throws DataException if the schema has no Avro form (e.g. a name that is not a valid Avro name,
     *     two different structs with one name, a default Avro cannot hold)
     */
    public org.apache.avro.Schema fromConnectSchema(final Schema schema) {
        Objects.requireNonNull(schema, "schema");
        final Pair<Schema, org.apache.avro.Schema> last = lastToAvro;
        if (last != null && last.from == schema) {
            return last.to;
        }
        final org.apache.avro.Schema avro = toAvroSchemas.get(schema, s -> new ConnectToAvro().schema(s));
        lastToAvro = new Pair<>(schema, avro);
        return avro;
    }

    /**
     * Returns {@code value}, which must be valid for {@code schema}, as an Avro datum of
     * {@link #fromConnectSchema(Schema) fromConnectSchema(schema)}: a {@code GenericRecord} for a
     * struct, {@code null} for {@code null}.
     *
     * @throws DataException naming the field, if the value does not match the schema
     */
    public Object fromConnectData(final Schema schema, final Object value) {
        return ConnectToAvro.value(schema, fromConnectSchema(schema), value);
    }

    /**
     * Returns the Connect schema of {@code avroSchema}; {@code ["null", T]} becomes an optional schema.
     *
     * @throws DataException if the schema has no Connect form (a recursive record, the {@code null} type)
     */
    public Schema toConnectSchema(final org.apache.avro.Schema avroSchema) {
        Objects.requireNonNull(avroSchema, "avroSchema");
        final Pair<org.apache.avro.Schema, Schema> last = lastToConnect;
        if (last != null && last.from == avroSchema) {
            return last.to;
        }
        final Schema connect = toConnectSchemas.get(avroSchema, s -> new AvroToConnect().schema(s));
        lastToConnect = new Pair<>(avroSchema, connect);
        return connect;
    }

    /**
     * Returns the Connect schema of {@code avroSchema} and {@code datum} (a generic Avro datum of that
     * schema, strings as any {@link CharSequence}) as a Connect value of it.
     *
     * @throws DataException naming the field, if the datum does not match the schema
     */
    public SchemaAndValue toConnectData(final org.apache.avro.Schema avroSchema, final Object datum) {
        final Schema schema = toConnectSchema(avroSchema);
        return new SchemaAndValue(schema, AvroToConnect.value(schema, avroSchema, datum));
    }

    /** Schemas cached Connect to Avro, and Avro to Connect; for tests. */
    int[] cachedSchemas() {
        return new int[] {toAvroSchemas.size(), toConnectSchemas.size()};
    }

    private static final class Pair<A, B> {
        final A from;
        final B to;

        Pair(final A from, final B to) {
            this.from = from;
            this.to = to;
        }
    }
}
