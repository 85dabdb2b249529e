package io.scorestream.tests.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.scorestream.inference.Sha256;
import io.scorestream.inference.onnx.LogisticRegression;
import io.scorestream.inference.onnx.Mlp;
import io.scorestream.inference.training.SyntheticTransactions;
import io.scorestream.schemas.FeatureColumn;
import io.scorestream.schemas.ModelInput;
import io.scorestream.schemas.ModelOutput;
import io.scorestream.schemas.ModelSpec;
import io.scorestream.schemas.ScoreResult;
import io.scorestream.schemas.Transaction;
import io.scorestream.schemas.registry.InMemorySchemaRegistry;
import io.scorestream.schemas.registry.SchemaRegistry;
import io.scorestream.schemas.serde.ConfluentAvroDeserializer;
import io.scorestream.schemas.serde.ConfluentAvroSerializer;
import io.scorestream.app.demo.DemoModels;
import io.scorestream.app.ScoringApplication;
import io.scorestream.app.config.BatchingConfig;
import io.scorestream.app.config.InferenceConfig;
import io.scorestream.app.config.KafkaStreamsConfig;
import io.scorestream.app.config.MetricsConfig;
import io.scorestream.app.config.ModelsConfig;
import io.scorestream.app.config.PipelinesConfig;
import io.scorestream.app.config.ScorestreamConfig;
import io.scorestream.app.config.TopicsConfig;
import io.scorestream.testkit.EmbeddedKafka;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Two pipelines in one application on a real broker: a fraud MLP scoring {@code transactions} and
 * a credit-risk logistic regression scoring {@code applications} (records of another Avro schema),
 * each with its own batching, output topic and Kafka Streams client; the credit pipeline starting
 * with no model at all, paused (not failed) for longer than {@code model.wait.timeout.ms} while
 * applications arrive and the fraud pipeline scores, then scoring every application exactly once
 * when its model is published; and the artifact cache carrying the credit model, published by
 * {@code file:} URI, across a restart after its file was deleted.
 */
class MultiPipelineIT {

    private static final Logger LOG = LoggerFactory.getLogger(MultiPipelineIT.class);

    private static final String APPLICATION_ID = "scorestream-multi-pipeline-it";
    private static final String TRANSACTIONS = "transactions";
    private static final String APPLICATIONS = "applications";
    private static final String FRAUD_SCORES = "fraud-scores";
    private static final String CREDIT_SCORES = "credit-scores";
    private static final String DEAD_LETTERS = "scores-dlq";
    private static final String MODELS = "model-specs";
    private static final String FRAUD = "fraud";
    private static final String CREDIT = "credit";
    private static final int FRAUD_BATCH = 64;
    private static final int CREDIT_BATCH = 7;
    /** model.wait.timeout.ms: the credit pipeline waits longer than this for its model. */
    private static final long MODEL_WAIT_MS = 3_000;

    /** Run while the application is up, then while it is down (a backlog that fills whole batches). */
    private static final int LIVE_TRANSACTIONS = 1_500;
    private static final int LIVE_APPLICATIONS = 1_000;
    private static final int BACKLOG_TRANSACTIONS = 1_000;
    private static final int BACKLOG_APPLICATIONS = 700;

    /** A loan application: a record schema of its own, with other fields than a transaction. */
    private static final Schema LOAN_APPLICATION = SchemaBuilder.record("LoanApplication")
            .namespace("io.scorestream.it")
            .fields()
            .requiredString("application_id")
            .requiredDouble("income")
            .requiredDouble("debt_ratio")
            .requiredInt("age")
            .endRecord();

    @TempDir
    Path stateDir;
    @TempDir
    Path cacheDir;
    @TempDir
    Path artifacts;

    private EmbeddedKafka kafka;
    private KafkaProducer<String, Object> producer;
    private ScoringApplication app;

    @AfterEach
    void closeEverything() {
        Utils.closeQuietly(app, "scoring application");
        Utils.closeQuietly(producer, "producer");
        Utils.closeQuietly(kafka, "embedded kafka");
    }

    @Test
    @Timeout(value = 8, unit = TimeUnit.MINUTES)
    void aPipelineWithoutAModelWaitsPausedWhileTheOtherScoresThenEachTopicIsScoredOnceWithItsOwnModel()
            throws Exception {
        // given: a broker, both pipelines' topics, and only the fraud model published
        kafka = EmbeddedKafka.startDefault();
        for (String topic : List.of(TRANSACTIONS, APPLICATIONS, FRAUD_SCORES, CREDIT_SCORES)) {
            kafka.createTopic(topic, 2, Map.of());
        }
        for (String topic : List.of(FRAUD_SCORES + "-shadow", CREDIT_SCORES + "-shadow", DEAD_LETTERS)) {
            kafka.createTopic(topic, 1, Map.of());
        }
        kafka.createCompactedTopic(MODELS, 1);
        final InMemorySchemaRegistry schemas = new InMemorySchemaRegistry();
        producer = producer(kafka.bootstrapServers(), schemas);
        send(MODELS, FRAUD, fraudSpec());
        final ScorestreamConfig config = ScorestreamConfig.of(settings());
        assertEquals(2, config.pipelines().size());

        // when the application starts (the credit pipeline's wait for its model begins inside start(),
        // so the clock that bounds it from below starts before it)
        final long started = System.nanoTime();
        app = ScoringApplication.start(config, schemas);
        assertTrue(app.models().awaitLive(FRAUD, Duration.ofSeconds(60)), "the fraud model did not go live");
        assertTrue(app.awaitRunning(FRAUD, Duration.ofSeconds(90)), "the fraud pipeline's Kafka Streams did not "
                + "reach RUNNING: " + app.state(FRAUD));

        // then each pipeline has a client of its own, and the credit one is paused for want of a model
        assertEquals(APPLICATION_ID + "-" + FRAUD, app.applicationId(FRAUD));
        assertEquals(APPLICATION_ID + "-" + CREDIT, app.applicationId(CREDIT));
        assertTrue(app.isPaused(CREDIT), "the credit pipeline has no model: it must be paused");
        assertFalse(app.isPaused(FRAUD));

        // and it is not ready while the credit model is missing, and says which one is and why
        assertEquals(List.of(CREDIT), app.missingModels());
        final HttpResponse<String> notReady = readyz(app.metricsPort());
        assertEquals(503, notReady.statusCode(), notReady.body());
        assertTrue(notReady.body().contains("\"missing\":[\"credit\"]"), notReady.body());
        assertTrue(notReady.body().contains("\"waiting\":{\"credit\":{\"model\":\"credit\""), notReady.body());

        // when both topics are fed while the credit model is still missing, past model.wait.timeout.ms
        produceTransactions(0, LIVE_TRANSACTIONS);
        produceApplications(0, LIVE_APPLICATIONS);

        // then the fraud pipeline scores every transaction meanwhile
        try (ScoreLog fraudScores = new ScoreLog(kafka.bootstrapServers(), schemas, FRAUD_SCORES)) {
            fraudScores.readUntilDistinct(LIVE_TRANSACTIONS, Duration.ofSeconds(120), this::assertAlive);
        }

        // and the credit pipeline waits, paused and not failed, and readiness reports the wait as an error
        final HttpResponse<String> overdue = awaitReadyzContaining(app.metricsPort(), "\"status\":\"error\"",
                Duration.ofMillis(MODEL_WAIT_MS).plusSeconds(30));
        assertTrue(System.nanoTime() - started > Duration.ofMillis(MODEL_WAIT_MS).toNanos(), String.format(
                Locale.ROOT, "readiness reported the wait as an error %d ms after the start, before "
                        + "model.wait.timeout.ms=%d", (System.nanoTime() - started) / 1_000_000, MODEL_WAIT_MS));
        assertEquals(503, overdue.statusCode(), overdue.body());
        assertTrue(overdue.body().contains("waited longer than model.wait.timeout.ms"), overdue.body());
        assertTrue(app.isPaused(CREDIT), "the credit pipeline must still be paused");
        assertNotEquals(KafkaStreams.State.ERROR, app.state(CREDIT));
        assertNotEquals(KafkaStreams.State.PENDING_ERROR, app.state(CREDIT));
        assertNull(app.failure(), "a missing model must not fail the application");
        try (ScoreLog creditScores = new ScoreLog(kafka.bootstrapServers(), schemas, CREDIT_SCORES);
             ScoreLog deadLetters = new ScoreLog(kafka.bootstrapServers(), schemas, DEAD_LETTERS)) {
            assertEquals(0, creditScores.recordCount(), "credit scores without a credit model");
            assertEquals(0, deadLetters.recordCount(), "dead letters for want of a model");
        }

        // when the credit model is published by file: URI with its sha256
        final byte[] creditOnnx = creditModel().toOnnx();
        final Path creditFile = Files.write(artifacts.resolve("credit-v1.onnx"), creditOnnx);
        final String creditSha = Sha256.hex(creditOnnx);
        send(MODELS, CREDIT, creditSpec(creditFile.toUri().toString(), creditSha));

        // then every pipeline's model is live, the credit pipeline resumes and the application is ready
        assertTrue(app.models().awaitLive(CREDIT, Duration.ofSeconds(60)), "the credit model did not go live: "
                + app.models().lastRefusal(CREDIT));
        awaitReady(app.metricsPort(), Duration.ofSeconds(60));
        assertFalse(app.isPaused(CREDIT));

        // and every application that arrived meanwhile is scored (exactly once: checked at the end)
        try (ScoreLog fraudScores = new ScoreLog(kafka.bootstrapServers(), schemas, FRAUD_SCORES);
             ScoreLog creditScores = new ScoreLog(kafka.bootstrapServers(), schemas, CREDIT_SCORES)) {
            fraudScores.readUntilDistinct(LIVE_TRANSACTIONS, Duration.ofSeconds(120), this::assertAlive);
            creditScores.readUntilDistinct(LIVE_APPLICATIONS, Duration.ofSeconds(120), this::assertAlive);
        }

        // and the application stops, the credit artifact's file is deleted, and both topics fill up
        app.close();
        app = null;
        assertTrue(Files.isRegularFile(cacheDir.resolve(creditSha + ".onnx")), "the credit artifact is not cached");
        Files.delete(creditFile);
        produceTransactions(LIVE_TRANSACTIONS, BACKLOG_TRANSACTIONS);
        produceApplications(LIVE_APPLICATIONS, BACKLOG_APPLICATIONS);

        // and it starts again with the same cache directory
        app = ScoringApplication.start(ScorestreamConfig.of(settings()), schemas);

        // then the credit model loads all the same, from the cache
        assertTrue(app.models().awaitLive(FRAUD, Duration.ofSeconds(60))
                && app.models().awaitLive(CREDIT, Duration.ofSeconds(60)),
                "after the restart, not every model went live: missing " + app.missingModels()
                + "; last credit refusal: " + app.models().lastRefusal(CREDIT));
        assertEquals("1", app.models().live(CREDIT).orElseThrow().version());
        assertEquals(creditSha, app.models().live(CREDIT).orElseThrow().sha256());

        // and every record of each topic has exactly one score, by its own model, on its own topic,
        // in batches no larger than its own pipeline's
        final int transactions = LIVE_TRANSACTIONS + BACKLOG_TRANSACTIONS;
        final int applications = LIVE_APPLICATIONS + BACKLOG_APPLICATIONS;
        try (ScoreLog fraudScores = new ScoreLog(kafka.bootstrapServers(), schemas, FRAUD_SCORES);
             ScoreLog creditScores = new ScoreLog(kafka.bootstrapServers(), schemas, CREDIT_SCORES)) {
            fraudScores.readUntilDistinct(transactions, Duration.ofSeconds(180), this::assertAlive);
            creditScores.readUntilDistinct(applications, Duration.ofSeconds(180), this::assertAlive);
            fraudScores.assertExactlyOnce("tx-", transactions, FRAUD, TRANSACTIONS, FRAUD_BATCH);
            creditScores.assertExactlyOnce("app-", applications, CREDIT, APPLICATIONS, CREDIT_BATCH);
        }
        try (ScoreLog deadLetters = new ScoreLog(kafka.bootstrapServers(), schemas, DEAD_LETTERS)) {
            assertEquals(0, deadLetters.recordCount(), "dead letters");
        }
    }

    /**
     * Fraud: its own batch size and wait, and event id field; credit: the global wait and event id
     * field, its own batch size.
     */
    private Map<String, Object> settings() {
        final Map<String, Object> s = new HashMap<>();
        s.put(KafkaStreamsConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        s.put(KafkaStreamsConfig.APPLICATION_ID_CONFIG, APPLICATION_ID);
        s.put(KafkaStreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        s.put(TopicsConfig.DEAD_LETTER_TOPIC_CONFIG, DEAD_LETTERS);
        s.put(TopicsConfig.MODEL_TOPIC_CONFIG, MODELS);
        s.put(InferenceConfig.INFERENCE_DEVICE_CONFIG, "cpu");
        s.put(MetricsConfig.METRICS_PORT_CONFIG, "0");
        s.put(ModelsConfig.MODEL_CACHE_DIR_CONFIG, cacheDir.toString());
        // Kafka Streams does not leave the group on close: the restarted instance waits out the old session.
        s.put(KafkaStreamsConfig.KAFKA_PREFIX + ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, "10000");
        s.put(BatchingConfig.BATCH_MAX_WAIT_MS_CONFIG, "500");
        s.put(ModelsConfig.MODEL_WAIT_TIMEOUT_MS_CONFIG, Long.toString(MODEL_WAIT_MS));
        s.put(TopicsConfig.EVENT_ID_FIELD_CONFIG, "application_id");
        s.put(PipelinesConfig.PIPELINES_CONFIG, FRAUD + "," + CREDIT);
        s.put(pipelineKey(FRAUD, TopicsConfig.INPUT_TOPICS_CONFIG), TRANSACTIONS);
        s.put(pipelineKey(FRAUD, ModelsConfig.MODEL_NAME_CONFIG), FRAUD);
        s.put(pipelineKey(FRAUD, TopicsConfig.OUTPUT_TOPIC_CONFIG), FRAUD_SCORES);
        s.put(pipelineKey(FRAUD, BatchingConfig.BATCH_MAX_RECORDS_CONFIG), Integer.toString(FRAUD_BATCH));
        s.put(pipelineKey(FRAUD, BatchingConfig.BATCH_MAX_WAIT_MS_CONFIG), "1000");
        s.put(pipelineKey(FRAUD, TopicsConfig.EVENT_ID_FIELD_CONFIG), "transaction_id");
        s.put(pipelineKey(CREDIT, TopicsConfig.INPUT_TOPICS_CONFIG), APPLICATIONS);
        s.put(pipelineKey(CREDIT, ModelsConfig.MODEL_NAME_CONFIG), CREDIT);
        s.put(pipelineKey(CREDIT, TopicsConfig.OUTPUT_TOPIC_CONFIG), CREDIT_SCORES);
        s.put(pipelineKey(CREDIT, BatchingConfig.BATCH_MAX_RECORDS_CONFIG), Integer.toString(CREDIT_BATCH));
        return s;
    }

    private static String pipelineKey(String pipeline, String setting) {
        return PipelinesConfig.pipelineKey(pipeline, setting);
    }

    private void assertAlive() {
        assertNull(app.failure(), "the scoring application failed");
    }

    // ---- models -------------------------------------------------------------------------------

    /** An untrained MLP over the 30 transaction features, carried inline. */
    private static ModelSpec fraudSpec() {
        return DemoModels.inlineSpec(FRAUD, "1", Mlp.random(11, 30, 8, 1).toOnnx(), 0.5, Map.of());
    }

    /** sigmoid(-0.00002 income + 3 debt_ratio - 0.01 age + 0.5). */
    private static LogisticRegression creditModel() {
        return new LogisticRegression(new float[] {-0.00002f, 3f, -0.01f}, 0.5f);
    }

    private static ModelSpec creditSpec(String artifactUri, String sha256) {
        final List<FeatureColumn> columns = new ArrayList<>();
        for (String field : List.of("income", "debt_ratio", "age")) {
            columns.add(FeatureColumn.newBuilder().setField(field).build());
        }
        return ModelSpec.newBuilder()
                .setName(CREDIT)
                .setVersion("1")
                .setArtifactUri(artifactUri)
                .setArtifactBytes((ByteBuffer) null)
                .setSha256(sha256)
                .setInputs(List.of(ModelInput.newBuilder().setInputName(Mlp.INPUT).setColumns(columns).build()))
                .setOutput(ModelOutput.newBuilder().setScoreOutput(Mlp.OUTPUT).build())
                .setThreshold(0.5)
                .setCreatedAt(Instant.now())
                .setMetadata(new HashMap<>(Map.of("trainer", "none (hand-set weights)")))
                .build();
    }

    // ---- producing ----------------------------------------------------------------------------

    /** Transactions {@code tx-first .. tx-(first+count-1)}, keyed by account; waits for every acknowledgement. */
    private void produceTransactions(int first, int count) {
        final SyntheticTransactions generator = new SyntheticTransactions(first + 1L, 500);
        final long start = System.currentTimeMillis() - count;
        for (int i = 0; i < count; i++) {
            final Transaction t = generator.next(Instant.ofEpochMilli(start + i));
            t.setTransactionId("tx-" + (first + i));
            producer.send(new ProducerRecord<>(TRANSACTIONS, null, start + i, t.getAccountId(), t));
        }
        producer.flush();
    }

    /** Loan applications {@code app-first .. app-(first+count-1)}; waits for every acknowledgement. */
    private void produceApplications(int first, int count) {
        final Random random = new Random(first);
        final long start = System.currentTimeMillis() - count;
        for (int i = 0; i < count; i++) {
            final GenericRecord r = new GenericData.Record(LOAN_APPLICATION);
            r.put("application_id", "app-" + (first + i));
            r.put("income", 20_000 + random.nextDouble() * 180_000);
            r.put("debt_ratio", random.nextDouble());
            r.put("age", 18 + random.nextInt(60));
            producer.send(new ProducerRecord<>(APPLICATIONS, null, start + i, "applicant-" + random.nextInt(300), r));
        }
        producer.flush();
    }

    private void send(String topic, String key, Object value) throws Exception {
        producer.send(new ProducerRecord<>(topic, key, value)).get(30, TimeUnit.SECONDS);
    }

    /** Model specs, transactions and any other Avro record, in the Confluent wire format. */
    private static KafkaProducer<String, Object> producer(String bootstrapServers, SchemaRegistry schemas) {
        final Map<String, Object> p = new HashMap<>();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 10);
        final ConfluentAvroSerializer<ModelSpec> specs = ConfluentAvroSerializer.specific(schemas, ModelSpec.class,
                false);
        final ConfluentAvroSerializer<Transaction> transactions = ConfluentAvroSerializer.specific(schemas,
                Transaction.class, false);
        final ConfluentAvroSerializer<GenericRecord> generic = ConfluentAvroSerializer.generic(schemas, false);
        final Serializer<Object> values = (topic, value) -> {
            if (value instanceof ModelSpec spec) {
                return specs.serialize(topic, spec);
            }
            if (value instanceof Transaction t) {
                return transactions.serialize(topic, t);
            }
            return generic.serialize(topic, (GenericRecord) value);
        };
        return new KafkaProducer<>(p, new StringSerializer(), values);
    }

    // ---- health -------------------------------------------------------------------------------

    private static HttpResponse<String> readyz(int port) throws Exception {
        final HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/readyz"))
                .timeout(Duration.ofSeconds(10)).GET().build();
        return HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
    }

    /** Polls {@code /readyz} until its body contains {@code text}; returns that response. */
    private static HttpResponse<String> awaitReadyzContaining(int port, String text, Duration timeout)
            throws Exception {
        final long deadline = System.nanoTime() + timeout.toNanos();
        HttpResponse<String> last = readyz(port);
        while (!last.body().contains(text)) {
            if (System.nanoTime() > deadline) {
                fail("/readyz did not say " + text + " within " + timeout + ": " + last.body());
            }
            Thread.sleep(200);
            last = readyz(port);
        }
        return last;
    }

    /** Waits for a 200 from {@code /readyz} (a rebalance may briefly take Kafka Streams out of RUNNING). */
    private static void awaitReady(int port, Duration timeout) throws Exception {
        final long deadline = System.nanoTime() + timeout.toNanos();
        HttpResponse<String> last = readyz(port);
        while (last.statusCode() != 200) {
            if (System.nanoTime() > deadline) {
                fail("not ready within " + timeout + ": " + last.body());
            }
            Thread.sleep(200);
            last = readyz(port);
        }
        assertFalse(last.body().contains("\"missing\":[\""), last.body());
    }

    // ---- reading ------------------------------------------------------------------------------

    /** A topic of scores read from the beginning by a read_committed consumer. Test thread only. */
    private static final class ScoreLog implements AutoCloseable {

        private final String topic;
        private final KafkaConsumer<byte[], ScoreResult> consumer;
        private final List<TopicPartition> partitions = new ArrayList<>();
        private final List<ScoreResult> scores = new ArrayList<>();
        private final Map<String, Integer> counts = new HashMap<>();

        ScoreLog(String bootstrapServers, SchemaRegistry schemas, String topic) {
            this.topic = topic;
            final Map<String, Object> p = new HashMap<>();
            p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
            p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, IsolationLevel.READ_COMMITTED.toString());
            p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
            this.consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(),
                    ConfluentAvroDeserializer.specific(schemas, ScoreResult.class, false));
            for (PartitionInfo info : consumer.partitionsFor(topic)) {
                partitions.add(new TopicPartition(topic, info.partition()));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
        }

        /** Reads until {@code expected} distinct event ids are in, then on to the last stable offsets. */
        void readUntilDistinct(int expected, Duration timeout, Runnable healthCheck) {
            final long deadline = System.nanoTime() + timeout.toNanos();
            while (counts.size() < expected) {
                if (System.nanoTime() > deadline) {
                    fail(String.format(Locale.ROOT, "%s: %,d of %,d event ids scored within %s", topic,
                            counts.size(), expected, timeout));
                }
                poll();
                healthCheck.run();
            }
            final Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            while (!end.entrySet().stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue())) {
                poll();
            }
        }

        private void poll() {
            for (ConsumerRecord<byte[], ScoreResult> r : consumer.poll(Duration.ofMillis(200))) {
                scores.add(r.value());
                counts.merge(r.value().getEventId(), 1, Integer::sum);
            }
        }

        /** Committed records in the topic, whatever they are. */
        long recordCount() {
            long n = 0;
            final Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            final Map<TopicPartition, Long> begin = consumer.beginningOffsets(partitions);
            for (TopicPartition tp : partitions) {
                n += end.get(tp) - begin.get(tp);
            }
            return n;
        }

        /**
         * Ids {@code prefix0 .. prefix(expected-1)} each scored once and nothing else; every score by
         * {@code model}, from {@code sourceTopic}, in a batch of at most {@code maxBatch}, which the
         * backlog filled at least once.
         */
        void assertExactlyOnce(String prefix, int expected, String model, String sourceTopic, int maxBatch) {
            final List<String> missing = new ArrayList<>();
            for (int i = 0; i < expected; i++) {
                if (!counts.containsKey(prefix + i)) {
                    missing.add(prefix + i);
                }
            }
            assertEquals(List.of(), missing.subList(0, Math.min(10, missing.size())), topic + ": missing scores ("
                    + missing.size() + ")");
            assertEquals(expected, counts.size(), topic + ": distinct event ids");
            assertEquals(expected, scores.size(), topic + ": scores (a duplicate makes more)");
            int largest = 0;
            for (ScoreResult s : scores) {
                final String where = topic + ", score of " + s.getEventId();
                assertEquals(model, s.getModelName(), where + ": model");
                assertEquals(sourceTopic, s.getSourceTopic(), where + ": source topic");
                assertTrue(s.getBatchSize() >= 1 && s.getBatchSize() <= maxBatch,
                        where + ": batch size " + s.getBatchSize() + " outside [1, " + maxBatch + "]");
                largest = Math.max(largest, s.getBatchSize());
            }
            LOG.info("{}: {} scores by {}, largest batch {} (limit {})", topic, scores.size(), model, largest,
                    maxBatch);
            assertEquals(maxBatch, largest, topic + ": the backlog never filled a batch");
        }

        @Override
        public void close() {
            Utils.closeQuietly(consumer, topic + " reader");
        }
    }
}
