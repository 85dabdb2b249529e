package io.scorestream.app.metrics;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import org.apache.kafka.streams.KafkaStreams;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP endpoint of metrics and health, on the JDK's {@link HttpServer}:
 * <ul>
 *   <li>{@code GET /metrics}: the Prometheus text format (0.0.4) of the registry;</li>
 *   <li>{@code GET /healthz}: 200 {@code {"status":"UP"}} while {@link HealthProbe#live()}, else
 *       503 {@code {"status":"DOWN"}};</li>
 *   <li>{@code GET /readyz}: 200 while {@link HealthProbe#ready()}, else 503; the body is
 *       {@code {"status":"UP"|"DOWN","details":{...}}} with the probe's
 *       {@linkplain HealthProbe#details() details}.</li>
 * </ul>
 * {@code HEAD} is answered like {@code GET} without a body; other methods get 405, other paths 404.
 *
 * <h2>Security</h2>
 * By default there is neither authentication nor TLS: bind it to a private address
 * ({@code metrics.bind.address}, default {@code 127.0.0.1}). With an {@link EndpointSecurity}, every
 * path except {@code /healthz} requires HTTP basic authentication (a request without the right
 * credentials gets 401 with {@code WWW-Authenticate: Basic}; the comparison takes the same time
 * whatever the credentials), and/or the server speaks HTTPS only. {@code /healthz} stays open so
 * that liveness probes need no secret; it tells only UP or DOWN. Started on an address that is not a
 * loopback one with neither authentication nor TLS, the server logs a warning naming the address
 * (and still starts: a network policy may protect it).
 *
 * <h2>Lifecycle and ownership</h2>
 * {@link #start()} once, {@link #close()} once (idempotent; stops within about a second). A closed
 * server cannot be restarted. The server owns its two daemon request threads; the JDK's dispatcher
 * thread is not a daemon, so whoever starts the server must close it. The registry and the probe
 * belong to the caller and are not closed.
 *
 * <h2>Threading</h2>
 * Lifecycle methods are thread-safe. Requests run on the server's threads, concurrently with the
 * rest of the application; the registry's scrape and the probe must tolerate that (both are
 * documented thread-safe).
 */
public final class ObservabilityServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ObservabilityServer.class);

    /** The content type of the Prometheus text exposition format, version 0.0.4. */
    public static final String PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
    private static final String JSON_CONTENT_TYPE = "application/json; charset=utf-8";
    private static final String TEXT_CONTENT_TYPE = "text/plain; charset=utf-8";
    private static final int REQUEST_THREADS = 2;
    private static final int MAX_QUEUED_REQUESTS = 64;

    private final String bindAddress;
    private final int requestedPort;
    private final PrometheusMeterRegistry registry;
    private final HealthProbe probe;
    private final EndpointSecurity security;

    private HttpServer server; // guarded by this
    private ExecutorService executor; // guarded by this
    private boolean closed; // guarded by this

    /**
     * @param bindAddress the address to listen on ({@code 127.0.0.1}, {@code 0.0.0.0}, a host name)
     * @param port the port, 0 for any free one (see {@link #port()})
     * @param registry the registry {@code /metrics} scrapes; not closed by this server
     * @param probe answers {@code /healthz} and {@code /readyz}; not closed by this server
     */
    public ObservabilityServer(final String bindAddress, final int port, final PrometheusMeterRegistry registry,
                               final HealthProbe probe) {
        this(bindAddress, port, registry, probe, EndpointSecurity.NONE);
    }

    /**
     * As {@link #ObservabilityServer(String, int, PrometheusMeterRegistry, HealthProbe)}, protected by
     * {@code security} (authentication of every path but {@code /healthz}, TLS).
     */
    public ObservabilityServer(final String bindAddress, final int port, final PrometheusMeterRegistry registry,
                               final HealthProbe probe, final EndpointSecurity security) {
        this.security = Objects.requireNonNull(security, "security");
        this.bindAddress = Objects.requireNonNull(bindAddress, "bindAddress");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be in 0..65535, got " + port);
        }
        this.requestedPort = port;
        this.registry = Objects.requireNonNull(registry, "registry");
        this.probe = Objects.requireNonNull(probe, "probe");
    }

    /**
     * Binds and starts serving.
     *
     * @throws UncheckedIOException when the address cannot be bound (in use, not local)
     * @throws IllegalStateException when already started or closed
     */
    public synchronized ObservabilityServer start() {
        if (closed || server != null) {
            throw new IllegalStateException(closed ? "ObservabilityServer is closed" : "ObservabilityServer is "
                    + "already started");
        }
        final HttpServer http;
        try {
            final InetSocketAddress address = new InetSocketAddress(bindAddress, requestedPort);
            if (security.tls() != null) {
                final HttpsServer https = HttpsServer.create(address, 0);
                https.setHttpsConfigurator(new HttpsConfigurator(security.tls()));
                http = https;
            } else {
                http = HttpServer.create(address, 0);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot serve metrics and health on " + bindAddress + ":" + requestedPort
                    + " (metrics.bind.address, metrics.port): " + e.getMessage(), e);
        }
        // A bounded queue: a flood of scrapes is refused (the JDK server closes the connection)
        // rather than queued without limit.
        final ThreadPoolExecutor pool = new ThreadPoolExecutor(REQUEST_THREADS, REQUEST_THREADS, 0L,
                TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(MAX_QUEUED_REQUESTS), new DaemonThreads());
        http.createContext("/", this::handle);
        http.setExecutor(pool);
        http.start();
        this.server = http;
        this.executor = pool;
        LOG.info("Serving /metrics, /healthz and /readyz on {}://{}:{}{}", security.tls() != null ? "https" : "http",
                bindAddress, http.getAddress().getPort(), security.authenticates()
                        ? ", /metrics and /readyz with basic auth" : "");
        if (!security.authenticates() && security.tls() == null && !isLoopback(bindAddress)) {
            LOG.warn("The metrics and health endpoint listens on {} (not a loopback address) with neither "
                    + "authentication nor TLS: anyone who can reach it reads /metrics and /readyz. Set "
                    + "metrics.basic.auth.user.info and/or metrics.ssl.keystore.location, or make sure a network "
                    + "policy keeps it private", bindAddress);
        }
        return this;
    }

    /** Whether {@code address} names only loopback addresses; unresolvable names count as not loopback. */
    static boolean isLoopback(final String address) {
        try {
            for (final InetAddress a : InetAddress.getAllByName(address)) {
                if (!a.isLoopbackAddress()) {
                    return false;
                }
            }
            return true;
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /**
     * The port actually bound (the chosen one when constructed with 0).
     *
     * @throws IllegalStateException when not started, or closed
     */
    public synchronized int port() {
        if (server == null) {
            throw new IllegalStateException("ObservabilityServer is not running");
        }
        return server.getAddress().getPort();
    }

    /** Stops listening, drops requests in flight, and stops the request threads. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (server == null) {
            return;
        }
        server.stop(0);
        executor.shutdownNow();
        try {
            if (!executor.awaitTermination(500, TimeUnit.MILLISECONDS)) {
                LOG.warn("Metrics and health request threads still running after close");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        server = null;
        executor = null;
    }

    /**
     * Binds Kafka Streams' client metrics (threads, tasks, consumers, producers, state stores) to
     * {@code registry}, through Micrometer's {@link KafkaStreamsMetrics}.
     *
     * @return the binder, which keeps refreshing the meters as Kafka adds metrics; the caller owns it
     *     and closes it when {@code streams} is closed
     */
    public static KafkaStreamsMetrics bindKafkaStreams(final MeterRegistry registry, final KafkaStreams streams,
                                                       final Iterable<Tag> tags) {
        final KafkaStreamsMetrics binder = new KafkaStreamsMetrics(Objects.requireNonNull(streams, "streams"),
                Objects.requireNonNull(tags, "tags"));
        binder.bindTo(Objects.requireNonNull(registry, "registry"));
        return binder;
    }

    // ---- request handling -------------------------------------------------------------------

    private void handle(final HttpExchange exchange) throws IOException {
        try {
            final String path = exchange.getRequestURI().getPath();
            final String method = exchange.getRequestMethod();
            if (!path.equals("/healthz") && !security.accepts(exchange.getRequestHeaders().getFirst("Authorization"))) {
                exchange.getResponseHeaders().set("WWW-Authenticate",
                        "Basic realm=\"" + EndpointSecurity.REALM + "\", charset=\"UTF-8\"");
                respond(exchange, 401, TEXT_CONTENT_TYPE, "Unauthorized\n");
                return;
            }
            if (!path.equals("/metrics") && !path.equals("/healthz") && !path.equals("/readyz")) {
                respond(exchange, 404, TEXT_CONTENT_TYPE, "Not found: try /metrics, /healthz or /readyz\n");
                return;
            }
            if (!method.equals("GET") && !method.equals("HEAD")) {
                exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                respond(exchange, 405, TEXT_CONTENT_TYPE, "Method not allowed: " + method + "\n");
                return;
            }
            switch (path) {
                case "/metrics" -> metrics(exchange);
                case "/healthz" -> health(exchange);
                default -> readiness(exchange);
            }
        } catch (RuntimeException e) {
            LOG.warn("Failed to answer {} {}", exchange.getRequestMethod(), exchange.getRequestURI(), e);
            try {
                respond(exchange, 500, TEXT_CONTENT_TYPE, "Internal error\n");
            } catch (IOException | RuntimeException alreadyAnswering) {
                // the status line is out already; closing the exchange below ends the response
            }
        } finally {
            exchange.close();
        }
    }

    private void metrics(final HttpExchange exchange) throws IOException {
        respond(exchange, 200, PROMETHEUS_CONTENT_TYPE, registry.scrape());
    }

    private void health(final HttpExchange exchange) throws IOException {
        boolean live;
        try {
            live = probe.live();
        } catch (RuntimeException e) {
            LOG.warn("Liveness probe failed", e);
            live = false;
        }
        respond(exchange, live ? 200 : 503, JSON_CONTENT_TYPE, live ? "{\"status\":\"UP\"}" : "{\"status\":\"DOWN\"}");
    }

    private void readiness(final HttpExchange exchange) throws IOException {
        final Map<String, Object> body = new LinkedHashMap<>();
        boolean ready;
        try {
            ready = probe.ready();
            final Map<String, Object> details = probe.details();
            body.put("status", ready ? "UP" : "DOWN");
            body.put("details", details == null ? Map.of() : details);
        } catch (RuntimeException e) {
            LOG.warn("Readiness probe failed", e);
            ready = false;
            body.put("status", "DOWN");
            body.put("details", Map.of("error", String.valueOf(e)));
        }
        respond(exchange, ready ? 200 : 503, JSON_CONTENT_TYPE, JsonOutput.write(body, JsonOutput.NonFinite.STRING));
    }

    private static void respond(final HttpExchange exchange, final int status, final String contentType,
                                final String body) throws IOException {
        final byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        if (exchange.getRequestMethod().equals("HEAD")) {
            exchange.sendResponseHeaders(status, -1);
            return;
        }
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    /** Names the request threads and makes them daemons. */
    private static final class DaemonThreads implements ThreadFactory {
        private final AtomicInteger count = new AtomicInteger();

        @Override
        public Thread newThread(final Runnable task) {
            final Thread thread = new Thread(task, "scorestream-http-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        }
    }
}
