package io.scorestream.app.replay;

import io.scorestream.app.cli.Args;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The command line of {@code scorestream replay}, parsed and checked. Immutable.
 *
 * <p>Exactly one of {@link #versions()} (from {@code --model NAME@VERSION}, repeatable) and
 * {@link #asOf()} (from {@code --as-of NAME}) is given. Times are inclusive ({@code from}) and
 * exclusive ({@code to}) bounds on record timestamps, resolved to offsets when the replay starts.
 *
 * @param bootstrap Kafka bootstrap servers
 * @param schemaRegistryUrl base URL of the Confluent-compatible schema registry
 * @param topic the historical feature topic read
 * @param from first record time (inclusive); null = the beginning of every partition
 * @param to end time (exclusive); null = the end offsets captured when the replay starts
 * @param modelName the model replayed (the {@code NAME} of {@code --model} or {@code --as-of})
 * @param versions the versions scored side by side, in the order given; empty with {@code --as-of}
 * @param asOf whether each event is scored by what was live at its timestamp
 * @param out where the scores go (created, with the input's partition count, if missing)
 * @param labels the event field holding the true label (boolean, or 0/1 number); null = none
 * @param modelTopic the model topic the versions and their history are read from
 * @param report where the JSON report is written
 * @param batchMaxRecords the scoring processor's batch size
 * @param deadLetterTopic where records that cannot be scored go (created if missing)
 */
record ReplayOptions(String bootstrap, String schemaRegistryUrl, String topic, Instant from, Instant to,
                            String modelName, List<String> versions, boolean asOf, String out, String labels,
                            String modelTopic, Path report, int batchMaxRecords, String deadLetterTopic) {

    /** The model topic when {@code --model-topic} is not given. */
    public static final String DEFAULT_MODEL_TOPIC = "model-specs";
    /** Batch size when {@code --batch-max-records} is not given. */
    public static final int DEFAULT_BATCH_MAX_RECORDS = 1024;
    /** Most versions one replay scores side by side (one processor lane each). */
    public static final int MAX_VERSIONS = 31;

    static final String USAGE = String.join(System.lineSeparator(),
            "usage: scorestream replay --bootstrap HOST:PORT --schema-registry URL --topic TOPIC --out TOPIC",
            "           (--model NAME@VERSION [--model NAME@VERSION ...] | --as-of NAME)",
            "           [--from TIME] [--to TIME] [--labels FIELD] [--model-topic TOPIC]",
            "           [--report FILE.json] [--batch-max-records N] [--dead-letter-topic TOPIC]",
            "",
            "  Scores the records of TOPIC between --from and --to once, deterministically, writes the scores",
            "  to --out, stops by itself and prints a report (also written as JSON to --report).",
            "",
            "  --model NAME@VERSION   score every record with this version (repeat to compare versions)",
            "  --as-of NAME           score each record with the version live at its timestamp, per the",
            "                         model topic's history (canary rollouts routed by key as live)",
            "  --from TIME            first record time, inclusive (default: the beginning)",
            "  --to TIME              end time, exclusive (default: the end of the topic when the replay starts)",
            "                         TIME = ISO-8601 instant (2026-11-01T00:00:00Z) or epoch milliseconds",
            "  --labels FIELD         event field with the true label (boolean or 0/1): precision, recall, AUC",
            "  --model-topic TOPIC    the model topic (" + DEFAULT_MODEL_TOPIC + ")",
            "  --report FILE.json     the JSON report (replay-report-<timestamp>.json)",
            "  --batch-max-records N  scoring batch size (" + DEFAULT_BATCH_MAX_RECORDS + "); the scores do not depend on it",
            "  --dead-letter-topic T  where unscorable records go (<out>-dlq)");

    private static final Set<String> WITH_VALUE = Set.of("bootstrap", "schema-registry", "topic", "from", "to",
            "model", "as-of", "out", "labels", "model-topic", "report", "batch-max-records", "dead-letter-topic");
    private static final Set<String> REPEATABLE = Set.of("model");
    /** The sub-command, which starts every usage message. */
    private static final String COMMAND = "replay";
    private static final Pattern DIGITS = Pattern.compile("-?[0-9]+");
    private static final DateTimeFormatter REPORT_STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss", Locale.ROOT)
            .withZone(ZoneOffset.UTC);

    public ReplayOptions {
        Objects.requireNonNull(bootstrap, "bootstrap");
        Objects.requireNonNull(schemaRegistryUrl, "schemaRegistryUrl");
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(modelName, "modelName");
        versions = List.copyOf(versions);
        Objects.requireNonNull(out, "out");
        Objects.requireNonNull(modelTopic, "modelTopic");
        Objects.requireNonNull(report, "report");
        Objects.requireNonNull(deadLetterTopic, "deadLetterTopic");
        if (asOf == !versions.isEmpty()) {
            throw new IllegalArgumentException("exactly one of versions and asOf must be given");
        }
    }

    /**
     * The exception for a wrong command line: {@code "replay: "} and {@code message}, which names
     * the option; the command exits with code 2.
     */
    static Args.UsageException usage(String message) {
        return new Args.UsageException(COMMAND + ": " + message);
    }

    /**
     * Parses and checks {@code args} ({@code --name value} or {@code --name=value}; only
     * {@code --model} may be repeated).
     *
     * @param now the time the default report file name is stamped with
     * @return null when {@code --help} (or {@code -h}) was asked for
     * @throws Args.UsageException naming the first wrong option
     */
    public static ReplayOptions parse(String[] args, Instant now) {
        for (String arg : args) {
            if ("--help".equals(arg) || "-h".equals(arg)) {
                return null;
            }
        }
        final Args values = Args.parseStrict(COMMAND, args, WITH_VALUE, Set.of(), REPEATABLE);

        final String bootstrap = required(values, "bootstrap");
        final String registry = required(values, "schema-registry");
        final String topic = required(values, "topic");
        final String out = required(values, "out");
        final Instant from = optional(values, "from") == null ? null : parseTime("from", optional(values, "from"));
        final Instant to = optional(values, "to") == null ? null : parseTime("to", optional(values, "to"));
        if (from != null && to != null && !from.isBefore(to)) {
            throw usage("option --from (" + from + ") must be before --to (" + to + ")");
        }

        final List<String> modelArgs = values.all("model");
        final String asOfName = optional(values, "as-of");
        if (modelArgs.isEmpty() == (asOfName == null)) {
            throw usage(asOfName == null
                    ? "one of --model NAME@VERSION and --as-of NAME is required"
                    : "options --model and --as-of exclude each other: give versions, or replay the history");
        }
        String modelName = asOfName;
        final Set<String> versions = new LinkedHashSet<>();
        for (String m : modelArgs) {
            final int at = m.lastIndexOf('@');
            if (at <= 0 || at == m.length() - 1 || m.isBlank()) {
                throw usage("option --model needs NAME@VERSION, got '" + m + "'");
            }
            final String name = m.substring(0, at).trim();
            final String version = m.substring(at + 1).trim();
            if (modelName != null && !modelName.equals(name)) {
                throw usage("option --model: every version must be of one model, got '" + modelName
                        + "' and '" + name + "'");
            }
            modelName = name;
            if (!versions.add(version)) {
                throw usage("option --model: version '" + version + "' of '" + name + "' is given twice");
            }
        }
        if (versions.size() > MAX_VERSIONS) {
            throw usage("option --model: at most " + MAX_VERSIONS + " versions can be replayed at once, got "
                    + versions.size());
        }
        if (modelName.isBlank()) {
            throw usage("option --as-of needs a model name");
        }

        final String modelTopic = optionalOr(values, "model-topic", DEFAULT_MODEL_TOPIC);
        final String deadLetters = optionalOr(values, "dead-letter-topic", out + "-dlq");
        final int batch = parseBatch(values);
        final String labels = optional(values, "labels");
        if (labels != null && labels.isBlank()) {
            throw usage("option --labels needs a field name");
        }
        final Path report;
        try {
            report = Path.of(optionalOr(values, "report", "replay-report-" + REPORT_STAMP.format(now) + ".json"));
        } catch (InvalidPathException e) {
            throw usage("option --report: not a file path: " + e.getMessage());
        }
        checkDistinct(topic, out, deadLetters, modelTopic);
        return new ReplayOptions(bootstrap, registry, topic, from, to, modelName, List.copyOf(versions),
                asOfName != null, out, labels, modelTopic, report, batch, deadLetters);
    }

    /**
     * Parses a {@code --from}/{@code --to} value: an ISO-8601 instant ({@code 2026-11-01T00:00:00Z},
     * offsets such as {@code +01:00} allowed) or epoch milliseconds.
     *
     * @throws Args.UsageException naming {@code option} when it is neither
     */
    public static Instant parseTime(String option, String text) {
        final String t = text.trim();
        if (DIGITS.matcher(t).matches()) {
            try {
                return Instant.ofEpochMilli(Long.parseLong(t));
            } catch (NumberFormatException e) {
                throw usage("option --" + option + ": epoch milliseconds out of range: '" + text + "'");
            }
        }
        try {
            return DateTimeFormatter.ISO_OFFSET_DATE_TIME.parse(t, Instant::from);
        } catch (DateTimeParseException e) {
            throw usage("option --" + option + " needs an ISO-8601 instant (e.g. 2026-11-01T00:00:00Z) or "
                    + "epoch milliseconds, got '" + text + "'");
        }
    }

    private static int parseBatch(Args values) {
        final long n = values.longValue("batch-max-records", DEFAULT_BATCH_MAX_RECORDS, Long.MIN_VALUE);
        if (n < 1 || n > 1_000_000) {
            throw usage("option --batch-max-records must be within 1 and 1000000, got " + n);
        }
        return (int) n;
    }

    private static void checkDistinct(String topic, String out, String deadLetters, String modelTopic) {
        if (out.equals(topic)) {
            throw usage("option --out must name another topic than --topic (" + topic + ")");
        }
        if (deadLetters.equals(topic) || deadLetters.equals(out)) {
            throw usage("option --dead-letter-topic must differ from --topic and --out, got '"
                    + deadLetters + "'");
        }
        if (modelTopic.equals(topic) || modelTopic.equals(out) || modelTopic.equals(deadLetters)) {
            throw usage("option --model-topic must differ from --topic, --out and --dead-letter-topic, got '"
                    + modelTopic + "'");
        }
    }

    private static String required(Args values, String name) {
        return values.required(name).trim();
    }

    private static String optional(Args values, String name) {
        return values.get(name, null);
    }

    private static String optionalOr(Args values, String name, String fallback) {
        final String v = optional(values, name);
        if (v != null && v.isBlank()) {
            throw usage("option --" + name + " needs a value");
        }
        return v == null ? fallback : v.trim();
    }

    /** {@code NAME@VERSION, ...} or {@code NAME (as of each event's time)}, for messages and the report. */
    public String describeModels() {
        if (asOf) {
            return modelName + " (as of each event's time)";
        }
        final List<String> named = new ArrayList<>();
        for (String v : versions) {
            named.add(modelName + "@" + v);
        }
        return String.join(", ", named);
    }
}
