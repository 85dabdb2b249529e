package io.scorestream.topology.features;

import java.util.List;
import java.util.Locale;
import org.apache.avro.Schema;

/** The scalar kinds of event field the engine reads; a union {@code ["null", T]} is read as T. */
enum FieldKind {
    INT, LONG, FLOAT, DOUBLE, BOOLEAN, STRING, ENUM;

    boolean numeric() {
        return this == INT || this == LONG || this == FLOAT || this == DOUBLE;
    }

    /** Numbers and booleans: what sum, mean, min, max, stddev and last take. */
    boolean numericOrBoolean() {
        return numeric() || this == BOOLEAN;
    }

    /** What a group key can be made of: floating-point values are refused (their text is not a stable key). */
    boolean groupable() {
        return this == INT || this == LONG || this == BOOLEAN || this == STRING || this == ENUM;
    }

    /** The kind of a field of this schema, or null when it is not a scalar the engine reads. */
    static FieldKind of(Schema schema) {
        final Schema s = unwrapNullable(schema);
        if (s == null) {
            return null;
        }
        return switch (s.getType()) {
            case INT -> INT;
            case LONG -> LONG;
            case FLOAT -> FLOAT;
            case DOUBLE -> DOUBLE;
            case BOOLEAN -> BOOLEAN;
            case STRING -> STRING;
            case ENUM -> ENUM;
            default -> null;
        };
    }

    /** T for a union of null and T (either order), the schema itself when not a union, null otherwise. */
    static Schema unwrapNullable(Schema schema) {
        if (schema.getType() != Schema.Type.UNION) {
            return schema;
        }
        final List<Schema> types = schema.getTypes();
        Schema other = null;
        for (Schema t : types) {
            if (t.getType() == Schema.Type.NULL) {
                continue;
            }
            if (other != null) {
                return null;
            }
            other = t;
        }
        return other;
    }

    /** How a field's type reads in a message, e.g. {@code string} or {@code union [null, string, long]}. */
    static String describe(Schema schema) {
        final Schema s = unwrapNullable(schema);
        if (s == null) {
            final StringBuilder b = new StringBuilder("union [");
            for (int i = 0; i < schema.getTypes().size(); i++) {
                b.append(i == 0 ? "" : ", ").append(schema.getTypes().get(i).getType().getName());
            }
            return b.append(']').toString();
        }
        return s.getType().name().toLowerCase(Locale.ROOT);
    }
}
