package io.scorestream.connectors.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;

/** Text to Avro values, field by field, and the mappings refused before any row. */
class RowConverterTest {

    private static Schema schema(String fields) {
        return new Schema.Parser().parse("{\"type\": \"record\", \"name\": \"R\", \"fields\": [" + fields + "]}");
    }

    private static Row csvRow(List<String> columns, String... values) {
        return new Row(2, columns, values, null);
    }

    private static Object convert(String type, String text) throws Exception {
        final RowConverter c = RowConverter.create(schema("{\"name\": \"v\", \"type\": " + type + "}"), List.of("v"),
                true, null, null);
        return c.convert(csvRow(List.of("v"), text)).value().get("v");
    }

    private static String rejection(String type, String text) {
        return assertThrows(RowRejected.class, () -> convert(type, text)).describe();
    }

    @Test
    void convertsTextOfEverySupportedType() throws Exception {
        assertEquals(-12L, convert("\"long\"", " -12 "));
        assertEquals(7, convert("\"int\"", "+7"));
        assertEquals(0.5, convert("\"double\"", ".5"));
        assertEquals(1.0e-3f, convert("\"float\"", "1e-3"));
        assertEquals(true, convert("\"boolean\"", "TRUE"));
        assertEquals(" as is ", convert("\"string\"", " as is "));
        assertEquals("B", convert("{\"type\": \"enum\", \"name\": \"E\", \"symbols\": [\"A\", \"B\"]}", "B").toString());
        assertEquals(1_768_435_200_000L, convert("{\"type\": \"long\", \"logicalType\": \"timestamp-millis\"}",
                "2026-01-15T00:00:00Z"));
        assertEquals(1_768_435_200_123L, convert("{\"type\": \"long\", \"logicalType\": \"timestamp-millis\"}",
                "2026-01-14T19:00:00.123456-05:00"));
        assertEquals(-1L, convert("{\"type\": \"long\", \"logicalType\": \"timestamp-millis\"}", "-1"));
        assertEquals(20468, convert("{\"type\": \"int\", \"logicalType\": \"date\"}", "2026-01-15"));
        assertEquals(5L, convert("[\"null\", \"long\"]", "5"));
        assertEquals(5L, convert("[\"long\", \"null\"]", "5"));
    }

    @Test
    void rejectsTextThatIsNoValueOfTheType() {
        assertEquals("column 'v', value '1.0': not a whole number (long)", rejection("\"long\"", "1.0"));
        assertEquals("column 'v', value '3000000000': out of range for int", rejection("\"int\"", "3000000000"));
        assertEquals("column 'v', value 'NaN': not a number (double)", rejection("\"double\"", "NaN"));
        assertEquals("column 'v', value '1e39': out of range for float", rejection("\"float\"", "1e39"));
        assertEquals("column 'v', value 'yes': not true or false (boolean)", rejection("\"boolean\"", "yes"));
        assertEquals("column 'v', value 'b': not a symbol of enum E [A, B]",
                rejection("{\"type\": \"enum\", \"name\": \"E\", \"symbols\": [\"A\", \"B\"]}", "b"));
        assertEquals("column 'v', value '15/01/2026': not an ISO-8601 date like 2026-01-15 (date)",
                rejection("{\"type\": \"int\", \"logicalType\": \"date\"}", "15/01/2026"));
    }

    @Test
    void readsTheNumberSyntaxAndNothingElse() throws Exception {
        for (String ok : List.of("1", "-1", "+1", "1.", "1.5", ".5", "-.5", "1e5", "1E+5", "1.5e-5", "007", " 2 ")) {
            assertEquals(Double.parseDouble(ok), convert("\"double\"", ok), ok);
        }
        for (String no : List.of("-", "+", ".", "e5", "1e", "1e+", "1.5.5", "1,5", "0x1", "Infinity", "1d", "--1")) {
            assertEquals("column 'v', value '" + no + "': not a number (double)", rejection("\"double\"", no));
        }
        assertEquals("column 'v', value '-': not a whole number (long)", rejection("\"long\"", "-"));
    }

    @Test
    void leavesAnAbsentOptionalValueNullAndAbsentValuesWithADefaultAtIt() throws Exception {
        final RowConverter c = RowConverter.create(schema("""
                {"name": "a", "type": ["null", "double"]},
                {"name": "b", "type": "string", "default": "none"},
                {"name": "c", "type": {"type": "array", "items": "float"}, "default": []}"""),
                List.of("a", "b"), true, null, null);

        final GenericRecord r = c.convert(csvRow(List.of("a", "b"), null, null)).value();

        assertNull(r.get("a"));
        assertEquals("none", r.get("b").toString());
        assertEquals(List.of(), r.get("c"));
    }

    @Test
    void refusesMappingsNoRowCouldFill() {
        final String array = "{\"name\": \"emb\", \"type\": {\"type\": \"array\", \"items\": \"float\"}}";
        assertEquals("field 'emb' is of type array, which no column can fill, and has no default",
                assertThrows(LoadRefused.class, () -> RowConverter.create(schema(array), List.of(), false, null, null))
                        .getMessage());
        final String withDefault = "{\"name\": \"emb\", \"type\": [\"null\", {\"type\": \"array\", \"items\": "
                + "\"float\"}], \"default\": null}";
        assertEquals("field 'emb' is of type union [null, array], which no column can fill: leave column 'emb' out of "
                        + "the file",
                assertThrows(LoadRefused.class, () -> RowConverter.create(schema(withDefault), List.of("emb"), true,
                        null, null)).getMessage());
        assertEquals("key column 'k' does not exist (columns: a); timestamp column 'ts' does not exist (columns: a)",
                assertThrows(LoadRefused.class, () -> RowConverter.create(schema("{\"name\": \"a\", \"type\": "
                        + "\"string\"}"), List.of("a"), true, "k", "ts")).getMessage());
        assertEquals("field 'm' is of type long (timestamp-micros), which no column can fill, and has no default",
                assertThrows(LoadRefused.class, () -> RowConverter.create(schema("{\"name\": \"m\", \"type\": "
                        + "{\"type\": \"long\", \"logicalType\": \"timestamp-micros\"}}"), List.of("m"), true, null,
                        null)).getMessage());
    }

    @Test
    void takesTheKeyAsItIsAndTheTimestampFromItsColumn() throws Exception {
        final RowConverter c = RowConverter.create(schema("{\"name\": \"a\", \"type\": \"string\"}"),
                List.of("a", "k", "t"), true, "k", "t");

        final LoadRecord r = c.convert(csvRow(List.of("a", "k", "t"), "x", " key 1 ", "2026-01-15 00:00:00Z"));

        assertEquals(" key 1 ", r.key());
        assertEquals(1_768_435_200_000L, r.timestamp());
        assertEquals("column 't', value 'soon': not an ISO-8601 time or epoch milliseconds (timestamp-millis)",
                assertThrows(RowRejected.class, () -> c.convert(csvRow(List.of("a", "k", "t"), "x", "k", "soon")))
                        .describe());
    }
}
