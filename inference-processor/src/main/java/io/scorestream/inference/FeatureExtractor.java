package io.scorestream.inference;

import io.scorestream.inference.onnx.ElementType;
import io.scorestream.schemas.FeatureColumn;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.avro.Schema;
import org.apache.avro.generic.IndexedRecord;
import org.apache.avro.generic.PrimitivesArrays;

/**
 * Writes one record's mapped fields into a row of the input buffers. Compiled once per (record
 * schema, mapping): field positions and kinds are resolved here, so the per-record path indexes by
 * position and never looks a field up by name.
 *
 * <p>Values, by the input's element type:
 * <ul>
 *   <li>float and double: from numbers, booleans (1 or 0) and arrays of them. A NaN or an
 *       infinity is refused; for float, finite doubles beyond float's range saturate at
 *       ±{@link Float#MAX_VALUE}.</li>
 *   <li>int32 and int64: from int and long fields, booleans (1 or 0) and arrays of them; float and
 *       double fields are refused when compiling (an index is never rounded). A long outside int32's
 *       range is refused for an int32 input.</li>
 *   <li>bool: from boolean fields, and from int and long fields holding 0 or 1 (any other number is
 *       refused); arrays of either.</li>
 *   <li>string: from string and enum fields (an enum gives its symbol) and arrays of them; no other
 *       field, and no default: a null string is refused. Each value that Avro decoded as
 *       {@code Utf8} becomes one {@link String}, the only allocation per record on this path.</li>
 * </ul>
 * A scalar field fills one value, an array field {@code width} values. A null uses the column's
 * default; no default, or a value the element type cannot hold, is a {@link FeatureException}
 * naming the field. Immutable and thread-safe; the buffers it writes to belong to the caller.
 */
public final class FeatureExtractor {

    /** A number, or a union of numbers and booleans. */
    static final byte NUMBER = 0;
    static final byte BOOLEAN = 1;
    /** An array of numbers or booleans. */
    static final byte ARRAY = 2;
    /** Field absent from the record schema, mapping has a default: always the default. */
    static final byte CONSTANT = 3;
    /** A string or an enum. */
    static final byte TEXT = 4;
    /** An array of strings or enums. */
    static final byte TEXT_ARRAY = 5;

    private final Schema schema;
    /** Per input: its element type and the width of one row. */
    final ElementType[] types;
    final String[] inputNames;
    final int[] rowWidths;
    /** Per input: column descriptors, in column order. */
    final int[][] positions;
    final byte[][] kinds;
    final int[][] widths;
    final double[][] defaults;
    final boolean[][] hasDefault;
    final String[][] fields;

    private FeatureExtractor(Schema schema, ElementType[] types, String[] inputNames, int[] rowWidths,
                             int[][] positions, byte[][] kinds, int[][] widths, double[][] defaults,
                             boolean[][] hasDefault, String[][] fields) {
        this.schema = schema;
        this.types = types;
        this.inputNames = inputNames;
        this.rowWidths = rowWidths;
        this.positions = positions;
        this.kinds = kinds;
        this.widths = widths;
        this.defaults = defaults;
        this.hasDefault = hasDefault;
        this.fields = fields;
    }

    static FeatureExtractor compile(FeatureMapping mapping, Schema schema) {
        if (schema.getType() != Schema.Type.RECORD) {
            throw new FeatureException(FeatureException.Reason.SCHEMA_MISMATCH, "<value>",
                    "the event is a " + schema.getType() + ", not a record; the mapping needs record fields");
        }
        final List<FeatureMapping.InputPlan> plans = mapping.plans();
        final int n = plans.size();
        final ElementType[] types = new ElementType[n];
        final String[] inputNames = new String[n];
        final int[] rowWidths = new int[n];
        final int[][] positions = new int[n][];
        final byte[][] kinds = new byte[n][];
        final int[][] widths = new int[n][];
        final double[][] defaults = new double[n][];
        final boolean[][] hasDefault = new boolean[n][];
        final String[][] fields = new String[n][];
        for (int i = 0; i < n; i++) {
            final FeatureMapping.InputPlan plan = plans.get(i);
            final List<FeatureColumn> cols = plan.columns;
            final int m = cols.size();
            types[i] = plan.type;
            inputNames[i] = plan.inputName;
            rowWidths[i] = plan.width;
            positions[i] = new int[m];
            kinds[i] = new byte[m];
            widths[i] = new int[m];
            defaults[i] = new double[m];
            hasDefault[i] = new boolean[m];
            fields[i] = new String[m];
            for (int c = 0; c < m; c++) {
                final FeatureColumn col = cols.get(c);
                final String name = col.getField();
                fields[i][c] = name;
                hasDefault[i][c] = col.getDefaultValue() != null;
                defaults[i][c] = col.getDefaultValue() == null ? 0.0 : col.getDefaultValue();
                widths[i][c] = col.getWidth() == null ? 1 : col.getWidth();
                final Schema.Field field = schema.getField(name);
                if (field == null) {
                    if (!hasDefault[i][c]) {
                        throw new FeatureException(FeatureException.Reason.SCHEMA_MISMATCH, name,
                                "mapped field '" + name + "' is not in record schema " + schema.getFullName()
                                        + " and the mapping gives it no default; its fields are " + fieldNames(schema));
                    }
                    kinds[i][c] = CONSTANT;
                    positions[i][c] = -1;
                    continue;
                }
                positions[i][c] = field.pos();
                kinds[i][c] = kindOf(name, field.schema(), col.getWidth(), plan);
            }
        }
        return new FeatureExtractor(schema, types, inputNames, rowWidths, positions, kinds, widths, defaults,
                hasDefault, fields);
    }

    private static List<String> fieldNames(Schema schema) {
        final List<String> names = new ArrayList<>();
        for (Schema.Field f : schema.getFields()) {
            names.add(f.name());
        }
        return names;
    }

    private static byte kindOf(String name, Schema fieldSchema, Integer width, FeatureMapping.InputPlan plan) {
        final List<Schema> branches = fieldSchema.getType() == Schema.Type.UNION
                ? fieldSchema.getTypes() : List.of(fieldSchema);
        final boolean text = plan.type == ElementType.STRING;
        final boolean integral = plan.type != ElementType.FLOAT && plan.type != ElementType.DOUBLE;
        Byte kind = null;
        for (Schema b : branches) {
            final Byte k = b.getType() == Schema.Type.NULL ? null : text ? textKind(b) : numberKind(b, integral);
            if (k == null) {
                continue;
            }
            if (k == -1 || (kind != null && !kind.equals(k) && (kind == ARRAY || k == ARRAY || text))) {
                throw new FeatureException(FeatureException.Reason.SCHEMA_MISMATCH, name,
                        "mapped field '" + name + "' has type " + fieldSchema + "; " + accepted(plan));
            }
            // A union of numbers and booleans is read as a number; booleans become 1 or 0.
            kind = kind != null && !kind.equals(k) ? Byte.valueOf(NUMBER) : k;
        }
        if (kind == null) {
            throw new FeatureException(FeatureException.Reason.SCHEMA_MISMATCH, name,
                    "mapped field '" + name + "' is always null (type " + fieldSchema + ")");
        }
        final boolean array = kind == ARRAY || kind == TEXT_ARRAY;
        if (array && width == null) {
            throw new FeatureException(FeatureException.Reason.SCHEMA_MISMATCH, name,
                    "mapped field '" + name + "' is an array; the mapping must give its width (number of values)");
        }
        if (!array && width != null && width != 1) {
            throw new FeatureException(FeatureException.Reason.SCHEMA_MISMATCH, name,
                    "mapped field '" + name + "' is a scalar but the mapping gives it width " + width);
        }
        return kind;
    }

    /** Kind of a non-null branch feeding a numeric or bool input; -1 if it cannot. */
    private static Byte numberKind(Schema b, boolean integral) {
        return switch (b.getType()) {
            case INT, LONG -> NUMBER;
            case FLOAT, DOUBLE -> integral ? Byte.valueOf((byte) -1) : Byte.valueOf(NUMBER);
            case BOOLEAN -> BOOLEAN;
            case ARRAY -> fits(b.getElementType(), integral) ? ARRAY : Byte.valueOf((byte) -1);
            default -> Byte.valueOf((byte) -1);
        };
    }

    /** Kind of a non-null branch feeding a string input; -1 if it cannot. */
    private static Byte textKind(Schema b) {
        return switch (b.getType()) {
            case STRING, ENUM -> TEXT;
            case ARRAY -> isText(b.getElementType()) ? TEXT_ARRAY : Byte.valueOf((byte) -1);
            default -> Byte.valueOf((byte) -1);
        };
    }

    private static boolean isText(Schema s) {
        return s.getType() == Schema.Type.STRING || s.getType() == Schema.Type.ENUM;
    }

    /** What fields an input of the plan's type takes, for a refusal. */
    private static String accepted(FeatureMapping.InputPlan plan) {
        return switch (plan.type) {
            case FLOAT, DOUBLE -> "only numbers, booleans and arrays of numbers or booleans can feed "
                    + plan.type.name().toLowerCase(Locale.ROOT) + " input '" + plan.inputName + "'";
            case STRING -> "only string and enum fields and arrays of them can feed string input '"
                    + plan.inputName + "'";
            default -> "only int, long and boolean fields and arrays of them can feed "
                    + plan.type.name().toLowerCase(Locale.ROOT) + " input '" + plan.inputName
                    + "' (float and double values are not rounded to integers)";
        };
    }

    private static boolean fits(Schema element, boolean integral) {
        return switch (element.getType()) {
            case INT, LONG, BOOLEAN -> true;
            case FLOAT, DOUBLE -> !integral;
            default -> false;
        };
    }

    /** The record schema this extractor was compiled for. */
    public Schema schema() {
        return schema;
    }

    /**
     * Writes {@code record}'s features into row {@code row} of each input's buffer (absolute
     * indexing). On failure the row is left partly written; the caller simply does not count it.
     *
     * @throws FeatureException naming the field, for a null without default, a NaN or infinity, a
     *     number the input's element type cannot hold, or an array of the wrong length
     */
    public void extract(IndexedRecord record, RowBuffers rows, int row) {
        for (int i = 0; i < positions.length; i++) {
            if (types[i] == ElementType.STRING) {
                fillText(i, record, rows.textsOrNull(i), row * rowWidths[i]);
            } else {
                fill(i, record, rows.buffer(i), row * rowWidths[i]);
            }
        }
    }

    /**
     * As {@link #extract(IndexedRecord, RowBuffers, int)}, for a mapping whose inputs are all float:
     * {@code buffers[i]} holds input {@code i}, row-major.
     *
     * @throws IllegalStateException if an input is not float
     */
    public void extract(IndexedRecord record, FloatBuffer[] buffers, int row) {
        for (int i = 0; i < positions.length; i++) {
            if (types[i] != ElementType.FLOAT) {
                throw new IllegalStateException("input '" + inputNames[i] + "' is " + types[i]
                        + ", not float; extract into RowBuffers");
            }
            fill(i, record, buffers[i], row * rowWidths[i]);
        }
    }

    private void fill(int i, IndexedRecord record, Buffer buf, int at) {
        final int[] pos = positions[i];
        final byte[] kind = kinds[i];
        for (int c = 0; c < pos.length; c++) {
            switch (kind[c]) {
                case NUMBER, BOOLEAN -> {
                    final Object v = record.get(pos[c]);
                    if (v == null) {
                        putDefault(i, c, buf, at);
                    } else if (v instanceof Boolean b) {
                        putLong(i, c, buf, at, b ? 1L : 0L, -1);
                    } else if (v instanceof Integer || v instanceof Long) {
                        putLong(i, c, buf, at, ((Number) v).longValue(), -1);
                    } else {
                        putDouble(i, c, buf, at, ((Number) v).doubleValue(), -1);
                    }
                    at++;
                }
                case ARRAY -> {
                    writeArray(i, c, record.get(pos[c]), buf, at);
                    at += widths[i][c];
                }
                default -> putDefault(i, c, buf, at++);
            }
        }
    }


    private void fillText(int i, IndexedRecord record, String[] out, int at) {
        final int[] pos = positions[i];
        for (int c = 0; c < pos.length; c++) {
            final Object v = record.get(pos[c]);
            if (kinds[i][c] == TEXT) {
                out[at++] = text(i, c, v, -1);
                continue;
            }
            final int width = widths[i][c];
            final List<?> list = (List<?>) v;
            if (list == null || list.size() != width) {
                throw new FeatureException(list == null ? FeatureException.Reason.MISSING_VALUE
                        : FeatureException.Reason.ARRAY_LENGTH, fields[i][c], "field '" + fields[i][c] + "' "
                        + (list == null ? "is null" : "has " + list.size() + " element(s)") + "; the mapping expects "
                        + width + " strings and a string input takes no default");
            }
            for (int k = 0; k < width; k++) {
                out[at++] = text(i, c, list.get(k), k);
            }
        }
    }

    /** A string or enum value as a String; a null is refused (string inputs have no defaults). */
    private String text(int i, int c, Object v, int element) {
        if (v == null) {
            throw new FeatureException(FeatureException.Reason.MISSING_VALUE, fields[i][c],
                    "field '" + fields[i][c] + "'" + (element >= 0 ? " element " + element : "")
                            + " is null and string input '" + inputNames[i] + "' takes no default");
        }
        // Utf8 caches the String it makes; a String or an enum symbol is returned as is.
        return v.toString();
    }

    /** Writes a floating-point value; only float and double inputs are compiled to receive one. */
    void putDouble(int i, int c, Buffer buf, int at, double d, int element) {
        if (!Double.isFinite(d)) {
            throw new FeatureException(FeatureException.Reason.NON_FINITE, fields[i][c],
                    "field '" + fields[i][c] + "'" + (element >= 0 ? " element " + element : "") + " is " + d
                            + "; non-finite features are not scored");
        }
        if (types[i] == ElementType.FLOAT) {
            ((FloatBuffer) buf).put(at, d > Float.MAX_VALUE ? Float.MAX_VALUE
                    : d < -Float.MAX_VALUE ? -Float.MAX_VALUE : (float) d);
        } else {
            ((DoubleBuffer) buf).put(at, d);
        }
    }

    /** Writes an integer value (an int, a long or a boolean's 1 or 0), converted to the input's type. */
    void putLong(int i, int c, Buffer buf, int at, long v, int element) {
        switch (types[i]) {
            // Through double, as numbers always went: the same float for every long as before.
            case FLOAT -> ((FloatBuffer) buf).put(at, (float) (double) v);
            case DOUBLE -> ((DoubleBuffer) buf).put(at, (double) v);
            case INT32 -> {
                if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
                    throw outOfRange(i, c, v, element, "outside int32's range");
                }
                ((IntBuffer) buf).put(at, (int) v);
            }
            case INT64 -> ((LongBuffer) buf).put(at, v);
            default -> {
                if (v != 0 && v != 1) {
                    throw outOfRange(i, c, v, element, "neither 0 nor 1");
                }
                ((ByteBuffer) buf).put(at, (byte) v);
            }
        }
    }

    private FeatureException outOfRange(int i, int c, long v, int element, String why) {
        return new FeatureException(FeatureException.Reason.OUT_OF_RANGE, fields[i][c],
                "field '" + fields[i][c] + "'" + (element >= 0 ? " element " + element : "") + " is " + v + ", "
                        + why + "; input '" + inputNames[i] + "' is " + types[i]);
    }

    /** Writes the column's default (checked at load to fit the input's type). */
    void putDefault(int i, int c, Buffer buf, int at) {
        final double d = defaultOrThrow(i, c);
        if (types[i] == ElementType.FLOAT || types[i] == ElementType.DOUBLE) {
            putDouble(i, c, buf, at, d, -1);
        } else {
            putLong(i, c, buf, at, (long) d, -1);
        }
    }

    private double defaultOrThrow(int i, int c) {
        if (!hasDefault[i][c]) {
            throw new FeatureException(FeatureException.Reason.MISSING_VALUE, fields[i][c],
                    "field '" + fields[i][c] + "' is null and the mapping gives it no default");
        }
        return defaults[i][c];
    }

    private void writeArray(int i, int c, Object v, Buffer buf, int at) {
        final int width = widths[i][c];
        if (v == null) {
            for (int k = 0; k < width; k++) {
                putDefault(i, c, buf, at + k);
            }
            return;
        }
        final List<?> list = (List<?>) v;
        final int size = list.size();
        if (size > width || (size < width && !hasDefault[i][c])) {
            throw new FeatureException(FeatureException.Reason.ARRAY_LENGTH, fields[i][c],
                    "field '" + fields[i][c] + "' has " + size + " element(s); the mapping expects " + width
                            + (size < width ? " and gives no default to pad with" : ""));
        }
        if (v instanceof PrimitivesArrays.FloatArray fa) {
            for (int k = 0; k < size; k++) {
                putDouble(i, c, buf, at + k, fa.getFloat(k), k);
            }
        } else if (v instanceof PrimitivesArrays.DoubleArray da) {
            for (int k = 0; k < size; k++) {
                putDouble(i, c, buf, at + k, da.getDouble(k), k);
            }
        } else if (v instanceof PrimitivesArrays.IntArray ia) {
            for (int k = 0; k < size; k++) {
                putLong(i, c, buf, at + k, ia.getInt(k), k);
            }
        } else if (v instanceof PrimitivesArrays.LongArray la) {
            for (int k = 0; k < size; k++) {
                putLong(i, c, buf, at + k, la.getLong(k), k);
            }
        } else if (v instanceof PrimitivesArrays.BooleanArray ba) {
            for (int k = 0; k < size; k++) {
                putLong(i, c, buf, at + k, ba.getBoolean(k) ? 1L : 0L, k);
            }
        } else {
            for (int k = 0; k < size; k++) {
                final Object e = list.get(k);
                if (e == null) {
                    throw new FeatureException(FeatureException.Reason.MISSING_VALUE, fields[i][c],
                            "field '" + fields[i][c] + "' element " + k + " is null");
                }
                if (e instanceof Boolean b) {
                    putLong(i, c, buf, at + k, b ? 1L : 0L, k);
                } else if (e instanceof Integer || e instanceof Long) {
                    putLong(i, c, buf, at + k, ((Number) e).longValue(), k);
                } else {
                    putDouble(i, c, buf, at + k, ((Number) e).doubleValue(), k);
                }
            }
        }
        for (int k = size; k < width; k++) {
            putDefault(i, c, buf, at + k);
        }
    }
}
