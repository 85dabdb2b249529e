package io.scorestream.tests.it;

import static io.scorestream.tests.it.ScoringItSupport.DEAD_LETTERS;
import static io.scorestream.tests.it.ScoringItSupport.MODEL;
import static io.scorestream.tests.it.ScoringItSupport.SCORES;
import static io.scorestream.tests.it.ScoringItSupport.TRANSACTIONS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.scorestream.app.ScoringApplication;
import io.scorestream.app.command.CommandLines;
import io.scorestream.app.config.MetricsConfig;
import io.scorestream.app.config.ModelsConfig;
import io.scorestream.app.config.SchemaRegistryConfig;
import io.scorestream.app.config.ScorestreamConfig;
import io.scorestream.app.demo.DemoModels;
import io.scorestream.inference.onnx.Mlp;
import io.scorestream.schemas.registry.InMemorySchemaRegistry;
import io.scorestream.testkit.EmbeddedKafka;
import io.scorestream.testkit.SchemaRegistryServer;
import io.scorestream.tests.it.ScoringItSupport.ScoreReader;
import io.scorestream.tests.it.ScoringItSupport.TransactionFeed;
import io.scorestream.tests.reliability.ReliabilitySupport;
import io.scorestream.tests.reliability.ReliabilitySupport.ChildScorer;
import io.scorestream.topology.PipelineSettings;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A scorer that starts before any version of its model exists, on a real broker: it does not die
 * when records arrive (as it did, after {@code model.wait.timeout.ms}, before), it pauses its
 * input, reports the wait on {@code /readyz} (an error once past the timeout), dead-letters
 * nothing, and scores every record exactly once when a version is published. With
 * {@code model.wait.timeout.exit=true}, {@code scorestream run} exits non-zero instead.
 */
class MissingModelIT {

    private static final int EVENTS = 3_000;
    private static final long MODEL_WAIT_MS = 2_000;

    @TempDir
    Path work;

    private EmbeddedKafka kafka;
    private SchemaRegistryServer registryServer;
    private KafkaProducer<String, Object> producer;
    private ScoringApplication app;
    private ScoreReader scores;
    private TransactionFeed feed;
    private ChildScorer child;

    @AfterEach
    void closeEverything() throws Exception {
        if (child != null) {
            child.close();
        }
        if (feed != null) {
            feed.close();
        }
        Utils.closeQuietly(scores, "score reader");
        Utils.closeQuietly(app, "scoring application");
        Utils.closeQuietly(producer, "producer");
        Utils.closeQuietly(registryServer, "schema registry server");
        Utils.closeQuietly(kafka, "embedded kafka");
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void aScorerStartedWithoutAModelWaitsPausedPastTheTimeoutThenScoresEveryRecordOnce() throws Exception {
        // given: a broker with no model on the model topic
        kafka = EmbeddedKafka.startDefault();
        ScoringItSupport.createTopics(kafka, 2);
        final InMemorySchemaRegistry schemas = new InMemorySchemaRegistry();
        producer = ScoringItSupport.producer(kafka.bootstrapServers(), schemas);
        final String applicationId = "scorestream-missing-model-it";
        final Map<String, Object> settings = ScoringItSupport.appSettings(kafka.bootstrapServers(), applicationId,
                work.resolve("state"));
        settings.put(ModelsConfig.MODEL_WAIT_TIMEOUT_MS_CONFIG, Long.toString(MODEL_WAIT_MS));
        settings.put(MetricsConfig.METRICS_PORT_CONFIG, "0");

        // when: the scorer starts, and transactions arrive
        // (the wait starts inside start(): measured from before it, the overdue report cannot come early)
        final long started = System.nanoTime();
        app = ScoringApplication.start(ScorestreamConfig.of(settings), schemas);
        feed = TransactionFeed.start(producer, EVENTS, 0, 7);
        feed.awaitAllAcked(Duration.ofSeconds(60));

        // then: past model.wait.timeout.ms it is paused, alive, reports the wait as an error, and
        // has written nothing (no score, no dead letter)
        final HttpResponse<String> overdue = awaitReadyzContaining("\"status\":\"error\"",
                Duration.ofMillis(MODEL_WAIT_MS).plusSeconds(30));
        assertTrue(System.nanoTime() - started >= Duration.ofMillis(MODEL_WAIT_MS).toNanos());
        assertEquals(503, overdue.statusCode(), overdue.body());
        assertTrue(overdue.body().contains("\"waiting\":{\"default\":{\"model\":\"fraud\""), overdue.body());
        assertTrue(app.isPaused(PipelineSettings.DEFAULT), "the pipeline must be paused");
        assertNotEquals(KafkaStreams.State.ERROR, app.state());
        assertNotEquals(KafkaStreams.State.PENDING_ERROR, app.state());
        assertNull(app.failure(), "a missing model must not fail the scorer");
        assertEquals(0, ScoringItSupport.committedRecordCount(kafka.admin(), SCORES), "scores without a model");
        assertEquals(0, ScoringItSupport.committedRecordCount(kafka.admin(), DEAD_LETTERS),
                "dead letters for want of a model");

        // when: a version is published
        ScoringItSupport.publish(producer, DemoModels.inlineSpec(MODEL, "1", Mlp.random(5, 30, 8, 1).toOnnx(), 0.5,
                Map.of()));

        // then: the scorer resumes, becomes ready, and every transaction has exactly one score
        assertTrue(app.models().awaitLive(MODEL, Duration.ofSeconds(60)), "the model did not go live: "
                + app.models().lastRefusal(MODEL));
        scores = new ScoreReader(kafka.bootstrapServers(), schemas);
        scores.readUntilDistinct(EVENTS, Duration.ofSeconds(120), this::assertAlive,
                () -> ScoringItSupport.groupCaughtUp(kafka.admin(), applicationId, TRANSACTIONS));
        scores.readToEnd(Duration.ofSeconds(30));
        scores.assertExactlyOnce(EVENTS);
        assertFalse(app.isPaused(PipelineSettings.DEFAULT));
        awaitReadyzStatus(200, Duration.ofSeconds(60));
        assertEquals(0, ScoringItSupport.committedRecordCount(kafka.admin(), DEAD_LETTERS), "dead letters");
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void withModelWaitTimeoutExitRunStopsNonZeroNamingThePipelineAndModel() throws Exception {
        // given: a broker, a schema registry over HTTP, and no model
        kafka = EmbeddedKafka.startDefault();
        ScoringItSupport.createTopics(kafka, 1);
        registryServer = SchemaRegistryServer.start(new InMemorySchemaRegistry());
        final Map<String, Object> settings = ScoringItSupport.appSettings(kafka.bootstrapServers(),
                "scorestream-missing-model-exit-it", work.resolve("state"));
        settings.put(SchemaRegistryConfig.SCHEMA_REGISTRY_URL_CONFIG, registryServer.url());
        settings.put(ModelsConfig.MODEL_WAIT_TIMEOUT_MS_CONFIG, Long.toString(MODEL_WAIT_MS));
        settings.put(ModelsConfig.MODEL_WAIT_TIMEOUT_EXIT_CONFIG, "true");
        final Path config = ReliabilitySupport.writeProperties(work.resolve("scorestream.properties"), settings,
                "MissingModelIT");

        // when: 'scorestream run' starts
        child = ChildScorer.start(config, ReliabilitySupport.itLogDir().resolve("MissingModelIT-exit.log"),
                "scorer");

        // then: it exits by itself, non-zero, saying which pipeline waited for which model
        final int exit = child.awaitExit(Duration.ofSeconds(120));
        final String log = Files.readString(child.log());
        assertEquals(CommandLines.FAILED, exit, child.tail(40));
        assertTrue(log.contains("Pipeline 'default' has waited"), child.tail(40));
        assertTrue(log.contains("for a live version of model 'fraud'"), child.tail(40));
        assertTrue(log.contains("model.wait.timeout.exit=true"), child.tail(40));
    }

    private void assertAlive() {
        assertNull(app.failure(), "the scoring application failed");
    }

    private HttpResponse<String> readyz() throws Exception {
        final HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.metricsPort()
                + "/readyz")).timeout(Duration.ofSeconds(10)).GET().build();
        return HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> awaitReadyzContaining(String text, Duration timeout) throws Exception {
        final long deadline = System.nanoTime() + timeout.toNanos();
        HttpResponse<String> last = readyz();
        while (!last.body().contains(text)) {
            assertAlive();
            if (System.nanoTime() > deadline) {
                fail("/readyz did not say " + text + " within " + timeout + ": " + last.body());
            }
            Thread.sleep(200);
            last = readyz();
        }
        return last;
    }

    private void awaitReadyzStatus(int status, Duration timeout) throws Exception {
        final long deadline = System.nanoTime() + timeout.toNanos();
        HttpResponse<String> last = readyz();
        while (last.statusCode() != status) {
            if (System.nanoTime() > deadline) {
                fail("/readyz not " + status + " within " + timeout + ": " + last.body());
            }
            Thread.sleep(200);
            last = readyz();
        }
    }
}
