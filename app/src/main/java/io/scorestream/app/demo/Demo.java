package io.scorestream.app.demo;

import io.scorestream.app.ScoringApplication;
import io.scorestream.app.command.CommandLines;
import io.scorestream.app.models.ModelsCommand;

import io.scorestream.inference.onnx.Mlp;
import io.scorestream.inference.training.BinaryClassificationMetrics;
import io.scorestream.inference.training.SyntheticTransactions;
import io.scorestream.schemas.ModelSpec;
import io.scorestream.schemas.ScoreResult;
import io.scorestream.inference.registry.KeyBuckets;
import io.scorestream.schemas.registry.SchemaRegistry;
import io.scorestream.schemas.serde.ConfluentAvroDeserializer;
import io.scorestream.app.config.BatchingConfig;
import io.scorestream.app.config.InferenceConfig;
import io.scorestream.app.config.KafkaStreamsConfig;
import io.scorestream.app.config.MetricsConfig;
import io.scorestream.app.config.ModelsConfig;
import io.scorestream.app.config.ScorestreamConfig;
import io.scorestream.app.config.TopicsConfig;
import io.scorestream.app.stack.LocalStack;
import io.scorestream.app.stack.StackPorts;
import io.scorestream.app.stack.StackTopics;
import io.scorestream.testkit.EmbeddedKafka;
import io.scorestream.topology.errors.DeadLetters;
import io.scorestream.app.replay.ReplayCommand;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The demo: a real embedded Kafka broker, a model trained in Java and published to the model
 * topic, synthetic transactions produced at a steady rate and scored live, a second model version
 * rolled out through {@code scorestream models} (a 10% canary from a third of the way, promoted at
 * two thirds), a summary that accounts for every event, then a backtest of both versions over
 * everything produced ({@code scorestream replay}, side by side, against the fraud labels).
 *
 * <p>Part of the fraud is behavioural: bursts of small transactions on one account, then a large
 * one, each of them ordinary on its own ({@link DemoModels#demoTransactions}). Version 1 sees the
 * event's 30 fields only; version 2 also the {@link DemoAggregates} of the account's recent
 * transactions, which the scoring topology computes. Both are trained on one history, and the
 * backtest shows their ROC AUC on the same events, the second's higher.
 *
 * <p>The parts run on a {@link LocalStack}: with the sink (the default), a Kafka Connect worker in
 * this JVM writes the scores topic into PostgreSQL's {@code scores} table with the JDBC sink while
 * the demo runs; the summary waits (at most {@link #SINK_CATCH_UP}) until the table holds a row per
 * scored event, shows the count beside the scores on the topic, and one query on the table as
 * {@code psql} would print it. The demo publishes no shadow candidate, so every score is on the
 * scores topic that the sink reads.
 *
 * <p>With a poison rate, that share of the events is replaced by {@link PoisonRecords} of every
 * kind in turn. Every event, poisoned or not, carries its sequence number in the
 * {@value #SEQ_HEADER} header, which dead letters keep, so the summary accounts for each one: scored,
 * dead-lettered (by reason), lost or duplicated.
 *
 * <p>With {@link Options#secure()} ({@code demo --secure}) the stack's broker is the secured one and
 * every client authenticates as a principal holding only its ACLs, every model version is published
 * with {@code models publish} / {@code promote} and signed with a key pair made for the run, and the
 * application requires signatures ({@link DemoSecurity}); the summary adds a {@link Security} block.
 * Nothing secret is printed.
 *
 * <p>Threading and ownership: {@link #run()} runs on the caller's thread (with reader threads of its
 * own) and closes everything it started; one run per instance.
 */
public final class Demo {

    static final String TRANSACTIONS = "transactions";
    static final String SCORES = "scores";
    static final String DEAD_LETTERS = "scores-dlq";
    static final String MODELS = "model-specs";
    static final String MODEL = "fraud";
    /** Header carrying each event's sequence number (ASCII decimal), poisoned or not. */
    static final String SEQ_HEADER = "demo.seq";
    /** Share of keys the demo's canary gets. */
    static final double CANARY_PERCENT = 10;
    /** How long the summary waits for the sink to write the last scores into PostgreSQL. */
    static final Duration SINK_CATCH_UP = Duration.ofSeconds(60);
    /** The example query on the sink's table: the five accounts with the highest fraud score. */
    static final String TOP_ACCOUNTS_SQL = "SELECT key AS account, round(max(score)::numeric, 4) AS max_score, "
            + "count(*) AS scores, count(*) FILTER (WHERE decision) AS flagged FROM " + LocalStack.SINK_TABLE
            + " GROUP BY key ORDER BY max(score) DESC, count(*) DESC, key LIMIT 5";

    /**
     * What the demo is asked to do.
     *
     * @param poisonRate share of the events replaced by poison records, in [0, 1]; 0 = none
     * @param sink whether a Kafka Connect worker writes the scores into an embedded PostgreSQL
     */
    public record Options(long events, long rate, int partitions, int batchMaxRecords, long batchMaxWaitMs,
                          int metricsPort, long seed, Duration drainTimeout, double poisonRate, boolean sink,
                          boolean secure) {

        public Options {
            if (!(poisonRate >= 0 && poisonRate <= 1)) {
                throw new IllegalArgumentException("poisonRate must be in [0, 1], got " + poisonRate);
            }
        }

        /** Options on the plain broker (no {@code --secure}). */
        public Options(long events, long rate, int partitions, int batchMaxRecords, long batchMaxWaitMs,
                       int metricsPort, long seed, Duration drainTimeout, double poisonRate, boolean sink) {
            this(events, rate, partitions, batchMaxRecords, batchMaxWaitMs, metricsPort, seed, drainTimeout,
                    poisonRate, sink, false);
        }

        /**
         * These options on the secured broker ({@code demo --secure}): every client authenticates,
         * each principal holds only its ACLs, and every model version is signed and must be.
         */
        public Options secured() {
            return new Options(events, rate, partitions, batchMaxRecords, batchMaxWaitMs, metricsPort, seed,
                    drainTimeout, poisonRate, sink, true);
        }

        /** Options with the sink into PostgreSQL. */
        public Options(long events, long rate, int partitions, int batchMaxRecords, long batchMaxWaitMs,
                       int metricsPort, long seed, Duration drainTimeout, double poisonRate) {
            this(events, rate, partitions, batchMaxRecords, batchMaxWaitMs, metricsPort, seed, drainTimeout,
                    poisonRate, true);
        }

        /** Options without poison records, with the sink into PostgreSQL. */
        public Options(long events, long rate, int partitions, int batchMaxRecords, long batchMaxWaitMs,
                       int metricsPort, long seed, Duration drainTimeout) {
            this(events, rate, partitions, batchMaxRecords, batchMaxWaitMs, metricsPort, seed, drainTimeout, 0);
        }

        public static Options defaults() {
            return new Options(90_000, 3_000, 3, 256, 5, 9464, 42, Duration.ofSeconds(60), 0, true, false);
        }
    }

    /**
     * What happened: every produced event is scored, dead-lettered, or counted as lost; an event
     * with more than one outcome (two scores, or a score and a dead letter) counts as duplicated.
     *
     * @param poisoned events replaced by poison records
     * @param deadLetteredByReason dead letters by their {@code scorestream.errors.reason}
     * @param lastRefusal the last refused model version and why, or null when none was refused
     * @param sinkRows the rows the JDBC sink wrote into PostgreSQL's {@code scores} table, or -1 without the sink
     * @param backtestAuc the backtest's ROC AUC by version ("1", "2"), as its report gives it; empty
     *     until the backtest ran, or when its report has none
     * @param security what {@code --secure} set up, or null without it
     */
    public record Summary(long produced, long scored, long sinkRows, long deadLettered, long duplicates, long lost,
                          long poisoned, Map<String, Long> deadLetteredByReason, String lastRefusal,
                          Map<String, Long> perVersion, double auc, double precision, double recall,
                          long p50LatencyMs, long p99LatencyMs, long steadyP50LatencyMs, long steadyP99LatencyMs,
                          double meanBatchSize, int metricsPort,
                          boolean metricsServed, double seconds, long canaryScored, long canaryKeys,
                          long keysWhileCanary, long canaryMisrouted, int backtestExit, Path backtestReport,
                          Map<String, Double> backtestAuc, Security security) {

        /** This summary with the backtest's outcome. */
        Summary withBacktest(int exit, Path report, Map<String, Double> aucByVersion) {
            return new Summary(produced, scored, sinkRows, deadLettered, duplicates, lost, poisoned,
                    deadLetteredByReason, lastRefusal, perVersion, auc, precision, recall, p50LatencyMs, p99LatencyMs,
                    steadyP50LatencyMs, steadyP99LatencyMs, meanBatchSize, metricsPort, metricsServed, seconds,
                    canaryScored, canaryKeys, keysWhileCanary, canaryMisrouted, exit, report, aucByVersion, security);
        }

        /** Share of the keys scored while the canary ran that the canary scored. */
        public double canaryKeyShare() {
            return keysWhileCanary == 0 ? 0 : (double) canaryKeys / keysWhileCanary;
        }
    }

    /**
     * What {@code demo --secure} set up, as the summary shows it.
     *
     * @param protocol the clients' security protocol ({@code SASL_SSL})
     * @param mechanism their SASL mechanism ({@code SCRAM-SHA-512})
     * @param aclsByPrincipal each principal ({@code User:scorer}, ...) and how many ACLs the broker
     *     held for it at the end of the run, in the order set up
     * @param roleByPrincipal what each principal is for
     * @param signingKeyId the id of the run's signing key
     * @param signatureRequired whether the application ran with {@code model.signature.required=true}
     * @param modelRecords the model specs on the model topic at the end (tombstones aside)
     * @param modelRecordsSigned how many of them carry a signature of the run's key
     * @param secrets the run's passwords (its principals', the super user's, the trust store's) and
     *     the private key's PEM body: for a test to check that none was printed. Never print them;
     *     {@link #toString()} leaves them out
     */
    public record Security(String protocol, String mechanism, Map<String, Integer> aclsByPrincipal,
                           Map<String, String> roleByPrincipal, String signingKeyId, boolean signatureRequired,
                           int modelRecords, int modelRecordsSigned, List<String> secrets) {

        public Security {
            aclsByPrincipal = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(aclsByPrincipal));
            roleByPrincipal = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(roleByPrincipal));
            secrets = List.copyOf(secrets);
        }

        /** Everything but the secrets. */
        @Override
        public String toString() {
            return "Security[" + protocol + " " + mechanism + ", acls " + aclsByPrincipal + ", key id " + signingKeyId
                    + ", signature required " + signatureRequired + ", model records " + modelRecordsSigned + "/"
                    + modelRecords + " signed, " + secrets.size() + " secrets not shown]";
        }
    }

    private final Options options;
    private final PrintStream out;

    public Demo(Options options, PrintStream out) {
        this.options = options;
        this.out = out;
    }

    public Summary run() throws Exception {
        final long started = System.nanoTime();
        final int n = Math.toIntExact(options.events());
        out.printf(Locale.ROOT, "scorestream demo: %,d transactions at %,d/s, batch.max.records=%d, "
                + "batch.max.wait.ms=%d%s%s%n", n, options.rate(), options.batchMaxRecords(), options.batchMaxWaitMs(),
                options.poisonRate() > 0 ? String.format(Locale.ROOT, ", poison rate %s", options.poisonRate()) : "",
                options.secure() ? ", secured" : "");
        final Path stateDir = Files.createTempDirectory("scorestream-demo-state");
        // Pure Java, no ONNX Runtime: trained while the parts start, which takes seconds too.
        final CompletableFuture<TrainedModels> training = CompletableFuture.supplyAsync(() -> {
            final DemoModels.Pair pair = DemoModels.trainPair(options.seed(), options.rate());
            return new TrainedModels(DemoModels.plainSpec(MODEL, "1", pair), pair.withAggregates().toOnnx());
        },
                runnable -> {
                    final Thread thread = new Thread(runnable, "demo-training");
                    thread.setDaemon(true);
                    thread.start();
                });
        final DemoSecurity security = options.secure() ? DemoSecurity.prepare() : null;
        final LocalStack.Builder parts = LocalStack.builder().ports(StackPorts.ANY_FREE)
                .topics(new StackTopics(TRANSACTIONS, SCORES, DEAD_LETTERS, MODELS, options.partitions()))
                .sink(options.sink());
        if (security != null) {
            parts.secured(security.connectPassword());
        }
        try (LocalStack stack = parts.start()) {
            final EmbeddedKafka kafka = stack.kafka();
            out.printf(Locale.ROOT, "  broker      %s (embedded KRaft, single node%s)%n", kafka.bootstrapServers(),
                    security == null ? "" : "; SASL_SSL, SCRAM-SHA-512, ACLs enforced: no ACL, no access");
            out.printf(Locale.ROOT, "  registry    %s (Confluent-compatible, in memory)%n", stack.registryUrl());
            if (stack.hasSink()) {
                out.printf(Locale.ROOT, "  postgres    %s (embedded PostgreSQL 14)%n", postgresUri(stack));
                out.printf(Locale.ROOT, "  sink        Kafka Connect %s runs %s: topic '%s' -> table '%s' "
                        + "(upsert, read_committed%s)%n", stack.connectUrl(), LocalStack.SINK_CONNECTOR, SCORES,
                        LocalStack.SINK_TABLE, security == null ? "" : ", as User:" + LocalStack.CONNECT_USER);
            }
            if (security != null) {
                out.printf(Locale.ROOT, "  signing     Ed25519 key pair made with 'scorestream keys generate' for this "
                        + "run: key id %s; the application requires signed model versions%n", security.keyId());
            }
            final SchemaRegistry schemas = stack.schemas();

            out.printf(Locale.ROOT, "  training    two fraud models on one synthetic history with fraud bursts (Java MLP "
                    + "trainer): v1 on the event's 30 fields, v2 also on %d aggregates of the account's recent "
                    + "transactions...%n", DemoAggregates.count());
            final TrainedModels trained = trained(training);
            final ModelSpec v1 = trained.v1();
            final Path v2Onnx = stateDir.resolve("fraud-v2.onnx");
            Files.write(v2Onnx, trained.v2Onnx());

            final Map<String, Object> settings = new HashMap<>();
            settings.put(KafkaStreamsConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
            settings.put(KafkaStreamsConfig.APPLICATION_ID_CONFIG, "scorestream-demo");
            settings.put(TopicsConfig.INPUT_TOPICS_CONFIG, TRANSACTIONS);
            settings.put(TopicsConfig.OUTPUT_TOPIC_CONFIG, SCORES);
            settings.put(TopicsConfig.DEAD_LETTER_TOPIC_CONFIG, DEAD_LETTERS);
            settings.put(TopicsConfig.MODEL_TOPIC_CONFIG, MODELS);
            settings.put(ModelsConfig.MODEL_NAME_CONFIG, MODEL);
            settings.put(TopicsConfig.EVENT_ID_FIELD_CONFIG, "transaction_id");
            settings.put(BatchingConfig.BATCH_MAX_RECORDS_CONFIG, Integer.toString(options.batchMaxRecords()));
            settings.put(BatchingConfig.BATCH_MAX_WAIT_MS_CONFIG, Long.toString(options.batchMaxWaitMs()));
            settings.put(MetricsConfig.METRICS_PORT_CONFIG, Integer.toString(options.metricsPort()));
            settings.put(KafkaStreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
            settings.put(InferenceConfig.INFERENCE_DEVICE_CONFIG, "auto");
            if (security != null) {
                security.configureApplication(stack, settings);
            }
            final ScorestreamConfig config = ScorestreamConfig.of(settings);
            if (security != null) {
                security.setUp(stack, config);
            }
            // The demo's own clients: on the secured broker, the super user's.
            final Map<String, Object> client = security == null ? Map.of() : security.demoClient();
            final String[] models = concat(new String[] {"--bootstrap", kafka.bootstrapServers(), "--schema-registry",
                stack.registryUrl(), "--topic", MODELS}, security == null ? new String[0] : security.modelsConnection());

            try (KafkaProducer<String, Object> producer = SyntheticTransactionFeed.producer(kafka.bootstrapServers(),
                    schemas, client)) {
                if (security == null) {
                    publish(producer, v1);
                    out.printf(Locale.ROOT, "  model       %s v%s published to '%s' (sha256 %s...)%n", MODEL,
                            v1.getVersion(), MODELS, v1.getSha256().substring(0, 12));
                } else {
                    publishSigned(v1, stateDir, models, security);
                }
                final Summary live;
                try (ScoringApplication app = ScoringApplication.start(config, schemas)) {
                    if (!app.awaitModel()) {
                        throw new IllegalStateException("model " + MODEL + " did not go live");
                    }
                    if (!app.awaitRunning(Duration.ofSeconds(60))) {
                        throw new IllegalStateException("Kafka Streams did not reach RUNNING: " + app.state(),
                                app.failure());
                    }
                    out.printf(Locale.ROOT, "  scoring     live on %s%s; metrics on http://127.0.0.1:%d/metrics%n",
                            app.models().live(MODEL).orElseThrow().executionDevice(),
                            security == null ? "" : ", as User:" + DemoSecurity.SCORER, app.metricsPort());
                    live = stream(stack, producer, app, models, v2Onnx, n, started, client, security);
                }
                if (stack.hasSink()) {
                    exampleQuery(stack);
                }
                return backtest(kafka, stack.registryUrl(), live, security);
            }
        } finally {
            deleteQuietly(stateDir);
            if (security != null) {
                security.close();
            }
        }
    }

    /**
     * Version 1 published as version 2 is, with the command line: {@code scorestream models publish}
     * of its ONNX file as {@code User:publisher}, signed with the run's key.
     */
    private void publishSigned(ModelSpec v1, Path dir, String[] models, DemoSecurity security) throws Exception {
        final Path onnx = dir.resolve("fraud-v1.onnx");
        final java.nio.ByteBuffer bytes = v1.getArtifactBytes().duplicate();
        final byte[] artifact = new byte[bytes.remaining()];
        bytes.get(artifact);
        Files.write(onnx, artifact);
        final List<String> publish = new ArrayList<>(List.of("--name", MODEL, "--version", v1.getVersion(), "--onnx",
                onnx.toString(), "--input", Mlp.INPUT + "=" + String.join(",", SyntheticTransactions.FEATURE_FIELDS),
                "--output", Mlp.OUTPUT, "--threshold", Double.toString(v1.getThreshold()),
                "--meta", "trainer=MlpTrainer", "--signing-key", security.privateKey().toString()));
        models("model", 0, models, "publish", publish.toArray(new String[0]));
    }

    /** The PostgreSQL URI as shown: with the password on the plain demo, without it on the secured one. */
    private String postgresUri(LocalStack stack) {
        return options.secure() ? stack.postgresUri().replaceFirst("://([^:@/]+):[^@/]*@", "://$1@")
                : stack.postgresUri();
    }

    /**
     * Version 1 (the 30 fields) as a spec, version 2 (the fields and the aggregates) as an ONNX
     * file's bytes, published later with the command line, which declares the aggregates.
     */
    private record TrainedModels(ModelSpec v1, byte[] v2Onnx) {
    }

    private static TrainedModels trained(CompletableFuture<TrainedModels> training) {
        try {
            return training.join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
    }

    /** What the sink wrote, asked as one would with {@code psql}. */
    private void exampleQuery(LocalStack stack) throws java.sql.SQLException {
        out.println();
        out.printf(Locale.ROOT, "== postgres: psql %s -c '%s' ==%n", postgresUri(stack), TOP_ACCOUNTS_SQL);
        out.print(stack.query(TOP_ACCOUNTS_SQL));
        out.println("(run by the demo over JDBC; psql itself may not be installed)");
    }

    private Summary stream(LocalStack stack, KafkaProducer<String, Object> producer, ScoringApplication app,
                           String[] models, Path v2Onnx, int n, long started, Map<String, Object> client,
                           DemoSecurity security) throws Exception {
        final EmbeddedKafka kafka = stack.kafka();
        final SchemaRegistry schemas = stack.schemas();
        final AtomicLongArray scoredCount = new AtomicLongArray(n);
        final AtomicLongArray deadCount = new AtomicLongArray(n);
        final Map<String, LongAdder> deadByReason = new ConcurrentHashMap<>();
        final LongAdder deadUnattributed = new LongAdder();
        final double[] scores = new double[n];
        final boolean[] labels = new boolean[n];
        final boolean[] decisions = new boolean[n];
        final long[] latencies = new long[n];
        final byte[] roles = new byte[n];
        final String[] keys = new String[n];
        final AtomicLong latencyCount = new AtomicLong();
        final LongAdder scored = new LongAdder();
        final LongAdder deadLettered = new LongAdder();
        final LongAdder batchSizeSum = new LongAdder();
        final Map<String, LongAdder> perVersion = new ConcurrentHashMap<>();
        final AtomicBoolean stop = new AtomicBoolean();

        final Thread scoreReader = new Thread(() -> readScores(kafka, client, schemas, stop, consumerRecord -> {
            final ScoreResult r = consumerRecord.value();
            final int seq = SyntheticTransactionFeed.seqOf(r.getEventId());
            if (seq < 0 || seq >= n) {
                return;
            }
            scoredCount.incrementAndGet(seq);
            roles[seq] = (byte) ("canary".equals(r.getRole()) ? 1 : 0);
            keys[seq] = r.getKey();
            scores[seq] = r.getScore();
            decisions[seq] = r.getDecision();
            final long lat = System.currentTimeMillis() - consumerRecord.timestamp();
            final long i = latencyCount.getAndIncrement();
            if (i < n) {
                latencies[(int) i] = lat;
            }
            batchSizeSum.add(r.getBatchSize());
            perVersion.computeIfAbsent(r.getModelVersion(), k -> new LongAdder()).increment();
            scored.increment();
        }), "demo-score-reader");
        final Thread deadLetterReader = new Thread(() -> readBytes(kafka, client, DEAD_LETTERS, stop, r -> {
            final String reason = DeadLetters.text(r.headers(), DeadLetters.HEADER_REASON);
            deadByReason.computeIfAbsent(reason == null ? "unknown" : reason, k -> new LongAdder()).increment();
            final int seq = seqOf(r.headers());
            if (seq >= 0 && seq < n) {
                deadCount.incrementAndGet(seq);
            } else {
                deadUnattributed.increment();
            }
            deadLettered.increment();
        }), "demo-dead-letter-reader");
        scoreReader.start();
        deadLetterReader.start();

        // Built now, not before the application started: it registers an older schema version.
        final PoisonRecords poison = options.poisonRate() > 0 ? new PoisonRecords(schemas, TRANSACTIONS) : null;
        final PoisonRecords.Kind[] kinds = PoisonRecords.Kind.values();
        final AtomicLong poisonedSoFar = new AtomicLong();
        final SyntheticTransactionFeed feed = SyntheticTransactionFeed.builder(producer, TRANSACTIONS)
                .generator(DemoModels.demoTransactions(options.seed())).count(n).rate(options.rate()).sequentialIds()
                .records((topic, seq, timestamp, t) -> {
                    final Headers headers = new RecordHeaders();
                    headers.add(SEQ_HEADER, Long.toString(seq).getBytes(StandardCharsets.US_ASCII));
                    Object value = t;
                    if (poison != null && isPoisoned((int) seq, options.poisonRate())) {
                        // Round-robin over the kinds, so a small run still shows every one of them.
                        value = poison.value(kinds[(int) (poisonedSoFar.getAndIncrement() % kinds.length)], t);
                    }
                    return new ProducerRecord<>(topic, null, timestamp, t.getAccountId(), value, headers);
                })
                .build();
        final long produceStart = System.nanoTime();
        long lastReport = produceStart;
        long lastScored = 0;
        long lastProduced = 0;
        long lastBatchSum = 0;
        int canaryFrom = -1;
        int canaryTo = -1;
        while (feed.hasNext()) {
            final SyntheticTransactionFeed.Sent sent = feed.sendNext();
            final int seq = (int) sent.seq();
            labels[seq] = Boolean.TRUE.equals(sent.transaction().getIsFraud());
            if (canaryFrom < 0 && seq >= n / 3) {
                // A gray release with the real command line: version 2 as a 10% canary, then promoted.
                canaryFrom = seq;
                final List<String> publish = new ArrayList<>(List.of("--name", MODEL, "--version", "2", "--onnx",
                        v2Onnx.toString(), "--meta", "trainer=MlpTrainer"));
                publish.addAll(DemoAggregates.publishOptions());
                publish.addAll(List.of("--candidate", "canary", "--percent", Double.toString(CANARY_PERCENT)));
                if (security != null) {
                    publish.addAll(List.of("--signing-key", security.privateKey().toString()));
                }
                models("canary", seq, models, "publish", publish.toArray(new String[0]));
            }
            if (canaryTo < 0 && seq >= 2 * n / 3) {
                canaryTo = seq;
                if (security == null) {
                    models("promote", seq, models, "promote", "--name", MODEL);
                } else {
                    models("promote", seq, models, "promote", "--name", MODEL, "--signing-key",
                            security.privateKey().toString());
                }
            }
            final long now = System.nanoTime();
            if (now - lastReport >= 1_000_000_000L) {
                final long s = scored.sum();
                final long b = batchSizeSum.sum();
                progress(now - produceStart, seq + 1, seq + 1 - lastProduced, s, s - lastScored, deadLettered.sum(),
                        s - lastScored == 0 ? 0 : (double) (b - lastBatchSum) / (s - lastScored),
                        latencies, latencyCount.get(), (now - lastReport) / 1e9, app);
                lastReport = now;
                lastScored = s;
                lastProduced = seq + 1;
                lastBatchSum = b;
            }
        }
        producer.flush();
        final long drainDeadline = System.nanoTime() + options.drainTimeout().toNanos();
        while (scored.sum() + deadLettered.sum() < n && System.nanoTime() < drainDeadline
                && app.failure() == null) {
            Thread.sleep(100);
        }
        // A little longer, so late duplicates (if any) would be seen.
        Thread.sleep(500);
        final long now = System.nanoTime();
        progress(now - produceStart, n, n - lastProduced, scored.sum(), scored.sum() - lastScored,
                deadLettered.sum(), 0, latencies, latencyCount.get(), (now - lastReport) / 1e9, app);
        final boolean metricsServed = metricsServed(app.metricsPort());
        long distinctScored = 0;
        for (int i = 0; i < n; i++) {
            distinctScored += scoredCount.get(i) > 0 ? 1 : 0;
        }
        // Rows are upserted by event id, model, version and role: one per scored event.
        final long sinkRows = stack.hasSink() ? stack.awaitRows(distinctScored, SINK_CATCH_UP) : -1;
        stop.set(true);
        scoreReader.join(10_000);
        deadLetterReader.join(10_000);

        long duplicates = 0;
        long lost = 0;
        final List<Double> seenScores = new ArrayList<>();
        final List<Boolean> seenLabels = new ArrayList<>();
        long tp = 0;
        long fp = 0;
        long fn = 0;
        for (int i = 0; i < n; i++) {
            final long c = scoredCount.get(i);
            final long outcomes = c + deadCount.get(i);
            if (outcomes == 0) {
                lost++;
            } else {
                duplicates += outcomes - 1;
            }
            if (c > 0) {
                seenScores.add(scores[i]);
                seenLabels.add(labels[i]);
                if (decisions[i] && labels[i]) {
                    tp++;
                } else if (decisions[i]) {
                    fp++;
                } else if (labels[i]) {
                    fn++;
                }
            }
        }
        final double[] s = new double[seenScores.size()];
        final boolean[] l = new boolean[seenLabels.size()];
        for (int i = 0; i < s.length; i++) {
            s[i] = seenScores.get(i);
            l[i] = seenLabels.get(i);
        }
        final double auc = s.length == 0 ? Double.NaN : BinaryClassificationMetrics.rocAuc(s, l);
        if (deadUnattributed.sum() > 0) {
            out.printf(Locale.ROOT, "  warning     %,d dead letter(s) without a %s header%n", deadUnattributed.sum(),
                    SEQ_HEADER);
        }
        final Map<String, Long> reasons = new TreeMap<>();
        deadByReason.forEach((k, v) -> reasons.put(k, v.sum()));
        final String lastRefusal = app.models().lastRefusal(MODEL)
                .map(r -> "v" + r.version() + " " + r.reasonTag() + ": " + r.message()).orElse(null);
        final int latencyN = (int) Math.min(latencyCount.get(), n);
        final long[] lat = Arrays.copyOf(latencies, latencyN);
        // Steady state: leave out the first tenth, which includes the start-up of the first transactions.
        final long[] steady = Arrays.copyOfRange(latencies, latencyN / 10, latencyN);
        Arrays.sort(lat);
        Arrays.sort(steady);
        final Map<String, Long> versions = new TreeMap<>();
        perVersion.forEach((k, v) -> versions.put(k, v.sum()));
        // The canary: which keys it scored, against all keys scored while it ran, and whether every
        // one of them belongs to the canary's share of the key space.
        final java.util.Set<String> keysWhileCanary = new java.util.HashSet<>();
        final java.util.Set<String> canaryKeys = new java.util.HashSet<>();
        long canaryScored = 0;
        long misrouted = 0;
        // "While it ran": from the first to the last event the canary scored (it goes live a moment
        // after its spec is published, and the promotion replaces it a moment after publishing).
        int firstCanary = -1;
        int lastCanary = -1;
        for (int i = 0; i < n; i++) {
            if (scoredCount.get(i) > 0 && roles[i] == 1) {
                firstCanary = firstCanary < 0 ? i : firstCanary;
                lastCanary = i;
            }
        }
        for (int i = 0; i < n; i++) {
            if (scoredCount.get(i) == 0 || keys[i] == null) {
                continue;
            }
            if (roles[i] == 1) {
                canaryScored++;
                canaryKeys.add(keys[i]);
                final int bucket = KeyBuckets.bucket(keys[i].getBytes(StandardCharsets.UTF_8));
                misrouted += bucket < KeyBuckets.threshold(CANARY_PERCENT) ? 0 : 1;
            }
            if (i >= firstCanary && i <= lastCanary) {
                keysWhileCanary.add(keys[i]);
            }
        }
        final Summary summary = new Summary(n, scored.sum(), sinkRows, deadLettered.sum(), duplicates, lost,
                poisonedSoFar.get(), reasons, lastRefusal, versions, auc,
                tp + fp == 0 ? 0 : (double) tp / (tp + fp), tp + fn == 0 ? 0 : (double) tp / (tp + fn),
                percentile(lat, 0.50), percentile(lat, 0.99), percentile(steady, 0.50), percentile(steady, 0.99),
                scored.sum() == 0 ? 0 : (double) batchSizeSum.sum() / scored.sum(), app.metricsPort(), metricsServed,
                (System.nanoTime() - started) / 1e9, canaryScored, canaryKeys.size(), keysWhileCanary.size(),
                misrouted, -1, null, Map.of(), security == null ? null : security.summarize(schemas, MODELS));
        print(summary);
        return summary;
    }

    private void progress(long elapsedNanos, long produced, long producedDelta, long scored, long scoredDelta,
                          long dead, double batch, long[] latencies, long latencyCount, double seconds,
                          ScoringApplication app) {
        final int to = (int) Math.min(latencyCount, latencies.length);
        final int from = Math.max(0, to - 5_000);
        final long[] recent = Arrays.copyOfRange(latencies, from, to);
        Arrays.sort(recent);
        out.printf(Locale.ROOT, "  [%4.0fs] in %,9d (%,6.0f/s)  scored %,9d (%,6.0f/s)  dead %,5d  batch %6.1f  "
                        + "e2e p50 %4d ms p99 %4d ms  live v%s%n",
                elapsedNanos / 1e9, produced, producedDelta / seconds, scored, scoredDelta / seconds, dead, batch,
                percentile(recent, 0.5), percentile(recent, 0.99),
                app.models().live(MODEL).map(i -> i.version()).orElse("-"));
    }

    private void print(Summary s) {
        out.println();
        out.println("== scorestream demo summary ==");
        out.printf(Locale.ROOT, "events in        %,d%n", s.produced());
        if (s.poisoned() > 0) {
            out.printf(Locale.ROOT, "  of them poison %,d (%d kinds, in turn)%n", s.poisoned(),
                    PoisonRecords.Kind.values().length);
        }
        out.printf(Locale.ROOT, "scores out       %,d%n", s.scored());
        if (s.sinkRows() >= 0) {
            out.printf(Locale.ROOT, "rows in postgres %,d (table %s, by the Kafka Connect JDBC sink, read_committed)%n",
                    s.sinkRows(), LocalStack.SINK_TABLE);
        }
        out.printf(Locale.ROOT, "dead-lettered    %,d%n", s.deadLettered());
        s.deadLetteredByReason().forEach((reason, c) -> out.printf(Locale.ROOT, "  %-18s %,d%n", reason, c));
        out.printf(Locale.ROOT, "duplicates       %,d%n", s.duplicates());
        out.printf(Locale.ROOT, "lost             %,d%n", s.lost());
        s.perVersion().forEach((v, c) -> out.printf(Locale.ROOT, "scored by v%-5s %,d%n", v, c));
        out.printf(Locale.ROOT, "canary v2        %,d events of %,d keys = %.1f%% of the %,d keys seen while it ran "
                + "(target %.0f%%); %,d outside its key share%n", s.canaryScored(), s.canaryKeys(),
                100 * s.canaryKeyShare(), s.keysWhileCanary(), CANARY_PERCENT, s.canaryMisrouted());
        if (s.lastRefusal() != null) {
            out.printf(Locale.ROOT, "model refused    %s%n", s.lastRefusal());
        }
        out.printf(Locale.ROOT, "ROC AUC          %.4f (fraud vs normal, on the scored events)%n", s.auc());
        out.printf(Locale.ROOT, "at threshold     precision %.3f, recall %.3f%n", s.precision(), s.recall());
        out.printf(Locale.ROOT, "e2e latency      p50 %d ms, p99 %d ms (event time to read_committed consumer); "
                + "after the first tenth: p50 %d ms, p99 %d ms%n", s.p50LatencyMs(), s.p99LatencyMs(),
                s.steadyP50LatencyMs(), s.steadyP99LatencyMs());
        out.printf(Locale.ROOT, "mean batch size  %.1f%n", s.meanBatchSize());
        out.printf(Locale.ROOT, "metrics          http://127.0.0.1:%d/metrics (%s)%n", s.metricsPort(),
                s.metricsServed() ? "served, scorestream meters present" : "NOT served");
        if (s.security() != null) {
            printSecurity(s.security());
        }
        out.printf(Locale.ROOT, "wall time        %.1f s%n", s.seconds());
    }

    /** The summary's security block: names, counts and the key id only, never a secret. */
    private void printSecurity(Security sec) {
        out.printf(Locale.ROOT, "security         %s, SASL %s; ACLs enforced (no ACL = no access)%n", sec.protocol(),
                sec.mechanism());
        sec.aclsByPrincipal().forEach((principal, count) -> out.printf(Locale.ROOT, "  %-16s %2d ACLs  (%s)%n",
                principal, count, sec.roleByPrincipal().get(principal)));
        out.printf(Locale.ROOT, "  %-16s super user (the demo's feed, readers and backtest)%n",
                "User:" + io.scorestream.testkit.KafkaSecurity.ADMIN_USER);
        out.printf(Locale.ROOT, "model signatures Ed25519 key id %s, signature %s; %d of %d model records signed "
                + "with it%n", sec.signingKeyId(), sec.signatureRequired() ? "required" : "not required",
                sec.modelRecordsSigned(), sec.modelRecords());
    }

    /**
     * The backtest: {@code scorestream replay} (in-process) over everything the demo produced, both
     * versions side by side, measured against the transactions' fraud labels.
     */
    private Summary backtest(EmbeddedKafka kafka, String registryUrl, Summary live, DemoSecurity security) {
        final Path report = Path.of(System.getProperty("java.io.tmpdir"),
                "scorestream-demo-backtest-" + System.currentTimeMillis() + ".json");
        final String[] args = {"--topic", TRANSACTIONS, "--model", MODEL + "@1", "--model", MODEL + "@2",
            "--labels", "is_fraud", "--out", "backtest-scores", "--report", report.toString()};
        out.println();
        out.printf(Locale.ROOT, "== backtest: scorestream replay %s ==%n", String.join(" ", args));
        final String[] all = concat(concat(new String[] {"--bootstrap", kafka.bootstrapServers(),
            "--schema-registry", registryUrl}, security == null ? new String[0] : security.replayConnection()), args);
        final int exit = ReplayCommand.run(all, out, System.err);
        if (exit != 0) {
            out.printf(Locale.ROOT, "backtest failed (exit %d)%n", exit);
        }
        final Path written = Files.isRegularFile(report) ? report : null;
        final Map<String, Double> auc = written == null ? Map.of() : backtestAuc(written);
        final Double plain = auc.get("1");
        final Double withAggregates = auc.get("2");
        if (plain != null && withAggregates != null) {
            out.println();
            out.printf(Locale.ROOT, "== the aggregates: ROC AUC on the same %,d events ==%n", live.produced());
            out.printf(Locale.ROOT, "%-34s %.4f%n", "v1  the event's 30 fields", plain);
            out.printf(Locale.ROOT, "%-34s %.4f  (%+.4f)%n", "v2  the fields + " + DemoAggregates.count()
                    + " aggregates:", withAggregates, withAggregates - plain);
            for (String text : DemoAggregates.TEXTS) {
                out.printf(Locale.ROOT, "  %s%n", text);
            }
        }
        return live.withBacktest(exit, written, auc);
    }

    /** The ROC AUC of each version in a replay report, by version; versions without one are left out. */
    static Map<String, Double> backtestAuc(Path report) {
        final Map<String, Double> auc = new TreeMap<>();
        try {
            final JsonNode versions = new ObjectMapper().readTree(report.toFile()).path("versions");
            for (JsonNode v : versions) {
                final JsonNode value = v.path("labels").path("roc_auc");
                if (value.isNumber()) {
                    auc.put(v.path("version").asText(), value.asDouble());
                }
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot read the backtest report " + report, e);
        }
        return auc;
    }

    /**
     * Runs {@code scorestream models <sub> <connection> <options>} in-process and shows the command
     * (without the connection options) and what it printed.
     *
     * @throws IllegalStateException when the command does not exit 0, with what it printed on stderr
     */
    private void models(String label, int seq, String[] connection, String sub, String... options) {
        final String[] args = concat(concat(new String[] {sub}, connection), options);
        final java.io.ByteArrayOutputStream buffer = new java.io.ByteArrayOutputStream();
        final java.io.ByteArrayOutputStream errors = new java.io.ByteArrayOutputStream();
        final int exit;
        try (PrintStream capture = new PrintStream(buffer, true, StandardCharsets.UTF_8);
             PrintStream errCapture = new PrintStream(errors, true, StandardCharsets.UTF_8)) {
            exit = CommandLines.execute(new ModelsCommand(), args, capture, errCapture);
        }
        if (exit != CommandLines.OK) {
            throw new IllegalStateException("scorestream models " + sub + " exited with " + exit + ": "
                    + errors.toString(StandardCharsets.UTF_8).trim());
        }
        final String printed = buffer.toString(StandardCharsets.UTF_8).trim();
        final List<String> shown = new ArrayList<>();
        for (String option : options) {
            // as one would type it in a shell
            shown.add(option.matches("[A-Za-z0-9_./=:,@%+-]+") ? option : "'" + option + "'");
        }
        out.printf(Locale.ROOT, "  %-11s at event %,d: scorestream models %s %s%n", label, seq, sub,
                String.join(" ", shown));
        for (String line : printed.split("\\R")) {
            out.printf(Locale.ROOT, "              %s%n", line);
        }
    }

    private static String[] concat(String[] head, String... tail) {
        final String[] all = Arrays.copyOf(head, head.length + tail.length);
        System.arraycopy(tail, 0, all, head.length, tail.length);
        return all;
    }

    static long percentile(long[] sorted, double p) {
        if (sorted.length == 0) {
            return 0;
        }
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1 < 0 ? 0
                : (int) Math.ceil(p * sorted.length) - 1)];
    }

    /** Whether event {@code seq} is poisoned: spreads {@code rate} evenly, floor(n * rate) of the first n. */
    static boolean isPoisoned(int seq, double rate) {
        return Math.floor((seq + 1) * rate) > Math.floor(seq * rate);
    }

    /** The {@value #SEQ_HEADER} of a record, or -1. */
    private static int seqOf(Headers headers) {
        final String text = DeadLetters.text(headers, SEQ_HEADER);
        if (text == null) {
            return -1;
        }
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static boolean metricsServed(int port) {
        if (port <= 0) {
            return false;
        }
        try {
            final HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + "/metrics")).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            return r.statusCode() == 200 && r.body().contains("scorestream_batch_size")
                    && r.body().contains("scorestream_e2e_latency") && r.body().contains("scorestream_records");
        } catch (Exception e) {
            return false;
        } 
    }

    private static void publish(KafkaProducer<String, Object> producer, ModelSpec spec) throws Exception {
        producer.send(new ProducerRecord<>(MODELS, spec.getName(), spec)).get();
    }

    private interface Sink<T> {
        void accept(T value);
    }

    private static void readScores(EmbeddedKafka kafka, Map<String, Object> client, SchemaRegistry schemas,
                                   AtomicBoolean stop,
                                   Sink<ConsumerRecord<byte[], ScoreResult>> sink) {
        try (KafkaConsumer<byte[], ScoreResult> c = new KafkaConsumer<>(consumerProps(kafka, client),
                new ByteArrayDeserializer(), ConfluentAvroDeserializer.specific(schemas, ScoreResult.class, false))) {
            assignAll(c, SCORES);
            while (!stop.get()) {
                for (ConsumerRecord<byte[], ScoreResult> r : c.poll(Duration.ofMillis(100))) {
                    sink.accept(r);
                }
            }
        }
    }

    private static void readBytes(EmbeddedKafka kafka, Map<String, Object> client, String topic, AtomicBoolean stop,
                                  Sink<ConsumerRecord<byte[], byte[]>> sink) {
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(consumerProps(kafka, client), new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            assignAll(c, topic);
            while (!stop.get()) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(100))) {
                    sink.accept(r);
                }
            }
        }
    }

    private static Map<String, Object> consumerProps(EmbeddedKafka kafka, Map<String, Object> client) {
        final Map<String, Object> p = new HashMap<>(client);
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        return p;
    }

    private static <K, V> void assignAll(KafkaConsumer<K, V> c, String topic) {
        final List<TopicPartition> parts = new ArrayList<>();
        for (PartitionInfo p : c.partitionsFor(topic)) {
            parts.add(new TopicPartition(topic, p.partition()));
        }
        c.assign(parts);
        c.seekToBeginning(parts);
    }

    static void deleteQuietly(Path dir) {
        try (var paths = Files.walk(dir)) {
            paths.sorted((a, b) -> b.getNameCount() - a.getNameCount()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (java.io.IOException e) {
                    // best effort
                }
            });
        } catch (java.io.IOException e) {
            // best effort
        }
    }
}
