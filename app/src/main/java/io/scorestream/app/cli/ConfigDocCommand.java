package io.scorestream.app.cli;

import io.scorestream.app.command.CommandLines;
import io.scorestream.app.command.ScorestreamVersion;
import io.scorestream.app.config.ScorestreamConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code scorestream config-doc}: every configuration key, as a Markdown table, on {@code out}; with
 * {@code --config FILE}, instead, what that configuration (with the environment and {@code --set}, as
 * {@code run} reads it) derives from its keys: per pipeline, the Kafka Streams application id and the
 * producer's {@code linger.ms} with where it comes from. A configuration the {@code ConfigDef} refuses
 * exits 2 ({@link CommandLines}).
 */
@Command(name = "config-doc", mixinStandardHelpOptions = true, versionProvider = ScorestreamVersion.class,
        sortOptions = false,
        description = {"Prints every configuration key as a Markdown table.",
            "The keys of 'run --config FILE' (docs/CONFIGURATION.md is this output).",
            "With --config FILE: the values that configuration derives (per pipeline: Kafka Streams application id, "
                + "producer linger.ms and where it comes from), read as 'run' reads it.", ""})
final class ConfigDocCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE",
            description = "Print the effective settings of this configuration (properties) instead.")
    Path config;

    @Option(names = "--set", paramLabel = "KEY=VALUE",
            description = "With --config: sets one key over the file (repeatable), as for run.")
    Map<String, String> set;

    @Override
    public Integer call() {
        if (config == null) {
            if (set != null) {
                throw CommandLines.usage(spec, "--set needs --config FILE");
            }
            CommandLines.out(spec).println(ScorestreamConfig.documentation());
            return CommandLines.OK;
        }
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
        CommandLines.out(spec).print(ScorestreamConfig.load(config, System.getenv(), overrides).effectiveSettings());
        CommandLines.out(spec).flush();
        return CommandLines.OK;
    }
}
