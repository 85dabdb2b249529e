package io.scorestream.testkit;

import io.scorestream.schemas.registry.InMemorySchemaRegistry;
import io.scorestream.schemas.registry.RegisteredSchema;

import io.scorestream.schemas.registry.SchemaRegistry;
import io.scorestream.schemas.registry.SchemaRegistryException;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import org.apache.avro.Schema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small embedded HTTP server that answers the part of the Confluent Schema Registry REST API (v1)
 * the serde needs, backed by any {@link SchemaRegistry} (normally an {@link InMemorySchemaRegistry}),
 * so that processes which cannot share an object can share schema ids: point an
 * {@link HttpSchemaRegistry} in each at {@link #url()}. For demos and tests, not for production: no
 * compatibility checks beyond what the backing registry does.
 *
 * <p><b>TLS and authentication</b> are off by default (plain HTTP, every request answered). Started
 * through {@link #builder(SchemaRegistry)}, the server can serve HTTPS with a given
 * {@link SSLContext} (e.g. {@link TestCertificates#serverContext()}; then {@link #url()} starts with
 * {@code https://}) and require HTTP basic authentication, a bearer token, or either: a request
 * without an accepted {@code Authorization} header gets 401 with {@code WWW-Authenticate} and
 * Confluent's error body {@code {"error_code":401,"message":"Unauthorized"}}. Credentials are compared
 * in constant time and never logged.
 *
 * <p><b>Endpoints</b> (answers are {@code application/vnd.schemaregistry.v1+json}; request bodies may
 * be that, {@code application/vnd.schemaregistry+json}, {@code application/json} or
 * {@code application/octet-stream}, as Confluent's registry accepts):
 * <ul>
 *   <li>{@code POST /subjects/{subject}/versions} {@code {"schema": "..."}} registers and answers
 *       {@code {"id": N}};</li>
 *   <li>{@code POST /subjects/{subject}} looks a schema up and answers
 *       {@code {"subject", "id", "version", "schema"}} ({@code version} only when known, see below);</li>
 *   <li>{@code GET /schemas/ids/{id}} answers {@code {"schema": "..."}};</li>
 *   <li>{@code GET /subjects/{subject}/versions/latest} answers {@code {"subject", "version", "id",
 *       "schema"}};</li>
 *   <li>{@code GET /subjects} answers the subjects registered <em>through this server</em>, and those
 *       named at {@linkplain #start(SchemaRegistry, String, int, Collection) start} (the
 *       {@link SchemaRegistry} interface cannot list subjects), sorted;</li>
 *   <li>{@code GET /} answers {@code {}}, as Confluent's does, for health checks.</li>
 * </ul>
 * Only Avro schemas without references are accepted. Errors are Confluent's JSON errors
 * {@code {"error_code", "message"}}: 404/40401 unknown subject, 404/40403 unknown schema,
 * 422/42201 invalid schema (including a {@code schemaType} other than {@code AVRO}, as Confluent's
 * registry answers for a type it has no provider for, and schemas with references), 409 what the
 * backing registry rejects as incompatible, 404/404 unknown paths, 405/405 known paths with another
 * method, 415/415 other content types, 500/50001 any other failure of the backing registry. Subjects
 * in paths are percent-decoded ({@code +} is a plus, not a space).
 *
 * <p><b>Versions in lookups</b> are best-effort: the interface gives only the latest version of a
 * subject, so the lookup names the version if the schema is the subject's latest or was registered
 * through this server as the latest at the time; otherwise it leaves {@code version} out.
 *
 * <p><b>Lifecycle and threading.</b> {@link #start} binds and starts serving; requests are served
 * by a small pool of daemon threads, so the backing registry must be thread-safe (as every
 * {@link SchemaRegistry} is). {@link #close()} stops accepting at once, stops within about a second,
 * and is idempotent; the methods of this class are thread-safe. The caller owns the backing
 * registry: the server uses it and never closes or changes it except by registering what clients
 * send.
 */
public final class SchemaRegistryServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SchemaRegistryServer.class);

    /** The address {@link #start(SchemaRegistry)} binds to. */
    public static final String DEFAULT_BIND_ADDRESS = "127.0.0.1";

    private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    private static final Set<String> ACCEPTED_CONTENT_TYPES = Set.of(CONTENT_TYPE,
            "application/vnd.schemaregistry+json", "application/json", "application/octet-stream");
    private static final int THREADS = 4;
    private static final int MAX_BODY_BYTES = 4 * 1024 * 1024;
    private static final int STORE_ERROR = 50001;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final AtomicInteger SERVERS = new AtomicInteger();

    private final SchemaRegistry backing;
    /** The accepted {@code Authorization} header values, UTF-8; empty when no authentication is required. */
    private final List<byte[]> acceptedAuthorizations;
    private final String challenge;
    private final HttpServer server;
    private final ExecutorService executor;
    private final String url;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final NavigableSet<String> subjects = new ConcurrentSkipListSet<>();
    /** Per subject, the version of each id registered through this server while it was the latest. */
    private final Map<String, Map<Integer, Integer>> versionsBySubject = new ConcurrentHashMap<>();

    private SchemaRegistryServer(final SchemaRegistry backing, final HttpServer server, final ExecutorService executor,
                                 final List<byte[]> acceptedAuthorizations, final String challenge) {
        this.backing = backing;
        this.server = server;
        this.executor = executor;
        this.acceptedAuthorizations = acceptedAuthorizations;
        this.challenge = challenge;
        this.url = (server instanceof HttpsServer ? "https://" : "http://")
                + hostForUrl(server.getAddress().getAddress()) + ":" + server.getAddress().getPort();
    }

    /**
     * Starts describing a server backed by {@code backing}: by default on
     * {@value #DEFAULT_BIND_ADDRESS}, an ephemeral port, plain HTTP, no authentication.
     */
    public static Builder builder(final SchemaRegistry backing) {
        return new Builder(Objects.requireNonNull(backing, "backing"));
    }

    /** Starts a server backed by {@code backing} on {@value #DEFAULT_BIND_ADDRESS}, on an ephemeral port. */
    public static SchemaRegistryServer start(final SchemaRegistry backing) {
        return start(backing, DEFAULT_BIND_ADDRESS, 0);
    }

    /**
     * Starts a server backed by {@code backing}, listening on {@code bindAddress} (a host name or IP
     * literal; {@code 0.0.0.0} for every interface) and {@code port} ({@code 0} for an ephemeral one).
     * The server is serving when this returns; close it when done.
     *
     * @throws IllegalArgumentException if the port is out of range or the address cannot be resolved
     * @throws UncheckedIOException if the address cannot be bound (e.g. the port is taken)
     */
    public static SchemaRegistryServer start(final SchemaRegistry backing, final String bindAddress, final int port) {
        return start(backing, bindAddress, port, List.of());
    }

    /**
     * As {@link #start(SchemaRegistry, String, int)}, for a backing registry that already holds
     * schemas, e.g. one restored from a file: {@code knownSubjects} are listed by
     * {@code GET /subjects} as if they had been registered through this server.
     *
     * @param knownSubjects subjects the backing registry holds now; each must be known to it
     * @throws IllegalArgumentException if a known subject is not in the backing registry
     */
    public static SchemaRegistryServer start(final SchemaRegistry backing, final String bindAddress, final int port,
                                             final Collection<String> knownSubjects) {
        return builder(backing).bindAddress(bindAddress).port(port).knownSubjects(knownSubjects).start();
    }

    private static SchemaRegistryServer start(final Builder b) {
        final SchemaRegistry backing = b.backing;
        final Collection<String> knownSubjects = Objects.requireNonNull(b.knownSubjects, "knownSubjects");
        for (final String subject : knownSubjects) {
            try {
                backing.latest(subject);
            } catch (SchemaRegistryException e) {
                throw new IllegalArgumentException("Subject '" + subject + "' is not in the backing registry", e);
            }
        }
        final String bindAddress = Objects.requireNonNull(b.bindAddress, "bindAddress");
        final int port = b.port;
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("Schema registry server port must be in 0..65535, got " + port);
        }
        final List<byte[]> accepted = new ArrayList<>();
        final List<String> schemes = new ArrayList<>();
        if (b.basicUserInfo != null) {
            accepted.add(("Basic " + Base64.getEncoder().encodeToString(b.basicUserInfo.getBytes(StandardCharsets.UTF_8)))
                    .getBytes(StandardCharsets.UTF_8));
            schemes.add("Basic realm=\"schema-registry\"");
        }
        if (b.bearerToken != null) {
            accepted.add(("Bearer " + b.bearerToken).getBytes(StandardCharsets.UTF_8));
            schemes.add("Bearer realm=\"schema-registry\"");
        }
        final InetSocketAddress address = new InetSocketAddress(bindAddress, port);
        if (address.isUnresolved()) {
            throw new IllegalArgumentException("Schema registry server bind address cannot be resolved: " + bindAddress);
        }
        final HttpServer http;
        try {
            if (b.tls != null) {
                final HttpsServer https = HttpsServer.create(address, 0);
                https.setHttpsConfigurator(new HttpsConfigurator(b.tls));
                http = https;
            } else {
                http = HttpServer.create(address, 0);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Schema registry server cannot bind " + bindAddress + ":" + port + ": " + e, e);
        }
        final ExecutorService executor = Executors.newFixedThreadPool(THREADS, daemonThreads());
        final SchemaRegistryServer registryServer = new SchemaRegistryServer(backing, http, executor,
                List.copyOf(accepted), String.join(", ", schemes));
        registryServer.subjects.addAll(knownSubjects);
        http.createContext("/", registryServer::handle);
        http.setExecutor(executor);
        http.start();
        final String required = b.basicUserInfo != null && b.bearerToken != null ? ", requiring basic auth or a bearer token"
                : b.basicUserInfo != null ? ", requiring basic auth" : b.bearerToken != null ? ", requiring a bearer token" : "";
        LOG.info("Schema registry server is listening at {}, backed by {}{}", registryServer.url, backing, required);
        return registryServer;
    }

    /** The base URL clients use, e.g. {@code http://127.0.0.1:PORT}; loopback if bound to every interface. */
    public String url() {
        return url;
    }

    /** The port the server listens on (the actual one, if started with port 0). */
    public int port() {
        return server.getAddress().getPort();
    }

    /** The registry behind this server; owned by whoever started the server. */
    public SchemaRegistry backing() {
        return backing;
    }

    /**
     * The subjects registered through this server so far and those named at start, sorted; an
     * unmodifiable snapshot. Subjects registered directly with the backing registry are not included.
     */
    public List<String> subjects() {
        return List.copyOf(subjects);
    }

    /**
     * Stops the server: it accepts no new connections, requests in progress are abandoned, and its
     * threads end within about a second. Does not touch the backing registry. Idempotent.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        server.stop(0);
        executor.shutdownNow();
        try {
            executor.awaitTermination(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        LOG.info("Schema registry server at {} is stopped", url);
    }

    @Override
    public String toString() {
        return "SchemaRegistryServer[" + url + (closed.get() ? ", closed" : "") + "]";
    }

    /**
     * Runs a server backed by a new {@link InMemorySchemaRegistry} until the process is stopped, and
     * prints its URL. Arguments: {@code [port [bindAddress]]}, by default {@code 8081 127.0.0.1}.
     */
    public static void main(final String[] args) throws InterruptedException {
        final int port = args.length > 0 ? Integer.parseInt(args[0].strip()) : 8081;
        final String bindAddress = args.length > 1 ? args[1].strip() : DEFAULT_BIND_ADDRESS;
        final SchemaRegistryServer server = start(new InMemorySchemaRegistry(), bindAddress, port);
        final CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "schema-registry-server-shutdown"));
        System.out.println(server.url());
        System.out.flush();
        // The request threads are daemons; this thread keeps the process alive.
        stopped.await();
    }

    private void handle(final HttpExchange exchange) {
        try (exchange) {
            final String method = exchange.getRequestMethod().toUpperCase(Locale.ROOT);
            final String rawPath = exchange.getRequestURI().getRawPath();
            if (!authorized(exchange)) {
                exchange.getResponseHeaders().set("WWW-Authenticate", challenge);
                send(exchange, Answer.error(401, 401, "Unauthorized"));
                return;
            }
            final Answer answer = answer(method, rawPath, exchange);
            send(exchange, answer);
        } catch (IOException e) {
            // The client went away; nothing left to tell it.
            LOG.debug("Schema registry server could not answer {}: {}", exchange.getRequestURI(), e.toString());
        } catch (RuntimeException e) {
            LOG.warn("Schema registry server failed on {} {}", exchange.getRequestMethod(), exchange.getRequestURI(), e);
        }
    }

    private boolean authorized(final HttpExchange exchange) {
        if (acceptedAuthorizations.isEmpty()) {
            return true;
        }
        final String given = exchange.getRequestHeaders().getFirst("Authorization");
        if (given == null) {
            return false;
        }
        final byte[] bytes = given.strip().getBytes(StandardCharsets.UTF_8);
        boolean ok = false;
        for (final byte[] accepted : acceptedAuthorizations) {
            // Every accepted value is compared, each in constant time, so timing tells nothing.
            ok |= MessageDigest.isEqual(bytes, accepted);
        }
        return ok;
    }

    private Answer answer(final String method, final String rawPath, final HttpExchange exchange) throws IOException {
        final List<String> path;
        try {
            path = segments(rawPath);
        } catch (IllegalArgumentException e) {
            return Answer.error(400, 400, "Malformed path: " + e.getMessage());
        }
        try {
            return route(method, path, exchange);
        } catch (SchemaRegistryException e) {
            return fromBacking(e);
        } catch (RuntimeException e) {
            LOG.warn("Schema registry server failed on {} {}", method, rawPath, e);
            return Answer.error(500, STORE_ERROR, "Error in the backing schema registry: " + e);
        }
    }

    private Answer route(final String method, final List<String> path, final HttpExchange exchange)
            throws IOException {
        final int n = path.size();
        if (n == 0) {
            return method.equals("GET") ? Answer.ok(JSON.createObjectNode()) : notAllowed(exchange, "GET");
        }
        if (path.get(0).equals("subjects")) {
            if (n == 1) {
                return method.equals("GET") ? listSubjects() : notAllowed(exchange, "GET");
            }
            final String subject = path.get(1);
            if (n == 2) {
                return method.equals("POST") ? withSchema(exchange, schema -> lookup(subject, schema))
                        : notAllowed(exchange, "POST");
            }
            if (n == 3 && path.get(2).equals("versions")) {
                return method.equals("POST") ? withSchema(exchange, schema -> register(subject, schema))
                        : notAllowed(exchange, "POST");
            }
            if (n == 4 && path.get(2).equals("versions") && path.get(3).equals("latest")) {
                return method.equals("GET") ? latest(subject) : notAllowed(exchange, "GET");
            }
        } else if (n == 3 && path.get(0).equals("schemas") && path.get(1).equals("ids")) {
            final int id;
            try {
                id = Integer.parseInt(path.get(2));
            } catch (NumberFormatException e) {
                return notFound();
            }
            return method.equals("GET") ? byId(id) : notAllowed(exchange, "GET");
        }
        return notFound();
    }

    private Answer listSubjects() {
        final ArrayNode array = JSON.createArrayNode();
        subjects.forEach(array::add);
        return new Answer(200, array);
    }

    private Answer register(final String subject, final Schema schema) {
        final int id = backing.register(subject, schema);
        subjects.add(subject);
        final RegisteredSchema latest = backing.latest(subject);
        if (latest.id() == id) {
            versionsBySubject.computeIfAbsent(subject, s -> new ConcurrentHashMap<>()).put(id, latest.version());
        }
        return Answer.ok(JSON.createObjectNode().put("id", id));
    }

    private Answer lookup(final String subject, final Schema schema) {
        final int id = backing.idOf(subject, schema);
        final ObjectNode body = JSON.createObjectNode().put("subject", subject).put("id", id);
        final RegisteredSchema latest = backing.latest(subject);
        final Integer version = latest.id() == id ? Integer.valueOf(latest.version())
                : versionsBySubject.getOrDefault(subject, Map.of()).get(id);
        if (version != null) {
            body.put("version", version);
        }
        return Answer.ok(body.put("schema", backing.getById(id).toString()));
    }

    private Answer latest(final String subject) {
        final RegisteredSchema latest = backing.latest(subject);
        return Answer.ok(JSON.createObjectNode()
                .put("subject", latest.subject())
                .put("version", latest.version())
                .put("id", latest.id())
                .put("schema", latest.schema().toString()));
    }

    private Answer byId(final int id) {
        final Schema schema;
        try {
            schema = backing.getById(id);
        } catch (SchemaRegistryException e) {
            if (e.isNotFound()) {
                return Answer.error(404, SchemaRegistryException.SCHEMA_NOT_FOUND, "Schema " + id + " not found");
            }
            throw e;
        }
        return Answer.ok(JSON.createObjectNode().put("schema", schema.toString()));
    }

    /** Reads the request's schema and hands it to {@code action}, or answers why it cannot. */
    private static Answer withSchema(final HttpExchange exchange, final SchemaAction action) throws IOException {
        final String contentType = exchange.getRequestHeaders().getFirst("Content-Type");
        if (contentType != null && !ACCEPTED_CONTENT_TYPES.contains(mediaType(contentType))) {
            return Answer.error(415, 415, "HTTP 415 Unsupported Media Type");
        }
        final byte[] bytes;
        try (InputStream in = exchange.getRequestBody()) {
            bytes = in.readNBytes(MAX_BODY_BYTES + 1);
        }
        if (bytes.length > MAX_BODY_BYTES) {
            return Answer.error(413, 413, "Request body is larger than " + MAX_BODY_BYTES + " bytes");
        }
        final JsonNode request;
        try {
            request = JSON.readTree(new String(bytes, StandardCharsets.UTF_8));
        } catch (JsonProcessingException e) {
            return Answer.error(400, 400, "Request body is not JSON: " + e.getOriginalMessage());
        }
        if (request == null || !request.isObject()) {
            return Answer.error(422, 422, "Request body must be a JSON object with a \"schema\"");
        }
        final String type = request.path("schemaType").asText("AVRO");
        if (!type.toUpperCase(Locale.ROOT).equals("AVRO")) {
            return Answer.error(422, SchemaRegistryException.INVALID_SCHEMA, "Invalid schema type " + type
                    + ": this registry supports only AVRO");
        }
        final JsonNode references = request.path("references");
        if (references.isArray() && !references.isEmpty()) {
            return Answer.error(422, SchemaRegistryException.INVALID_SCHEMA,
                    "Invalid schema: references are not supported by this registry");
        }
        final JsonNode text = request.get("schema");
        if (text == null || !text.isTextual() || text.asText().isBlank()) {
            return Answer.error(422, SchemaRegistryException.INVALID_SCHEMA, "Empty schema");
        }
        final Schema schema;
        try {
            // A new parser each time: a parser remembers the names it has seen.
            schema = new Schema.Parser().parse(text.asText());
        } catch (RuntimeException e) {
            return Answer.error(422, SchemaRegistryException.INVALID_SCHEMA, "Invalid schema: " + e.getMessage());
        }
        return action.apply(schema);
    }

    /** Turns a failure of the backing registry into the answer Confluent's registry would give. */
    private static Answer fromBacking(final SchemaRegistryException e) {
        final String message = e.getMessage() == null ? "" : e.getMessage();
        switch (e.errorCode()) {
            case SchemaRegistryException.SUBJECT_NOT_FOUND:
            case SchemaRegistryException.VERSION_NOT_FOUND:
            case SchemaRegistryException.SCHEMA_NOT_FOUND:
                return Answer.error(404, e.errorCode(), message);
            case SchemaRegistryException.INVALID_SCHEMA:
                return Answer.error(422, e.errorCode(), message);
            case SchemaRegistryException.INCOMPATIBLE_SCHEMA:
                return Answer.error(409, e.errorCode(), message);
            default:
                if (e.isNotFound()) {
                    return Answer.error(404, 404, message);
                }
                LOG.warn("Schema registry server's backing registry failed", e);
                return Answer.error(500, STORE_ERROR, "Error in the backing schema registry: " + message);
        }
    }

    private static Answer notFound() {
        return Answer.error(404, 404, "HTTP 404 Not Found");
    }

    private static Answer notAllowed(final HttpExchange exchange, final String allowed) {
        exchange.getResponseHeaders().set("Allow", allowed);
        return Answer.error(405, 405, "HTTP 405 Method Not Allowed");
    }

    /** The percent-decoded segments of {@code rawPath}, without empty ones at the ends. */
    private static List<String> segments(final String rawPath) {
        String path = rawPath == null ? "" : rawPath;
        while (path.startsWith("/")) {
            path = path.substring(1);
        }
        while (path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        if (path.isEmpty()) {
            return List.of();
        }
        final String[] raw = path.split("/", -1);
        final String[] decoded = new String[raw.length];
        for (int i = 0; i < raw.length; i++) {
            // URLDecoder decodes forms, where '+' is a space; in a path it is a plus.
            decoded[i] = URLDecoder.decode(raw[i].replace("+", "%2B"), StandardCharsets.UTF_8);
        }
        return List.of(decoded);
    }

    private static String mediaType(final String contentType) {
        final int semicolon = contentType.indexOf(';');
        return (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).strip().toLowerCase(Locale.ROOT);
    }

    private static void send(final HttpExchange exchange, final Answer answer) throws IOException {
        final byte[] bytes = answer.body().toString().getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", CONTENT_TYPE);
        exchange.sendResponseHeaders(answer.status(), bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static String hostForUrl(final InetAddress address) {
        if (address.isAnyLocalAddress()) {
            return address instanceof Inet6Address ? "[::1]" : "127.0.0.1";
        }
        final String host = address.getHostAddress();
        // An IPv6 zone ("%lo") must be percent-encoded inside a URL.
        return address instanceof Inet6Address ? "[" + host.replace("%", "%25") + "]" : host;
    }

    private static ThreadFactory daemonThreads() {
        final int server = SERVERS.incrementAndGet();
        final AtomicInteger thread = new AtomicInteger();
        return runnable -> {
            final Thread t = new Thread(runnable, "schema-registry-server-" + server + "-" + thread.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /**
     * Describes a server before {@link #start()}; not thread-safe. Defaults: bind
     * {@value #DEFAULT_BIND_ADDRESS}, port 0 (ephemeral), no known subjects, plain HTTP, no
     * authentication.
     */
    public static final class Builder {

        private final SchemaRegistry backing;
        private String bindAddress = DEFAULT_BIND_ADDRESS;
        private int port;
        private Collection<String> knownSubjects = List.of();
        private SSLContext tls;
        private String basicUserInfo;
        private String bearerToken;

        private Builder(final SchemaRegistry backing) {
            this.backing = backing;
        }

        /** The address to listen on: a host name or IP literal, {@code 0.0.0.0} for every interface. */
        public Builder bindAddress(final String address) {
            this.bindAddress = address;
            return this;
        }

        /** The port; 0 for an ephemeral one. */
        public Builder port(final int port) {
            this.port = port;
            return this;
        }

        /** Subjects the backing registry already holds, listed by {@code GET /subjects}. */
        public Builder knownSubjects(final Collection<String> subjects) {
            this.knownSubjects = subjects;
            return this;
        }

        /** Serves HTTPS with {@code context} (its key managers present the server certificate). */
        public Builder tls(final SSLContext context) {
            this.tls = Objects.requireNonNull(context, "context");
            return this;
        }

        /** Requires HTTP basic authentication as {@code userInfo} ({@code user:password}). */
        public Builder basicAuth(final String userInfo) {
            if (userInfo == null || userInfo.indexOf(':') < 0) {
                throw new IllegalArgumentException("Schema registry server basic auth must be user:password");
            }
            this.basicUserInfo = userInfo;
            return this;
        }

        /**
         * Requires {@code Authorization: Bearer token}; with {@link #basicAuth} too, either is
         * accepted.
         */
        public Builder bearerToken(final String token) {
            if (token == null || token.isBlank()) {
                throw new IllegalArgumentException("Schema registry server bearer token must not be blank");
            }
            this.bearerToken = token;
            return this;
        }

        /**
         * Binds and starts serving; the server is serving when this returns; close it when done.
         *
         * @throws IllegalArgumentException if the port is out of range, the address cannot be
         *     resolved, or a known subject is not in the backing registry
         * @throws UncheckedIOException if the address cannot be bound (e.g. the port is taken)
         */
        public SchemaRegistryServer start() {
            return SchemaRegistryServer.start(this);
        }
    }

    /** What to do with a valid schema from a request body. */
    @FunctionalInterface
    private interface SchemaAction {
        Answer apply(Schema schema);
    }

    /** A status and a JSON body. */
    private record Answer(int status, JsonNode body) {

        static Answer ok(final JsonNode body) {
            return new Answer(200, body);
        }

        static Answer error(final int status, final int errorCode, final String message) {
            return new Answer(status, JSON.createObjectNode().put("error_code", errorCode).put("message", message));
        }
    }
}
