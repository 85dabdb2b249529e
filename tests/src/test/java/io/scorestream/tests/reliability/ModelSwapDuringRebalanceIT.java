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

import com.sun.net.httpserver.HttpServer;
import io.scorestream.schemas.ModelSpec;
import io.scorestream.schemas.registry.InMemorySchemaRegistry;
import io.scorestream.app.demo.DemoModels;
import io.scorestream.app.ScoringApplication;
import io.scorestream.app.config.BatchingConfig;
import io.scorestream.app.config.KafkaStreamsConfig;
import io.scorestream.app.config.MetricsConfig;
import io.scorestream.app.config.ScorestreamConfig;
import io.scorestream.testkit.EmbeddedKafka;
import io.scorestream.tests.it.ScoringItSupport;
import io.scorestream.tests.it.ScoringItSupport.Score;
import io.scorestream.tests.it.ScoringItSupport.ScoreReader;
import io.scorestream.tests.it.ScoringItSupport.TransactionFeed;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
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
 * A model hot swap racing a rebalance: two in-process instances score six partitions with version
 * 1; version 2 is published at the moment one instance leaves (graceful close), and the instance
 * rejoins right away, while the other has swapped or is swapping. Every transaction is scored
 * exactly once, and on each partition, in source-offset order, no record is scored by version 1
 * once one was scored by version 2, whichever instance scored it.
 *
 * <p>A second test sharpens the race: an instance joins right after a swap and needs seconds to
 * load the new version; see its comment.
 */
class ModelSwapDuringRebalanceIT {

    private static final Logger LOG = LoggerFactory.getLogger(ModelSwapDuringRebalanceIT.class);
    private static final int EVENTS = 60_000;
    private static final long RATE = 3_000;
    private static final int PARTITIONS = 6;
    private static final String APPLICATION_ID = "scorestream-swap-rebalance-it";
    /** How long the HTTP server takes to serve a slow artifact. */
    private static final Duration SLOW_FETCH = Duration.ofSeconds(8);

    @TempDir
    Path work;

    private EmbeddedKafka kafka;
    private KafkaProducer<String, Object> producer;
    private TransactionFeed feed;
    private ScoreReader scores;
    private final List<ScoringApplication> apps = new ArrayList<>();
    private HttpServer slowArtifacts;
    private ExecutorService slowArtifactsExecutor;

    @AfterEach
    void closeEverything() {
        if (feed != null) {
            feed.close();
        }
        for (ScoringApplication app : apps) {
            Utils.closeQuietly(app, "scoring application");
        }
        Utils.closeQuietly(scores, "score reader");
        Utils.closeQuietly(producer, "producer");
        Utils.closeQuietly(kafka, "embedded kafka");
        if (slowArtifacts != null) {
            slowArtifacts.stop(0);
            slowArtifactsExecutor.shutdownNow();
        }
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void versionTwoPublishedWhileAnInstanceLeavesAndRejoinsScoresEachEventOnceAndNeverGoesBackToVersionOne()
            throws Exception {
        // given: two exactly_once_v2 instances on 6 partitions scoring version 1, a stream of
        // 60 000 transactions at 3 000/s, a fifth of them scored
        kafka = EmbeddedKafka.startDefault();
        createTopics(kafka, PARTITIONS);
        final InMemorySchemaRegistry schemas = new InMemorySchemaRegistry();
        producer = ScoringItSupport.producer(kafka.bootstrapServers(), schemas);
        final ModelSpec v2 = DemoModels.trainedSpec(MODEL, 2, 42);
        publish(producer, DemoModels.trainedSpec(MODEL, 1, 42));
        final ScorestreamConfig configA = config(work.resolve("state-a"));
        final ScorestreamConfig configB = config(work.resolve("state-b"));
        final ScoringApplication a = start(configA, schemas);
        final ScoringApplication b = start(configB, schemas);
        awaitRunning(a, "instance A");
        awaitRunning(b, "instance B");
        feed = TransactionFeed.start(producer, EVENTS, RATE, 17);
        scores = new ScoreReader(kafka.bootstrapServers(), schemas);
        ReliabilitySupport.await("a fifth of the stream scored", Duration.ofSeconds(180),
                () -> committedScores(kafka.admin()) >= EVENTS / 5,
                () -> String.format(Locale.ROOT, "%,d sent, %,d scores committed", feed.sent(),
                        committedScores(kafka.admin())));

        // when: version 2 is published while instance B closes, and B rejoins as soon as it is closed
        final int sentAtSwap = feed.sent();
        final CompletableFuture<Void> swap = CompletableFuture.runAsync(() -> publish(producer, v2));
        b.close();
        apps.remove(b);
        final ScoringApplication b2 = start(configB, schemas);
        swap.get(30, TimeUnit.SECONDS);
        awaitRunning(b2, "instance B (rejoined)");
        LOG.info(String.format(Locale.ROOT, "version 2 published and instance B closed and restarted after %,d "
                + "transactions; live now: A %s, B %s", sentAtSwap, a.models().live(MODEL).map(i -> i.version())
                .orElse("none"), b2.models().live(MODEL).map(i -> i.version()).orElse("none")));

        // then: every transaction has exactly one committed score, none was dead-lettered
        feed.awaitAllAcked(Duration.ofSeconds(120));
        ReliabilitySupport.readAllScores(scores, EVENTS, feed, kafka.admin(), APPLICATION_ID, () -> {
            assertNull(a.failure(), "instance A failed");
            assertNull(b2.failure(), "instance B (rejoined) failed");
        }, Duration.ofSeconds(1));
        final Map<String, Integer> perVersion = new TreeMap<>();
        for (Score s : scores.scores()) {
            perVersion.merge(s.value().getModelVersion(), 1, Integer::sum);
        }
        LOG.info("after the swap during the rebalance: {}; scores per version {}", scores.accounting(EVENTS),
                perVersion);
        scores.assertExactlyOnce(EVENTS);
        assertEquals(0, ScoringItSupport.countCommittedRecords(kafka.bootstrapServers(), DEAD_LETTERS,
                Duration.ofSeconds(30)), "dead letters");

        // and: both versions scored, and both instances serve version 2 at the end
        assertEquals(List.of("1", "2"), List.copyOf(perVersion.keySet()), "versions that scored: " + perVersion);
        assertEquals("2", a.models().live(MODEL).orElseThrow().version(), "version live on A at the end");
        assertEquals("2", b2.models().live(MODEL).orElseThrow().version(), "version live on B at the end");

        // and: per partition, in source-offset order, no gap, no repeat, and never back from 2 to 1
        final Map<Integer, Map<String, Long>> firsts = ReliabilitySupport
                .assertGapFreeAndVersionsMonotonicPerPartition(scores.scores(),
                        ReliabilitySupport.inputEndOffsets(kafka.admin()));
        LOG.info("first source offset scored by each version, per partition: {}", firsts);
        LOG.info("RESULT swap during rebalance: {} events, 1 leave + 1 rejoin + 1 swap, 0 lost, {} duplicates, "
                + "per version {}", EVENTS, scores.duplicates(), perVersion);
    }

    /**
     * A sharper race: the joining instance needs seconds to load the new version. Kafka Streams
     * restores the global model store by replaying the model topic through {@code ModelSpecUpdater},
     * so a starting instance submits version 1 and then version 2 to its {@code ModelRegistry}. Before
     * the registry held back a version superseded while it loaded, it swapped version 1 in and the
     * joining instance scored with it, for as long as version 2 took to load, partitions that already
     * had version-2 scores (3 runs out of 3). Guards that fix.
     */
    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void anInstanceJoiningRightAfterASwapNeverScoresAPartitionWithTheSupersededVersion() throws Exception {
        // given: one exactly_once_v2 instance on 6 partitions that swapped from version 1 to version
        // 2 mid-stream; version 2's artifact is served over HTTP and takes 8 s to fetch (a big
        // model, a slow store), version 1 is inline; the model topic still holds both (compaction
        // is lazy), as it does in production for days
        kafka = EmbeddedKafka.startDefault();
        createTopics(kafka, PARTITIONS);
        final InMemorySchemaRegistry schemas = new InMemorySchemaRegistry();
        producer = ScoringItSupport.producer(kafka.bootstrapServers(), schemas);
        final ModelSpec inlineV2 = DemoModels.trainedSpec(MODEL, 2, 42);
        final byte[] v2Bytes = new byte[inlineV2.getArtifactBytes().remaining()];
        inlineV2.getArtifactBytes().duplicate().get(v2Bytes);
        slowArtifacts = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        slowArtifacts.createContext("/fraud-v2.onnx", exchange -> {
            try {
                Thread.sleep(SLOW_FETCH.toMillis());
                exchange.sendResponseHeaders(200, v2Bytes.length);
                exchange.getResponseBody().write(v2Bytes);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                exchange.close();
            }
        });
        slowArtifactsExecutor = Executors.newCachedThreadPool();
        slowArtifacts.setExecutor(slowArtifactsExecutor);
        slowArtifacts.start();
        final ModelSpec v2 = ModelSpec.newBuilder(inlineV2).setArtifactBytes(null)
                .setArtifactUri("http://127.0.0.1:" + slowArtifacts.getAddress().getPort() + "/fraud-v2.onnx")
                .build();
        publish(producer, DemoModels.trainedSpec(MODEL, 1, 42));
        final ScoringApplication a = start(config(work.resolve("state-a")), schemas);
        awaitRunning(a, "instance A");
        feed = TransactionFeed.start(producer, EVENTS, RATE, 23);
        scores = new ScoreReader(kafka.bootstrapServers(), schemas);
        ReliabilitySupport.await("scores committed", Duration.ofSeconds(180),
                () -> committedScores(kafka.admin()) >= RATE,
                () -> String.format(Locale.ROOT, "%,d sent, %,d scores committed", feed.sent(),
                        committedScores(kafka.admin())));
        publish(producer, v2);
        ReliabilitySupport.await("version 2 live on A", Duration.ofSeconds(120),
                () -> a.models().live(MODEL).map(i -> "2".equals(i.version())).orElse(false),
                () -> "live on A: " + a.models().live(MODEL).map(i -> i.version()).orElse("none"));
        final long committedAtSwap = committedScores(kafka.admin());
        ReliabilitySupport.await("A scoring with version 2", Duration.ofSeconds(60),
                () -> committedScores(kafka.admin()) > committedAtSwap + RATE,
                () -> String.format(Locale.ROOT, "%,d scores committed (%,d at the swap)",
                        committedScores(kafka.admin()), committedAtSwap));

        // when: a second instance joins (scale-out): it replays the model topic, so it loads
        // version 1 (fast) before version 2 (slow), and takes half of the partitions
        final ScoringApplication c = start(config(work.resolve("state-c")), schemas);
        awaitRunning(c, "instance C");
        LOG.info("instance C running; live on C: {}", c.models().live(MODEL).map(i -> i.version()).orElse("none"));

        // then: every transaction has exactly one committed score, and on each partition, in
        // source-offset order, version 1 never follows version 2
        feed.awaitAllAcked(Duration.ofSeconds(120));
        ReliabilitySupport.readAllScores(scores, EVENTS, feed, kafka.admin(), APPLICATION_ID, () -> {
            assertNull(a.failure(), "instance A failed");
            assertNull(c.failure(), "instance C failed");
        }, Duration.ofSeconds(1));
        final Map<String, Integer> perVersion = new TreeMap<>();
        for (Score s : scores.scores()) {
            perVersion.merge(s.value().getModelVersion(), 1, Integer::sum);
        }
        LOG.info("after C joined: {}; scores per version {}", scores.accounting(EVENTS), perVersion);
        scores.assertExactlyOnce(EVENTS);
        final Map<Integer, Map<String, Long>> firsts = ReliabilitySupport
                .assertGapFreeAndVersionsMonotonicPerPartition(scores.scores(),
                        ReliabilitySupport.inputEndOffsets(kafka.admin()));
        LOG.info("first source offset scored by each version, per partition: {}", firsts);
    }

    private ScorestreamConfig config(Path stateDir) {
        final Map<String, Object> s = appSettings(kafka.bootstrapServers(), APPLICATION_ID, stateDir);
        s.put(KafkaStreamsConfig.PROCESSING_GUARANTEE_CONFIG, "exactly_once_v2");
        // Batches wait across commits (400 ms at ~500 records/s per partition), so records are
        // buffered when tasks move: the new owner scores them with the version live on it.
        s.put(BatchingConfig.BATCH_MAX_RECORDS_CONFIG, "1000");
        s.put(BatchingConfig.BATCH_MAX_WAIT_MS_CONFIG, "400");
        s.put(KafkaStreamsConfig.COMMIT_INTERVAL_MS_CONFIG, "100");
        s.put(MetricsConfig.METRICS_ENABLED_CONFIG, "false");
        ReliabilitySupport.fastGroupFailureDetection(s);
        s.put(KafkaStreamsConfig.KAFKA_PREFIX + "acceptable.recovery.lag", Long.toString(Long.MAX_VALUE));
        return ScorestreamConfig.of(s);
    }

    private ScoringApplication start(ScorestreamConfig config, InMemorySchemaRegistry schemas) {
        final ScoringApplication app = ScoringApplication.start(config, schemas);
        apps.add(app);
        return app;
    }

    private static void awaitRunning(ScoringApplication app, String name) throws InterruptedException {
        assertTrue(app.awaitModel(), name + ": no version of model " + MODEL + " went live");
        assertTrue(app.awaitRunning(Duration.ofSeconds(60)), name + ": Kafka Streams did not reach RUNNING: "
                + app.state() + (app.failure() == null ? "" : ", failure " + app.failure()));
    }
}
