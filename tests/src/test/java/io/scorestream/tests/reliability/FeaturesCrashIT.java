package io.scorestream.tests.reliability;

import static io.scorestream.tests.it.ScoringItSupport.DEAD_LETTERS;
import static io.scorestream.tests.it.ScoringItSupport.TRANSACTIONS;
import static io.scorestream.tests.it.ScoringItSupport.appSettings;
import static io.scorestream.tests.it.ScoringItSupport.createTopics;
import static io.scorestream.tests.it.ScoringItSupport.publish;
import static io.scorestream.tests.reliability.ReliabilitySupport.committedScores;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.scorestream.app.config.BatchingConfig;
import io.scorestream.app.config.KafkaStreamsConfig;
import io.scorestream.app.config.MetricsConfig;
import io.scorestream.app.config.SchemaRegistryConfig;
import io.scorestream.app.config.TopicsConfig;
import io.scorestream.schemas.registry.InMemorySchemaRegistry;
import io.scorestream.testkit.EmbeddedKafka;
import io.scorestream.testkit.SchemaRegistryServer;
import io.scorestream.tests.it.ScoringItSupport;
import io.scorestream.tests.it.ScoringItSupport.ScoreReader;
import io.scorestream.tests.reliability.FeatureFaults.FeatureFeed;
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
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code kill -9} of a scorer that computes windowed aggregates. The scorer is the real command
 * line in a JVM of its own ({@code scorestream run}, exactly_once_v2, {@code score.features.emit=true});
 * it is killed with SIGKILL mid-stream, once it scores and while its open batches hold records
 * whose aggregate values were computed and whose windows are still filling, then restarted on the
 * same state directory. Every event must have exactly one committed score, carrying the same
 * aggregate values as an uninterrupted run of the same input (a replay of the topic). With the
 * default {@code batch.flush.at.commit=true} the open batches at the kill are lost together with
 * their uncommitted offsets and aggregate updates, and read again: nothing goes through the
 * buffer's changelog.
 *
 * <p>The kill moment (seed, transactions sent, scores committed, input offsets committed) and the
 * records the restarted scorer restored are logged; each scorer's output is in {@code target/it-logs/}.
 */
class FeaturesCrashIT {

    private static final Logger LOG = LoggerFactory.getLogger(FeaturesCrashIT.class);
    private static final String APPLICATION_ID = "scorestream-features-crash";
    private static final int EVENTS = 30_000;
    private static final long RATE = 2_000;
    /** 300 accounts: at 50 ms of event time per transaction, each has one every 15 s, ~40 in 10 minutes. */
    private static final int ACCOUNTS = 300;
    private static final long SEED = 20_261_207L;
    /** One second of input: the scorer keeps up when its committed scores trail the input by less. */
    private static final long MAX_LAG_AT_KILL = RATE;
    /** Scores the scorer must commit before it counts as scoring. */
    private static final long MIN_PROGRESS = RATE / 2;
    /** How long a scorer that scores may take to catch up with the input before the kill goes ahead. */
    private static final long CATCH_UP_MS = 3_000;

    @TempDir
    Path work;

    private EmbeddedKafka kafka;
    private SchemaRegistryServer registryServer;
    private KafkaProducer<String, Object> producer;
    private FeatureFeed feed;
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

    @Test
    @Timeout(value = 6, unit = TimeUnit.MINUTES)
    void everyEventIsScoredOnceWithTheAggregatesOfAnUninterruptedRunAfterTheScorerIsKilledMidWindow()
            throws Exception {
        try {
            // given: a model version declaring ten per-account aggregates (windows of 1 min to 1 h,
            // grace, a filter, excluding-current), scored by an exactly_once_v2 scorer in its own JVM
            // that emits the values with each score; 30 000 transactions of 300 accounts at 2 000/s,
            // 50 ms of event time apart, every tenth 4 minutes early
            kafka = EmbeddedKafka.startDefault();
            createTopics(kafka, 3);
            final InMemorySchemaRegistry schemas = new InMemorySchemaRegistry();
            registryServer = SchemaRegistryServer.start(schemas);
            producer = ScoringItSupport.producer(kafka.bootstrapServers(), schemas);
            final long base = FeatureFaults.base();
            publish(producer, FeatureFaults.spec(base));
            final Path config = writeConfig();
            final ChildScorer first = startScorer(config, 1);
            first.awaitReady(Duration.ofSeconds(90));
            final int killAfter = (int) (EVENTS * (0.3 + 0.3 * new Random(SEED).nextDouble()));
            LOG.info("seed {}, event times from {}: killing the scorer after {} of {} transactions", SEED, base,
                    killAfter, EVENTS);
            feed = FeatureFeed.start(producer, EVENTS, RATE, SEED, ACCOUNTS, base);
            scores = new ScoreReader(kafka.bootstrapServers(), schemas);

            // when: the scorer is killed with SIGKILL mid-stream while it scores, and restarted
            awaitKillMoment(first, killAfter);
            final int sentAtKill = feed.sent();
            final int exit = first.kill();
            final long committedAtKill = committedScores(kafka.admin());
            // Nobody commits input offsets until the restarted scorer does: these are the killed one's last.
            final Map<Integer, Long> offsetsAtKill = ReliabilitySupport.committedInputOffsets(kafka.admin(),
                    APPLICATION_ID);
            LOG.info(String.format(Locale.ROOT, "killed the scorer (exit %d): %,d transactions sent, %,d scores "
                    + "committed, input offsets committed %s", exit, sentAtKill, committedAtKill, offsetsAtKill));
            assertEquals(137, exit, "exit code of the killed scorer (128 + SIGKILL)");
            final ChildScorer second = startScorer(config, 2);
            feed.awaitAllAcked(Duration.ofSeconds(120));
            // Settle: longer than a batch wait (1 s) plus a commit interval.
            ReliabilitySupport.readAllScores(scores, EVENTS, feed::finished, kafka.admin(), APPLICATION_ID,
                    second::assertAlive, Duration.ofMillis(2_500));
            final long restored = second.restoredRecords();
            second.stop();

            // and: the same input is replayed from the topic, uninterrupted
            final long replayStart = System.nanoTime();
            final Map<String, Map<String, Double>> reference = FeatureFaults.replay(kafka.bootstrapServers(),
                    registryServer.url(), schemas, "features-crash-replay", work.resolve("replay.json"), EVENTS);
            final double replaySeconds = (System.nanoTime() - replayStart) / 1e9;

            // then: every event has exactly one committed score, and nothing was dead-lettered
            scores.assertExactlyOnce(EVENTS);
            assertEquals(0, ScoringItSupport.countCommittedRecords(kafka.bootstrapServers(), DEAD_LETTERS,
                    Duration.ofSeconds(30)), "dead letters");
            // and: each score carries the aggregate values the uninterrupted run computed for its event
            final List<String> differences = FeatureFaults.differences(scores.scores(), reference);
            final long straddling = FeatureFaults.straddling(scores.scores(), offsetsAtKill, feed);
            LOG.info(String.format(Locale.ROOT, "RESULT features crash: %,d events, 1 kill after %,d sent, %,d "
                            + "buffered record(s) restored, %,d events past the committed offsets whose 10-minute "
                            + "window held events from before the kill, %,d events with 10+ in 10 min; %,d "
                            + "differences from the replay (%.1f s); %s", EVENTS, sentAtKill, restored, straddling,
                    FeatureFaults.atLeast(scores.scores(), "n_10m", 10), differences.size(), replaySeconds,
                    scores.accounting(EVENTS)));
            assertEquals(0, differences.size(), "events whose aggregate values differ from the uninterrupted run's:"
                    + FeatureFaults.head(differences, 10));
            // and: no buffered record went through the buffer's changelog (none written, none restored)
            assertEquals(0, restored, "records restored from the buffer changelog");
            assertEquals(0, ReliabilitySupport.bufferChangelogRecords(kafka.bootstrapServers(), APPLICATION_ID),
                    "buffer changelog records");
            // and: the restarted scorer went on filling windows from restored aggregate state (else
            // this proved nothing about it)
            assertTrue(straddling > 0, "no event after the kill had an event of its account from before the kill "
                    + "in its 10-minute window; offsets at the kill " + offsetsAtKill);
        } catch (Throwable t) {
            for (ChildScorer s : scorers) {
                System.out.println("==== tail of " + s.name() + " " + s.log() + " ====");
                System.out.println(s.tail(60));
            }
            throw t;
        }
    }

    /**
     * Waits until {@code killAfter} transactions are sent and the scorer scores: it committed
     * {@value #MIN_PROGRESS} scores, and it trails the input by less than a second (batches then fill
     * from live input until a commit), or it has been scoring for {@value #CATCH_UP_MS} ms
     * without catching up (a loaded machine; logged). Fails if the scorer consumed the whole stream
     * first: a kill then would not be mid-stream.
     */
    private void awaitKillMoment(ChildScorer scorer, int killAfter) throws Exception {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        long flowingSince = -1;
        while (true) {
            scorer.assertAlive();
            final int sent = feed.sent();
            final long committed = committedScores(kafka.admin());
            if (feed.finished() && ScoringItSupport.groupCaughtUp(kafka.admin(), APPLICATION_ID, TRANSACTIONS)) {
                fail(String.format(Locale.ROOT, "the scorer consumed the whole stream before the kill (%,d sent, "
                        + "%,d scores committed): raise the number of events", sent, committed));
            }
            if (sent >= killAfter && committed >= MIN_PROGRESS) {
                if (flowingSince < 0) {
                    flowingSince = System.nanoTime();
                }
                if (sent - committed <= MAX_LAG_AT_KILL) {
                    return;
                }
                if (System.nanoTime() - flowingSince > TimeUnit.MILLISECONDS.toNanos(CATCH_UP_MS)) {
                    LOG.info(String.format(Locale.ROOT, "the scorer is scoring but %,d transactions behind: killing "
                            + "it anyway", sent - committed));
                    return;
                }
            }
            if (System.nanoTime() > deadline) {
                fail(String.format(Locale.ROOT, "the scorer did not score mid-stream within 120 s: %,d sent, %,d "
                        + "scores committed", sent, committed));
            }
            Thread.sleep(100);
        }
    }

    private Path writeConfig() throws IOException {
        final Map<String, Object> settings = appSettings(kafka.bootstrapServers(), APPLICATION_ID,
                work.resolve("state"));
        settings.put(KafkaStreamsConfig.PROCESSING_GUARANTEE_CONFIG, "exactly_once_v2");
        settings.put(SchemaRegistryConfig.SCHEMA_REGISTRY_URL_CONFIG, registryServer.url());
        settings.put(TopicsConfig.SCORE_FEATURES_EMIT_CONFIG, "true");
        // Batches that would wait ten commit intervals (3 partitions at ~670/s each: 2 000 records
        // would take 3 s, and they flush on age after 1 s): each commit (100 ms) scores the open
        // batches, and the kill finds records buffered with their values computed, their offsets and
        // aggregate updates uncommitted.
        settings.put(BatchingConfig.BATCH_MAX_RECORDS_CONFIG, "2000");
        settings.put(BatchingConfig.BATCH_MAX_WAIT_MS_CONFIG, "1000");
        settings.put(KafkaStreamsConfig.COMMIT_INTERVAL_MS_CONFIG, "100");
        // /readyz, which ChildScorer.awaitReady polls, is served on the metrics port.
        settings.put(MetricsConfig.METRICS_ENABLED_CONFIG, "true");
        // The killed member leaves no LeaveGroup: let the broker drop it after 6 s, not 45 s.
        ReliabilitySupport.fastGroupFailureDetection(settings);
        return ReliabilitySupport.writeProperties(work.resolve("scorestream.properties"), settings,
                "FeaturesCrashIT");
    }

    private ChildScorer startScorer(Path config, int attempt) throws IOException {
        final ChildScorer s = ChildScorer.start(config, ReliabilitySupport.itLogDir().resolve(
                String.format(Locale.ROOT, "FeaturesCrashIT-%d.log", attempt)), "scorer " + attempt,
                "-XX:+UseSerialGC");
        scorers.add(s);
        return s;
    }
}
