package io.scorestream.app.metrics;

import java.util.Map;

/**
 * What {@link ObservabilityServer} asks to answer {@code /healthz} and {@code /readyz}.
 *
 * <p>Called from the server's HTTP threads, possibly concurrently and at any time (before the
 * application is started and while it shuts down), so implementations must be thread-safe, must not
 * block, and should read state that other threads publish (volatile fields, atomics). An exception
 * thrown from a method makes the endpoint answer 503.
 */
public interface HealthProbe {

    /**
     * Whether the process can still make progress: false only when a restart is the cure (Kafka
     * Streams in {@code ERROR} or {@code PENDING_ERROR}, a stream thread dead for good).
     */
    boolean live();

    /**
     * Whether the instance is doing its job: Kafka Streams {@code RUNNING} and a version of the
     * configured model live.
     */
    boolean ready();

    /**
     * Why the instance is or is not ready, rendered as the JSON body of {@code /readyz}: for example
     * the Kafka Streams state, the live model versions and the last refusal reasons. Values may be
     * strings, numbers, booleans, null, maps with string keys, collections and arrays of those;
     * anything else is rendered with {@code toString()}, and NaN or infinite numbers as strings (see
     * {@link JsonOutput}). Nested at most {@value JsonOutput#MAX_DEPTH} deep counting the body's own
     * two levels: details that cannot be written make the endpoint answer 500. May return null for
     * none. Must not contain secrets: the endpoint is unauthenticated.
     */
    Map<String, Object> details();
}
