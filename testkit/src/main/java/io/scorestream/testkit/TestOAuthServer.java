package io.scorestream.testkit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.Signature;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small OAuth 2.0 authorisation server for tests, on {@code 127.0.0.1} over HTTP: a JWKS endpoint
 * and a token endpoint for the {@code client_credentials} grant, issuing RS256-signed JWTs that
 * Kafka's own OAUTHBEARER support accepts (the client's
 * {@code org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginCallbackHandler} fetches them,
 * the broker's {@code org.apache.kafka.common.security.oauthbearer.OAuthBearerValidatorCallbackHandler}
 * validates them against {@link #jwksUrl()}).
 *
 * <p><b>Endpoints.</b>
 * <ul>
 *   <li>{@code GET /jwks}: {@code {"keys": [...]}}, every key ever made by this server (RSA 2048,
 *       {@code kid}, {@code use=sig}, {@code alg=RS256}) unless {@linkplain #retireKey retired};</li>
 *   <li>{@code POST /token}: form {@code grant_type=client_credentials} (optional {@code scope}),
 *       the client authenticated by HTTP Basic ({@code client_id:client_secret}, optionally
 *       form-URL-encoded, as RFC 6749 2.3.1 says) or by the form fields {@code client_id} and
 *       {@code client_secret}. Answers {@code {"access_token", "token_type": "Bearer", "expires_in"}};
 *       401 {@code invalid_client} for an unknown client or a wrong secret, 400
 *       {@code unsupported_grant_type}/{@code invalid_request} otherwise.</li>
 * </ul>
 *
 * <p><b>Tokens.</b> Claims: {@code iss} = {@link #issuer()}, {@code aud} = {@link #audience()},
 * {@code sub} = the client's principal name (its id unless registered otherwise), {@code iat},
 * {@code exp} = {@code iat} + the client's lifetime, {@code scope} (the requested one, else
 * {@value #DEFAULT_SCOPE}), {@code client_id}, {@code jti}. A client registered with
 * {@link #registerExpiredClient} gets tokens whose {@code exp} is already past, to prove that a
 * broker refuses them. {@link #tokensIssued(String)} counts tokens per client.
 *
 * <p><b>Kafka's URL allow-list.</b> Kafka 4 refuses any OAuth URL not listed in the JVM system
 * property {@value #ALLOWED_URLS_PROPERTY} (comma-separated, exact match). {@link #start} adds this
 * server's two URLs to it (keeping what is there) before anything can use them; an application
 * using OAUTHBEARER in production must set the property to its identity provider's URLs.
 *
 * <p><b>Lifecycle, threading, secrets.</b> {@link #start()} binds and serves; {@link #close()} stops
 * (idempotent). All methods are thread-safe. Client secrets and tokens never appear in logs,
 * exception messages or {@link #toString()}. The RSA keys live in memory only.
 */
public final class TestOAuthServer implements AutoCloseable {

    /** The JVM system property Kafka 4 reads for the OAuth URLs it may contact. */
    public static final String ALLOWED_URLS_PROPERTY = "org.apache.kafka.sasl.oauthbearer.allowed.urls";

    /** The audience of every token unless {@link #start(String)} says otherwise. */
    public static final String DEFAULT_AUDIENCE = "scorestream-kafka";

    /** The scope claim when the client asks for none. */
    public static final String DEFAULT_SCOPE = "kafka";

    private static final Logger LOG = LoggerFactory.getLogger(TestOAuthServer.class);
    private static final Object ALLOWED_URLS_LOCK = new Object();
    private static final String JWKS_PATH = "/jwks";
    private static final String TOKEN_PATH = "/token";
    private static final int RSA_BITS = 2048;
    private static final int MAX_BODY_BYTES = 64 * 1024;
    private static final Base64.Encoder B64URL = Base64.getUrlEncoder().withoutPadding();

    private final ObjectMapper json = new ObjectMapper();
    private final HttpServer server;
    private final ExecutorService executor;
    private final String baseUrl;
    private final String audience;
    private final Map<String, Client> clients = new ConcurrentHashMap<>();
    private final Object keysLock = new Object();
    // Guarded by keysLock; the last key signs.
    private final List<SigningKey> keys = new ArrayList<>();
    private final AtomicInteger keyCounter = new AtomicInteger();
    private final AtomicInteger refused = new AtomicInteger();
    private volatile boolean closed;

    private TestOAuthServer(final String audience) throws IOException {
        this.audience = audience;
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        this.baseUrl = "http://127.0.0.1:" + server.getAddress().getPort();
        this.executor = Executors.newFixedThreadPool(2, r -> {
            final Thread thread = new Thread(r, "test-oauth-server");
            thread.setDaemon(true);
            return thread;
        });
        server.setExecutor(executor);
        server.createContext(JWKS_PATH, this::serveJwks);
        server.createContext(TOKEN_PATH, this::serveToken);
        rotateKey();
    }

    /**
     * Starts a server with the {@linkplain #DEFAULT_AUDIENCE default audience} on a free loopback
     * port, and adds its URLs to {@value #ALLOWED_URLS_PROPERTY}.
     *
     * @return the running server, owned by the caller, who must close it
     * @throws UncheckedIOException if it cannot bind
     */
    public static TestOAuthServer start() {
        return start(DEFAULT_AUDIENCE);
    }

    /**
     * Starts a server issuing tokens for {@code audience}, as {@link #start()} does.
     *
     * @param audience the {@code aud} claim of every token, not blank
     * @return the running server, owned by the caller, who must close it
     * @throws IllegalArgumentException if the audience is blank
     * @throws UncheckedIOException if it cannot bind
     */
    public static TestOAuthServer start(final String audience) {
        if (audience == null || audience.isBlank()) {
            throw new IllegalArgumentException("audience must not be blank");
        }
        final TestOAuthServer oauth;
        try {
            oauth = new TestOAuthServer(audience);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot start the test OAuth server on 127.0.0.1", e);
        }
        allowKafkaUrls(oauth.jwksUrl(), oauth.tokenUrl());
        oauth.server.start();
        LOG.info("Test OAuth server at {} (audience {})", oauth.baseUrl, audience);
        return oauth;
    }

    /**
     * Adds URLs to Kafka's OAuth URL allow-list, the JVM system property
     * {@value #ALLOWED_URLS_PROPERTY}, keeping the ones already there. Kafka reads the property
     * each time an OAuth client or broker listener is configured, so it must be set before then.
     *
     * @param urls exact URLs (Kafka compares the whole string)
     */
    public static void allowKafkaUrls(final String... urls) {
        synchronized (ALLOWED_URLS_LOCK) {
            final Set<String> allowed = new LinkedHashSet<>();
            final String current = System.getProperty(ALLOWED_URLS_PROPERTY, "");
            for (final String url : current.split(",")) {
                if (!url.isBlank()) {
                    allowed.add(url.trim());
                }
            }
            allowed.addAll(Arrays.asList(urls));
            System.setProperty(ALLOWED_URLS_PROPERTY, String.join(",", allowed));
        }
    }

    /** The JWKS URL, for the broker's {@code sasl.oauthbearer.jwks.endpoint.url}. */
    public String jwksUrl() {
        return baseUrl + JWKS_PATH;
    }

    /** The token URL, for the client's {@code sasl.oauthbearer.token.endpoint.url}. */
    public String tokenUrl() {
        return baseUrl + TOKEN_PATH;
    }

    /** The {@code iss} claim of every token (this server's base URL), for {@code sasl.oauthbearer.expected.issuer}. */
    public String issuer() {
        return baseUrl;
    }

    /** The {@code aud} claim of every token, for {@code sasl.oauthbearer.expected.audience}. */
    public String audience() {
        return audience;
    }

    /**
     * Registers (or replaces) a client whose principal is its id: tokens for {@code User:<clientId>}.
     *
     * @param clientId the client id, also the token's {@code sub}; not blank, no {@code :}
     * @param secret its secret, not blank
     * @param lifetime how long each token is valid, at least one second
     * @throws IllegalArgumentException naming what is wrong
     */
    public void registerClient(final String clientId, final String secret, final Duration lifetime) {
        registerClient(clientId, secret, lifetime, clientId);
    }

    /**
     * Registers (or replaces) a client whose tokens carry another principal name.
     *
     * @param clientId the client id; not blank, no {@code :}
     * @param secret its secret, not blank
     * @param lifetime how long each token is valid, at least one second
     * @param subject the {@code sub} claim, the Kafka principal's name; not blank
     * @throws IllegalArgumentException naming what is wrong
     */
    public void registerClient(final String clientId, final String secret, final Duration lifetime,
            final String subject) {
        Objects.requireNonNull(lifetime, "lifetime");
        if (lifetime.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new IllegalArgumentException("Token lifetime of client '" + clientId
                    + "' must be at least 1 s, got " + lifetime);
        }
        register(clientId, secret, subject, lifetime, false);
    }

    /**
     * Registers (or replaces) a client that is only ever given tokens that have already expired:
     * {@code iat} two minutes ago, {@code exp} one minute ago (past any usual clock-skew allowance).
     *
     * @param clientId the client id, also the token's {@code sub}; not blank, no {@code :}
     * @param secret its secret, not blank
     */
    public void registerExpiredClient(final String clientId, final String secret) {
        register(clientId, secret, clientId, Duration.ofMinutes(1), true);
    }

    /**
     * How many tokens were issued to a client so far (refused requests are not counted).
     *
     * @param clientId a client id
     * @return the count, 0 for an unknown client
     */
    public int tokensIssued(final String clientId) {
        final Client client = clients.get(clientId);
        return client == null ? 0 : client.issued.get();
    }

    /** How many token requests were refused (unknown client, wrong secret, bad request). */
    public int refusedRequests() {
        return refused.get();
    }

    /**
     * Makes a new RSA key, publishes it in the JWKS and signs every later token with it. Older keys
     * stay published (tokens signed with them stay valid) until {@linkplain #retireKey retired}.
     *
     * @return the new key's {@code kid}
     */
    public String rotateKey() {
        try {
            final KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(RSA_BITS);
            final KeyPair pair = generator.generateKeyPair();
            final String kid = String.format(Locale.ROOT, "test-key-%d", keyCounter.incrementAndGet());
            synchronized (keysLock) {
                keys.add(new SigningKey(kid, pair));
            }
            return kid;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("The JDK cannot make an RSA key: " + e, e);
        }
    }

    /**
     * Removes a key from the JWKS: tokens signed with it no longer validate once the broker's
     * JWKS cache has been refreshed. The signing key (the latest) cannot be retired.
     *
     * @param kid a key id this server made
     * @throws IllegalArgumentException if there is no such key, or it is the signing key
     */
    public void retireKey(final String kid) {
        synchronized (keysLock) {
            final SigningKey signing = keys.get(keys.size() - 1);
            if (signing.kid.equals(kid)) {
                throw new IllegalArgumentException("Key '" + kid + "' signs new tokens; rotate first");
            }
            if (!keys.removeIf(k -> k.kid.equals(kid))) {
                throw new IllegalArgumentException("No published key '" + kid + "'");
            }
        }
    }

    /** The {@code kid} of the key that signs new tokens. */
    public String signingKeyId() {
        synchronized (keysLock) {
            return keys.get(keys.size() - 1).kid;
        }
    }

    /**
     * Signs a token directly, without a client: for tests that hand a token to something other than
     * Kafka's login handler. It is not counted in {@link #tokensIssued}.
     *
     * @param subject the {@code sub} claim, not blank
     * @param issuedAt the {@code iat} claim
     * @param lifetime {@code exp} - {@code iat}, positive
     * @return the compact JWS; a secret
     */
    public String signToken(final String subject, final Instant issuedAt, final Duration lifetime) {
        requireText(subject, "subject");
        Objects.requireNonNull(issuedAt, "issuedAt");
        if (lifetime.isNegative() || lifetime.isZero()) {
            throw new IllegalArgumentException("lifetime must be positive, got " + lifetime);
        }
        return sign(subject, subject, DEFAULT_SCOPE, issuedAt, issuedAt.plus(lifetime));
    }

    /** Stops serving and releases the port. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        server.stop(0);
        executor.shutdownNow();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "TestOAuthServer[" + baseUrl + ", audience " + audience + ", clients " + clients.keySet() + "]";
    }

    // ---------------------------------------------------------------------------------------------

    private void register(final String clientId, final String secret, final String subject,
            final Duration lifetime, final boolean expired) {
        requireText(clientId, "clientId");
        if (clientId.indexOf(':') >= 0) {
            throw new IllegalArgumentException("clientId must not contain ':' (HTTP Basic), got '"
                    + clientId + "'");
        }
        requireText(secret, "secret of client '" + clientId + "'");
        requireText(subject, "subject of client '" + clientId + "'");
        clients.put(clientId, new Client(sha256(secret), subject, lifetime, expired));
    }

    private void serveJwks(final HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!"GET".equals(exchange.getRequestMethod())) {
                sendError(exchange, 405, "invalid_request", "use GET");
                return;
            }
            final ObjectNode body = json.createObjectNode();
            final ArrayNode array = body.putArray("keys");
            synchronized (keysLock) {
                for (final SigningKey key : keys) {
                    final RSAPublicKey publicKey = (RSAPublicKey) key.pair.getPublic();
                    array.addObject()
                            .put("kty", "RSA")
                            .put("kid", key.kid)
                            .put("use", "sig")
                            .put("alg", "RS256")
                            .put("n", B64URL.encodeToString(unsigned(publicKey.getModulus())))
                            .put("e", B64URL.encodeToString(unsigned(publicKey.getPublicExponent())));
                }
            }
            send(exchange, 200, body);
        } catch (RuntimeException e) {
            LOG.error("Test OAuth server failed to serve the JWKS", e);
            throw e;
        }
    }

    private void serveToken(final HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!"POST".equals(exchange.getRequestMethod())) {
                refuse(exchange, 405, "invalid_request", "use POST");
                return;
            }
            final Map<String, String> form = parseForm(readBody(exchange));
            if (!"client_credentials".equals(form.get("grant_type"))) {
                refuse(exchange, 400, "unsupported_grant_type", "only client_credentials is supported");
                return;
            }
            final List<String[]> candidates = clientCredentials(exchange, form);
            if (candidates.isEmpty()) {
                refuse(exchange, 401, "invalid_client", "no client credentials");
                return;
            }
            String[] credentials = null;
            Client client = null;
            for (final String[] candidate : candidates) {
                final Client registered = clients.get(candidate[0]);
                if (registered != null
                        && MessageDigest.isEqual(registered.secretHash, sha256(candidate[1]))) {
                    credentials = candidate;
                    client = registered;
                    break;
                }
            }
            if (client == null) {
                // Neither the id nor the secret goes to the log: the id could be a mistyped secret.
                LOG.info("Test OAuth server refused a token request: unknown client or wrong secret");
                refuse(exchange, 401, "invalid_client", "client authentication failed");
                return;
            }
            final String scope = form.getOrDefault("scope", DEFAULT_SCOPE);
            final Instant now = Instant.now();
            final Instant issuedAt = client.expired ? now.minus(client.lifetime.multipliedBy(2)) : now;
            final Instant expiry = issuedAt.plus(client.lifetime);
            final String token = sign(client.subject, credentials[0], scope, issuedAt, expiry);
            client.issued.incrementAndGet();
            final ObjectNode body = json.createObjectNode()
                    .put("access_token", token)
                    .put("token_type", "Bearer")
                    .put("expires_in", Math.max(0, Duration.between(now, expiry).toSeconds()))
                    .put("scope", scope);
            send(exchange, 200, body);
        } catch (RuntimeException e) {
            LOG.error("Test OAuth server failed to serve a token request", e);
            throw e;
        }
    }

    /**
     * The client id and secret as sent: from HTTP Basic (as is, then form-decoded), else from the
     * form. Empty if the request carries none.
     */
    private static List<String[]> clientCredentials(final HttpExchange exchange,
            final Map<String, String> form) {
        final List<String[]> candidates = new ArrayList<>();
        final String header = exchange.getRequestHeaders().getFirst("Authorization");
        if (header != null && header.regionMatches(true, 0, "Basic ", 0, 6)) {
            final String decoded;
            try {
                decoded = new String(Base64.getDecoder().decode(header.substring(6).trim()),
                        StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                return candidates;
            }
            final int colon = decoded.indexOf(':');
            if (colon >= 0) {
                // Kafka sends both as they are unless sasl.oauthbearer.header.urlencode=true, which
                // form-encodes them first as RFC 6749 2.3.1 says; a '+' in a secret is ambiguous.
                final String id = decoded.substring(0, colon);
                final String secret = decoded.substring(colon + 1);
                candidates.add(new String[] {id, secret});
                candidates.add(new String[] {formDecode(id), formDecode(secret)});
            }
            return candidates;
        }
        final String id = form.get("client_id");
        final String secret = form.get("client_secret");
        if (id != null && secret != null) {
            candidates.add(new String[] {id, secret});
        }
        return candidates;
    }

    private String sign(final String subject, final String clientId, final String scope,
            final Instant issuedAt, final Instant expiry) {
        final SigningKey key;
        synchronized (keysLock) {
            key = keys.get(keys.size() - 1);
        }
        final ObjectNode header = json.createObjectNode()
                .put("alg", "RS256")
                .put("typ", "JWT")
                .put("kid", key.kid);
        final ObjectNode claims = json.createObjectNode()
                .put("iss", issuer())
                .put("aud", audience)
                .put("sub", subject)
                .put("client_id", clientId)
                .put("scope", scope)
                .put("iat", issuedAt.getEpochSecond())
                .put("exp", expiry.getEpochSecond())
                .put("jti", UUID.randomUUID().toString());
        try {
            final String signingInput = B64URL.encodeToString(json.writeValueAsBytes(header)) + "."
                    + B64URL.encodeToString(json.writeValueAsBytes(claims));
            final Signature signature = Signature.getInstance("SHA256withRSA");
            signature.initSign(key.pair.getPrivate());
            signature.update(signingInput.getBytes(StandardCharsets.US_ASCII));
            return signingInput + "." + B64URL.encodeToString(signature.sign());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("Cannot write JWT JSON", e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("The JDK cannot sign with SHA256withRSA: " + e, e);
        }
    }

    private void refuse(final HttpExchange exchange, final int status, final String error,
            final String description) throws IOException {
        refused.incrementAndGet();
        sendError(exchange, status, error, description);
    }

    private void sendError(final HttpExchange exchange, final int status, final String error,
            final String description) throws IOException {
        send(exchange, status, json.createObjectNode().put("error", error)
                .put("error_description", description));
    }

    private void send(final HttpExchange exchange, final int status, final ObjectNode body)
            throws IOException {
        final byte[] bytes = json.writeValueAsBytes(body);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static String readBody(final HttpExchange exchange) throws IOException {
        try (InputStream in = exchange.getRequestBody()) {
            final byte[] bytes = in.readNBytes(MAX_BODY_BYTES + 1);
            if (bytes.length > MAX_BODY_BYTES) {
                throw new IOException("Token request body larger than " + MAX_BODY_BYTES + " bytes");
            }
            return new String(bytes, StandardCharsets.UTF_8);
        }
    }

    private static Map<String, String> parseForm(final String body) {
        final Map<String, String> form = new HashMap<>();
        for (final String pair : body.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            final int eq = pair.indexOf('=');
            final String name = formDecode(eq < 0 ? pair : pair.substring(0, eq));
            form.putIfAbsent(name, eq < 0 ? "" : formDecode(pair.substring(eq + 1)));
        }
        return form;
    }

    private static String formDecode(final String text) {
        try {
            return URLDecoder.decode(text, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return text;
        }
    }

    private static byte[] unsigned(final BigInteger value) {
        final byte[] bytes = value.toByteArray();
        return bytes.length > 1 && bytes[0] == 0 ? Arrays.copyOfRange(bytes, 1, bytes.length) : bytes;
    }

    private static byte[] sha256(final String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("The JDK lacks SHA-256", e);
        }
    }

    private static void requireText(final String value, final String name) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(name + " must not be blank");
        }
    }

    /** A registered client. Only a hash of its secret is kept. */
    private static final class Client {
        final byte[] secretHash;
        final String subject;
        final Duration lifetime;
        final boolean expired;
        final AtomicInteger issued = new AtomicInteger();

        Client(final byte[] secretHash, final String subject, final Duration lifetime,
                final boolean expired) {
            this.secretHash = secretHash;
            this.subject = subject;
            this.lifetime = lifetime;
            this.expired = expired;
        }
    }

    private static final class SigningKey {
        final String kid;
        final KeyPair pair;

        SigningKey(final String kid, final KeyPair pair) {
            this.kid = kid;
            this.pair = pair;
        }
    }
}
