package io.scorestream.tests.reliability;

import static io.scorestream.tests.it.ScoringItSupport.DEAD_LETTERS;
import static io.scorestream.tests.it.ScoringItSupport.MODEL;
import static io.scorestream.tests.it.ScoringItSupport.TRANSACTIONS;
import static io.scorestream.tests.it.ScoringItSupport.appSettings;
import static io.scorestream.tests.it.ScoringItSupport.createTopics;
import static io.scorestream.tests.it.ScoringItSupport.publish;
import static io.scorestream.tests.reliability.ReliabilitySupport.committedScores;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import io.scorestream.schemas.registry.InMemorySchemaRegistry;
import io.scorestream.testkit.SchemaRegistryServer;
import io.scorestream.app.demo.DemoModels;
import io.scorestream.app.config.BatchingConfig;
import io.scorestream.app.config.KafkaStreamsConfig;
import io.scorestream.app.config.MetricsConfig;
import io.scorestream.app.config.SchemaRegistryConfig;
import io.scorestream.testkit.EmbeddedKafka;
import io.scorestream.tests.it.ScoringItSupport;
import io.scorestream.tests.it.ScoringItSupport.ScoreReader;
import io.scorestream.tests.it.ScoringItSupport.TransactionFeed;
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
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Three {@code kill -9}s of the scorer during one stream. The scorer is the real command line,
 * {@code scorestream run --config FILE}, in a JVM of its own; it is killed with SIGKILL three times
 * at seeded random moments, each time once it is scoring again (scores committed since its start, and
 * caught up with the input if the machine allows it), so that records sit in its open batches; it is
 * restarted on the same state directory each time. Afterwards every committed score is accounted for
 * by event id. With the default {@code batch.flush.at.commit=true} each commit scores the open
 * batches, so the ones a kill finds are lost with their uncommitted offsets and read again: nothing
 * goes through the buffer's changelog. ({@code CrashRecoveryIT} covers the changelogged buffer.)
 *
 * <p>The seed, and for each kill the moment (seconds into the stream, transactions sent, scores
 * committed), are logged (Failsafe: {@code target/failsafe-reports/*RepeatedCrashIT-output.txt});
 * each child's output is in {@code target/it-logs/}, and its tail is printed when a test fails.
 */
class RepeatedCrashIT {

    private static final Logger LOG = LoggerFactory.getLogger(RepeatedCrashIT.class);
    private static final int EVENTS = 200_000;
    private static final long RATE = 4_000;
    private static final int KILLS = 3;
    /** One second of input: the scorer keeps up when its committed scores trail the input by less. */
    private static final long MAX_LAG_AT_KILL = RATE;
    /** Scores a (re)started scorer must commit before it counts as scoring again. */
    private static final long MIN_PROGRESS = RATE / 2;
    /** How long a scorer that scores again may take to catch up with the input before the kill goes ahead. */
    private static final long CATCH_UP_MS = 3_000;
    private static final Duration STEADY_TIMEOUT = Duration.ofSeconds(90);

    @TempDir
    Path work;

    private EmbeddedKafka kafka;
    private SchemaRegistryServer registryServer;
    private KafkaProducer<String, Object> producer;
    private TransactionFeed feed;
    private ScoreReader scores;
    private final List<ChildScorer> scorers = new ArrayList<>();

    /** One kill: when, and what was produced and committed at that moment. */
    private record Kill(int number, long delayMs, double secondsIntoStream, int sent, long committedBefore,
                        long committedAfter, int exitCode) {
    }

    /** What a run measured. */
    private record CrashRun(List<Kill> kills, List<Long> restoredPerRestart, double seconds) {
    }

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

    @Test
    @Timeout(value = 6, unit = TimeUnit.MINUTES)
    void everyEventHasExactlyOneCommittedScoreAfterThreeKillsUnderExactlyOnce(TestInfo test) throws Exception {
        // given: an exactly_once_v2 scorer in its own JVM, 200 000 transactions at 4 000/s
        // when: it is killed with SIGKILL three times mid-stream and restarted each time
        final CrashRun run = killThreeTimes("exactly_once_v2", 20_261_122L, test);

        // then: every transaction has exactly one committed score (read_committed), no dead letter
        scores.assertExactlyOnce(EVENTS);
        assertEquals(0, ScoringItSupport.countCommittedRecords(kafka.bootstrapServers(), DEAD_LETTERS,
                Duration.ofSeconds(30)), "dead letters");
        // and: nothing went through the buffer's changelog (none written, none restored)
        assertNothingWentThroughTheBufferChangelog(run, "exactly_once_v2");
        LOG.info("RESULT exactly_once_v2: {} events, {} kills, 0 lost, 0 duplicates, {} restored, {} s",
                EVENTS, run.kills().size(), run.restoredPerRestart(),
                String.format(Locale.ROOT, "%.1f", run.seconds()));
    }

    @Test
    @Timeout(value = 6, unit = TimeUnit.MINUTES)
    void noEventIsLostAfterThreeKillsUnderAtLeastOnce(TestInfo test) throws Exception {
        // given: an at_least_once scorer in its own JVM, 200 000 transactions at 4 000/s
        // when: it is killed with SIGKILL three times mid-stream and restarted each time
        final CrashRun run = killThreeTimes("at_least_once", 7_031_977L, test);

        // then: every transaction has a score (duplicates are allowed under at_least_once: counted)
        assertEquals(0, scores.missing(EVENTS).size(), "transactions without a score: " + scores.accounting(EVENTS));
        assertEquals(List.of(), scores.unexpected(EVENTS), "unexpected event ids: " + scores.accounting(EVENTS));
        assertEquals(0, ScoringItSupport.countCommittedRecords(kafka.bootstrapServers(), DEAD_LETTERS,
                Duration.ofSeconds(30)), "dead letters");
        assertNothingWentThroughTheBufferChangelog(run, "at_least_once");
        LOG.info("RESULT at_least_once: {} events, {} kills, 0 lost, {} duplicates ({} ids scored more than once), "
                        + "{} restored, {} s", EVENTS, run.kills().size(), scores.duplicates(),
                scores.duplicated().size(), run.restoredPerRestart(),
                String.format(Locale.ROOT, "%.1f", run.seconds()));
    }

    private void assertNothingWentThroughTheBufferChangelog(CrashRun run, String guarantee) {
        assertEquals(KILLS, run.restoredPerRestart().size(), "restarted scorers");
        for (int i = 0; i < run.kills().size(); i++) {
            assertEquals(0L, run.restoredPerRestart().get(i), "records restored from the buffer changelog after kill "
                    + (i + 1) + "; kills: " + run.kills() + ", restored per restart: " + run.restoredPerRestart());
        }
        assertEquals(0, ReliabilitySupport.bufferChangelogRecords(kafka.bootstrapServers(), applicationId(guarantee)),
                "buffer changelog records");
    }

    private static String applicationId(String guarantee) {
        return "scorestream-repeated-crash-" + guarantee.replace('_', '-');
    }

    /**
     * Runs the scenario and leaves every committed score in {@link #scores}: start a scorer, produce
     * {@value #EVENTS} transactions at {@value #RATE}/s, and {@value #KILLS} times: wait until the
     * scorer scores (it committed scores since it started, and caught up with the input if it can),
     * wait a seeded random 0.2-2 s more, SIGKILL it, and start a new one on the same state
     * directory. Then read until every transaction has a score, or the last scorer has committed
     * the end of the input and gone quiet.
     */
    private CrashRun killThreeTimes(String guarantee, long seed, TestInfo test) throws Exception {
        final String name = test.getTestMethod().orElseThrow().getName();
        try {
            final String applicationId = applicationId(guarantee);
            kafka = EmbeddedKafka.startDefault();
            createTopics(kafka, 3);
            final InMemorySchemaRegistry schemas = new InMemorySchemaRegistry();
            registryServer = SchemaRegistryServer.start(schemas);
            producer = ScoringItSupport.producer(kafka.bootstrapServers(), schemas);
            publish(producer, DemoModels.trainedSpec(MODEL, 1, 42));
            final Path config = writeConfig(applicationId, guarantee);

            ChildScorer scorer = startScorer(config, name, 0);
            scorer.awaitReady(Duration.ofSeconds(90));

            final Random random = new Random(seed);
            LOG.info("{}: seed {}; {} transactions at {}/s, {} kills", name, seed, EVENTS, RATE, KILLS);
            final long streamStart = System.nanoTime();
            feed = TransactionFeed.start(producer, EVENTS, RATE, seed);
            scores = new ScoreReader(kafka.bootstrapServers(), schemas);

            final List<Kill> kills = new ArrayList<>();
            long committedAtStart = 0;
            for (int k = 1; k <= KILLS; k++) {
                awaitScoresFlowing(scorer, committedAtStart, k);
                final long delayMs = 200 + random.nextInt(1_800);
                final long delayEnd = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(delayMs);
                while (System.nanoTime() < delayEnd) {
                    scorer.assertAlive();
                    Thread.sleep(50);
                }
                final int sent = feed.sent();
                final long committedBefore = committedScores(kafka.admin());
                final double at = (System.nanoTime() - streamStart) / 1e9;
                // Mid-stream: the scorer has not consumed the whole stream yet. On a quiet machine
                // every kill lands while the stream is being produced; on a loaded one, a late kill
                // may land after the last transaction was produced, while the scorer works through
                // its backlog: still a kill with records in flight and in batch buffers.
                if (feed.finished() && ScoringItSupport.groupCaughtUp(kafka.admin(), applicationId, TRANSACTIONS)) {
                    fail(String.format(Locale.ROOT, "kill %d would land after the scorer consumed the whole stream "
                            + "(%,d sent, %.1f s); kills so far %s: lower the rate or raise the number of events", k,
                            sent, at, kills));
                }
                if (feed.finished()) {
                    LOG.info("{}: kill {} lands after the last transaction was produced, while the scorer catches up",
                            name, k);
                }
                final int exit = scorer.kill();
                final long committedAfter = committedScores(kafka.admin());
                final Kill kill = new Kill(k, delayMs, at, sent, committedBefore, committedAfter, exit);
                kills.add(kill);
                LOG.info(String.format(Locale.ROOT, "%s: kill %d of %d (pid %d, exit %d) %.1f s into the stream, "
                                + "%,d ms after scores flowed again: %,d transactions sent, %,d scores committed",
                        name, k, KILLS, scorer.pid(), exit, at, delayMs, sent, committedAfter));
                assertEquals(137, exit, "exit code of the killed scorer (128 + SIGKILL)");
                committedAtStart = committedAfter;
                scorer = startScorer(config, name, k);
            }

            final ChildScorer last = scorer;
            feed.awaitAllAcked(Duration.ofSeconds(120));
            // Settle: longer than a batch wait (400 ms) plus a commit interval.
            ReliabilitySupport.readAllScores(scores, EVENTS, feed, kafka.admin(), applicationId, last::assertAlive,
                    Duration.ofMillis(1_500));
            final double seconds = (System.nanoTime() - streamStart) / 1e9;

            final List<Long> restored = new ArrayList<>();
            for (int i = 1; i < scorers.size(); i++) {
                restored.add(scorers.get(i).restoredRecords());
            }
            LOG.info("{}: kills {}; records restored into batch buffers by each restarted scorer: {}; {}", name,
                    kills, restored, scores.accounting(EVENTS));
            last.stop();
            return new CrashRun(kills, restored, seconds);
        } catch (Throwable t) {
            for (ChildScorer s : scorers) {
                System.out.println("==== tail of " + s.name() + " " + s.log() + " ====");
                System.out.println(s.tail(60));
            }
            throw t;
        }
    }

    /**
     * Waits until {@code scorer} is ready and scores are flowing again: it has committed
     * {@value #MIN_PROGRESS} scores since it started. Then, for up to {@value #CATCH_UP_MS} ms more,
     * until it trails the input by less than {@value #MAX_LAG_AT_KILL} transactions (batches then
     * fill from live input until a commit, rather than filling at once from a backlog);
     * a loaded machine may not get there, and the kill goes ahead with the backlog (logged).
     */
    private void awaitScoresFlowing(ChildScorer scorer, long committedAtStart, int kill) throws InterruptedException {
        final long deadline = System.nanoTime() + STEADY_TIMEOUT.toNanos();
        scorer.awaitReady(STEADY_TIMEOUT);
        long flowingSince = -1;
        while (true) {
            scorer.assertAlive();
            final int sent = feed.sent();
            final long committed = committedScores(kafka.admin());
            if (flowingSince < 0 && committed >= committedAtStart + MIN_PROGRESS) {
                flowingSince = System.nanoTime();
            }
            if (flowingSince >= 0) {
                if (sent - committed <= MAX_LAG_AT_KILL) {
                    return;
                }
                if (System.nanoTime() - flowingSince > TimeUnit.MILLISECONDS.toNanos(CATCH_UP_MS)) {
                    LOG.info(String.format(Locale.ROOT, "before kill %d: %s is scoring but %,d transactions behind",
                            kill, scorer.name(), sent - committed));
                    return;
                }
            }
            if (System.nanoTime() > deadline) {
                fail(String.format(Locale.ROOT, "before kill %d: %s did not commit %,d scores within %s: %,d sent, "
                        + "%,d scores committed (%,d when it started)", kill, scorer.name(), MIN_PROGRESS,
                        STEADY_TIMEOUT, sent, committed, committedAtStart));
            }
            Thread.sleep(100);
        }
    }

    private Path writeConfig(String applicationId, String guarantee) throws IOException {
        final Map<String, Object> settings = appSettings(kafka.bootstrapServers(), applicationId,
                work.resolve("state"));
        settings.put(KafkaStreamsConfig.PROCESSING_GUARANTEE_CONFIG, guarantee);
        settings.put(SchemaRegistryConfig.SCHEMA_REGISTRY_URL_CONFIG, registryServer.url());
        // Batches that take longer to fill than a commit interval (3 partitions at ~1 333/s each: 500
        // records take ~375 ms): each commit (100 ms) scores an open batch, and a kill finds records
        // buffered, not yet scored, their offsets uncommitted.
        settings.put(BatchingConfig.BATCH_MAX_RECORDS_CONFIG, "500");
        settings.put(BatchingConfig.BATCH_MAX_WAIT_MS_CONFIG, "400");
        settings.put(KafkaStreamsConfig.COMMIT_INTERVAL_MS_CONFIG, "100");
        settings.put(MetricsConfig.METRICS_ENABLED_CONFIG, "true");
        // The killed member leaves no LeaveGroup: let the broker drop it after 6 s, not 45 s.
        ReliabilitySupport.fastGroupFailureDetection(settings);
        return ReliabilitySupport.writeProperties(work.resolve("scorestream.properties"), settings,
                "RepeatedCrashIT");
    }

    private ChildScorer startScorer(Path config, String testName, int restart) throws IOException {
        final String label = restart == 0 ? "scorer" : "scorer after kill " + restart;
        final ChildScorer s = ChildScorer.start(config, ReliabilitySupport.itLogDir().resolve(
                String.format(Locale.ROOT, "RepeatedCrashIT-%s-%d.log", testName, restart)), label,
                "-XX:+UseSerialGC");
        scorers.add(s);
        return s;
    }
}
