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
import static org.junit.jupiter.api.Assertions.fail;

import io.scorestream.inference.onnx.Mlp;
import io.scorestream.schemas.ModelSpec;
import io.scorestream.schemas.ScoreResult;
import io.scorestream.schemas.registry.InMemorySchemaRegistry;
import io.scorestream.app.demo.DemoModels;
import io.scorestream.app.ScoringApplication;
import io.scorestream.app.config.ScorestreamConfig;
import io.scorestream.app.config.MetricsConfig;
import io.scorestream.app.config.KafkaStreamsConfig;
import io.scorestream.app.config.BatchingConfig;
import io.scorestream.testkit.EmbeddedKafka;
import io.scorestream.tests.it.ScoringItSupport.Score;
import io.scorestream.tests.it.ScoringItSupport.ScoreReader;
import io.scorestream.tests.it.ScoringItSupport.TransactionFeed;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A hot swap under a steady stream: version 2 of the model is published halfway through 40 000
 * transactions, and the swap neither loses, duplicates nor reorders a score, and version 2 really
 * computes the version-2 scores.
 */
class ModelSwapUnderLoadIT {

    private static final Logger LOG = LoggerFactory.getLogger(ModelSwapUnderLoadIT.class);
    private static final int EVENTS = 40_000;
    private static final long RATE = 4_000;
    private static final long MODEL_SEED = 42;
    private static final String APPLICATION_ID = "scorestream-swap-it";
    /** ONNX Runtime computes in float32; the reference in double from the same float weights. */
    private static final double SCORE_TOLERANCE = 1e-4;

    @TempDir
    Path stateDir;

    private EmbeddedKafka kafka;
    private KafkaProducer<String, Object> producer;
    private ScoringApplication app;
    private TransactionFeed feed;
    private ScoreReader scores;

    @AfterEach
    void closeEverything() throws Exception {
        if (feed != null) {
            feed.close();
        }
        Utils.closeQuietly(scores, "score reader");
        Utils.closeQuietly(app, "scoring application");
        Utils.closeQuietly(producer, "producer");
        Utils.closeQuietly(kafka, "embedded kafka");
    }

    @Test
    @Timeout(value = 6, unit = TimeUnit.MINUTES)
    void swapsToVersionTwoMidStreamWithoutLosingDuplicatingOrReorderingScores() throws Exception {
        // given: two trained versions (kept in Java as the reference), version 1 published and live
        final Mlp v1 = DemoModels.train(1, MODEL_SEED);
        final Mlp v2 = DemoModels.train(2, MODEL_SEED);
        final ModelSpec spec1 = DemoModels.inlineSpec(MODEL, "1", v1.toOnnx(), 0.5, Map.of());
        final ModelSpec spec2 = DemoModels.inlineSpec(MODEL, "2", v2.toOnnx(), 0.5, Map.of());
        kafka = EmbeddedKafka.startDefault();
        createTopics(kafka, 3);
        final InMemorySchemaRegistry schemas = new InMemorySchemaRegistry();
        producer = ScoringItSupport.producer(kafka.bootstrapServers(), schemas);
        publish(producer, spec1);
        final Map<String, Object> settings = appSettings(kafka.bootstrapServers(), APPLICATION_ID, stateDir);
        settings.put(KafkaStreamsConfig.PROCESSING_GUARANTEE_CONFIG, "exactly_once_v2");
        settings.put(BatchingConfig.BATCH_MAX_RECORDS_CONFIG, "256");
        settings.put(BatchingConfig.BATCH_MAX_WAIT_MS_CONFIG, "5");
        settings.put(MetricsConfig.METRICS_ENABLED_CONFIG, "false");
        app = ScoringItSupport.startScoring(settings, schemas);

        // when: 40 000 transactions at 4 000/s, and version 2 is published right after the 20 000th
        feed = TransactionFeed.start(producer, EVENTS, RATE, 11, true, EVENTS / 2 - 1, () -> publish(producer, spec2));
        scores = new ScoreReader(kafka.bootstrapServers(), schemas);
        final boolean all = scores.readUntilDistinct(EVENTS, Duration.ofSeconds(90),
                () -> assertNull(app.failure(), "the scoring application failed"),
                () -> feed.finished() && ScoringItSupport.groupCaughtUp(kafka.admin(), APPLICATION_ID, TRANSACTIONS));
        feed.awaitAllAcked(Duration.ofSeconds(30));
        ScoringItSupport.awaitGroupCaughtUp(kafka.admin(), APPLICATION_ID, TRANSACTIONS, Duration.ofSeconds(180));
        scores.readToEnd(Duration.ofSeconds(30));
        LOG.info("after the swap: {}", scores.accounting(EVENTS));

        // then: every transaction has exactly one score, none was dead-lettered
        // Slowness is not a failure (a loaded machine may need longer); loss or duplication is, below.
        if (!all) {
            LOG.warn("not every transaction was scored within the first wait: {}", scores.accounting(EVENTS));
        }
        scores.assertExactlyOnce(EVENTS);
        assertEquals(0, ScoringItSupport.countCommittedRecords(kafka.bootstrapServers(), DEAD_LETTERS,
                Duration.ofSeconds(30)), "dead letters");

        // and: both versions scored, and version 2 is the one live now
        final Map<String, Integer> perVersion = new TreeMap<>();
        for (Score s : scores.scores()) {
            perVersion.merge(s.value().getModelVersion(), 1, Integer::sum);
            assertEquals(s.value().getModelVersion(), s.versionHeader(), "version header of " + s.eventId());
        }
        LOG.info("scores per version: {}", perVersion);
        assertEquals(List.of("1", "2"), List.copyOf(perVersion.keySet()), "versions that scored: " + perVersion);
        assertEquals("2", app.models().live(MODEL).orElseThrow().version(), "live version at the end");

        // and: per input partition, in source-offset order, the offsets have no gap and the
        // version never goes back from 2 to 1
        final Map<Integer, List<ScoreResult>> byPartition = new TreeMap<>();
        for (Score s : scores.scores()) {
            byPartition.computeIfAbsent(s.value().getSourcePartition(), p -> new ArrayList<>()).add(s.value());
        }
        final Map<Integer, Long> endOffsets = inputEndOffsets();
        assertEquals(endOffsets.keySet(), byPartition.keySet(), "input partitions that have scores");
        for (Map.Entry<Integer, List<ScoreResult>> e : byPartition.entrySet()) {
            final List<ScoreResult> rs = e.getValue();
            rs.sort(Comparator.comparingLong(ScoreResult::getSourceOffset));
            assertEquals(endOffsets.get(e.getKey()).longValue(), rs.size(), "scores of partition " + e.getKey());
            long firstV2 = -1;
            for (int i = 0; i < rs.size(); i++) {
                final ScoreResult r = rs.get(i);
                assertEquals(i, r.getSourceOffset().longValue(), "partition " + e.getKey() + ": offset gap or "
                        + "repeat at score " + i + " (" + r.getEventId() + ")");
                if ("2".equals(r.getModelVersion()) && firstV2 < 0) {
                    firstV2 = r.getSourceOffset();
                } else if ("1".equals(r.getModelVersion()) && firstV2 >= 0) {
                    fail(String.format(Locale.ROOT, "partition %d: offset %d (%s) scored by v1 after offset %d was "
                            + "scored by v2", e.getKey(), r.getSourceOffset(), r.getEventId(), firstV2));
                }
            }
            LOG.info("partition {}: {} scores, first scored by v2 at offset {}", e.getKey(), rs.size(), firstV2);
        }

        // and: each score is what its version's model computes for that transaction, and the two
        // versions do disagree (so the check above tells them apart)
        double maxError = 0;
        double maxDisagreement = 0;
        for (Score s : scores.scores()) {
            final ScoreResult r = s.value();
            final double[] features = feed.features(seqOf(r.getEventId()));
            final double expected1 = v1.predict(features)[0];
            final double expected2 = v2.predict(features)[0];
            final double expected = "2".equals(r.getModelVersion()) ? expected2 : expected1;
            final double error = Math.abs(r.getScore() - expected);
            if (error > SCORE_TOLERANCE) {
                fail(String.format(Locale.ROOT, "%s scored %.6f by v%s; v%s computes %.6f (v1 %.6f, v2 %.6f)",
                        r.getEventId(), r.getScore(), r.getModelVersion(), r.getModelVersion(), expected, expected1,
                        expected2));
            }
            maxError = Math.max(maxError, error);
            maxDisagreement = Math.max(maxDisagreement, Math.abs(expected1 - expected2));
        }
        LOG.info(String.format(Locale.ROOT, "largest |score - reference| %.2e; largest |v1 - v2| %.4f", maxError,
                maxDisagreement));
        assertTrue(maxDisagreement > 0.05, "v1 and v2 compute (nearly) the same scores: max difference "
                + maxDisagreement);
    }

    private Map<Integer, Long> inputEndOffsets() throws Exception {
        final Map<TopicPartition, OffsetSpec> latest = new java.util.HashMap<>();
        for (TopicPartition tp : ScoringItSupport.partitions(kafka.admin(), TRANSACTIONS)) {
            latest.put(tp, OffsetSpec.latest());
        }
        final Map<Integer, Long> end = new TreeMap<>();
        kafka.admin().listOffsets(latest).all().get(30, TimeUnit.SECONDS)
                .forEach((tp, info) -> end.put(tp.partition(), info.offset()));
        return end;
    }
}
