package io.scorestream.tests.it;

import static io.scorestream.tests.it.ScoringItSupport.MODEL;
import static io.scorestream.tests.it.ScoringItSupport.SCORES;
import static io.scorestream.tests.it.ScoringItSupport.TRANSACTIONS;
import static io.scorestream.tests.it.ScoringItSupport.appSettings;
import static io.scorestream.tests.it.ScoringItSupport.createTopics;
import static io.scorestream.tests.it.ScoringItSupport.publish;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scorestream.inference.onnx.Mlp;
import io.scorestream.inference.registry.KeyBuckets;
import io.scorestream.inference.registry.LiveRollout;
import io.scorestream.inference.training.SyntheticTransactions;
import io.scorestream.schemas.ModelSpec;
import io.scorestream.schemas.Rollout;
import io.scorestream.schemas.RolloutRole;
import io.scorestream.schemas.ScoreResult;
import io.scorestream.schemas.Transaction;
import io.scorestream.schemas.registry.InMemorySchemaRegistry;
import io.scorestream.schemas.serde.ConfluentAvroDeserializer;
import io.scorestream.topology.PipelineSettings;
import io.scorestream.app.demo.DemoModels;
import io.scorestream.app.ScoringApplication;
import io.scorestream.app.config.ScorestreamConfig;
import io.scorestream.app.config.MetricsConfig;
import io.scorestream.app.config.KafkaStreamsConfig;
import io.scorestream.app.config.BatchingConfig;
import io.scorestream.testkit.EmbeddedKafka;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A gray release on the real broker, under exactly-once: a 10% canary, then a shadow, then a
 * rollback, each published to the model topic while the application runs.
 */
class RolloutIT {

    private static final String APPLICATION_ID = "scorestream-rollout-it";
    private static final String SHADOW = PipelineSettings.defaultShadowTopic(SCORES);
    private static final int ACCOUNTS = 4_000;

    @TempDir
    Path stateDir;

    private EmbeddedKafka kafka;
    private KafkaProducer<String, Object> producer;
    private ScoringApplication app;
    private final InMemorySchemaRegistry schemas = new InMemorySchemaRegistry();
    private final SyntheticTransactions generator = new SyntheticTransactions(23, ACCOUNTS);

    @AfterEach
    void closeEverything() {
        Utils.closeQuietly(app, "scoring application");
        Utils.closeQuietly(producer, "producer");
        Utils.closeQuietly(kafka, "embedded kafka");
    }

    @Test
    @Timeout(value = 6, unit = TimeUnit.MINUTES)
    void canaryThenShadowThenRollbackWhileScoring() throws Exception {
        final Mlp v1 = Mlp.random(1, 30, 16, 1);
        final Mlp v2 = Mlp.random(2, 30, 16, 1);
        final ModelSpec spec1 = DemoModels.inlineSpec(MODEL, "1", v1.toOnnx(), 0.5, Map.of());
        final ModelSpec spec2 = DemoModels.inlineSpec(MODEL, "2", v2.toOnnx(), 0.5, Map.of());
        kafka = EmbeddedKafka.startDefault();
        createTopics(kafka, 3);
        kafka.createTopic(SHADOW, 3, Map.of());
        producer = ScoringItSupport.producer(kafka.bootstrapServers(), schemas);
        publish(producer, spec1);
        final Map<String, Object> settings = appSettings(kafka.bootstrapServers(), APPLICATION_ID, stateDir);
        settings.put(KafkaStreamsConfig.PROCESSING_GUARANTEE_CONFIG, "exactly_once_v2");
        settings.put(BatchingConfig.BATCH_MAX_RECORDS_CONFIG, "128");
        settings.put(BatchingConfig.BATCH_MAX_WAIT_MS_CONFIG, "5");
        settings.put(MetricsConfig.METRICS_PORT_CONFIG, "0");
        app = ScoringItSupport.startScoring(settings, schemas);

        // Phase a: a 10% canary of version 2.
        publishAndAwait(withCandidate(spec1, spec2, RolloutRole.CANARY, 10), "fraud@1 + 2 as canary for 10.0% of keys");
        produce("a", 8_000);
        final String ready = get("/readyz");
        assertTrue(ready.contains("\"candidate\"") && ready.contains("\"role\":\"canary\"")
                && ready.contains("\"canary_percent\":10"), ready);
        assertTrue(get("/metrics").contains("scorestream_model_candidate_info{"), "candidate gauge");
        // Phase b: version 2 as a shadow.
        publishAndAwait(withCandidate(spec1, spec2, RolloutRole.SHADOW, 0), "fraud@1 + 2 as shadow");
        produce("b", 3_000);
        final String metrics = get("/metrics");
        assertTrue(metrics.contains("scorestream_shadow_agreement{"), "shadow agreement gauge");
        assertTrue(metrics.contains("scorestream_shadow_score_difference_count{"), "shadow difference histogram");
        assertTrue(metrics.contains("role=\"shadow\""), "per-role score meters");
        // Phase c: rolled back to version 1 alone.
        publishAndAwait(spec1, "fraud@1");
        produce("c", 3_000);

        final Map<String, ConsumerRecord<byte[], ScoreResult>> scores = readAllOnce(SCORES, 14_000);
        final Map<String, ConsumerRecord<byte[], ScoreResult>> shadow = readAllOnce(SHADOW, 3_000);

        // Phase a: each key always on one version, the canary's keys by their bucket, about 10% of them.
        final Map<String, String> versionOfKey = new HashMap<>();
        for (int i = 0; i < 8_000; i++) {
            final ConsumerRecord<byte[], ScoreResult> r = scores.get("a-" + i);
            final boolean canary = KeyBuckets.bucket(r.key()) < KeyBuckets.threshold(10);
            assertEquals(canary ? "2" : "1", r.value().getModelVersion(), "a-" + i);
            assertEquals(canary ? "canary" : "stable", r.value().getRole(), "a-" + i);
            final String key = new String(r.key(), StandardCharsets.UTF_8);
            final String before = versionOfKey.putIfAbsent(key, r.value().getModelVersion());
            assertTrue(before == null || before.equals(r.value().getModelVersion()), "key " + key + " saw both");
        }
        final double share = versionOfKey.values().stream().filter("2"::equals).count()
                / (double) versionOfKey.size();
        assertTrue(share > 0.08 && share < 0.12, "distinct keys on the canary: " + share + " of " + versionOfKey.size());

        // Phase b: stable scores every record; the shadow scores every one of them, on its own topic.
        for (int i = 0; i < 3_000; i++) {
            final ScoreResult s = scores.get("b-" + i).value();
            assertEquals("1", s.getModelVersion());
            assertEquals("stable", s.getRole());
            final ScoreResult c = shadow.get("b-" + i).value();
            assertEquals("2", c.getModelVersion(), "b-" + i);
            assertEquals("shadow", c.getRole());
        }
        // Phase c: the rollback removed the candidate: stable only, nothing more on the shadow topic.
        for (int i = 0; i < 3_000; i++) {
            final ScoreResult s = scores.get("c-" + i).value();
            assertEquals("1", s.getModelVersion(), "c-" + i);
            assertEquals("stable", s.getRole());
        }
        assertEquals(3_000, shadow.size(), "shadow scores exist for phase b only");
        assertNull(app.failure());
    }

    private String get(String path) throws Exception {
        final java.net.http.HttpResponse<String> r = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + app.metricsPort() + path))
                        .build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        return r.body();
    }

    private static ModelSpec withCandidate(ModelSpec stable, ModelSpec candidate, RolloutRole role, double pct) {
        final ModelSpec copy = ModelSpec.newBuilder(stable).build();
        copy.setRollout(Rollout.newBuilder().setRole(role).setCanaryPercent(pct).setCandidate(candidate).build());
        return copy;
    }

    private void publishAndAwait(ModelSpec spec, String expected) throws InterruptedException {
        publish(producer, spec);
        final long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        for (;;) {
            final LiveRollout now = app.models().rollout(MODEL).orElse(null);
            if (now != null && now.toString().equals(expected)) {
                return;
            }
            assertTrue(System.nanoTime() < deadline, "never live: " + expected + "; live: " + now);
            Thread.sleep(10);
        }
    }

    /** Produces {@code n} transactions with ids {@code <phase>-<i>} and waits until the application consumed them. */
    private void produce(String phase, int n) throws Exception {
        final List<java.util.concurrent.Future<?>> acks = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            final Transaction t = generator.next(Instant.now());
            t.setTransactionId(phase + "-" + i);
            acks.add(producer.send(new ProducerRecord<>(TRANSACTIONS, null, t.getEventTime().toEpochMilli(),
                    t.getAccountId(), t)));
        }
        for (var ack : acks) {
            ack.get(60, TimeUnit.SECONDS);
        }
        ScoringItSupport.awaitGroupCaughtUp(kafka.admin(), APPLICATION_ID, TRANSACTIONS, Duration.ofSeconds(120));
    }

    /** Every committed record of {@code topic} by event id, failing on a duplicate or on fewer than {@code expected}. */
    private Map<String, ConsumerRecord<byte[], ScoreResult>> readAllOnce(String topic, int expected) {
        final Map<String, Object> p = new HashMap<>();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, IsolationLevel.READ_COMMITTED.toString());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        final Map<String, ConsumerRecord<byte[], ScoreResult>> out = new HashMap<>();
        try (KafkaConsumer<byte[], ScoreResult> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(),
                ConfluentAvroDeserializer.specific(schemas, ScoreResult.class, false))) {
            final List<TopicPartition> parts = new ArrayList<>();
            c.partitionsFor(topic).forEach(pi -> parts.add(new TopicPartition(topic, pi.partition())));
            c.assign(parts);
            c.seekToBeginning(parts);
            final long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (out.size() < expected && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], ScoreResult> r : c.poll(Duration.ofMillis(200))) {
                    final ConsumerRecord<byte[], ScoreResult> dup = out.put(r.value().getEventId(), r);
                    assertNull(dup, "two records for " + r.value().getEventId() + " on " + topic);
                }
            }
            // Anything beyond the expected count would be a duplicate or a stray score: read a little more.
            for (int i = 0; i < 5; i++) {
                for (ConsumerRecord<byte[], ScoreResult> r : c.poll(Duration.ofMillis(200))) {
                    assertNull(out.put(r.value().getEventId(), r), "two records for " + r.value().getEventId());
                }
            }
        }
        assertEquals(expected, out.size(), "distinct event ids on " + topic);
        return out;
    }
}
