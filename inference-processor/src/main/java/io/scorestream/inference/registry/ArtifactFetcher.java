package io.scorestream.inference.registry;

import java.net.URI;
import java.time.Duration;

/**
 * Gets the bytes of a model artifact named by a spec's {@code artifact_uri}.
 *
 * <p>Threading: the {@link ModelRegistry} calls it from its single loader thread, one fetch at a
 * time; an implementation shared between registries must be thread-safe. It may block up to
 * {@code timeout}, and should return promptly when the calling thread is interrupted (the registry
 * interrupts it on close).
 *
 * @see DefaultArtifactFetcher
 */
@FunctionalInterface
public interface ArtifactFetcher {

    /**
     * Fetches the whole artifact.
     *
     * @param uri where the artifact is; never null
     * @param maxBytes the largest acceptable artifact; a bigger one must be refused without being
     *     read in full
     * @param timeout bound on the whole fetch
     * @return the artifact's bytes, owned by the caller; never null
     * @throws ArtifactException naming the (redacted) URI and the problem
     */
    byte[] fetch(URI uri, long maxBytes, Duration timeout) throws ArtifactException;
}
