package io.scorestream.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The {@link Mode#RAW_COPY} ceiling: one thread ({@code bench-raw-copy-<output>}) consumes every
 * partition of the input topic from the beginning and produces each record's very bytes (key,
 * value, timestamp) to the same partition of the output topic, with the producer settings a Kafka
 * Streams application uses (acks=all, idempotent, linger.ms=100) and its consumer's
 * {@code max.poll.records} (1000). No Streams, no transactions, no decoding. The thread stays alive
 * after the last copy until {@link #close()}, so that its CPU time can still be read.
 *
 * <p>Lifecycle: {@link #start} then {@link #close()}; owns its consumer, producer and thread.
 */
final class RawCopy implements AutoCloseable {

    /** In the names of the copier's threads (copy thread, producer network thread), and no other's. */
    static final String THREAD_MARKER = "bench-raw-copy-";

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final KafkaProducer<byte[], byte[]> producer;
    private final String output;
    private final long target;
    private final Thread thread;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile boolean running = true;

    private RawCopy(String bootstrapServers, String input, String output, long target) {
        this.output = output;
        this.target = target;
        final Map<String, Object> c = new HashMap<>();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1000);
        c.put(ConsumerConfig.CLIENT_ID_CONFIG, THREAD_MARKER + "in-" + output);
        this.consumer = new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        final Map<String, Object> p = new HashMap<>();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 100);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, THREAD_MARKER + "out-" + output);
        this.producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
        final List<TopicPartition> parts = new ArrayList<>();
        for (PartitionInfo info : consumer.partitionsFor(input)) {
            parts.add(new TopicPartition(input, info.partition()));
        }
        consumer.assign(parts);
        consumer.seekToBeginning(parts);
        this.thread = new Thread(this::loop, THREAD_MARKER + output);
        thread.setDaemon(true);
    }

    /** Starts copying the first {@code target} records of {@code input} to {@code output}. */
    static RawCopy start(String bootstrapServers, String input, String output, long target) {
        final RawCopy copy = new RawCopy(bootstrapServers, input, output, target);
        copy.thread.start();
        return copy;
    }

    private void loop() {
        try {
            long copied = 0;
            while (running && copied < target) {
                final ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(50));
                for (ConsumerRecord<byte[], byte[]> r : records) {
                    if (copied == target) {
                        break;
                    }
                    producer.send(new ProducerRecord<>(output, r.partition(), r.timestamp(), r.key(), r.value(),
                            r.headers()), (md, e) -> {
                                if (e != null) {
                                    failure.compareAndSet(null, e);
                                }
                            });
                    copied++;
                }
            }
            producer.flush();
            // Stays alive until closed: the resource meter reads a live thread's CPU time and allocations.
            while (running) {
                Thread.sleep(5);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            if (running) {
                failure.compareAndSet(null, e);
            }
        }
    }

    /** The copying thread's id, for the resource meter. */
    long threadId() {
        return thread.getId();
    }

    /** @throws IllegalStateException if the copy failed (a send or a poll) */
    void checkHealthy() {
        final Throwable f = failure.get();
        if (f != null) {
            throw new IllegalStateException("raw copy to " + output + " failed: " + f, f);
        }
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join(30_000);
        consumer.close(Duration.ofSeconds(5));
        producer.close(Duration.ofSeconds(5));
    }
}
