package io.scorestream.app.stack;

import io.scorestream.app.config.KafkaStreamsConfig;
import io.scorestream.app.config.ModelsConfig;
import io.scorestream.app.config.SchemaRegistryConfig;
import io.scorestream.app.config.TopicsConfig;
import io.scorestream.testkit.ConnectorStatus;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;

/**
 * What {@code scorestream local} tells its user: a configuration file for {@code scorestream run}
 * against the stack, written into the data directory, and the stack's addresses with the exact
 * commands to use it. Stateless.
 */
public final class StackGuide {

    /** The file {@link #writeRunConfig} writes, in the stack's data directory. */
    public static final String RUN_CONFIG = "scorestream-local.properties";
    /** The {@code application.id} of that configuration. */
    public static final String APPLICATION_ID = "scorestream-local";
    /** The query the guide shows on the sink's table. */
    public static final String EXAMPLE_SQL = "select key, score, decision, model_name, model_version from "
            + LocalStack.SINK_TABLE + " order by score desc limit 10";

    private StackGuide() {
    }

    /**
     * Writes (or rewrites) {@value #RUN_CONFIG} into the stack's data directory: the stack's
     * broker, registry and topics, {@code model.name}, and a state directory beside it.
     *
     * @param modelName the model the application scores with
     * @return the file
     * @throws UncheckedIOException if it cannot be written
     */
    public static Path writeRunConfig(LocalStack stack, String modelName) {
        Objects.requireNonNull(modelName, "modelName");
        final StackTopics t = stack.topics();
        final String text = String.join("\n",
                "# Written by 'scorestream local' for the stack it runs; use it with:",
                "#   scorestream run --config " + stack.dataDir().resolve(RUN_CONFIG),
                "# Every key: scorestream config-doc. --set KEY=VALUE overrides one.",
                KafkaStreamsConfig.BOOTSTRAP_SERVERS_CONFIG + "=" + stack.bootstrapServers(),
                SchemaRegistryConfig.SCHEMA_REGISTRY_URL_CONFIG + "=" + stack.registryUrl(),
                KafkaStreamsConfig.APPLICATION_ID_CONFIG + "=" + APPLICATION_ID,
                TopicsConfig.INPUT_TOPICS_CONFIG + "=" + t.input(),
                TopicsConfig.OUTPUT_TOPIC_CONFIG + "=" + t.scores(),
                TopicsConfig.DEAD_LETTER_TOPIC_CONFIG + "=" + t.deadLetters(),
                TopicsConfig.MODEL_TOPIC_CONFIG + "=" + t.models(),
                ModelsConfig.MODEL_NAME_CONFIG + "=" + modelName,
                "# The field that identifies an event, copied into its score (default: topic-partition@offset):",
                "#" + TopicsConfig.EVENT_ID_FIELD_CONFIG + "=transaction_id",
                KafkaStreamsConfig.STATE_DIR_CONFIG + "=" + stack.dataDir().resolve("app-state"),
                "# Kafka Streams leaves its group only when the session times out (45 s by default): a 'run'",
                "# stopped and started again scores after 10 s instead.",
                "kafka.consumer.session.timeout.ms=10000",
                "");
        final Path file = stack.dataDir().resolve(RUN_CONFIG);
        try {
            Files.writeString(file, text, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write " + file, e);
        }
        return file;
    }

    /**
     * Prints the stack's parts, topics and data directory, then the commands to use it.
     *
     * @param runConfig the file from {@link #writeRunConfig}
     * @param modelName the model name in it
     */
    public static void print(LocalStack stack, Path runConfig, String modelName, PrintStream out) {
        final StackTopics t = stack.topics();
        final String o = "--bootstrap " + stack.bootstrapServers() + " --schema-registry " + stack.registryUrl();
        out.println("scorestream local: the parts run until Ctrl-C");
        out.printf(Locale.ROOT, "  kafka       %-26s KRaft broker, single node%n", stack.bootstrapServers());
        out.printf(Locale.ROOT, "  registry    %-26s Confluent-compatible schema registry%n", stack.registryUrl());
        if (stack.hasSink()) {
            final ConnectorStatus sink = stack.sinkStatus();
            out.printf(Locale.ROOT, "  postgres    %s (PostgreSQL 14; JDBC %s)%n", stack.postgresUri(),
                    stack.jdbcUrl());
            out.printf(Locale.ROOT, "  connect     %-26s Kafka Connect, distributed, group %s%n", stack.connectUrl(),
                    LocalStack.CONNECT_GROUP);
            out.printf(Locale.ROOT, "  sink        %s %s: topic '%s' -> table '%s' (upsert; read_committed; "
                    + "bad records to '%s')%n", LocalStack.SINK_CONNECTOR, sink.state(), t.scores(),
                    LocalStack.SINK_TABLE, t.sinkDeadLetters());
        }
        out.printf(Locale.ROOT, "  topics      %s (%d partitions), %s (%d), %s (1), %s (1, compacted)%s%n", t.input(),
                t.partitions(), t.scores(), t.partitions(), t.deadLetters(), t.models(),
                stack.hasSink() ? ", " + t.sinkDeadLetters() + " (1)" : "");
        if (stack.keepsData()) {
            out.printf(Locale.ROOT, "  data        %s (kept: topics, tables, and schemas in %s)%n", stack.dataDir(),
                    LocalStack.SCHEMA_JOURNAL);
        } else {
            out.printf(Locale.ROOT, "  data        %s (temporary, deleted at exit; --data-dir DIR keeps it)%n",
                    stack.dataDir());
        }
        out.printf(Locale.ROOT, "  run config  %s%n", runConfig);
        out.println();
        out.println("Use it from another terminal (placeholders in capitals):");
        out.printf(Locale.ROOT, "  O=\"%s\"%n", o);
        out.printf(Locale.ROOT, "  # 1. events onto '%s' from a CSV or JSON Lines file (--infer guesses the schema; "
                + "or --schema FILE.avsc)%n", t.input());
        out.printf(Locale.ROOT, "  bin/scorestream load EVENTS.csv --topic %s $O --infer --write-schema events.avsc "
                + "--key KEY_COLUMN%n", t.input());
        out.printf(Locale.ROOT, "  # 2. a model onto '%s', checked against the events' schema%n", t.models());
        out.printf(Locale.ROOT, "  bin/scorestream models publish $O%s --name %s --version 1 --onnx MODEL.onnx "
                + "--input INPUT=FIELD1,FIELD2,... --output OUTPUT --feature-topic %s%n",
                modelTopicOption(t, "--topic"), modelName, t.input());
        out.printf(Locale.ROOT, "  # 3. score live: '%s' -> '%s'%s%n", t.input(), t.scores(),
                stack.hasSink() ? " -> table '" + LocalStack.SINK_TABLE + "'" : "");
        out.printf(Locale.ROOT, "  bin/scorestream run --config %s%n", runConfig);
        out.printf(Locale.ROOT, "  # 4. backtest: the version over everything on '%s', against a label column%n",
                t.input());
        out.printf(Locale.ROOT, "  bin/scorestream replay $O%s --topic %s --model %s@1 --labels LABEL_COLUMN "
                + "--out backtest-%s-1 --report backtest-%s-1.json%n", modelTopicOption(t, "--model-topic"), t.input(),
                modelName, modelName, modelName);
        if (stack.hasSink()) {
            out.println("  # 5. the scores in PostgreSQL (psql may not be installed; any PostgreSQL client takes "
                    + "this URL)");
            out.printf(Locale.ROOT, "  psql %s -c '%s'%n", stack.postgresUri(), EXAMPLE_SQL);
            out.printf(Locale.ROOT, "  curl -s %sconnectors/%s/status%n", stack.connectUrl(),
                    LocalStack.SINK_CONNECTOR);
        }
        out.printf(Locale.ROOT, "  curl -s %s/subjects%n", stack.registryUrl());
        out.flush();
    }

    /** {@code " <option> <model topic>"}, or nothing for the commands' default model topic. */
    private static String modelTopicOption(StackTopics t, String option) {
        return t.models().equals(StackTopics.DEFAULTS.models()) ? "" : " " + option + " " + t.models();
    }
}
