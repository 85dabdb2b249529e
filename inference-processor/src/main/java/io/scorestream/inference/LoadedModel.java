package io.scorestream.inference;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One model version loaded into an ONNX Runtime session.
 *
 * <p>Threading: {@code OrtSession.run} is thread-safe, so several {@link BatchScorer}s (one per
 * stream task) may share one model. Ownership: whoever got it from {@link OnnxModelLoader#load}
 * closes it, once no scorer uses it any more (the model registry counts users for that).
 */
public final class LoadedModel implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LoadedModel.class);

    private final String name;
    private final String version;
    private final String sha256;
    private final String executionDevice;
    private final String cudaFallbackReason;
    private final OrtSession session;
    private final ModelSignature signature;
    private final AtomicBoolean closed = new AtomicBoolean();

    LoadedModel(String name, String version, String sha256, String executionDevice, String cudaFallbackReason,
                OrtSession session, ModelSignature signature) {
        this.name = name;
        this.version = version;
        this.sha256 = sha256;
        this.executionDevice = executionDevice;
        this.cudaFallbackReason = "cpu".equals(executionDevice) ? cudaFallbackReason : null;
        this.session = session;
        this.signature = signature;
    }

    public String name() {
        return name;
    }

    public String version() {
        return version;
    }

    /** SHA-256 of the bytes actually loaded, lower-case hex. */
    public String sha256() {
        return sha256;
    }

    /** Where the session runs: {@code cpu} or {@code cuda:N}. */
    public String executionDevice() {
        return executionDevice;
    }

    /**
     * Why this CPU session is not on CUDA, when CUDA was tried ({@code auto}) and found unusable;
     * null otherwise.
     */
    public String cudaFallbackReason() {
        return cudaFallbackReason;
    }

    public ModelSignature signature() {
        return signature;
    }

    OrtSession session() {
        if (closed.get()) {
            throw new IllegalStateException("model '" + name + "' version '" + version + "' is closed");
        }
        return session;
    }

    public boolean isClosed() {
        return closed.get();
    }

    /** Releases the native session. Idempotent. Scoring with it afterwards throws. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            try {
                session.close();
            } catch (OrtException e) {
                LOG.warn("closing model '{}' version '{}' failed: {}", name, version, e.getMessage());
            }
        }
    }

    @Override
    public String toString() {
        return name + "@" + version + " on " + executionDevice + " (" + signature + ")";
    }
}
