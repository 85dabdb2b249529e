package io.scorestream.inference.registry;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A local HTTP server on 127.0.0.1 and an ephemeral port, serving artifacts in the ways the
 * fetcher must cope with. Handlers run on their own threads, so a stalled one does not block the
 * others; {@link #close()} releases the stalled ones.
 *
 * <ul>
 *   <li>{@code /model.onnx}: 200 with the bytes and a Content-Length
 *   <li>{@code /missing.onnx}: 404
 *   <li>{@code /moved.onnx}: 302 to {@code /model.onnx}
 *   <li>{@code /slow.onnx}: no answer until closed
 *   <li>{@code /stalled-body.onnx}: 200 and half the declared body, then nothing until closed
 *   <li>{@code /endless.onnx}: 200, chunked, zeros up to {@link #ENDLESS_BYTES} or until the client
 *       hangs up ({@link #endlessWritten()} then says how far it got)
 * </ul>
 */
final class ArtifactServer implements AutoCloseable {

    static final long ENDLESS_BYTES = 256L * 1024 * 1024;

    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool(r -> {
        final Thread t = new Thread(r, "artifact-server");
        t.setDaemon(true);
        return t;
    });
    private final CountDownLatch release = new CountDownLatch(1);
    private final CountDownLatch endlessDone = new CountDownLatch(1);
    private final AtomicLong endlessWritten = new AtomicLong();
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private final Map<String, Map<String, List<String>>> lastHeaders = new ConcurrentHashMap<>();

    ArtifactServer(byte[] model) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(executor);
        server.createContext("/model.onnx", ex -> {
            record(ex);
            respond(ex, 200, model);
        });
        server.createContext("/missing.onnx", ex -> {
            record(ex);
            respond(ex, 404, new byte[0]);
        });
        server.createContext("/moved.onnx", ex -> {
            record(ex);
            ex.getResponseHeaders().add("Location", "/model.onnx");
            respond(ex, 302, new byte[0]);
        });
        server.createContext("/slow.onnx", ex -> {
            record(ex);
            awaitRelease();
            respond(ex, 200, model);
        });
        server.createContext("/stalled-body.onnx", ex -> {
            record(ex);
            try (OutputStream out = ex.getResponseBody()) {
                ex.sendResponseHeaders(200, model.length);
                out.write(model, 0, model.length / 2);
                out.flush();
                awaitRelease();
            } catch (IOException e) {
                // the client gave up
            }
        });
        server.createContext("/endless.onnx", ex -> {
            record(ex);
            final byte[] chunk = new byte[64 * 1024];
            try (OutputStream out = ex.getResponseBody()) {
                ex.sendResponseHeaders(200, 0);
                while (endlessWritten.get() < ENDLESS_BYTES) {
                    out.write(chunk);
                    endlessWritten.addAndGet(chunk.length);
                }
            } catch (IOException e) {
                // the client hung up, as it should once over its limit
            } finally {
                endlessDone.countDown();
            }
        });
        server.start();
    }

    URI uri(String pathAndQuery) {
        return URI.create(base() + pathAndQuery);
    }

    String base() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    int port() {
        return server.getAddress().getPort();
    }

    /** Request lines seen, e.g. {@code GET /model.onnx?x=1}. */
    List<String> requests() {
        return List.copyOf(requests);
    }

    /** Headers of the last request to {@code path}. */
    Map<String, List<String>> lastHeaders(String path) {
        return lastHeaders.getOrDefault(path, Map.of());
    }

    /** Bytes {@code /endless.onnx} wrote before the client hung up; waits for the handler to end. */
    long endlessWritten() throws InterruptedException {
        if (!endlessDone.await(20, TimeUnit.SECONDS)) {
            throw new AssertionError("the endless handler is still writing");
        }
        return endlessWritten.get();
    }

    private static void respond(HttpExchange ex, int status, byte[] body) {
        try (ex) {
            ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
            if (body.length > 0) {
                ex.getResponseBody().write(body);
            }
        } catch (IOException e) {
            // the client gave up
        }
    }

    private void record(HttpExchange ex) {
        requests.add(ex.getRequestMethod() + " " + ex.getRequestURI());
        lastHeaders.put(ex.getRequestURI().getPath(), Map.copyOf(ex.getRequestHeaders()));
    }

    private void awaitRelease() {
        try {
            release.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        release.countDown();
        server.stop(0);
        executor.shutdownNow();
    }
}
