package io.scorestream.app.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scorestream.app.cli.ScorestreamApp;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code scorestream load} as a user meets it, without a broker: dry runs (every row read and
 * checked, nothing produced), the inferred schema, the stop at a bad row, and the command lines and
 * schemas refused before anything is read.
 */
class LoadCommandTest {

    private static final String SCHEMA = """
            {"type": "record", "name": "Payment", "fields": [
              {"name": "id", "type": "string"},
              {"name": "amount", "type": "double"},
              {"name": "at", "type": {"type": "long", "logicalType": "timestamp-millis"}}
            ]}""";

    @TempDir
    Path dir;

    private Path write(String name, String text) throws IOException {
        final Path f = dir.resolve(name);
        Files.writeString(f, text, StandardCharsets.UTF_8);
        return f;
    }

    private record Result(int code, String out, String err) {
    }

    private static Result load(Object... args) {
        final List<String> all = new ArrayList<>(List.of("load"));
        for (Object a : args) {
            all.add(a.toString());
        }
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final int code;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            code = ScorestreamApp.execute(all.toArray(String[]::new), o, e);
        }
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void aDryRunChecksEveryRowAndSaysWhichColumnsItIgnores() throws Exception {
        final Path csv = write("p.csv", "id,amount,at,extra\na,1,2026-01-15T00:00:00Z,x\nb,2,1768435200000,y\n");
        final Path schema = write("p.avsc", SCHEMA);

        final Result r = load(csv, "--topic", "t", "--schema", schema, "--key", "id", "--timestamp", "at", "--dry-run");

        assertEquals(0, r.code, r.err);
        assertTrue(r.out.startsWith("rows read 2, produced 0 (dry run: 2 fit), rejected 0 in "), r.out);
        assertTrue(r.err.contains("scorestream load: column not in the schema, ignored: extra"), r.err);
        assertFalse(r.err.contains("load ["), "no progress bar off a terminal unless asked: " + r.err);
    }

    @Test
    void showsProgressWhenAskedOffATerminal() throws Exception {
        final Path csv = write("p.csv", "id,amount,at\na,1,0\n");
        final Path schema = write("p.avsc", SCHEMA);

        final Result r = load(csv, "--topic", "t", "--schema", schema, "--dry-run", "--progress");

        assertEquals(0, r.code, r.err);
        assertTrue(r.err.contains("load [########################] 100.0%  1 rows"), r.err);
    }

    @Test
    void stopsAtABadRowNamingFileLineColumnAndValueAndExitsOne() throws Exception {
        final Path csv = write("p.csv", "id,amount,at\na,1,0\nb,\"1,5\",0\nc,3,0\n");
        final Path schema = write("p.avsc", SCHEMA);

        final Result r = load(csv, "--topic", "t", "--schema", schema, "--dry-run");

        assertEquals(1, r.code, r.err);
        assertTrue(r.out.startsWith("rows read 2, produced 0 (dry run: 1 fit), rejected 1 in "), r.out);
        assertTrue(r.err.contains("scorestream load: " + csv + " line 3 does not fit: column 'amount', value '1,5': "
                + "not a number (double)"), r.err);
        assertTrue(r.err.contains("the 1 rows before it fit (dry run: nothing produced); nothing from line 3 on"),
                r.err);
    }

    @Test
    void infersPrintsAndSavesASchemaThatLoadsTheFileAgain() throws Exception {
        // given
        final Path jsonl = write("events.ndjson", """
                {"id": "a", "n": 1, "x": 0.5, "at": "2026-01-15T00:00:00Z"}
                {"id": "b", "n": 2, "x": null, "at": 1768435200000}
                """);
        final Path saved = dir.resolve("events.avsc");

        // when
        final Result r = load(jsonl, "--topic", "t", "--infer", "--timestamp", "at", "--record-name", "io.x.Event",
                "--write-schema", saved, "--dry-run");

        // then: the schema on stdout, then the summary line; the same schema in the file
        assertEquals(0, r.code, r.err);
        final Schema printed = new Schema.Parser().parse(r.out.substring(0, r.out.lastIndexOf("rows read")));
        assertEquals("io.x.Event", printed.getFullName());
        assertEquals("[\"null\",\"double\"]", printed.getField("x").schema().toString());
        assertEquals("timestamp-millis", printed.getField("at").schema().getLogicalType().getName());
        assertEquals(printed, new Schema.Parser().parse(saved.toFile()));
        assertTrue(r.err.contains("schema inferred from 2 rows"), r.err);
        // and: the saved schema loads the file
        assertEquals(0, load(jsonl, "--topic", "t", "--schema", saved, "--dry-run").code);
    }

    @Test
    void writesRejectedRowsAndGoesOnWithARejectFile() throws Exception {
        final Path csv = write("p.csv", "id,amount,at\na,1,0\nb,x,0\nc,3,0\n");
        final Path schema = write("p.avsc", SCHEMA);
        final Path rejects = dir.resolve("rejects.csv");

        final Result r = load(csv, "--topic", "t", "--schema", schema, "--dry-run", "--reject-file", rejects);

        assertEquals(0, r.code, r.err);
        assertTrue(r.out.startsWith("rows read 3, produced 0 (dry run: 2 fit), rejected 1 in "), r.out);
        assertEquals(List.of("id,amount,at,reason", "b,x,0,\"line 3, column 'amount', value 'x': not a number "
                + "(double)\""), Files.readAllLines(rejects, StandardCharsets.UTF_8));
    }

    @Test
    void refusesASchemaThatDoesNotFitTheColumnsBeforeReadingARow() throws Exception {
        final Path csv = write("p.csv", "id,at\na,0\n");
        final Path schema = write("p.avsc", SCHEMA);

        final Result r = load(csv, "--topic", "t", "--schema", schema, "--key", "account", "--dry-run");

        assertEquals(2, r.code, r.err);
        assertEquals("scorestream load: " + csv + ": required field amount has no column (columns: id, at); key column "
                + "'account' does not exist (columns: id, at)\n", r.err.replace(System.lineSeparator(), "\n"));
        assertEquals("", r.out);
    }

    @Test
    void refusesWrongCommandLinesNamingTheOption() throws Exception {
        final Path csv = write("p.csv", "id,amount,at\na,1,0\n");
        final Path txt = write("p.txt", "id,amount,at\na,1,0\n");
        final Path schema = write("p.avsc", SCHEMA);
        final Path notRecord = write("s.avsc", "\"string\"");

        assertUsage(load(csv, "--topic", "t", "--dry-run"), "Missing required argument (specify one of these): "
                + "(--schema=FILE.avsc | --infer)");
        assertUsage(load(csv, "--topic", "t", "--schema", schema, "--infer", "--dry-run"), "mutually exclusive");
        assertUsage(load(txt, "--topic", "t", "--schema", schema, "--dry-run"),
                "cannot tell the format of 'p.txt' from its name: give --format csv or --format jsonl");
        assertUsage(load(csv, "--topic", "t", "--schema", schema, "--infer-rows", "5", "--dry-run"),
                "option --infer-rows needs --infer");
        assertUsage(load(csv, "--topic", "t", "--schema", schema), "option --bootstrap is required (unless --dry-run)");
        assertUsage(load(csv, "--topic", "t", "--schema", schema, "--rate", "-1", "--dry-run"),
                "option --rate must be >= 0, got -1");
        assertUsage(load(dir.resolve("none.csv"), "--topic", "t", "--schema", schema, "--dry-run"),
                "does not exist or is no file");
        assertUsage(load(csv, "--topic", "t", "--schema", notRecord, "--dry-run"), "holds a string schema, not a record");
        assertUsage(load(csv, "--topic", "t", "--schema", schema, "--reject-file", csv, "--dry-run"),
                "option --reject-file must name another file than FILE");
        assertUsage(load(csv, "--topic", "t", "--infer", "--record-name", "9lives", "--dry-run"),
                "option --record-name: '9lives' is no valid Avro name");
        // and: txt files load with --format
        assertEquals(0, load(txt, "--format", "csv", "--topic", "t", "--schema", schema, "--dry-run").code);
    }

    private static void assertUsage(Result r, String message) {
        assertEquals(2, r.code, r.err);
        assertTrue(r.err.startsWith("scorestream load: "), r.err);
        assertTrue(r.err.contains(message), "expected '" + message + "' in:\n" + r.err);
    }
}
