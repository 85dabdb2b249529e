package io.scorestream.tests.it;

import static io.scorestream.tests.it.ScoringItSupport.DEAD_LETTERS;
import static io.scorestream.tests.it.ScoringItSupport.MODEL;
import static io.scorestream.tests.it.ScoringItSupport.TRANSACTIONS;
import static io.scorestream.tests.it.ScoringItSupport.appSettings;
import static io.scorestream.tests.it.ScoringItSupport.createTopics;
import static io.scorestream.tests.it.ScoringItSupport.publish;
import static io.scorestream.tests.it.ScoringItSupport.seqOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scorestream.schemas.ScoreResult;
import io.scorestream.schemas.registry.InMemorySchemaRegistry;
import io.scorestream.app.demo.DemoModels;
import io.scorestream.app.ScoringApplication;
import io.scorestream.app.config.ScorestreamConfig;
import io.scorestream.app.config.MetricsConfig;
import io.scorestream.app.config.KafkaStreamsConfig;
import io.scorestream.app.config.BatchingConfig;
import io.scorestream.tests.it.ScoringItSupport.Score;
import io.scorestream.tests.it.ScoringItSupport.ScoreReader;
import io.scorestream.tests.it.ScoringItSupport.TransactionFeed;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The whole pipeline on a real single-node broker under exactly_once_v2: 100 000 transactions
 * produced as fast as the producer takes them, every one scored exactly once, in micro-batches,
 * keeping the input's key and timestamp. The scoring application runs in this JVM; the broker is
 * whatever {@link #startBroker()} of a subclass starts ({@link EndToEndExactlyOnceIT}: the embedded
 * KRaft broker; {@link EndToEndExactlyOnceContainerIT}: {@code apache/kafka} in a container). Each
 * test gets a broker of its own, closed after it.
 */
abstract class ExactlyOnceEndToEnd {

    private static final Logger LOG = LoggerFactory.getLogger(ExactlyOnceEndToEnd.class);
    private static final int EVENTS = 100_000;
    private static final String APPLICATION_ID = "scorestream-e2e-it";

    @TempDir
    Path stateDir;

    private Broker kafka;
    private KafkaProducer<String, Object> producer;
    private ScoringApplication app;
    private TransactionFeed feed;
    private ScoreReader scores;

    /**
     * A running single-node broker with the internal topics set for one node (replication factor
     * 1, transaction state log min ISR 1): its bootstrap address, an admin client of it, and what
     * to close when the test is done (the admin client and the broker). Owned by the test.
     */
    record Broker(String bootstrapServers, Admin admin, AutoCloseable resources) implements AutoCloseable {

        @Override
        public void close() throws Exception {
            resources.close();
        }
    }

    /** Starts the broker of one test; called first in the test, and may abort it with an assumption. */
    protected abstract Broker startBroker() throws Exception;

    @AfterEach
    void closeEverything() throws Exception {
        if (feed != null) {
            feed.close();
        }
        Utils.closeQuietly(scores, "score reader");
        Utils.closeQuietly(app, "scoring application");
        Utils.closeQuietly(producer, "producer");
        Utils.closeQuietly(kafka, "broker");
    }

    @Test
    @Timeout(value = 6, unit = TimeUnit.MINUTES)
    void scoresEveryTransactionExactlyOnceInMicroBatchesKeepingKeyAndTimestamp() throws Exception {
        // given: a broker with the topic layout, model version 1 published, and a scoring instance
        // under exactly_once_v2 with 256-record / 5 ms batches
        kafka = startBroker();
        createTopics(kafka.admin(), 3);
        final InMemorySchemaRegistry schemas = new InMemorySchemaRegistry();
        producer = ScoringItSupport.producer(kafka.bootstrapServers(), schemas);
        publish(producer, DemoModels.trainedSpec(MODEL, 1, 42));
        final Map<String, Object> settings = appSettings(kafka.bootstrapServers(), APPLICATION_ID, stateDir);
        settings.put(KafkaStreamsConfig.PROCESSING_GUARANTEE_CONFIG, "exactly_once_v2");
        settings.put(BatchingConfig.BATCH_MAX_RECORDS_CONFIG, "256");
        settings.put(BatchingConfig.BATCH_MAX_WAIT_MS_CONFIG, "5");
        settings.put(MetricsConfig.METRICS_PORT_CONFIG, "0");
        app = ScoringItSupport.startScoring(settings, schemas);

        // when: 100 000 transactions are produced as fast as the producer takes them
        final long start = System.nanoTime();
        feed = TransactionFeed.start(producer, EVENTS, 0, 7);
        scores = new ScoreReader(kafka.bootstrapServers(), schemas);
        final boolean all = scores.readUntilDistinct(EVENTS, Duration.ofSeconds(150),
                () -> assertNull(app.failure(), "the scoring application failed"),
                () -> feed.finished() && ScoringItSupport.groupCaughtUp(kafka.admin(), APPLICATION_ID, TRANSACTIONS));
        final double seconds = (System.nanoTime() - start) / 1e9;
        feed.awaitAllAcked(Duration.ofSeconds(30));
        ScoringItSupport.awaitGroupCaughtUp(kafka.admin(), APPLICATION_ID, TRANSACTIONS, Duration.ofSeconds(180));
        scores.readToEnd(Duration.ofSeconds(30));
        LOG.info(String.format(Locale.ROOT, "%,d transactions scored end to end in %.1f s (%,.0f/s): %s", EVENTS,
                seconds, EVENTS / seconds, scores.accounting(EVENTS)));

        // then: every transaction has exactly one committed score, none was dead-lettered
        // Slowness is not a failure (a loaded machine may need longer); loss or duplication is, below.
        if (!all) {
            LOG.warn("not every transaction was scored within the first wait: {}", scores.accounting(EVENTS));
        }
        scores.assertExactlyOnce(EVENTS);
        assertEquals(0, ScoringItSupport.countCommittedRecords(kafka.bootstrapServers(), DEAD_LETTERS,
                Duration.ofSeconds(30)), "dead letters");

        // and: all by version 1, in batches of more than one record on average
        final Map<String, Integer> versions = new TreeMap<>();
        long batchSizeSum = 0;
        for (Score s : scores.scores()) {
            versions.merge(s.value().getModelVersion() + "/header " + s.versionHeader(), 1, Integer::sum);
            batchSizeSum += s.value().getBatchSize();
        }
        assertEquals(Map.of("1/header 1", EVENTS), versions, "model version of the scores (field/header)");
        final double meanBatch = (double) batchSizeSum / EVENTS;
        LOG.info(String.format(Locale.ROOT, "mean batch size %.1f", meanBatch));
        assertTrue(meanBatch > 1.0, "records were scored one at a time: mean batch size " + meanBatch);

        // and: each score carries its input's key, timestamp and source coordinates
        for (Score s : scores.scores()) {
            final ScoreResult r = s.value();
            final int seq = seqOf(r.getEventId());
            final String where = "score of " + r.getEventId();
            assertEquals(feed.key(seq), s.keyText(), where + ": Kafka record key");
            assertEquals(feed.key(seq), r.getKey(), where + ": key field");
            assertEquals(feed.timestamp(seq), s.timestamp(), where + ": Kafka record timestamp");
            assertEquals(feed.timestamp(seq), r.getEventTime().toEpochMilli(), where + ": event_time");
            assertEquals(MODEL, r.getModelName(), where + ": model name");
            assertEquals(TRANSACTIONS, r.getSourceTopic(), where + ": source topic");
            assertTrue(r.getSourcePartition() != null && r.getSourceOffset() != null,
                    where + ": source partition and offset");
        }
    }
}
