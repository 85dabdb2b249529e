package io.scorestream.app.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scorestream.app.cli.Args.UsageException;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The command line of {@code replay}: what it accepts, its defaults, and the message of each mistake. */
class ReplayOptionsTest {

    private static final Instant NOW = Instant.parse("2026-11-02T03:04:05Z");
    private static final String[] BASE = {"--bootstrap", "localhost:9092", "--schema-registry", "http://localhost:8081",
        "--topic", "transactions", "--out", "replay-scores"};

    private static ReplayOptions parse(String... more) {
        final List<String> args = new ArrayList<>(List.of(BASE));
        args.addAll(List.of(more));
        return ReplayOptions.parse(args.toArray(new String[0]), NOW);
    }

    private static String error(String... more) {
        return assertThrows(UsageException.class, () -> parse(more)).getMessage();
    }

    // ---- times --------------------------------------------------------------------------------

    @Test
    void parsesAnIsoInstantInUtc() {
        assertEquals(Instant.parse("2026-11-01T00:00:00Z"), ReplayOptions.parseTime("from", "2026-11-01T00:00:00Z"));
    }

    @Test
    void parsesAnIsoInstantWithAnOffsetAndFractions() {
        assertEquals(Instant.parse("2026-10-31T23:00:00.250Z"),
                ReplayOptions.parseTime("from", "2026-11-01T00:00:00.25+01:00"));
    }

    @Test
    void parsesEpochMilliseconds() {
        assertEquals(Instant.ofEpochMilli(1_793_491_200_000L), ReplayOptions.parseTime("to", "1793491200000"));
        assertEquals(Instant.EPOCH, ReplayOptions.parseTime("to", " 0 "));
    }

    @Test
    void refusesATimeThatIsNeitherAndNamesTheOption() {
        final String m = assertThrows(UsageException.class, () -> ReplayOptions.parseTime("from", "2026-11-01"))
                .getMessage();
        assertTrue(m.contains("--from") && m.contains("2026-11-01") && m.contains("ISO-8601"), m);
        final String n = assertThrows(UsageException.class, () -> ReplayOptions.parseTime("to", "yesterday"))
                .getMessage();
        assertTrue(n.contains("--to"), n);
        assertThrows(UsageException.class, () -> ReplayOptions.parseTime("to", "99999999999999999999999"));
    }

    // ---- a valid command line -------------------------------------------------------------------

    @Test
    void parsesVersionsSideBySideWithEveryOption() {
        final ReplayOptions o = parse("--model", "fraud@1", "--model=fraud@2", "--from", "2026-11-01T00:00:00Z",
                "--to", "1793577600000", "--labels", "is_fraud", "--model-topic", "specs", "--report", "out/r.json",
                "--batch-max-records", "7", "--dead-letter-topic", "dlq");
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
        assertEquals(Path.of("replay-report-20261102-030405.json"), o.report());
    }

    @Test
    void helpIsNotAnError() {
        assertNull(ReplayOptions.parse(new String[] {"--help"}, NOW));
    }

    // ---- mistakes --------------------------------------------------------------------------------

    @Test
    void namesEachMissingRequiredOption() {
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
            final String m = assertThrows(UsageException.class,
                    () -> ReplayOptions.parse(args.toArray(new String[0]), NOW)).getMessage();
            assertEquals("replay: option --" + option + " is required", m);
        }
    }

    @Test
    void needsExactlyOneOfModelAndAsOf() {
        assertTrue(error().contains("one of --model NAME@VERSION and --as-of NAME is required"));
        final String both = error("--model", "fraud@1", "--as-of", "fraud");
        assertTrue(both.contains("--model") && both.contains("--as-of") && both.contains("exclude"), both);
    }

    @Test
    void refusesMalformedModelArguments() {
        for (String bad : List.of("fraud", "@1", "fraud@", "   ")) {
            final String m = error("--model", bad);
            assertTrue(m.startsWith("replay: option --model needs NAME@VERSION"), bad + ": " + m);
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
    void namesAnUnknownOptionAndListsTheKnownOnes() {
        final String m = error("--as-of", "fraud", "--batch-size", "3");
        assertTrue(m.startsWith("replay: unknown option --batch-size") && m.contains("--batch-max-records"), m);
    }

    @Test
    void refusesAnOptionWithoutValueOrGivenTwice() {
        assertEquals("replay: option --labels needs a value", error("--as-of", "fraud", "--labels"));
        assertEquals("replay: option --labels needs a value", error("--labels", "--as-of", "fraud"));
        assertEquals("replay: option --topic is given twice", error("--as-of", "fraud", "--topic", "other"));
        assertTrue(error("--as-of", "fraud", "stray").contains("unexpected argument 'stray'"));
    }

    @Test
    void refusesABadBatchSize() {
        assertTrue(error("--as-of", "fraud", "--batch-max-records", "0").contains("--batch-max-records must be"));
        assertTrue(error("--as-of", "fraud", "--batch-max-records", "many").contains("--batch-max-records needs a whole"));
    }

    @Test
    void refusesAnEmptyOrReversedTimeRange() {
        final String m = error("--as-of", "fraud", "--from", "2026-11-02T00:00:00Z", "--to", "2026-11-01T00:00:00Z");
        assertTrue(m.contains("--from") && m.contains("before --to"), m);
        assertTrue(error("--as-of", "fraud", "--from", "1000", "--to", "1000").contains("before --to"));
        assertTrue(error("--as-of", "fraud", "--to", "noon").contains("option --to"));
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
        assertTrue(text.contains("option --bootstrap is required") && text.contains("usage: scorestream replay"), text);
        assertEquals("", out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void theCommandPrintsTheUsageOnHelp() {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final int code = ReplayCommand.run(new String[] {"--help"}, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        assertEquals(0, code);
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("--as-of NAME"));
    }
}
