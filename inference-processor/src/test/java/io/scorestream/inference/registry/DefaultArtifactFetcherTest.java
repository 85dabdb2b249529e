package io.scorestream.inference.registry;

import static io.scorestream.inference.registry.RegistryFixtures.onnx;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DefaultArtifactFetcherTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(5);
    private static final Duration SHORT = Duration.ofMillis(300);
    private static final long MAX = 1024 * 1024;

    @TempDir
    Path dir;

    private final byte[] model = onnx(1);
    private ArtifactServer server;
    private final DefaultArtifactFetcher fetcher = new DefaultArtifactFetcher(RegistrySettings.defaults());

    @BeforeEach
    void startServer() throws IOException {
        server = new ArtifactServer(model);
    }

    @AfterEach
    void stopServer() {
        server.close();
    }

    @Test
    void fetchesTheBodyOfA200Response() throws Exception {
        final byte[] bytes = fetcher.fetch(server.uri("/model.onnx"), MAX, TIMEOUT);

        assertArrayEquals(model, bytes);
    }

    @Test
    void non2xxStatusIsAnErrorNamingTheStatusAndTheUri() {
        final ArtifactException e = assertThrows(ArtifactException.class,
                () -> fetcher.fetch(server.uri("/missing.onnx"), MAX, TIMEOUT));

        assertTrue(e.getMessage().contains("HTTP status 404"), e.getMessage());
        assertTrue(e.getMessage().contains(server.base() + "/missing.onnx"), e.getMessage());
    }

    @Test
    void redirectIsNotFollowed() {
        final ArtifactException e = assertThrows(ArtifactException.class,
                () -> fetcher.fetch(server.uri("/moved.onnx"), MAX, TIMEOUT));

        assertTrue(e.getMessage().contains("HTTP status 302"), e.getMessage());
        assertEquals(List.of("GET /moved.onnx"), server.requests());
    }

    @Test
    void serverThatDoesNotAnswerIsAbandonedAtTheDeadline() {
        final long start = System.nanoTime();

        final ArtifactException e = assertThrows(ArtifactException.class,
                () -> fetcher.fetch(server.uri("/slow.onnx"), MAX, SHORT));

        final long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(millis < 3_000, "gave up after " + millis + " ms");
        assertTrue(e.getMessage().contains("within 300 ms"), e.getMessage());
    }

    @Test
    void bodyThatStallsIsAbandonedAtTheDeadline() {
        final long start = System.nanoTime();

        final ArtifactException e = assertThrows(ArtifactException.class,
                () -> fetcher.fetch(server.uri("/stalled-body.onnx"), MAX, SHORT));

        final long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(millis < 3_000, "gave up after " + millis + " ms");
        assertTrue(e.getMessage().contains("within 300 ms"), e.getMessage());
    }

    @Test
    void declaredContentLengthOverTheLimitIsRefused() {
        final ArtifactException e = assertThrows(ArtifactException.class,
                () -> fetcher.fetch(server.uri("/model.onnx"), 100, TIMEOUT));

        assertTrue(e.getMessage().contains("declares " + model.length + " bytes"), e.getMessage());
        assertTrue(e.getMessage().contains("the limit is 100 bytes"), e.getMessage());
    }

    @Test
    void streamedBodyIsAbortedOnceItExceedsTheLimit() throws Exception {
        // given: a chunked response without Content-Length that would go on for 256 MiB
        final ArtifactException e = assertThrows(ArtifactException.class,
                () -> fetcher.fetch(server.uri("/endless.onnx"), MAX, TIMEOUT));

        // then: refused, and the server was cut off long before the end
        assertTrue(e.getMessage().contains("grew past the limit"), e.getMessage());
        assertTrue(server.endlessWritten() < ArtifactServer.ENDLESS_BYTES / 4,
                "server wrote " + server.endlessWritten() + " bytes");
    }

    @Test
    void refusedConnectionIsAnErrorNamingTheUri() throws Exception {
        final int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        final URI uri = URI.create("http://127.0.0.1:" + closedPort + "/model.onnx");

        final ArtifactException e = assertThrows(ArtifactException.class, () -> fetcher.fetch(uri, MAX, TIMEOUT));

        assertTrue(e.getMessage().startsWith("artifact " + uri + ": "), e.getMessage());
    }

    @Test
    void hostOutsideTheAllowListIsRefusedWithoutARequest() {
        final DefaultArtifactFetcher restricted = new DefaultArtifactFetcher(
                RegistrySettings.builder().allowedHosts(List.of("Models.Internal")).build());

        final ArtifactException e = assertThrows(ArtifactException.class,
                () -> restricted.fetch(server.uri("/model.onnx"), MAX, TIMEOUT));

        assertTrue(e.getMessage().contains("host '127.0.0.1' is not allowed"), e.getMessage());
        assertTrue(e.getMessage().contains("models.internal"), e.getMessage());
        assertTrue(server.requests().isEmpty(), server.requests().toString());
    }

    @Test
    void hostOnTheAllowListIsFetched() throws Exception {
        final DefaultArtifactFetcher restricted = new DefaultArtifactFetcher(
                RegistrySettings.builder().allowedHosts(List.of("127.0.0.1")).build());

        assertArrayEquals(model, restricted.fetch(server.uri("/model.onnx"), MAX, TIMEOUT));
    }

    @Test
    void schemeOutsideTheAllowListIsRefusedNamingTheScheme() {
        final DefaultArtifactFetcher httpsOnly = new DefaultArtifactFetcher(
                RegistrySettings.builder().allowedSchemes(List.of("HTTPS")).build());

        final ArtifactException e = assertThrows(ArtifactException.class,
                () -> httpsOnly.fetch(server.uri("/model.onnx"), MAX, TIMEOUT));

        assertTrue(e.getMessage().contains("scheme 'http' is not allowed"), e.getMessage());
        assertTrue(server.requests().isEmpty(), server.requests().toString());
    }

    @Test
    void allowedSchemeThisFetcherCannotReadIsRefused() {
        final DefaultArtifactFetcher withS3 = new DefaultArtifactFetcher(
                RegistrySettings.builder().allowedSchemes(List.of("file", "s3")).build());

        final ArtifactException e = assertThrows(ArtifactException.class,
                () -> withS3.fetch(URI.create("s3://bucket/fraud.onnx"), MAX, TIMEOUT));

        assertTrue(e.getMessage().contains("only reads file, http and https"), e.getMessage());
    }

    @Test
    void credentialsInTheUriAreNeitherSentNorShown() {
        final URI uri = URI.create("http://alice:s3cr3t@127.0.0.1:" + server.port() + "/missing.onnx?token=t0k3n");

        final ArtifactException e = assertThrows(ArtifactException.class, () -> fetcher.fetch(uri, MAX, TIMEOUT));

        assertTrue(e.getMessage().contains("HTTP status 404"), e.getMessage());
        assertFalse(e.getMessage().contains("s3cr3t") || e.getMessage().contains("alice")
                || e.getMessage().contains("t0k3n"), e.getMessage());
        assertEquals("127.0.0.1:" + server.port() + "/missing.onnx?<redacted>",
                e.location().substring("http://".length()));
        assertEquals(List.of("GET /missing.onnx?token=t0k3n"), server.requests());
        assertFalse(server.lastHeaders("/missing.onnx").containsKey("Authorization"));
    }

    @Test
    void readsAFileWithinTheLimit() throws Exception {
        final Path file = Files.write(dir.resolve("fraud.onnx"), model);

        assertArrayEquals(model, fetcher.fetch(file.toUri(), model.length, TIMEOUT));
    }

    @Test
    void fileOverTheLimitIsRefusedNamingItsSize() throws Exception {
        final Path file = Files.write(dir.resolve("fraud.onnx"), model);

        final ArtifactException e = assertThrows(ArtifactException.class,
                () -> fetcher.fetch(file.toUri(), model.length - 1, TIMEOUT));

        assertTrue(e.getMessage().contains("the file is " + model.length + " bytes"), e.getMessage());
    }

    @Test
    void missingFileAndDirectoryAreRefused() {
        final ArtifactException missing = assertThrows(ArtifactException.class,
                () -> fetcher.fetch(dir.resolve("nope.onnx").toUri(), MAX, TIMEOUT));
        final ArtifactException directory = assertThrows(ArtifactException.class,
                () -> fetcher.fetch(dir.toUri(), MAX, TIMEOUT));

        assertTrue(missing.getMessage().endsWith("no such file"), missing.getMessage());
        assertTrue(directory.getMessage().endsWith("not a regular file"), directory.getMessage());
    }
}
