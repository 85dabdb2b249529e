package io.scorestream.app.replay;

import io.scorestream.app.command.CommandLines;
import io.scorestream.app.command.SchemaRegistryOptions;
import io.scorestream.app.command.ScorestreamVersion;
import io.scorestream.inference.ModelLoadException;
import io.scorestream.schemas.registry.SchemaRegistry;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code scorestream replay}: a bounded, deterministic backtest of a model over a historical topic.
 * See docs/BACKTESTING.md for the options, the stop rule, determinism and the report.
 *
 * <p>picocli fills the options; {@link #call} checks them into {@link ReplayOptions} (a wrong
 * command line exits 2 before anything connects) and runs one {@link Replay}. Every option may be
 * given once, except {@code --model}. A new instance per command line; not thread-safe.
 */
@Command(name = "replay", mixinStandardHelpOptions = true, versionProvider = ScorestreamVersion.class,
        sortOptions = false, sortSynopsis = false, showDefaultValues = true,
        description = {"A bounded, deterministic backtest of model versions over a historical topic.",
            "Scores the records of --topic between --from and --to once, writes the scores to --out, stops by itself "
                    + "and prints a report (also written as JSON to --report).", ""},
        footer = {"",
            "TIME: an ISO-8601 instant (2026-11-01T00:00:00Z; offsets and fractions of a second allowed) or epoch "
                    + "milliseconds.",
            "Every option, the stop rule, determinism and the report: docs/BACKTESTING.md."})
public final class ReplayCommand implements Callable<Integer> {

    private static final Logger LOG = LoggerFactory.getLogger(ReplayCommand.class);
    private static final String PREFIX = "scorestream replay: ";
    private static final DateTimeFormatter REPORT_STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss", Locale.ROOT)
            .withZone(ZoneOffset.UTC);

    @Spec
    CommandSpec spec;

    @Option(names = "--bootstrap", required = true, paramLabel = "HOST:PORT", description = "Kafka bootstrap servers.")
    String bootstrap;

    @Option(names = "--schema-registry", required = true, paramLabel = "URL",
            description = "Confluent-compatible schema registry of the feature, score and model topics.")
    String schemaRegistry;

    @Mixin
    SchemaRegistryOptions registryOptions = new SchemaRegistryOptions();

    @Option(names = "--client-config", paramLabel = "FILE",
            description = "Kafka client properties (e.g. security.protocol, sasl.*, ssl.*) for every client of the "
                    + "replay: its admin, its Kafka Streams application and its readers.")
    Path clientConfig;

    @Option(names = "--topic", required = true, paramLabel = "TOPIC",
            description = "The historical feature topic (Avro, Confluent wire format).")
    String topic;

    @Option(names = "--out", required = true, paramLabel = "TOPIC",
            description = "Where the scores go; created if missing.")
    String out;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Models models;

    @Option(names = "--from", paramLabel = "TIME", converter = ReplayOptions.TimeConverter.class,
            description = "First record time, inclusive (default: the beginning of each partition).")
    Instant from;

    @Option(names = "--to", paramLabel = "TIME", converter = ReplayOptions.TimeConverter.class,
            description = "End time, exclusive (default: the end of each partition when the replay starts).")
    Instant to;

    @Option(names = "--labels", paramLabel = "FIELD",
            description = "Event field with the true label (boolean, or a number 0 or 1): precision, recall, "
                    + "ROC AUC and the confusion matrix in the report.")
    String labels;

    @Option(names = "--model-topic", paramLabel = "TOPIC",
            description = "The model topic the versions and the history are read from.")
    String modelTopic = ReplayOptions.DEFAULT_MODEL_TOPIC;

    @Option(names = "--report", paramLabel = "FILE",
            description = "The JSON report (default: replay-report-<yyyyMMdd-HHmmss>.json, UTC, in the working "
                    + "directory).")
    Path report;

    @Option(names = "--batch-max-records", paramLabel = "N",
            description = "The scoring batch size, 1 to 1000000: every batch is scored as N rows (a shorter one "
                    + "padded), so the scores do not depend on how batches are cut. Another N may change the "
                    + "last bits of some models' scores.")
    int batchMaxRecords = ReplayOptions.DEFAULT_BATCH_MAX_RECORDS;

    @Option(names = "--batch-max-wait-ms", paramLabel = "MS",
            description = "How long a batch waits to fill, 0 to 60000 ms; 0: a batch holds what one poll delivered. "
                    + "Speed only: the scores do not depend on it.")
    long batchMaxWaitMs = ReplayOptions.DEFAULT_BATCH_MAX_WAIT_MS;

    @Option(names = "--emit-features",
            description = "Each score carries the values of the aggregates (behavioural features) it was scored with "
                    + "(ScoreResult.features), computed over the replayed events as live scoring computes them: "
                    + "what to train the next model on.")
    boolean emitFeatures;

    @Option(names = "--event-id-field", paramLabel = "FIELD",
            description = "The input field copied into each score's event_id, as live scoring's event.id.field, so "
                    + "backtest scores join live ones by event (default: topic-partition@offset).")
    String eventIdField;

    @Option(names = "--repartition-by", paramLabel = "FIELD",
            description = "Replay a pipeline with repartition.by=FIELD: the range's events, merged from all "
                    + "partitions in event-time order (ties: partition, then offset), are rekeyed by FIELD through "
                    + "a temporary topic (<replay id>-rekeyed, deleted at the end), so each group's aggregates see "
                    + "its events in event-time order; events without FIELD are dead-lettered as live.")
    String repartitionBy;

    @Option(names = "--dead-letter-topic", paramLabel = "TOPIC",
            description = "Where records that cannot be scored go; created if missing (default: <out>-dlq).")
    String deadLetterTopic;

    /** What is replayed: given versions side by side, or the history. Exactly one of the two. */
    static final class Models {

        @Option(names = "--model", required = true, paramLabel = "NAME@VERSION",
                converter = ModelVersion.Converter.class,
                description = "Score every record with this version; repeat it (same NAME) to compare versions side by "
                        + "side, up to " + ReplayOptions.MAX_VERSIONS + ".")
        List<ModelVersion> versions;

        @Option(names = "--as-of", required = true, paramLabel = "NAME",
                description = "Score each record with the version of NAME live at its timestamp, per the model "
                        + "topic's history (canary rollouts routed by key as they were live).")
        String asOf;
    }

    /** One {@code --model NAME@VERSION}, both parts non-blank and trimmed. */
    record ModelVersion(String name, String version) {

        /** Splits at the last {@code @}. Stateless. */
        static final class Converter implements ITypeConverter<ModelVersion> {
            @Override
            public ModelVersion convert(String text) {
                final int at = text.lastIndexOf('@');
                if (at <= 0 || at == text.length() - 1 || text.substring(0, at).isBlank()
                        || text.substring(at + 1).isBlank()) {
                    throw new TypeConversionException("needs NAME@VERSION, got '" + text + "'");
                }
                return new ModelVersion(text.substring(0, at).trim(), text.substring(at + 1).trim());
            }
        }
    }

    /**
     * Runs one replay with scorestream's conventions ({@link CommandLines}), as the top of its own
     * command line; for callers in-process (the demo, tests).
     *
     * @param args the options after {@code replay}
     * @param out the report
     * @param err usage errors, warnings and the progress bar (rewritten in place when {@code err} is
     *     {@code System.err} and that is a terminal)
     * @return 0 done, 1 failed, 2 wrong command line (the message names the option)
     */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        return CommandLines.execute(new ReplayCommand(), args, out, err);
    }

    /**
     * Checks the options and runs the replay.
     *
     * @return 0 done, 1 failed (the message says why; nothing is reported)
     * @throws picocli.CommandLine.ParameterException a wrong command line, naming the option (exit 2)
     */
    @Override
    public Integer call() {
        final ReplayOptions options = options(Instant.now());
        final SchemaRegistry schemas = registryOptions.client(spec, "--schema-registry", options.schemaRegistryUrl());
        final PrintStream o = CommandLines.out(spec);
        final PrintStream err = CommandLines.err(spec);
        try {
            new Replay(options, clientConfig(), schemas, o, err,
                    err == System.err && CommandLines.stderrIsTerminal()).execute();
            return CommandLines.OK;
        } catch (ReplayUsageException e) {
            throw CommandLines.usage(spec, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println(PREFIX + "interrupted");
            return CommandLines.FAILED;
        } catch (ReplayException | ModelLoadException e) {
            LOG.error("Replay failed", e);
            err.println(PREFIX + "failed: " + e.getMessage());
            return CommandLines.FAILED;
        } catch (RuntimeException | ExecutionException | TimeoutException | IOException e) {
            LOG.error("Replay failed", e);
            err.println(PREFIX + "failed: " + e);
            return CommandLines.FAILED;
        }
    }

    /**
     * The options, checked: non-blank names (trimmed), {@code --from} before {@code --to}, the
     * versions of one model and each once, at most {@value ReplayOptions#MAX_VERSIONS}, a batch size
     * and wait in range, and four distinct topics.
     *
     * @param now the time the default report file name is stamped with
     * @throws picocli.CommandLine.ParameterException naming the first wrong option
     */
    ReplayOptions options(Instant now) {
        final String bootstrapServers = CommandLines.requireNonBlank(spec, "--bootstrap", bootstrap);
        final String registry = CommandLines.requireNonBlank(spec, "--schema-registry", schemaRegistry);
        final String input = CommandLines.requireNonBlank(spec, "--topic", topic);
        final String output = CommandLines.requireNonBlank(spec, "--out", out);
        if (from != null && to != null && !from.isBefore(to)) {
            throw CommandLines.usage(spec, "option --from (" + from + ") must be before --to (" + to + ")");
        }

        final String modelName;
        final Set<String> versions = new LinkedHashSet<>();
        if (models.asOf != null) {
            modelName = CommandLines.requireNonBlank(spec, "--as-of", models.asOf);
        } else {
            modelName = models.versions.get(0).name();
            for (ModelVersion m : models.versions) {
                if (!modelName.equals(m.name())) {
                    throw CommandLines.usage(spec, "option --model: every version must be of one model, got '"
                            + modelName + "' and '" + m.name() + "'");
                }
                if (!versions.add(m.version())) {
                    throw CommandLines.usage(spec, "option --model: version '" + m.version() + "' of '" + m.name()
                            + "' is given twice");
                }
            }
            if (versions.size() > ReplayOptions.MAX_VERSIONS) {
                throw CommandLines.usage(spec, "option --model: at most " + ReplayOptions.MAX_VERSIONS
                        + " versions can be replayed at once, got " + versions.size());
            }
        }

        final String specs = CommandLines.requireNonBlank(spec, "--model-topic", modelTopic);
        final String deadLetters = deadLetterTopic == null ? output + "-dlq"
                : CommandLines.requireNonBlank(spec, "--dead-letter-topic", deadLetterTopic);
        if (batchMaxRecords < 1 || batchMaxRecords > 1_000_000) {
            throw CommandLines.usage(spec, "option --batch-max-records must be within 1 and 1000000, got "
                    + batchMaxRecords);
        }
        if (batchMaxWaitMs < 0 || batchMaxWaitMs > ReplayOptions.MAX_BATCH_MAX_WAIT_MS) {
            throw CommandLines.usage(spec, "option --batch-max-wait-ms must be within 0 and "
                    + ReplayOptions.MAX_BATCH_MAX_WAIT_MS + ", got " + batchMaxWaitMs);
        }
        final String labelField = labels == null ? null : CommandLines.requireNonBlank(spec, "--labels", labels);
        final String idField = eventIdField == null ? null
                : CommandLines.requireNonBlank(spec, "--event-id-field", eventIdField);
        final String groupField = repartitionBy == null ? null
                : CommandLines.requireNonBlank(spec, "--repartition-by", repartitionBy);
        if (groupField != null && !groupField.chars().noneMatch(Character::isWhitespace)) {
            throw CommandLines.usage(spec, "option --repartition-by needs one field name (as repartition.by), got '"
                    + groupField + "'");
        }
        final Path reportFile = report != null ? report
                : Path.of("replay-report-" + REPORT_STAMP.format(now) + ".json");
        checkDistinct(input, output, deadLetters, specs);
        return new ReplayOptions(bootstrapServers, registry, input, from, to, modelName, new ArrayList<>(versions),
                models.asOf != null, output, labelField, specs, reportFile, batchMaxRecords, batchMaxWaitMs,
                deadLetters, emitFeatures, idField, groupField);
    }

    /**
     * The properties of {@code --client-config}, or none; {@code bootstrap.servers} in it is
     * ignored ({@code --bootstrap} wins).
     *
     * @throws picocli.CommandLine.ParameterException when the file is missing or unreadable
     */
    Map<String, Object> clientConfig() {
        final Map<String, Object> props = new HashMap<>();
        if (clientConfig == null) {
            return props;
        }
        if (!Files.isRegularFile(clientConfig)) {
            throw CommandLines.usage(spec, "--client-config file '" + clientConfig + "' does not exist");
        }
        final Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(clientConfig, StandardCharsets.UTF_8)) {
            p.load(r);
        } catch (IOException | IllegalArgumentException e) {
            // The message of Properties.load names no value, so no secret.
            throw CommandLines.usage(spec, "cannot read --client-config file '" + clientConfig + "': " + e.getMessage());
        }
        p.stringPropertyNames().forEach(k -> props.put(k, p.getProperty(k)));
        props.remove(org.apache.kafka.clients.CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG);
        return props;
    }

    private void checkDistinct(String input, String output, String deadLetters, String specs) {
        if (output.equals(input)) {
            throw CommandLines.usage(spec, "option --out must name another topic than --topic (" + input + ")");
        }
        if (deadLetters.equals(input) || deadLetters.equals(output)) {
            throw CommandLines.usage(spec, "option --dead-letter-topic must differ from --topic and --out, got '"
                    + deadLetters + "'");
        }
        if (specs.equals(input) || specs.equals(output) || specs.equals(deadLetters)) {
            throw CommandLines.usage(spec, "option --model-topic must differ from --topic, --out and "
                    + "--dead-letter-topic, got '" + specs + "'");
        }
    }
}
