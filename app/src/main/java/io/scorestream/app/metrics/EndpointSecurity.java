package io.scorestream.app.metrics;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Locale;
import java.util.Objects;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * How {@link ObservabilityServer} protects its endpoint: optionally HTTP basic authentication of
 * {@code /metrics} and {@code /readyz} ({@code /healthz} stays open, for liveness probes, and tells
 * only UP or DOWN), and optionally TLS for every path. {@link #NONE} is neither (plain HTTP, no
 * authentication), the default, for a loopback address.
 *
 * <p>Immutable and thread-safe. The expected credentials are held as the bytes of the
 * {@code Authorization} header they make, compared in constant time; they are never printed
 * ({@link #toString()} names only what is on).
 */
public final class EndpointSecurity {

    /** No authentication, no TLS. */
    public static final EndpointSecurity NONE = new EndpointSecurity(null, null);

    /** The realm of the {@code WWW-Authenticate} challenge. */
    static final String REALM = "scorestream";

    private final byte[] expectedAuthorization; // null: no authentication
    private final SSLContext tls; // null: plain HTTP

    private EndpointSecurity(final byte[] expectedAuthorization, final SSLContext tls) {
        this.expectedAuthorization = expectedAuthorization;
        this.tls = tls;
    }

    /**
     * Requires basic authentication as {@code userInfo} and, when {@code tls} is not {@code null},
     * serves HTTPS with it.
     *
     * @param userInfo {@code user:password}; {@code null} for no authentication
     * @param tls presents the server's certificate; {@code null} for plain HTTP
     * @throws IllegalArgumentException if {@code userInfo} is not {@code user:password} (not shown)
     */
    public static EndpointSecurity of(final String userInfo, final SSLContext tls) {
        if (userInfo != null && (userInfo.indexOf(':') <= 0 || userInfo.endsWith(":"))) {
            throw new IllegalArgumentException("basic auth must be user:password, with a user and a password");
        }
        final byte[] expected = userInfo == null ? null : ("Basic "
                + Base64.getEncoder().encodeToString(userInfo.getBytes(StandardCharsets.UTF_8)))
                .getBytes(StandardCharsets.UTF_8);
        return new EndpointSecurity(expected, tls);
    }

    /**
     * A TLS context presenting the key and certificate chain of a key store.
     *
     * @param type {@code PKCS12} or {@code JKS}
     * @param storePassword the store's password
     * @param keyPassword the key's password; {@code null} means {@code storePassword}
     * @throws IllegalArgumentException naming the file (never a password) when it cannot be read
     */
    public static SSLContext keyStoreContext(final Path location, final String type, final String storePassword,
                                             final String keyPassword) {
        Objects.requireNonNull(location, "location");
        final String storeType = type == null ? "PKCS12" : type.toUpperCase(Locale.ROOT);
        if (!Files.isRegularFile(location)) {
            throw new IllegalArgumentException("key store " + location + " is not a file");
        }
        final char[] store = storePassword == null ? null : storePassword.toCharArray();
        final char[] key = keyPassword != null ? keyPassword.toCharArray() : store;
        final KeyStore keys;
        try (InputStream in = Files.newInputStream(location)) {
            keys = KeyStore.getInstance(storeType);
            keys.load(in, store);
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("key store " + location + " (" + storeType + ") cannot be read: "
                    + "wrong password, wrong type, or not a key store (" + e.getClass().getSimpleName() + ")", e);
        }
        try {
            final KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, key);
            final SSLContext context = SSLContext.getInstance("TLS");
            context.init(kmf.getKeyManagers(), null, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("key store " + location + " cannot be used for TLS: wrong key "
                    + "password, or no private key (" + e.getClass().getSimpleName() + ")", e);
        }
    }

    /** Whether {@code /metrics} and {@code /readyz} require basic authentication. */
    public boolean authenticates() {
        return expectedAuthorization != null;
    }

    /** The TLS context of an HTTPS endpoint; {@code null} for plain HTTP. */
    SSLContext tls() {
        return tls;
    }

    /** Whether the {@code Authorization} header {@code given} (may be {@code null}) is accepted. */
    boolean accepts(final String given) {
        if (expectedAuthorization == null) {
            return true;
        }
        final byte[] bytes = given == null ? new byte[0] : given.strip().getBytes(StandardCharsets.UTF_8);
        return MessageDigest.isEqual(bytes, expectedAuthorization);
    }

    /** Names what is on; never a credential. */
    @Override
    public String toString() {
        return "EndpointSecurity[" + (tls != null ? "TLS" : "plain HTTP") + ", "
                + (expectedAuthorization != null ? "basic auth" : "no authentication") + "]";
    }
}
