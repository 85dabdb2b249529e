package io.scorestream.bench;

import io.scorestream.inference.training.SyntheticTransactions;
import io.scorestream.schemas.Transaction;
import io.scorestream.schemas.registry.SchemaRegistry;
import io.scorestream.schemas.serde.ConfluentAvroSerializer;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Writes synthetic transactions (Confluent-wire-format Avro, key = account id, timestamp = event
 * time, id {@code tx-<n>}) to a topic, and builds pre-serialized pools of them. Stateless.
 */
final class Preloader {

    private Preloader() {
    }

    /**
     * Produces {@code n} transactions to {@code topic} as fast as the broker takes them, and waits
     * until every one is acknowledged.
     *
     * @throws IllegalStateException if any send failed
     */
    static void preload(String bootstrapServers, SchemaRegistry schemas, String topic, long n, long seed) {
        final Map<String, Object> p = bulkProducer(bootstrapServers);
        final SyntheticTransactions generator = new SyntheticTransactions(seed, 10_000);
        final AtomicLong failed = new AtomicLong();
        final AtomicReference<Exception> firstError = new AtomicReference<>();
        // One millisecond apart, all in the past (a broker refuses timestamps too far in the future).
        final long base = System.currentTimeMillis() - n - 60_000;
        try (KafkaProducer<String, Transaction> producer = new KafkaProducer<>(p, new StringSerializer(),
                ConfluentAvroSerializer.specific(schemas, Transaction.class, false))) {
            for (long i = 0; i < n; i++) {
                final long ts = base + i;
                final Transaction t = generator.next(Instant.ofEpochMilli(ts));
                t.setTransactionId("tx-" + i);
                producer.send(new ProducerRecord<>(topic, null, ts, t.getAccountId(), t), (md, e) -> {
                    if (e != null) {
                        failed.incrementAndGet();
                        firstError.compareAndSet(null, e);
                    }
                });
            }
            producer.flush();
        }
        if (failed.get() > 0) {
            throw new IllegalStateException(failed.get() + " of " + n + " pre-load sends failed",
                    firstError.get());
        }
    }

    /**
     * Produces {@code n} wide events of {@code width} floats ({@link WideEvents}, key = account id,
     * timestamp = event time, id {@code wide-<n>}) to {@code topic}, and waits until every one is
     * acknowledged.
     *
     * @throws IllegalStateException if any send failed
     */
    static void preloadWide(String bootstrapServers, SchemaRegistry schemas, String topic, long n, int width,
                            long seed) {
        final WideEvents generator = new WideEvents(width, seed);
        final AtomicLong failed = new AtomicLong();
        final AtomicReference<Exception> firstError = new AtomicReference<>();
        final long base = System.currentTimeMillis() - n - 60_000;
        try (KafkaProducer<String, GenericRecord> producer = new KafkaProducer<>(bulkProducer(bootstrapServers),
                new StringSerializer(), ConfluentAvroSerializer.generic(schemas, false))) {
            for (long i = 0; i < n; i++) {
                final long ts = base + i;
                final GenericRecord e = generator.next("wide-" + i, ts);
                producer.send(new ProducerRecord<>(topic, null, ts, e.get("account_id").toString(), e), (md, x) -> {
                    if (x != null) {
                        failed.incrementAndGet();
                        firstError.compareAndSet(null, x);
                    }
                });
            }
            producer.flush();
        }
        if (failed.get() > 0) {
            throw new IllegalStateException(failed.get() + " of " + n + " wide pre-load sends failed",
                    firstError.get());
        }
    }

    /**
     * Produces the features mode's {@code options.events()} transactions ({@link FeatureWorkload.Events})
     * to {@code topic}, key = account id, record timestamp = event time, spanning
     * {@code options.days()} and ending a minute ago; waits until every one is acknowledged.
     *
     * @throws IllegalStateException if any send failed
     */
    static void preloadFeatures(String bootstrapServers, SchemaRegistry schemas, String topic,
                                FeaturesOptions options, long seed) {
        final long start = System.currentTimeMillis() - 60_000 - options.spanMs();
        final FeatureWorkload.Events events = new FeatureWorkload.Events(seed, options.keys(), options.events(),
                start, options.spanMs());
        final AtomicLong failed = new AtomicLong();
        final AtomicReference<Exception> firstError = new AtomicReference<>();
        try (KafkaProducer<String, Transaction> producer = new KafkaProducer<>(bulkProducer(bootstrapServers),
                new StringSerializer(), ConfluentAvroSerializer.specific(schemas, Transaction.class, false))) {
            while (events.hasNext()) {
                final Transaction t = events.next();
                producer.send(new ProducerRecord<>(topic, null, t.getEventTime().toEpochMilli(), t.getAccountId(),
                        t), (md, e) -> {
                            if (e != null) {
                                failed.incrementAndGet();
                                firstError.compareAndSet(null, e);
                            }
                        });
            }
            producer.flush();
        }
        if (failed.get() > 0) {
            throw new IllegalStateException(failed.get() + " of " + options.events() + " pre-load sends failed",
                    firstError.get());
        }
    }

    /** Settings of a producer that loads a topic as fast as the broker takes it, acks=all. */
    private static Map<String, Object> bulkProducer(String bootstrapServers) {
        final Map<String, Object> p = new HashMap<>();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        p.put(ProducerConfig.BUFFER_MEMORY_CONFIG, 128L * 1024 * 1024);
        return p;
    }

    /** {@code n} serialized transactions and their keys, for producers that must not pay for Avro. */
    static Pool pool(SchemaRegistry schemas, String topic, int n, long seed) {
        final SyntheticTransactions generator = new SyntheticTransactions(seed, 10_000);
        final ConfluentAvroSerializer<Transaction> values = ConfluentAvroSerializer.specific(schemas,
                Transaction.class, false);
        final StringSerializer keys = new StringSerializer();
        final byte[][] k = new byte[n][];
        final byte[][] v = new byte[n][];
        final Instant now = Instant.now();
        for (int i = 0; i < n; i++) {
            final Transaction t = generator.next(now);
            t.setTransactionId("lat-" + i);
            k[i] = keys.serialize(topic, t.getAccountId());
            v[i] = values.serialize(topic, t);
        }
        return new Pool(k, v);
    }

    /** Serialized keys and values; index {@code i} of both is one transaction. */
    record Pool(byte[][] keys, byte[][] values) {
        int size() {
            return keys.length;
        }
    }

    /** A producer of pre-serialized records that adds as little latency as possible (no linger). */
    static KafkaProducer<byte[], byte[]> lowLatencyProducer(String bootstrapServers) {
        final Map<String, Object> p = new HashMap<>();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }
}
