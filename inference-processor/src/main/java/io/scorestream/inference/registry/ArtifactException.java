package io.scorestream.inference.registry;

import java.net.URI;

/**
 * A model artifact could not be fetched: not allowed, not found, too large, too slow, or refused
 * by the server. The message starts with the artifact's location, with credentials removed (see
 * {@link #location()}), and says what went wrong.
 */
public class ArtifactException extends Exception {

    private static final long serialVersionUID = 1L;

    private final String location;

    /**
     * @param uri the artifact; only its redacted form is kept
     * @param detail what went wrong, without the URI
     */
    public ArtifactException(URI uri, String detail) {
        this(uri, detail, null);
    }

    public ArtifactException(URI uri, String detail, Throwable cause) {
        this(Uris.redact(uri), detail, cause);
    }

    private ArtifactException(String location, String detail, Throwable cause) {
        super("artifact " + location + ": " + detail, cause);
        this.location = location;
    }

    /** The artifact URI without user-info and with any query replaced by a placeholder. */
    public String location() {
        return location;
    }
}
