package io.scorestream.inference;

import io.scorestream.schemas.FeatureColumn;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.IndexedRecord;
import org.apache.avro.generic.PrimitivesArrays;

/**
 * Writes one record's mapped fields into a row of the input buffers. Compiled once per (record
 * schema, mapping): field positions and kinds are resolved here, so the per-record path indexes by
 * position and never looks a field up by name.
 *
 * <p>Values: numbers are converted to float (finite doubles beyond float's range saturate at
 * ±{@link Float#MAX_VALUE}); booleans become 1 or 0; an array field fills {@code width} columns.
 * A null uses the column's default; no default, a NaN or an infinity is a {@link FeatureException}
 * naming the field. Immutable and thread-safe; the buffers it writes to belong to the caller.
 */
public final class FeatureExtractor {

    private static final byte NUMBER = 0;
    private static final byte BOOLEAN = 1;
    private static final byte ARRAY = 2;
    /** Field absent from the record schema, mapping has a default: always the default. */
    private static final byte CONSTANT = 3;

    private final Schema schema;
    /** Per input: column descriptors, in column order. */
    private final int[][] positions;
    private final byte[][] kinds;
    private final int[][] widths;
    private final double[][] defaults;
    private final boolean[][] hasDefault;
    private final String[][] fields;
    private final int[] rowWidths;

    private FeatureExtractor(Schema schema, int[][] positions, byte[][] kinds, int[][] widths, double[][] defaults,
                             boolean[][] hasDefault, String[][] fields, int[] rowWidths) {
        this.schema = schema;
        this.positions = positions;
        this.kinds = kinds;
        this.widths = widths;
        this.defaults = defaults;
        this.hasDefault = hasDefault;
        this.fields = fields;
        this.rowWidths = rowWidths;
    }

    static FeatureExtractor compile(FeatureMapping mapping, Schema schema) {
        if (schema.getType() != Schema.Type.RECORD) {
            throw new FeatureException(FeatureException.Reason.SCHEMA_MISMATCH, "<value>",
                    "the event is a " + schema.getType() + ", not a record; the mapping needs record fields");
        }
        final List<FeatureMapping.InputPlan> plans = mapping.plans();
        final int n = plans.size();
        final int[][] positions = new int[n][];
        final byte[][] kinds = new byte[n][];
        final int[][] widths = new int[n][];
        final double[][] defaults = new double[n][];
        final boolean[][] hasDefault = new boolean[n][];
        final String[][] fields = new String[n][];
        final int[] rowWidths = new int[n];
        for (int i = 0; i < n; i++) {
            final List<FeatureColumn> cols = plans.get(i).columns;
            final int m = cols.size();
            positions[i] = new int[m];
            kinds[i] = new byte[m];
            widths[i] = new int[m];
            defaults[i] = new double[m];
            hasDefault[i] = new boolean[m];
            fields[i] = new String[m];
            rowWidths[i] = plans.get(i).width;
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
                kinds[i][c] = kindOf(name, field.schema(), col.getWidth());
            }
        }
        return new FeatureExtractor(schema, positions, kinds, widths, defaults, hasDefault, fields, rowWidths);
    }

    private static List<String> fieldNames(Schema schema) {
        final List<String> names = new ArrayList<>();
        for (Schema.Field f : schema.getFields()) {
            names.add(f.name());
        }
        return names;
    }

    private static byte kindOf(String name, Schema fieldSchema, Integer width) {
        final List<Schema> branches = fieldSchema.getType() == Schema.Type.UNION
                ? fieldSchema.getTypes() : List.of(fieldSchema);
        Byte kind = null;
        for (Schema b : branches) {
            final Byte k = switch (b.getType()) {
                case NULL -> null;
                case INT, LONG, FLOAT, DOUBLE -> NUMBER;
                case BOOLEAN -> BOOLEAN;
                case ARRAY -> isNumeric(b.getElementType()) ? ARRAY : Byte.valueOf((byte) -1);
                default -> Byte.valueOf((byte) -1);
            };
            if (k == null) {
                continue;
            }
            if (k == -1 || (kind != null && !kind.equals(k) && (kind == ARRAY || k == ARRAY))) {
                throw new FeatureException(FeatureException.Reason.SCHEMA_MISMATCH, name,
                        "mapped field '" + name + "' has type " + fieldSchema
                                + "; only numbers, booleans and arrays of numbers can feed a model");
            }
            // A union of numbers and booleans is read as a number; toFloat turns booleans into 1 or 0.
            kind = kind != null && !kind.equals(k) ? Byte.valueOf(NUMBER) : k;
        }
        if (kind == null) {
            throw new FeatureException(FeatureException.Reason.SCHEMA_MISMATCH, name,
                    "mapped field '" + name + "' is always null (type " + fieldSchema + ")");
        }
        if (kind == ARRAY && width == null) {
            throw new FeatureException(FeatureException.Reason.SCHEMA_MISMATCH, name,
                    "mapped field '" + name + "' is an array; the mapping must give its width (number of columns)");
        }
        if (kind != ARRAY && width != null && width != 1) {
            throw new FeatureException(FeatureException.Reason.SCHEMA_MISMATCH, name,
                    "mapped field '" + name + "' is a scalar but the mapping gives it width " + width);
        }
        return kind;
    }

    private static boolean isNumeric(Schema s) {
        return switch (s.getType()) {
            case INT, LONG, FLOAT, DOUBLE -> true;
            default -> false;
        };
    }

    /** The record schema this extractor was compiled for. */
    public Schema schema() {
        return schema;
    }

    /**
     * Writes {@code record}'s features into row {@code row} of each input buffer
     * ({@code buffers[i]} holds input {@code i}, row-major, absolute indexing). On failure the row is
     * left partly written; the caller simply does not count it.
     *
     * @throws FeatureException naming the field, for a null without default, a NaN or infinity, or an
     *     array of the wrong length
     */
    public void extract(IndexedRecord record, FloatBuffer[] buffers, int row) {
        for (int i = 0; i < positions.length; i++) {
            final FloatBuffer buf = buffers[i];
            int at = row * rowWidths[i];
            final int[] pos = positions[i];
            final byte[] kind = kinds[i];
            for (int c = 0; c < pos.length; c++) {
                switch (kind[c]) {
                    case NUMBER -> buf.put(at++, toFloat(i, c, record.get(pos[c])));
                    case BOOLEAN -> {
                        final Object v = record.get(pos[c]);
                        if (v == null) {
                            buf.put(at++, (float) defaultOrThrow(i, c));
                        } else {
                            buf.put(at++, v instanceof Boolean b ? (b ? 1f : 0f) : toFloat(i, c, v));
                        }
                    }
                    case ARRAY -> {
                        writeArray(i, c, record.get(pos[c]), buf, at);
                        at += widths[i][c];
                    }
                    default -> buf.put(at++, (float) defaults[i][c]);
                }
            }
        }
    }

    private float toFloat(int i, int c, Object v) {
        if (v == null) {
            return (float) defaultOrThrow(i, c);
        }
        if (v instanceof Boolean b) {
            return b ? 1f : 0f;
        }
        return checked(i, c, ((Number) v).doubleValue(), -1);
    }

    private float checked(int i, int c, double d, int element) {
        if (!Double.isFinite(d)) {
            throw new FeatureException(FeatureException.Reason.NON_FINITE, fields[i][c],
                    "field '" + fields[i][c] + "'" + (element >= 0 ? " element " + element : "") + " is " + d
                            + "; non-finite features are not scored");
        }
        if (d > Float.MAX_VALUE) {
            return Float.MAX_VALUE;
        }
        if (d < -Float.MAX_VALUE) {
            return -Float.MAX_VALUE;
        }
        return (float) d;
    }

    private double defaultOrThrow(int i, int c) {
        if (!hasDefault[i][c]) {
            throw new FeatureException(FeatureException.Reason.MISSING_VALUE, fields[i][c],
                    "field '" + fields[i][c] + "' is null and the mapping gives it no default");
        }
        return defaults[i][c];
    }

    private void writeArray(int i, int c, Object v, FloatBuffer buf, int at) {
        final int width = widths[i][c];
        if (v == null) {
            final float d = (float) defaultOrThrow(i, c);
            for (int k = 0; k < width; k++) {
                buf.put(at + k, d);
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
                buf.put(at + k, checked(i, c, fa.getFloat(k), k));
            }
        } else if (v instanceof PrimitivesArrays.DoubleArray da) {
            for (int k = 0; k < size; k++) {
                buf.put(at + k, checked(i, c, da.getDouble(k), k));
            }
        } else {
            for (int k = 0; k < size; k++) {
                final Object e = list.get(k);
                if (e == null) {
                    throw new FeatureException(FeatureException.Reason.MISSING_VALUE, fields[i][c],
                            "field '" + fields[i][c] + "' element " + k + " is null");
                }
                buf.put(at + k, checked(i, c, ((Number) e).doubleValue(), k));
            }
        }
        final float pad = (float) defaults[i][c];
        for (int k = size; k < width; k++) {
            buf.put(at + k, pad);
        }
    }
}
