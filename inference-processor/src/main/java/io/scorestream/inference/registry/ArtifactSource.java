package io.scorestream.inference.registry;

import io.scorestream.inference.ModelLoadException;
import io.scorestream.schemas.ModelSpec;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The artifact bytes of a {@link ModelSpec}: its inline {@code artifact_bytes}, or what its
 * {@code artifact_uri} names, checked against the settings' allow-lists and fetched within their
 * size and time limits. With an {@link ArtifactCache}, a fetched artifact whose spec names a
 * well-formed sha256 is looked up there first and stored there once it hashes to that sha256;
 * inline artifacts are never cached. The bytes are not verified against the spec's sha256 here:
 * {@link io.scorestream.inference.ScoringModel#create} does that.
 *
 * <p>Every failure is a {@link ModelLoadException} naming the model and version:
 * {@code INVALID_SPEC} when neither or both of the artifact fields are set or the URI does not
 * parse (the message shows the reason and position, never the text, which may hold credentials);
 * {@code ARTIFACT_UNAVAILABLE} when the URI is not allowed or the fetch fails (URIs in messages are
 * redacted).
 *
 * <p>Thread-safe when its fetcher is. Owns nothing: the fetcher and the cache are the caller's.
 */
public final class ArtifactSource {

    private static final Logger LOG = LoggerFactory.getLogger(ArtifactSource.class);

    private final RegistrySettings settings;
    private final ArtifactFetcher fetcher;
    /** Null when there is no cache. */
    private final ArtifactCache cache;

    /**
     * @param settings the allow-lists and fetch limits
     * @param fetcher reads {@code artifact_uri}s, see {@link DefaultArtifactFetcher}
     * @param cacheOrNull the on-disk cache of fetched artifacts; null for none
     */
    public ArtifactSource(RegistrySettings settings, ArtifactFetcher fetcher, ArtifactCache cacheOrNull) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.fetcher = Objects.requireNonNull(fetcher, "fetcher");
        this.cache = cacheOrNull;
    }

    /**
     * The artifact of {@code spec}.
     *
     * @param name the model name, for messages
     * @param version the version, for messages
     * @return the bytes, owned by the caller; {@code spec}'s inline buffer keeps its position
     * @throws ModelLoadException as described in the class documentation
     */
    public byte[] bytesOf(String name, String version, ModelSpec spec) {
        final String uriText = spec.getArtifactUri();
        final ByteBuffer inline = spec.getArtifactBytes();
        if ((uriText == null) == (inline == null)) {
            throw new ModelLoadException(name, version, ModelLoadException.Reason.INVALID_SPEC,
                    "exactly one of artifact_uri and artifact_bytes must be set, but "
                            + (uriText == null ? "neither is" : "both are"));
        }
        if (inline != null) {
            // duplicate(): the spec's buffer position stays where it was.
            final ByteBuffer view = inline.duplicate();
            final byte[] bytes = new byte[view.remaining()];
            view.get(bytes);
            return bytes;
        }
        final URI uri;
        try {
            uri = new URI(uriText.trim());
        } catch (URISyntaxException e) {
            // The text itself may hold credentials, so only the reason and position are shown.
            throw new ModelLoadException(name, version, ModelLoadException.Reason.INVALID_SPEC,
                    "artifact_uri is not a valid URI (" + e.getReason() + " at index " + e.getIndex() + ")");
        }
        try {
            settings.checkAllowed(uri);
            final String sha = cacheKey(spec);
            if (sha != null) {
                final Optional<byte[]> hit = cache.get(sha);
                if (hit.isPresent()) {
                    LOG.info("Model '{}' version '{}': artifact {} read from the cache ({})", name, version,
                            Uris.redact(uri), cache.directory());
                    return hit.get();
                }
            }
            final byte[] bytes = fetcher.fetch(uri, settings.maxArtifactBytes(), settings.fetchTimeout());
            if (bytes == null) {
                throw new ArtifactException(uri, "the fetcher returned nothing");
            }
            if (bytes.length > settings.maxArtifactBytes()) {
                throw new ArtifactException(uri, "the fetcher returned " + bytes.length + " bytes; the limit is "
                        + settings.maxArtifactBytes() + " bytes (maxArtifactBytes)");
            }
            if (sha != null && sha.equals(ArtifactCache.sha256Hex(bytes))) {
                // Only verified bytes are cached; a mismatch is refused by the load that follows.
                cache.put(sha, bytes);
            }
            return bytes;
        } catch (ArtifactException e) {
            throw new ModelLoadException(name, version, ModelLoadException.Reason.ARTIFACT_UNAVAILABLE,
                    e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new ModelLoadException(name, version, ModelLoadException.Reason.ARTIFACT_UNAVAILABLE,
                    "artifact " + Uris.redact(uri) + ": the fetch failed: " + e.getClass().getSimpleName() + ": "
                            + Uris.scrub(String.valueOf(e.getMessage()), uri), e);
        }
    }

    /** The cache key of a fetched artifact: its spec's sha256, when there is a cache and a well-formed sha256. */
    private String cacheKey(ModelSpec spec) {
        if (cache == null || spec.getSha256() == null) {
            return null;
        }
        final String sha = spec.getSha256().trim().toLowerCase(Locale.ROOT);
        return sha.matches("[0-9a-f]{64}") ? sha : null;
    }
}
