package io.scorestream.connectors.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** JSON Lines files through {@link FileLoader}: JSON types, line numbers, the stop at a bad row, the reject file. */
class JsonLinesLoadTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Schema EVENT = new Schema.Parser().parse("""
            {"type": "record", "name": "Event", "fields": [
              {"name": "id", "type": "string"},
              {"name": "amount", "type": "double"},
              {"name": "n", "type": ["null", "int"], "default": null},
              {"name": "flag", "type": "boolean", "default": false},
              {"name": "channel", "type": {"type": "enum", "name": "Channel", "symbols": ["WEB", "POS"]}},
              {"name": "at", "type": {"type": "long", "logicalType": "timestamp-millis"}},
              {"name": "day", "type": ["null", {"type": "int", "logicalType": "date"}], "default": null}
            ]}""");

    @TempDir
    Path dir;

    private Path jsonl(String text) throws IOException {
        final Path f = dir.resolve("events.jsonl");
        Files.writeString(f, text, StandardCharsets.UTF_8);
        return f;
    }

    private static LoadOptions options(Path file, Path rejects) {
        return new LoadOptions(file, InputFormat.JSONL, EVENT, "id", "at", 0, rejects);
    }

    @Test
    void loadsJsonValuesByTheirTypesWithKeysAndTimestamps() throws Exception {
        // given: keys in any order, a null, a missing optional key, a blank line, ISO and epoch times
        final Path file = jsonl("""
                {"id": "e1", "amount": 1.5, "n": 7, "flag": true, "channel": "WEB", "at": "2026-01-15T00:00:00Z", "day": "2026-01-15"}
                {"at": 1768435200001, "channel": "POS", "amount": 2, "id": "e2", "n": null}

                {"id": "e3", "amount": -3e-1, "channel": "WEB", "at": "2026-01-15T01:00:00.002+01:00", "day": 20468}
                """);
        final ListSink sink = new ListSink();

        // when
        final LoadResult result = FileLoader.load(options(file, null), sink, LoadListener.NONE);

        // then
        assertEquals(3, result.produced());
        assertEquals(List.of(1L, 2L, 4L), sink.records.stream().map(LoadRecord::line).toList());
        assertEquals(List.of("e1", "e2", "e3"), sink.records.stream().map(LoadRecord::key).toList());
        assertEquals(1.5, sink.records.get(0).value().get("amount"));
        assertEquals(2.0, sink.records.get(1).value().get("amount"));
        assertEquals(-0.3, sink.records.get(2).value().get("amount"));
        assertEquals(7, sink.records.get(0).value().get("n"));
        assertNull(sink.value(1, "n"));
        assertEquals(true, sink.records.get(0).value().get("flag"));
        assertEquals(false, sink.records.get(1).value().get("flag"), "a missing key takes the field's default");
        assertEquals(new GenericData.EnumSymbol(EVENT.getField("channel").schema(), "POS"),
                sink.records.get(1).value().get("channel"));
        assertEquals(20468, sink.records.get(0).value().get("day"), "2026-01-15 is day 20468");
        assertEquals(20468, sink.records.get(2).value().get("day"));
        for (int i = 0; i < 3; i++) {
            assertEquals(1_768_435_200_000L + i, sink.records.get(i).timestamp());
            assertEquals(1_768_435_200_000L + i, sink.records.get(i).value().get("at"));
        }
    }

    @Test
    void stopsAtTheFirstBadRowNamingLineColumnAndValue() throws Exception {
        final Path file = jsonl("""
                {"id": "e1", "amount": 1, "channel": "WEB", "at": 0}
                {"id": "e2", "amount": "12.5", "channel": "WEB", "at": 0}
                {"id": "e3", "amount": 3, "channel": "WEB", "at": 0}
                """);
        final ListSink sink = new ListSink();

        final LoadResult result = FileLoader.load(options(file, null), sink, LoadListener.NONE);

        assertTrue(result.stopped());
        assertEquals(List.of("e1"), sink.records.stream().map(LoadRecord::key).toList());
        assertEquals("line 2, column 'amount', value '12.5': a JSON string is no double",
                result.stoppedAt().getMessage());
    }

    @Test
    void rejectsAnUnknownEnumSymbol() throws Exception {
        final Path file = jsonl("{\"id\": \"e1\", \"amount\": 1, \"channel\": \"ATM\", \"at\": 0}\n");

        final LoadResult result = FileLoader.load(options(file, null), new ListSink(), LoadListener.NONE);

        assertEquals("line 1, column 'channel', value 'ATM': not a symbol of enum Channel [WEB, POS]",
                result.stoppedAt().getMessage());
    }

    @Test
    void writesRejectedLinesWrappedWithTheirLineAndReasonAndLoadsTheRest() throws Exception {
        // given: good lines around a wrong type, a nested value, broken JSON, a non-object and a missing field
        final Path file = jsonl("""
                {"id": "e1", "amount": 1, "channel": "WEB", "at": 0}
                {"id": "e2", "amount": true, "channel": "WEB", "at": 0}
                {"id": "e3", "amount": 3, "channel": "WEB", "at": 0, "tags": ["a"]}
                {"id": "e4", "amount": 4,
                [1, 2]
                {"id": "e6", "channel": "POS", "at": 0}
                {"id": "e7", "amount": 7, "channel": "POS", "at": "2026-01-15T00:00:00"}
                {"id": "e8", "amount": 8, "channel": "POS", "at": 8}
                """);
        final Path rejects = dir.resolve("rejects.jsonl");
        final ListSink sink = new ListSink();

        // when
        final LoadResult result = FileLoader.load(options(file, rejects), sink, LoadListener.NONE);

        // then
        assertEquals(List.of("e1", "e8"), sink.records.stream().map(LoadRecord::key).toList());
        assertEquals(8, result.rowsRead());
        assertEquals(6, result.rejected());
        final List<JsonNode> written = new ArrayList<>();
        for (String line : Files.readAllLines(rejects, StandardCharsets.UTF_8)) {
            written.add(JSON.readTree(line));
        }
        assertEquals(6, written.size());
        assertEquals(2, written.get(0).path("line").asInt());
        assertEquals("line 2, column 'amount', value 'true': a JSON boolean is no double",
                written.get(0).path("reason").asText());
        assertEquals("e2", written.get(0).path("row").path("id").asText(), "the original object, as an object");
        assertEquals("line 3, column 'tags': a nested array is not a column value", written.get(1).path("reason").asText());
        assertTrue(written.get(1).path("row").isObject());
        assertTrue(written.get(2).path("reason").asText().startsWith("line 4, not valid JSON: "),
                written.get(2).toString());
        assertEquals("{\"id\": \"e4\", \"amount\": 4,", written.get(2).path("row").asText(),
                "a line that is no JSON object, as a string");
        assertEquals("line 5, not a JSON object", written.get(3).path("reason").asText());
        assertEquals("line 6, column 'amount': no value for required field 'amount' (double)",
                written.get(4).path("reason").asText());
        assertEquals("line 7, column 'at', value '2026-01-15T00:00:00': an ISO-8601 time without a zone offset: "
                + "add Z or an offset like +01:00 (timestamp-millis)", written.get(5).path("reason").asText());
        assertFalse(result.stopped());
    }

    @Test
    void saysWhichKeysItIgnoresAsTheyAppear() throws Exception {
        final Path file = jsonl("""
                {"id": "e1", "amount": 1, "channel": "WEB", "at": 0, "x": 1}
                {"id": "e2", "amount": 1, "channel": "WEB", "at": 0, "x": 2}
                {"id": "e3", "amount": 1, "channel": "WEB", "at": 0, "y": 3}
                """);
        final List<List<String>> ignored = new ArrayList<>();

        FileLoader.load(options(file, null), new ListSink(), new LoadListener() {
            @Override
            public void ignoredColumns(List<String> columns) {
                ignored.add(columns);
            }
        });

        assertEquals(List.of(List.of("x"), List.of("y")), ignored);
    }
}
