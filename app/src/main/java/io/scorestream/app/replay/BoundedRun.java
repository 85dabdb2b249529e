package io.scorestream.app.replay;

import io.scorestream.app.command.ProgressBar;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a replay's Kafka Streams application until its range is done, then closes it.
 *
 * <p><b>The stop rule.</b> The replay is done when, at two checks at least {@link #SETTLE} apart,
 * <ol>
 *   <li>the application's consumer group has committed, on every partition of the input, at least
 *       the range's {@link ReplayRange.Partition#done() done} offset (one past the last record of the
 *       range),</li>
 *   <li>no batch is open ({@link ReplayPlans#openBatches()} is 0),</li>
 *   <li>Kafka Streams is RUNNING,</li>
 * </ol>
 * and between the two checks no batch was opened and Kafka Streams changed state not once.
 *
 * <p>Why each part. (1) Under exactly-once a committed offset means the records before it were
 * processed and their outputs committed in the same transaction: every record of the range went
 * through the scoring processor. But the processor buffers records in a changelogged store and
 * commits their offsets before it scores them (the buffer is part of the transaction), so (1) alone
 * could stop a replay whose last batch is still buffered. (2) closes that gap: a plan is open
 * exactly while a batch holds records, so with (1) and (2) every record of the range has been
 * scored and forwarded; the last scores may sit in the open transaction, which the clean
 * {@link KafkaStreams#close(CloseOptions)} commits. Records appended after the start are beyond the end
 * offsets: {@link ReplayPlans#accepts} skips them without opening a batch, so they never hold the
 * replay up, and the committed offsets passing the end does no harm. (3) and the settle window
 * guard the one way buffered records can hide: a task closed with a full buffer (its thread
 * replaced, the member fenced and re-joined) leaves the records in the changelog until the task
 * is restored, and meanwhile no plan is open. Restoring moves Kafka Streams out of RUNNING, and the
 * restored task scores the buffered records at its first punctuation (a millisecond later), which
 * opens a plan: either shows up within the settle window and restarts it. A stream thread that
 * dies fails the replay outright.
 *
 * <p>Single use; not thread-safe. The caller owns the admin client; this class owns the Kafka
 * Streams instance it creates.
 */
final class BoundedRun {

    private static final Logger LOG = LoggerFactory.getLogger(BoundedRun.class);

    /** How long the stop condition must hold, unchanged, before the replay stops. */
    static final Duration SETTLE = Duration.ofSeconds(1);
    /** How often the committed offsets are checked. */
    static final Duration CHECK = Duration.ofMillis(200);
    /** Bound on the clean close (which commits the last transaction). */
    static final Duration CLOSE_TIMEOUT = Duration.ofMinutes(2);

    private final Admin admin;
    private final String applicationId;
    private final ReplayRange range;
    private final ReplayPlans plans;
    private final ProgressBar progress;
    private final KafkaStreams streams;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final AtomicLong transitions = new AtomicLong();

    /**
     * @param props the Streams configuration, including {@code application.id} = {@code applicationId}
     */
    BoundedRun(Topology topology, Properties props, Admin admin, String applicationId, ReplayRange range,
               ReplayPlans plans, ProgressBar progress) {
        this.admin = admin;
        this.applicationId = applicationId;
        this.range = range;
        this.plans = plans;
        this.progress = progress;
        this.streams = new KafkaStreams(topology, props);
        streams.setStateListener((now, before) -> {
            transitions.incrementAndGet();
            LOG.info("Replay {}: Kafka Streams {} -> {}", applicationId, before, now);
        });
        // A replay is a batch job: a failed stream thread fails it (a replaced thread would restore
        // buffered batches behind the stop rule's back).
        streams.setUncaughtExceptionHandler(e -> {
            failure.compareAndSet(null, e);
            return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        });
    }

    /**
     * Starts Kafka Streams, waits for the stop rule, closes it cleanly.
     *
     * @throws ReplayException if Kafka Streams fails or does not close cleanly
     */
    void run() throws InterruptedException {
        final Thread hook = new Thread(() -> streams.close(leaving(Duration.ofSeconds(20))),
                "scorestream-replay-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            streams.start();
            awaitDone();
            if (!streams.close(leaving(CLOSE_TIMEOUT))) {
                throw new ReplayException("Kafka Streams did not close within " + CLOSE_TIMEOUT + "; the last scores "
                        + "may not be committed");
            }
            final Throwable f = failure.get();
            if (f != null) {
                throw new ReplayException("Kafka Streams failed while closing: " + f.getMessage(), f);
            }
        } finally {
            streams.close(leaving(Duration.ofSeconds(30)));
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // The JVM is shutting down; the hook runs anyway.
            }
        }
    }

    /**
     * A clean close that also leaves the consumer group: the replay deletes its group afterwards, and
     * a member that did not leave would keep it non-empty for a session timeout.
     */
    private static CloseOptions leaving(Duration timeout) {
        return CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
                .withTimeout(timeout);
    }

    private void awaitDone() throws InterruptedException {
        long settledAt = 0;
        long settledTransitions = -1;
        long settledOpened = -1;
        while (true) {
            final Throwable f = failure.get();
            if (f != null) {
                throw new ReplayException("Kafka Streams failed: " + f.getMessage(), f);
            }
            final KafkaStreams.State state = streams.state();
            if (state == KafkaStreams.State.ERROR || state == KafkaStreams.State.PENDING_ERROR
                    || state == KafkaStreams.State.PENDING_SHUTDOWN || state == KafkaStreams.State.NOT_RUNNING) {
                throw new ReplayException("Kafka Streams stopped before the replay was done (state " + state + ")");
            }
            // Order matters: the committed offsets say every record of the range was processed; the
            // open count, read after them, says no batch holds any of them now. The counters read
            // first catch a batch opened (or a state change) since the previous check.
            final long transitionsNow = transitions.get();
            final long openedNow = plans.openedBatches();
            final Map<TopicPartition, Long> committed = committedOffsets();
            final int openNow = plans.openBatches();
            final long now = System.nanoTime();
            long done = 0;
            boolean caughtUp = committed != null;
            for (ReplayRange.Partition p : range.partitions()) {
                final long c = committed == null ? p.start()
                        : committed.getOrDefault(new TopicPartition(range.topic(), p.partition()), p.start());
                done += Math.max(0, Math.min(c, p.done()) - p.start());
                caughtUp &= c >= p.done();
            }
            progress.update(done, now);
            if (caughtUp && openNow == 0 && state == KafkaStreams.State.RUNNING) {
                if (settledTransitions != transitionsNow || settledOpened != openedNow) {
                    settledAt = now;
                    settledTransitions = transitionsNow;
                    settledOpened = openedNow;
                } else if (now - settledAt >= SETTLE.toNanos()) {
                    progress.finish(done, now);
                    LOG.info(String.format(Locale.ROOT, "Replay %s: all %,d offsets of the range committed and no "
                            + "batch open; closing", applicationId, range.workOffsets()));
                    return;
                }
            } else {
                settledTransitions = -1;
                settledOpened = -1;
            }
            Thread.sleep(CHECK.toMillis());
        }
    }

    /** The group's committed offsets, or null if they cannot be read right now (retried at the next check). */
    private Map<TopicPartition, Long> committedOffsets() throws InterruptedException {
        try {
            final Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(applicationId)
                    .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
            final Map<TopicPartition, Long> out = new HashMap<>();
            offsets.forEach((tp, om) -> {
                if (om != null) {
                    out.put(tp, om.offset());
                }
            });
            return out;
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("Replay {}: cannot read the committed offsets ({}); retrying", applicationId, e.getMessage());
            return null;
        }
    }
}
