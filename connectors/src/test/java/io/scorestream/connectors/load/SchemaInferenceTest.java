package io.scorestream.connectors.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.avro.JsonProperties;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Types proposed from a file's values, optional columns, names, and a load with the proposed schema. */
class SchemaInferenceTest {

    @TempDir
    Path dir;

    private SchemaInference.Inferred infer(String fileName, String text, long maxRows, String timestampColumn)
            throws Exception {
        final Path f = write(fileName, text);
        try (RowReader reader = RowReader.open(f, InputFormat.ofFileName(f).orElseThrow())) {
            return SchemaInference.infer(reader, SchemaInference.recordName(f), maxRows, timestampColumn);
        }
    }

    private Path write(String fileName, String text) throws IOException {
        final Path f = dir.resolve(fileName);
        Files.writeString(f, text, StandardCharsets.UTF_8);
        return f;
    }

    private static String type(Schema schema, String field) {
        return schema.getField(field).schema().toString();
    }

    @Test
    void infersLongDoubleBooleanStringAndOptionalFromCsv() throws Exception {
        // given
        final String csv = """
                id,count,amount,mixed,flag,zip,note,when,empty
                a,1,1.5,1,true,01234,x,2026-01-15T00:00:00Z,
                b,-2,2,2.5,FALSE,99999,,1768435200000,
                c,3,-3e2,3,false,12345,z,2026-01-15T00:00:01Z,
                """;

        // when
        final SchemaInference.Inferred inferred = infer("tx-2026.csv", csv, 0, "when");

        // then
        final Schema s = inferred.schema();
        assertEquals("tx_2026", s.getName());
        assertEquals(3, inferred.rows());
        assertEquals("\"string\"", type(s, "id"));
        assertEquals("\"long\"", type(s, "count"));
        assertEquals("\"double\"", type(s, "amount"));
        assertEquals("\"double\"", type(s, "mixed"), "whole and decimal numbers: double");
        assertEquals("\"boolean\"", type(s, "flag"));
        assertEquals("\"string\"", type(s, "zip"), "a leading zero keeps the text");
        assertEquals("[\"null\",\"string\"]", type(s, "note"), "an empty value makes it optional");
        assertEquals(JsonProperties.NULL_VALUE, s.getField("note").defaultVal());
        assertEquals("{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"}", type(s, "when"));
        assertEquals("[\"null\",\"string\"]", type(s, "empty"));
        assertEquals(null, s.getField("count").defaultVal());
    }

    @Test
    void scansOnlyTheFirstRowsWhenToldTo() throws Exception {
        final String csv = "n\n1\n2\nthree\n";

        assertEquals("\"long\"", type(infer("a.csv", csv, 2, null).schema(), "n"));
        assertEquals("\"string\"", type(infer("b.csv", csv, 0, null).schema(), "n"));
    }

    @Test
    void infersFromJsonTypesAndKeysMissingFromSomeLines() throws Exception {
        final String jsonl = """
                {"id": "1", "n": 1, "x": 1.5, "ok": true, "s": "a"}
                {"id": "2", "n": 2, "x": 2, "ok": false, "later": 5, "nul": null}
                """;

        final Schema s = infer("events.jsonl", jsonl, 0, null).schema();

        assertEquals("events", s.getName());
        assertEquals("\"string\"", type(s, "id"), "a JSON string of digits is text");
        assertEquals("\"long\"", type(s, "n"));
        assertEquals("\"double\"", type(s, "x"));
        assertEquals("\"boolean\"", type(s, "ok"));
        assertEquals("[\"null\",\"string\"]", type(s, "s"), "missing from a line: optional");
        assertEquals("[\"null\",\"long\"]", type(s, "later"));
        assertEquals("[\"null\",\"string\"]", type(s, "nul"));
    }

    @Test
    void namesFieldsValidlyAndLoadsTheirColumnsByTheNameKeptInTheSchema() throws Exception {
        // given: columns that are no valid Avro names
        final Path f = write("2026 export.csv", "Amount (EUR),1st,ok\n1.5,a,b\n2,c,d\n");
        final Schema schema;
        try (RowReader reader = RowReader.open(f, InputFormat.CSV)) {
            schema = SchemaInference.infer(reader, SchemaInference.recordName(f), 0, null).schema();
        }

        // then: valid names, the column kept in a property (also after a round trip through the text)
        assertEquals("_2026_export", schema.getName());
        assertEquals("Amount (EUR)", schema.getField("Amount__EUR_").getProp(RowConverter.COLUMN_PROPERTY));
        assertEquals("1st", schema.getField("_1st").getProp(RowConverter.COLUMN_PROPERTY));
        assertNull(schema.getField("ok").getProp(RowConverter.COLUMN_PROPERTY));
        final Schema reparsed = new Schema.Parser().parse(schema.toString());

        // when: the file is loaded with it
        final ListSink sink = new ListSink();
        FileLoader.load(new LoadOptions(f, InputFormat.CSV, reparsed, null, null, 0, null), sink, LoadListener.NONE);

        // then
        assertEquals(2.0, sink.records.get(1).value().get("Amount__EUR_"));
        assertEquals("c", sink.value(1, "_1st"));
    }
}
