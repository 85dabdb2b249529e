package io.scorestream.connectors.jdbc;

import java.math.BigDecimal;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Set;
import org.apache.kafka.connect.data.Date;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Time;
import org.apache.kafka.connect.data.Timestamp;

/**
 * The PostgreSQL column type of a Connect field: the type a new column gets, the existing column
 * types a value of the field may be written to, and how a value is bound to a statement.
 */
enum ColumnType {
    SMALLINT("smallint", Types.SMALLINT, "int2", "int4", "int8", "numeric"),
    INTEGER("integer", Types.INTEGER, "int4", "int8", "numeric"),
    BIGINT("bigint", Types.BIGINT, "int8", "numeric"),
    REAL("real", Types.REAL, "float4", "float8"),
    DOUBLE("double precision", Types.DOUBLE, "float8"),
    BOOLEAN("boolean", Types.BOOLEAN, "bool"),
    TEXT("text", Types.VARCHAR, "text", "varchar", "bpchar"),
    BYTEA("bytea", Types.BINARY, "bytea"),
    TIMESTAMPTZ("timestamptz", Types.TIMESTAMP_WITH_TIMEZONE, "timestamptz"),
    DATE("date", Types.DATE, "date"),
    TIME("time", Types.TIME, "time"),
    NUMERIC("numeric", Types.NUMERIC, "numeric"),
    /** Maps, arrays and nested structs, as JSON text (see {@link JsonValues}). */
    JSONB("jsonb", Types.VARCHAR, "jsonb", "json");

    private static final long MILLIS_PER_DAY = 86_400_000L;

    private final String ddl;
    private final int nullSqlType;
    private final Set<String> acceptedUdtNames;

    ColumnType(final String ddl, final int nullSqlType, final String... acceptedUdtNames) {
        this.ddl = ddl;
        this.nullSqlType = nullSqlType;
        this.acceptedUdtNames = Set.of(acceptedUdtNames);
    }

    /** The type of a column created for a field of {@code schema}. */
    static ColumnType of(final Schema schema) {
        final String logical = schema.name();
        if (logical != null) {
            switch (logical) {
                case Timestamp.LOGICAL_NAME:
                    return TIMESTAMPTZ;
                case Date.LOGICAL_NAME:
                    return DATE;
                case Time.LOGICAL_NAME:
                    return TIME;
                case Decimal.LOGICAL_NAME:
                    return NUMERIC;
                default:
                    break;
            }
        }
        switch (schema.type()) {
            case INT8:
            case INT16:
                return SMALLINT;
            case INT32:
                return INTEGER;
            case INT64:
                return BIGINT;
            case FLOAT32:
                return REAL;
            case FLOAT64:
                return DOUBLE;
            case BOOLEAN:
                return BOOLEAN;
            case STRING:
                return TEXT;
            case BYTES:
                return BYTEA;
            case ARRAY:
            case MAP:
            case STRUCT:
                return JSONB;
            default:
                throw new IllegalArgumentException("no column type for Connect type " + schema.type());
        }
    }

    /** How a field of {@code schema} is named in messages: its logical type, or its Connect type. */
    static String describe(final Schema schema) {
        final String logical = schema.name();
        if (logical != null && logical.startsWith("org.apache.kafka.connect.data.")) {
            return logical.substring("org.apache.kafka.connect.data.".length());
        }
        return schema.type().name();
    }

    /** The type in {@code CREATE TABLE} / {@code ADD COLUMN}. */
    String ddl() {
        return ddl;
    }

    /**
     * Whether a value of this type can be written to a column whose {@code information_schema}
     * {@code udt_name} is {@code udtName} without loss (e.g. an int32 field into a bigint column).
     */
    boolean fits(final String udtName) {
        return acceptedUdtNames.contains(udtName);
    }

    /** The placeholder for a value written to a column of PostgreSQL type {@code udtName}. */
    String placeholder(final String udtName) {
        // JSON goes as text: the cast makes the server parse it, whatever type the driver sent.
        return this == JSONB ? "CAST(? AS " + udtName + ")" : "?";
    }

    /** Binds {@code value} (a Connect value of a field of {@code schema}, or null) as parameter {@code index}. */
    void bind(final PreparedStatement ps, final int index, final Schema schema, final Object value)
            throws SQLException {
        if (value == null) {
            ps.setNull(index, nullSqlType);
            return;
        }
        switch (this) {
            case SMALLINT:
                ps.setShort(index, ((Number) value).shortValue());
                break;
            case INTEGER:
                ps.setInt(index, (Integer) value);
                break;
            case BIGINT:
                ps.setLong(index, (Long) value);
                break;
            case REAL:
                ps.setFloat(index, (Float) value);
                break;
            case DOUBLE:
                ps.setDouble(index, (Double) value);
                break;
            case BOOLEAN:
                ps.setBoolean(index, (Boolean) value);
                break;
            case TEXT:
                ps.setString(index, (String) value);
                break;
            case BYTEA:
                ps.setBytes(index, JsonValues.bytes(value));
                break;
            case TIMESTAMPTZ:
                // An instant: bound with offset UTC, so the session's time zone plays no part.
                ps.setObject(index, OffsetDateTime.ofInstant(((java.util.Date) value).toInstant(), ZoneOffset.UTC));
                break;
            case DATE:
                ps.setObject(index, LocalDate.ofEpochDay(Math.floorDiv(((java.util.Date) value).getTime(),
                        MILLIS_PER_DAY)));
                break;
            case TIME:
                ps.setObject(index, LocalTime.ofNanoOfDay(Math.floorMod(((java.util.Date) value).getTime(),
                        MILLIS_PER_DAY) * 1_000_000L));
                break;
            case NUMERIC:
                ps.setBigDecimal(index, (BigDecimal) value);
                break;
            case JSONB:
                ps.setString(index, JsonValues.toJson(schema, value));
                break;
            default:
                throw new IllegalStateException(name());
        }
    }
}
