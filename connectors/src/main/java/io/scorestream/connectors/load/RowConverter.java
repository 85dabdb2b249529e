package io.scorestream.connectors.load;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;

/**
 * Turns one {@link Row} into a {@link LoadRecord}: the schema's record, the key and the timestamp.
 *
 * <p><b>Mapping.</b> A field takes the column of its name, or the column named by its
 * {@value #COLUMN_PROPERTY} property when it has one (as fields {@link SchemaInference} renamed
 * to valid Avro names do). Columns no field takes are ignored, except the key and timestamp columns.
 * A field of a type no column can fill ({@link FieldType}) must have a default and no column. When
 * the reader knows all its columns up front (CSV), a field without a column must be optional or have
 * a default, and the key and timestamp columns must exist, or {@link #create} refuses the mapping
 * before any row is read; otherwise (JSON Lines) a row missing such a value is rejected.
 *
 * <p><b>Values.</b> An absent value (empty CSV field, JSON {@code null} or missing key) is null in
 * an optional field, the default in a field with one, and rejects the row otherwise. The key is the
 * key column's text as it is (a row without one is rejected); the timestamp is the timestamp
 * column's, parsed as a {@code timestamp-millis} value (epoch ms or ISO-8601 with an offset). A field
 * of the timestamp column's name that is {@code timestamp-millis} holds the same instant.
 *
 * <p>Not thread-safe (it learns JSON columns as they appear); one per reader.
 */
public final class RowConverter {

    /** The field property naming the column a field takes when it is not the field's name. */
    public static final String COLUMN_PROPERTY = "scorestream.column";

    private final Schema schema;
    private final List<Schema.Field> fields;
    private final FieldType[] types;
    private final String[] fieldColumns;
    private final int[] columnOf;
    private final String keyColumn;
    private final String timestampColumn;
    private final Set<String> used = new HashSet<>();
    private int keyIndex = -1;
    private int timestampIndex = -1;
    private int columnsSeen;

    private RowConverter(Schema schema, String keyColumn, String timestampColumn) {
        this.schema = schema;
        this.fields = schema.getFields();
        this.types = new FieldType[fields.size()];
        this.fieldColumns = new String[fields.size()];
        this.columnOf = new int[fields.size()];
        this.keyColumn = keyColumn;
        this.timestampColumn = timestampColumn;
        for (int i = 0; i < fields.size(); i++) {
            final Schema.Field f = fields.get(i);
            types[i] = FieldType.of(f.schema());
            final Object column = f.getObjectProp(COLUMN_PROPERTY);
            fieldColumns[i] = column instanceof String c ? c : f.name();
            columnOf[i] = -1;
            used.add(fieldColumns[i]);
        }
        if (keyColumn != null) {
            used.add(keyColumn);
        }
        if (timestampColumn != null) {
            used.add(timestampColumn);
        }
    }

    /**
     * A converter of rows with {@code columns} to records of {@code schema}.
     *
     * @param columns the reader's columns (for JSON Lines, those known so far; more are learnt from the rows)
     * @param columnsKnownUpFront whether {@code columns} are all the file's columns (CSV)
     * @param keyColumn the key column, or null for no key
     * @param timestampColumn the timestamp column, or null to leave the record timestamp to the producer
     * @throws LoadRefused when the schema is no record; a field of a type no column can fill has no
     *     default, or has a column; or (only when {@code columnsKnownUpFront}) a required field has no
     *     column, or the key or timestamp column does not exist. The message names every such problem
     */
    public static RowConverter create(Schema schema, List<String> columns, boolean columnsKnownUpFront,
                                      String keyColumn, String timestampColumn) throws LoadRefused {
        Objects.requireNonNull(schema, "schema");
        if (schema.getType() != Schema.Type.RECORD) {
            throw new LoadRefused("the schema is a " + schema.getType().getName() + ", not a record");
        }
        final RowConverter c = new RowConverter(schema, keyColumn, timestampColumn);
        c.learn(columns);
        final List<String> problems = new ArrayList<>();
        final List<String> missing = new ArrayList<>();
        for (int i = 0; i < c.fields.size(); i++) {
            final Schema.Field f = c.fields.get(i);
            final boolean hasColumn = c.columnOf[i] >= 0;
            if (c.types[i] == null && !f.hasDefaultValue()) {
                problems.add("field '" + f.name() + "' is of type " + FieldType.describe(f.schema())
                        + ", which no column can fill, and has no default");
            } else if (c.types[i] == null && hasColumn) {
                problems.add("field '" + f.name() + "' is of type " + FieldType.describe(f.schema())
                        + ", which no column can fill: leave column '" + c.fieldColumns[i] + "' out of the file");
            } else if (columnsKnownUpFront && !hasColumn && !f.hasDefaultValue() && !c.types[i].nullable()) {
                missing.add(c.fieldColumns[i]);
            }
        }
        if (!missing.isEmpty()) {
            problems.add("required field" + (missing.size() > 1 ? "s " : " ") + String.join(", ", missing)
                    + (missing.size() > 1 ? " have" : " has") + " no column (columns: " + String.join(", ", columns)
                    + ")");
        }
        if (columnsKnownUpFront && keyColumn != null && c.keyIndex < 0) {
            problems.add("key column '" + keyColumn + "' does not exist (columns: " + String.join(", ", columns) + ")");
        }
        if (columnsKnownUpFront && timestampColumn != null && c.timestampIndex < 0) {
            problems.add("timestamp column '" + timestampColumn + "' does not exist (columns: "
                    + String.join(", ", columns) + ")");
        }
        if (!problems.isEmpty()) {
            throw new LoadRefused(String.join("; ", problems));
        }
        return c;
    }

    /** The schema of the records made. */
    public Schema schema() {
        return schema;
    }

    /** Whether column {@code name} is used: a field takes it, or it is the key or timestamp column. */
    public boolean uses(String name) {
        return used.contains(name);
    }

    /** Of {@code columns}, those no field takes and that are neither the key nor the timestamp column, in order. */
    public List<String> ignored(List<String> columns) {
        final Set<String> ignored = new LinkedHashSet<>();
        for (String c : columns) {
            if (!used.contains(c)) {
                ignored.add(c.isEmpty() ? "(unnamed)" : c);
            }
        }
        return List.copyOf(ignored);
    }

    /**
     * The record, key and timestamp of {@code row}.
     *
     * @throws RowRejected naming the first column (in field order, then the key, then the timestamp)
     *     whose value does not fit, with the value and the reason
     */
    public LoadRecord convert(Row row) throws RowRejected {
        if (row.columns().size() != columnsSeen) {
            learn(row.columns());
        }
        final GenericRecord record = new GenericData.Record(schema);
        for (int i = 0; i < types.length; i++) {
            final int column = columnOf[i];
            final String text = row.value(column);
            if (text == null) {
                record.put(i, absent(i, row.line()));
                continue;
            }
            if (types[i] == null) {
                throw new RowRejected(row.line(), fieldColumns[i], text, "field '" + fields.get(i).name()
                        + "' is of type " + FieldType.describe(fields.get(i).schema()) + ", which no column can fill");
            }
            try {
                record.put(i, types[i].parse(text, row.kind(column)));
            } catch (FieldType.BadValue e) {
                throw new RowRejected(row.line(), fieldColumns[i], text, e.getMessage());
            }
        }
        String key = null;
        if (keyColumn != null) {
            key = row.value(keyIndex);
            if (key == null) {
                throw new RowRejected(row.line(), keyColumn, null, "no key (the key column is empty)");
            }
        }
        Long timestamp = null;
        if (timestampColumn != null) {
            final String text = row.value(timestampIndex);
            if (text == null) {
                throw new RowRejected(row.line(), timestampColumn, null,
                        "no timestamp (the timestamp column is empty)");
            }
            try {
                timestamp = (Long) FieldType.TIMESTAMP.parse(text, row.kind(timestampIndex));
            } catch (FieldType.BadValue e) {
                throw new RowRejected(row.line(), timestampColumn, text, e.getMessage());
            }
        }
        return new LoadRecord(row.line(), key, timestamp, record);
    }

    private Object absent(int field, long line) throws RowRejected {
        final Schema.Field f = fields.get(field);
        if (types[field] != null && types[field].nullable()) {
            return null;
        }
        if (f.hasDefaultValue()) {
            return GenericData.get().deepCopy(f.schema(), GenericData.get().getDefaultValue(f));
        }
        throw new RowRejected(line, fieldColumns[field], null, "no value for required field '" + f.name() + "' ("
                + (types[field] == null ? FieldType.describe(f.schema()) : types[field].name()) + ")");
    }

    /** Maps fields, key and timestamp to the columns not yet seen (columns only ever grow by appending). */
    private void learn(List<String> columns) {
        for (int c = columnsSeen; c < columns.size(); c++) {
            final String name = columns.get(c);
            for (int i = 0; i < fieldColumns.length; i++) {
                if (columnOf[i] < 0 && fieldColumns[i].equals(name)) {
                    columnOf[i] = c;
                }
            }
            if (keyIndex < 0 && name.equals(keyColumn)) {
                keyIndex = c;
            }
            if (timestampIndex < 0 && name.equals(timestampColumn)) {
                timestampIndex = c;
            }
        }
        columnsSeen = columns.size();
    }
}
