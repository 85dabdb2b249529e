package io.scorestream.app.cli;

import io.scorestream.app.command.CommandLines;
import io.scorestream.app.command.ScorestreamVersion;
import io.scorestream.app.config.ScorestreamConfig;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code scorestream config-doc}: every configuration key, as a Markdown table, on {@code out}. */
@Command(name = "config-doc", mixinStandardHelpOptions = true, versionProvider = ScorestreamVersion.class,
        description = {"Prints every configuration key as a Markdown table.",
            "The keys of 'run --config FILE' (docs/CONFIGURATION.md is this output).", ""})
final class ConfigDocCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        CommandLines.out(spec).println(ScorestreamConfig.documentation());
        return CommandLines.OK;
    }
}
