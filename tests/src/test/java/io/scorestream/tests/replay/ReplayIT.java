package io.scorestream.tests.replay;

import io.scorestream.app.replay.ReplayCommand;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.scorestream.inference.onnx.Mlp;
import io.scorestream.inference.registry.KeyBuckets;
import io.scorestream.inference.training.SyntheticTransactions;
import io.scorestream.schemas.ModelSpec;
import io.scorestream.schemas.Rollout;
import io.scorestream.schemas.RolloutRole;
import io.scorestream.schemas.ScoreResult;
import io.scorestream.schemas.Transaction;
import io.scorestream.schemas.registry.InMemorySchemaRegistry;
import io.scorestream.testkit.SchemaRegistryServer;
import io.scorestream.schemas.serde.ConfluentAvroDeserializer;
import io.scorestream.schemas.serde.ConfluentAvroSerializer;
import io.scorestream.app.demo.DemoModels;
import io.scorestream.app.demo.SyntheticTransactionFeed;
import io.scorestream.testkit.EmbeddedKafka;
import io.scorestream.topology.ModelFixtures;
import io.scorestream.topology.errors.DeadLetters;
import io.scorestream.topology.processor.ScoringProcessor;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code scorestream replay} on a real broker and an HTTP schema registry: byte-identical output
 * on every run (for the demo's MLPs at every batch size too), also for a model whose ONNX Runtime
 * scores depend on the batch size, however the batches were cut; versions compared side by side with
 * a labelled report, the
 * history replayed as of each event's time (two versions, a 10 % canary, events before the first
 * version dead-lettered), and a replay that stops by itself while the input keeps growing. The
 * models are generated here.
 */
class ReplayIT {

    private static final Logger LOG = LoggerFactory.getLogger(ReplayIT.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Event times of the tests start at 2026-01-15T00:00:00Z: in the past (a broker refuses future ones). */
    private static final long BASE = 1_768_435_200_000L;
    /** Topics keep records of any age (the default retention would delete months-old history). */
    private static final Map<String, String> KEEP = Map.of("retention.ms", "-1");

    private static EmbeddedKafka kafka;
    private static InMemorySchemaRegistry schemas;
    private static SchemaRegistryServer registry;
    private static KafkaProducer<String, Object> producer;

    @TempDir
    Path dir;

    @BeforeAll
    static void startBrokerAndRegistry() {
        kafka = EmbeddedKafka.startDefault();
        schemas = new InMemorySchemaRegistry();
        registry = SchemaRegistryServer.start(schemas);
        producer = SyntheticTransactionFeed.producer(kafka.bootstrapServers(), schemas, Map.of());
    }

    @AfterAll
    static void stopAll() {
        Utils.closeQuietly(producer, "producer");
        Utils.closeQuietly(registry, "schema registry");
        Utils.closeQuietly(kafka, "embedded kafka");
    }

    // ---- the tests ------------------------------------------------------------------------------

    @Test
    @Timeout(value = 8, unit = TimeUnit.MINUTES)
    void replaysByteIdenticallyWhateverTheBatchSizeAndComparesTwoVersions() throws Exception {
        // given: 4 000 labelled transactions on 3 partitions (5 % of them without a key), and two
        // trained versions of the demo model on the model topic
        final int events = 4_000;
        kafka.createTopic("det-tx", 3, KEEP);
        kafka.createCompactedTopic("det-specs", 1);
        publish("det-specs", DemoModels.trainedSpec("fraud", 1, 42), BASE);
        publish("det-specs", DemoModels.trainedSpec("fraud", 2, 42), BASE + 1);
        produce("det-tx", 3, events, BASE, 1, 0.05, 2_000);

        // when: the same replay twice at 256-record batches, and once at 7-record batches (for these
        // MLPs the batch size does not change a score's bits; docs/BACKTESTING.md)
        final List<JsonNode> reports = new ArrayList<>();
        for (String[] run : new String[][] {{"det-out-a", "256"}, {"det-out-b", "256"}, {"det-out-c", "7"}}) {
            reports.add(replay("--topic", "det-tx", "--model-topic", "det-specs", "--model", "fraud@1",
                    "--model", "fraud@2", "--out", run[0], "--batch-max-records", run[1], "--labels", "is_fraud",
                    "--report", dir.resolve(run[0] + ".json").toString()));
        }

        // then: the three output topics hold the same records, byte for byte, partition by partition
        final Map<Integer, List<Out>> a = readAll("det-out-a");
        assertEquals(2 * events, count(a), "one score per event and version");
        assertSameRecords(a, readAll("det-out-b"), "two runs at batch size 256");
        assertSameRecords(a, readAll("det-out-c"), "batch size 256 and 7");
        // and: each score sits on the partition of its source record (null keys too), names its version
        final Set<String> seen = new HashSet<>();
        for (Map.Entry<Integer, List<Out>> e : a.entrySet()) {
            for (Out o : e.getValue()) {
                final ScoreResult s = o.score();
                assertEquals((int) e.getKey(), (int) s.getSourcePartition(), "output partition of " + s.getEventId());
                assertEquals(s.getModelVersion(), o.header(ScoringProcessor.HEADER_MODEL_VERSION));
                assertEquals("stable", s.getRole());
                assertEquals(s.getEventTime(), s.getScoredAt(), "deterministic scored_at");
                assertEquals(0, s.getBatchSize());
                assertTrue(seen.add(s.getSourcePartition() + "@" + s.getSourceOffset() + "/" + s.getModelVersion()),
                        "one score per record and version");
            }
        }

        // and: the report accounts for every record, per version, and AUC says the model learned
        for (JsonNode r : reports) {
            assertEquals(events, r.path("records").path("in_range").asLong(), r.toString());
            assertEquals(events, r.path("records").path("offsets_in_range").asLong());
            assertEquals(0, r.path("records").path("dead_letters").asLong());
            assertEquals(0, r.path("records").path("unaccounted").asLong());
            for (JsonNode v : r.path("versions")) {
                assertEquals(events, v.path("scored").asLong(), "scored by " + v.path("version"));
                final double auc = v.path("labels").path("roc_auc").asDouble();
                assertTrue(auc >= 0 && auc <= 1, "AUC " + auc);
                assertTrue(auc > 0.8, "AUC of version " + v.path("version").asText() + ": " + auc);
                final JsonNode cm = v.path("labels").path("confusion_matrix");
                assertEquals(events, cm.path("tp").asLong() + cm.path("fp").asLong() + cm.path("tn").asLong()
                        + cm.path("fn").asLong());
            }
            final JsonNode c = r.path("comparisons").get(0);
            assertEquals(events, c.path("records").asLong());
            assertTrue(c.path("decision_agreement").asDouble() > 0.5 && c.path("decision_agreement").asDouble() <= 1);
        }
        assertEquals(reports.get(0).path("versions").toString(), reports.get(2).path("versions").toString(),
                "the report's numbers do not depend on the batch size");

        // and: the replay's consumer groups and internal topics are gone
        for (GroupListing g : kafka.admin().listGroups().all().get(30, TimeUnit.SECONDS)) {
            assertTrue(!g.groupId().startsWith("scorestream-replay-"), "group left behind: " + g.groupId());
        }
        for (String t : kafka.admin().listTopics().names().get(30, TimeUnit.SECONDS)) {
            assertTrue(!t.startsWith("scorestream-replay-"), "topic left behind: " + t);
        }
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void replaysABatchSensitiveModelByteIdenticallyHoweverItsBatchesAreCut() throws Exception {
        // given: 2 000 transactions on 2 partitions, and a logistic regression in the shape skl2onnx
        // gives a scikit-learn one, which ONNX Runtime scores with other bits for some rows run alone
        kafka.createTopic("cut-tx", 2, KEEP);
        kafka.createCompactedTopic("cut-specs", 1);
        publish("cut-specs", ModelFixtures.convertedRegressionSpec("fraud", "1", ModelFixtures.trainedRegression(7)),
                BASE);
        produce("cut-tx", 2, 2_000, BASE, 1, 0, 500);

        // when: two replays at the same --batch-max-records: one flushing whatever each poll loop
        // brought (small batches, some of one record, cut by timing), one waiting for full batches
        final JsonNode eager = replay("--topic", "cut-tx", "--model-topic", "cut-specs", "--model", "fraud@1",
                "--out", "cut-out-a", "--batch-max-records", "64", "--batch-max-wait-ms", "0",
                "--report", dir.resolve("cut-a.json").toString());
        replay("--topic", "cut-tx", "--model-topic", "cut-specs", "--model", "fraud@1", "--out", "cut-out-b",
                "--batch-max-records", "64", "--batch-max-wait-ms", "400", "--report",
                dir.resolve("cut-b.json").toString());

        // then: every batch was scored as 64 rows, and the outputs are the same, byte for byte
        assertEquals(64, eager.path("replay").path("fixed_batch_rows").asInt());
        final Map<Integer, List<Out>> a = readAll("cut-out-a");
        assertEquals(2_000, count(a));
        assertSameRecords(a, readAll("cut-out-b"), "batches cut by each poll loop and full batches");
    }

    @Test
    @Timeout(value = 6, unit = TimeUnit.MINUTES)
    void replaysTheHistoryAsOfEachEventsTimeWithItsCanary() throws Exception {
        // given: a model history: nothing before T0, version 1 from T0, version 2 from T1, and from T2
        // version 2 stable with version 3 as a 10 % canary; 4 000 events one per millisecond from
        // T0 - 1 000 ms (a thousand in each period), keyed by 3 000 accounts
        final long t0 = BASE + 1_000;
        final long t1 = BASE + 2_000;
        final long t2 = BASE + 3_000;
        kafka.createTopic("asof-tx", 2, KEEP);
        kafka.createCompactedTopic("asof-specs", 1);
        final ModelSpec v1 = randomSpec("1", 1);
        final ModelSpec v2 = randomSpec("2", 2);
        final ModelSpec v3 = randomSpec("3", 3);
        publish("asof-specs", v1, t0);
        publish("asof-specs", v2, t1);
        publish("asof-specs", ModelSpec.newBuilder(v2).setRollout(Rollout.newBuilder().setRole(RolloutRole.CANARY)
                .setCanaryPercent(10).setCandidate(v3).build()).build(), t2);
        produce("asof-tx", 2, 4_000, BASE, 1, 0, 3_000);

        // when
        final JsonNode report = replay("--topic", "asof-tx", "--model-topic", "asof-specs", "--as-of", "fraud",
                "--out", "asof-out", "--report", dir.resolve("asof.json").toString());

        // then: every score names the version live at its event's time, canary keys by KeyBuckets
        final Map<String, Set<String>> versionsByKey = new HashMap<>();
        final Map<String, Integer> byVersion = new HashMap<>();
        for (List<Out> partition : readAll("asof-out").values()) {
            for (Out o : partition) {
                final ScoreResult s = o.score();
                final long time = s.getEventTime().toEpochMilli();
                final String where = "score of " + s.getEventId() + " at " + time;
                assertTrue(time >= t0, where + ": scored although no version was live");
                final byte[] key = s.getKey().getBytes(StandardCharsets.UTF_8);
                final boolean canary = time >= t2 && KeyBuckets.bucket(key) < KeyBuckets.threshold(10);
                final String expected = time < t1 ? "1" : canary ? "3" : "2";
                assertEquals(expected, s.getModelVersion(), where);
                assertEquals(canary ? "canary" : "stable", s.getRole(), where);
                byVersion.merge(s.getModelVersion(), 1, Integer::sum);
                if (time >= t2) {
                    versionsByKey.computeIfAbsent(s.getKey(), k -> new HashSet<>()).add(s.getModelVersion());
                }
            }
        }
        assertEquals(1_000, byVersion.get("1"));
        assertEquals(2_000, byVersion.get("2") + byVersion.get("3"));
        // and: in the canary period every key saw one version, and about 10 % of the keys the canary
        long canaryKeys = 0;
        for (Map.Entry<String, Set<String>> e : versionsByKey.entrySet()) {
            assertEquals(1, e.getValue().size(), "versions of key " + e.getKey());
            canaryKeys += e.getValue().contains("3") ? 1 : 0;
        }
        final double share = (double) canaryKeys / versionsByKey.size();
        LOG.info(String.format(Locale.ROOT, "canary period: %d of %d distinct keys (%.1f %%) scored by the canary",
                canaryKeys, versionsByKey.size(), 100 * share));
        assertTrue(share > 0.05 && share < 0.15, "share of keys on the canary: " + share);

        // and: the 1 000 events before T0 are dead-lettered with their reason, nothing is lost
        final List<String> reasons = new ArrayList<>();
        for (List<Out> partition : readAll("asof-out-dlq").values()) {
            for (Out o : partition) {
                reasons.add(o.header(DeadLetters.HEADER_REASON));
            }
        }
        assertEquals(1_000, reasons.size());
        assertEquals(Set.of("no_model_as_of"), new HashSet<>(reasons));
        final JsonNode records = report.path("records");
        assertEquals(4_000, records.path("in_range").asLong());
        assertEquals(1_000, records.path("dead_letters_without_version").path("no_model_as_of").asLong());
        assertEquals(0, records.path("unaccounted").asLong());
        long scored = 0;
        for (JsonNode v : report.path("versions")) {
            scored += v.path("scored").asLong();
            assertEquals(byVersion.get(v.path("version").asText()).longValue(), v.path("scored").asLong());
        }
        assertEquals(3_000, scored);
        assertEquals(0, report.path("comparisons").size());
    }

    @Test
    @Timeout(value = 6, unit = TimeUnit.MINUTES)
    void stopsByItselfWhileTheInputKeepsGrowing() throws Exception {
        // given: 3 000 events from BASE, and a producer that keeps appending events (stamped now)
        // while the replay runs
        kafka.createTopic("live-tx", 2, KEEP);
        kafka.createCompactedTopic("live-specs", 1);
        publish("live-specs", randomSpec("1", 9), BASE);
        produce("live-tx", 2, 3_000, BASE, 1, 0, 500);
        final SyntheticTransactionFeed appending = SyntheticTransactionFeed.builder(producer, "live-tx")
                .generator(new SyntheticTransactions(99, 500)).rate(500).build();
        final ExecutorService pool = Executors.newSingleThreadExecutor();
        final Future<Long> feed = pool.submit(appending::run);
        final JsonNode report;
        final long startNanos = System.nanoTime();
        try {
            Thread.sleep(500);
            // when: a replay from BASE + 1 000 ms (the first third is skipped), with no end time
            report = replay("--topic", "live-tx", "--model-topic", "live-specs", "--model", "fraud@1",
                    "--from", Long.toString(BASE + 1_000), "--out", "live-out",
                    "--report", dir.resolve("live.json").toString());
        } finally {
            appending.stop();
            feed.get(30, TimeUnit.SECONDS);
            pool.shutdownNow();
        }
        final double seconds = (System.nanoTime() - startNanos) / 1e9;
        LOG.info(String.format(Locale.ROOT, "replay finished in %.1f s while %,d events were appended", seconds,
                appending.sent()));
        assertTrue(seconds < 120, "the replay took " + seconds + " s to stop");

        // then: it stopped by itself, having scored exactly the records of its range: from the first
        // record at BASE + 1 000 ms to the end offsets captured at its start
        final Map<Integer, long[]> range = new HashMap<>();
        long inRange = 0;
        long endOfRange = 0;
        for (JsonNode p : report.path("replay").path("partitions")) {
            range.put(p.path("partition").asInt(), new long[] {p.path("start_offset").asLong(),
                p.path("end_offset").asLong()});
            inRange += p.path("end_offset").asLong() - p.path("start_offset").asLong();
            endOfRange += p.path("end_offset").asLong();
        }
        long scores = 0;
        for (List<Out> partition : readAll("live-out").values()) {
            for (Out o : partition) {
                final ScoreResult s = o.score();
                final long[] r = range.get(s.getSourcePartition());
                assertTrue(s.getSourceOffset() >= r[0] && s.getSourceOffset() < r[1],
                        "score of a record outside the range: " + s.getSourcePartition() + "@" + s.getSourceOffset());
                if (s.getSourceOffset() == r[0]) {
                    final long first = s.getEventTime().toEpochMilli();
                    assertTrue(first >= BASE + 1_000 && first < BASE + 1_100, "first record replayed: " + first);
                }
                scores++;
            }
        }
        assertTrue(inRange >= 2_000, "the 2 000 events from BASE + 1 000 ms are in the range: " + inRange);
        assertEquals(inRange, scores);
        // and: records appended after the start are in the topic, unscored
        long endNow = 0;
        for (var info : kafka.admin().listOffsets(Map.of(new TopicPartition("live-tx", 0), OffsetSpec.latest(),
                new TopicPartition("live-tx", 1), OffsetSpec.latest())).all().get(30, TimeUnit.SECONDS).values()) {
            endNow += info.offset();
        }
        assertTrue(endNow > endOfRange, "records were appended after the replay started: " + endNow + " > "
                + endOfRange);
        assertEquals(inRange, report.path("versions").get(0).path("scored").asLong());
        assertEquals(inRange, report.path("records").path("in_range").asLong());
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void stopsOnATransactionalInputAndCutsItByTime() throws Exception {
        // given: 500 events written in 5 committed transactions, then 50 in an aborted one: the
        // topic ends in transaction markers and aborted records, which a replay never sees
        kafka.createTopic("txn-tx", 2, KEEP);
        kafka.createCompactedTopic("txn-specs", 1);
        publish("txn-specs", randomSpec("1", 4), BASE);
        final Map<String, Object> p = new HashMap<>();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "replay-it-input");
        final ConfluentAvroSerializer<Transaction> tx = ConfluentAvroSerializer.specific(schemas, Transaction.class,
                false);
        final SyntheticTransactions gen = new SyntheticTransactions(5, 300);
        try (KafkaProducer<String, Transaction> transactional = new KafkaProducer<>(p, new StringSerializer(),
                tx::serialize)) {
            transactional.initTransactions();
            for (int batch = 0; batch < 6; batch++) {
                transactional.beginTransaction();
                for (int i = 0; i < (batch < 5 ? 100 : 50); i++) {
                    final long ts = BASE + batch * 100L + i;
                    final Transaction t = gen.next(Instant.ofEpochMilli(ts));
                    transactional.send(new ProducerRecord<>("txn-tx", null, ts, t.getAccountId(), t));
                }
                if (batch < 5) {
                    transactional.commitTransaction();
                } else {
                    transactional.flush();
                    transactional.abortTransaction();
                }
            }
        }

        // when: the whole topic is replayed, then the events of [BASE + 100 ms, BASE + 300 ms)
        final JsonNode all = replay("--topic", "txn-tx", "--model-topic", "txn-specs", "--model", "fraud@1",
                "--out", "txn-out", "--report", dir.resolve("txn.json").toString());
        final JsonNode cut = replay("--topic", "txn-tx", "--model-topic", "txn-specs", "--model", "fraud@1",
                "--from", Instant.ofEpochMilli(BASE + 100).toString(), "--to", Long.toString(BASE + 300),
                "--out", "txn-cut-out", "--report", dir.resolve("txn-cut.json").toString());

        // then: the committed events, and only those, are scored; both runs stopped by themselves
        assertEquals(500, count(readAll("txn-out")));
        assertEquals(500, all.path("versions").get(0).path("scored").asLong());
        assertEquals(500, all.path("records").path("in_range").asLong());
        assertTrue(all.path("records").path("offsets_in_range").asLong() > 500, "markers and aborted records");
        final Map<Integer, List<Out>> cutScores = readAll("txn-cut-out");
        assertEquals(200, count(cutScores));
        for (List<Out> partition : cutScores.values()) {
            for (Out o : partition) {
                final long time = o.score().getEventTime().toEpochMilli();
                assertTrue(time >= BASE + 100 && time < BASE + 300, "event time " + time);
            }
        }
        assertEquals(200, cut.path("records").path("in_range").asLong());
        assertEquals(Instant.ofEpochMilli(BASE + 300).toString(), cut.path("replay").path("to").asText());
    }

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void namesAnUnknownVersionModelOrTopicWithExitCodeTwo() throws Exception {
        kafka.createTopic("bad-tx", 1, KEEP);
        kafka.createCompactedTopic("bad-specs", 1);
        publish("bad-specs", randomSpec("1", 1), BASE);
        publish("bad-specs", randomSpec("2", 2), BASE + 1);

        final String version = failing(2, "--topic", "bad-tx", "--model-topic", "bad-specs", "--model", "fraud@1",
                "--model", "fraud@9", "--out", "bad-out");
        assertTrue(version.contains("--model fraud@9") && version.contains("versions present: 1, 2"), version);
        final String model = failing(2, "--topic", "bad-tx", "--model-topic", "bad-specs", "--as-of", "risk",
                "--out", "bad-out");
        assertTrue(model.contains("--as-of risk") && model.contains("models present: fraud"), model);
        final String topic = failing(2, "--topic", "no-such-tx", "--model-topic", "bad-specs", "--as-of", "fraud",
                "--out", "bad-out");
        assertTrue(topic.contains("--topic") && topic.contains("'no-such-tx' does not exist"), topic);
        final String specs = failing(2, "--topic", "bad-tx", "--model-topic", "no-such-specs", "--as-of", "fraud",
                "--out", "bad-out");
        assertTrue(specs.contains("--model-topic") && specs.contains("no-such-specs"), specs);
        assertTrue(!kafka.admin().listTopics().names().get(30, TimeUnit.SECONDS).contains("bad-out"),
                "nothing is created before the command line is found sound");
    }

    // ---- helpers --------------------------------------------------------------------------------

    /** Runs the command, expecting exit code {@code code}; returns what it printed on stderr. */
    private String failing(int code, String... args) {
        final List<String> all = new ArrayList<>(List.of("--bootstrap", kafka.bootstrapServers(),
                "--schema-registry", registry.url()));
        all.addAll(List.of(args));
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final int exit = ReplayCommand.run(all.toArray(new String[0]), new PrintStream(new ByteArrayOutputStream(),
                true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        final String text = err.toString(StandardCharsets.UTF_8);
        assertEquals(code, exit, text);
        return text;
    }

    /** Runs the command against the test broker and registry; fails unless it exits 0; returns the JSON report. */
    private JsonNode replay(String... args) throws Exception {
        final List<String> all = new ArrayList<>(List.of("--bootstrap", kafka.bootstrapServers(),
                "--schema-registry", registry.url()));
        all.addAll(List.of(args));
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final long start = System.nanoTime();
        final int code = ReplayCommand.run(all.toArray(new String[0]), new PrintStream(out, true,
                StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        final String report = out.toString(StandardCharsets.UTF_8);
        LOG.info(String.format(Locale.ROOT, "replay %s: exit %d in %.1f s%n%s%s", String.join(" ", args), code,
                (System.nanoTime() - start) / 1e9, err.toString(StandardCharsets.UTF_8), report));
        assertEquals(0, code, "replay failed: " + err.toString(StandardCharsets.UTF_8));
        final int at = all.indexOf("--report");
        return JSON.readTree(Path.of(all.get(at + 1)).toFile());
    }

    private static void publish(String topic, ModelSpec spec, long timestamp) throws Exception {
        producer.send(new ProducerRecord<>(topic, null, timestamp, spec.getName(), spec)).get(30, TimeUnit.SECONDS);
    }

    /** A small random MLP on the 30 demo features, inline; enough to test routing. */
    private static ModelSpec randomSpec(String version, long seed) {
        return DemoModels.inlineSpec("fraud", version, Mlp.random(seed, 30, 8, 1).toOnnx(), 0.5, Map.of());
    }

    /**
     * Produces {@code events} transactions stamped {@code base + i * stepMs}, keyed by account
     * (a share of them with a null key, sent to partition {@code i % partitions}).
     */
    private static void produce(String topic, int partitions, int events, long base, long stepMs, double nullKeys,
                                int accounts) throws Exception {
        final SyntheticTransactionFeed feed = SyntheticTransactionFeed.builder(producer, topic)
                .generator(new SyntheticTransactions(17 + topic.hashCode(), accounts)).count(events)
                .eventTimes(SyntheticTransactionFeed.EventTimes.steps(base, stepMs))
                .records((name, seq, ts, t) -> {
                    final int i = (int) seq;
                    final boolean noKey = (i * 7919 % 100) < nullKeys * 100;
                    return noKey ? new ProducerRecord<>(name, i % partitions, ts, null, t)
                            : new ProducerRecord<>(name, null, ts, t.getAccountId(), t);
                })
                .build();
        feed.run();
        feed.checkDelivered();
    }

    /** One output record: everything that must be identical across runs. */
    private record Out(byte[] key, byte[] value, long timestamp, List<String> headers, ScoreResult score,
                       Map<String, String> headerValues) {

        String header(String name) {
            return headerValues.get(name);
        }
    }

    /** Every committed record of {@code topic}, per partition in offset order. */
    private static Map<Integer, List<Out>> readAll(String topic) {
        final Map<String, Object> p = new HashMap<>();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, IsolationLevel.READ_COMMITTED.toString());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        final ConfluentAvroDeserializer<ScoreResult> scores = ConfluentAvroDeserializer.specific(schemas,
                ScoreResult.class, false);
        final Map<Integer, List<Out>> out = new HashMap<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            final List<TopicPartition> tps = new ArrayList<>();
            for (PartitionInfo info : c.partitionsFor(topic)) {
                tps.add(new TopicPartition(topic, info.partition()));
                out.put(info.partition(), new ArrayList<>());
            }
            c.assign(tps);
            c.seekToBeginning(tps);
            final Map<TopicPartition, Long> end = c.endOffsets(tps);
            final long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (tps.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
                if (System.nanoTime() > deadline) {
                    fail("reading " + topic + ": end offsets " + end + " not reached");
                }
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    final List<String> headers = new ArrayList<>();
                    final Map<String, String> values = new HashMap<>();
                    for (Header h : r.headers()) {
                        final String v = h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
                        headers.add(h.key() + "=" + v);
                        values.put(h.key(), v);
                    }
                    final boolean isScore = !topic.endsWith("-dlq");
                    out.get(r.partition()).add(new Out(r.key(), r.value(), r.timestamp(), headers,
                            isScore ? scores.deserialize(topic, r.value()) : null, values));
                }
            }
        }
        return out;
    }

    private static long count(Map<Integer, List<Out>> records) {
        return records.values().stream().mapToLong(List::size).sum();
    }

    private static void assertSameRecords(Map<Integer, List<Out>> a, Map<Integer, List<Out>> b, String what) {
        assertEquals(a.keySet(), b.keySet(), what + ": partitions");
        for (int p : a.keySet()) {
            final List<Out> x = a.get(p);
            final List<Out> y = b.get(p);
            assertEquals(x.size(), y.size(), what + ": records in partition " + p);
            for (int i = 0; i < x.size(); i++) {
                final String where = what + ": partition " + p + " record " + i;
                assertArrayEquals(x.get(i).key(), y.get(i).key(), where + " key");
                assertArrayEquals(x.get(i).value(), y.get(i).value(), where + " value");
                assertEquals(x.get(i).timestamp(), y.get(i).timestamp(), where + " timestamp");
                assertEquals(x.get(i).headers(), y.get(i).headers(), where + " headers");
            }
        }
    }
}
