package io.scorestream.inference.registry;

import io.scorestream.inference.ScoringModel;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One loaded version and the count of its users.
 *
 * <p>The count starts at 1: the registry's own reference, held while the version is live. Every
 * lease adds one and gives it back on release; {@link #retire()} gives back the registry's. The
 * model is closed by whichever release brings the count to 0, and once it is 0 it never rises
 * again ({@link #tryRetain()} refuses), so no lease can ever hold a closed model. Lock-free and
 * thread-safe.
 */
final class LiveVersion {

    private static final Logger LOG = LoggerFactory.getLogger(LiveVersion.class);

    private final ScoringModel model;
    private final LiveModelInfo info;
    private final AtomicInteger users = new AtomicInteger(1);
    private final AtomicBoolean retired = new AtomicBoolean();

    /** Takes ownership of {@code model}. */
    LiveVersion(ScoringModel model, LiveModelInfo info) {
        this.model = model;
        this.info = info;
    }

    ScoringModel model() {
        return model;
    }

    LiveModelInfo info() {
        return info;
    }

    /** Counts one more user, unless the count already reached 0 (the model is closed or closing). */
    boolean tryRetain() {
        for (;;) {
            final int n = users.get();
            if (n == 0) {
                return false;
            }
            if (users.compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }

    /** Gives back one use; the last one closes the model, on the calling thread. */
    void release() {
        final int n = users.decrementAndGet();
        if (n == 0) {
            LOG.debug("Closing model '{}' version '{}': retired and no batch uses it any more",
                    info.name(), info.version());
            model.close();
        } else if (n < 0) {
            throw new IllegalStateException("model " + info + " released more often than retained");
        }
    }

    /** Marks the version as no longer live and gives back the registry's reference. Idempotent. */
    void retire() {
        if (retired.compareAndSet(false, true)) {
            release();
        }
    }

    boolean isRetired() {
        return retired.get();
    }

    @Override
    public String toString() {
        return info.name() + "@" + info.version() + " (users " + users.get() + (retired.get() ? ", retired)" : ")");
    }
}
