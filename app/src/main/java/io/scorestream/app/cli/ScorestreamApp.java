package io.scorestream.app.cli;

import io.scorestream.app.command.CommandLines;
import io.scorestream.app.command.ScorestreamVersion;
import io.scorestream.app.keys.KeysCommand;
import io.scorestream.app.load.LoadCommand;
import io.scorestream.app.models.ModelsCommand;
import io.scorestream.app.models.PublishCommand;
import io.scorestream.app.replay.ReplayCommand;
import io.scorestream.app.security.AclsCommand;
import io.scorestream.app.stack.LocalCommand;
import java.io.PrintStream;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;

/**
 * The {@code scorestream} command line, on picocli: {@code demo}, {@code run}, {@code models} (see
 * {@link ModelsCommand}), {@code publish-model} (an alias of {@code models publish}), {@code keys}
 * (signing keys, see {@link KeysCommand}),
 * {@code produce}, {@code replay}, {@code load} (see {@link LoadCommand}), {@code local} (see
 * {@link LocalCommand}), {@code acls} (see {@link AclsCommand}), {@code config-doc}, {@code help} and
 * {@code generate-completion} (a bash/zsh completion script).
 *
 * <p>Exit codes: 0 done, 1 failed, 2 wrong command line or bad configuration (the message names
 * what was wrong); see {@link CommandLines} for how each is reported. Results go to {@code out},
 * diagnostics to {@code err}. An option given twice keeps the last value, except in
 * {@code replay}, where only {@code --model} may be repeated.
 */
@Command(name = CommandLines.ROOT, mixinStandardHelpOptions = true, versionProvider = ScorestreamVersion.class,
        description = {"Micro-batched ONNX scoring of Avro feature events inside Kafka Streams.", ""},
        subcommands = {DemoCommand.class, RunCommand.class, ModelsCommand.class, PublishCommand.Alias.class,
            ProduceCommand.class, ReplayCommand.class, LoadCommand.class, LocalCommand.class, AclsCommand.class,
            KeysCommand.class,
            ConfigDocCommand.class,
            HelpCommand.class, AutoComplete.GenerateCompletion.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:done", "1:failed (the message says why)",
            "2:wrong command line or bad configuration (the message names what was wrong)"},
        footer = {"", "'scorestream <command> --help' shows a command's options; "
                + "'scorestream models <sub-command> --help' those of a models sub-command."})
public final class ScorestreamApp {

    private ScorestreamApp() {
    }

    public static void main(String[] args) {
        System.exit(execute(args, System.out, System.err));
    }

    /**
     * Runs one command line; returns the exit code. Neither stream is closed.
     *
     * @param out results and help
     * @param err usage errors and diagnostics
     */
    public static int execute(String[] args, PrintStream out, PrintStream err) {
        return commandLine(out, err).execute(args);
    }

    /**
     * The whole command line, with {@link CommandLines}' conventions, printing to {@code out} and
     * {@code err}. A new one per call: its commands hold the options of one parse.
     */
    public static CommandLine commandLine(PrintStream out, PrintStream err) {
        final CommandLine cl = CommandLines.configure(new CommandLine(new ScorestreamApp()), out, err);
        // The last value wins, as it always did; replay has always refused an option given twice.
        cl.setOverwrittenOptionsAllowed(true);
        cl.getSubcommands().get("replay").setOverwrittenOptionsAllowed(false);
        return cl;
    }
}
