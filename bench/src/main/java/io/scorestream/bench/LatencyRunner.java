package io.scorestream.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Drives one running scoring application at fixed rates and measures end-to-end latency: from the
 * event's timestamp to the score's arrival at a {@code read_committed} consumer.
 *
 * <p>Each event's timestamp is its <em>scheduled</em> send time, not the moment the producer got to
 * it, so a producer that falls behind shows up as latency instead of hiding it (no coordinated
 * omission). Phases follow each other without a pause: a warm-up at the first rate (not measured),
 * then each rate for the same duration; a score belongs to the phase its event was scheduled in.
 * After the last phase the runner waits until every produced event has its score, so the tail is
 * complete.
 *
 * <p>Not thread-safe; one run per instance.
 */
final class LatencyRunner {

    private final String bootstrapServers;
    private final String inputTopic;
    private final Preloader.Pool pool;

    LatencyRunner(String bootstrapServers, String inputTopic, Preloader.Pool pool) {
        this.bootstrapServers = bootstrapServers;
        this.inputTopic = inputTopic;
        this.pool = pool;
    }

    /**
     * One phase's outcome, before it is labelled with model and configuration.
     *
     * @param achievedRate the phase's scores over the time from the phase's start to the arrival of
     *     its last score (at least the phase's length): below the target when the pipeline fell behind
     */
    record Phase(double targetRate, long produced, long[] sortedLatencies, BatchSizes.Summary batches,
                 double seconds, double achievedRate) {
    }

    /**
     * Runs the phases against {@code app}, whose output {@code reader} is not yet started.
     *
     * @param rates records/s of each measured phase, in order
     * @param seconds length of each measured phase
     * @param warmupSeconds length of the unmeasured warm-up at {@code rates[0]}
     */
    List<Phase> run(BenchApp app, BatchSizes batchCounter, double[] rates, double seconds, double warmupSeconds)
            throws InterruptedException {
        final int phases = rates.length;
        final long wallStart = System.currentTimeMillis() + 200;
        final long nanoStart = System.nanoTime() + 200_000_000L;
        // Phase k (k = 0 is the warm-up) covers scheduled times [edges[k], edges[k+1]) in epoch ms.
        final long[] edges = new long[phases + 2];
        edges[0] = wallStart;
        edges[1] = wallStart + (long) (warmupSeconds * 1000);
        for (int k = 0; k < phases; k++) {
            edges[k + 2] = edges[k + 1] + (long) (seconds * 1000);
        }
        final Recorder recorder = new Recorder(edges, rates, seconds);
        final long[] produced = new long[phases + 1];
        final List<long[]> batchSnapshots = new ArrayList<>();
        final AtomicLong failedSends = new AtomicLong();
        final AtomicReference<Exception> firstError = new AtomicReference<>();
        long total = 0;
        try (ScoreReader reader = new ScoreReader(bootstrapServers, app.spec().outputTopic(), Long.MAX_VALUE,
                     recorder);
             KafkaProducer<byte[], byte[]> producer = Preloader.lowLatencyProducer(bootstrapServers)) {
            int next = 0;
            for (int k = 0; k <= phases; k++) {
                final double rate = k == 0 ? rates[0] : rates[k - 1];
                final long phaseStartNanos = nanoStart + (edges[k] - wallStart) * 1_000_000L;
                final long phaseEndNanos = nanoStart + (edges[k + 1] - wallStart) * 1_000_000L;
                final long n = (long) Math.floor((phaseEndNanos - phaseStartNanos) / 1e9 * rate);
                waitUntil(phaseStartNanos);
                if (k == 1) {
                    batchSnapshots.add(batchCounter.snapshot());
                }
                for (long i = 0; i < n; i++) {
                    final long due = phaseStartNanos + (long) (i * 1e9 / rate);
                    waitUntil(due);
                    final long scheduledMs = wallStart + (due - nanoStart) / 1_000_000L;
                    final int at = next++ % pool.size();
                    producer.send(new ProducerRecord<>(inputTopic, null, scheduledMs, pool.keys()[at],
                            pool.values()[at]), (md, e) -> {
                                if (e != null) {
                                    failedSends.incrementAndGet();
                                    firstError.compareAndSet(null, e);
                                }
                            });
                    if ((i & 4095) == 0) {
                        app.checkHealthy();
                    }
                }
                produced[k] = n;
                total += n;
                if (k >= 1) {
                    waitUntil(phaseEndNanos);
                    batchSnapshots.add(batchCounter.snapshot());
                }
            }
            producer.flush();
            if (failedSends.get() > 0) {
                throw new IllegalStateException(failedSends.get() + " latency-run sends failed", firstError.get());
            }
            final long deadline = System.nanoTime() + Duration.ofSeconds(180).toNanos();
            while (reader.count() < total && System.nanoTime() < deadline) {
                app.checkHealthy();
                Thread.sleep(10);
            }
            if (reader.count() < total) {
                throw new IllegalStateException("only " + reader.count() + " of " + total
                        + " latency-run events were scored within 180 s of the last send");
            }
        }
        final List<Phase> out = new ArrayList<>();
        for (int k = 1; k <= phases; k++) {
            final long[] sorted = recorder.sorted(k);
            final double span = Math.max(seconds, (recorder.lastArrivalMs[k] - edges[k]) / 1000.0);
            out.add(new Phase(rates[k - 1], produced[k], sorted,
                    BatchSizes.between(batchSnapshots.get(k - 1), batchSnapshots.get(k)), seconds,
                    sorted.length / span));
        }
        return out;
    }

    private static void waitUntil(long nanoTime) {
        long left;
        while ((left = nanoTime - System.nanoTime()) > 0) {
            LockSupport.parkNanos(Math.min(left, 200_000L));
        }
    }

    /** Latencies per phase, appended on the reader thread, read after it stopped. */
    private static final class Recorder implements ScoreReader.LatencyRecorder {
        private final long[] edges;
        private final long[][] latencies;
        private final int[] counts;
        private final long[] lastArrivalMs;

        Recorder(long[] edges, double[] rates, double seconds) {
            this.edges = edges;
            this.latencies = new long[edges.length - 1][];
            this.counts = new int[edges.length - 1];
            this.lastArrivalMs = new long[edges.length - 1];
            for (int k = 0; k < latencies.length; k++) {
                final double rate = k == 0 ? rates[0] : rates[k - 1];
                latencies[k] = new long[(int) Math.min(Integer.MAX_VALUE - 8, Math.max(16, rate * seconds * 1.1))];
            }
        }

        @Override
        public void onScore(long eventTimestampMs, long arrivedAtMs) {
            int k = -1;
            for (int i = 0; i < latencies.length; i++) {
                if (eventTimestampMs >= edges[i] && eventTimestampMs < edges[i + 1]) {
                    k = i;
                    break;
                }
            }
            if (k < 0) {
                return;
            }
            if (counts[k] == latencies[k].length) {
                latencies[k] = Arrays.copyOf(latencies[k], latencies[k].length * 2);
            }
            latencies[k][counts[k]++] = arrivedAtMs - eventTimestampMs;
            lastArrivalMs[k] = Math.max(lastArrivalMs[k], arrivedAtMs);
        }

        long[] sorted(int phase) {
            return Samples.sorted(latencies[phase], counts[phase]);
        }
    }
}
