package io.scorestream.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/**
 * The {@code scorestream} command line as a user meets it, through {@link ScorestreamApp#execute}:
 * help, the exit codes, and the message of each kind of mistake. In memory; nothing here connects
 * to anything (every command line either asks for help or is refused before it would).
 */
class ScorestreamCliTest {

    private static final List<String> CONNECTION = List.of("--bootstrap", "--schema-registry", "--topic",
            "--client-config", "--timeout-ms");
    private static final List<String> PUBLISH = List.of("--name", "--version", "--onnx", "--train-demo", "--seed",
            "--uri", "--input", "--input-dims", "--output", "--score-column", "--score-class", "--label-output",
            "--threshold", "--meta", "--candidate", "--percent");

    @TempDir
    Path dir;

    // ---- help ---------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"--help", "-h", "help"})
    void topLevelHelpListsEveryCommandAndExitsZero(String ask) {
        final Result r = run(ask);
        assertEquals(0, r.code, r.err);
        assertTrue(r.out.startsWith("Usage: scorestream"), r.out);
        for (String command : List.of("demo", "run", "models", "publish-model", "produce", "replay", "load",
                "local", "acls", "config-doc", "help", "generate-completion")) {
            assertTrue(r.out.contains("\n  " + command + " "), command + " missing from:\n" + r.out);
        }
        assertTrue(r.out.contains("Exit codes:"), r.out);
        assertEquals("", r.err);
    }

    static Stream<Arguments> commandsAndTheirOptions() {
        return Stream.of(
                Arguments.of("demo", List.of("--events", "--rate", "--partitions", "--batch-max-records",
                        "--batch-max-wait-ms", "--metrics-port", "--seed", "--drain-timeout-s", "--poison-rate",
                        "--no-sink")),
                Arguments.of("run", List.of("--config", "--set")),
                Arguments.of("models", List.of("list", "publish", "ramp", "promote", "rollback", "retire")),
                Arguments.of("models list", concat(CONNECTION, List.of("--full", "--history"))),
                Arguments.of("models publish", concat(CONNECTION, PUBLISH)),
                Arguments.of("publish-model", concat(CONNECTION, PUBLISH)),
                Arguments.of("models ramp", concat(CONNECTION, List.of("--name", "--percent"))),
                Arguments.of("models promote", concat(CONNECTION, List.of("--name"))),
                Arguments.of("models rollback", concat(CONNECTION, List.of("--name", "--to"))),
                Arguments.of("models retire", concat(CONNECTION, List.of("--name", "--force"))),
                Arguments.of("produce", List.of("--bootstrap", "--schema-registry", "--topic", "--events", "--rate",
                        "--seed")),
                Arguments.of("replay", List.of("--bootstrap", "--schema-registry", "--topic", "--out", "--model",
                        "--as-of", "--from", "--to", "--labels", "--model-topic", "--report", "--batch-max-records",
                        "--dead-letter-topic")),
                Arguments.of("load", List.of("FILE", "--topic", "--schema", "--infer", "--format", "--key",
                        "--timestamp", "--rate", "--reject-file", "--infer-rows", "--record-name", "--write-schema",
                        "--progress", "--dry-run", "--bootstrap", "--schema-registry")),
                Arguments.of("local", List.of("--data-dir", "--kafka-port", "--registry-port", "--postgres-port",
                        "--connect-port", "--input-topic", "--scores-topic", "--dead-letter-topic", "--model-topic",
                        "--partitions", "--model-name")),
                Arguments.of("acls", List.of("--principal", "--config", "--set", "--role", "--format", "--apply",
                        "--bootstrap-server", "--command-config", "--timeout-ms")),
                Arguments.of("config-doc", List.of("--config", "--set")),
                Arguments.of("generate-completion", List.of()));
    }

    @ParameterizedTest(name = "{0} --help")
    @MethodSource("commandsAndTheirOptions")
    void eachCommandsHelpListsItsOptionsAndExitsZero(String command, List<String> options) {
        final List<String> args = new ArrayList<>(List.of(command.split(" ")));
        args.add("--help");
        final Result r = run(args.toArray(String[]::new));
        assertEquals(0, r.code, r.err);
        assertTrue(r.out.startsWith("Usage: scorestream " + command + " "), r.out);
        assertTrue(r.out.contains("--help"), r.out);
        for (String option : options) {
            assertTrue(r.out.contains(option), option + " missing from:\n" + r.out);
        }
        assertEquals("", r.err);
    }

    @Test
    void everyCommandInTheTreeAnswersHelpWithItsOwnUsage() {
        final List<String> paths = new ArrayList<>();
        collect(ScorestreamApp.commandLine(quiet(), quiet()), "", paths);
        assertTrue(paths.size() >= 15, paths.toString());
        for (String path : paths) {
            final List<String> args = new ArrayList<>(List.of(path.split(" ")));
            args.add("-h");
            final Result r = run(args.toArray(String[]::new));
            assertEquals(0, r.code, path + ": " + r.err);
            // picocli's own help command prints a header line before its usage.
            assertTrue(r.out.contains("Usage: scorestream " + path + " "), path + ":\n" + r.out);
        }
    }

    @Test
    void defaultsAreShownInHelp() {
        final Result demo = run("demo", "--help");
        assertTrue(demo.out.contains("Default: 90000") && demo.out.contains("Default: 3000"), demo.out);
        final Result replay = run("replay", "--help");
        assertTrue(replay.out.contains("Default: model-specs") && replay.out.contains("Default: 1024"), replay.out);
        // A required option has no default to show.
        final Result ramp = run("models", "ramp", "--help");
        assertFalse(ramp.out.contains("Default: 0"), ramp.out);
    }

    @Test
    void versionIsPrinted() {
        final Result r = run("--version");
        assertEquals(0, r.code, r.err);
        assertTrue(r.out.startsWith("scorestream "), r.out);
    }

    // ---- wrong command lines: exit 2, the message names the mistake -------------------------------

    @Test
    void noCommandExitsTwoListingTheCommands() {
        final Result r = run();
        assertEquals(2, r.code);
        assertTrue(r.err.contains("scorestream: Missing required subcommand")
                && r.err.contains("demo, run, models, publish-model, produce, replay, load, local, acls, keys, "
                + "config-doc"), r.err);
        assertEquals("", r.out);
    }

    @Test
    void unknownCommandExitsTwoNamingIt() {
        final Result r = run("deploy", "--events", "3");
        assertEquals(2, r.code);
        assertTrue(r.err.contains("'deploy'") && r.err.contains("Try 'scorestream --help'"), r.err);
        assertEquals("", r.out);
    }

    @Test
    void unknownOptionExitsTwoNamingItWithAHint() {
        final Result r = run("demo", "--bogus");
        assertEquals(2, r.code);
        assertTrue(r.err.startsWith("scorestream demo: Unknown option: '--bogus'"), r.err);
        assertTrue(r.err.contains("Try 'scorestream demo --help' for more information."), r.err);
        assertEquals("", r.out);

        final Result typo = run("demo", "--event", "10");
        assertEquals(2, typo.code);
        assertTrue(typo.err.contains("'--event'") && typo.err.contains("--events"), typo.err);
    }

    @Test
    void missingRequiredOptionExitsTwoNamingIt() {
        final Result run = run("run");
        assertEquals(2, run.code);
        assertTrue(run.err.contains("scorestream run: Missing required option: '--config=FILE'"), run.err);

        final Result produce = run("produce", "--bootstrap", "localhost:9092");
        assertEquals(2, produce.code);
        assertTrue(produce.err.contains("Missing required option: '--schema-registry=URL'"), produce.err);
    }

    @Test
    void wrongValuesExitTwoNamingTheOption() {
        final Map<List<String>, String> expected = Map.ofEntries(
                Map.entry(List.of("demo", "--poison-rate", "1.5"),
                        "option --poison-rate must be a fraction in [0, 1], got 1.5"),
                Map.entry(List.of("demo", "--events", "3000000000"),
                        "option --events must be at most 2147483647"),
                Map.entry(List.of("demo", "--events", "0_0"),
                        "option --events must be >= 1, got 0"),
                Map.entry(List.of("demo", "--rate", "fast"),
                        "Invalid value for option '--rate': 'fast' is not a whole number"),
                Map.entry(List.of("demo", "--partitions", "9999999999"),
                        "Invalid value for option '--partitions'"),
                Map.entry(List.of("produce", "--bootstrap", "b", "--schema-registry", "http://r", "--rate", "0"),
                        "option --rate must be >= 1, got 0"),
                Map.entry(List.of("run", "--config", dir.resolve("nope.properties").toString()),
                        "does not exist"),
                Map.entry(List.of("local", "--kafka-port", "70000"),
                        "option --kafka-port must be a port in 0..65535, got 70000"),
                Map.entry(List.of("local", "--registry-port", "9092"),
                        "Port 9092 is given to two parts"),
                Map.entry(List.of("local", "--scores-topic", "transactions"),
                        "Topic 'transactions' is named for two roles"),
                Map.entry(List.of("local", "--partitions", "0"),
                        "option --partitions must be >= 1, got 0"));
        expected.forEach((args, message) -> {
            final Result r = run(args.toArray(String[]::new));
            assertEquals(2, r.code, args + ": " + r.err);
            assertTrue(r.err.contains(message), args + ": " + r.err);
            assertTrue(r.err.startsWith("scorestream " + args.get(0) + ": "), r.err);
        });
    }

    @Test
    void runChecksEverySetAndTheConfigurationBeforeStarting() throws IOException {
        final Path config = Files.writeString(dir.resolve("scorestream.properties"), "no.such.key=1\n",
                StandardCharsets.UTF_8);

        final Result noEquals = run("run", "--config", config.toString(), "--set", "batch.max.records");
        assertEquals(2, noEquals.code);
        assertTrue(noEquals.err.contains("'--set'") && noEquals.err.contains("KEY=VALUE"), noEquals.err);

        final Result noKey = run("run", "--config", config.toString(), "--set", "=5");
        assertEquals(2, noKey.code);
        assertTrue(noKey.err.contains("--set needs key=value, got '=5'"), noKey.err);

        final Result bad = run("run", "--config", config.toString());
        assertEquals(2, bad.code, bad.err);
        assertTrue(bad.err.startsWith("scorestream: bad configuration: ") && bad.err.contains("no.such.key"),
                bad.err);
    }

    @Test
    void exclusiveOptionsAreRefusedTogetherAndOneIsRequired() throws IOException {
        final Path onnx = Files.write(dir.resolve("m.onnx"), new byte[] {1});
        final String[] connection = {"--bootstrap", "127.0.0.1:1", "--schema-registry", "http://127.0.0.1:1"};

        final Result both = run(concat(new String[] {"models", "publish", "--name", "m", "--version", "1", "--onnx",
            onnx.toString(), "--train-demo"}, connection));
        assertEquals(2, both.code);
        assertTrue(both.err.contains("--onnx=FILE, --train-demo are mutually exclusive"), both.err);

        final Result neither = run(concat(new String[] {"publish-model", "--name", "m", "--version", "1"}, connection));
        assertEquals(2, neither.code);
        assertTrue(neither.err.contains("Missing required argument") && neither.err.contains("--onnx=FILE")
                && neither.err.contains("--train-demo"), neither.err);

        final Result replay = run(concat(new String[] {"replay", "--topic", "t", "--out", "o", "--model", "m@1",
            "--as-of", "m"}, connection));
        assertEquals(2, replay.code);
        assertTrue(replay.err.contains("--model=NAME@VERSION, --as-of=NAME are mutually exclusive"), replay.err);
    }

    @Test
    void anOptionGivenTwiceKeepsTheLastExceptInReplay() {
        // models list: --topic given twice is fine; the missing client-config file is what stops it.
        final Result list = run("models", "list", "--bootstrap", "127.0.0.1:1", "--schema-registry",
                "http://127.0.0.1:1", "--topic", "a", "--topic", "b", "--client-config",
                dir.resolve("nope").toString());
        assertEquals(2, list.code);
        assertTrue(list.err.contains("--client-config file"), list.err);

        final Result replay = run("replay", "--bootstrap", "b", "--schema-registry", "r", "--topic", "t", "--topic",
                "u", "--out", "o", "--as-of", "m");
        assertEquals(2, replay.code);
        assertTrue(replay.err.contains("option '--topic' (TOPIC) should be specified only once"), replay.err);
    }

    // ---- the commands that need nothing ------------------------------------------------------------

    @Test
    void generateCompletionPrintsAScriptNamingTheCommands() {
        final Result r = run("generate-completion");
        assertEquals(0, r.code, r.err);
        assertTrue(r.out.contains("complete -F") && r.out.contains("scorestream"), r.out);
        for (String command : List.of("demo", "run", "models", "publish-model", "produce", "replay", "config-doc",
                "list", "publish", "ramp", "promote", "rollback", "retire", "--as-of", "--poison-rate")) {
            assertTrue(r.out.contains(command), command + " missing from the completion script");
        }
    }

    @Test
    void configDocPrintsTheMarkdownTable() {
        final Result r = run("config-doc");
        assertEquals(0, r.code, r.err);
        assertTrue(r.out.contains("| Key | Type | Default | Valid values | Importance | Description |"), r.out);
        assertTrue(r.out.contains("batch.max.records"), r.out);
        assertEquals("", r.err);
    }

    @Test
    void configDocWithAConfigPrintsEachPipelinesEffectiveProducerLinger() throws IOException {
        // given
        final Path config = Files.writeString(dir.resolve("pipelines.properties"), String.join("\n",
                "bootstrap.servers=localhost:9092",
                "application.id=scoring",
                "processing.guarantee=at_least_once",
                "pipelines=fraud,bulk",
                "pipeline.fraud.input.topics=transactions",
                "pipeline.fraud.model.name=fraud-mlp",
                "pipeline.bulk.input.topics=history",
                "pipeline.bulk.model.name=bulk-gbm",
                "pipeline.bulk.batch.max.wait.ms=250", ""), StandardCharsets.UTF_8);

        // when
        final Result derived = run("config-doc", "--config", config.toString());
        final Result explicit = run("config-doc", "--config", config.toString(), "--set", "kafka.linger.ms=3");

        // then
        assertEquals(0, derived.code, derived.err);
        assertTrue(derived.out.contains("| fraud | scoring-fraud | 5 | derived from pipeline.fraud.batch.max.wait.ms=5 |"),
                derived.out);
        assertTrue(derived.out.contains("| bulk | scoring-bulk | 100 | derived from pipeline.bulk.batch.max.wait.ms=250, "
                + "capped at Kafka Streams' 100 |"), derived.out);
        assertFalse(derived.out.contains("| Key | Type |"), "the effective settings, not the key tables");
        assertEquals(0, explicit.code, explicit.err);
        assertTrue(explicit.out.contains("| fraud | scoring-fraud | 3 | set by kafka.linger.ms |"), explicit.out);
        assertTrue(explicit.out.contains("| bulk | scoring-bulk | 3 | set by kafka.linger.ms |"), explicit.out);
    }

    @Test
    void configDocRefusesABadConfigAndSetWithoutConfig() throws IOException {
        final Path config = Files.writeString(dir.resolve("bad.properties"), "bootstrap.servers=localhost:9092\n"
                + "input.topics=features\nmodel.name=fraud\nkafka.linger.ms=-1\n", StandardCharsets.UTF_8);

        final Result bad = run("config-doc", "--config", config.toString());
        assertEquals(2, bad.code, bad.err);
        assertTrue(bad.err.startsWith("scorestream: bad configuration: ") && bad.err.contains("kafka.linger.ms"),
                bad.err);

        final Result missing = run("config-doc", "--config", dir.resolve("absent.properties").toString());
        assertEquals(2, missing.code);
        assertTrue(missing.err.contains("does not exist"), missing.err);

        final Result setAlone = run("config-doc", "--set", "batch.max.wait.ms=1");
        assertEquals(2, setAlone.code);
        assertTrue(setAlone.err.contains("--set needs --config FILE"), setAlone.err);
    }

    // ---- helpers --------------------------------------------------------------------------------

    /** Every command path below {@code cl} ("models publish"), depth first. */
    private static void collect(CommandLine cl, String prefix, List<String> paths) {
        cl.getSubcommands().forEach((name, sub) -> {
            if (name.equals(sub.getCommandName())) {
                final String path = prefix.isEmpty() ? name : prefix + " " + name;
                paths.add(path);
                collect(sub, path, paths);
            }
        });
    }

    private static PrintStream quiet() {
        return new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    }

    private static <T> List<T> concat(List<T> a, List<T> b) {
        final List<T> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    private static String[] concat(String[] a, String[] b) {
        return Stream.concat(Stream.of(a), Stream.of(b)).toArray(String[]::new);
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
