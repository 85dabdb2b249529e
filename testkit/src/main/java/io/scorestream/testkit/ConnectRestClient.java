package io.scorestream.testkit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.TimeoutException;

/**
 * A client of the REST API of one Kafka Connect worker (in this JVM, in a child JVM or anywhere
 * else): connectors created, deleted and watched, plugins listed. It speaks plain HTTP with
 * {@link HttpClient} and Jackson, nothing of the Connect runtime.
 *
 * <p><b>Errors.</b> A status of 400 or more becomes a {@link ConnectRequestException} with the
 * worker's message, except the 409 a distributed worker answers while it rebalances, which is
 * retried for up to {@link #DEFAULT_TIMEOUT}. A worker that cannot be reached becomes an
 * {@link UncheckedIOException}. Every request times out after {@link #REQUEST_TIMEOUT}.
 *
 * <p><b>Threading.</b> Immutable and thread-safe; holds no resources, so there is nothing to close.
 */
public final class ConnectRestClient {

    /** How long {@link #createConnector} and {@link #deleteConnector} retry a worker that rebalances. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);
    /** How long one request may take (Connect's own REST timeout is 90 s, most answer in milliseconds). */
    public static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);

    private static final Duration POLL_INTERVAL = Duration.ofMillis(100);
    private static final int CONFLICT = 409;
    private static final int NOT_FOUND = 404;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(5))
            .version(HttpClient.Version.HTTP_1_1)
            .build();

    private final URI baseUrl;

    /**
     * A client of the worker at {@code baseUrl}.
     *
     * @param baseUrl the worker's REST URL, e.g. {@code http://127.0.0.1:8083/}
     */
    public ConnectRestClient(final URI baseUrl) {
        final String url = Objects.requireNonNull(baseUrl, "baseUrl").toString();
        this.baseUrl = URI.create(url.endsWith("/") ? url : url + "/");
    }

    /** The worker's REST URL, ending with {@code /}. */
    public URI baseUrl() {
        return baseUrl;
    }

    /**
     * Creates a connector, or replaces the configuration of the connector of that name
     * ({@code PUT /connectors/{name}/config}). The worker starts it asynchronously; see
     * {@link #awaitConnectorRunning}.
     *
     * @param name the connector name
     * @param config its configuration ({@code connector.class}, {@code tasks.max}, ...); the
     *     {@code name} key is set to {@code name}
     * @throws ConnectRequestException if the worker rejects it (e.g. 400 for an invalid config)
     */
    public void createConnector(final String name, final Map<String, String> config) {
        Objects.requireNonNull(config, "config");
        final Map<String, String> body = new LinkedHashMap<>(config);
        body.put("name", name);
        send("PUT", "connectors/" + encode(name) + "/config", toJson(body));
    }

    /**
     * Deletes a connector ({@code DELETE /connectors/{name}}), stopping its tasks.
     *
     * @param name the connector name
     * @throws ConnectRequestException with status 404 if there is no such connector
     */
    public void deleteConnector(final String name) {
        send("DELETE", "connectors/" + encode(name), null);
    }

    /**
     * The names of the connectors the worker's cluster runs ({@code GET /connectors}).
     *
     * @return the names, sorted
     */
    public List<String> connectors() {
        final List<String> names = new ArrayList<>();
        parse(send("GET", "connectors", null)).forEach(node -> names.add(node.asText()));
        names.sort(null);
        return names;
    }

    /**
     * The class names of the connector plugins the worker found
     * ({@code GET /connector-plugins?connectorsOnly=true}).
     *
     * @return fully qualified class names, sorted
     */
    public List<String> connectorPlugins() {
        final List<String> classes = new ArrayList<>();
        parse(send("GET", "connector-plugins?connectorsOnly=true", null))
                .forEach(node -> classes.add(node.path("class").asText()));
        classes.sort(null);
        return classes;
    }

    /**
     * The status of a connector and its tasks ({@code GET /connectors/{name}/status}).
     *
     * @param name the connector name
     * @return its status now
     * @throws ConnectRequestException with status 404 if there is no such connector (yet)
     */
    public ConnectorStatus connectorStatus(final String name) {
        final JsonNode status = parse(send("GET", "connectors/" + encode(name) + "/status", null));
        final JsonNode connector = status.path("connector");
        final List<ConnectorStatus.TaskStatus> tasks = new ArrayList<>();
        for (final JsonNode task : status.path("tasks")) {
            tasks.add(new ConnectorStatus.TaskStatus(task.path("id").asInt(), task.path("state").asText(),
                    textOrNull(task, "worker_id"), textOrNull(task, "trace")));
        }
        return new ConnectorStatus(status.path("name").asText(name), connector.path("state").asText(),
                textOrNull(connector, "worker_id"), textOrNull(connector, "trace"), tasks);
    }

    /**
     * Waits until the connector runs with at least one task and all its tasks run
     * ({@link ConnectorStatus#isRunning()}). A connector not known yet is waited for.
     *
     * @param name the connector name
     * @param timeout how long to wait
     * @return the running status
     * @throws IllegalStateException as soon as the connector or a task has failed, with its trace
     * @throws TimeoutException if it is not running within the timeout, with the last status
     */
    public ConnectorStatus awaitConnectorRunning(final String name, final Duration timeout) {
        final long deadline = System.nanoTime() + timeout.toNanos();
        ConnectorStatus last = null;
        while (true) {
            try {
                last = connectorStatus(name);
                if (last.hasFailed()) {
                    throw new IllegalStateException("Connector " + name + " failed: " + describe(last));
                }
                if (last.isRunning()) {
                    return last;
                }
            } catch (ConnectRequestException e) {
                if (e.status() != NOT_FOUND) {
                    throw e;
                }
            }
            sleepOrTimeout(deadline, "Connector " + name + " was not running within " + timeout
                    + (last == null ? " (unknown to the worker)" : ": " + describe(last)));
        }
    }

    /**
     * Waits until the worker answers {@code GET /health} with 200: it has joined its cluster (in
     * distributed mode) and can take requests. A worker not listening yet is waited for.
     */
    void awaitHealthy(final Duration timeout) {
        final long deadline = System.nanoTime() + timeout.toNanos();
        String last = "no answer";
        while (true) {
            try {
                final HttpResponse<String> response = HTTP.send(request("GET", "health", null),
                        HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
                if (response.statusCode() == 200) {
                    return;
                }
                last = response.statusCode() + " " + response.body();
            } catch (IOException e) {
                last = e.toString();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptException(e);
            }
            sleepOrTimeout(deadline, "Connect worker at " + baseUrl + " was not healthy within " + timeout
                    + " (last answer: " + last + ")");
        }
    }

    @Override
    public String toString() {
        return "ConnectRestClient[" + baseUrl + "]";
    }

    // ---------------------------------------------------------------------------------------------

    /** Sends a request, retrying 409 (rebalance in progress); answers the body of a 2xx response. */
    private String send(final String method, final String path, final String body) {
        final long deadline = System.nanoTime() + DEFAULT_TIMEOUT.toNanos();
        while (true) {
            final HttpResponse<String> response;
            try {
                response = HTTP.send(request(method, path, body),
                        HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new UncheckedIOException(method + " " + baseUrl + path + " failed: " + e.getMessage(), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptException(e);
            }
            final int status = response.statusCode();
            if (status < 400) {
                return response.body();
            }
            final String message = method + " " + baseUrl + path + " answered " + status + ": "
                    + errorMessage(response.body());
            if (status != CONFLICT || System.nanoTime() + POLL_INTERVAL.toNanos() > deadline) {
                throw new ConnectRequestException(message, status);
            }
            sleep();
        }
    }

    private HttpRequest request(final String method, final String path, final String body) {
        final HttpRequest.Builder builder = HttpRequest.newBuilder(baseUrl.resolve(path))
                .timeout(REQUEST_TIMEOUT)
                .header("Accept", "application/json");
        if (body == null) {
            builder.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            builder.header("Content-Type", "application/json")
                    .method(method, HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        }
        return builder.build();
    }

    private static String describe(final ConnectorStatus status) {
        final StringBuilder text = new StringBuilder("connector ").append(status.state());
        if (status.trace() != null) {
            text.append(" (").append(status.trace()).append(')');
        }
        text.append(", tasks ");
        if (status.tasks().isEmpty()) {
            text.append("none");
        }
        for (final ConnectorStatus.TaskStatus task : status.tasks()) {
            text.append('[').append(task.id()).append(' ').append(task.state());
            if (task.trace() != null) {
                text.append(" (").append(task.trace()).append(')');
            }
            text.append(']');
        }
        return text.toString();
    }

    /** The {@code message} of Connect's {@code {"error_code", "message"}}, or the body as it is. */
    private static String errorMessage(final String body) {
        try {
            final JsonNode error = JSON.readTree(body);
            return error.hasNonNull("message") ? error.get("message").asText() : body;
        } catch (JsonProcessingException e) {
            return body;
        }
    }

    private static JsonNode parse(final String body) {
        try {
            return JSON.readTree(body);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException("Connect worker answered something other than JSON: " + body, e);
        }
    }

    private static String toJson(final Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String textOrNull(final JsonNode node, final String field) {
        return node.hasNonNull(field) ? node.get(field).asText() : null;
    }

    /** A path segment: percent-encoded, with a space as {@code %20} (not the form encoding's {@code +}). */
    private static String encode(final String segment) {
        Objects.requireNonNull(segment, "name");
        if (segment.isBlank()) {
            throw new IllegalArgumentException("Connector name is blank");
        }
        return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static void sleepOrTimeout(final long deadline, final String timeoutMessage) {
        if (System.nanoTime() + POLL_INTERVAL.toNanos() > deadline) {
            throw new TimeoutException(timeoutMessage);
        }
        sleep();
    }

    private static void sleep() {
        try {
            Thread.sleep(POLL_INTERVAL.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptException(e);
        }
    }
}
