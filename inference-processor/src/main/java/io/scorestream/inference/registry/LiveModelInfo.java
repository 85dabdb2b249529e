package io.scorestream.inference.registry;

import io.scorestream.schemas.ModelSpec;
import java.time.Instant;
import java.util.Objects;

/**
 * What is live for one model name: a snapshot taken when the version was swapped in.
 *
 * @param name the model name
 * @param version the live version
 * @param sha256 lower-case hex SHA-256 of the loaded bytes
 * @param executionDevice where it runs: {@code cpu} or {@code cuda:N}
 * @param since when it was swapped in
 * @param spec the spec it was loaded from; shared, do not modify
 */
public record LiveModelInfo(String name, String version, String sha256, String executionDevice, Instant since,
                            ModelSpec spec) {

    public LiveModelInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(sha256, "sha256");
        Objects.requireNonNull(executionDevice, "executionDevice");
        Objects.requireNonNull(since, "since");
        Objects.requireNonNull(spec, "spec");
    }

    @Override
    public String toString() {
        return name + "@" + version + " on " + executionDevice + " since " + since + " (sha256 " + sha256 + ")";
    }
}
