package io.scorestream.inference.registry;

import static io.scorestream.inference.registry.RegistryFixtures.FEATURES;
import static io.scorestream.inference.registry.RegistryFixtures.LOADER;
import static io.scorestream.inference.registry.RegistryFixtures.NAME;
import static io.scorestream.inference.registry.RegistryFixtures.WAIT;
import static io.scorestream.inference.registry.RegistryFixtures.onnx;
import static io.scorestream.inference.registry.RegistryFixtures.scoreOne;
import static io.scorestream.inference.registry.RegistryFixtures.settings;
import static io.scorestream.inference.registry.RegistryFixtures.spec;
import static io.scorestream.inference.registry.RegistryFixtures.specBuilder;
import static io.scorestream.inference.registry.RegistryFixtures.uriSpec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scorestream.inference.ModelLoadException.Reason;
import io.scorestream.inference.ScoringModel;
import io.scorestream.inference.Sha256;
import io.scorestream.inference.onnx.Mlp;
import io.scorestream.schemas.ModelSpec;
import io.scorestream.schemas.Transaction;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelRegistryTest {

    @TempDir
    Path dir;

    private final RecordingListener listener = new RecordingListener();
    private final List<ModelRegistry> registries = new ArrayList<>();

    private ModelRegistry registry(RegistrySettings settings) {
        final ModelRegistry r = new ModelRegistry(settings, LOADER, new DefaultArtifactFetcher(settings), listener);
        registries.add(r);
        return r;
    }

    private ModelRegistry registry() {
        return registry(settings().build());
    }

    @AfterEach
    void closeRegistries() {
        registries.forEach(ModelRegistry::close);
    }

    /** Version "1" (seed 1) live and scoring, as the starting point of a refusal test. */
    private ModelRegistry registryServingVersion1(RegistrySettings settings) throws InterruptedException {
        final ModelRegistry registry = registry(settings);
        registry.submit(NAME, spec("1", 1));
        assertTrue(registry.awaitLive(NAME, WAIT));
        return registry;
    }

    /** Submits {@code bad}, waits for its refusal, and checks that version "1" still scores. */
    private Refusal assertRefusedWhileVersion1Serves(ModelRegistry registry, ModelSpec bad, Reason reason)
            throws InterruptedException {
        registry.submit(NAME, bad);
        final RecordingListener.Event event = listener.await("refused", NAME, bad.getVersion(), WAIT);

        assertTrue(event.detail().startsWith(reason.tag() + ": "), event.detail());
        final Refusal refusal = registry.lastRefusal(NAME).orElseThrow();
        assertEquals(reason, refusal.reason());
        assertEquals(bad.getVersion(), refusal.version());
        assertEquals("1", registry.live(NAME).orElseThrow().version());
        try (ModelLease lease = registry.acquire(NAME)) {
            assertEquals("1", lease.model().version());
            scoreOne(lease, 7);
        }
        assertEquals(1, listener.count("loaded", NAME), "only version 1 ever loaded: " + listener.events());
        return refusal;
    }

    @Test
    void validSpecBecomesLiveOffTheCallersThreadAndCanBeLeased() throws Exception {
        // given
        final ModelRegistry registry = registry();

        // when
        registry.submit(NAME, spec("1", 1));

        // then
        assertTrue(registry.awaitLive(NAME, WAIT));
        final LiveModelInfo info = registry.live(NAME).orElseThrow();
        assertEquals("1", info.version());
        assertEquals(Sha256.hex(onnx(1)), info.sha256());
        assertEquals("cpu", info.executionDevice());
        assertEquals(NAME, info.spec().getName());
        assertEquals(List.of(NAME), List.copyOf(registry.liveModels().keySet()));
        try (ModelLease lease = registry.acquire(NAME)) {
            assertNotNull(lease);
            assertEquals("1", lease.model().version());
            final Transaction record = RegistryFixtures.transaction(3);
            final double expected = Mlp.random(1, FEATURES.size(), 8, 1).predict(row(record))[0];
            assertEquals(expected, scoreOne(lease, 3), 1e-5);
        }
        final RecordingListener.Event loaded = listener.await("loaded", NAME, "1", WAIT);
        assertEquals("cpu", loaded.detail());
        assertEquals(ModelRegistry.LOADER_THREAD_NAME + " (daemon)", loaded.thread());
        listener.await("swapped", NAME, "1", WAIT);
        assertEquals("from null", listener.events().get(1).detail());
        assertTrue(registry.lastRefusal(NAME).isEmpty());
    }

    @Test
    void newerVersionSwapsInAndListenerHearsLoadThenSwap() throws Exception {
        // given
        final ModelRegistry registry = registryServingVersion1(settings().build());

        // when
        registry.submit(NAME, spec("2", 2));
        listener.await("swapped", NAME, "2", WAIT);

        // then
        assertEquals("2", registry.live(NAME).orElseThrow().version());
        try (ModelLease lease = registry.acquire(NAME)) {
            assertEquals("2", lease.model().version());
            scoreOne(lease, 1);
        }
        final List<String> calls = new ArrayList<>();
        for (RecordingListener.Event e : listener.events()) {
            calls.add(e.kind() + " " + e.version() + (e.kind().equals("swapped") ? " " + e.detail() : ""));
        }
        assertEquals(List.of("loaded 1", "swapped 1 from null", "loaded 2", "swapped 2 from 1"), calls);
    }

    @Test
    void artifactIsFetchedFromAFileUri() throws Exception {
        // given
        final Path file = Files.write(dir.resolve("fraud-1.onnx"), onnx(1));
        final ModelRegistry registry = registry();

        // when
        registry.submit(NAME, uriSpec("1", file.toUri().toString(), onnx(1)));

        // then
        assertTrue(registry.awaitLive(NAME, WAIT));
        try (ModelLease lease = registry.acquire(NAME)) {
            scoreOne(lease, 0);
        }
    }

    @Test
    void corruptModelIsRefusedAndPreviousVersionKeepsScoring() throws Exception {
        final ModelRegistry registry = registryServingVersion1(settings().build());
        final byte[] garbage = "this is not an onnx model".getBytes(StandardCharsets.UTF_8);

        assertRefusedWhileVersion1Serves(registry, specBuilder("2", garbage, FEATURES).build(), Reason.CORRUPT_MODEL);
    }

    @Test
    void sha256MismatchIsRefusedAndPreviousVersionKeepsScoring() throws Exception {
        final ModelRegistry registry = registryServingVersion1(settings().build());
        final ModelSpec tampered = specBuilder("2", onnx(2), FEATURES).setSha256(Sha256.hex(onnx(3))).build();

        final Refusal refusal = assertRefusedWhileVersion1Serves(registry, tampered, Reason.SHA256_MISMATCH);

        assertTrue(refusal.message().contains(Sha256.hex(onnx(3))), refusal.message());
    }

    @Test
    void missingSha256IsRefusedWhileVerificationIsRequired() throws Exception {
        final ModelRegistry registry = registryServingVersion1(settings().build());
        final ModelSpec unsigned = specBuilder("2", onnx(2), FEATURES).setSha256(null).build();

        assertRefusedWhileVersion1Serves(registry, unsigned, Reason.SHA256_MISSING);
    }

    @Test
    void versionNeedingAFieldAbsentFromARegisteredFeatureSchemaIsRefused() throws Exception {
        // given: version 1 reads Transaction records
        final ModelRegistry registry = registryServingVersion1(settings().build());
        registry.registerFeatureSchema(NAME, Transaction.SCHEMA$);
        registry.registerFeatureSchema(NAME, Transaction.SCHEMA$);
        final List<String> needsMore = new ArrayList<>(FEATURES);
        needsMore.add("risk_score");
        final byte[] wider = Mlp.random(5, needsMore.size(), 8, 1).toOnnx();

        // when / then
        final Refusal refusal = assertRefusedWhileVersion1Serves(registry,
                specBuilder("2", wider, needsMore).build(), Reason.INPUT_MAPPING);
        assertTrue(refusal.message().contains("risk_score"), refusal.message());
    }

    @Test
    void unreachableFileUriIsRefusedNamingTheUri() throws Exception {
        final ModelRegistry registry = registryServingVersion1(settings().build());
        final Path missing = dir.resolve("no-such-model.onnx");

        final Refusal refusal = assertRefusedWhileVersion1Serves(registry,
                uriSpec("2", missing.toUri().toString(), onnx(2)), Reason.ARTIFACT_UNAVAILABLE);

        assertTrue(refusal.message().contains(missing.toUri().getPath()), refusal.message());
        assertTrue(refusal.message().contains("no such file"), refusal.message());
    }

    @Test
    void artifactOverTheSizeLimitIsRefused() throws Exception {
        // given: the limit is below the model's size; version 1 is inline, which the limit does not cover
        final ModelRegistry registry = registryServingVersion1(settings().maxArtifactBytes(100).build());
        final Path file = Files.write(dir.resolve("fraud-2.onnx"), onnx(2));

        final Refusal refusal = assertRefusedWhileVersion1Serves(registry,
                uriSpec("2", file.toUri().toString(), onnx(2)), Reason.ARTIFACT_UNAVAILABLE);

        assertTrue(refusal.message().contains("the limit is 100 bytes"), refusal.message());
    }

    @Test
    void disallowedSchemeIsRefusedNamingTheScheme() throws Exception {
        final ModelRegistry registry = registryServingVersion1(settings().build());

        final Refusal refusal = assertRefusedWhileVersion1Serves(registry,
                uriSpec("2", "ftp://models.example.com/fraud-2.onnx", onnx(2)), Reason.ARTIFACT_UNAVAILABLE);

        assertTrue(refusal.message().contains("scheme 'ftp' is not allowed"), refusal.message());
    }

    @Test
    void credentialsInTheUriNeverReachTheRefusal() throws Exception {
        final ModelRegistry registry = registryServingVersion1(settings().build());

        final Refusal refusal = assertRefusedWhileVersion1Serves(registry,
                uriSpec("2", "ftp://alice:s3cr3t@models.example.com/fraud-2.onnx?token=t0k3n", onnx(2)),
                Reason.ARTIFACT_UNAVAILABLE);

        assertTrue(refusal.message().contains("ftp://models.example.com/fraud-2.onnx"), refusal.message());
        assertFalse(refusal.message().contains("s3cr3t"), refusal.message());
        assertFalse(refusal.message().contains("alice"), refusal.message());
        assertFalse(refusal.message().contains("t0k3n"), refusal.message());
    }

    @Test
    void specKeyedUnderAnotherNameIsRefused() throws Exception {
        final ModelRegistry registry = registryServingVersion1(settings().build());
        final ModelSpec other = specBuilder("2", onnx(2), FEATURES).setName("churn").build();

        final Refusal refusal = assertRefusedWhileVersion1Serves(registry, other, Reason.INVALID_SPEC);

        assertTrue(refusal.message().contains("'churn'"), refusal.message());
    }

    @Test
    void specWithBothOrNeitherArtifactIsRefused() throws Exception {
        final ModelRegistry registry = registryServingVersion1(settings().build());

        assertRefusedWhileVersion1Serves(registry,
                specBuilder("2", onnx(2), FEATURES).setArtifactUri("file:/x.onnx").build(), Reason.INVALID_SPEC);
        assertRefusedWhileVersion1Serves(registry,
                specBuilder("3", onnx(2), FEATURES).setArtifactBytes(null).build(), Reason.INVALID_SPEC);
        assertTrue(registry.lastRefusal(NAME).orElseThrow().message().contains("neither is"));
    }

    @Test
    void leaseTakenBeforeASwapKeepsItsModelOpenUntilReleased() throws Exception {
        // given
        final ModelRegistry registry = registryServingVersion1(settings().build());
        final ModelLease old = registry.acquire(NAME);
        final ScoringModel oldModel = old.model();

        // when
        registry.submit(NAME, spec("2", 2));
        listener.await("swapped", NAME, "2", WAIT);

        // then: new leases get version 2, the old lease still scores on version 1
        try (ModelLease fresh = registry.acquire(NAME)) {
            assertEquals("2", fresh.model().version());
        }
        assertEquals("1", old.model().version());
        scoreOne(old, 11);
        assertFalse(oldModel.isClosed());

        old.close();
        assertTrue(oldModel.isClosed(), "the retired version closes with its last lease");
        old.close(); // idempotent
        assertThrows(IllegalStateException.class, old::model);
    }

    @Test
    void tombstoneRetiresAndClosesOnceLeasesAreReleased() throws Exception {
        // given
        final ModelRegistry registry = registryServingVersion1(settings().build());
        final ModelLease lease = registry.acquire(NAME);

        // when
        registry.submit(NAME, null);
        listener.await("retired", NAME, "1", WAIT);

        // then
        assertNull(registry.acquire(NAME));
        assertTrue(registry.live(NAME).isEmpty());
        assertTrue(registry.liveModels().isEmpty());
        assertFalse(lease.model().isClosed());
        scoreOne(lease, 2);
        final ScoringModel model = lease.model();
        lease.close();
        assertTrue(model.isClosed());
    }

    @Test
    void resubmittingTheLiveVersionAndShaDoesNotReload() throws Exception {
        // given
        final ModelRegistry registry = registryServingVersion1(settings().build());

        // when: the compacted topic is read again, then a marker proves the loader got past it
        registry.submit(NAME, spec("1", 1));
        registry.submit("marker", specBuilder("1", onnx(9), FEATURES).setName("marker").build());
        assertTrue(registry.awaitLive("marker", WAIT));

        // then
        assertEquals(1, listener.count("loaded", NAME), listener.events().toString());
        assertEquals(0, listener.count("refused", NAME), listener.events().toString());
    }

    @Test
    void sameVersionLabelWithOtherBytesIsLoaded() throws Exception {
        final ModelRegistry registry = registryServingVersion1(settings().build());

        registry.submit(NAME, spec("1", 2));
        listener.awaitCount("swapped", NAME, 2, WAIT);

        assertEquals(Sha256.hex(onnx(2)), registry.live(NAME).orElseThrow().sha256());
    }

    @Test
    void onlyTheNewestOfSeveralQueuedSpecsIsLoaded() throws Exception {
        // given: the loader is stuck fetching version 1
        final CountDownLatch fetching = new CountDownLatch(1);
        final CountDownLatch proceed = new CountDownLatch(1);
        final ArtifactFetcher blocking = (uri, max, timeout) -> {
            fetching.countDown();
            try {
                proceed.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return onnx(1);
        };
        final ModelRegistry registry = new ModelRegistry(settings().build(), LOADER, blocking, listener);
        registries.add(registry);
        registry.submit(NAME, uriSpec("1", "http://models.example.com/1.onnx", onnx(1)));
        assertTrue(fetching.await(WAIT.toMillis(), TimeUnit.MILLISECONDS));

        // when
        registry.submit(NAME, spec("2", 2));
        registry.submit(NAME, spec("3", 3));
        proceed.countDown();

        // then
        listener.await("swapped", NAME, "3", WAIT);
        final List<String> loaded = new ArrayList<>();
        for (RecordingListener.Event e : listener.events()) {
            if (e.kind().equals("loaded")) {
                loaded.add(e.version());
            }
        }
        // Version 1 finished loading after newer specs were published: it is held back, never live.
        assertEquals(List.of("3"), loaded);
        assertTrue(listener.events().stream().noneMatch(e -> e.kind().equals("swapped") && "1".equals(e.version())),
                "version 1 must not go live once superseded: " + listener.events());
    }

    @Test
    void awaitLiveTimesOutWhenNothingArrives() throws Exception {
        final ModelRegistry registry = registry();
        final long start = System.nanoTime();

        final boolean live = registry.awaitLive(NAME, Duration.ofMillis(150));

        final long waitedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertFalse(live);
        assertTrue(waitedMillis >= 140, "waited " + waitedMillis + " ms");
        assertTrue(waitedMillis < 5_000, "waited " + waitedMillis + " ms");
        assertNull(registry.acquire(NAME));
    }

    @Test
    void closeRetiresEverythingAndLeasedModelsCloseWhenReleased() throws Exception {
        // given
        final ModelRegistry registry = registryServingVersion1(settings().build());
        final ModelLease lease = registry.acquire(NAME);
        final ScoringModel model = lease.model();

        // when
        registry.close();

        // then
        assertNull(registry.acquire(NAME));
        assertFalse(registry.awaitLive(NAME, Duration.ofSeconds(5)));
        assertFalse(model.isClosed());
        scoreOne(lease, 4);
        lease.close();
        assertTrue(model.isClosed());
        registry.submit(NAME, spec("2", 2)); // ignored
        assertTrue(registry.live(NAME).isEmpty());
    }

    @Test
    void featureSchemaTheLiveVersionCannotReadLeavesItLive() throws Exception {
        // given
        final ModelRegistry registry = registryServingVersion1(settings().build());
        final Schema narrow = SchemaBuilder.record("Narrow").namespace("test").fields()
                .requiredDouble("amount").endRecord();

        // when
        registry.registerFeatureSchema(NAME, narrow);

        // then: only a warning; the next version must fit it, though
        assertEquals("1", registry.live(NAME).orElseThrow().version());
        final Refusal refusal = assertRefusedWhileVersion1Serves(registry, spec("2", 2), Reason.INPUT_MAPPING);
        assertTrue(refusal.message().contains("test.Narrow"), refusal.message());
    }

    @Test
    void throwingListenerDoesNotStopTheLoader() throws Exception {
        final RegistryListener throwing = new RegistryListener() {
            @Override
            public void onLoaded(String name, String version, long loadNanos, String device) {
                throw new IllegalStateException("listener bug");
            }
        };
        final ModelRegistry registry = new ModelRegistry(settings().build(), LOADER,
                new DefaultArtifactFetcher(settings().build()), throwing);
        registries.add(registry);

        registry.submit(NAME, spec("1", 1));
        assertTrue(registry.awaitLive(NAME, WAIT));
        registry.submit("marker", specBuilder("1", onnx(9), FEATURES).setName("marker").build());

        assertTrue(registry.awaitLive("marker", WAIT));
    }

    @Test
    void inlineArtifactBufferIsNotConsumed() throws Exception {
        final ModelRegistry registry = registry();
        final ModelSpec spec = spec("1", 1);
        final ByteBuffer bytes = spec.getArtifactBytes();
        final int before = bytes.remaining();

        registry.submit(NAME, spec);
        assertTrue(registry.awaitLive(NAME, WAIT));

        assertEquals(onnx(1).length, before);
        assertEquals(before, bytes.remaining());
    }

    /** The 30 features of {@code t} as the model sees them (floats widened back to double). */
    private static double[] row(Transaction t) {
        final double[] r = new double[FEATURES.size()];
        for (int i = 0; i < r.length; i++) {
            r[i] = (float) ((Number) t.get(Transaction.SCHEMA$.getField(FEATURES.get(i)).pos())).doubleValue();
        }
        return r;
    }
}
