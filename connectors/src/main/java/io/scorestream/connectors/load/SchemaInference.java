package io.scorestream.connectors.load;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import org.apache.avro.JsonProperties;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;

/**
 * Proposes an Avro record schema for a file from its rows: one field per column, in column order.
 *
 * <p>A column's type is what all its values have in common: whole numbers are {@code long};
 * decimal numbers (or whole and decimal mixed) {@code double}; {@code true}/{@code false} (any case)
 * {@code boolean}; anything else, or a mix, {@code string}. A whole number with a leading zero
 * ({@code 007}) counts as text, so identifiers and postal codes keep their digits; so does a number
 * too big for a long or a double. JSON values count by their JSON type: a JSON string is text even
 * when it holds digits. The timestamp column, if given, is {@code long} with logical type
 * {@code timestamp-millis}. A column with an absent value in any row scanned (an empty CSV field,
 * a JSON null or missing key) is optional: a union of null first and the type, default null. A
 * column with no value at all is an optional string.
 *
 * <p>Field names are the column names made valid Avro names (letters, digits and {@code _}, not
 * starting with a digit); a field whose name differs from its column's carries the column's name
 * in its {@value RowConverter#COLUMN_PROPERTY} property, which {@link RowConverter} maps by. Rows
 * the reader rejects (a CSV record of another width, a line that is no JSON object) are skipped and
 * counted. Stateless.
 */
public final class SchemaInference {

    private static final Pattern WHOLE = Pattern.compile("-?(0|[1-9]\\d*)");
    private static final Pattern DECIMAL = Pattern.compile("-?(0|[1-9]\\d*)(\\.\\d+)?([eE][-+]?\\d+)?");
    private static final Pattern NAME_START = Pattern.compile("[A-Za-z_]");
    private static final Pattern NOT_NAME = Pattern.compile("[^A-Za-z0-9_]");

    /** What the values of a column have in common so far. */
    private enum Seen { NONE, LONG, DOUBLE, BOOLEAN, STRING }

    private SchemaInference() {
    }

    /**
     * What the scan found.
     *
     * @param schema the proposed schema
     * @param rows the rows scanned
     * @param skipped the rows the reader rejected, left out of the scan
     */
    public record Inferred(Schema schema, long rows, long skipped) {
    }

    /**
     * Scans the rows of {@code reader} (from where it is, up to {@code maxRows} or the end) and
     * proposes a schema.
     *
     * @param recordName the record's name (a valid Avro name, may have a namespace: {@code a.b.Name})
     * @param maxRows rows to scan at most; 0 = all
     * @param timestampColumn a column to type {@code timestamp-millis}, or null
     * @throws IOException if reading fails
     * @throws LoadException if the file cannot be parsed past some row
     * @throws org.apache.avro.SchemaParseException if {@code recordName} is no valid Avro name
     */
    public static Inferred infer(RowReader reader, String recordName, long maxRows, String timestampColumn)
            throws IOException, LoadException {
        Seen[] seen = new Seen[0];
        long[] present = new long[0];
        long rows = 0;
        long skipped = 0;
        while (maxRows == 0 || rows < maxRows) {
            final Row row;
            try {
                row = reader.next();
            } catch (RowRejected e) {
                skipped++;
                continue;
            }
            if (row == null) {
                break;
            }
            rows++;
            final int width = row.columns().size();
            if (seen.length < width) {
                final int from = seen.length;
                seen = Arrays.copyOf(seen, width);
                present = Arrays.copyOf(present, width);
                Arrays.fill(seen, from, width, Seen.NONE);
            }
            for (int c = 0; c < width; c++) {
                final String value = row.value(c);
                if (value != null) {
                    present[c]++;
                    seen[c] = merge(seen[c], classify(value, row.kind(c)));
                }
            }
        }
        return new Inferred(schema(reader.columns(), seen, present, rows, recordName, timestampColumn), rows, skipped);
    }

    private static Schema schema(List<String> columns, Seen[] seen, long[] present, long rows, String recordName,
                                 String timestampColumn) {
        final List<Schema.Field> fields = new ArrayList<>();
        final Set<String> names = new HashSet<>();
        for (int c = 0; c < columns.size(); c++) {
            final String column = columns.get(c);
            if (column.isEmpty()) {
                continue;
            }
            final Schema type;
            if (column.equals(timestampColumn)) {
                type = LogicalTypes.timestampMillis().addToSchema(Schema.create(Schema.Type.LONG));
            } else {
                type = Schema.create(switch (c < seen.length ? seen[c] : Seen.NONE) {
                    case LONG -> Schema.Type.LONG;
                    case DOUBLE -> Schema.Type.DOUBLE;
                    case BOOLEAN -> Schema.Type.BOOLEAN;
                    case NONE, STRING -> Schema.Type.STRING;
                });
            }
            final boolean optional = c >= present.length || present[c] < rows;
            String name = avroName(column);
            for (int n = 2; !names.add(name); n++) {
                name = avroName(column) + "_" + n;
            }
            final Schema.Field field = optional
                    ? new Schema.Field(name, Schema.createUnion(Schema.create(Schema.Type.NULL), type), null,
                            JsonProperties.NULL_VALUE)
                    : new Schema.Field(name, type, null, (Object) null);
            if (!name.equals(column)) {
                field.addProp(RowConverter.COLUMN_PROPERTY, column);
            }
            fields.add(field);
        }
        return Schema.createRecord(recordName, null, null, false, fields);
    }

    private static Seen classify(String value, Row.Kind kind) {
        final String t = value.strip();
        return switch (kind) {
            case BOOLEAN -> Seen.BOOLEAN;
            case STRING -> Seen.STRING;
            case NUMBER -> t.indexOf('.') < 0 && t.indexOf('e') < 0 && t.indexOf('E') < 0 && fitsLong(t)
                    ? Seen.LONG : Seen.DOUBLE;
            case TEXT -> {
                if (WHOLE.matcher(t).matches()) {
                    yield fitsLong(t) ? Seen.LONG : Seen.STRING;
                }
                if (DECIMAL.matcher(t).matches()) {
                    yield Double.isFinite(Double.parseDouble(t)) ? Seen.DOUBLE : Seen.STRING;
                }
                yield t.equalsIgnoreCase("true") || t.equalsIgnoreCase("false") ? Seen.BOOLEAN : Seen.STRING;
            }
        };
    }

    private static boolean fitsLong(String t) {
        try {
            Long.parseLong(t);
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static Seen merge(Seen a, Seen b) {
        if (a == Seen.NONE || a == b) {
            return b;
        }
        if ((a == Seen.LONG && b == Seen.DOUBLE) || (a == Seen.DOUBLE && b == Seen.LONG)) {
            return Seen.DOUBLE;
        }
        return Seen.STRING;
    }

    /**
     * A record name from a file name: its name without the {@code .csv}, {@code .jsonl} or
     * {@code .ndjson} extension, made a valid Avro name ({@code 2026-11 tx.csv} → {@code _2026_11_tx}).
     */
    public static String recordName(Path file) {
        final Path name = file.getFileName();
        String n = name == null ? "" : name.toString();
        final String lower = n.toLowerCase(Locale.ROOT);
        for (String ext : List.of(".csv", ".jsonl", ".ndjson")) {
            if (lower.endsWith(ext)) {
                n = n.substring(0, n.length() - ext.length());
                break;
            }
        }
        return avroName(n);
    }

    /** {@code text} as a valid Avro name: every other character {@code _}, and {@code _} first unless a letter or {@code _} is. */
    public static String avroName(String text) {
        final String name = NOT_NAME.matcher(text).replaceAll("_");
        return name.isEmpty() || !NAME_START.matcher(name.substring(0, 1)).matches() ? "_" + name : name;
    }
}
