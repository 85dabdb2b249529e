package io.scorestream.bench;

import io.scorestream.schemas.ScoreResult;
import io.scorestream.schemas.registry.SchemaRegistry;
import io.scorestream.schemas.serde.ConfluentAvroSerializer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Synthetic scores as the application writes them, serialized once (Confluent wire format, value
 * schema registered under {@code <topic>-value}): the same bytes go to the topic the connector reads
 * and to the plain JDBC ceiling. Immutable after {@link #generate}.
 *
 * <p>Each score is a binary classifier's: event id {@code <prefix>-<i>} (unique, so every row is an
 * insert), key {@code acct-<i mod 10000>}, model {@code fraud} version {@code 3}, role
 * {@code stable}, a score with its decision, a label for one in four, class probabilities for both
 * classes (a {@code jsonb} column), no top classes, and its source topic, partition and offset.
 */
final class ScorePool {

    private static final int ACCOUNTS = 10_000;

    private final byte[][] keys;
    private final byte[][] values;

    private ScorePool(byte[][] keys, byte[][] values) {
        this.keys = keys;
        this.values = values;
    }

    /** {@code n} scores for {@code topic}, event ids {@code <prefix>-0 ..}. */
    static ScorePool generate(SchemaRegistry schemas, String topic, String prefix, int n, long seed) {
        final ConfluentAvroSerializer<ScoreResult> serializer = ConfluentAvroSerializer.specific(schemas,
                ScoreResult.class, false);
        final SplittableRandom random = new SplittableRandom(seed);
        final byte[][] k = new byte[n][];
        final byte[][] v = new byte[n][];
        final long base = System.currentTimeMillis() - 3_600_000L;
        for (int i = 0; i < n; i++) {
            final double score = random.nextDouble();
            final Map<String, Double> classes = new HashMap<>(4);
            classes.put("fraud", score);
            classes.put("legit", 1 - score);
            final Instant eventTime = Instant.ofEpochMilli(base + i);
            final long latency = 5 + random.nextInt(200);
            final String key = "acct-" + random.nextInt(ACCOUNTS);
            final ScoreResult r = new ScoreResult(prefix + "-" + i, key, "fraud", "3", score, score >= 0.5,
                    i % 4 == 0 ? (score >= 0.5 ? "fraud" : "legit") : null, classes, eventTime,
                    eventTime.plusMillis(latency), 256, 900L + random.nextInt(400), latency, "transactions",
                    i % 6, (long) (i / 6), "stable", null, null);
            k[i] = key.getBytes(StandardCharsets.UTF_8);
            v[i] = serializer.serialize(topic, r);
        }
        return new ScorePool(k, v);
    }

    int size() {
        return values.length;
    }

    /** The serialized value of score {@code i} (not a copy: do not modify). */
    byte[] value(int i) {
        return values[i];
    }

    /**
     * Produces every score to {@code topic} (keyed, so spread over its partitions by key) and waits
     * until each is acknowledged.
     *
     * @throws IllegalStateException if any send failed
     */
    void produce(String bootstrapServers, String topic) {
        final Map<String, Object> p = new HashMap<>();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        p.put(ProducerConfig.BUFFER_MEMORY_CONFIG, 128L * 1024 * 1024);
        final AtomicLong failed = new AtomicLong();
        final AtomicReference<Exception> firstError = new AtomicReference<>();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            for (int i = 0; i < values.length; i++) {
                producer.send(new ProducerRecord<>(topic, keys[i], values[i]), (md, e) -> {
                    if (e != null) {
                        failed.incrementAndGet();
                        firstError.compareAndSet(null, e);
                    }
                });
            }
            producer.flush();
        }
        if (failed.get() > 0) {
            throw new IllegalStateException(failed.get() + " of " + values.length + " score sends failed",
                    firstError.get());
        }
    }
}
