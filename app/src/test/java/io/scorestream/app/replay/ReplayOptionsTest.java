package io.scorestream.app.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scorestream.app.command.CommandLines;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.TypeConversionException;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * The command line of {@code replay}: what it accepts, its defaults, and the message of each
 * mistake. Parsed as {@link ReplayCommand#run} parses it (picocli with {@link CommandLines}'
 * conventions), then checked into {@link ReplayOptions} as {@link ReplayCommand#call} does.
 */
class ReplayOptionsTest {

    private static final Instant NOW = Instant.parse("2026-11-02T03:04:05Z");
    private static final String[] BASE = {"--bootstrap", "localhost:9092", "--schema-registry", "http://localhost:8081",
        "--topic", "transactions", "--out", "replay-scores"};
    private static final PrintStream NOWHERE = new PrintStream(new ByteArrayOutputStream(), true,
            StandardCharsets.UTF_8);

    /** Parses and checks {@code args} alone. */
    private static ReplayOptions parseOnly(String... args) {
        final ReplayCommand command = new ReplayCommand();
        CommandLines.configure(new CommandLine(command), NOWHERE, NOWHERE).parseArgs(args);
        return command.options(NOW);
    }

    private static ReplayOptions parse(String... more) {
        final List<String> args = new ArrayList<>(List.of(BASE));
        args.addAll(List.of(more));
        return parseOnly(args.toArray(new String[0]));
    }

    private static ParameterException mistake(String... more) {
        return assertThrows(ParameterException.class, () -> parse(more));
    }

    private static String error(String... more) {
        return mistake(more).getMessage();
    }

    // ---- times --------------------------------------------------------------------------------

    @Test
    void parsesAnIsoInstantInUtc() {
        assertEquals(Instant.parse("2026-11-01T00:00:00Z"), ReplayOptions.parseTime("2026-11-01T00:00:00Z"));
    }

    @Test
    void parsesAnIsoInstantWithAnOffsetAndFractions() {
        assertEquals(Instant.parse("2026-10-31T23:00:00.250Z"),
                ReplayOptions.parseTime("2026-11-01T00:00:00.25+01:00"));
    }

    @Test
    void parsesEpochMilliseconds() {
        assertEquals(Instant.ofEpochMilli(1_793_491_200_000L), ReplayOptions.parseTime("1793491200000"));
        assertEquals(Instant.EPOCH, ReplayOptions.parseTime(" 0 "));
    }

    @Test
    void refusesATimeThatIsNeitherAndNamesTheOption() {
        final String t = assertThrows(TypeConversionException.class, () -> ReplayOptions.parseTime("2026-11-01"))
                .getMessage();
        assertTrue(t.contains("2026-11-01") && t.contains("ISO-8601"), t);
        final String m = error("--as-of", "fraud", "--from", "2026-11-01");
        assertTrue(m.contains("'--from'") && m.contains("2026-11-01") && m.contains("ISO-8601"), m);
        final String n = error("--as-of", "fraud", "--to", "yesterday");
        assertTrue(n.contains("'--to'"), n);
        assertThrows(TypeConversionException.class, () -> ReplayOptions.parseTime("99999999999999999999999"));
        final String o = error("--as-of", "fraud", "--to", "99999999999999999999999");
        assertTrue(o.contains("'--to'") && o.contains("out of range"), o);
    }

    // ---- a valid command line -------------------------------------------------------------------

    @Test
    void parsesVersionsSideBySideWithEveryOption() {
        final ReplayOptions o = parse("--model", "fraud@1", "--model=fraud@2", "--from", "2026-11-01T00:00:00Z",
                "--to", "1793577600000", "--labels", "is_fraud", "--model-topic", "specs", "--report", "out/r.json",
                "--batch-max-records", "7", "--batch-max-wait-ms", "250", "--dead-letter-topic", "dlq");
        assertEquals("localhost:9092", o.bootstrap());
        assertEquals("http://localhost:8081", o.schemaRegistryUrl());
        assertEquals("transactions", o.topic());
        assertEquals("replay-scores", o.out());
        assertEquals("fraud", o.modelName());
        assertEquals(List.of("1", "2"), o.versions());
        assertFalse(o.asOf());
        assertEquals(Instant.parse("2026-11-01T00:00:00Z"), o.from());
        assertEquals(Instant.ofEpochMilli(1_793_577_600_000L), o.to());
        assertEquals("is_fraud", o.labels());
        assertEquals("specs", o.modelTopic());
        assertEquals(Path.of("out/r.json"), o.report());
        assertEquals(7, o.batchMaxRecords());
        assertEquals(250, o.batchMaxWaitMs());
        assertEquals("dlq", o.deadLetterTopic());
    }

    @Test
    void fillsDefaults() {
        final ReplayOptions o = parse("--as-of", "fraud");
        assertTrue(o.asOf());
        assertEquals(List.of(), o.versions());
        assertNull(o.from());
        assertNull(o.to());
        assertNull(o.labels());
        assertEquals("model-specs", o.modelTopic());
        assertEquals("replay-scores-dlq", o.deadLetterTopic());
        assertEquals(1024, o.batchMaxRecords());
        assertEquals(0, o.batchMaxWaitMs());
        assertEquals(Path.of("replay-report-20261102-030405.json"), o.report());
        assertNull(o.repartitionBy(), "the input is scored as keyed unless told");
    }

    @Test
    void takesTheGroupFieldOfARepartitionedPipeline() {
        assertEquals("account_id", parse("--as-of", "fraud", "--repartition-by", " account_id ").repartitionBy());
        assertEquals("option --repartition-by must not be blank", error("--as-of", "fraud", "--repartition-by", " "));
        assertEquals("option --repartition-by needs one field name (as repartition.by), got 'account id'",
                error("--as-of", "fraud", "--repartition-by", "account id"));
    }

    @Test
    void helpIsNotAnError() {
        final CommandLine cl = CommandLines.configure(new CommandLine(new ReplayCommand()), NOWHERE, NOWHERE);
        cl.parseArgs("--help");
        assertTrue(cl.isUsageHelpRequested());
    }

    // ---- mistakes --------------------------------------------------------------------------------

    @Test
    void namesEachMissingRequiredOption() {
        final Map<String, String> labels = Map.of("bootstrap", "HOST:PORT", "schema-registry", "URL", "topic", "TOPIC",
                "out", "TOPIC");
        for (String option : List.of("bootstrap", "schema-registry", "topic", "out")) {
            final List<String> args = new ArrayList<>();
            for (int i = 0; i < BASE.length; i += 2) {
                if (!BASE[i].equals("--" + option)) {
                    args.add(BASE[i]);
                    args.add(BASE[i + 1]);
                }
            }
            args.add("--as-of");
            args.add("fraud");
            final String m = assertThrows(ParameterException.class,
                    () -> parseOnly(args.toArray(new String[0]))).getMessage();
            assertEquals("Missing required option: '--" + option + "=" + labels.get(option) + "'", m);
        }
    }

    @Test
    void refusesABlankValueNamingTheOption() {
        final List<String> args = new ArrayList<>(List.of(BASE));
        args.set(args.indexOf("transactions"), "  ");
        args.addAll(List.of("--as-of", "fraud"));
        final String m = assertThrows(ParameterException.class, () -> parseOnly(args.toArray(new String[0])))
                .getMessage();
        assertEquals("option --topic must not be blank", m);
        assertEquals("option --as-of must not be blank", error("--as-of", " "));
        assertEquals("option --labels must not be blank", error("--as-of", "fraud", "--labels", ""));
    }

    @Test
    void needsExactlyOneOfModelAndAsOf() {
        final String none = error();
        assertTrue(none.contains("Missing required argument") && none.contains("--model=NAME@VERSION")
                && none.contains("--as-of=NAME"), none);
        final String both = error("--model", "fraud@1", "--as-of", "fraud");
        assertTrue(both.contains("--model") && both.contains("--as-of") && both.contains("mutually exclusive"), both);
    }

    @Test
    void refusesMalformedModelArguments() {
        for (String bad : List.of("fraud", "@1", "fraud@", "   ", " @1", "fraud@ ")) {
            final String m = error("--model", bad);
            assertTrue(m.startsWith("Invalid value for option '--model'")
                    && m.contains("needs NAME@VERSION, got '" + bad + "'"), bad + ": " + m);
        }
    }

    @Test
    void refusesVersionsOfTwoModelsAndRepeatedVersions() {
        final String two = error("--model", "fraud@1", "--model", "risk@2");
        assertTrue(two.contains("--model") && two.contains("'fraud'") && two.contains("'risk'"), two);
        final String twice = error("--model", "fraud@1", "--model", "fraud@1");
        assertTrue(twice.contains("version '1'") && twice.contains("twice"), twice);
    }

    @Test
    void refusesMoreVersionsThanLanes() {
        final List<String> args = new ArrayList<>();
        for (int v = 0; v <= ReplayOptions.MAX_VERSIONS; v++) {
            args.add("--model");
            args.add("fraud@" + v);
        }
        final String m = error(args.toArray(new String[0]));
        assertTrue(m.contains("at most 31"), m);
    }

    @Test
    void namesAnUnknownOptionAndSuggestsTheKnownOnes() {
        final ParameterException e = mistake("--as-of", "fraud", "--batch-size", "3");
        assertTrue(e.getMessage().startsWith("Unknown option") && e.getMessage().contains("'--batch-size'"),
                e.getMessage());
        assertTrue(e instanceof UnmatchedArgumentException u && u.getSuggestions().contains("--batch-max-records"),
                e.toString());
    }

    @Test
    void refusesAnOptionWithoutValueOrGivenTwice() {
        assertEquals("Missing required parameter for option '--labels' (FIELD)", error("--as-of", "fraud", "--labels"));
        assertEquals("Expected parameter for option '--labels' but found '--as-of'",
                error("--labels", "--as-of", "fraud"));
        assertEquals("option '--topic' (TOPIC) should be specified only once", error("--as-of", "fraud", "--topic",
                "other"));
        final String stray = error("--as-of", "fraud", "stray");
        assertTrue(stray.contains("Unmatched argument") && stray.contains("'stray'"), stray);
    }

    @Test
    void refusesABadBatchSize() {
        assertTrue(error("--as-of", "fraud", "--batch-max-records", "0").contains("--batch-max-records must be"));
        final String many = error("--as-of", "fraud", "--batch-max-records", "many");
        assertTrue(many.contains("Invalid value for option '--batch-max-records'")
                && many.contains("'many' is not a whole number"), many);
        assertEquals(2048, parse("--as-of", "fraud", "--batch-max-records", "2_048").batchMaxRecords());
    }

    @Test
    void refusesABadBatchWait() {
        assertTrue(error("--as-of", "fraud", "--batch-max-wait-ms", "-1").contains("--batch-max-wait-ms must be "
                + "within 0 and 60000, got -1"));
        assertTrue(error("--as-of", "fraud", "--batch-max-wait-ms", "60001").contains("--batch-max-wait-ms must be"));
        assertEquals(60_000, parse("--as-of", "fraud", "--batch-max-wait-ms", "60000").batchMaxWaitMs());
    }

    @Test
    void refusesAnEmptyOrReversedTimeRange() {
        final String m = error("--as-of", "fraud", "--from", "2026-11-02T00:00:00Z", "--to", "2026-11-01T00:00:00Z");
        assertTrue(m.contains("--from") && m.contains("before --to"), m);
        assertTrue(error("--as-of", "fraud", "--from", "1000", "--to", "1000").contains("before --to"));
        assertTrue(error("--as-of", "fraud", "--to", "noon").contains("option '--to'"));
    }

    @Test
    void refusesTopicsThatCollide() {
        assertTrue(error("--as-of", "fraud", "--out", "transactions").contains("--out"));
        assertTrue(error("--as-of", "fraud", "--dead-letter-topic", "replay-scores").contains("--dead-letter-topic"));
        assertTrue(error("--as-of", "fraud", "--model-topic", "transactions").contains("--model-topic"));
    }

    @Test
    void theCommandExitsWithTwoAndTheUsageOnAMistake() {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final int code = ReplayCommand.run(new String[] {"--topic", "t"}, new PrintStream(out, true,
                StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(2, code);
        final String text = err.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("scorestream replay: Missing required options: '--bootstrap=HOST:PORT'")
                && text.contains("Try 'scorestream replay --help'"), text);
        assertEquals("", out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void theCommandPrintsTheUsageOnHelp() {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final int code = ReplayCommand.run(new String[] {"--help"}, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        assertEquals(0, code);
        final String text = out.toString(StandardCharsets.UTF_8);
        assertTrue(text.startsWith("Usage: scorestream replay") && text.contains("--as-of=NAME"), text);
    }
}
