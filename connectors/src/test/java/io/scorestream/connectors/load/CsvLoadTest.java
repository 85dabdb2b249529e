package io.scorestream.connectors.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** CSV files through {@link FileLoader}: quoting, line numbers, the stop at a bad row, the reject file. */
class CsvLoadTest {

    private static final Schema PAYMENT = new Schema.Parser().parse("""
            {"type": "record", "name": "Payment", "fields": [
              {"name": "id", "type": "string"},
              {"name": "note", "type": ["null", "string"], "default": null},
              {"name": "amount", "type": "double"},
              {"name": "count", "type": "long"},
              {"name": "at", "type": {"type": "long", "logicalType": "timestamp-millis"}}
            ]}""");

    @TempDir
    Path dir;

    private Path csv(String text) throws IOException {
        final Path f = dir.resolve("payments.csv");
        Files.writeString(f, text, StandardCharsets.UTF_8);
        return f;
    }

    private static LoadOptions options(Path file, Path rejects) {
        return new LoadOptions(file, InputFormat.CSV, PAYMENT, "id", "at", 0, rejects);
    }

    @Test
    void loadsEveryRowWithQuotedCommasLineBreaksAndQuotes() throws Exception {
        // given: a header, then fields quoted around a comma, a line break and a doubled quote
        final Path file = csv("""
                id,note,amount,count,at
                a1,"red, blue",1.5,3,2026-01-15T00:00:00Z
                a2,"two
                lines",2,4,1768435200001
                a3,"say ""hi""\",-0.25,5,2026-01-15 01:00:00.002+01:00
                a4,,3e2,6,2026-01-15T00:00:00.003Z
                """);
        final ListSink sink = new ListSink();

        // when
        final LoadResult result = FileLoader.load(options(file, null), sink, LoadListener.NONE);

        // then: four rows, values as written, keys and timestamps from their columns
        assertEquals(4, result.rowsRead());
        assertEquals(4, result.produced());
        assertEquals(0, result.rejected());
        assertFalse(result.stopped());
        assertEquals(1, sink.flushes);
        assertEquals("red, blue", sink.value(0, "note"));
        assertEquals("two\nlines", sink.value(1, "note"));
        assertEquals("say \"hi\"", sink.value(2, "note"));
        assertNull(sink.value(3, "note"), "an empty field of an optional field is null");
        assertEquals(1.5, sink.records.get(0).value().get("amount"));
        assertEquals(300.0, sink.records.get(3).value().get("amount"));
        assertEquals(3L, sink.records.get(0).value().get("count"));
        assertEquals(List.of("a1", "a2", "a3", "a4"), sink.records.stream().map(LoadRecord::key).toList());
        for (int i = 0; i < 4; i++) {
            final long expected = 1_768_435_200_000L + i;
            assertEquals(expected, sink.records.get(i).timestamp(), "record timestamp of row " + i);
            assertEquals(expected, sink.records.get(i).value().get("at"), "timestamp-millis field of row " + i);
        }
        // and: physical lines, the header being line 1 and the two-line field moving the rows after it
        assertEquals(List.of(2L, 3L, 5L, 6L), sink.records.stream().map(LoadRecord::line).toList());
        assertEquals(result.produced(), sink.records.size());
    }

    @Test
    void stopsAtTheFirstBadRowBeforeProducingItNamingLineColumnAndValue() throws Exception {
        // given: a bad amount on the fourth row, which starts on line 6 (after a two-line field)
        final Path file = csv("""
                id,note,amount,count,at
                a1,,1,1,2026-01-15T00:00:00Z
                a2,"x
                y",2,2,2026-01-15T00:00:00Z
                a3,,3,3,2026-01-15T00:00:00Z
                a4,,abc,4,2026-01-15T00:00:00Z
                a5,,5,5,2026-01-15T00:00:00Z
                """);
        final ListSink sink = new ListSink();

        // when
        final LoadResult result = FileLoader.load(options(file, null), sink, LoadListener.NONE);

        // then: the three rows before it are produced (and flushed), not it nor anything after
        assertTrue(result.stopped());
        assertEquals(List.of("a1", "a2", "a3"), sink.records.stream().map(LoadRecord::key).toList());
        assertEquals(1, sink.flushes);
        assertEquals(4, result.rowsRead());
        assertEquals(3, result.produced());
        assertEquals(1, result.rejected());
        final RowRejected r = result.stoppedAt();
        assertEquals(6, r.line());
        assertEquals("amount", r.column());
        assertEquals("abc", r.value());
        assertEquals("line 6, column 'amount', value 'abc': not a number (double)", r.getMessage());
    }

    @Test
    void stopsAtARowWithAnotherNumberOfFields() throws Exception {
        final Path file = csv("id,note,amount,count,at\na1,,1,1,0\na2,1,1,0\n");
        final ListSink sink = new ListSink();

        final LoadResult result = FileLoader.load(options(file, null), sink, LoadListener.NONE);

        assertEquals(1, result.produced());
        assertEquals(3, result.stoppedAt().line());
        assertNull(result.stoppedAt().column());
        assertEquals("line 3, has 4 fields, the header has 5", result.stoppedAt().getMessage());
    }

    @Test
    void writesRejectedRowsWithTheirReasonAndLoadsTheRest() throws Exception {
        // given: four bad rows of different kinds among good ones
        final Path file = csv("""
                id,note,amount,count,at
                a1,"ok, fine",1,1,2026-01-15T00:00:00Z
                a2,"bad ""count""\",2,2.5,2026-01-15T00:00:00Z
                a3,,3,3,yesterday
                ,,4,4,2026-01-15T00:00:00Z
                a5,too,many,fields,here,!
                a6,,,6,2026-01-15T00:00:00Z
                a7,,7,7,1768435200000
                """);
        final Path rejects = dir.resolve("rejects.csv");
        final ListSink sink = new ListSink();
        final List<RowRejected> told = new ArrayList<>();

        // when
        final LoadResult result = FileLoader.load(options(file, rejects), sink, new LoadListener() {
            @Override
            public void rejected(RowRejected rejected) {
                told.add(rejected);
            }
        });

        // then: the good rows are loaded, the bad ones counted
        assertFalse(result.stopped());
        assertEquals(List.of("a1", "a7"), sink.records.stream().map(LoadRecord::key).toList());
        assertEquals(7, result.rowsRead());
        assertEquals(2, result.produced());
        assertEquals(5, result.rejected());
        assertEquals(5, told.size());

        // and: the reject file is CSV: the header with a reason column, each bad record as read plus its reason
        final List<CSVRecord> written;
        try (CSVParser p = CSVParser.parse(rejects, StandardCharsets.UTF_8, CSVFormat.RFC4180)) {
            written = p.getRecords();
        }
        assertEquals(List.of("id", "note", "amount", "count", "at", "reason"), written.get(0).toList());
        assertEquals(6, written.size(), written.toString());
        assertEquals(List.of("a2", "bad \"count\"", "2", "2.5", "2026-01-15T00:00:00Z",
                "line 3, column 'count', value '2.5': not a whole number (long)"), written.get(1).toList());
        assertEquals("line 4, column 'at', value 'yesterday': not an ISO-8601 time or epoch milliseconds "
                + "(timestamp-millis)", written.get(2).get(5));
        assertEquals("line 5, column 'id': no value for required field 'id' (string)", written.get(3).get(5));
        assertEquals(List.of("a5", "too", "many", "fields", "here", "!", "line 6, has 6 fields, the header has 5"),
                written.get(4).toList());
        assertEquals("line 7, column 'amount': no value for required field 'amount' (double)", written.get(5).get(5));
    }

    @Test
    void refusesASchemaWithARequiredFieldWithoutAColumnBeforeReadingAnyRow() throws Exception {
        final Path file = csv("id,amount,at\na1,1,0\n");
        final ListSink sink = new ListSink();

        final LoadRefused e = assertThrows(LoadRefused.class,
                () -> FileLoader.load(options(file, null), sink, LoadListener.NONE));

        assertEquals("required field count has no column (columns: id, amount, at)", e.getMessage());
        assertTrue(sink.records.isEmpty());
        assertEquals(0, sink.flushes);
    }

    @Test
    void saysWhichColumnsItIgnoresOnce() throws Exception {
        final Path file = csv("id,extra,amount,count,at,more\na1,x,1,1,0,y\na2,x,1,1,0,y\n");
        final List<List<String>> ignored = new ArrayList<>();

        FileLoader.load(options(file, null), new ListSink(), new LoadListener() {
            @Override
            public void ignoredColumns(List<String> columns) {
                ignored.add(columns);
            }
        });

        assertEquals(List.of(List.of("extra", "more")), ignored);
    }

    @Test
    void skipsBlankLinesAndAByteOrderMarkAndKeepsLineNumbers() throws Exception {
        final Path file = csv("\uFEFFid,note,amount,count,at\n\na1,,1,1,0\n\n\na2,,2,2,1\na3,,3,3,2");

        final ListSink sink = new ListSink();
        final LoadResult result = FileLoader.load(options(file, null), sink, LoadListener.NONE);

        assertEquals(3, result.produced());
        assertEquals(List.of(3L, 6L, 7L), sink.records.stream().map(LoadRecord::line).toList());
    }

    @Test
    void failsOnTextThatIsNoCsvFromWhereItStarts() throws Exception {
        final Path file = csv("id,note,amount,count,at\na1,,1,1,0\na2,\"open,2,2,0\na3,,3,3,0\n");
        final ListSink sink = new ListSink();

        final LoadException e = assertThrows(LoadException.class,
                () -> FileLoader.load(options(file, null), sink, LoadListener.NONE));

        assertTrue(e.getMessage().startsWith("line 3: not valid CSV from here on"), e.getMessage());
    }

    @Test
    void pacesRowsToTheRate() throws Exception {
        final StringBuilder text = new StringBuilder("id,note,amount,count,at\n");
        for (int i = 0; i < 21; i++) {
            text.append("a").append(i).append(",,1,1,0\n");
        }
        final Path file = csv(text.toString());

        final long start = System.nanoTime();
        final LoadResult result = FileLoader.load(new LoadOptions(file, InputFormat.CSV, PAYMENT, null, null, 100,
                null), new ListSink(), LoadListener.NONE);
        final double seconds = (System.nanoTime() - start) / 1e9;

        assertEquals(21, result.produced());
        assertTrue(seconds >= 0.19, "21 rows at 100/s take 0.2 s, took " + seconds);
    }
}
