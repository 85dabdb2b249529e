package io.scorestream.app.cli;

import io.scorestream.app.command.CommandLines;
import io.scorestream.app.command.ScorestreamVersion;
import io.scorestream.app.demo.Demo;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code scorestream demo}: the whole job on an embedded broker ({@link Demo}). Exits 1 when an
 * event was lost or scored twice, or when the sink's table does not hold a row per score.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, versionProvider = ScorestreamVersion.class,
        sortOptions = false, sortSynopsis = false, showDefaultValues = true,
        description = {"The whole job on an embedded Kafka broker, with a summary.",
            "An in-memory schema registry; trains a fraud model, publishes it, scores synthetic transactions live, "
                    + "rolls a second version out as a 10%% canary and promotes it, prints a summary, then backtests "
                    + "both versions. A Kafka Connect worker writes the scores into an embedded PostgreSQL with the "
                    + "JDBC sink (unless --no-sink); the summary shows the table's rows beside the scores and one "
                    + "query on it. Exits 1 if an event was lost or scored twice, or the table lacks a score.", ""})
final class DemoCommand implements Callable<Integer> {

    private static final Demo.Options DEFAULTS = Demo.Options.defaults();

    @Spec
    CommandSpec spec;

    @Option(names = "--events", paramLabel = "N", description = "Transactions to produce.")
    long events = DEFAULTS.events();

    @Option(names = "--rate", paramLabel = "PER_SECOND", description = "Transactions produced per second.")
    long rate = DEFAULTS.rate();

    @Option(names = "--partitions", paramLabel = "N", description = "Partitions of the transactions topic.")
    int partitions = DEFAULTS.partitions();

    @Option(names = "--batch-max-records", paramLabel = "N", description = "Most records in one scoring batch.")
    int batchMaxRecords = DEFAULTS.batchMaxRecords();

    @Option(names = "--batch-max-wait-ms", paramLabel = "MS",
            description = "Longest wait of a batch's oldest record; 0 = adaptive.")
    long batchMaxWaitMs = DEFAULTS.batchMaxWaitMs();

    @Option(names = "--metrics-port", paramLabel = "PORT", description = "Port of /metrics; 0 = any free port.")
    int metricsPort = DEFAULTS.metricsPort();

    @Option(names = "--seed", paramLabel = "N", description = "Seed of the transactions and the training.")
    long seed = DEFAULTS.seed();

    @Option(names = "--drain-timeout-s", paramLabel = "SECONDS",
            description = "How long to wait for the last scores after the last transaction.")
    long drainTimeoutSeconds = DEFAULTS.drainTimeout().toSeconds();

    @Option(names = "--poison-rate", paramLabel = "FRACTION",
            description = "Share of the events replaced by poison records of every kind in turn, which must all end "
                    + "up in the dead-letter topic (e.g. 0.01), in [0, 1].")
    double poisonRate = DEFAULTS.poisonRate();

    @Option(names = "--no-sink", description = "Run without PostgreSQL and the Kafka Connect JDBC sink "
            + "(the scores stay on the topic).")
    boolean noSink;

    @Option(names = "--secure", description = "Run on a secured broker (SASL_SSL, SCRAM-SHA-512, ACLs enforced): the "
            + "scorer, the model publisher and the Connect worker log in as principals of their own with passwords "
            + "made for this run and hold only their ACLs; every model version is signed with a key pair made for "
            + "this run, and the application requires signatures. The summary adds a security block.")
    boolean secure;

    @Override
    public Integer call() throws Exception {
        CommandLines.requireAtLeast(spec, "--events", events, 1);
        if (events > Integer.MAX_VALUE) {
            throw CommandLines.usage(spec, "option --events must be at most " + Integer.MAX_VALUE + ", got " + events);
        }
        CommandLines.requireAtLeast(spec, "--rate", rate, 1);
        CommandLines.requireAtLeast(spec, "--partitions", partitions, 1);
        CommandLines.requireAtLeast(spec, "--batch-max-records", batchMaxRecords, 1);
        CommandLines.requireAtLeast(spec, "--batch-max-wait-ms", batchMaxWaitMs, 0);
        CommandLines.requireAtLeast(spec, "--metrics-port", metricsPort, 0);
        CommandLines.requireAtLeast(spec, "--drain-timeout-s", drainTimeoutSeconds, 1);
        if (!(poisonRate >= 0 && poisonRate <= 1)) {
            throw CommandLines.usage(spec, "option --poison-rate must be a fraction in [0, 1], got " + poisonRate);
        }
        final Demo.Options options = new Demo.Options(events, rate, partitions, batchMaxRecords, batchMaxWaitMs,
                metricsPort, seed, Duration.ofSeconds(drainTimeoutSeconds), poisonRate, !noSink, secure);
        final Demo.Summary s = new Demo(options, CommandLines.out(spec)).run();
        final boolean sinkComplete = s.sinkRows() < 0 || s.sinkRows() == s.scored();
        return s.lost() == 0 && s.duplicates() == 0 && sinkComplete ? CommandLines.OK : CommandLines.FAILED;
    }
}
