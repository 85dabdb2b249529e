package io.scorestream.testkit;

import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.TimeoutException;

/**
 * Bounded polling of a broker through the {@link org.apache.kafka.clients.admin.Admin} client, as
 * {@link EmbeddedKafka} and {@link KafkaTopics} wait for it: each attempt carries its own admin
 * timeout (at most {@link #MAX_ATTEMPT_TIMEOUT}, never past the overall deadline), attempts are
 * {@link #POLL_INTERVAL} apart. Deadlines are {@link System#nanoTime()} values. Stateless.
 */
final class AdminWaits {

    static final Duration POLL_INTERVAL = Duration.ofMillis(50);
    static final Duration MAX_ATTEMPT_TIMEOUT = Duration.ofSeconds(5);

    private AdminWaits() {
    }

    /**
     * Sleeps one {@link #POLL_INTERVAL}, or throws a {@link TimeoutException} with
     * {@code timeoutMessage} (caused by {@code last}) when the next attempt would start past
     * {@code deadline}.
     */
    static void sleepUntilNextAttempt(final long deadline, final String timeoutMessage,
            final RuntimeException last) {
        if (System.nanoTime() + POLL_INTERVAL.toNanos() > deadline) {
            throw new TimeoutException(timeoutMessage, last);
        }
        try {
            Thread.sleep(POLL_INTERVAL.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptException(e);
        }
    }

    /** Waits for an admin result; admin calls carry their own timeout, so this always returns. */
    static <T> T await(final KafkaFuture<T> future) throws ExecutionException {
        try {
            return future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptException(e);
        }
    }

    /** Milliseconds left until {@code deadline}, at least 1. */
    static int remainingMs(final long deadline) {
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE,
                TimeUnit.NANOSECONDS.toMillis(remainingNanos(deadline))));
    }

    /** The admin timeout of one attempt: what is left of {@code deadline}, at most {@link #MAX_ATTEMPT_TIMEOUT}. */
    static int attemptTimeoutMs(final long deadline) {
        final long remainingMs = TimeUnit.NANOSECONDS.toMillis(remainingNanos(deadline));
        return (int) Math.max(1, Math.min(remainingMs, MAX_ATTEMPT_TIMEOUT.toMillis()));
    }

    private static long remainingNanos(final long deadline) {
        return Math.max(0, deadline - System.nanoTime());
    }

    static RuntimeException asRuntime(final Throwable error) {
        return error instanceof RuntimeException ? (RuntimeException) error : new KafkaException(error);
    }
}
