package io.scorestream.tests.reliability;

import static io.scorestream.tests.it.ScoringItSupport.DEAD_LETTERS;
import static io.scorestream.tests.it.ScoringItSupport.MODEL;
import static io.scorestream.tests.it.ScoringItSupport.TRANSACTIONS;
import static io.scorestream.tests.it.ScoringItSupport.appSettings;
import static io.scorestream.tests.it.ScoringItSupport.createTopics;
import static io.scorestream.tests.it.ScoringItSupport.publish;
import static io.scorestream.tests.reliability.ReliabilitySupport.committedScores;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scorestream.schemas.ScoreResult;
import io.scorestream.schemas.registry.InMemorySchemaRegistry;
import io.scorestream.app.demo.DemoModels;
import io.scorestream.app.ScoringApplication;
import io.scorestream.app.config.BatchingConfig;
import io.scorestream.app.config.KafkaStreamsConfig;
import io.scorestream.app.config.MetricsConfig;
import io.scorestream.app.config.ScorestreamConfig;
import io.scorestream.testkit.EmbeddedKafka;
import io.scorestream.tests.it.ScoringItSupport;
import io.scorestream.tests.it.ScoringItSupport.ScoreReader;
import io.scorestream.tests.it.ScoringItSupport.TransactionFeed;
import io.scorestream.tests.reliability.ReliabilitySupport.Restore;
import io.scorestream.tests.reliability.ReliabilitySupport.RestoreLog;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
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
 * Two in-process scoring instances share six input partitions; mid-stream one is closed
 * (gracefully) while records sit in its batch buffers, and a new instance with its state directory
 * joins later. Every transaction still has exactly one committed score. With the default
 * {@code batch.flush.at.commit=true} the closing instance's last commit scores the records its tasks
 * held, so nothing goes through the buffer's changelog and the instance that takes the tasks over
 * restores none. (With {@code false} they were restored from that changelog by the new owner;
 * {@code CrashRecoveryIT} covers that path.)
 */
class RebalanceIT {

    private static final Logger LOG = LoggerFactory.getLogger(RebalanceIT.class);
    private static final int EVENTS = 60_000;
    private static final long RATE = 3_000;
    private static final int PARTITIONS = 6;
    private static final String APPLICATION_ID = "scorestream-rebalance-it";

    @TempDir
    Path work;

    private EmbeddedKafka kafka;
    private KafkaProducer<String, Object> producer;
    private TransactionFeed feed;
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
        Utils.closeQuietly(kafka, "embedded kafka");
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void recordsBufferedOnRevokedTasksAreScoredExactlyOnceWhenAnInstanceLeavesAndRejoins()
            throws Exception {
        // given: two exactly_once_v2 instances with the same application.id and their own state
        // directories, on a 6-partition input, scoring version 1
        kafka = EmbeddedKafka.startDefault();
        createTopics(kafka, PARTITIONS);
        final InMemorySchemaRegistry schemas = new InMemorySchemaRegistry();
        producer = ScoringItSupport.producer(kafka.bootstrapServers(), schemas);
        publish(producer, DemoModels.trainedSpec(MODEL, 1, 42));
        restoreLog = RestoreLog.attach();
        // A never flushes on age (its batches wait up to 10 minutes), so its tasks hold every record
        // they got since their last commit when it leaves, whenever that is; B flushes every 2 s.
        final ScorestreamConfig configA = config(work.resolve("state-a"), 600_000);
        final ScorestreamConfig configB = config(work.resolve("state-b"), 2_000);
        final ScoringApplication a = start(configA, schemas);
        final ScoringApplication b = start(configB, schemas);
        awaitRunning(a, "instance A");
        awaitRunning(b, "instance B");

        // and: 60 000 transactions at 3 000/s, a fifth of them scored
        feed = TransactionFeed.start(producer, EVENTS, RATE, 5);
        scores = new ScoreReader(kafka.bootstrapServers(), schemas);
        // (or, on a slow machine, three fifths sent: A must leave while transactions still flow, or its
        // tasks may have nothing buffered when it does and the test proves nothing about them)
        ReliabilitySupport.await("a fifth of the stream scored", Duration.ofSeconds(180),
                () -> committedScores(kafka.admin()) >= EVENTS / 5 || feed.sent() >= EVENTS * 3 / 5,
                () -> String.format(Locale.ROOT, "%,d sent, %,d scores committed", feed.sent(),
                        committedScores(kafka.admin())));

        // when: instance A leaves (graceful close: its tasks' last commit scores their open batches
        // and commits the scores with their input offsets)
        final long closeStartMillis = System.currentTimeMillis();
        final int sentAtClose = feed.sent();
        a.close();
        apps.remove(a);
        final long closedMillis = System.currentTimeMillis();
        // No one commits A's partitions until B has them (after the session timeout): these are
        // A's final offsets on them.
        final Map<Integer, Long> committedAtClose = ReliabilitySupport.committedInputOffsets(kafka.admin(),
                APPLICATION_ID);
        LOG.info(String.format(Locale.ROOT, "instance A closed in %d ms: %,d transactions sent, %,d scores "
                        + "committed, input offsets committed %s", closedMillis - closeStartMillis, sentAtClose,
                committedScores(kafka.admin()), committedAtClose));
        // A's partitions: the ones nobody commits on for 2 s (B commits on its own every 100 ms)
        final Set<Integer> leftByA = ReliabilitySupport.unmovedPartitions(kafka.admin(), APPLICATION_ID,
                committedAtClose, Duration.ofSeconds(2));
        LOG.info("instance A's partitions (no commit on them 2 s after the close): {}", leftByA);

        // then (while A is away): B takes A's tasks over and scores on every partition. Kafka
        // Streams' consumer sends no LeaveGroup on close, so that waits for the session timeout (6 s).
        ReliabilitySupport.await("instance B committing on every input partition after A left",
                Duration.ofSeconds(120), () -> allAdvanced(committedAtClose) || (feed.finished()
                        && ScoringItSupport.groupCaughtUp(kafka.admin(), APPLICATION_ID, TRANSACTIONS)),
                () -> String.format(Locale.ROOT, "%,d sent, %,d scores committed, offsets at close %s, now %s, B %s",
                        feed.sent(), committedScores(kafka.admin()), committedAtClose, committedInputOffsets(),
                        b.state()));
        final long takenOverMillis = System.currentTimeMillis();
        final List<Restore> takenOver = restoreLog.since(closeStartMillis);

        // when: an instance with A's state directory joins again (same application.id), flushing
        // every 2 s like B
        final long rejoinMillis = System.currentTimeMillis();
        final ScoringApplication a2 = start(config(work.resolve("state-a"), 2_000), schemas);
        awaitRunning(a2, "instance A (rejoined)");

        // then: every transaction has exactly one committed score, none was dead-lettered
        feed.awaitAllAcked(Duration.ofSeconds(120));
        // Settle: longer than a batch wait (2 s) plus a commit interval.
        ReliabilitySupport.readAllScores(scores, EVENTS, feed, kafka.admin(), APPLICATION_ID, () -> {
            assertNull(b.failure(), "instance B failed");
            assertNull(a2.failure(), "instance A (rejoined) failed");
        }, Duration.ofSeconds(3));
        final List<Restore> afterRejoin = restoreLog.since(rejoinMillis);
        LOG.info(String.format(Locale.ROOT, "A closed after %,d transactions; B restored %,d buffered record(s) of "
                        + "%d task(s) %s %d ms after the close; after A rejoined, %,d record(s) of %d task(s) were "
                        + "restored %s; %s", sentAtClose, RestoreLog.records(takenOver), takenOver.size(), takenOver,
                takenOverMillis - closedMillis, RestoreLog.records(afterRejoin), afterRejoin.size(), afterRejoin,
                scores.accounting(EVENTS)));
        scores.assertExactlyOnce(EVENTS);
        assertEquals(0, ScoringItSupport.countCommittedRecords(kafka.bootstrapServers(), DEAD_LETTERS,
                Duration.ofSeconds(30)), "dead letters");
        // and: A had partitions of its own when it left (else this proved nothing about them); the records
        // its tasks held were scored by its close: records below A's final committed offsets scored during it
        assertTrue(!leftByA.isEmpty() && leftByA.size() < PARTITIONS, "A's partitions (no commit on them for 2 s "
                + "after the close): " + leftByA);
        final List<ScoreResult> scoredByTheClose = ReliabilitySupport.scoredByTheClose(scores.scores(), leftByA,
                committedAtClose, closeStartMillis, closedMillis);
        // How many of them is logged below, not required: a close that comes right after a commit finds
        // the open batch empty (FeaturesRebalanceIT's close once scored 0 in CI).
        // and: nothing went through the buffer's changelog: none written, none restored by B or the
        // rejoined A
        assertEquals(0, RestoreLog.records(restoreLog.since(0)), "records restored from the buffer changelog: "
                + restoreLog.since(0));
        assertEquals(0, ReliabilitySupport.bufferChangelogRecords(kafka.bootstrapServers(), APPLICATION_ID),
                "buffer changelog records");
        ReliabilitySupport.assertGapFreeAndVersionsMonotonicPerPartition(scores.scores(),
                ReliabilitySupport.inputEndOffsets(kafka.admin()));
        LOG.info("RESULT rebalance: {} events, 1 leave + 1 rejoin, 0 lost, {} duplicates, {} restored at takeover, "
                + "{} scored by A's close on partitions {}", EVENTS, scores.duplicates(), RestoreLog.records(takenOver),
                scoredByTheClose.size(), leftByA);
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
        // Records must be buffered at the moment of revocation. Batches never fill (3 000/s over 6
        // partitions brings ~500 records per partition and second, and A leaves before any
        // partition has 10 000, batch.max.records); they are scored at each commit (every 100 ms;
        // batch.flush.at.commit, the default) or on age, and whatever a task got since its last
        // commit is scored by the commit that comes with its revocation.
        s.put(BatchingConfig.BATCH_MAX_RECORDS_CONFIG, "10000");
        s.put(BatchingConfig.BATCH_MAX_WAIT_MS_CONFIG, Long.toString(batchMaxWaitMs));
        s.put(KafkaStreamsConfig.COMMIT_INTERVAL_MS_CONFIG, "100");
        s.put(MetricsConfig.METRICS_ENABLED_CONFIG, "false");
        ReliabilitySupport.fastGroupFailureDetection(s);
        // Every instance counts as caught up on the (in-memory, changelogged) buffer stores, so the
        // rejoining instance gets active tasks at once, not only warm-up replicas until a probing
        // rebalance minutes later.
        s.put(KafkaStreamsConfig.KAFKA_PREFIX + "acceptable.recovery.lag", Long.toString(Long.MAX_VALUE));
        return ScorestreamConfig.of(s);
    }

    private ScoringApplication start(ScorestreamConfig config, InMemorySchemaRegistry schemas) {
        final ScoringApplication app = ScoringApplication.start(config, schemas);
        apps.add(app);
        return app;
    }

    private static void awaitRunning(ScoringApplication app, String name) throws InterruptedException {
        assertTrue(app.awaitModel(), name + ": model " + MODEL + " v1 did not go live");
        assertTrue(app.awaitRunning(Duration.ofSeconds(60)), name + ": Kafka Streams did not reach RUNNING: "
                + app.state() + (app.failure() == null ? "" : ", failure " + app.failure()));
        assertEquals(KafkaStreams.State.RUNNING, app.state(), name + " state");
    }
}
