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
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * A {@code read_committed} consumer of a scores topic on its own thread: counts the scores, notes
 * when the count reached a target, and optionally hands every record's arrival to a
 * {@link LatencyRecorder}. Reads keys and values as bytes (nothing is decoded), from the beginning
 * of every partition, without a consumer group.
 *
 * <p>Lifecycle: created running; {@link #close()} stops and joins the thread. Counters are safe to
 * read from any thread.
 */
final class ScoreReader implements AutoCloseable {

    /** Told of each score as it arrives, on the reader thread. */
    interface LatencyRecorder {
        void onScore(long eventTimestampMs, long arrivedAtMs);
    }

    private final String topic;
    private final long target;
    private final LatencyRecorder recorder;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Thread thread;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile boolean running = true;
    private volatile long count;
    private volatile long reachedAtNanos;

    /**
     * @param target count at which {@link #reachedAtNanos()} is noted
     * @param recorder told of every score, or null to only count
     */
    ScoreReader(String bootstrapServers, String topic, long target, LatencyRecorder recorder) {
        this.topic = topic;
        this.target = target;
        this.recorder = recorder;
        final Map<String, Object> p = new HashMap<>();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 10_000);
        p.put(ConsumerConfig.FETCH_MIN_BYTES_CONFIG, 1);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "bench-reader-" + topic);
        this.consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        final List<TopicPartition> parts = new ArrayList<>();
        for (PartitionInfo info : consumer.partitionsFor(topic)) {
            parts.add(new TopicPartition(topic, info.partition()));
        }
        consumer.assign(parts);
        consumer.seekToBeginning(parts);
        this.thread = new Thread(this::loop, "bench-reader-" + topic);
        thread.setDaemon(true);
        thread.start();
    }

    private void loop() {
        try {
            while (running) {
                final ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(50));
                if (records.isEmpty()) {
                    continue;
                }
                if (recorder != null) {
                    final long now = System.currentTimeMillis();
                    for (ConsumerRecord<byte[], byte[]> r : records) {
                        recorder.onScore(r.timestamp(), now);
                    }
                }
                final long c = count + records.count();
                count = c;
                if (c >= target && reachedAtNanos == 0) {
                    reachedAtNanos = System.nanoTime();
                }
            }
        } catch (RuntimeException e) {
            if (running) {
                failure.set(e);
            }
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    long count() {
        return count;
    }

    /** {@link System#nanoTime()} when the count reached the target, or 0. */
    long reachedAtNanos() {
        return reachedAtNanos;
    }

    /**
     * Blocks until the target count is reached.
     *
     * @param stall fail when the count has not moved for this long
     * @param health called every poll; throws to abort (e.g. the Streams application failed)
     * @return {@link System#nanoTime()} at which the target was reached
     */
    long awaitTarget(Duration stall, Runnable health) throws InterruptedException {
        long last = -1;
        long lastChange = System.nanoTime();
        while (reachedAtNanos == 0) {
            final Throwable f = failure.get();
            if (f != null) {
                throw new IllegalStateException("reader of " + topic + " failed: " + f, f);
            }
            health.run();
            final long c = count;
            if (c != last) {
                last = c;
                lastChange = System.nanoTime();
            } else if (System.nanoTime() - lastChange > stall.toNanos()) {
                throw new IllegalStateException("no progress on " + topic + " for " + stall.toSeconds() + " s: "
                        + c + " of " + target + " scores (dead-lettered or lost records would stop it here)");
            }
            Thread.sleep(5);
        }
        return reachedAtNanos;
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        consumer.wakeup();
        thread.join(10_000);
    }
}
