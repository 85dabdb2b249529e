package io.scorestream.app.stack;

import io.scorestream.app.command.CommandLines;
import io.scorestream.app.command.ScorestreamVersion;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code scorestream local}: a {@link LocalStack} on fixed ports, standing until the JVM is asked
 * to stop (Ctrl-C, SIGTERM), when a shutdown hook closes it (Connect, PostgreSQL, the registry, the
 * broker, in that order; the embedded PostgreSQL library's own hook may stop PostgreSQL at the same
 * time, which at worst leaves the sink's last batch to be written again at the next start). Writes
 * a {@code scorestream run} configuration into the data directory and prints the commands to use
 * the stack ({@link StackGuide}). A taken port, or a wrong option, exits 2 naming the option. A new
 * instance per command line; not thread-safe.
 */
@Command(name = "local", mixinStandardHelpOptions = true, versionProvider = ScorestreamVersion.class,
        sortOptions = false, sortSynopsis = false, showDefaultValues = true,
        description = {"Runs the real parts as a local stack until stopped (Ctrl-C).",
            "A Kafka broker (KRaft), a Confluent-compatible schema registry, PostgreSQL and a Kafka Connect worker "
                    + "running the JDBC sink from the scores topic into table 'scores', on fixed ports of 127.0.0.1, "
                    + "with the input, scores, dead-letter and model topics created. Prints the commands to load "
                    + "events, publish a model, score and backtest against it, and writes a configuration for "
                    + "'scorestream run' into the data directory.", ""},
        footer = {"", "With --data-dir the broker's topics, PostgreSQL's tables and the registry's schemas (a journal "
                + "file, registry/schemas.jsonl, replayed at start) stay there for the next start; without it, a "
                + "temporary directory is deleted at exit. Port 0 picks a free port."})
public final class LocalCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "Keep the data here between runs (default: a temporary directory, deleted at exit).")
    Path dataDir;

    @Option(names = "--kafka-port", paramLabel = "PORT", description = "The broker's port.")
    int kafkaPort = StackPorts.DEFAULTS.kafka();

    @Option(names = "--registry-port", paramLabel = "PORT", description = "The schema registry's port.")
    int registryPort = StackPorts.DEFAULTS.registry();

    @Option(names = "--postgres-port", paramLabel = "PORT", description = "PostgreSQL's port.")
    int postgresPort = StackPorts.DEFAULTS.postgres();

    @Option(names = "--connect-port", paramLabel = "PORT", description = "The Kafka Connect worker's REST port.")
    int connectPort = StackPorts.DEFAULTS.connect();

    @Option(names = "--input-topic", paramLabel = "TOPIC", description = "The topic of the events to score.")
    String inputTopic = StackTopics.DEFAULTS.input();

    @Option(names = "--scores-topic", paramLabel = "TOPIC", description = "The scores topic (read by the sink).")
    String scoresTopic = StackTopics.DEFAULTS.scores();

    @Option(names = "--dead-letter-topic", paramLabel = "TOPIC", description = "The application's dead-letter topic.")
    String deadLetterTopic = StackTopics.DEFAULTS.deadLetters();

    @Option(names = "--model-topic", paramLabel = "TOPIC", description = "The compacted model topic.")
    String modelTopic = StackTopics.DEFAULTS.models();

    @Option(names = "--partitions", paramLabel = "N", description = "Partitions of the input and scores topics.")
    int partitions = StackTopics.DEFAULTS.partitions();

    @Option(names = "--model-name", paramLabel = "NAME",
            description = "The model the written 'scorestream run' configuration scores with.")
    String modelName = "fraud";

    @Override
    public Integer call() throws InterruptedException {
        final StackPorts ports = ports();
        final StackTopics topics = topics();
        final String model = CommandLines.requireNonBlank(spec, "--model-name", modelName);
        if (dataDir != null && Files.exists(dataDir) && !Files.isDirectory(dataDir)) {
            throw CommandLines.usage(spec, "option --data-dir: '" + dataDir + "' is a file, not a directory");
        }
        final LocalStack.Builder builder = LocalStack.builder().ports(ports).topics(topics);
        if (dataDir != null) {
            builder.dataDir(dataDir);
        }
        final LocalStack stack;
        try {
            stack = builder.start();
        } catch (LocalStack.PortTakenException e) {
            final String option = option(e.part());
            throw CommandLines.usage(spec, e.getMessage() + ": stop what listens there, or choose another port with "
                    + option + " (" + option + " 0 picks a free one)");
        }
        final CountDownLatch closed = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                stack.close();
            } finally {
                closed.countDown();
            }
        }, "scorestream-local-shutdown"));
        final PrintStream out = CommandLines.out(spec);
        StackGuide.print(stack, StackGuide.writeRunConfig(stack, model), model, out);
        // Until the shutdown hook has closed the stack; the JVM exits once the hooks are done.
        closed.await();
        return CommandLines.OK;
    }

    private StackPorts ports() {
        for (LocalStack.Part part : LocalStack.Part.values()) {
            final int port = portOf(part);
            if (port < 0 || port > 65_535) {
                throw CommandLines.usage(spec, "option " + option(part) + " must be a port in 0..65535, got " + port);
            }
        }
        try {
            return new StackPorts(kafkaPort, registryPort, postgresPort, connectPort);
        } catch (IllegalArgumentException e) {
            throw CommandLines.usage(spec, "options --kafka-port, --registry-port, --postgres-port and --connect-port: "
                    + e.getMessage());
        }
    }

    private StackTopics topics() {
        CommandLines.requireAtLeast(spec, "--partitions", partitions, 1);
        final String input = CommandLines.requireNonBlank(spec, "--input-topic", inputTopic);
        final String scores = CommandLines.requireNonBlank(spec, "--scores-topic", scoresTopic);
        final String dead = CommandLines.requireNonBlank(spec, "--dead-letter-topic", deadLetterTopic);
        final String models = CommandLines.requireNonBlank(spec, "--model-topic", modelTopic);
        try {
            return new StackTopics(input, scores, dead, models, partitions);
        } catch (IllegalArgumentException e) {
            throw CommandLines.usage(spec, "options --input-topic, --scores-topic, --dead-letter-topic and "
                    + "--model-topic: " + e.getMessage());
        }
    }

    private int portOf(LocalStack.Part part) {
        return switch (part) {
            case KAFKA -> kafkaPort;
            case REGISTRY -> registryPort;
            case POSTGRES -> postgresPort;
            case CONNECT -> connectPort;
        };
    }

    private static String option(LocalStack.Part part) {
        return switch (part) {
            case KAFKA -> "--kafka-port";
            case REGISTRY -> "--registry-port";
            case POSTGRES -> "--postgres-port";
            case CONNECT -> "--connect-port";
        };
    }
}
