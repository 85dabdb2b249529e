package io.scorestream.app.cli;

import io.scorestream.app.ScoringApplication;
import io.scorestream.app.demo.Demo;
import io.scorestream.app.models.ModelsCommand;

import io.scorestream.inference.training.SyntheticTransactions;
import io.scorestream.schemas.Transaction;
import io.scorestream.schemas.registry.HttpSchemaRegistry;
import io.scorestream.schemas.registry.SchemaRegistry;
import io.scorestream.schemas.serde.ConfluentAvroSerializer;
import io.scorestream.app.config.ScorestreamConfig;
import io.scorestream.app.replay.ReplayCommand;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The {@code scorestream} command line: {@code demo}, {@code run}, {@code models} (see
 * {@link ModelsCommand}), {@code publish-model} (an alias of {@code models publish}), {@code produce},
 * {@code config-doc}. Exit codes: 0 done, 1 failed, 2 wrong command line or
 * configuration (the message names what was wrong).
 */
public final class ScorestreamApp {

    private static final String USAGE = String.join(System.lineSeparator(),
            "usage: scorestream <command> [options]",
            "",
            "  demo            embedded Kafka + in-memory schema registry; trains a fraud model, publishes it,",
            "                  scores synthetic transactions live, hot-swaps a second version, prints a summary",
            "                  --events N (90000)  --rate PER_SECOND (3000)  --partitions N (3)",
            "                  --batch-max-records N (256)  --batch-max-wait-ms MS (5; 0 = adaptive)",
            "                  --metrics-port PORT (9464; 0 = any free port)  --seed N (42)",
            "                  --poison-rate FRACTION (0; e.g. 0.01 replaces 1% of the events with poison records",
            "                  of every kind in turn, which must all end up in the dead-letter topic)",
            "  run             score against an external cluster: --config FILE [--set key=value ...]",
            "                  (every key: scorestream config-doc; env overrides: SCORESTREAM_<KEY>)",
            "  models          manage the model topic; every sub-command takes --bootstrap HOST:PORT",
            "                  --schema-registry URL [--topic model-specs] [--client-config FILE (Kafka client",
            "                  properties, e.g. security)] [--timeout-ms MS (30000)]",
            "    list          the live models: stable version, sha256, created_at, candidate, role, canary %",
            "                  [--full (the whole sha256)] [--history NAME (every record of one model instead)]",
            "    publish       a new version: --name NAME --version V (--onnx FILE [--uri URI] | --train-demo)",
            "                  [--input NAME=field1,field2,... (default features=<the 30 demo features>)]",
            "                  [--output NAME (score)] [--score-column N] [--score-class C] [--label-output NAME]",
            "                  [--threshold X (0.5)] [--meta key=value ...]",
            "                  [--candidate canary --percent P | --candidate shadow]: run it beside the live",
            "                  stable version; without --candidate it becomes the stable version, no rollout",
            "    ramp          --name NAME --percent P: the live canary's share of keys becomes P (nothing reloads)",
            "    promote       --name NAME: the candidate becomes the stable version, no rollout",
            "    rollback      --name NAME [--to VERSION]: drop the candidate; with --to, republish that version",
            "    retire        --name NAME [--force (even if not live)]: publish a tombstone",
            "  publish-model   alias of 'models publish' (same options)",
            "  produce         produce synthetic transactions: --bootstrap HOST:PORT --schema-registry URL",
            "                  [--topic transactions] [--events N (0 = forever)] [--rate PER_SECOND (1000)]",
            "  replay          a bounded, deterministic backtest of model versions over a historical topic",
            "                  --bootstrap HOST:PORT --schema-registry URL --topic TOPIC --out TOPIC",
            "                  (--model NAME@VERSION [--model NAME@VERSION ...] | --as-of NAME)",
            "                  [--from TIME] [--to TIME] [--labels FIELD] [--model-topic model-specs]",
            "                  [--report FILE.json] [--batch-max-records N] [--dead-letter-topic TOPIC]",
            "                  (TIME: ISO-8601 instant or epoch ms; every option: docs/BACKTESTING.md)",
            "  config-doc      print every configuration key as a Markdown table",
            "  help            this text");

    private ScorestreamApp() {
    }

    public static void main(String[] args) {
        System.exit(execute(args, System.out, System.err));
    }

    /** Runs one command; returns the exit code. */
    public static int execute(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0) {
            err.println(USAGE);
            return 2;
        }
        final String command = args[0];
        final String[] rest = java.util.Arrays.copyOfRange(args, 1, args.length);
        try {
            switch (command) {
                case "demo" -> {
                    final Demo.Summary s = demo(rest, out);
                    return s.lost() == 0 && s.duplicates() == 0 ? 0 : 1;
                }
                case "run" -> {
                    return run(rest, out);
                }
                case "models" -> {
                    ModelsCommand.run(rest, out);
                    return 0;
                }
                case "publish-model" -> {
                    ModelsCommand.publish("publish-model", rest, out);
                    return 0;
                }
                case "produce" -> {
                    produce(rest, out);
                    return 0;
                }
                case "replay" -> {
                    return ReplayCommand.run(rest, out, err);
                }
                case "config-doc" -> {
                    out.println(ScorestreamConfig.documentation());
                    return 0;
                }
                case "help", "--help", "-h" -> {
                    out.println(USAGE);
                    return 0;
                }
                default -> {
                    err.println("scorestream: unknown command '" + command + "'");
                    err.println(USAGE);
                    return 2;
                }
            }
        } catch (Args.UsageException e) {
            err.println("scorestream: " + e.getMessage());
            return 2;
        } catch (ConfigException e) {
            err.println("scorestream: bad configuration: " + e.getMessage());
            return 2;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println("scorestream: interrupted");
            return 1;
        } catch (Exception e) {
            err.println("scorestream " + command + " failed: " + e);
            e.printStackTrace(err);
            return 1;
        }
    }

    static Demo.Summary demo(String[] args, PrintStream out) throws Exception {
        final Args a = Args.parse("demo", args, Set.of("events", "rate", "partitions", "batch-max-records",
                "batch-max-wait-ms", "metrics-port", "seed", "drain-timeout-s", "poison-rate"), Set.of());
        final Demo.Options d = Demo.Options.defaults();
        final Demo.Options o = new Demo.Options(
                a.longValue("events", d.events(), 1),
                a.longValue("rate", d.rate(), 1),
                (int) a.longValue("partitions", d.partitions(), 1),
                (int) a.longValue("batch-max-records", d.batchMaxRecords(), 1),
                a.longValue("batch-max-wait-ms", d.batchMaxWaitMs(), 0),
                (int) a.longValue("metrics-port", d.metricsPort(), 0),
                a.longValue("seed", d.seed(), Long.MIN_VALUE),
                Duration.ofSeconds(a.longValue("drain-timeout-s", d.drainTimeout().toSeconds(), 1)),
                poisonRate(a, d.poisonRate()));
        if (o.events() > Integer.MAX_VALUE) {
            throw new Args.UsageException("demo: --events must be at most " + Integer.MAX_VALUE);
        }
        return new Demo(o, out).run();
    }

    private static double poisonRate(Args a, double fallback) {
        final double rate = a.doubleValue("poison-rate", fallback);
        if (!(rate >= 0 && rate <= 1)) {
            throw new Args.UsageException("demo: --poison-rate must be a fraction in [0, 1], got " + rate);
        }
        return rate;
    }

    static int run(String[] args, PrintStream out) throws Exception {
        final Args a = Args.parse("run", args, Set.of("config", "set"), Set.of());
        final Path file = Path.of(a.required("config"));
        if (!Files.isRegularFile(file)) {
            throw new Args.UsageException("run: config file '" + file + "' does not exist");
        }
        final Map<String, String> overrides = new LinkedHashMap<>();
        for (String kv : a.all("set")) {
            final int eq = kv.indexOf('=');
            if (eq <= 0) {
                throw new Args.UsageException("run: --set needs key=value, got '" + kv + "'");
            }
            overrides.put(kv.substring(0, eq).trim(), kv.substring(eq + 1));
        }
        final ScorestreamConfig config = ScorestreamConfig.load(file, System.getenv(), overrides);
        final CountDownLatch stopped = new CountDownLatch(1);
        final ScoringApplication app = ScoringApplication.start(config, null);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            app.close();
            stopped.countDown();
        }, "scorestream-shutdown"));
        if (!app.awaitModel()) {
            out.println("scorestream: no live version of model(s) " + String.join(", ", app.missingModels()) + " after "
                    + config.modelWaitTimeoutMs() + " ms on topic '" + config.modelTopic()
                    + "'; publish one with 'scorestream models publish'. Still waiting for one.");
        }
        while (!stopped.await(1, java.util.concurrent.TimeUnit.SECONDS)) {
            final var state = app.state();
            if (state == org.apache.kafka.streams.KafkaStreams.State.ERROR
                    || state == org.apache.kafka.streams.KafkaStreams.State.NOT_RUNNING) {
                out.println("scorestream: Kafka Streams stopped (" + state + ")"
                        + (app.failure() == null ? "" : ": " + app.failure().getMessage()));
                app.close();
                return 1;
            }
        }
        return 0;
    }

    static void produce(String[] args, PrintStream out) throws Exception {
        final Args a = Args.parse("produce", args, Set.of("bootstrap", "schema-registry", "topic", "events", "rate",
                "seed"), Set.of());
        final long events = a.longValue("events", 0, 0);
        final long rate = a.longValue("rate", 1000, 1);
        final String topic = a.get("topic", "transactions");
        final SchemaRegistry schemas = HttpSchemaRegistry.builder(a.required("schema-registry")).build();
        final long seed = a.longValue("seed", 42, Long.MIN_VALUE);
        try (KafkaProducer<String, Object> producer = new KafkaProducer<>(producerProps(a.required("bootstrap")),
                new StringSerializer(), io.scorestream.app.demo.SyntheticTransactionFeed.valueSerializer(schemas))) {
            final io.scorestream.app.demo.SyntheticTransactionFeed feed = io.scorestream.app.demo.SyntheticTransactionFeed
                    .builder(producer, topic).seed(seed).count(events).rate(rate).build();
            while (feed.hasNext()) {
                final long i = feed.sendNext().seq();
                if (i > 0 && i % (rate * 10) == 0) {
                    out.printf(Locale.ROOT, "produced %,d transactions to '%s'%n", i, topic);
                }
            }
        }
        out.printf(Locale.ROOT, "produced %,d transactions to '%s'%n", events, topic);
    }

    private static Map<String, Object> producerProps(String bootstrap) {
        final Map<String, Object> p = new HashMap<>();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        return p;
    }
}
