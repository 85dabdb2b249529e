package io.scorestream.tests.reliability;

import static io.scorestream.tests.it.ScoringItSupport.DEAD_LETTERS;
import static io.scorestream.tests.it.ScoringItSupport.TRANSACTIONS;
import static io.scorestream.tests.it.ScoringItSupport.appSettings;
import static io.scorestream.tests.it.ScoringItSupport.createTopics;
import static io.scorestream.tests.it.ScoringItSupport.publish;
import static io.scorestream.tests.reliability.ReliabilitySupport.committedScores;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scorestream.app.ScoringApplication;
import io.scorestream.app.config.BatchingConfig;
import io.scorestream.app.config.KafkaStreamsConfig;
import io.scorestream.app.config.MetricsConfig;
import io.scorestream.app.config.ScorestreamConfig;
import io.scorestream.app.config.TopicsConfig;
import io.scorestream.schemas.ScoreResult;
import io.scorestream.schemas.registry.InMemorySchemaRegistry;
import io.scorestream.testkit.EmbeddedKafka;
import io.scorestream.testkit.SchemaRegistryServer;
import io.scorestream.tests.it.ScoringItSupport;
import io.scorestream.tests.it.ScoringItSupport.ScoreReader;
import io.scorestream.tests.reliability.FeatureFaults.FeatureFeed;
import io.scorestream.tests.reliability.ReliabilitySupport.Restore;
import io.scorestream.tests.reliability.ReliabilitySupport.RestoreLog;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Windowed aggregates across a rebalance. Two in-process exactly_once_v2 instances that emit the
 * aggregate values with each score share six input partitions; mid-stream one leaves (graceful
 * close) with records buffered on all its tasks, their values computed (its last commit scores
 * them: {@code batch.flush.at.commit}, the default), and the other takes its partitions over (their
 * aggregate state restored from the changelog; nothing from the buffer's changelog); later an instance with the leaver's state directory joins again and takes
 * partitions back (its local aggregate state is stale by then). Every event must have exactly one
 * committed score, carrying the aggregate values of an uninterrupted run of the same input (a replay
 * of the topic).
 */
class FeaturesRebalanceIT {

    private static final Logger LOG = LoggerFactory.getLogger(FeaturesRebalanceIT.class);
    private static final String APPLICATION_ID = "scorestream-features-rebalance";
    private static final int EVENTS = 40_000;
    private static final long RATE = 2_000;
    private static final int PARTITIONS = 6;
    private static final int ACCOUNTS = 300;
    private static final long SEED = 7_121_977L;

    @TempDir
    Path work;

    private EmbeddedKafka kafka;
    private SchemaRegistryServer registryServer;
    private KafkaProducer<String, Object> producer;
    private FeatureFeed feed;
    private ScoreReader scores;
    private RestoreLog restoreLog;
    private final List<ScoringApplication> apps = new ArrayList<>();

    @AfterEach
    void closeEverything() {
        if (feed != null) {
            feed.close();
        }
        for (ScoringApplication app : apps) {
            Utils.closeQuietly(app, "scoring application");
        }
        Utils.closeQuietly(scores, "score reader");
        Utils.closeQuietly(restoreLog, "restore log");
        Utils.closeQuietly(producer, "producer");
        Utils.closeQuietly(registryServer, "schema registry server");
        Utils.closeQuietly(kafka, "embedded kafka");
    }

    @Test
    @Timeout(value = 6, unit = TimeUnit.MINUTES)
    void aggregatesOfMovedPartitionsEqualThoseOfAnUninterruptedRunWhenAnInstanceLeavesAndRejoins()
            throws Exception {
        // given: a model version declaring ten per-account aggregates, and two instances with the
        // same application.id and their own state directories on a 6-partition input. A never
        // flushes on age (its batches wait up to 10 minutes), so its tasks hold every record they
        // got since their last commit, values computed, when it leaves; B flushes every 2 s.
        kafka = EmbeddedKafka.startDefault();
        createTopics(kafka, PARTITIONS);
        final InMemorySchemaRegistry schemas = new InMemorySchemaRegistry();
        registryServer = SchemaRegistryServer.start(schemas);
        producer = ScoringItSupport.producer(kafka.bootstrapServers(), schemas);
        final long base = FeatureFaults.base();
        publish(producer, FeatureFaults.spec(base));
        restoreLog = RestoreLog.attach();
        final ScoringApplication a = start(config(work.resolve("state-a"), 600_000), schemas);
        final ScoringApplication b = start(config(work.resolve("state-b"), 2_000), schemas);
        awaitRunning(a, "instance A");
        awaitRunning(b, "instance B");

        // and: 40 000 transactions of 300 accounts at 2 000/s, 50 ms of event time apart, every
        // tenth 4 minutes early; a fifth of them scored, or, on a slow
        // machine, three fifths sent (A must leave while transactions still flow)
        feed = FeatureFeed.start(producer, EVENTS, RATE, SEED, ACCOUNTS, base);
        scores = new ScoreReader(kafka.bootstrapServers(), schemas);
        ReliabilitySupport.await("a fifth of the stream scored", Duration.ofSeconds(180),
                () -> committedScores(kafka.admin()) >= EVENTS / 5 || feed.sent() >= EVENTS * 3 / 5,
                () -> String.format(Locale.ROOT, "%,d sent, %,d scores committed", feed.sent(),
                        committedScores(kafka.admin())));

        // when: A leaves (its tasks' last commit scores their open batches and commits the scores
        // with their input offsets and aggregate state)
        final long closeStartMillis = System.currentTimeMillis();
        final int sentAtClose = feed.sent();
        a.close();
        apps.remove(a);
        final long closedMillis = System.currentTimeMillis();
        // Nobody commits A's partitions until B has them (after the session timeout): A's final offsets.
        final Map<Integer, Long> committedAtClose = ReliabilitySupport.committedInputOffsets(kafka.admin(),
                APPLICATION_ID);
        LOG.info(String.format(Locale.ROOT, "instance A closed in %d ms: %,d transactions sent, %,d scores "
                        + "committed, input offsets committed %s", System.currentTimeMillis() - closeStartMillis,
                sentAtClose, committedScores(kafka.admin()), committedAtClose));
        // A's partitions: the ones nobody commits on for 2 s (B commits on its own every 100 ms)
        final Set<Integer> moved = ReliabilitySupport.unmovedPartitions(kafka.admin(), APPLICATION_ID,
                committedAtClose, Duration.ofSeconds(2));
        LOG.info("instance A's partitions (no commit on them 2 s after the close): {}", moved);

        // then (while A is away): B takes A's partitions over and commits on every partition
        ReliabilitySupport.await("instance B committing on every input partition after A left",
                Duration.ofSeconds(120), () -> allAdvanced(committedAtClose) || (feed.finished()
                        && ScoringItSupport.groupCaughtUp(kafka.admin(), APPLICATION_ID, TRANSACTIONS)),
                () -> String.format(Locale.ROOT, "%,d sent, %,d scores committed, offsets at close %s, now %s, B %s",
                        feed.sent(), committedScores(kafka.admin()), committedAtClose, committedInputOffsets(),
                        b.state()));
        final List<Restore> takenOver = restoreLog.since(closeStartMillis);

        // when: an instance with A's state directory joins again, flushing every 2 s like B
        final long rejoinMillis = System.currentTimeMillis();
        final ScoringApplication a2 = start(config(work.resolve("state-a"), 2_000), schemas);
        awaitRunning(a2, "instance A (rejoined)");

        // and: everything is scored, and the same input is replayed from the topic, uninterrupted
        feed.awaitAllAcked(Duration.ofSeconds(120));
        // Settle: longer than a batch wait (2 s) plus a commit interval.
        ReliabilitySupport.readAllScores(scores, EVENTS, feed::finished, kafka.admin(), APPLICATION_ID, () -> {
            assertNull(b.failure(), "instance B failed");
            assertNull(a2.failure(), "instance A (rejoined) failed");
        }, Duration.ofSeconds(3));
        final List<Restore> afterRejoin = restoreLog.since(rejoinMillis);
        final long replayStart = System.nanoTime();
        final Map<String, Map<String, Double>> reference = FeatureFaults.replay(kafka.bootstrapServers(),
                registryServer.url(), schemas, "features-rebalance-replay", work.resolve("replay.json"), EVENTS);
        final double replaySeconds = (System.nanoTime() - replayStart) / 1e9;

        // then: every event has exactly one committed score, and nothing was dead-lettered
        scores.assertExactlyOnce(EVENTS);
        assertEquals(0, ScoringItSupport.countCommittedRecords(kafka.bootstrapServers(), DEAD_LETTERS,
                Duration.ofSeconds(30)), "dead letters");
        // and: each score carries the aggregate values the uninterrupted run computed for its event
        final List<String> differences = FeatureFaults.differences(scores.scores(), reference);
        final Map<Integer, Long> movedAt = new TreeMap<>();
        for (int p : moved) {
            movedAt.put(p, committedAtClose.get(p));
        }
        final long straddling = FeatureFaults.straddling(scores.scores(), movedAt, feed);
        final List<ScoreResult> scoredByTheClose = ReliabilitySupport.scoredByTheClose(scores.scores(), moved,
                committedAtClose, closeStartMillis, closedMillis);
        LOG.info(String.format(Locale.ROOT, "RESULT features rebalance: %,d events; A left after %,d sent; B "
                        + "restored %,d buffered record(s); A's close scored %,d of partitions %s; %,d events of "
                        + "those partitions past A's "
                        + "last offsets had events A computed in their 10-minute window; after A rejoined, %,d "
                        + "record(s) of %d task(s) restored %s; %,d differences from the replay (%.1f s); %s", EVENTS,
                sentAtClose, RestoreLog.records(takenOver), scoredByTheClose.size(), moved, straddling,
                RestoreLog.records(afterRejoin), afterRejoin.size(), afterRejoin, differences.size(), replaySeconds,
                scores.accounting(EVENTS)));
        assertEquals(0, differences.size(), "events whose aggregate values differ from the uninterrupted run's:"
                + FeatureFaults.head(differences, 10));
        // and: A had partitions of its own when it left, and B went on filling windows A had begun (else
        // this proved nothing about moved partitions)
        assertTrue(!moved.isEmpty() && moved.size() < PARTITIONS, "A's partitions (no commit on them for 2 s "
                + "after the close): " + moved);
        // How many of A's held records its close scored is logged, not required: a close that comes right
        // after a commit finds the open batch empty, and the scores of one that does not fall in a window of
        // wall-clock milliseconds (it failed once in CI with 0). What must hold holds above and below.
        // and: nothing went through the buffer's changelog: none written, none restored
        assertEquals(0, RestoreLog.records(restoreLog.since(0)), "records restored from the buffer changelog: "
                + restoreLog.since(0));
        assertEquals(0, ReliabilitySupport.bufferChangelogRecords(kafka.bootstrapServers(), APPLICATION_ID),
                "buffer changelog records");
        assertTrue(straddling > 0, "no event of a moved partition had an event A computed in its 10-minute window");
    }

    private Map<Integer, Long> committedInputOffsets() {
        try {
            return ReliabilitySupport.committedInputOffsets(kafka.admin(), APPLICATION_ID);
        } catch (Exception e) {
            return Map.of();
        }
    }

    /** Whether the group's committed offset of every input partition is past {@code before}. */
    private boolean allAdvanced(Map<Integer, Long> before) {
        final Map<Integer, Long> now = committedInputOffsets();
        if (now.size() < PARTITIONS) {
            return false;
        }
        for (Map.Entry<Integer, Long> e : now.entrySet()) {
            if (e.getValue() <= before.getOrDefault(e.getKey(), -1L)) {
                return false;
            }
        }
        return true;
    }

    private ScorestreamConfig config(Path stateDir, long batchMaxWaitMs) {
        final Map<String, Object> s = appSettings(kafka.bootstrapServers(), APPLICATION_ID, stateDir);
        s.put(KafkaStreamsConfig.PROCESSING_GUARANTEE_CONFIG, "exactly_once_v2");
        s.put(TopicsConfig.SCORE_FEATURES_EMIT_CONFIG, "true");
        // Batches flush only on age: 2 000/s over 6 partitions brings ~330 records per partition and
        // second, and A leaves long before a partition has 10 000. Commits every 100 ms score the open
        // batches (batch.flush.at.commit, the default), the one that comes with a revocation too.
        s.put(BatchingConfig.BATCH_MAX_RECORDS_CONFIG, "10000");
        s.put(BatchingConfig.BATCH_MAX_WAIT_MS_CONFIG, Long.toString(batchMaxWaitMs));
        s.put(KafkaStreamsConfig.COMMIT_INTERVAL_MS_CONFIG, "100");
        s.put(MetricsConfig.METRICS_ENABLED_CONFIG, "false");
        ReliabilitySupport.fastGroupFailureDetection(s);
        // Every instance counts as caught up, so the rejoining instance gets active tasks at once
        // (restoring its stale local aggregate state from the changelog), not only warm-up replicas
        // until a probing rebalance minutes later.
        s.put(KafkaStreamsConfig.KAFKA_PREFIX + "acceptable.recovery.lag", Long.toString(Long.MAX_VALUE));
        return ScorestreamConfig.of(s);
    }

    private ScoringApplication start(ScorestreamConfig config, InMemorySchemaRegistry schemas) {
        final ScoringApplication app = ScoringApplication.start(config, schemas);
        apps.add(app);
        return app;
    }

    private static void awaitRunning(ScoringApplication app, String name) throws InterruptedException {
        assertTrue(app.awaitModel(), name + ": model " + ScoringItSupport.MODEL + " v1 did not go live");
        assertTrue(app.awaitRunning(Duration.ofSeconds(60)), name + ": Kafka Streams did not reach RUNNING: "
                + app.state() + (app.failure() == null ? "" : ", failure " + app.failure()));
        assertEquals(KafkaStreams.State.RUNNING, app.state(), name + " state");
    }
}
