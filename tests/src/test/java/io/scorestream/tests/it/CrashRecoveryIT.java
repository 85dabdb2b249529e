package io.scorestream.tests.it;

import static io.scorestream.tests.it.ScoringItSupport.DEAD_LETTERS;
import static io.scorestream.tests.it.ScoringItSupport.MODEL;
import static io.scorestream.tests.it.ScoringItSupport.SCORES;
import static io.scorestream.tests.it.ScoringItSupport.TRANSACTIONS;
import static io.scorestream.tests.it.ScoringItSupport.appSettings;
import static io.scorestream.tests.it.ScoringItSupport.createTopics;
import static io.scorestream.tests.it.ScoringItSupport.publish;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.scorestream.schemas.registry.InMemorySchemaRegistry;
import io.scorestream.testkit.SchemaRegistryServer;
import io.scorestream.app.demo.DemoModels;
import io.scorestream.app.config.ScorestreamConfig;
import io.scorestream.app.config.SchemaRegistryConfig;
import io.scorestream.app.config.MetricsConfig;
import io.scorestream.app.config.KafkaStreamsConfig;
import io.scorestream.app.config.BatchingConfig;
import io.scorestream.testkit.EmbeddedKafka;
import io.scorestream.tests.it.ScoringItSupport.ScoreReader;
import io.scorestream.tests.it.ScoringItSupport.TransactionFeed;
import io.scorestream.tests.reliability.ReliabilitySupport;
import io.scorestream.tests.reliability.ReliabilitySupport.ChildScorer;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code kill -9} of the scorer in the middle of a stream. The scorer is the real command line,
 * {@code scorestream run --config FILE}, in a JVM of its own, against the embedded broker and a
 * schema registry served over HTTP from this JVM. It is killed (SIGKILL) at a seeded random moment
 * once it has committed scores, while records sit in its batch buffers, then restarted on the same
 * state directory; afterwards every committed score is accounted for by event id. With the default
 * {@code batch.flush.at.commit=true} every commit scores the open batch, nothing goes through the
 * buffer's changelog, and the batches open at the kill are read again from their uncommitted
 * offsets; one case runs with {@code batch.flush.at.commit=false}, where the killed scorer's
 * buffered records (offsets committed, no score yet) are restored from that changelog.
 *
 * <p>Each child's output goes to {@code target/it-logs/}; its tail is printed when a test fails.
 */
class CrashRecoveryIT {

    private static final Logger LOG = LoggerFactory.getLogger(CrashRecoveryIT.class);
    private static final int EVENTS = 60_000;
    private static final long RATE = 3_000;
    /** One second of input: the scorer keeps up when its committed scores trail the input by less. */
    private static final long MAX_LAG_AT_KILL = RATE;
    private static final Duration CHILD_READY = Duration.ofSeconds(90);

    @TempDir
    Path work;

    private EmbeddedKafka kafka;
    private SchemaRegistryServer registryServer;
    private KafkaProducer<String, Object> producer;
    private TransactionFeed feed;
    private ScoreReader scores;
    private final List<ChildScorer> scorers = new ArrayList<>();

    @AfterEach
    void closeEverything() throws Exception {
        for (ChildScorer s : scorers) {
            s.close();
        }
        if (feed != null) {
            feed.close();
        }
        Utils.closeQuietly(scores, "score reader");
        Utils.closeQuietly(producer, "producer");
        Utils.closeQuietly(registryServer, "schema registry server");
        Utils.closeQuietly(kafka, "embedded kafka");
    }

    /** Where the scorer keeps its open batches. */
    private enum Buffer {
        /** {@code batch.flush.at.commit} not set: the default, true; open batches are scored at each commit. */
        FLUSHED_AT_COMMIT,
        /** {@code batch.flush.at.commit=false}: every buffered record goes through the buffer's changelog. */
        CHANGELOGGED
    }

    @Test
    @Timeout(value = 6, unit = TimeUnit.MINUTES)
    void everyTransactionHasExactlyOneScoreAfterAScorerWithAChangeloggedBufferIsKilledMidStream(TestInfo test)
            throws Exception {
        // given / when: an exactly_once_v2 scorer with batch.flush.at.commit=false (buffered records
        // are written to the buffer's changelog), killed with SIGKILL mid-stream and restarted
        final long restored = crashAndRecover("exactly_once_v2", Buffer.CHANGELOGGED, 20_261_122L, test);

        // then: every transaction has exactly one committed score, and no dead letter
        scores.assertExactlyOnce(EVENTS);
        assertEquals(0, ScoringItSupport.countCommittedRecords(kafka.bootstrapServers(), DEAD_LETTERS,
                Duration.ofSeconds(30)), "dead letters");
        // and: the kill did leave committed-but-unscored records in batch buffers (else this test
        // proved nothing about them); the restarted scorer logs how many it restored
        assertTrue(restored > 0, "no buffered record was restored after the kill (ScoringProcessor logs "
                + "'N buffered record(s) restored from the changelog')");
    }

    @Test
    @Timeout(value = 6, unit = TimeUnit.MINUTES)
    void noTransactionIsLostWhenAnAtLeastOnceScorerIsKilledMidStream(TestInfo test) throws Exception {
        // given / when: an at_least_once scorer (open batches scored at each commit, the default)
        // killed with SIGKILL mid-stream and restarted
        final long restored = crashAndRecover("at_least_once", Buffer.FLUSHED_AT_COMMIT, 7_031_977L, test);

        // then: every transaction has a score; duplicates are allowed under at_least_once
        LOG.info("at_least_once after kill -9: {} duplicate score(s)", scores.duplicates());
        assertEquals(List.of(), scores.missing(EVENTS), "transactions without a score: " + scores.accounting(EVENTS));
        assertEquals(List.of(), scores.unexpected(EVENTS), "unexpected event ids: " + scores.accounting(EVENTS));
        assertEquals(0, ScoringItSupport.countCommittedRecords(kafka.bootstrapServers(), DEAD_LETTERS,
                Duration.ofSeconds(30)), "dead letters");
        // and: nothing went through the buffer's changelog: the batches open at the kill were read again
        assertNothingWentThroughTheBufferChangelog(restored, "at_least_once");
    }

    @Test
    @Timeout(value = 6, unit = TimeUnit.MINUTES)
    void everyTransactionHasExactlyOneScoreAfterAScorerFlushingAtTheCommitIsKilledMidStream(TestInfo test)
            throws Exception {
        // given / when: an exactly_once_v2 scorer with the default batch.flush.at.commit (true: every
        // commit scores the open batch), killed with SIGKILL mid-stream and restarted
        final long restored = crashAndRecover("exactly_once_v2", Buffer.FLUSHED_AT_COMMIT, 20_261_207L, test);

        // then: every transaction has exactly one committed score, and no dead letter
        scores.assertExactlyOnce(EVENTS);
        assertEquals(0, ScoringItSupport.countCommittedRecords(kafka.bootstrapServers(), DEAD_LETTERS,
                Duration.ofSeconds(30)), "dead letters");
        // and: no buffered record went through the buffer's changelog (none written, none restored):
        // the batches open at the kill were lost with their uncommitted offsets and read again
        assertNothingWentThroughTheBufferChangelog(restored, "exactly_once_v2");
    }

    private void assertNothingWentThroughTheBufferChangelog(long restored, String guarantee) {
        assertEquals(0, restored, "records restored from the buffer changelog");
        assertEquals(0, ReliabilitySupport.bufferChangelogRecords(kafka.bootstrapServers(),
                applicationId(guarantee, Buffer.FLUSHED_AT_COMMIT)), "buffer changelog records");
    }

    private static String applicationId(String guarantee, Buffer buffer) {
        return "scorestream-crash-" + guarantee.replace('_', '-')
                + (buffer == Buffer.CHANGELOGGED ? "-changelogged-buffer" : "");
    }

    /**
     * Runs the scenario and leaves every committed score in {@link #scores}: start a scorer, produce
     * {@value #EVENTS} transactions at {@value #RATE}/s, kill the scorer (SIGKILL) once a seeded
     * random 20-60 % of the stream is produced and the scorer is keeping up (scores committed, less
     * than a second behind), restart it, and read until every transaction has a score, or the
     * restarted scorer has committed the end of the input and gone quiet.
     *
     * @return the records the restarted scorer restored into its batch buffers (from its log)
     */
    private long crashAndRecover(String guarantee, Buffer buffer, long seed, TestInfo test)
            throws Exception {
        final String name = test.getTestMethod().orElseThrow().getName();
        try {
            final String applicationId = applicationId(guarantee, buffer);
            kafka = EmbeddedKafka.startDefault();
            createTopics(kafka, 3);
            final InMemorySchemaRegistry schemas = new InMemorySchemaRegistry();
            registryServer = SchemaRegistryServer.start(schemas);
            producer = ScoringItSupport.producer(kafka.bootstrapServers(), schemas);
            publish(producer, DemoModels.trainedSpec(MODEL, 1, 42));
            final Path config = writeConfig(applicationId, guarantee, buffer);

            final ChildScorer first = startScorer(config, name, 1);
            first.awaitReady(CHILD_READY);

            final int killAfter = (int) (EVENTS * (0.2 + 0.4 * new Random(seed).nextDouble()));
            LOG.info("{}: seed {}, killing the scorer after {} of {} transactions", name, seed, killAfter, EVENTS);
            feed = TransactionFeed.start(producer, EVENTS, RATE, seed);
            scores = new ScoreReader(kafka.bootstrapServers(), schemas);

            // Kill only mid-stream in a steady state: scores committed, and the scorer keeping up
            // with the input (records wait in open batches, across commits with a changelogged buffer,
            // rather than batches filling from a backlog and flushing at once).
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (true) {
                first.assertAlive();
                final int sent = feed.sent();
                final long committed = ScoringItSupport.committedRecordCount(kafka.admin(), SCORES);
                if (sent >= killAfter && committed > 0 && (sent - committed <= MAX_LAG_AT_KILL || feed.finished())) {
                    break;
                }
                if (System.nanoTime() > deadline) {
                    fail(String.format(Locale.ROOT, "scorer not mid-stream in a steady state within 60 s: %,d sent, "
                            + "%,d scores committed", sent, committed));
                }
                Thread.sleep(100);
            }
            final int sentAtKill = feed.sent();
            final int exit = first.kill();
            final long committedAtKill = ScoringItSupport.committedRecordCount(kafka.admin(), SCORES);
            LOG.info(String.format(Locale.ROOT, "%s: killed the scorer (exit %d) with %,d transactions sent, %,d "
                    + "scores committed just after", name, exit, sentAtKill, committedAtKill));
            assertEquals(137, exit, "exit code of the killed scorer (128 + SIGKILL)");
            assertTrue(committedAtKill < EVENTS, "the scorer was killed after it had scored everything");

            final ChildScorer second = startScorer(config, name, 2);
            feed.awaitAllAcked(Duration.ofSeconds(60));
            final boolean all = scores.readUntilDistinct(EVENTS, Duration.ofSeconds(150), second::assertAlive,
                    () -> feed.finished()
                            && ScoringItSupport.groupCaughtUp(kafka.admin(), applicationId, TRANSACTIONS));
            if (!all) {
                LOG.warn("not every transaction was scored within the first wait after the restart: {}",
                        scores.accounting(EVENTS));
            }
            ScoringItSupport.awaitGroupCaughtUp(kafka.admin(), applicationId, TRANSACTIONS, Duration.ofSeconds(180));
            scores.readToEnd(Duration.ofSeconds(30));
            final long restored = second.restoredRecords();
            LOG.info("{}: after the restart, {} record(s) were restored into batch buffers from the changelog; {}",
                    name, restored, scores.accounting(EVENTS));
            second.stop();
            return restored;
        } catch (Throwable t) {
            for (ChildScorer s : scorers) {
                System.out.println("==== tail of " + s.log() + " ====");
                System.out.println(s.tail(80));
            }
            throw t;
        }
    }

    private Path writeConfig(String applicationId, String guarantee, Buffer buffer) throws IOException {
        final Map<String, Object> settings = appSettings(kafka.bootstrapServers(), applicationId,
                work.resolve("state"));
        settings.put(KafkaStreamsConfig.PROCESSING_GUARANTEE_CONFIG, guarantee);
        settings.put(SchemaRegistryConfig.SCHEMA_REGISTRY_URL_CONFIG, registryServer.url());
        // Batches that take longer to fill than a commit interval: with the flush at the commit (the
        // default) every commit scores an open batch, and the kill finds records buffered; with a
        // changelogged buffer commits happen while records are buffered, so the kill leaves
        // committed-but-unscored records behind.
        settings.put(BatchingConfig.BATCH_MAX_RECORDS_CONFIG, "500");
        settings.put(BatchingConfig.BATCH_MAX_WAIT_MS_CONFIG, "400");
        settings.put(KafkaStreamsConfig.COMMIT_INTERVAL_MS_CONFIG, "100");
        if (buffer == Buffer.CHANGELOGGED) {
            settings.put(BatchingConfig.BATCH_FLUSH_AT_COMMIT_CONFIG, "false");
        }
        settings.put(MetricsConfig.METRICS_ENABLED_CONFIG, "true");
        // The killed member leaves no LeaveGroup: let the broker drop it after 6 s, not 45 s.
        ReliabilitySupport.fastGroupFailureDetection(settings);
        return ReliabilitySupport.writeProperties(work.resolve("scorestream.properties"), settings,
                "CrashRecoveryIT");
    }

    private ChildScorer startScorer(Path config, String testName, int attempt) throws IOException {
        final ChildScorer s = ChildScorer.start(config, ReliabilitySupport.itLogDir().resolve(
                String.format(Locale.ROOT, "CrashRecoveryIT-%s-%d.log", testName, attempt)), "scorer " + attempt);
        scorers.add(s);
        return s;
    }
}
