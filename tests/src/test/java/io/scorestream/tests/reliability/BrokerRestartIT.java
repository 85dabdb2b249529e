package io.scorestream.tests.reliability;

import static io.scorestream.tests.it.ScoringItSupport.DEAD_LETTERS;
import static io.scorestream.tests.it.ScoringItSupport.MODEL;
import static io.scorestream.tests.it.ScoringItSupport.appSettings;
import static io.scorestream.tests.it.ScoringItSupport.createTopics;
import static io.scorestream.tests.it.ScoringItSupport.publish;
import static io.scorestream.tests.reliability.ReliabilitySupport.committedScores;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.fail;

import io.scorestream.schemas.registry.InMemorySchemaRegistry;
import io.scorestream.app.demo.DemoModels;
import io.scorestream.app.ScoringApplication;
import io.scorestream.app.config.ScorestreamConfig;
import io.scorestream.app.config.MetricsConfig;
import io.scorestream.app.config.KafkaStreamsConfig;
import io.scorestream.app.config.BatchingConfig;
import io.scorestream.testkit.EmbeddedKafka;
import io.scorestream.tests.it.ScoringItSupport;
import io.scorestream.tests.it.ScoringItSupport.ScoreReader;
import io.scorestream.tests.it.ScoringItSupport.TransactionFeed;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The (single) broker goes away mid-stream and comes back on the same data directory and ports. The
 * scoring instance is left alone: it must reconnect and resume by itself, within a bound, and
 * every transaction must still have exactly one committed score. The producer is idempotent with
 * a delivery timeout longer than the outage, so its records wait in its buffer and survive it.
 */
class BrokerRestartIT {

    private static final Logger LOG = LoggerFactory.getLogger(BrokerRestartIT.class);
    private static final int EVENTS = 60_000;
    private static final long RATE = 3_000;
    private static final String APPLICATION_ID = "scorestream-broker-restart-it";
    /** How long the broker stays down. */
    private static final Duration OUTAGE = Duration.ofSeconds(5);
    /** How soon after the broker is back the scores must flow again. */
    private static final Duration RESUME_BOUND = Duration.ofSeconds(60);

    @TempDir
    Path stateDir;

    private EmbeddedKafka kafka;
    private KafkaProducer<String, Object> producer;
    private ScoringApplication app;
    private TransactionFeed feed;
    private ScoreReader scores;

    @AfterEach
    void closeEverything() {
        if (feed != null) {
            feed.close();
        }
        Utils.closeQuietly(scores, "score reader");
        Utils.closeQuietly(app, "scoring application");
        Utils.closeQuietly(producer, "producer");
        Utils.closeQuietly(kafka, "embedded kafka");
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void scoringResumesByItselfAfterABrokerRestartWithEveryEventScoredExactlyOnce() throws Exception {
        // given: an exactly_once_v2 instance with default Kafka client settings, scoring a stream
        // of 60 000 transactions at 3 000/s from an idempotent producer that outlives an outage
        kafka = EmbeddedKafka.startDefault();
        createTopics(kafka, 3);
        final InMemorySchemaRegistry schemas = new InMemorySchemaRegistry();
        producer = ScoringItSupport.producer(kafka.bootstrapServers(), schemas, Map.of(
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 300_000,
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 300_000));
        publish(producer, DemoModels.trainedSpec(MODEL, 1, 42));
        final Map<String, Object> settings = appSettings(kafka.bootstrapServers(), APPLICATION_ID, stateDir);
        settings.put(KafkaStreamsConfig.PROCESSING_GUARANTEE_CONFIG, "exactly_once_v2");
        settings.put(BatchingConfig.BATCH_MAX_RECORDS_CONFIG, "500");
        settings.put(BatchingConfig.BATCH_MAX_WAIT_MS_CONFIG, "200");
        settings.put(KafkaStreamsConfig.COMMIT_INTERVAL_MS_CONFIG, "100");
        settings.put(MetricsConfig.METRICS_ENABLED_CONFIG, "false");
        app = ScoringItSupport.startScoring(settings, schemas);
        feed = TransactionFeed.start(producer, EVENTS, RATE, 3);
        scores = new ScoreReader(kafka.bootstrapServers(), schemas);
        ReliabilitySupport.await("a fifth of the stream scored", Duration.ofSeconds(180),
                () -> committedScores(kafka.admin()) >= EVENTS / 5,
                () -> String.format(Locale.ROOT, "%,d sent, %,d scores committed", feed.sent(),
                        committedScores(kafka.admin())));

        // when: the broker stops, stays down for 5 s (the producer keeps sending into its buffer),
        // and starts again on the same data directory and ports
        final int sentAtStop = feed.sent();
        final long committedAtStop = committedScores(kafka.admin());
        final long stopStart = System.nanoTime();
        kafka.stop();
        final long stoppedNanos = System.nanoTime();
        Thread.sleep(OUTAGE.toMillis());
        final KafkaStreams.State stateDuringOutage = app.state();
        kafka.start();
        final long restartedNanos = System.nanoTime();
        final long committedAtRestart = committedScores(kafka.admin());
        LOG.info(String.format(Locale.ROOT, "broker stopped in %d ms with %,d transactions sent and %,d scores "
                        + "committed; down %d ms (app %s); back in %d ms; %,d scores committed then",
                millis(stoppedNanos - stopStart), sentAtStop, committedAtStop, OUTAGE.toMillis(), stateDuringOutage,
                millis(restartedNanos - stoppedNanos - OUTAGE.toNanos()), committedAtRestart));

        // then: scores flow again within 60 s of the restart, with no intervention
        final long resumeDeadline = restartedNanos + RESUME_BOUND.toNanos();
        long committed = committedScores(kafka.admin());
        while (committed < committedAtRestart + RATE) {
            assertNull(app.failure(), "the scoring application failed after the broker restart (Kafka Streams "
                    + app.state() + ")");
            if (System.nanoTime() > resumeDeadline) {
                fail(String.format(Locale.ROOT, "scores did not resume within %s of the broker restart: %,d committed "
                                + "at the restart, %,d now, %,d transactions sent; Kafka Streams %s", RESUME_BOUND,
                        committedAtRestart, committed, feed.sent(), app.state()));
            }
            Thread.sleep(100);
            committed = committedScores(kafka.admin());
        }
        final long resumedNanos = System.nanoTime();
        LOG.info(String.format(Locale.ROOT, "scores resumed %d ms after the broker was back (%,d committed); "
                + "Kafka Streams %s", millis(resumedNanos - restartedNanos), committed, app.state()));

        // and: every transaction has exactly one committed score, none was dead-lettered
        feed.awaitAllAcked(Duration.ofSeconds(120));
        ReliabilitySupport.readAllScores(scores, EVENTS, feed, kafka.admin(), APPLICATION_ID,
                () -> assertNull(app.failure(), "the scoring application failed"), Duration.ofSeconds(1));
        scores.assertExactlyOnce(EVENTS);
        assertEquals(0, ScoringItSupport.countCommittedRecords(kafka.bootstrapServers(), DEAD_LETTERS,
                Duration.ofSeconds(30)), "dead letters");
        ReliabilitySupport.assertGapFreeAndVersionsMonotonicPerPartition(scores.scores(),
                ReliabilitySupport.inputEndOffsets(kafka.admin()));
        assertNull(app.failure(), "the scoring application failed");
        assertEquals(KafkaStreams.State.RUNNING, app.state(), "Kafka Streams state at the end");
        LOG.info("RESULT broker restart: {} events, 1 broker restart ({} ms down), 0 lost, 0 duplicates, scores "
                        + "resumed {} ms after restart", EVENTS, millis(restartedNanos - stopStart),
                millis(resumedNanos - restartedNanos));
    }

    private static long millis(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }
}
