package io.scorestream.inference.registry;

import io.scorestream.inference.ScoringModel;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The right to use one model version until {@link #close()}: while a lease is open its model is not
 * closed, even if a newer version has been swapped in or the model retired meanwhile. Take one per
 * batch (or per task, re-acquiring when {@link ModelRegistry#live} shows a new version), score,
 * close it.
 *
 * <p>Threading: meant for the thread that acquired it; {@link #close()} is idempotent and may be
 * called from any thread. The {@link ScoringModel} is owned by the registry: never close it
 * directly; scorers made from it must be closed before the lease.
 */
public final class ModelLease implements AutoCloseable {

    private final LiveVersion version;
    private final AtomicBoolean released = new AtomicBoolean();

    ModelLease(LiveVersion version) {
        this.version = version;
    }

    /**
     * The leased model, open until this lease is closed.
     *
     * @throws IllegalStateException after {@link #close()}
     */
    public ScoringModel model() {
        if (released.get()) {
            throw new IllegalStateException("the lease on " + version.info().name() + "@"
                    + version.info().version() + " was already released");
        }
        return version.model();
    }

    /** What the registry knows about the leased version. */
    public LiveModelInfo info() {
        return version.info();
    }

    /** Releases the model; if it was retired and this was its last user, closes it. Idempotent. */
    @Override
    public void close() {
        if (released.compareAndSet(false, true)) {
            version.release();
        }
    }

    @Override
    public String toString() {
        return "ModelLease{" + version.info().name() + "@" + version.info().version()
                + (released.get() ? ", released}" : "}");
    }
}
