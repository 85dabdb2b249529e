package io.scorestream.tests.connect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.scorestream.schemas.ScoreResult;
import io.scorestream.schemas.registry.InMemorySchemaRegistry;
import io.scorestream.schemas.serde.ConfluentAvroSerializer;
import io.scorestream.testkit.ConnectWorker;
import io.scorestream.testkit.ConnectWorkerProcess;
import io.scorestream.testkit.EmbeddedKafka;
import io.scorestream.testkit.EmbeddedPostgresServer;
import io.scorestream.testkit.SchemaRegistryServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Scores into PostgreSQL through Kafka Connect, on real parts: the embedded KRaft broker, a schema
 * registry over HTTP, a real Connect worker (in this JVM, or in a child JVM that is killed with
 * SIGKILL) running our {@code AvroConverter} and {@code JdbcSinkConnector}, and a real PostgreSQL
 * server (stopped for ten seconds mid-stream in one test). Every test counts rows by event id:
 * exactly the scores produced, none missing, none twice.
 */
class JdbcSinkIT {

    private static final Logger LOG = LoggerFactory.getLogger(JdbcSinkIT.class);

    private static final String SCORES = "scores";
    private static final String DLQ = "scores-sink-dlq";
    private static final String CONNECTOR = "scores-to-postgres";
    private static final int PARTITIONS = 3;
    private static final Instant EPOCH = Instant.parse("2026-12-01T00:00:00Z");

    @TempDir
    Path work;

    private EmbeddedKafka kafka;
    private SchemaRegistryServer registry;
    private EmbeddedPostgresServer postgres;
    private ConnectWorker worker;
    private final List<ConnectWorkerProcess> children = new ArrayList<>();
    private KafkaProducer<String, Object> producer;

    @BeforeEach
    void startParts() {
        kafka = EmbeddedKafka.startDefault();
        kafka.createTopic(SCORES, PARTITIONS, Map.of());
        kafka.createTopic(DLQ, 1, Map.of());
        registry = SchemaRegistryServer.start(new InMemorySchemaRegistry());
        postgres = EmbeddedPostgresServer.start();
        producer = producer();
    }

    @AfterEach
    void stopParts() {
        for (ConnectWorkerProcess child : children) {
            Utils.closeQuietly(child, "connect worker (child JVM)");
        }
        Utils.closeQuietly(worker, "connect worker");
        Utils.closeQuietly(producer, "producer");
        Utils.closeQuietly(postgres, "postgres");
        Utils.closeQuietly(registry, "schema registry");
        Utils.closeQuietly(kafka, "kafka");
    }

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void aHundredThousandScoresBecomeExactlyAsManyRowsWithTheirValues() throws Exception {
        // given: 100,000 scores on the topic
        final int n = 100_000;
        produceScores(0, n, 0);

        // when: the sink runs on a Connect worker
        worker = ConnectWorker.startDistributed(kafka.bootstrapServers(), Map.of());
        worker.createConnector(CONNECTOR, sinkConfig());
        worker.awaitConnectorRunning(CONNECTOR, Duration.ofSeconds(60));

        // then: exactly one row per score, with its values and types
        awaitRows(n, Duration.ofSeconds(150), () -> true);
        assertExactlyTheEventIds(n);
        try (Connection c = connect(); Statement s = c.createStatement()) {
            try (ResultSet r = s.executeQuery("SELECT score, decision, event_time, label, class_probabilities::text,"
                    + " model_name, model_version, role FROM scores WHERE event_id = 'ev-12345'")) {
                assertTrue(r.next(), "no row for ev-12345");
                assertEquals(scoreOf(12345), r.getDouble(1), 0.0);
                assertEquals(12345 % 7 == 0, r.getBoolean(2));
                assertEquals(EPOCH.plusMillis(12345), r.getTimestamp(3).toInstant());
                assertEquals(12345 % 3 == 0 ? "fraud" : null, r.getString(4));
                assertTrue(r.getString(5).contains("\"fraud\""), r.getString(5));
                assertEquals("fraud", r.getString(6));
                assertEquals("1", r.getString(7));
                assertEquals("stable", r.getString(8));
            }
            try (ResultSet r = s.executeQuery("SELECT data_type FROM information_schema.columns "
                    + "WHERE table_name = 'scores' AND column_name IN ('event_time', 'score', 'class_probabilities') "
                    + "ORDER BY column_name")) {
                final List<String> types = new ArrayList<>();
                while (r.next()) {
                    types.add(r.getString(1));
                }
                assertEquals(List.of("jsonb", "timestamp with time zone", "double precision"), types);
            }
        }
    }

    @Test
    @Timeout(value = 6, unit = TimeUnit.MINUTES)
    void aWorkerKilledMidStreamAndRestartedLeavesNeitherGapsNorDuplicates() throws Exception {
        // given: a worker in a JVM of its own, sinking while scores arrive
        final int n = 100_000;
        final Map<String, String> props = ConnectWorker.distributedProperties(kafka.bootstrapServers(), Map.of());
        final ConnectWorkerProcess first = child(props, "first");
        first.rest().createConnector(CONNECTOR, sinkConfig());
        first.rest().awaitConnectorRunning(CONNECTOR, Duration.ofSeconds(60));
        final Thread feed = produceInBackground(0, n, 20_000);

        // when: it is killed (SIGKILL) with part of the stream written, and another takes its place
        awaitRows(15_000, Duration.ofSeconds(120), first::isAlive);
        final long atKill = rowCount();
        first.kill();
        LOG.info("killed the worker with {} rows written", atKill);
        assertTrue(atKill < n, "the worker wrote everything before it was killed");
        final ConnectWorkerProcess second = child(props, "second");
        second.rest().awaitConnectorRunning(CONNECTOR, Duration.ofSeconds(120));
        feed.join(TimeUnit.MINUTES.toMillis(2));

        // then: every score is there exactly once
        awaitRows(n, Duration.ofSeconds(180), second::isAlive);
        assertExactlyTheEventIds(n);
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void aDatabaseDownForTenSecondsMidStreamIsRetriedAndNothingIsLost() throws Exception {
        final int n = 60_000;
        worker = ConnectWorker.startDistributed(kafka.bootstrapServers(), Map.of());
        worker.createConnector(CONNECTOR, sinkConfig());
        worker.awaitConnectorRunning(CONNECTOR, Duration.ofSeconds(60));
        final Thread feed = produceInBackground(0, n, 10_000);

        awaitRows(10_000, Duration.ofSeconds(120), () -> true);
        postgres.stop();
        LOG.info("PostgreSQL stopped with the stream running");
        Thread.sleep(10_000);
        postgres.restart();
        LOG.info("PostgreSQL back on port {}", postgres.port());
        feed.join(TimeUnit.MINUTES.toMillis(2));

        awaitRows(n, Duration.ofSeconds(180), () -> true);
        assertExactlyTheEventIds(n);
        assertTrue(worker.connectorStatus(CONNECTOR).isRunning(),
                "the tasks must have come through the outage: " + worker.connectorStatus(CONNECTOR));
    }

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void aNewOptionalFieldInTheScoreSchemaAddsANullableColumn() throws Exception {
        produceScores(0, 1_000, 0);
        worker = ConnectWorker.startDistributed(kafka.bootstrapServers(), Map.of());
        worker.createConnector(CONNECTOR, sinkConfig());
        worker.awaitConnectorRunning(CONNECTOR, Duration.ofSeconds(60));
        awaitRows(1_000, Duration.ofSeconds(60), () -> true);

        // when: scores of a newer schema, with an optional 'explanation', arrive
        final Schema evolved = withOptionalExplanation(ScoreResult.getClassSchema());
        for (int i = 1_000; i < 1_100; i++) {
            final GenericRecord r = copy(score(i), evolved);
            r.put("explanation", "top feature f" + (i % 30));
            producer.send(new ProducerRecord<>(SCORES, "acct-" + i, r));
        }
        producer.flush();

        // then: the table gains a nullable text column, null for the old rows, set for the new
        awaitRows(1_100, Duration.ofSeconds(60), () -> true);
        try (Connection c = connect(); Statement s = c.createStatement()) {
            try (ResultSet r = s.executeQuery("SELECT data_type, is_nullable FROM information_schema.columns "
                    + "WHERE table_name = 'scores' AND column_name = 'explanation'")) {
                assertTrue(r.next(), "no explanation column");
                assertEquals("text", r.getString(1));
                assertEquals("YES", r.getString(2));
            }
            assertEquals(1_000, count(s, "SELECT count(*) FROM scores WHERE explanation IS NULL"));
            assertEquals(100, count(s, "SELECT count(*) FROM scores WHERE explanation LIKE 'top feature f%'"));
        }
    }

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void poisonRecordsGoToTheConnectDeadLetterTopicWithTheirReasonAndTheOthersAreWritten() throws Exception {
        // given: good scores around two poison records, one the converter cannot read, one PostgreSQL refuses
        produceScores(0, 500, 0);
        try (KafkaProducer<byte[], byte[]> raw = rawProducer()) {
            raw.send(new ProducerRecord<>(SCORES, 0, "bad".getBytes(StandardCharsets.UTF_8),
                    new byte[] {1, 0, 0, 0, 1, 2, 3})).get();
        }
        final ScoreResult nul = score(500);
        nul.setLabel("nul\u0000byte");
        producer.send(new ProducerRecord<>(SCORES, 0, "acct-500", nul)).get();
        produceScores(501, 499, 0);

        worker = ConnectWorker.startDistributed(kafka.bootstrapServers(), Map.of());
        worker.createConnector(CONNECTOR, sinkConfig());
        worker.awaitConnectorRunning(CONNECTOR, Duration.ofSeconds(60));

        // then: the 999 good ones are rows, and both poison records are on the dead-letter topic with a reason
        awaitRows(999, Duration.ofSeconds(90), () -> true);
        final List<ConsumerRecord<byte[], byte[]>> dead = readDeadLetters(2, Duration.ofSeconds(60));
        assertEquals(2, dead.size(), "dead letters");
        for (ConsumerRecord<byte[], byte[]> d : dead) {
            final Header why = d.headers().lastHeader("__connect.errors.exception.message");
            assertTrue(why != null && why.value().length > 0, "no reason header on " + d);
        }
        try (Connection c = connect(); Statement s = c.createStatement()) {
            assertEquals(0, count(s, "SELECT count(*) FROM scores WHERE event_id = 'ev-500'"));
        }
        assertEquals(999, rowCount());
    }

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void scoresOfAnAbortedTransactionAreNotWritten() throws Exception {
        // given: scores written the way scorestream writes them, in transactions, one of them aborted
        final Map<String, Object> p = new HashMap<>();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "jdbc-sink-it");
        final ConfluentAvroSerializer<ScoreResult> values = ConfluentAvroSerializer.specific(registry.backing(),
                ScoreResult.class, false);
        try (KafkaProducer<String, ScoreResult> tx = new KafkaProducer<>(p, new StringSerializer(), values)) {
            tx.initTransactions();
            tx.beginTransaction();
            for (int i = 0; i < 200; i++) {
                tx.send(new ProducerRecord<>(SCORES, "acct-" + i, score(i)));
            }
            tx.flush();
            tx.abortTransaction();
            tx.beginTransaction();
            for (int i = 200; i < 300; i++) {
                tx.send(new ProducerRecord<>(SCORES, "acct-" + i, score(i)));
            }
            tx.commitTransaction();
        }

        // when: the sink reads the topic read_committed
        worker = ConnectWorker.startDistributed(kafka.bootstrapServers(), Map.of());
        worker.createConnector(CONNECTOR, sinkConfig());
        worker.awaitConnectorRunning(CONNECTOR, Duration.ofSeconds(60));

        // then: only the committed hundred are rows
        awaitRows(100, Duration.ofSeconds(60), () -> true);
        Thread.sleep(3_000);
        try (Connection c = connect(); Statement s = c.createStatement()) {
            assertEquals(100, count(s, "SELECT count(*) FROM scores"));
            assertEquals(0, count(s, "SELECT count(*) FROM scores WHERE event_id IN ('ev-0', 'ev-199')"));
        }
    }

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void aStandaloneWorkerRunsTheSinkToo() throws Exception {
        produceScores(0, 2_000, 0);
        worker = ConnectWorker.startStandalone(kafka.bootstrapServers(), work.resolve("standalone.offsets"),
                Map.of());
        worker.createConnector(CONNECTOR, sinkConfig());
        worker.awaitConnectorRunning(CONNECTOR, Duration.ofSeconds(60));

        awaitRows(2_000, Duration.ofSeconds(90), () -> true);
        assertExactlyTheEventIds(2_000);
    }

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void aWorkerWithoutOurJarsOnItsClassPathLoadsThePackagedPluginFromPluginPath() throws Exception {
        // given: the plugin as packaged (connectors/target/plugin), and a worker JVM whose class path
        // lacks the connectors module, so it can find the sink only through plugin.path
        final Path plugin = Path.of(System.getProperty("basedir", ".")).toAbsolutePath().getParent()
                .resolve("connectors").resolve("target").resolve("plugin");
        assertTrue(Files.isDirectory(plugin.resolve("scorestream-connectors")),
                "the plugin is not packaged at " + plugin + " (mvn package of connectors/)");
        final List<String> classPath = new ArrayList<>();
        final List<String> removed = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            final String e = entry.replace('\\', '/');
            (e.contains("/connectors/target/") || e.contains("scorestream-connectors") ? removed : classPath)
                    .add(entry);
        }
        assertEquals(1, removed.size(), "the connectors module is not on this JVM's class path once: " + removed);
        final Map<String, String> props = ConnectWorker.distributedProperties(kafka.bootstrapServers(),
                Map.of("plugin.path", plugin.toString()));
        final ConnectWorkerProcess stock = ConnectWorker.startChildJvm(ConnectWorker.Mode.DISTRIBUTED, props,
                work.resolve("worker-plugin-path"), Duration.ofSeconds(120),
                String.join(java.io.File.pathSeparator, classPath));
        children.add(stock);
        assertTrue(stock.rest().connectorPlugins().contains("io.scorestream.connectors.jdbc.JdbcSinkConnector"),
                "the worker does not list the sink: " + stock.rest().connectorPlugins());

        // when: scores arrive and the sink is created on it
        produceScores(0, 2_000, 0);
        stock.rest().createConnector(CONNECTOR, sinkConfig());
        stock.rest().awaitConnectorRunning(CONNECTOR, Duration.ofSeconds(60));

        // then: they are rows (the sink's classes exist in that JVM only in the plugin directory)
        awaitRows(2_000, Duration.ofSeconds(90), stock::isAlive);
        assertExactlyTheEventIds(2_000);
    }

    // ---- the sink ------------------------------------------------------------------------------

    private Map<String, String> sinkConfig() {
        final Map<String, String> c = new LinkedHashMap<>();
        c.put("connector.class", "io.scorestream.connectors.jdbc.JdbcSinkConnector");
        c.put("tasks.max", "2");
        c.put("topics", SCORES);
        c.put("connection.url", postgres.jdbcUrl());
        c.put("connection.user", postgres.user());
        c.put("connection.password", postgres.password());
        c.put("retry.backoff.ms", "1000");
        c.put("max.retries", "100");
        c.put("key.converter", "org.apache.kafka.connect.storage.StringConverter");
        c.put("value.converter", "io.scorestream.connectors.avro.AvroConverter");
        c.put("value.converter.schema.registry.url", registry.url());
        // Scores are written in exactly-once transactions: never sink an aborted one.
        c.put("consumer.override.isolation.level", "read_committed");
        c.put("errors.tolerance", "all");
        c.put("errors.deadletterqueue.topic.name", DLQ);
        c.put("errors.deadletterqueue.topic.replication.factor", "1");
        c.put("errors.deadletterqueue.context.headers.enable", "true");
        return c;
    }

    private ConnectWorkerProcess child(Map<String, String> props, String name) {
        final ConnectWorkerProcess p = ConnectWorker.startChildJvm(ConnectWorker.Mode.DISTRIBUTED, props,
                work.resolve("worker-" + name), Duration.ofSeconds(120));
        children.add(p);
        return p;
    }

    // ---- scores --------------------------------------------------------------------------------

    private static double scoreOf(int i) {
        return (i % 1000) / 1000.0;
    }

    private static ScoreResult score(int i) {
        final Map<String, Double> classes = new HashMap<>();
        classes.put("fraud", scoreOf(i));
        classes.put("normal", 1 - scoreOf(i));
        return new ScoreResult("ev-" + i, "acct-" + (i % 500), "fraud", "1", scoreOf(i), i % 7 == 0,
                i % 3 == 0 ? "fraud" : null, classes, EPOCH.plusMillis(i), EPOCH.plusMillis(i + 5), 64, 120L, 5L,
                "transactions", i % PARTITIONS, (long) i, "stable", null, null);
    }

    private void produceScores(int first, int count, long ratePerSecond) {
        final long start = System.nanoTime();
        for (int i = first; i < first + count; i++) {
            producer.send(new ProducerRecord<>(SCORES, "acct-" + (i % 500), score(i)));
            if (ratePerSecond > 0 && (i - first) % 1000 == 999) {
                final long due = start + (long) ((i - first + 1) * 1e9 / ratePerSecond);
                final long sleep = due - System.nanoTime();
                if (sleep > 0) {
                    try {
                        Thread.sleep(sleep / 1_000_000, (int) (sleep % 1_000_000));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            }
        }
        producer.flush();
    }

    private Thread produceInBackground(int first, int count, long ratePerSecond) {
        final AtomicReference<Throwable> failed = new AtomicReference<>();
        final Thread t = new Thread(() -> {
            try {
                produceScores(first, count, ratePerSecond);
            } catch (RuntimeException e) {
                failed.set(e);
                LOG.error("producing scores failed", e);
            }
        }, "score-feed");
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static Schema withOptionalExplanation(Schema base) {
        final List<Schema.Field> fields = new ArrayList<>();
        for (Schema.Field f : base.getFields()) {
            fields.add(new Schema.Field(f, f.schema()));
        }
        fields.add(new Schema.Field("explanation", Schema.createUnion(Schema.create(Schema.Type.NULL),
                Schema.create(Schema.Type.STRING)), "why the model scored so (new in this version)",
                Schema.Field.NULL_DEFAULT_VALUE));
        return Schema.createRecord(base.getName(), base.getDoc(), base.getNamespace(), false, fields);
    }

    /** {@code r}'s fields in a record of {@code schema} (which has them all, and maybe more). */
    private static GenericRecord copy(ScoreResult r, Schema schema) {
        final GenericRecord out = new GenericData.Record(schema);
        final GenericRecord asGeneric = (GenericRecord) GenericData.get().deepCopy(ScoreResult.getClassSchema(), r);
        for (Schema.Field f : ScoreResult.getClassSchema().getFields()) {
            final Object v = asGeneric.get(f.name());
            // A generic writer has no logical-type conversions: timestamp-millis goes as its long.
            out.put(f.name(), v instanceof Instant t ? t.toEpochMilli() : v);
        }
        return out;
    }

    private KafkaProducer<String, Object> producer() {
        final Map<String, Object> p = new HashMap<>();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, 10);
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        final ConfluentAvroSerializer<ScoreResult> specific = ConfluentAvroSerializer.specific(registry.backing(),
                ScoreResult.class, false);
        final ConfluentAvroSerializer<GenericRecord> generic = ConfluentAvroSerializer.generic(registry.backing(),
                false);
        final Serializer<Object> values = (topic, value) -> value instanceof ScoreResult s
                ? specific.serialize(topic, s) : generic.serialize(topic, (GenericRecord) value);
        return new KafkaProducer<>(p, new StringSerializer(), values);
    }

    private KafkaProducer<byte[], byte[]> rawProducer() {
        final Map<String, Object> p = new HashMap<>();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }

    // ---- the table -----------------------------------------------------------------------------

    private Connection connect() throws SQLException {
        return DriverManager.getConnection(postgres.jdbcUrl(), postgres.user(), postgres.password());
    }

    /** Rows in the scores table; 0 while it does not exist or the database is down. */
    private long rowCount() {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            return count(s, "SELECT count(*) FROM scores");
        } catch (SQLException e) {
            return 0;
        }
    }

    private static long count(Statement s, String sql) throws SQLException {
        try (ResultSet r = s.executeQuery(sql)) {
            r.next();
            return r.getLong(1);
        }
    }

    private void awaitRows(long expected, Duration timeout, BooleanSupplier alive) throws InterruptedException {
        final long deadline = System.nanoTime() + timeout.toNanos();
        long rows = rowCount();
        while (rows < expected) {
            if (!alive.getAsBoolean()) {
                fail("the worker died with " + rows + " of " + expected + " rows written");
            }
            if (System.nanoTime() > deadline) {
                fail(rows + " of " + expected + " rows within " + timeout);
            }
            Thread.sleep(250);
            rows = rowCount();
        }
    }

    /** Exactly the event ids ev-0 .. ev-(n-1), each once. */
    private void assertExactlyTheEventIds(int n) throws SQLException {
        final Set<String> seen = new HashSet<>();
        long rows = 0;
        try (Connection c = connect(); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT event_id FROM scores")) {
            while (r.next()) {
                seen.add(r.getString(1));
                rows++;
            }
        }
        final List<String> missing = new ArrayList<>();
        for (int i = 0; i < n && missing.size() < 10; i++) {
            if (!seen.contains("ev-" + i)) {
                missing.add("ev-" + i);
            }
        }
        assertEquals(List.of(), missing, "missing rows (first 10)");
        assertEquals(n, seen.size(), "distinct event ids");
        assertEquals(n, rows, "rows");
    }

    private List<ConsumerRecord<byte[], byte[]>> readDeadLetters(int expected, Duration timeout) {
        final Map<String, Object> p = new HashMap<>();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        final List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            final TopicPartition tp = new TopicPartition(DLQ, 0);
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            final long deadline = System.nanoTime() + timeout.toNanos();
            while (out.size() < expected && System.nanoTime() < deadline) {
                c.poll(Duration.ofMillis(200)).forEach(out::add);
            }
            c.poll(Duration.ofSeconds(2)).forEach(out::add);
        }
        return out;
    }
}
