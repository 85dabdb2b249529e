package io.scorestream.app.models;

import io.scorestream.app.cli.ScorestreamApp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scorestream.schemas.RolloutRole;
import io.scorestream.app.models.ModelTopicHistory.Entry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The command line of {@code scorestream models}: wrong options are refused with exit code 2 and a
 * message naming them, before anything connects (the bootstrap address here has no broker).
 */
class ModelsCommandTest {

    /** Nothing listens here; a command that tried to connect would time out instead of exiting 2. */
    private static final String[] NOWHERE = {"--bootstrap", "127.0.0.1:1", "--schema-registry", "http://127.0.0.1:1",
            "--timeout-ms", "1"};

    @TempDir
    Path dir;

    @Test
    void missingOrUnknownSubCommandIsAUsageError() {
        final Result none = run("models");
        assertEquals(2, none.code);
        assertTrue(none.err.contains("models: Missing required subcommand")
                && none.err.contains("list, publish, ramp, promote, rollback, retire"), none.err);

        final Result unknown = run("models", "deploy", "--name", "fraud");
        assertEquals(2, unknown.code);
        assertTrue(unknown.err.contains("models: Unmatched argument") && unknown.err.contains("'deploy'"),
                unknown.err);
    }

    @Test
    void canaryPercentOutsideZeroToHundredIsRefusedNamingPercent() throws IOException {
        for (String bad : List.of("150", "-1", "NaN")) {
            final Result r = publish("--candidate", "canary", "--percent", bad);
            assertEquals(2, r.code, r.err);
            assertTrue(r.err.contains("--percent must be within [0, 100], got " + bad), r.err);
        }
        final Result notANumber = publish("--candidate", "canary", "--percent", "ten");
        assertEquals(2, notANumber.code);
        assertTrue(notANumber.err.contains("Invalid value for option '--percent': 'ten'"), notANumber.err);
    }

    @Test
    void canaryNeedsPercentAndShadowRefusesIt() throws IOException {
        final Result canary = publish("--candidate", "canary");
        assertEquals(2, canary.code);
        assertTrue(canary.err.contains("--candidate canary needs --percent"), canary.err);

        final Result shadow = publish("--candidate", "shadow", "--percent", "5");
        assertEquals(2, shadow.code);
        assertTrue(shadow.err.contains("--percent applies to --candidate canary only"), shadow.err);

        final Result alone = publish("--percent", "5");
        assertEquals(2, alone.code);
        assertTrue(alone.err.contains("--percent needs --candidate canary"), alone.err);
    }

    @Test
    void unknownCandidateRoleIsRefusedNamingCandidate() throws IOException {
        final Result r = publish("--candidate", "blue-green");
        assertEquals(2, r.code);
        assertTrue(r.err.contains("Invalid value for option '--candidate'") && r.err.contains("'blue-green'"), r.err);
    }

    @Test
    void inputDimsMustNameAMappedInputAndGiveWholeNumbersOfAtLeastOne() throws IOException {
        final Result unmapped = publish("--input", "x=a,b", "--input-dims", "y=3,10");
        assertEquals(2, unmapped.code, unmapped.err);
        assertTrue(unmapped.err.contains("--input-dims names input 'y', which the mapping does not fill"),
                unmapped.err);

        for (String bad : List.of("3,ten", "0,10", "3,")) {
            final Result r = publish("--input", "x=a,b", "--input-dims", "x=" + bad);
            assertEquals(2, r.code, r.err);
            assertTrue(r.err.contains("--input-dims x=" + bad + ": each dimension must be a whole number >= 1"),
                    r.err);
        }
    }

    @Test
    void publishModelAliasTakesTheSameOptionsAndNamesItself() throws IOException {
        final Result r = runWith(List.of("publish-model"), "--name", "fraud", "--version", "2",
                "--onnx", onnxFile().toString(), "--candidate", "canary", "--percent", "101");
        assertEquals(2, r.code);
        assertTrue(r.err.contains("publish-model: --percent must be within [0, 100]"), r.err);
    }

    @Test
    void requiredOptionsAreNamed() {
        final Result promote = runWith(List.of("models", "promote"));
        assertEquals(2, promote.code);
        assertTrue(promote.err.contains("models promote: Missing required option: '--name=NAME'"), promote.err);

        final Result list = run("models", "list");
        assertEquals(2, list.code);
        assertTrue(list.err.contains("models list: Missing required options: '--bootstrap=HOST:PORT'"), list.err);

        final Result unknown = runWith(List.of("models", "retire"), "--name", "fraud", "--to", "1");
        assertEquals(2, unknown.code);
        assertTrue(unknown.err.contains("models retire: Unknown option") && unknown.err.contains("'--to'"),
                unknown.err);

        final Result missingFile = runWith(List.of("models", "list"), "--client-config", dir.resolve("nope").toString());
        assertEquals(2, missingFile.code);
        assertTrue(missingFile.err.contains("--client-config file"), missingFile.err);
    }

    @Test
    void percentsPrintWithoutTrailingZeros() {
        assertEquals("10", ModelsCommand.percent(10.0));
        assertEquals("12.5", ModelsCommand.percent(12.5));
        assertEquals("0", ModelsCommand.percent(0.0));
        assertEquals("0.001", ModelsCommand.percent(0.001));
    }

    @Test
    void historyNamesEachKindOfChange() {
        final var v1 = ModelTopicHistoryTest.spec("m", "1");
        final var v2 = ModelTopicHistoryTest.spec("m", "2");
        final Entry published = new Entry("m", v1, 1, 0, 0);
        final Entry canary = new Entry("m", ModelTopicHistoryTest.withRollout(v1, v2, RolloutRole.CANARY, 10), 2, 0, 1);
        final Entry ramped = new Entry("m", ModelTopicHistoryTest.withRollout(v1, v2, RolloutRole.CANARY, 50), 3, 0, 2);
        final Entry promoted = new Entry("m", v2, 4, 0, 3);
        final Entry dropped = new Entry("m", v1, 4, 0, 3);
        final Entry retired = new Entry("m", null, 5, 0, 4);

        assertEquals("published", ModelsCommand.change(null, published));
        assertEquals("candidate added", ModelsCommand.change(published, canary));
        assertEquals("rollout changed", ModelsCommand.change(canary, ramped));
        assertEquals("candidate promoted", ModelsCommand.change(ramped, promoted));
        assertEquals("candidate dropped", ModelsCommand.change(ramped, dropped));
        assertEquals("stable replaced", ModelsCommand.change(published, promoted));
        assertEquals("retired", ModelsCommand.change(promoted, retired));
        assertEquals("published", ModelsCommand.change(retired, published));
    }

    private Result publish(String... extra) throws IOException {
        final List<String> base = new ArrayList<>(List.of("--name", "fraud", "--version", "2", "--onnx",
                onnxFile().toString()));
        base.addAll(List.of(extra));
        return runWith(List.of("models", "publish"), base.toArray(String[]::new));
    }

    private Path onnxFile() throws IOException {
        final Path file = dir.resolve("model.onnx");
        if (!Files.exists(file)) {
            Files.write(file, new byte[] {1, 2, 3});
        }
        return file;
    }

    private static Result runWith(List<String> command, String... options) {
        final List<String> args = new ArrayList<>(command);
        args.addAll(List.of(NOWHERE));
        args.addAll(List.of(options));
        return run(args.toArray(String[]::new));
    }

    private static Result run(String... args) {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final int code;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            code = ScorestreamApp.execute(args, o, e);
        }
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private record Result(int code, String out, String err) {
    }
}
