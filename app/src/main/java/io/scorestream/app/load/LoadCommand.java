package io.scorestream.app.load;

import io.scorestream.app.command.CommandLines;
import io.scorestream.app.command.ProgressBar;
import io.scorestream.app.command.SchemaRegistryOptions;
import io.scorestream.app.command.ScorestreamVersion;
import io.scorestream.connectors.load.FileLoader;
import io.scorestream.connectors.load.InputFormat;
import io.scorestream.connectors.load.KafkaRowSink;
import io.scorestream.connectors.load.LoadException;
import io.scorestream.connectors.load.LoadListener;
import io.scorestream.connectors.load.LoadOptions;
import io.scorestream.connectors.load.LoadRecord;
import io.scorestream.connectors.load.LoadRefused;
import io.scorestream.connectors.load.LoadResult;
import io.scorestream.connectors.load.RowReader;
import io.scorestream.connectors.load.RowSink;
import io.scorestream.connectors.load.SchemaInference;
import io.scorestream.schemas.registry.SchemaRegistry;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import org.apache.avro.Schema;
import org.apache.avro.SchemaParseException;
import org.apache.kafka.clients.CommonClientConfigs;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code scorestream load}: puts a file of historical events (CSV or JSON Lines) on a topic, as
 * Avro records in Confluent wire format, with {@link FileLoader} and {@link KafkaRowSink}.
 *
 * <p>picocli fills the options; {@link #call} checks them (a wrong command line exits 2 before
 * anything is read), resolves the schema (given, or inferred and printed), checks it against the
 * file's columns and the topic (exit 2 when they do not fit, before anything is produced), then
 * loads. The load ends with one line on stdout: {@code rows read N, produced N, rejected N in T s
 * (R rows/s)}. A row that does not fit stops the load before it (exit 1, the row named on
 * stderr), unless {@code --reject-file} sets such rows aside. A new instance per command line; not
 * thread-safe.
 */
@Command(name = "load", mixinStandardHelpOptions = true, versionProvider = ScorestreamVersion.class,
        sortOptions = false, sortSynopsis = false, showDefaultValues = true,
        description = {"Puts a file of historical events on a topic, as Avro in Confluent wire format.",
            "Reads CSV (a header row, RFC 4180 quoting) or JSON Lines (one flat object per line), converts each row "
                    + "to a record of --schema (or of a schema inferred from the file with --infer), and produces "
                    + "it (idempotent, acks=all) keyed by --key and stamped with --timestamp. Stops at the first row "
                    + "that does not fit, before producing it, unless --reject-file is given.", ""},
        footer = {"",
            "Columns map to the schema's fields by name; other columns are ignored (said once on stderr). A field "
                    + "without a column must be optional or have a default. Empty CSV fields are absent values; "
                    + "blank lines are skipped. Times (timestamp-millis fields, --timestamp): epoch milliseconds or "
                    + "ISO-8601 with a zone offset (2026-01-15T00:00:00Z).",
            "Exit codes: 0 every row produced (or set aside in --reject-file), and acknowledged; 1 a row does not fit "
                    + "(the rows before it are produced, nothing after) or producing failed; 2 wrong command line, or "
                    + "the schema does not fit the file's columns or the topic does not exist (nothing produced)."})
public final class LoadCommand implements Callable<Integer> {

    private static final String PREFIX = "scorestream load: ";
    private static final Duration CHECK_TIMEOUT = Duration.ofSeconds(30);

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE", description = "The file: CSV with a header row, or JSON Lines.")
    Path file;

    @Option(names = "--topic", required = true, paramLabel = "TOPIC",
            description = "The topic written; it must exist (give history retention.ms=-1).")
    String topic;

    @ArgGroup(exclusive = true, multiplicity = "1")
    SchemaSource schemaSource;

    @Option(names = "--format", paramLabel = "csv|jsonl",
            description = "The file's format (default: csv for a .csv file, jsonl for .jsonl or .ndjson).")
    InputFormat format;

    @Option(names = "--key", paramLabel = "COLUMN", description = "The column whose text is each record's key "
            + "(default: no key).")
    String keyColumn;

    @Option(names = "--timestamp", paramLabel = "COLUMN",
            description = "The column whose time is each record's timestamp (epoch ms or ISO-8601; default: the time "
                    + "of producing). A timestamp-millis field of that name holds the same time.")
    String timestampColumn;

    @Option(names = "--rate", paramLabel = "PER_SECOND", description = "Rows produced per second at most; 0 = as fast "
            + "as the broker takes them.")
    long rate = 0;

    @Option(names = "--reject-file", paramLabel = "FILE",
            description = "Write rows that do not fit here, with the reason, and go on (CSV: the record and a reason "
                    + "column; JSON Lines: {\"line\":n,\"reason\":...,\"row\":...}).")
    Path rejectFile;

    @Option(names = "--infer-rows", paramLabel = "N", description = "With --infer: scan the first N rows; 0 = all.")
    long inferRows = 0;

    @Option(names = "--record-name", paramLabel = "NAME",
            description = "With --infer: the record's name (default: from the file name).")
    String recordName;

    @Option(names = "--write-schema", paramLabel = "FILE", description = "With --infer: also save the schema here.")
    Path writeSchema;

    @Option(names = "--progress", description = "Show the progress bar on stderr even when it is no terminal.")
    boolean progress;

    @Option(names = "--dry-run", description = "Read and check every row (rejects written as asked), produce nothing; "
            + "needs no broker or registry.")
    boolean dryRun;

    @Option(names = "--bootstrap", paramLabel = "HOST:PORT", description = "Kafka bootstrap servers (required unless "
            + "--dry-run).")
    String bootstrap;

    @Option(names = "--schema-registry", paramLabel = "URL",
            description = "Confluent-compatible schema registry; the schema is registered under <topic>-value "
                    + "(required unless --dry-run).")
    String schemaRegistry;

    @Mixin
    SchemaRegistryOptions registryOptions = new SchemaRegistryOptions();

    /** Where the schema comes from: a file, or the data. Exactly one of the two. */
    static final class SchemaSource {

        @Option(names = "--schema", required = true, paramLabel = "FILE.avsc",
                description = "The Avro record schema of the records.")
        Path schemaFile;

        @Option(names = "--infer", required = true,
                description = "Infer the schema from the file (integers long, decimals double, true/false boolean, "
                        + "else string; optional where a value is empty); printed on stdout.")
        boolean infer;
    }

    /**
     * Runs one load with scorestream's conventions ({@link CommandLines}), as the top of its own
     * command line; for callers in-process.
     *
     * @param args the arguments after {@code load}
     * @return the exit code
     */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        return CommandLines.execute(new LoadCommand(), args, out, err);
    }

    @Override
    public Integer call() throws IOException, InterruptedException {
        final Checked c = check();
        final PrintStream out = CommandLines.out(spec);
        final PrintStream err = CommandLines.err(spec);
        final boolean terminal = err == System.err && CommandLines.stderrIsTerminal();
        final Listener listener = new Listener(err, terminal || progress);
        final LoadResult result;
        OptionalLong retention = OptionalLong.empty();
        try {
            final Schema schema = schemaSource.infer ? infer(c, out, err) : readSchema(schemaSource.schemaFile);
            final LoadOptions options = new LoadOptions(file, c.format, schema, c.key, c.timestamp, rate, rejectFile);
            listener.start(terminal, Files.size(file));
            if (dryRun) {
                result = FileLoader.load(options, new DrySink(), listener);
            } else {
                try (KafkaRowSink sink = KafkaRowSink.open(c.clientConfig, c.registry, c.topic, schema,
                        CHECK_TIMEOUT)) {
                    retention = sink.retentionMs();
                    result = FileLoader.load(options, sink, listener);
                }
            }
        } catch (LoadRefused e) {
            throw new CommandLines.Refused(file + ": " + e.getMessage());
        } catch (LoadException e) {
            listener.end();
            err.println(PREFIX + "failed: " + file + ": " + e.getMessage());
            return CommandLines.FAILED;
        }
        listener.end();
        out.println(summary(result));
        if (result.rejected() > 0 && rejectFile != null) {
            err.printf(Locale.ROOT, "%s%,d rejected rows, with the reasons, in %s%n", PREFIX, result.rejected(),
                    rejectFile);
        }
        warnOfRetention(err, result, c.topic, retention);
        if (result.stopped()) {
            final long line = result.stoppedAt().line();
            err.printf(Locale.ROOT, "%s%s line %d does not fit: %s%n", PREFIX, file, line, result.stoppedAt().describe());
            err.printf(Locale.ROOT, "%sstopped there: %s; nothing from line %d on. Fix the row, or give --reject-file "
                    + "to set such rows aside and load the rest.%n", PREFIX, dryRun
                    ? String.format(Locale.ROOT, "the %,d rows before it fit (dry run: nothing produced)",
                            result.produced())
                    : String.format(Locale.ROOT, "the %,d rows before it are on '%s' (acknowledged)", result.produced(),
                            c.topic), line);
            return CommandLines.FAILED;
        }
        return CommandLines.OK;
    }

    /** The command line's checked values; the registry client is built here (not for a dry run). */
    private record Checked(InputFormat format, String topic, String key, String timestamp,
                           Map<String, Object> clientConfig, SchemaRegistry registry) {
    }

    /**
     * Checks the options.
     *
     * @throws picocli.CommandLine.ParameterException naming the first wrong option
     */
    private Checked check() {
        if (!Files.isRegularFile(file)) {
            throw CommandLines.usage(spec, "FILE '" + file + "' does not exist or is no file");
        }
        final InputFormat f = format != null ? format : InputFormat.ofFileName(file).orElseThrow(() ->
                CommandLines.usage(spec, "cannot tell the format of '" + file.getFileName() + "' from its name: give "
                        + "--format csv or --format jsonl"));
        final String t = CommandLines.requireNonBlank(spec, "--topic", topic);
        final String key = keyColumn == null ? null : CommandLines.requireNonBlank(spec, "--key", keyColumn);
        final String ts = timestampColumn == null ? null
                : CommandLines.requireNonBlank(spec, "--timestamp", timestampColumn);
        CommandLines.requireAtLeast(spec, "--rate", rate, 0);
        CommandLines.requireAtLeast(spec, "--infer-rows", inferRows, 0);
        if (!schemaSource.infer) {
            for (Map.Entry<String, Boolean> o : Map.of("--infer-rows", inferRows != 0, "--record-name",
                    recordName != null, "--write-schema", writeSchema != null).entrySet()) {
                if (o.getValue()) {
                    throw CommandLines.usage(spec, "option " + o.getKey() + " needs --infer");
                }
            }
        }
        if (rejectFile != null && sameFile(rejectFile, file)) {
            throw CommandLines.usage(spec, "option --reject-file must name another file than FILE");
        }
        if (dryRun) {
            return new Checked(f, t, key, ts, Map.of(), null);
        }
        if (bootstrap == null || schemaRegistry == null) {
            throw CommandLines.usage(spec, "option " + (bootstrap == null ? "--bootstrap" : "--schema-registry")
                    + " is required (unless --dry-run)");
        }
        final String servers = CommandLines.requireNonBlank(spec, "--bootstrap", bootstrap);
        final String registryUrl = CommandLines.requireNonBlank(spec, "--schema-registry", schemaRegistry);
        final SchemaRegistry registry = registryOptions.client(spec, "--schema-registry", registryUrl);
        return new Checked(f, t, key, ts, Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, servers), registry);
    }

    private static boolean sameFile(Path a, Path b) {
        try {
            return Files.exists(a) && Files.isSameFile(a, b);
        } catch (IOException e) {
            return false;
        }
    }

    private Schema readSchema(Path schemaFile) {
        final Schema schema;
        try {
            schema = new Schema.Parser().parse(Files.readString(schemaFile, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw CommandLines.usage(spec, "cannot read --schema file '" + schemaFile + "': " + e);
        } catch (SchemaParseException e) {
            throw CommandLines.usage(spec, "--schema file '" + schemaFile + "' is no valid Avro schema: "
                    + e.getMessage());
        }
        if (schema.getType() != Schema.Type.RECORD) {
            throw CommandLines.usage(spec, "--schema file '" + schemaFile + "' holds a " + schema.getType().getName()
                    + " schema, not a record");
        }
        return schema;
    }

    /** Scans the file, prints the schema on stdout and saves it if asked. */
    private Schema infer(Checked c, PrintStream out, PrintStream err) throws IOException, LoadException {
        final String name = recordName != null ? CommandLines.requireNonBlank(spec, "--record-name", recordName)
                : SchemaInference.recordName(file);
        final SchemaInference.Inferred inferred;
        try (RowReader reader = RowReader.open(file, c.format)) {
            inferred = SchemaInference.infer(reader, name, inferRows, c.timestamp);
        } catch (SchemaParseException e) {
            throw CommandLines.usage(spec, "option --record-name: '" + name + "' is no valid Avro name: "
                    + e.getMessage());
        }
        final String text = inferred.schema().toString(true);
        out.println(text);
        err.printf(Locale.ROOT, "%sschema inferred from %,d rows%s%n", PREFIX, inferred.rows(),
                inferred.skipped() > 0 ? String.format(Locale.ROOT, " (%,d unreadable rows left out)", inferred.skipped())
                        : "");
        if (writeSchema != null) {
            Files.writeString(writeSchema, text + System.lineSeparator(), StandardCharsets.UTF_8);
        }
        return inferred.schema();
    }

    private String summary(LoadResult r) {
        final double seconds = r.elapsedNanos() / 1e9;
        final String produced = dryRun ? String.format(Locale.ROOT, "produced 0 (dry run: %,d fit)", r.produced())
                : String.format(Locale.ROOT, "produced %,d", r.produced());
        return String.format(Locale.ROOT, "rows read %,d, %s, rejected %,d in %.1f s (%,.0f rows/s)", r.rowsRead(),
                produced, r.rejected(), seconds, seconds <= 0 ? 0 : r.rowsRead() / seconds);
    }

    /** History older than the topic's retention is deleted by the broker soon after it is written: say so. */
    private static void warnOfRetention(PrintStream err, LoadResult r, String topic, OptionalLong retentionMs) {
        if (r.produced() == 0 || r.minTimestamp() == Long.MAX_VALUE || retentionMs.isEmpty()
                || retentionMs.getAsLong() < 0) {
            return;
        }
        final long cutoff = System.currentTimeMillis() - retentionMs.getAsLong();
        if (r.minTimestamp() < cutoff) {
            err.printf(Locale.ROOT, "%swarning: records from %s on are older than topic '%s' keeps records "
                    + "(retention.ms=%d); the broker will delete them. Set retention.ms=-1 on the topic to keep "
                    + "history.%n", PREFIX, Instant.ofEpochMilli(r.minTimestamp()), topic, retentionMs.getAsLong());
        }
    }

    /** Feeds the progress bar and says which columns are ignored. */
    private static final class Listener implements LoadListener {

        private final PrintStream err;
        private final boolean show;
        private ProgressBar bar;
        private long rows;
        private long bytes;

        /** @param show whether to show a progress bar once {@link #start}ed */
        Listener(PrintStream err, boolean show) {
            this.err = err;
            this.show = show;
        }

        /** Starts the bar (if shown) over a file of {@code size} bytes: redrawn five times a second on a terminal. */
        void start(boolean terminal, long size) {
            if (show) {
                bar = ProgressBar.ofWork(err, terminal, "load", "rows", size, System.nanoTime())
                        .interval(Duration.ofMillis(terminal ? 200 : 1000));
            }
        }

        @Override
        public void ignoredColumns(List<String> columns) {
            err.println(PREFIX + "column" + (columns.size() > 1 ? "s" : "") + " not in the schema, ignored: "
                    + String.join(", ", columns));
        }

        @Override
        public void progress(long rowsRead, long bytesRead) {
            rows = rowsRead;
            bytes = bytesRead;
            if (bar != null) {
                bar.update(rowsRead, bytesRead, System.nanoTime());
            }
        }

        void end() {
            if (bar != null) {
                bar.finish(rows, bytes, System.nanoTime());
            }
        }
    }

    /** A dry run's sink: takes every record and writes none. */
    private static final class DrySink implements RowSink {
        @Override
        public void send(LoadRecord record) {
            // A dry run only checks the rows.
        }

        @Override
        public void flush() {
            // Nothing was sent.
        }
    }
}
