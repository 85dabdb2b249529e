package io.scorestream.tests.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scorestream.app.ScoringApplication;
import io.scorestream.app.config.BatchingConfig;
import io.scorestream.app.config.InferenceConfig;
import io.scorestream.app.config.KafkaStreamsConfig;
import io.scorestream.app.config.MetricsConfig;
import io.scorestream.app.config.ModelsConfig;
import io.scorestream.app.config.PipelinesConfig;
import io.scorestream.app.config.ScorestreamConfig;
import io.scorestream.app.config.TopicsConfig;
import io.scorestream.schemas.registry.InMemorySchemaRegistry;
import io.scorestream.testkit.EmbeddedKafka;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerInterceptor;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The producers of a running application, on a real broker, get the {@code linger.ms} derived from
 * their own pipeline's batch window (capped at Kafka Streams' 100), and the user's
 * {@code kafka.linger.ms} when it is set. Read where the producer itself is configured: a
 * {@link LingerRecorder} interceptor, given to Kafka Streams' producers by
 * {@code kafka.producer.interceptor.classes}, records the configuration each producer was built with.
 * No model is published: the producers exist once the clients are built, and nothing is scored.
 */
class ProducerLingerIT {

    private static final String APPLICATION_ID = "scorestream-linger-it";

    @TempDir
    Path stateDir;

    private EmbeddedKafka kafka;
    private ScoringApplication app;

    @AfterEach
    void closeEverything() {
        Utils.closeQuietly(app, "scoring application");
        Utils.closeQuietly(kafka, "embedded kafka");
        LingerRecorder.CONFIGURED.clear();
    }

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void eachPipelinesProducerLingersAsItsWindowSaysUnlessTheUserSetsLingerMs() throws Exception {
        // given: a broker and two pipelines, one with a 3 ms window, one with 400 ms
        kafka = EmbeddedKafka.startDefault();
        for (String topic : List.of("transactions", "history", "scores", "scores-shadow", "scores-dlq")) {
            kafka.createTopic(topic, 1, Map.of());
        }
        kafka.createCompactedTopic("model-specs", 1);
        final Map<String, Object> settings = settings();

        // when the application starts with no linger.ms of the user's
        app = ScoringApplication.start(ScorestreamConfig.of(settings), new InMemorySchemaRegistry());

        // then each pipeline's producer has its own derived linger.ms
        assertEquals(Map.of("fast", "3", "slow", "100"), awaitLingers(APPLICATION_ID, Duration.ofSeconds(60)));

        // when an application with kafka.linger.ms=1 starts (an id of its own: closing a client that
        // rejoins the group of one that just left waits out the rebalance)
        app.close();
        app = null;
        settings.put(KafkaStreamsConfig.APPLICATION_ID_CONFIG, APPLICATION_ID + "-set");
        settings.put(KafkaStreamsConfig.STATE_DIR_CONFIG, stateDir.resolve("set").toString());
        settings.put(KafkaStreamsConfig.LINGER_KEY, "1");
        app = ScoringApplication.start(ScorestreamConfig.of(settings), new InMemorySchemaRegistry());

        // then the user's value wins in both
        assertEquals(Map.of("fast", "1", "slow", "1"), awaitLingers(APPLICATION_ID + "-set", Duration.ofSeconds(60)));
    }

    /** The linger.ms of each pipeline's producer, by pipeline, once both producers were configured. */
    private static Map<String, String> awaitLingers(String applicationId, Duration timeout)
            throws InterruptedException {
        final long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            final Map<String, String> byPipeline = new HashMap<>();
            LingerRecorder.CONFIGURED.forEach((clientId, linger) -> {
                for (String pipeline : List.of("fast", "slow")) {
                    if (clientId.startsWith(applicationId + "-" + pipeline + "-")) {
                        byPipeline.put(pipeline, linger);
                    }
                }
            });
            if (byPipeline.size() == 2) {
                return byPipeline;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("not every pipeline's producer was configured in " + timeout + ": "
                + LingerRecorder.CONFIGURED);
    }

    private Map<String, Object> settings() {
        final Map<String, Object> s = new HashMap<>();
        s.put(KafkaStreamsConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        s.put(KafkaStreamsConfig.APPLICATION_ID_CONFIG, APPLICATION_ID);
        s.put(KafkaStreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        s.put(KafkaStreamsConfig.KAFKA_PREFIX + StreamsConfig.producerPrefix(ProducerConfig.INTERCEPTOR_CLASSES_CONFIG),
                LingerRecorder.class.getName());
        s.put(TopicsConfig.OUTPUT_TOPIC_CONFIG, "scores");
        s.put(TopicsConfig.DEAD_LETTER_TOPIC_CONFIG, "scores-dlq");
        s.put(TopicsConfig.MODEL_TOPIC_CONFIG, "model-specs");
        s.put(InferenceConfig.INFERENCE_DEVICE_CONFIG, "cpu");
        s.put(MetricsConfig.METRICS_ENABLED_CONFIG, "false");
        s.put(ModelsConfig.MODEL_WAIT_TIMEOUT_MS_CONFIG, "600000");
        s.put(PipelinesConfig.PIPELINES_CONFIG, "fast,slow");
        s.put(PipelinesConfig.pipelineKey("fast", TopicsConfig.INPUT_TOPICS_CONFIG), "transactions");
        s.put(PipelinesConfig.pipelineKey("fast", ModelsConfig.MODEL_NAME_CONFIG), "fraud");
        s.put(PipelinesConfig.pipelineKey("fast", BatchingConfig.BATCH_MAX_WAIT_MS_CONFIG), "3");
        s.put(PipelinesConfig.pipelineKey("slow", TopicsConfig.INPUT_TOPICS_CONFIG), "history");
        s.put(PipelinesConfig.pipelineKey("slow", ModelsConfig.MODEL_NAME_CONFIG), "fraud");
        s.put(PipelinesConfig.pipelineKey("slow", BatchingConfig.BATCH_MAX_WAIT_MS_CONFIG), "400");
        return s;
    }

    /**
     * Records the {@code linger.ms} each producer it is installed in was configured with, by client id.
     * Instantiated by the producer; the map is shared by the test and every producer's thread.
     */
    public static final class LingerRecorder implements ProducerInterceptor<Object, Object> {

        static final Map<String, String> CONFIGURED = new ConcurrentHashMap<>();

        @Override
        public void configure(Map<String, ?> configs) {
            CONFIGURED.put(String.valueOf(configs.get(ProducerConfig.CLIENT_ID_CONFIG)),
                    String.valueOf(configs.get(ProducerConfig.LINGER_MS_CONFIG)));
        }

        @Override
        public ProducerRecord<Object, Object> onSend(ProducerRecord<Object, Object> record) {
            return record;
        }

        @Override
        public void onAcknowledgement(RecordMetadata metadata, Exception exception) {
        }

        @Override
        public void close() {
        }
    }
}
