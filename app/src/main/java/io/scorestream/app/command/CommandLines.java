package io.scorestream.app.command;

import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.CharBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import io.scorestream.app.security.KafkaAccess;
import io.scorestream.app.security.KafkaRefusedException;
import org.apache.kafka.common.config.ConfigException;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.TypeConversionException;
import picocli.CommandLine.UnmatchedArgumentException;
import picocli.CommandLine.Model.CommandSpec;

/**
 * The conventions of every {@code scorestream} command, applied to a picocli {@link CommandLine}
 * by {@link #configure}: the exit codes, the error output, the whole-number syntax, and the
 * streams the commands print to ({@link #out}, {@link #err}).
 *
 * <p>Exit codes: {@value #OK} done; {@value #FAILED} failed; {@value #USAGE} wrong command line or
 * bad configuration. A wrong command line, found by picocli or by a command (which throws
 * {@link ParameterException}, e.g. through {@link #usage}), prints
 * {@code scorestream <command>: <message naming the option>}, picocli's suggestions if it has any,
 * the sub-commands of a command that needs one, and a hint to {@code --help}, all to {@code err}.
 * A Kafka {@link ConfigException} prints {@code scorestream: bad configuration: <message>} and
 * exits {@value #USAGE}. Kafka refusing to authenticate or authorize the client
 * ({@link KafkaRefusedException}, or Kafka's own exception in the cause chain) prints the message
 * naming the principal and the resource, without a stack trace, and exits {@value #FAILED}; any
 * other exception prints {@code scorestream <command> failed: ...} with
 * its stack trace and exits {@value #FAILED}. Results go to {@code out}, diagnostics to
 * {@code err}.
 *
 * <p>Stateless; thread-safe. The streams are the caller's: nothing here closes them.
 */
public final class CommandLines {

    /** The name of the command line, which starts every message. */
    public static final String ROOT = "scorestream";
    /** Exit code: done. */
    public static final int OK = 0;
    /** Exit code: failed (the message says why). */
    public static final int FAILED = 1;
    /** Exit code: wrong command line or bad configuration (the message names what was wrong). */
    public static final int USAGE = 2;

    private CommandLines() {
    }

    /**
     * Applies the conventions to {@code commandLine} and every sub-command it holds now (add none
     * afterwards): {@code out} and {@code err} for help, messages and the commands' own output;
     * case-insensitive enum values; whole numbers with {@code _} separators and surrounding blanks
     * ({@code 1_000_000}) for {@code int} and {@code long} options; the error handling above.
     *
     * @return {@code commandLine}
     */
    public static CommandLine configure(final CommandLine commandLine, final PrintStream out, final PrintStream err) {
        commandLine.setOut(new StreamWriter(out));
        commandLine.setErr(new StreamWriter(err));
        commandLine.setCaseInsensitiveEnumValuesAllowed(true);
        commandLine.registerConverter(Long.class, CommandLines::parseLong);
        commandLine.registerConverter(Long.TYPE, CommandLines::parseLong);
        commandLine.registerConverter(Integer.class, CommandLines::parseInt);
        commandLine.registerConverter(Integer.TYPE, CommandLines::parseInt);
        commandLine.setParameterExceptionHandler(CommandLines::usageError);
        commandLine.setExecutionExceptionHandler(CommandLines::failure);
        return commandLine;
    }

    /**
     * Runs {@code command} (a picocli command object) on {@code args} with these conventions, as
     * the top of its own command line named {@code scorestream <its name>} (so usage and messages
     * read as they do under {@code scorestream}); for commands run in-process. Every option may be
     * given once unless it takes several values.
     *
     * @return the exit code
     */
    public static int execute(final Object command, final String[] args, final PrintStream out,
                              final PrintStream err) {
        final CommandLine commandLine = new CommandLine(command);
        commandLine.setCommandName(ROOT + " " + commandLine.getCommandName());
        return configure(commandLine, out, err).execute(args);
    }

    /**
     * Where {@code spec}'s command prints its results: the {@code out} given to {@link #configure},
     * else {@code System.out}.
     */
    public static PrintStream out(final CommandSpec spec) {
        return spec.commandLine().getOut() instanceof StreamWriter w ? w.stream : System.out;
    }

    /**
     * Where {@code spec}'s command prints diagnostics: the {@code err} given to {@link #configure},
     * else {@code System.err}.
     */
    public static PrintStream err(final CommandSpec spec) {
        return spec.commandLine().getErr() instanceof StreamWriter w ? w.stream : System.err;
    }

    /**
     * A wrong command line of {@code spec}'s command: exit code {@value #USAGE}.
     *
     * @param message what is wrong, naming the option (the command's name is added when printed)
     */
    public static ParameterException usage(final CommandSpec spec, final String message) {
        return new ParameterException(spec.commandLine(), message);
    }

    /**
     * {@code value}, trimmed.
     *
     * @throws ParameterException naming {@code option} when {@code value} is blank
     */
    public static String requireNonBlank(final CommandSpec spec, final String option, final String value) {
        if (value.isBlank()) {
            throw usage(spec, "option " + option + " must not be blank");
        }
        return value.trim();
    }

    /**
     * {@code value}.
     *
     * @throws ParameterException naming {@code option} when {@code value < min}
     */
    public static long requireAtLeast(final CommandSpec spec, final String option, final long value,
                                      final long min) {
        if (value < min) {
            throw usage(spec, "option " + option + " must be >= " + min + ", got " + value);
        }
        return value;
    }

    /**
     * Whether this process's stderr is a terminal (Linux: fd 2 is a tty; elsewhere: a console
     * exists): where a progress bar may rewrite its line in place.
     */
    public static boolean stderrIsTerminal() {
        try {
            final String target = Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return System.console() != null;
        }
    }

    /** {@code scorestream <sub-command ...>}: the command's full name, as messages start. */
    static String label(final CommandLine commandLine) {
        final String name = commandLine.getCommandSpec().qualifiedName(" ");
        return name.equals(ROOT) || name.startsWith(ROOT + " ") ? name : ROOT + " " + name;
    }

    private static int usageError(final ParameterException e, final String[] args) {
        final CommandLine cl = e.getCommandLine();
        final PrintWriter err = cl.getErr();
        err.println(label(cl) + ": " + e.getMessage());
        UnmatchedArgumentException.printSuggestions(e, err);
        final List<String> subcommands = visibleSubcommands(cl);
        if (!subcommands.isEmpty()) {
            err.println("Commands: " + String.join(", ", subcommands));
        }
        err.printf(Locale.ROOT, "Try '%s --help' for more information.%n", label(cl));
        err.flush();
        return cl.getCommandSpec().exitCodeOnInvalidInput();
    }

    private static List<String> visibleSubcommands(final CommandLine cl) {
        final List<String> names = new ArrayList<>();
        cl.getSubcommands().forEach((name, sub) -> {
            // getSubcommands() also maps every alias; list each command once, by its own name.
            if (!sub.getCommandSpec().usageMessage().hidden() && name.equals(sub.getCommandName())) {
                names.add(name);
            }
        });
        return names;
    }

    private static int failure(final Exception e, final CommandLine cl, final ParseResult parsed) {
        final PrintWriter err = cl.getErr();
        if (e instanceof Refused) {
            err.println(label(cl) + ": " + e.getMessage());
            err.flush();
            return USAGE;
        }
        if (e instanceof ConfigException) {
            err.println(ROOT + ": bad configuration: " + e.getMessage());
            err.flush();
            return USAGE;
        }
        if (e instanceof KafkaRefusedException) {
            err.println(label(cl) + ": " + e.getMessage());
            err.flush();
            return FAILED;
        }
        if (KafkaAccess.isRefusal(e)) {
            // A command that did not explain it itself: Kafka's own words, still without a trace.
            err.println(label(cl) + ": Kafka refused the client: " + KafkaAccess.explain(e, java.util.Map.of(),
                    "running the command").orElse(e.toString()));
            err.flush();
            return FAILED;
        }
        if (e instanceof InterruptedException) {
            Thread.currentThread().interrupt();
            err.println(label(cl) + ": interrupted");
            err.flush();
            return FAILED;
        }
        err.println(label(cl) + " failed: " + e);
        e.printStackTrace(err);
        err.flush();
        return FAILED;
    }

    private static long parseLong(final String text) {
        try {
            return Long.parseLong(text.trim().replace("_", ""));
        } catch (NumberFormatException e) {
            throw new TypeConversionException("'" + text + "' is not a whole number");
        }
    }

    private static int parseInt(final String text) {
        final long value = parseLong(text);
        if (value < Integer.MIN_VALUE || value > Integer.MAX_VALUE) {
            throw new TypeConversionException("'" + text + "' is not a whole number from " + Integer.MIN_VALUE
                    + " to " + Integer.MAX_VALUE);
        }
        return (int) value;
    }

    /**
     * A check of what the command was asked to do failed, before anything was written: the command
     * exits {@value #USAGE} with the message alone (no stack trace, no usage text). The message must
     * say what was refused, why, and how to go on.
     */
    public static final class Refused extends RuntimeException {

        private static final long serialVersionUID = 1L;

        public Refused(final String message) {
            super(message);
        }
    }

    /**
     * A {@link PrintWriter} that prints through a {@link PrintStream}, in the stream's own encoding;
     * closing it flushes the stream and leaves it open.
     */
    private static final class StreamWriter extends PrintWriter {

        private final PrintStream stream;

        StreamWriter(final PrintStream stream) {
            super(new Writer() {
                @Override
                public void write(final char[] chars, final int offset, final int length) {
                    stream.append(CharBuffer.wrap(chars, offset, length));
                }

                @Override
                public void flush() {
                    stream.flush();
                }

                @Override
                public void close() {
                    stream.flush();
                }
            }, true);
            this.stream = stream;
        }
    }
}
