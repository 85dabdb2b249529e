package io.scorestream.inference.registry;

import io.scorestream.inference.ModelLoadException;
import java.time.Instant;
import java.util.Objects;

/**
 * Why the registry last refused a version of a model. A later successful load does not clear it;
 * compare {@link #at()} with {@link LiveModelInfo#since()} to tell whether it is still news.
 *
 * @param name the model name (the record key)
 * @param version the refused version, as the spec named it
 * @param reason why; {@link #reasonTag()} gives the metric tag
 * @param message the whole explanation, naming model, version and problem; no credentials
 * @param at when it was refused
 */
public record Refusal(String name, String version, ModelLoadException.Reason reason, String message, Instant at) {

    public Refusal {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(at, "at");
    }

    /** Lower-case reason, e.g. {@code sha256_mismatch}. */
    public String reasonTag() {
        return reason.tag();
    }
}
