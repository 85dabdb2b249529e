package io.scorestream.inference.registry;

import io.scorestream.inference.signing.TrustedKeys;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * How the {@link ModelRegistry} fetches, verifies and warms up model versions. Immutable and
 * thread-safe; build with {@link #builder()}, which validates in {@link Builder#build()}.
 */
public final class RegistrySettings {

    /** 256 MiB. */
    public static final long DEFAULT_MAX_ARTIFACT_BYTES = 256L * 1024 * 1024;
    public static final Duration DEFAULT_FETCH_TIMEOUT = Duration.ofSeconds(30);
    public static final int DEFAULT_WARM_UP_ROWS = 64;
    /** file, http, https (in that order). */
    public static final Set<String> DEFAULT_ALLOWED_SCHEMES =
            Collections.unmodifiableSet(new LinkedHashSet<>(List.of("file", "http", "https")));

    /** The largest array a JVM reliably allocates. */
    static final long MAX_ARRAY_BYTES = Integer.MAX_VALUE - 8L;

    private static final Pattern SCHEME = Pattern.compile("[a-z][a-z0-9+.-]*");

    private final boolean requireSha256;
    private final long maxArtifactBytes;
    private final Duration fetchTimeout;
    private final int warmUpRows;
    private final Set<String> allowedSchemes;
    private final Set<String> allowedHosts;
    private final TrustedKeys trustedKeys;
    private final boolean signatureRequired;

    private RegistrySettings(Builder b, Set<String> schemes, Set<String> hosts) {
        this.requireSha256 = b.requireSha256;
        this.maxArtifactBytes = b.maxArtifactBytes;
        this.fetchTimeout = b.fetchTimeout;
        this.warmUpRows = b.warmUpRows;
        this.allowedSchemes = schemes;
        this.allowedHosts = hosts;
        this.trustedKeys = b.trustedKeys;
        this.signatureRequired = b.signatureRequired;
    }

    /** Every setting at its default. */
    public static RegistrySettings defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Whether a spec without a sha256 is refused ({@code SHA256_MISSING}). Default true. */
    public boolean requireSha256() {
        return requireSha256;
    }

    /** Largest artifact fetched by URI, in bytes; a bigger one is refused. Default 256 MiB. */
    public long maxArtifactBytes() {
        return maxArtifactBytes;
    }

    /** Bound on one artifact fetch, connection to last byte. Default 30 s. */
    public Duration fetchTimeout() {
        return fetchTimeout;
    }

    /** Rows of the warm-up run each new version must pass before it goes live. Default 64. */
    public int warmUpRows() {
        return warmUpRows;
    }

    /** Lower-case URI schemes an artifact may be fetched from. Default file, http, https. */
    public Set<String> allowedSchemes() {
        return allowedSchemes;
    }

    /** Lower-case host names an artifact may be fetched from; empty means any host. */
    public Set<String> allowedHosts() {
        return allowedHosts;
    }

    /**
     * The public keys whose signatures on specs are trusted; empty (the default) checks no
     * signature unless {@link #signatureRequired()}. With keys, a signed spec whose signature does
     * not verify is refused ({@code BAD_SIGNATURE}) even when signatures are not required.
     */
    public TrustedKeys trustedKeys() {
        return trustedKeys;
    }

    /**
     * Whether a spec must be signed by a {@linkplain #trustedKeys() trusted key} (and carry a
     * sha256, for itself and its candidate) to be loaded; default false.
     */
    public boolean signatureRequired() {
        return signatureRequired;
    }

    /**
     * Checks {@code uri} against the scheme and host allow-lists.
     *
     * @throws ArtifactException naming the scheme or host that is not allowed
     */
    void checkAllowed(URI uri) throws ArtifactException {
        final String scheme = uri.getScheme();
        if (scheme == null) {
            throw new ArtifactException(uri, "the URI has no scheme; expected one of " + allowedSchemes);
        }
        final String lower = scheme.toLowerCase(Locale.ROOT);
        if (!allowedSchemes.contains(lower)) {
            throw new ArtifactException(uri, "scheme '" + lower + "' is not allowed; allowed schemes are "
                    + allowedSchemes);
        }
        if (allowedHosts.isEmpty()) {
            return;
        }
        final String host = uri.getHost();
        if (host == null) {
            // A local file has no host; anything else without one cannot be matched to the list.
            if ("file".equals(lower) && uri.getRawAuthority() == null) {
                return;
            }
            throw new ArtifactException(uri, "the URI has no host, and only hosts " + allowedHosts
                    + " are allowed");
        }
        if (!allowedHosts.contains(host.toLowerCase(Locale.ROOT))) {
            throw new ArtifactException(uri, "host '" + host.toLowerCase(Locale.ROOT)
                    + "' is not allowed; allowed hosts are " + allowedHosts);
        }
    }

    @Override
    public String toString() {
        return "RegistrySettings{requireSha256=" + requireSha256 + ", maxArtifactBytes=" + maxArtifactBytes
                + ", fetchTimeout=" + fetchTimeout + ", warmUpRows=" + warmUpRows + ", allowedSchemes="
                + allowedSchemes + ", allowedHosts=" + allowedHosts + ", trustedKeys=" + trustedKeys
                + ", signatureRequired=" + signatureRequired + '}';
    }

    /** Mutable builder; not thread-safe. */
    public static final class Builder {
        private boolean requireSha256 = true;
        private long maxArtifactBytes = DEFAULT_MAX_ARTIFACT_BYTES;
        private Duration fetchTimeout = DEFAULT_FETCH_TIMEOUT;
        private int warmUpRows = DEFAULT_WARM_UP_ROWS;
        private List<String> allowedSchemes = new ArrayList<>(DEFAULT_ALLOWED_SCHEMES);
        private List<String> allowedHosts = new ArrayList<>();
        private TrustedKeys trustedKeys = TrustedKeys.none();
        private boolean signatureRequired;

        private Builder() {
        }

        /** Replaces the trusted public keys; {@link TrustedKeys#none()} for none. */
        public Builder trustedKeys(TrustedKeys trustedKeys) {
            this.trustedKeys = Objects.requireNonNull(trustedKeys, "trustedKeys");
            return this;
        }

        /** Whether every spec must be signed by a trusted key; needs at least one trusted key. */
        public Builder signatureRequired(boolean signatureRequired) {
            this.signatureRequired = signatureRequired;
            return this;
        }

        /**
         * Whether specs must carry a sha256. Turning this off lets unverified bytes go live; only
         * for development.
         */
        public Builder requireSha256(boolean requireSha256) {
            this.requireSha256 = requireSha256;
            return this;
        }

        public Builder maxArtifactBytes(long maxArtifactBytes) {
            this.maxArtifactBytes = maxArtifactBytes;
            return this;
        }

        public Builder fetchTimeout(Duration fetchTimeout) {
            this.fetchTimeout = Objects.requireNonNull(fetchTimeout, "fetchTimeout");
            return this;
        }

        public Builder warmUpRows(int warmUpRows) {
            this.warmUpRows = warmUpRows;
            return this;
        }

        /** Replaces the allowed schemes (case-insensitive). */
        public Builder allowedSchemes(Collection<String> schemes) {
            this.allowedSchemes = new ArrayList<>(Objects.requireNonNull(schemes, "allowedSchemes"));
            return this;
        }

        /** Replaces the allowed hosts (case-insensitive); empty allows any host. */
        public Builder allowedHosts(Collection<String> hosts) {
            this.allowedHosts = new ArrayList<>(Objects.requireNonNull(hosts, "allowedHosts"));
            return this;
        }

        /**
         * @throws IllegalArgumentException naming the setting when a value is out of range: a
         *     non-positive or over-2-GiB size limit, a non-positive timeout, fewer than one warm-up
         *     row, no schemes, a malformed scheme or a blank host, or signatures required with no
         *     trusted key
         */
        public RegistrySettings build() {
            if (signatureRequired && trustedKeys.isEmpty()) {
                throw new IllegalArgumentException("signatureRequired needs at least one trusted key; with none, "
                        + "every version would be refused");
            }
            if (maxArtifactBytes < 1 || maxArtifactBytes > MAX_ARRAY_BYTES) {
                throw new IllegalArgumentException("maxArtifactBytes must be between 1 and " + MAX_ARRAY_BYTES
                        + ", got " + maxArtifactBytes);
            }
            if (fetchTimeout.isZero() || fetchTimeout.isNegative()) {
                throw new IllegalArgumentException("fetchTimeout must be positive, got " + fetchTimeout);
            }
            if (warmUpRows < 1) {
                // A warm-up run is also the last check that the model runs at all; it is not optional.
                throw new IllegalArgumentException("warmUpRows must be >= 1, got " + warmUpRows);
            }
            final Set<String> schemes = new LinkedHashSet<>();
            for (String s : allowedSchemes) {
                final String lower = s == null ? "" : s.trim().toLowerCase(Locale.ROOT);
                if (!SCHEME.matcher(lower).matches()) {
                    throw new IllegalArgumentException("allowedSchemes: '" + s + "' is not a URI scheme");
                }
                schemes.add(lower);
            }
            if (schemes.isEmpty()) {
                throw new IllegalArgumentException("allowedSchemes must name at least one scheme");
            }
            final Set<String> hosts = new LinkedHashSet<>();
            for (String h : allowedHosts) {
                if (h == null || h.isBlank()) {
                    throw new IllegalArgumentException("allowedHosts: a host name must not be blank");
                }
                hosts.add(h.trim().toLowerCase(Locale.ROOT));
            }
            return new RegistrySettings(this, Collections.unmodifiableSet(schemes),
                    Collections.unmodifiableSet(hosts));
        }
    }
}
