package io.scorestream.app.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import io.scorestream.topology.PipelineSettings;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.ConfigKey;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;

/**
 * The Markdown documentation of a {@link ScorestreamConfig} definition, {@code docs/CONFIGURATION.md}:
 * how values are read, then one table per group, the groups in the order of their first key in the
 * definition and the keys of a group in their order in it; the {@link PipelinesConfig} pattern keys
 * close the {@value PipelinesConfig#GROUP} table. Stateless and thread-safe.
 */
final class ConfigDocumentation {

    private static final String INTRODUCTION = "# Configuration\n\n"
            + "Every setting of scorestream, generated from `ScorestreamConfig` "
            + "(regenerate this file with `bin/scorestream config-doc > docs/CONFIGURATION.md`).\n\n"
            + "Values are read from a properties file (UTF-8), then from environment variables, "
            + "then from command-line overrides; later sources win. The environment variable of a "
            + "key is `SCORESTREAM_` and the key upper-cased with `.` replaced by `_`: "
            + "`SCORESTREAM_BATCH_MAX_RECORDS` sets `batch.max.records`. Unknown keys and unknown "
            + "`SCORESTREAM_*` variables fail the start, as do invalid values; the message names "
            + "the key.\n\n"
            + "Any key starting with `kafka.` is passed, prefix stripped, to every Kafka client and "
            + "to Kafka Streams: `kafka.security.protocol=SASL_SSL`, `kafka.sasl.jaas.config=...`, "
            + "`kafka.ssl.truststore.location=...` (environment: `SCORESTREAM_KAFKA_SECURITY_PROTOCOL`). "
            + "The setting must be one Kafka knows (of a producer, consumer or admin client or of Kafka "
            + "Streams, also behind a Kafka Streams prefix such as `producer.` or `topic.`): an unknown one, "
            + "`kafka.linger.mss`, fails the start with the closest known key, unless `kafka.config.unknown=warn` "
            + "(then it is logged and passed on). "
            + "Kafka Streams' producer gets `linger.ms` = `batch.max.wait.ms` (each pipeline's own), capped at "
            + "100 (Kafka Streams' default), unless `kafka.linger.ms` or `kafka.producer.linger.ms` is set; "
            + "`config-doc --config FILE` prints the value each pipeline gets. "
            + "It also gets `batch.size` = " + KafkaStreamsConfig.DEFAULT_PRODUCER_BATCH_SIZE + " (Kafka's default is "
            + KafkaStreamsConfig.KAFKA_PRODUCER_BATCH_SIZE + ": a batch every hundred scores or so), "
            + "or `kafka.max.request.size` when that is set lower, unless `kafka.batch.size` or "
            + "`kafka.producer.batch.size` is set. "
            + "Values of keys containing `password`, `jaas`, `secret`, `key`, `user.info`, "
            + "`credential` or `token` are never logged.\n\n"
            + "Several pipelines (models) in one application: `pipelines=fraud,credit` declares them, "
            + "and each is configured by the `pipeline.<name>.*` keys of the Pipelines table, which "
            + "default to the global keys of the same name. A `pipeline.<name>.*` key of an "
            + "undeclared pipeline, or with an unknown setting, fails the start. Their environment "
            + "variables follow the same rule (`SCORESTREAM_PIPELINE_FRAUD_BATCH_MAX_RECORDS` sets "
            + "`pipeline.fraud.batch.max.records`), so they work for pipeline names without upper-case "
            + "letters and without `_`.\n";

    private static final String TABLE_HEADER = "| Key | Type | Default | Valid values | Importance | Description |\n"
            + "|---|---|---|---|---|---|\n";

    private ConfigDocumentation() {
    }

    /** The documentation of every key of {@code def}, and of the pipelines' pattern keys. */
    static String markdown(final ConfigDef def) {
        final Map<String, StringBuilder> tables = new LinkedHashMap<>();
        for (final String group : groups(def)) {
            tables.put(group, new StringBuilder());
        }
        for (final ConfigKey k : sortedByGroup(def)) {
            row(tables.get(k.group), "`" + k.name + "`", k.type, defaultText(k), validValuesText(k), k.importance,
                    k.documentation);
        }
        final StringBuilder pipelineTable = tables.computeIfAbsent(PipelinesConfig.GROUP, g -> new StringBuilder());
        for (final PipelinesConfig.PatternKey pk : PipelinesConfig.PATTERN_KEYS) {
            row(pipelineTable, "`" + PipelinesConfig.pipelineKey("<name>", pk.suffix()) + "`", pk.type(),
                    pk.required() ? "*required*" : "as `" + pk.suffix() + "`", pk.validator().toString(),
                    pk.importance(), pk.doc());
        }
        final StringBuilder md = new StringBuilder(16 * 1024).append(INTRODUCTION);
        for (final Map.Entry<String, StringBuilder> table : tables.entrySet()) {
            md.append("\n## ").append(table.getKey()).append("\n\n").append(TABLE_HEADER).append(table.getValue());
        }
        return md.toString();
    }

    /**
     * The values a configuration derives from its keys, as Markdown: per pipeline, its Kafka Streams
     * application id and its producer's {@code linger.ms} with where that comes from; the producers'
     * {@code batch.size} and where it comes from; then what the
     * processing guarantee means for the latency. Reads {@code config} only (no state directory is
     * created).
     */
    static String effective(final ScorestreamConfig config) {
        final KafkaStreamsConfig kafka = config.kafka();
        final StringBuilder md = new StringBuilder(1024)
                .append("# Effective settings\n\n")
                .append("What `run` derives from this configuration (file, environment and `--set`), per ")
                .append("pipeline; each runs in a Kafka Streams client of its own.\n\n")
                .append("| Pipeline | Kafka Streams application id | Producer `linger.ms` | From |\n")
                .append("|---|---|--:|---|\n");
        for (final PipelineSettings p : config.pipelines()) {
            final KafkaStreamsConfig.ProducerLinger linger = kafka.producerLinger(p.name());
            md.append("| ").append(cell(p.name())).append(" | ").append(cell(kafka.applicationId(p.name())))
                    .append(" | ").append(linger.lingerMs()).append(" | ").append(cell(linger.origin())).append(" |\n");
        }
        final KafkaStreamsConfig.ProducerBatchSize batchSize = kafka.producerBatchSize();
        md.append("\nProducer `batch.size` of every pipeline: ").append(batchSize.bytes()).append(" bytes, ")
                .append(batchSize.origin()).append(".\n\n");
        if (kafka.exactlyOnce()) {
            md.append(String.format(Locale.ROOT, "`processing.guarantee=exactly_once_v2`: scores become visible to "
                    + "`read_committed` consumers when their transaction commits, every `commit.interval.ms` (%d ms), "
                    + "which bounds the end-to-end latency; the producer's `linger.ms` matters little there.\n",
                    kafka.commitIntervalMs()));
        } else {
            md.append("`processing.guarantee=at_least_once`: a score is sent when its batch is scored, after at ")
                    .append("most the producer's `linger.ms`.\n");
        }
        return md.toString();
    }

    /** The groups of {@code def}, in the order of their first key. */
    static List<String> groups(final ConfigDef def) {
        final List<String> groups = new ArrayList<>();
        for (final ConfigKey k : def.configKeys().values()) {
            if (!groups.contains(k.group)) {
                groups.add(k.group);
            }
        }
        return groups;
    }

    private static List<ConfigKey> sortedByGroup(final ConfigDef def) {
        final List<String> groups = groups(def);
        final List<ConfigKey> keys = new ArrayList<>(def.configKeys().values());
        keys.sort((x, y) -> x.group.equals(y.group)
                ? Integer.compare(x.orderInGroup, y.orderInGroup)
                : Integer.compare(groups.indexOf(x.group), groups.indexOf(y.group)));
        return keys;
    }

    private static void row(final StringBuilder table, final String key, final Type type, final String defaultText,
                            final String validValues, final Importance importance, final String doc) {
        table.append("| ").append(cell(key)).append(" | ")
                .append(type.name().toLowerCase(Locale.ROOT)).append(" | ")
                .append(cell(defaultText)).append(" | ")
                .append(prose(validValues)).append(" | ")
                .append(importance.name().toLowerCase(Locale.ROOT)).append(" | ")
                .append(prose(doc)).append(" |\n");
    }

    private static String defaultText(final ConfigKey k) {
        if (!k.hasDefault()) {
            return "*required*";
        }
        if (PipelinesConfig.REPLACED_BY_PIPELINES.contains(k.name)) {
            return "*required* without `" + PipelinesConfig.PIPELINES_CONFIG + "`";
        }
        if (k.defaultValue == null) {
            return "*none*";
        }
        final String text = ConfigDef.convertToString(k.defaultValue, k.type);
        return text.isEmpty() ? "*empty*" : "`" + text + "`";
    }

    private static String validValuesText(final ConfigKey k) {
        if (k.validator != null) {
            return k.validator.toString();
        }
        return k.type == Type.BOOLEAN ? "true, false" : "any";
    }

    /** Makes plain text (no code spans) safe inside one Markdown table cell: {@code <name>} is no HTML tag. */
    private static String prose(final String text) {
        return cell(text).replace("<", "&lt;");
    }

    /** Makes text safe inside one Markdown table cell. */
    private static String cell(final String text) {
        return text.replace("\\", "\\\\").replace("|", "\\|").replace("\r", " ").replace("\n", " ");
    }
}
