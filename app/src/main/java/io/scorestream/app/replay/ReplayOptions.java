package io.scorestream.app.replay;

import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * The command line of {@code scorestream replay}, parsed and checked ({@link ReplayCommand}
 * builds it). Immutable.
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
 * @param batchMaxRecords the scoring processor's batch size: every batch is scored as this many rows
 * @param batchMaxWaitMs how long a batch waits to fill, in wall-clock milliseconds; 0 = it holds what
 *     one poll loop delivered. Changes how batches are cut, never the scores
 * @param deadLetterTopic where records that cannot be scored go (created if missing)
 * @param emitFeatures whether each score carries the values of the aggregates it was scored with
 * @param eventIdField the input field copied into each score's {@code event_id} (as live scoring's
 *     {@code event.id.field}); null = {@code topic-partition@offset}
 * @param repartitionBy the event field the aggregates' events are grouped by before scoring (as live
 *     scoring's {@code repartition.by}): the range is first merged in event-time order and rekeyed
 *     through a temporary topic ({@link ReplayRekey}); null = the input is scored as keyed
 */
record ReplayOptions(String bootstrap, String schemaRegistryUrl, String topic, Instant from, Instant to,
                            String modelName, List<String> versions, boolean asOf, String out, String labels,
                            String modelTopic, Path report, int batchMaxRecords, long batchMaxWaitMs,
                            String deadLetterTopic, boolean emitFeatures, String eventIdField,
                            String repartitionBy) {

    /** The model topic when {@code --model-topic} is not given. */
    public static final String DEFAULT_MODEL_TOPIC = "model-specs";
    /** Batch size when {@code --batch-max-records} is not given. */
    public static final int DEFAULT_BATCH_MAX_RECORDS = 1024;
    /** Batch wait when {@code --batch-max-wait-ms} is not given: a batch holds what one poll loop delivered. */
    public static final long DEFAULT_BATCH_MAX_WAIT_MS = 0;
    /** Largest {@code --batch-max-wait-ms}. */
    public static final long MAX_BATCH_MAX_WAIT_MS = 60_000;
    /** Most versions one replay scores side by side (one processor lane each). */
    public static final int MAX_VERSIONS = 31;

    private static final Pattern DIGITS = Pattern.compile("-?[0-9]+");

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
     * The exception for a command line that names what is not there (a topic, a version):
     * {@code message} names the option; the command exits with code 2.
     */
    static ReplayUsageException usage(String message) {
        return new ReplayUsageException(message);
    }

    /**
     * Parses a {@code --from}/{@code --to} value: an ISO-8601 instant ({@code 2026-11-01T00:00:00Z},
     * offsets such as {@code +01:00} and fractions of a second allowed) or epoch milliseconds.
     *
     * @throws TypeConversionException when it is neither (picocli names the option)
     */
    static Instant parseTime(String text) {
        final String t = text.trim();
        if (DIGITS.matcher(t).matches()) {
            try {
                return Instant.ofEpochMilli(Long.parseLong(t));
            } catch (NumberFormatException e) {
                throw new TypeConversionException("epoch milliseconds out of range: '" + text + "'");
            }
        }
        try {
            return DateTimeFormatter.ISO_OFFSET_DATE_TIME.parse(t, Instant::from);
        } catch (DateTimeParseException e) {
            throw new TypeConversionException("needs an ISO-8601 instant (e.g. 2026-11-01T00:00:00Z) or epoch "
                    + "milliseconds, got '" + text + "'");
        }
    }

    /** Converts a TIME option: {@link #parseTime}. Stateless. */
    static final class TimeConverter implements ITypeConverter<Instant> {
        @Override
        public Instant convert(String text) {
            return parseTime(text);
        }
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
