package io.scorestream.connectors.load;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * JSON Lines: one flat JSON object per line, UTF-8, parsed with Jackson's streaming parser.
 *
 * <p>Each key is a column, numbered in the order the keys are first met. A value must be a string,
 * a number, {@code true}, {@code false} or {@code null} (absent); an object or array value, a key
 * given twice, a line that is not one JSON object, or text after it rejects the row. A blank line
 * is skipped. Lines are physical lines (JSON text cannot hold a raw line break).
 */
final class JsonLinesRowReader implements RowReader {

    private static final JsonFactory JSON = JsonFactory.builder().build();

    private final CountingInputStream in;
    private final BufferedReader reader;
    private final List<String> columns = new ArrayList<>();
    private final List<String> columnsView = Collections.unmodifiableList(columns);
    private final Map<String, Integer> indexes = new HashMap<>();
    private String[] values = new String[16];
    private Row.Kind[] kinds = new Row.Kind[16];
    private long[] setOnRow = new long[16];
    private long line;
    private String lastLine = "";
    private boolean lastIsObject;

    JsonLinesRowReader(Path file) throws IOException {
        this.in = new CountingInputStream(Files.newInputStream(file));
        this.reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
    }

    @Override
    public InputFormat format() {
        return InputFormat.JSONL;
    }

    @Override
    public List<String> columns() {
        return columnsView;
    }

    @Override
    public boolean columnsKnownUpFront() {
        return false;
    }

    @Override
    public Row next() throws IOException, RowRejected {
        String text;
        do {
            text = reader.readLine();
            if (text == null) {
                return null;
            }
            line++;
            if (line == 1 && !text.isEmpty() && text.charAt(0) == '\uFEFF') {
                text = text.substring(1);
            }
        } while (text.isBlank());
        lastLine = text;
        lastIsObject = false;
        return parse(text);
    }

    private Row parse(String text) throws IOException, RowRejected {
        RowRejected problem = null;
        try (JsonParser p = JSON.createParser(text)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new RowRejected(line, null, null, "not a JSON object");
            }
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                final String name = p.currentName();
                final int i = indexOf(name);
                t = p.nextToken();
                if (setOnRow[i] == line) {
                    problem = problem != null ? problem : new RowRejected(line, name, null, "key given twice");
                }
                setOnRow[i] = line;
                values[i] = null;
                switch (t) {
                    case VALUE_STRING -> set(i, p.getText(), Row.Kind.STRING);
                    case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> set(i, p.getText(), Row.Kind.NUMBER);
                    case VALUE_TRUE, VALUE_FALSE -> set(i, p.getText(), Row.Kind.BOOLEAN);
                    case VALUE_NULL -> set(i, null, Row.Kind.TEXT);
                    default -> {
                        // an object or array: not a column value; read past it to check the rest of the line
                        p.skipChildren();
                        problem = problem != null ? problem : new RowRejected(line, name, null,
                                "a nested " + (t == JsonToken.START_ARRAY ? "array" : "object")
                                        + " is not a column value");
                    }
                }
            }
            if (p.nextToken() != null) {
                throw new RowRejected(line, null, null, "text after the JSON object");
            }
        } catch (JsonProcessingException e) {
            throw new RowRejected(line, null, null, "not valid JSON: " + e.getOriginalMessage());
        }
        lastIsObject = true;
        if (problem != null) {
            throw problem;
        }
        final String[] rowValues = new String[columns.size()];
        final Row.Kind[] rowKinds = new Row.Kind[columns.size()];
        for (int i = 0; i < rowValues.length; i++) {
            if (setOnRow[i] == line) {
                rowValues[i] = values[i];
                rowKinds[i] = kinds[i];
            } else {
                rowKinds[i] = Row.Kind.TEXT;
            }
        }
        return new Row(line, columnsView, rowValues, rowKinds);
    }

    private void set(int i, String value, Row.Kind kind) {
        values[i] = value;
        kinds[i] = kind;
    }

    private int indexOf(String name) {
        final Integer known = indexes.get(name);
        if (known != null) {
            return known;
        }
        final int i = columns.size();
        columns.add(name);
        indexes.put(name, i);
        if (i == values.length) {
            values = Arrays.copyOf(values, i * 2);
            kinds = Arrays.copyOf(kinds, i * 2);
            setOnRow = Arrays.copyOf(setOnRow, i * 2);
        }
        return i;
    }

    @Override
    public long bytesRead() {
        return in.count();
    }

    @Override
    public Rejects openRejects(Path file) throws IOException {
        final BufferedWriter writer = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
        final JsonGenerator out = JSON.createGenerator(writer);
        out.setRootValueSeparator(null);
        return new Rejects() {
            @Override
            public void write(RowRejected rejected) throws IOException {
                out.writeStartObject();
                out.writeNumberField("line", rejected.line());
                out.writeStringField("reason", rejected.getMessage());
                out.writeFieldName("row");
                if (lastIsObject) {
                    out.writeRawValue(lastLine.strip());
                } else {
                    out.writeString(lastLine);
                }
                out.writeEndObject();
                out.flush();
                writer.write('\n');
            }

            @Override
            public void close() throws IOException {
                out.close();
            }
        };
    }

    @Override
    public void close() throws IOException {
        reader.close();
    }
}
