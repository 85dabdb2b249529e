package io.scorestream.tests.reliability;

import static io.scorestream.tests.it.ScoringItSupport.DEAD_LETTERS;
import static io.scorestream.tests.it.ScoringItSupport.MODEL;
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
import io.scorestream.app.config.SchemaRegistryConfig;
import io.scorestream.app.config.ScorestreamConfig;
import io.scorestream.app.demo.DemoModels;
import io.scorestream.schemas.registry.InMemorySchemaRegistry;
import io.scorestream.testkit.EmbeddedKafka;
import io.scorestream.testkit.SchemaRegistryServer;
import io.scorestream.tests.it.ScoringItSupport;
import io.scorestream.tests.it.ScoringItSupport.ScoreReader;
import io.scorestream.tests.it.ScoringItSupport.TransactionFeed;
import io.scorestream.tests.reliability.ReliabilitySupport.ChildScorer;
import io.scorestream.tests.reliability.ReliabilitySupport.RestoreLog;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The upgrade path of {@code batch.flush.at.commit}: an exactly_once_v2 scorer stops mid-stream and
 * the same application (same {@code application.id}, same state directory) starts again with the
 * other value, while transactions keep flowing. Every transaction must still get exactly one
 * committed score (read with read_committed), and no dead letter.
 *
 * <ul>
 *   <li>{@code false} to {@code true}: the old scorer keeps every record buffered since its last flush
 *       in the changelogged buffer store, and batches that take seconds to fill; it is killed
 *       ({@code kill -9}, no last commit) with committed-but-unscored records in that store. The new
 *       one, flushing at the commit, restores them from the changelog and scores them before anything
 *       newer.</li>
 *   <li>{@code true} to {@code false}: the old scorer keeps its open batch in memory only; it is closed
 *       cleanly, its last commit scoring that batch, so the buffer changelog stays empty. The new one,
 *       with a changelogged buffer, restores nothing and scores the rest.</li>
 * </ul>
 */
class FlushAtCommitUpgradeIT {

    private static final Logger LOG = LoggerFactory.getLogger(FlushAtCommitUpgradeIT.class);
    private static final int EVENTS = 30_000;
    private static final long RATE = 3_000;
    private static final int PARTITIONS = 3;
    /**
     * Records per batch: at 3 000/s over 3 partitions a batch takes about 2 s to fill, so with
     * {@code batch.flush.at.commit=false} and a long wait each task holds up to that many records
     * in its buffer store across many commits (every 100 ms).
     */
    private static final int BATCH_RECORDS = 2_000;
    /** A wait that never comes while the stream flows: only a full batch (or a commit, when flushing at it) scores. */
    private static final long LONG_WAIT_MS = 600_000;
    /** A scorer with a changelogged buffer needs a wait to score the tail of the stream. */
    private static final long SHORT_WAIT_MS = 500;
    private static final Duration CHILD_READY = Duration.ofSeconds(90);

    @TempDir
    Path work;

    private EmbeddedKafka kafka;
    private SchemaRegistryServer registryServer;
    private KafkaProducer<String, Object> producer;
    private TransactionFeed feed;
    private ScoreReader scores;
    private RestoreLog restoreLog;
    private final List<ChildScorer> children = new ArrayList<>();
    private final List<ScoringApplication> apps = new ArrayList<>();

    @AfterEach
    void closeEverything() throws Exception {
        for (ChildScorer c : children) {
            c.close();
        }
        for (ScoringApplication app : apps) {
            Utils.closeQuietly(app, "scoring application");
        }
        if (feed != null) {
            feed.close();
        }
        Utils.closeQuietly(scores, "score reader");
        Utils.closeQuietly(restoreLog, "restore log");
        Utils.closeQuietly(producer, "producer");
        Utils.closeQuietly(registryServer, "schema registry server");
        Utils.closeQuietly(kafka, "embedded kafka");
    }

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void recordsHeldInTheChangeloggedBufferOfAKilledScorerAreScoredOnceAfterTheUpgradeToFlushAtCommit(
            TestInfo test) throws Exception {
        final String applicationId = "scorestream-flush-upgrade-false-to-true";
        try {
            // given: an exactly_once_v2 scorer (the real command line, in a JVM of its own) with
            // batch.flush.at.commit=false and batches that fill in about 2 s and never flush on age
            kafka = EmbeddedKafka.startDefault();
            createTopics(kafka, PARTITIONS);
            final InMemorySchemaRegistry schemas = new InMemorySchemaRegistry();
            registryServer = SchemaRegistryServer.start(schemas);
            producer = ScoringItSupport.producer(kafka.bootstrapServers(), schemas);
            publish(producer, DemoModels.trainedSpec(MODEL, 1, 42));
            final Path state = work.resolve("state");
            final ChildScorer old = startChild(writeConfig(applicationId, state, false, LONG_WAIT_MS, "old"),
                    test, "old (flush.at.commit=false)");
            old.awaitReady(CHILD_READY);

            // and: 30 000 transactions at 3 000/s, some of them scored
            feed = TransactionFeed.start(producer, EVENTS, RATE, 20_261_208L);
            scores = new ScoreReader(kafka.bootstrapServers(), schemas);
            ReliabilitySupport.await("some transactions scored by the old scorer, with two fifths sent",
                    Duration.ofSeconds(60), () -> {
                        old.assertAlive();
                        return feed.sent() >= EVENTS * 2 / 5 && committedScores(kafka.admin()) > 0;
                    }, () -> String.format(Locale.ROOT, "%,d sent, %,d scores committed", feed.sent(),
                            committedScores(kafka.admin())));

            // when: the old scorer is killed (SIGKILL: no last commit) mid-stream
            final int sentAtKill = feed.sent();
            final int exit = old.kill();
            final long committedAtKill = committedScores(kafka.admin());
            final Map<Integer, Long> offsetsAtKill = ReliabilitySupport.committedInputOffsets(kafka.admin(),
                    applicationId);
            LOG.info(String.format(Locale.ROOT, "killed the old scorer (exit %d) with %,d transactions sent, %,d "
                    + "scores committed, input offsets committed %s", exit, sentAtKill, committedAtKill,
                    offsetsAtKill));
            assertEquals(137, exit, "exit code of the killed old scorer (128 + SIGKILL)");
            assertTrue(committedAtKill < EVENTS, "the old scorer was killed after it had scored everything ("
                    + committedAtKill + " scores committed)");

            // and: the same application (application.id, state directory) starts again with the
            // default batch.flush.at.commit=true, while the rest of the stream is produced
            final ChildScorer upgraded = startChild(writeConfig(applicationId, state, true, LONG_WAIT_MS,
                    "upgraded"), test, "upgraded (flush.at.commit=true)");
            upgraded.awaitReady(CHILD_READY);
            feed.awaitAllAcked(Duration.ofSeconds(60));
            ReliabilitySupport.readAllScores(scores, EVENTS, feed, kafka.admin(), applicationId,
                    upgraded::assertAlive, Duration.ofSeconds(2));
            final long restored = upgraded.restoredRecords();
            LOG.info(String.format(Locale.ROOT, "upgraded scorer restored %,d buffered record(s) from the changelog; "
                    + "%s", restored, scores.accounting(EVENTS)));

            // then: every transaction has exactly one committed score, and none was dead-lettered
            scores.assertExactlyOnce(EVENTS);
            assertEquals(0, ScoringItSupport.countCommittedRecords(kafka.bootstrapServers(), DEAD_LETTERS,
                    Duration.ofSeconds(30)), "dead letters");
            ReliabilitySupport.assertGapFreeAndVersionsMonotonicPerPartition(scores.scores(),
                    ReliabilitySupport.inputEndOffsets(kafka.admin()));
            // and: the kill did leave committed-but-unscored records in the old scorer's buffer store
            // (else this proved nothing about the upgrade), and the upgraded scorer took them from there
            assertTrue(restored > 0, "the upgraded scorer restored no buffered record from the changelog "
                    + "(ScoringProcessor logs 'N buffered record(s) restored from the changelog'): the old one "
                    + "held none at the kill; log " + upgraded.log());
            LOG.info("RESULT flush.at.commit false -> true (kill -9): {} events, {} restored, 0 lost, 0 duplicates",
                    EVENTS, restored);
            upgraded.stop();
        } catch (Throwable t) {
            for (ChildScorer c : children) {
                System.out.println("==== tail of " + c.log() + " ====");
                System.out.println(c.tail(80));
            }
            throw t;
        }
    }

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void aScorerFlushingAtTheCommitClosedMidStreamIsFollowedByOneWithAChangeloggedBufferWithoutLossOrDuplicate()
            throws Exception {
        final String applicationId = "scorestream-flush-upgrade-true-to-false";
        // given: an exactly_once_v2 scorer in this JVM with batch.flush.at.commit=true and batches
        // that fill in about 2 s and never flush on age (every commit scores the open batch)
        kafka = EmbeddedKafka.startDefault();
        createTopics(kafka, PARTITIONS);
        final InMemorySchemaRegistry schemas = new InMemorySchemaRegistry();
        producer = ScoringItSupport.producer(kafka.bootstrapServers(), schemas);
        publish(producer, DemoModels.trainedSpec(MODEL, 1, 42));
        restoreLog = RestoreLog.attach();
        final Path state = work.resolve("state");
        final ScoringApplication old = start(config(applicationId, state, true, LONG_WAIT_MS), schemas,
                "old (flush.at.commit=true)");

        // and: 30 000 transactions at 3 000/s, some of them scored
        feed = TransactionFeed.start(producer, EVENTS, RATE, 20_261_209L);
        scores = new ScoreReader(kafka.bootstrapServers(), schemas);
        ReliabilitySupport.await("some transactions scored by the old scorer, with two fifths sent",
                Duration.ofSeconds(60), () -> feed.sent() >= EVENTS * 2 / 5 && committedScores(kafka.admin()) > 0,
                () -> String.format(Locale.ROOT, "%,d sent, %,d scores committed", feed.sent(),
                        committedScores(kafka.admin())));

        // when: the old scorer is closed cleanly mid-stream (its tasks' last commit scores their open
        // batches)
        final long closeStartMillis = System.currentTimeMillis();
        final int sentAtClose = feed.sent();
        old.close();
        apps.remove(old);
        final long closedMillis = System.currentTimeMillis();
        final long committedAtClose = committedScores(kafka.admin());
        LOG.info(String.format(Locale.ROOT, "closed the old scorer in %d ms with %,d transactions sent, %,d scores "
                        + "committed, input offsets committed %s", closedMillis - closeStartMillis, sentAtClose,
                committedAtClose, ReliabilitySupport.committedInputOffsets(kafka.admin(), applicationId)));
        assertTrue(committedAtClose < EVENTS, "the old scorer was closed after it had scored everything ("
                + committedAtClose + " scores committed)");
        // and: flushing at the commit, it held nothing in its buffer store at the close
        assertEquals(0, ReliabilitySupport.bufferChangelogRecords(kafka.bootstrapServers(), applicationId),
                "buffer changelog records after the close of the scorer flushing at the commit");

        // and: the same application (application.id, state directory) starts again with
        // batch.flush.at.commit=false (and a wait short enough to score the tail of the stream), while
        // the rest of the stream is produced
        final long restartMillis = System.currentTimeMillis();
        final ScoringApplication downgraded = start(config(applicationId, state, false, SHORT_WAIT_MS), schemas,
                "downgraded (flush.at.commit=false)");
        feed.awaitAllAcked(Duration.ofSeconds(60));
        // Settle: longer than a batch wait (0.5 s) plus a commit interval.
        ReliabilitySupport.readAllScores(scores, EVENTS, feed, kafka.admin(), applicationId,
                () -> assertNull(downgraded.failure(), "the downgraded scorer failed"), Duration.ofSeconds(2));
        LOG.info("after the restart with a changelogged buffer: {} restored; {}",
                restoreLog.since(restartMillis), scores.accounting(EVENTS));

        // then: every transaction has exactly one committed score, and none was dead-lettered
        scores.assertExactlyOnce(EVENTS);
        assertEquals(0, ScoringItSupport.countCommittedRecords(kafka.bootstrapServers(), DEAD_LETTERS,
                Duration.ofSeconds(30)), "dead letters");
        ReliabilitySupport.assertGapFreeAndVersionsMonotonicPerPartition(scores.scores(),
                ReliabilitySupport.inputEndOffsets(kafka.admin()));
        // and: nothing was restored into a batch buffer, neither at the first start nor after the restart
        assertEquals(0, RestoreLog.records(restoreLog.since(0)), "records restored from the buffer changelog: "
                + restoreLog.since(0));
        // and: the downgraded scorer did use its changelogged buffer (else the downgrade changed nothing)
        assertTrue(ReliabilitySupport.bufferChangelogRecords(kafka.bootstrapServers(), applicationId) > 0,
                "the downgraded scorer (batch.flush.at.commit=false) wrote nothing to the buffer changelog");
        LOG.info("RESULT flush.at.commit true -> false (clean close): {} events, 0 lost, 0 duplicates", EVENTS);
    }

    private Map<String, Object> settings(String applicationId, Path stateDir, boolean flushAtCommit,
                                         long batchMaxWaitMs) {
        final Map<String, Object> s = appSettings(kafka.bootstrapServers(), applicationId, stateDir);
        s.put(KafkaStreamsConfig.PROCESSING_GUARANTEE_CONFIG, "exactly_once_v2");
        s.put(BatchingConfig.BATCH_FLUSH_AT_COMMIT_CONFIG, Boolean.toString(flushAtCommit));
        s.put(BatchingConfig.BATCH_MAX_RECORDS_CONFIG, Integer.toString(BATCH_RECORDS));
        s.put(BatchingConfig.BATCH_MAX_WAIT_MS_CONFIG, Long.toString(batchMaxWaitMs));
        s.put(KafkaStreamsConfig.COMMIT_INTERVAL_MS_CONFIG, "100");
        // A killed or closed member sends no LeaveGroup: let the broker drop it after 6 s, not 45 s.
        ReliabilitySupport.fastGroupFailureDetection(s);
        return s;
    }

    private ScorestreamConfig config(String applicationId, Path stateDir, boolean flushAtCommit,
                                     long batchMaxWaitMs) {
        final Map<String, Object> s = settings(applicationId, stateDir, flushAtCommit, batchMaxWaitMs);
        s.put(MetricsConfig.METRICS_ENABLED_CONFIG, "false");
        return ScorestreamConfig.of(s);
    }

    private Path writeConfig(String applicationId, Path stateDir, boolean flushAtCommit, long batchMaxWaitMs,
                             String name) throws IOException {
        final Map<String, Object> s = settings(applicationId, stateDir, flushAtCommit, batchMaxWaitMs);
        s.put(SchemaRegistryConfig.SCHEMA_REGISTRY_URL_CONFIG, registryServer.url());
        // The child's /readyz (on the metrics port) says when it is running.
        s.put(MetricsConfig.METRICS_ENABLED_CONFIG, "true");
        return ReliabilitySupport.writeProperties(work.resolve("scorestream-" + name + ".properties"), s,
                "FlushAtCommitUpgradeIT " + name);
    }

    private ChildScorer startChild(Path config, TestInfo test, String name) throws IOException {
        final ChildScorer c = ChildScorer.start(config, ReliabilitySupport.itLogDir().resolve(
                String.format(Locale.ROOT, "FlushAtCommitUpgradeIT-%s-%d.log",
                        test.getTestMethod().orElseThrow().getName(), children.size() + 1)), name);
        children.add(c);
        return c;
    }

    private ScoringApplication start(ScorestreamConfig config, InMemorySchemaRegistry schemas, String name)
            throws InterruptedException {
        final ScoringApplication app = ScoringApplication.start(config, schemas);
        apps.add(app);
        assertTrue(app.awaitModel(), name + ": model " + MODEL + " v1 did not go live");
        assertTrue(app.awaitRunning(Duration.ofSeconds(60)), name + ": Kafka Streams did not reach RUNNING: "
                + app.state() + (app.failure() == null ? "" : ", failure " + app.failure()));
        assertEquals(KafkaStreams.State.RUNNING, app.state(), name + " state");
        return app;
    }
}
