package io.scorestream.connectors.load;

import java.time.DateTimeException;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import org.apache.avro.LogicalType;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;

/**
 * The Avro types a column can fill, and how a value of each is made from a column's text: string
 * (also with logical type {@code uuid}), long, int, double, float, boolean, enum, long
 * {@code timestamp-millis}, int {@code date}; each also as an optional union with null.
 *
 * <p>Text rules (surrounding blanks are ignored except for strings):
 * <ul>
 *   <li>long, int: a whole number ({@code -12}, {@code +7}, {@code 007}) in range; a JSON number
 *       written without fraction or exponent;
 *   <li>double, float: a decimal number ({@code 1}, {@code -0.5}, {@code .5}, {@code 1e-3}) in
 *       range; no {@code NaN}, {@code Infinity} or hexadecimal; a JSON number;
 *   <li>boolean: {@code true} or {@code false} in any case; a JSON boolean;
 *   <li>enum: one of the symbols, exactly;
 *   <li>timestamp-millis: epoch milliseconds ({@code 1768435200000}) or an ISO-8601 date-time with
 *       a zone offset ({@code 2026-01-15T00:00:00Z}, {@code 2026-01-15 01:00:00.250+01:00});
 *       digits beyond the millisecond are cut;
 *   <li>date: an ISO-8601 date ({@code 2026-01-15}), or a JSON number of days since 1970-01-01;
 *   <li>string: the text as it is; a JSON number or boolean as written.
 * </ul>
 * In JSON Lines a number, boolean, enum or date field does not take a JSON string (that is a wrong
 * type), except that timestamps may be strings (ISO-8601) or numbers (epoch ms).
 *
 * <p>Immutable; thread-safe.
 */
final class FieldType {

    /** The kinds of value a column can fill. */
    enum Base { STRING, LONG, INT, DOUBLE, FLOAT, BOOLEAN, ENUM, TIMESTAMP_MILLIS, DATE }

    private static final Pattern WHOLE = Pattern.compile("[-+]?\\d+");
    private static final Pattern DECIMAL = Pattern.compile("[-+]?(\\d+(\\.\\d*)?|\\.\\d+)([eE][-+]?\\d+)?");
    private static final Pattern EPOCH_MILLIS = Pattern.compile("-?\\d+");

    /** The timestamp of a {@code --timestamp} column that is no timestamp field. */
    static final FieldType TIMESTAMP = new FieldType(Base.TIMESTAMP_MILLIS, false, null);

    private final Base base;
    private final boolean nullable;
    private final Schema enumSchema;

    private FieldType(Base base, boolean nullable, Schema enumSchema) {
        this.base = base;
        this.nullable = nullable;
        this.enumSchema = enumSchema;
    }

    /** The type of a field of schema {@code schema}, or null when no column can fill it. */
    static FieldType of(Schema schema) {
        Schema s = schema;
        boolean nullable = false;
        if (s.getType() == Schema.Type.UNION) {
            final List<Schema> branches = s.getTypes();
            if (branches.size() != 2) {
                return null;
            }
            final int nulls = (branches.get(0).getType() == Schema.Type.NULL ? 1 : 0)
                    + (branches.get(1).getType() == Schema.Type.NULL ? 1 : 0);
            if (nulls != 1) {
                return null;
            }
            s = branches.get(0).getType() == Schema.Type.NULL ? branches.get(1) : branches.get(0);
            nullable = true;
        }
        final Base base = base(s);
        return base == null ? null : new FieldType(base, nullable, base == Base.ENUM ? s : null);
    }

    private static Base base(Schema s) {
        final LogicalType logical = s.getLogicalType();
        final String name = logical == null ? null : logical.getName();
        return switch (s.getType()) {
            case STRING -> name == null || name.equals(LogicalTypes.uuid().getName()) ? Base.STRING : null;
            case LONG -> name == null ? Base.LONG : name.equals(LogicalTypes.timestampMillis().getName())
                    ? Base.TIMESTAMP_MILLIS : null;
            case INT -> name == null ? Base.INT : name.equals(LogicalTypes.date().getName()) ? Base.DATE : null;
            case DOUBLE -> name == null ? Base.DOUBLE : null;
            case FLOAT -> name == null ? Base.FLOAT : null;
            case BOOLEAN -> name == null ? Base.BOOLEAN : null;
            case ENUM -> Base.ENUM;
            default -> null;
        };
    }

    /** How a schema's type is named in messages: {@code long}, {@code long (timestamp-micros)}, {@code array}. */
    static String describe(Schema schema) {
        if (schema.getType() == Schema.Type.UNION) {
            final StringBuilder s = new StringBuilder("union [");
            for (Schema b : schema.getTypes()) {
                s.append(s.length() > 7 ? ", " : "").append(describe(b));
            }
            return s.append(']').toString();
        }
        final String type = schema.getType().getName();
        return schema.getLogicalType() == null ? type : type + " (" + schema.getLogicalType().getName() + ")";
    }

    Base base() {
        return base;
    }

    /** Whether the field is a union with null. */
    boolean nullable() {
        return nullable;
    }

    /** The type as messages name it: {@code double}, {@code timestamp-millis}, {@code enum Currency}. */
    String name() {
        return switch (base) {
            case TIMESTAMP_MILLIS -> "timestamp-millis";
            case ENUM -> "enum " + enumSchema.getName();
            default -> base.name().toLowerCase(Locale.ROOT);
        };
    }

    /**
     * The Avro value of {@code text} (never null), as {@link GenericData} writes it: String, Long,
     * Integer, Double, Float, Boolean, {@link GenericData.EnumSymbol}; a timestamp as epoch
     * milliseconds (Long), a date as days since 1970-01-01 (Integer).
     *
     * @param kind what the text was written as
     * @throws BadValue saying why the text is no value of this type
     */
    Object parse(String text, Row.Kind kind) throws BadValue {
        if (base == Base.STRING) {
            return text;
        }
        final String t = text.strip();
        switch (base) {
            case LONG, INT -> {
                expect(kind, Row.Kind.NUMBER);
                if (!WHOLE.matcher(t).matches()) {
                    throw new BadValue("not a whole number (" + name() + ")");
                }
                try {
                    return base == Base.LONG ? (Object) Long.parseLong(t) : (Object) Integer.parseInt(t);
                } catch (NumberFormatException e) {
                    throw new BadValue("out of range for " + name());
                }
            }
            case DOUBLE, FLOAT -> {
                expect(kind, Row.Kind.NUMBER);
                if (!DECIMAL.matcher(t).matches()) {
                    throw new BadValue("not a number (" + name() + ")");
                }
                if (base == Base.DOUBLE) {
                    final double d = Double.parseDouble(t);
                    if (Double.isInfinite(d)) {
                        throw new BadValue("out of range for double");
                    }
                    return d;
                }
                final float f = Float.parseFloat(t);
                if (Float.isInfinite(f)) {
                    throw new BadValue("out of range for float");
                }
                return f;
            }
            case BOOLEAN -> {
                expect(kind, Row.Kind.BOOLEAN);
                if (t.equalsIgnoreCase("true")) {
                    return Boolean.TRUE;
                }
                if (t.equalsIgnoreCase("false")) {
                    return Boolean.FALSE;
                }
                throw new BadValue("not true or false (boolean)");
            }
            case ENUM -> {
                expect(kind, Row.Kind.STRING);
                if (!enumSchema.hasEnumSymbol(t)) {
                    throw new BadValue("not a symbol of " + name() + " " + enumSchema.getEnumSymbols());
                }
                return new GenericData.EnumSymbol(enumSchema, t);
            }
            case TIMESTAMP_MILLIS -> {
                if (kind == Row.Kind.BOOLEAN) {
                    throw new BadValue("a JSON boolean is no timestamp");
                }
                return epochMillis(t, kind);
            }
            case DATE -> {
                if (kind == Row.Kind.NUMBER) {
                    try {
                        return Integer.parseInt(t);
                    } catch (NumberFormatException e) {
                        throw new BadValue("not a whole number of days since 1970-01-01 (date)");
                    }
                }
                expect(kind, Row.Kind.STRING);
                try {
                    return Math.toIntExact(LocalDate.parse(t).toEpochDay());
                } catch (DateTimeException | ArithmeticException e) {
                    throw new BadValue("not an ISO-8601 date like 2026-01-15 (date)");
                }
            }
            default -> throw new IllegalStateException("unhandled " + base);
        }
    }

    /** Refuses a JSON value of another kind than {@code json} (untyped CSV text is always let through). */
    private void expect(Row.Kind kind, Row.Kind json) throws BadValue {
        if (kind != Row.Kind.TEXT && kind != json) {
            throw new BadValue("a JSON " + kind.name().toLowerCase(Locale.ROOT) + " is no " + name());
        }
    }

    private static long epochMillis(String t, Row.Kind kind) throws BadValue {
        if (EPOCH_MILLIS.matcher(t).matches()) {
            try {
                return Long.parseLong(t);
            } catch (NumberFormatException e) {
                throw new BadValue("out of range for epoch milliseconds (timestamp-millis)");
            }
        }
        if (kind == Row.Kind.NUMBER) {
            throw new BadValue("not whole epoch milliseconds (timestamp-millis)");
        }
        final String iso = t.length() > 10 && t.charAt(10) == ' ' ? t.substring(0, 10) + 'T' + t.substring(11) : t;
        try {
            return OffsetDateTime.parse(iso, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant().toEpochMilli();
        } catch (DateTimeException | ArithmeticException e) {
            if (isLocalDateTime(iso)) {
                throw new BadValue("an ISO-8601 time without a zone offset: add Z or an offset like +01:00 "
                        + "(timestamp-millis)");
            }
            throw new BadValue("not an ISO-8601 time or epoch milliseconds (timestamp-millis)");
        }
    }

    private static boolean isLocalDateTime(String iso) {
        try {
            LocalDateTime.parse(iso);
            return true;
        } catch (DateTimeException e) {
            return false;
        }
    }

    /** Why a text is no value of a type; carries no stack trace. */
    static final class BadValue extends Exception {

        private static final long serialVersionUID = 1L;

        BadValue(String reason) {
            super(reason, null, false, false);
        }
    }
}
