package io.scorestream.inference.registry;

import static io.scorestream.inference.registry.RegistryFixtures.LOADER;
import static io.scorestream.inference.registry.RegistryFixtures.NAME;
import static io.scorestream.inference.registry.RegistryFixtures.WAIT;
import static io.scorestream.inference.registry.RegistryFixtures.onnx;
import static io.scorestream.inference.registry.RegistryFixtures.scoreOne;
import static io.scorestream.inference.registry.RegistryFixtures.settings;
import static io.scorestream.inference.registry.RegistryFixtures.spec;
import static io.scorestream.inference.registry.RegistryFixtures.uriSpec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scorestream.inference.ModelLoadException.Reason;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The registry fetching artifacts over HTTP from a local server. */
class ModelRegistryHttpTest {

    private final RecordingListener listener = new RecordingListener();
    private final RegistrySettings settings = settings().fetchTimeout(Duration.ofSeconds(2)).build();
    private ArtifactServer server;
    private ModelRegistry registry;

    @BeforeEach
    void start() throws IOException {
        server = new ArtifactServer(onnx(2));
        registry = new ModelRegistry(settings, LOADER, new DefaultArtifactFetcher(settings), listener);
    }

    @AfterEach
    void stop() {
        registry.close();
        server.close();
    }

    private void serveVersion1() throws InterruptedException {
        registry.submit(NAME, spec("1", 1));
        assertTrue(registry.awaitLive(NAME, WAIT));
    }

    @Test
    void versionServedOverHttpGoesLive() throws Exception {
        // given
        serveVersion1();

        // when
        registry.submit(NAME, uriSpec("2", server.base() + "/model.onnx", onnx(2)));

        // then
        listener.await("swapped", NAME, "2", WAIT);
        try (ModelLease lease = registry.acquire(NAME)) {
            assertEquals("2", lease.model().version());
            scoreOne(lease, 5);
        }
    }

    @Test
    void notFoundIsRefusedNamingTheStatusAndVersion1KeepsScoring() throws Exception {
        // given
        serveVersion1();

        // when
        registry.submit(NAME, uriSpec("2", server.base() + "/missing.onnx", onnx(2)));

        // then
        final RecordingListener.Event refused = listener.await("refused", NAME, "2", WAIT);
        assertTrue(refused.detail().startsWith(Reason.ARTIFACT_UNAVAILABLE.tag()), refused.detail());
        assertTrue(refused.detail().contains("HTTP status 404"), refused.detail());
        assertTrue(refused.detail().contains(server.base() + "/missing.onnx"), refused.detail());
        try (ModelLease lease = registry.acquire(NAME)) {
            assertEquals("1", lease.model().version());
            scoreOne(lease, 5);
        }
    }

    @Test
    void slowServerIsRefusedSoonAfterTheFetchTimeout() throws Exception {
        // given
        serveVersion1();
        final long start = System.nanoTime();

        // when
        registry.submit(NAME, uriSpec("2", server.base() + "/slow.onnx", onnx(2)));

        // then
        final RecordingListener.Event refused = listener.await("refused", NAME, "2", WAIT);
        final long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(millis < 10_000, "refused after " + millis + " ms");
        assertTrue(refused.detail().contains("within 2000 ms"), refused.detail());
        assertEquals("1", registry.live(NAME).orElseThrow().version());
    }

    @Test
    void closeInterruptsAFetchInProgressPromptly() throws Exception {
        // given: a fetch that would wait for the whole (long) timeout
        final RegistrySettings patient = settings().fetchTimeout(Duration.ofSeconds(60)).build();
        final ModelRegistry slow = new ModelRegistry(patient, LOADER, new DefaultArtifactFetcher(patient), listener);
        slow.submit(NAME, uriSpec("1", server.base() + "/slow.onnx", onnx(2)));
        final long deadline = System.nanoTime() + WAIT.toNanos();
        while (server.requests().isEmpty() && System.nanoTime() < deadline) {
            TimeUnit.MILLISECONDS.sleep(5);
        }
        final long start = System.nanoTime();

        // when
        slow.close();

        // then
        final long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(millis < 3_000, "closed after " + millis + " ms");
        assertEquals(0, listener.count("refused", NAME), "no refusal reported while closing");
    }
}
