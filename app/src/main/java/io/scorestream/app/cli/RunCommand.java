package io.scorestream.app.cli;

import io.scorestream.app.ScoringApplication;
import io.scorestream.app.command.CommandLines;
import io.scorestream.app.command.ScorestreamVersion;
import io.scorestream.app.config.ScorestreamConfig;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.streams.KafkaStreams;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code scorestream run}: the scoring application against an external cluster, until the JVM is
 * asked to stop (exit 0) or Kafka Streams stops by itself (exit 1). A configuration the
 * {@code ConfigDef} refuses exits 2 ({@link CommandLines}).
 */
@Command(name = "run", mixinStandardHelpOptions = true, versionProvider = ScorestreamVersion.class,
        sortOptions = false, sortSynopsis = false, showDefaultValues = true,
        description = {"Scores against an external cluster, until stopped (SIGTERM, Ctrl-C).", ""},
        footer = {"", "Every key: scorestream config-doc. Environment variables override the file: "
                + "SCORESTREAM_<KEY> (e.g. SCORESTREAM_BATCH_MAX_RECORDS=512); --set overrides both."})
final class RunCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--config", required = true, paramLabel = "FILE", description = "The configuration (properties).")
    Path config;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Sets one key over the file (repeatable).")
    Map<String, String> set;

    @Override
    public Integer call() throws InterruptedException {
        if (!Files.isRegularFile(config)) {
            throw CommandLines.usage(spec, "config file '" + config + "' does not exist");
        }
        final Map<String, String> overrides = new LinkedHashMap<>();
        if (set != null) {
            set.forEach((key, value) -> {
                if (key.isBlank()) {
                    throw CommandLines.usage(spec, "--set needs key=value, got '" + key + "=" + value + "'");
                }
                overrides.put(key.trim(), value);
            });
        }
        final ScorestreamConfig loaded = ScorestreamConfig.load(config, System.getenv(), overrides);
        final PrintStream out = CommandLines.out(spec);
        final CountDownLatch stopped = new CountDownLatch(1);
        final ScoringApplication app = ScoringApplication.start(loaded, null);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            app.close();
            stopped.countDown();
        }, "scorestream-shutdown"));
        if (!app.awaitModel()) {
            out.println("scorestream: no live version of model(s) " + String.join(", ", app.missingModels()) + " after "
                    + loaded.models().waitTimeoutMs() + " ms on topic '" + loaded.topics().modelTopic()
                    + "'; publish one with 'scorestream models publish'. "
                    + (loaded.models().waitTimeoutExit() ? "Stopping (model.wait.timeout.exit=true)."
                    : "Their pipelines stay paused until one is live; the others score."));
        }
        while (!stopped.await(1, TimeUnit.SECONDS)) {
            final KafkaStreams.State state = app.state();
            if (state == KafkaStreams.State.ERROR || state == KafkaStreams.State.NOT_RUNNING) {
                out.println("scorestream: Kafka Streams stopped (" + state + ")"
                        + (app.failure() == null ? "" : ": " + app.failure().getMessage()));
                app.close();
                return CommandLines.FAILED;
            }
            if (app.failure() != null) {
                out.println("scorestream: " + app.failure().getMessage());
                app.close();
                return CommandLines.FAILED;
            }
        }
        return CommandLines.OK;
    }
}
