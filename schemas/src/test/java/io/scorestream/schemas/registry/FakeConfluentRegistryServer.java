package io.scorestream.schemas.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.avro.Schema;
import org.apache.avro.SchemaParseException;

/**
 * A schema registry on 127.0.0.1 that answers the four requests {@link HttpSchemaRegistry} makes as
 * Confluent's REST API documents them, backed by an {@link InMemorySchemaRegistry}, and records
 * what it was asked. Only for tests; close it after use.
 */
public final class FakeConfluentRegistryServer implements AutoCloseable {

    /** One request as the server saw it. */
    public record Request(String method, String path, String contentType, String accept, String authorization,
            String body) {
    }

    private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern REGISTER = Pattern.compile("/subjects/([^/]+)/versions");
    private static final Pattern LOOKUP = Pattern.compile("/subjects/([^/]+)");
    private static final Pattern LATEST = Pattern.compile("/subjects/([^/]+)/versions/latest");
    private static final Pattern BY_ID = Pattern.compile("/schemas/ids/(-?\\d+)");

    private final HttpServer server;
    private final String prefix;
    private final InMemorySchemaRegistry store = new InMemorySchemaRegistry();
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final Map<String, Boolean> incompatibleSubjects = new ConcurrentHashMap<>();
    private final AtomicInteger proxyErrorsToSend = new AtomicInteger();
    private volatile String requiredAuthorization;

    private FakeConfluentRegistryServer(final String prefix) throws IOException {
        this.prefix = prefix;
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    /** Starts a server answering at the root path. */
    public static FakeConfluentRegistryServer start() throws IOException {
        return new FakeConfluentRegistryServer("");
    }

    /** Starts a server answering under {@code prefix}, e.g. {@code /registry}, as behind a proxy. */
    public static FakeConfluentRegistryServer startUnder(final String prefix) throws IOException {
        return new FakeConfluentRegistryServer(prefix);
    }

    /** {@code http://127.0.0.1:<port>} plus the prefix. */
    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + prefix;
    }

    /** From now on, answers 401 unless requests carry exactly this Authorization header. */
    private volatile boolean forbidden;

    public void requireAuthorization(final String header) {
        this.requiredAuthorization = header;
    }

    /** From now on, answers 403 to every request that passes authentication, as an RBAC denial. */
    public void forbidEverything() {
        this.forbidden = true;
    }

    /** Registering under {@code subject} answers 409 as for an incompatible schema. */
    public void rejectAsIncompatible(final String subject) {
        incompatibleSubjects.put(subject, true);
    }

    /** The next {@code count} requests answer 502 with an HTML page, as a failing proxy does. */
    public void failNextAsProxy(final int count) {
        proxyErrorsToSend.set(count);
    }

    /** The backing store, to set up schemas as if another client had registered them. */
    public InMemorySchemaRegistry store() {
        return store;
    }

    /** Every request so far, oldest first. */
    public List<Request> requests() {
        return List.copyOf(requests);
    }

    /** How many requests so far had this method and path (prefix included). */
    public long count(final String method, final String path) {
        return requests.stream().filter(r -> r.method().equals(method) && r.path().equals(path)).count();
    }

    @Override
    public void close() {
        server.stop(0);
    }

    private void handle(final HttpExchange exchange) throws IOException {
        try (exchange) {
            final String method = exchange.getRequestMethod();
            final String rawPath = exchange.getRequestURI().getRawPath();
            final String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            requests.add(new Request(method, rawPath,
                    exchange.getRequestHeaders().getFirst("Content-Type"),
                    exchange.getRequestHeaders().getFirst("Accept"),
                    exchange.getRequestHeaders().getFirst("Authorization"), body));
            if (proxyErrorsToSend.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                send(exchange, 502, "text/html", "<html><body>502 Bad Gateway</body></html>");
                return;
            }
            final String auth = requiredAuthorization;
            if (auth != null && !auth.equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
                error(exchange, 401, 401, "Unauthorized");
                return;
            }
            if (forbidden) {
                error(exchange, 403, 40301, "User is denied operation on this resource");
                return;
            }
            if (!rawPath.startsWith(prefix)) {
                error(exchange, 404, 404, "HTTP 404 Not Found");
                return;
            }
            route(exchange, method, rawPath.substring(prefix.length()), body);
        }
    }

    private void route(final HttpExchange exchange, final String method, final String path, final String body)
            throws IOException {
        Matcher m;
        try {
            if (method.equals("POST") && (m = REGISTER.matcher(path)).matches()) {
                final String subject = decode(m.group(1));
                final Schema schema = schemaFrom(body);
                if (incompatibleSubjects.containsKey(subject)) {
                    error(exchange, 409, 409, "Schema being registered is incompatible with an earlier schema");
                    return;
                }
                ok(exchange, JSON.createObjectNode().put("id", store.register(subject, schema)));
            } else if (method.equals("POST") && (m = LOOKUP.matcher(path)).matches()) {
                final String subject = decode(m.group(1));
                final Schema schema = schemaFrom(body);
                final int id = store.idOf(subject, schema);
                ok(exchange, JSON.createObjectNode().put("subject", subject).put("id", id).put("version", 1)
                        .put("schema", schema.toString()));
            } else if (method.equals("GET") && (m = LATEST.matcher(path)).matches()) {
                final RegisteredSchema latest = store.latest(decode(m.group(1)));
                ok(exchange, JSON.createObjectNode().put("subject", latest.subject()).put("id", latest.id())
                        .put("version", latest.version()).put("schema", latest.schema().toString()));
            } else if (method.equals("GET") && (m = BY_ID.matcher(path)).matches()) {
                final int id = Integer.parseInt(m.group(1));
                final Schema schema;
                try {
                    schema = store.getById(id);
                } catch (SchemaRegistryException e) {
                    error(exchange, 404, 40403, "Schema " + id + " not found");
                    return;
                }
                ok(exchange, JSON.createObjectNode().put("schema", schema.toString()));
            } else {
                error(exchange, 404, 404, "HTTP 404 Not Found");
            }
        } catch (SchemaParseException | IllegalArgumentException e) {
            error(exchange, 422, 42201, "Invalid schema: " + e.getMessage());
        } catch (SchemaRegistryException e) {
            error(exchange, 404, e.errorCode(), e.errorCode() == 40401 ? "Subject not found." : "Schema not found");
        }
    }

    private static Schema schemaFrom(final String body) throws IOException {
        final JsonNode json = JSON.readTree(body);
        if (!json.path("schema").isTextual()) {
            throw new IllegalArgumentException("no schema string");
        }
        return new Schema.Parser().parse(json.get("schema").asText());
    }

    private static String decode(final String segment) {
        return URLDecoder.decode(segment.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    private static void ok(final HttpExchange exchange, final ObjectNode answer) throws IOException {
        send(exchange, 200, CONTENT_TYPE, answer.toString());
    }

    private static void error(final HttpExchange exchange, final int status, final int errorCode, final String message)
            throws IOException {
        send(exchange, status, CONTENT_TYPE,
                JSON.createObjectNode().put("error_code", errorCode).put("message", message).toString());
    }

    private static void send(final HttpExchange exchange, final int status, final String contentType,
            final String text) throws IOException {
        final byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }
}
