package io.scorestream.schemas.registry;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.KeyStoreException;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Base64;
import java.util.Collection;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.TrustManagerFactory;
import org.apache.avro.Schema;
import org.apache.avro.SchemaParseException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A client of a Confluent-compatible schema registry over its REST API (v1): registers schemas with
 * {@code POST /subjects/{subject}/versions}, looks them up with {@code POST /subjects/{subject}},
 * fetches them with {@code GET /schemas/ids/{id}} and {@code GET /subjects/{subject}/versions/latest}.
 * Only Avro schemas without references are supported.
 *
 * <p><b>Caching.</b> Ids of schemas per subject and schemas per id never change once the registry
 * has given them, so both are cached for the life of this object: after the first answer, the same
 * {@link #register}, {@link #idOf} or {@link #getById} makes no HTTP call. (Two threads asking the
 * same thing for the first time at once may each make one call; the registry's answers are the
 * same.) Failures are not cached. {@link #latest} is not cached, since the latest version changes.
 *
 * <p><b>Errors</b> become {@link SchemaRegistryException}s whose message names the method and URL
 * of the request, the HTTP status, the registry's {@code error_code} and {@code message}.
 *
 * <p><b>Credentials</b>: HTTP basic authentication (given to the builder or as the user-info of the
 * base URL) or a bearer token, never both. They are sent with every request and never logged nor
 * put into messages or {@link #toString()}. An answer 401 or 403 becomes a
 * {@link SchemaRegistryException} that names the registry's URL, the request and which kind of
 * credential was refused (basic auth, bearer token, none), never the credential itself.
 *
 * <p><b>TLS</b>: an {@code https://} registry is trusted through the JDK's default trust store, or
 * through the trust store given to the builder (PKCS12, JKS, or PEM certificates); host names are
 * always verified against the certificate. A failed handshake becomes a
 * {@link SchemaRegistryException} naming the URL and saying that the certificate was not accepted.
 *
 * <p>Thread-safe. Holds a JDK {@link HttpClient}, which needs no closing; nothing to close.
 */
public final class HttpSchemaRegistry implements SchemaRegistry {

    private static final Logger LOG = LoggerFactory.getLogger(HttpSchemaRegistry.class);

    /** Content type of the registry's requests and answers, API version 1. */
    static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    private static final String ACCEPT =
            CONTENT_TYPE + ", application/vnd.schemaregistry+json; q=0.9, application/json; q=0.5";
    private static final int MAX_BODY_IN_MESSAGE = 300;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String baseUrl;
    private final String authorization;
    /** What {@link #authorization} is, for messages: "basic auth", "a bearer token" or "no credentials". */
    private final String credentialKind;
    private final String trustDescription;
    private final Duration requestTimeout;
    private final HttpClient http;
    private final Map<Integer, Schema> schemasById = new ConcurrentHashMap<>();
    private final Map<String, Map<Schema, Integer>> idsBySubject = new ConcurrentHashMap<>();

    private HttpSchemaRegistry(final Builder builder, final String baseUrl, final String userInfo,
                               final SSLContext sslContext, final String trustDescription) {
        this.baseUrl = baseUrl;
        if (userInfo != null) {
            this.authorization = "Basic "
                    + Base64.getEncoder().encodeToString(userInfo.getBytes(StandardCharsets.UTF_8));
            this.credentialKind = "basic auth";
        } else if (builder.bearerToken != null) {
            this.authorization = "Bearer " + builder.bearerToken;
            this.credentialKind = "a bearer token";
        } else {
            this.authorization = null;
            this.credentialKind = "no credentials";
        }
        this.trustDescription = trustDescription;
        this.requestTimeout = builder.requestTimeout;
        final HttpClient.Builder http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(builder.connectTimeout)
                .followRedirects(HttpClient.Redirect.NEVER);
        if (sslContext != null) {
            // The JDK client verifies host names whatever the context; only the trust changes.
            http.sslContext(sslContext);
        }
        this.http = http.build();
    }

    /**
     * Starts building a client of the registry at {@code baseUrl}, e.g. {@code http://registry:8081}
     * or {@code https://user:password@host/some/prefix}. Validation happens in
     * {@link Builder#build()}.
     */
    public static Builder builder(final String baseUrl) {
        return new Builder(baseUrl);
    }

    @Override
    public int register(final String subject, final Schema schema) {
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(schema, "schema");
        final Integer cached = cachedId(subject, schema);
        if (cached != null) {
            return cached;
        }
        final JsonNode answer = call("POST", "/subjects/" + segment(subject) + "/versions", schemaBody(schema));
        final int id = intField(answer, "id", "POST", "/subjects/" + segment(subject) + "/versions");
        remember(subject, schema, id);
        LOG.info("Schema {} is registered under subject '{}' with id {}", schema.getFullName(), subject, id);
        return id;
    }

    @Override
    public int idOf(final String subject, final Schema schema) {
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(schema, "schema");
        final Integer cached = cachedId(subject, schema);
        if (cached != null) {
            return cached;
        }
        final String path = "/subjects/" + segment(subject);
        final int id = intField(call("POST", path, schemaBody(schema)), "id", "POST", path);
        remember(subject, schema, id);
        return id;
    }

    @Override
    public Schema getById(final int id) {
        final Schema cached = schemasById.get(id);
        if (cached != null) {
            return cached;
        }
        final String path = "/schemas/ids/" + id;
        final Schema schema = parseSchema(call("GET", path, null), "GET", path);
        final Schema previous = schemasById.putIfAbsent(id, schema);
        return previous != null ? previous : schema;
    }

    @Override
    public RegisteredSchema latest(final String subject) {
        Objects.requireNonNull(subject, "subject");
        final String path = "/subjects/" + segment(subject) + "/versions/latest";
        final JsonNode answer = call("GET", path, null);
        final int id = intField(answer, "id", "GET", path);
        final Schema schema = schemasById.computeIfAbsent(id, i -> parseSchema(answer, "GET", path));
        return new RegisteredSchema(subject, intField(answer, "version", "GET", path), id, schema);
    }

    /** Names the registry's base URL, the kind of credential and the trust store; never the credentials. */
    @Override
    public String toString() {
        return "HttpSchemaRegistry[" + baseUrl + (authorization == null ? "" : userInfoSent() ? ", basic auth" : ", bearer token")
                + (trustDescription != null ? ", trusting " + trustDescription : "") + "]";
    }

    private boolean userInfoSent() {
        return authorization != null && authorization.startsWith("Basic ");
    }

    private Integer cachedId(final String subject, final Schema schema) {
        final Map<Schema, Integer> ids = idsBySubject.get(subject);
        return ids == null ? null : ids.get(schema);
    }

    private void remember(final String subject, final Schema schema, final int id) {
        idsBySubject.computeIfAbsent(subject, s -> new ConcurrentHashMap<>()).put(schema, id);
        // The serializer's own schema is what this id names, so a consumer in the same process
        // (or a round trip) needs no call to read it back.
        schemasById.putIfAbsent(id, schema);
    }

    private static String schemaBody(final Schema schema) {
        final ObjectNode body = JSON.createObjectNode();
        // "schemaType" is omitted: the API's default is AVRO.
        body.put("schema", schema.toString());
        return body.toString();
    }

    private JsonNode call(final String method, final String path, final String body) {
        final URI uri = URI.create(baseUrl + path);
        final HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                .timeout(requestTimeout)
                .header("Accept", ACCEPT);
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        if (body != null) {
            request.header("Content-Type", CONTENT_TYPE)
                    .method(method, HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        } else {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        }
        final HttpResponse<byte[]> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            final SSLException tls = sslCause(e);
            if (tls != null) {
                throw new SchemaRegistryException(describe(method, path) + " failed: no TLS connection to "
                        + baseUrl + " (" + tlsReason(tls) + "): " + tls.getMessage(), e);
            }
            throw new SchemaRegistryException(describe(method, path) + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SchemaRegistryException(describe(method, path) + " was interrupted", e);
        }
        final int status = response.statusCode();
        final String text = new String(response.body(), StandardCharsets.UTF_8);
        if (status < 200 || status >= 300) {
            throw errorFrom(method, path, status, text);
        }
        try {
            return JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new SchemaRegistryException(describe(method, path) + " answered HTTP " + status
                    + " with a body that is not JSON: " + abbreviate(text), status, SchemaRegistryException.NONE, e);
        }
    }

    private SchemaRegistryException errorFrom(
            final String method, final String path, final int status, final String text) {
        int errorCode = SchemaRegistryException.NONE;
        String message = abbreviate(text);
        try {
            final JsonNode error = JSON.readTree(text);
            if (error != null && error.isObject()) {
                errorCode = error.path("error_code").asInt(SchemaRegistryException.NONE);
                if (error.hasNonNull("message")) {
                    message = error.get("message").asText();
                }
            }
        } catch (JsonProcessingException e) {
            // Not the registry's JSON error (e.g. a proxy's HTML page): the raw text is the best we have.
        }
        final StringBuilder what = new StringBuilder(describe(method, path))
                .append(" failed: HTTP ").append(status);
        if (status == 401) {
            what.append(" (the registry at ").append(baseUrl).append(" did not accept ").append(credentialKind)
                    .append(authorization == null ? ": it requires authentication)" : ")");
        } else if (status == 403) {
            what.append(" (the registry at ").append(baseUrl).append(authorization == null
                    ? " refuses " : " accepted " + credentialKind + " but refuses this principal ")
                    .append(method).append(' ').append(path).append(')');
        }
        if (errorCode != SchemaRegistryException.NONE) {
            what.append(", error_code ").append(errorCode);
        }
        if (!message.isEmpty()) {
            what.append(": ").append(message);
        }
        return new SchemaRegistryException(what.toString(), status, errorCode, null);
    }

    private Schema parseSchema(final JsonNode answer, final String method, final String path) {
        final String type = answer.path("schemaType").asText("AVRO");
        if (!"AVRO".equals(type.toUpperCase(Locale.ROOT))) {
            throw new SchemaRegistryException(describe(method, path) + " returned a " + type
                    + " schema; only AVRO schemas can be read", null);
        }
        final JsonNode references = answer.path("references");
        if (references.isArray() && !references.isEmpty()) {
            throw new SchemaRegistryException(describe(method, path)
                    + " returned a schema with references, which are not supported", null);
        }
        final JsonNode text = answer.get("schema");
        if (text == null || !text.isTextual()) {
            throw new SchemaRegistryException(describe(method, path) + " answered without a \"schema\" string: "
                    + abbreviate(answer.toString()), null);
        }
        try {
            return new Schema.Parser().parse(text.asText());
        } catch (SchemaParseException e) {
            throw new SchemaRegistryException(describe(method, path) + " returned a schema that is not valid Avro: "
                    + e.getMessage(), e);
        }
    }

    private int intField(final JsonNode answer, final String field, final String method, final String path) {
        final JsonNode value = answer.get(field);
        if (value == null || !value.canConvertToInt() || !value.isIntegralNumber()) {
            throw new SchemaRegistryException(describe(method, path) + " answered without an integer \"" + field
                    + "\": " + abbreviate(answer.toString()), null);
        }
        return value.intValue();
    }

    private String tlsReason(final SSLException e) {
        final String trusted = trustDescription != null ? "the trust store " + trustDescription
                : "the JDK's default trust store";
        if (e instanceof SSLHandshakeException) {
            return "the registry's certificate is not accepted: not signed by a CA in " + trusted
                    + ", expired, or not issued for the host name";
        }
        return "TLS failed, trusting " + trusted;
    }

    private static SSLException sslCause(final Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SSLException ssl) {
                return ssl;
            }
        }
        return null;
    }

    private String describe(final String method, final String path) {
        return "Schema registry request " + method + " " + baseUrl + path;
    }

    private static String segment(final String subject) {
        // URLEncoder is for forms; in a path, a space is %20, not '+'.
        return URLEncoder.encode(subject, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String abbreviate(final String text) {
        final String oneLine = text.strip().replace('\n', ' ').replace('\r', ' ');
        return oneLine.length() <= MAX_BODY_IN_MESSAGE ? oneLine : oneLine.substring(0, MAX_BODY_IN_MESSAGE) + "…";
    }

    /**
     * Builds an {@link HttpSchemaRegistry}; not thread-safe. Defaults: connect timeout 5 s, request
     * timeout 10 s, no authentication (unless the base URL carries user-info), the JDK's default
     * trust store.
     */
    public static final class Builder {

        /** {@link #trustStore} type for a file of PEM certificates. */
        public static final String PEM = "PEM";

        private final String baseUrl;
        private String userInfo;
        private String bearerToken;
        private Path trustStoreLocation;
        private String trustStoreType;
        private String trustStorePassword;
        private SSLContext sslContext;
        private Duration connectTimeout = Duration.ofSeconds(5);
        private Duration requestTimeout = Duration.ofSeconds(10);

        private Builder(final String baseUrl) {
            this.baseUrl = baseUrl;
        }

        /**
         * Uses HTTP basic authentication with {@code userInfo} in the form {@code user:password}
         * (as Confluent's {@code basic.auth.user.info}); overrides user-info in the base URL.
         * {@code null} means none.
         */
        public Builder basicAuth(final String userInfo) {
            this.userInfo = userInfo;
            return this;
        }

        /**
         * Sends {@code Authorization: Bearer token} with every request (as Confluent's
         * {@code bearer.auth.token} with {@code STATIC_TOKEN}). {@code null} or empty means none. Cannot
         * be combined with basic auth.
         */
        public Builder bearerToken(final String token) {
            this.bearerToken = token == null || token.isEmpty() ? null : token;
            return this;
        }

        /**
         * Trusts the certificates of {@code location} instead of the JDK's default trust store, for an
         * {@code https://} registry; the file is read in {@link #build()}.
         *
         * @param location the trust store file; {@code null} means the JDK's default
         * @param type {@code PKCS12}, {@code JKS} (any {@link KeyStore} type), or {@value #PEM} for a
         *     file of one or more PEM certificates; {@code null} means PKCS12
         * @param password the store's password; {@code null} for none (and for PEM)
         */
        public Builder trustStore(final Path location, final String type, final String password) {
            this.trustStoreLocation = location;
            this.trustStoreType = type;
            this.trustStorePassword = password;
            return this;
        }

        /**
         * Uses {@code context} for TLS (e.g. a test's); overrides {@link #trustStore}. Host names are
         * still verified. {@code null} means none.
         */
        public Builder sslContext(final SSLContext context) {
            this.sslContext = context;
            return this;
        }

        /** Time allowed to open a connection; must be positive. */
        public Builder connectTimeout(final Duration timeout) {
            this.connectTimeout = timeout;
            return this;
        }

        /** Time allowed for one request, from sending to the whole answer; must be positive. */
        public Builder requestTimeout(final Duration timeout) {
            this.requestTimeout = timeout;
            return this;
        }

        /**
         * Validates the settings and creates the client. Makes no request.
         *
         * @throws IllegalArgumentException naming the setting that is wrong
         */
        public HttpSchemaRegistry build() {
            if (baseUrl == null || baseUrl.isBlank()) {
                throw new IllegalArgumentException("Schema registry base URL must not be blank");
            }
            requirePositive(connectTimeout, "connect timeout");
            requirePositive(requestTimeout, "request timeout");
            final URI uri;
            try {
                uri = new URI(baseUrl.strip());
            } catch (URISyntaxException e) {
                throw new IllegalArgumentException("Schema registry base URL is not a valid URL: " + e.getReason()
                        + " (at index " + e.getIndex() + ")", e);
            }
            final String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("http") && !scheme.equals("https")) {
                throw new IllegalArgumentException(
                        "Schema registry base URL must start with http:// or https://, got scheme '" + scheme + "'");
            }
            if (uri.getHost() == null) {
                throw new IllegalArgumentException("Schema registry base URL has no host");
            }
            if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
                throw new IllegalArgumentException("Schema registry base URL must have no query and no fragment");
            }
            final String auth = userInfo != null ? userInfo : uri.getUserInfo();
            if (auth != null && auth.indexOf(':') < 0) {
                throw new IllegalArgumentException("Schema registry basic auth must be given as user:password");
            }
            if (auth != null && bearerToken != null) {
                throw new IllegalArgumentException("Schema registry basic auth" + (userInfo == null
                        ? " (user-info in the base URL)" : "") + " and a bearer token are both set; use one");
            }
            SSLContext context = sslContext;
            String trust = sslContext != null ? "a given TLS context" : null;
            if (context == null && trustStoreLocation != null) {
                context = trustStoreContext(trustStoreLocation, trustStoreType, trustStorePassword);
                trust = trustStoreLocation.toString();
            }
            if (trust != null && !scheme.equals("https")) {
                LOG.warn("A trust store is set for the schema registry, but its URL is {}://: it is not used", scheme);
            }
            String path = uri.getRawPath() == null ? "" : uri.getRawPath();
            while (path.endsWith("/")) {
                path = path.substring(0, path.length() - 1);
            }
            final String port = uri.getPort() < 0 ? "" : ":" + uri.getPort();
            return new HttpSchemaRegistry(this, scheme + "://" + uri.getHost() + port + path, auth, context, trust);
        }

        private static SSLContext trustStoreContext(final Path location, final String type, final String password) {
            final String storeType = type == null || type.isBlank() ? "PKCS12" : type.strip().toUpperCase(Locale.ROOT);
            if (!Files.isRegularFile(location)) {
                throw new IllegalArgumentException("Schema registry trust store " + location + " is not a file");
            }
            final KeyStore store;
            try {
                if (storeType.equals(PEM)) {
                    store = KeyStore.getInstance("PKCS12");
                    store.load(null, null);
                    final Collection<? extends Certificate> certificates;
                    try (InputStream in = Files.newInputStream(location)) {
                        certificates = CertificateFactory.getInstance("X.509").generateCertificates(in);
                    }
                    if (certificates.isEmpty()) {
                        throw new IllegalArgumentException("Schema registry trust store " + location
                                + " (PEM) holds no certificate");
                    }
                    int i = 0;
                    for (final Certificate certificate : certificates) {
                        store.setCertificateEntry("ca-" + i++, certificate);
                    }
                } else {
                    store = KeyStore.getInstance(storeType);
                    try (InputStream in = Files.newInputStream(location)) {
                        store.load(in, password == null ? null : password.toCharArray());
                    }
                }
            } catch (KeyStoreException e) {
                throw new IllegalArgumentException("Schema registry trust store type '" + storeType
                        + "' is not known (PKCS12, JKS or PEM)", e);
            } catch (IOException | GeneralSecurityException e) {
                // The message of a wrong password names no secret, but say it plainly.
                throw new IllegalArgumentException("Schema registry trust store " + location + " (" + storeType
                        + ") cannot be read: wrong password, wrong type, or not a trust store ("
                        + e.getClass().getSimpleName() + ")", e);
            }
            try {
                final TrustManagerFactory trust =
                        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                trust.init(store);
                final SSLContext context = SSLContext.getInstance("TLS");
                context.init(null, trust.getTrustManagers(), null);
                return context;
            } catch (GeneralSecurityException e) {
                throw new IllegalArgumentException("Schema registry trust store " + location
                        + " cannot be used for TLS: " + e.getMessage(), e);
            }
        }

        private static void requirePositive(final Duration timeout, final String name) {
            if (timeout == null || timeout.isZero() || timeout.isNegative()) {
                throw new IllegalArgumentException("Schema registry " + name + " must be positive, got " + timeout);
            }
        }
    }
}
