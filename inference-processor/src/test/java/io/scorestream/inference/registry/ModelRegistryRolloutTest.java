package io.scorestream.inference.registry;

import static io.scorestream.inference.registry.RegistryFixtures.LOADER;
import static io.scorestream.inference.registry.RegistryFixtures.NAME;
import static io.scorestream.inference.registry.RegistryFixtures.WAIT;
import static io.scorestream.inference.registry.RegistryFixtures.scoreOne;
import static io.scorestream.inference.registry.RegistryFixtures.settings;
import static io.scorestream.inference.registry.RegistryFixtures.spec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scorestream.inference.ModelLoadException.Reason;
import io.scorestream.inference.ScoringModel;
import io.scorestream.schemas.ModelSpec;
import io.scorestream.schemas.Rollout;
import io.scorestream.schemas.RolloutRole;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Gray releases in the registry: candidates, promotion, rollback, and refusals that keep the old arrangement. */
class ModelRegistryRolloutTest {

    private final RecordingListener listener = new RecordingListener();
    private final List<ModelRegistry> registries = new ArrayList<>();

    private ModelRegistry registry() {
        final RegistrySettings s = settings().build();
        final ModelRegistry r = new ModelRegistry(s, LOADER, new DefaultArtifactFetcher(s), listener);
        registries.add(r);
        return r;
    }

    @AfterEach
    void close() {
        registries.forEach(ModelRegistry::close);
    }

    private static ModelSpec withCandidate(ModelSpec stable, ModelSpec candidate, RolloutRole role, double pct) {
        final ModelSpec copy = ModelSpec.newBuilder(stable).build();
        copy.setRollout(Rollout.newBuilder().setRole(role).setCanaryPercent(pct).setCandidate(candidate).build());
        return copy;
    }

    /** Waits until the live arrangement is {@code expected} (as LiveRollout.toString()). */
    private static LiveRollout awaitRollout(ModelRegistry registry, String expected) throws InterruptedException {
        final long deadline = System.nanoTime() + WAIT.toNanos();
        LiveRollout now = null;
        while (System.nanoTime() < deadline) {
            now = registry.rollout(NAME).orElse(null);
            if (now != null && now.toString().equals(expected)) {
                return now;
            }
            Thread.sleep(5);
        }
        throw new AssertionError("live arrangement is " + now + ", expected " + expected + "; events "
                + "so far: loaded " + 0);
    }

    @Test
    void aCanaryRunsBesideStableAndBothAreLeasedTogether() throws Exception {
        final ModelRegistry registry = registry();
        registry.submit(NAME, spec("1", 1));
        awaitRollout(registry, "fraud@1");

        registry.submit(NAME, withCandidate(spec("1", 1), spec("2", 2), RolloutRole.CANARY, 10));

        final LiveRollout live = awaitRollout(registry, "fraud@1 + 2 as canary for 10.0% of keys");
        assertEquals(RolloutRole.CANARY, live.role());
        assertEquals("1", registry.live(NAME).orElseThrow().version(), "live() keeps naming the stable version");
        // Listeners hear of a load just after the swap: wait for the events, then count them exactly.
        listener.awaitCount("loaded", NAME, 2, WAIT);
        assertEquals(2, listener.count("loaded", NAME), "stable loaded once, the candidate once: "
                + listener.events());
        try (RolloutLease lease = registry.acquireRollout(NAME)) {
            assertEquals("1", lease.stable().model().version());
            assertEquals("2", lease.candidate().model().version());
            assertEquals(10.0, lease.canaryPercent());
            scoreOne(lease.stable(), 3);
            scoreOne(lease.candidate(), 3);
            // Routing is by key bucket: a key below 10% of the buckets goes to the canary.
            int routed = 0;
            for (int i = 0; i < 10_000; i++) {
                final byte[] key = ("k" + i).getBytes(StandardCharsets.US_ASCII);
                final boolean canary = lease.routesToCanary(key);
                assertEquals(KeyBuckets.bucket(key) < 1000, canary);
                routed += canary ? 1 : 0;
            }
            assertEquals(1000, routed, 150);
            assertFalse(lease.routesToCanary(null), "records without a key stay on stable");
        }
        try (ModelLease stable = registry.acquire(NAME)) {
            assertEquals("1", stable.model().version(), "acquire() leases the stable version");
        }
    }

    /** Whether {@code model} is closed within {@link #WAIT}. */
    private static boolean awaitClosed(ScoringModel model) throws InterruptedException {
        final long deadline = System.nanoTime() + WAIT.toNanos();
        while (!model.isClosed() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        return model.isClosed();
    }

    @Test
    void promotionAndRollbackSwapWithoutLoadingAndOldVersionsCloseAfterTheirLastBatch() throws Exception {
        final ModelRegistry registry = registry();
        registry.submit(NAME, withCandidate(spec("1", 1), spec("2", 2), RolloutRole.SHADOW, 0));
        awaitRollout(registry, "fraud@1 + 2 as shadow");
        listener.awaitCount("loaded", NAME, 2, WAIT);
        assertEquals(2, listener.count("loaded", NAME));

        // A batch in flight holds both versions across the promotion.
        final RolloutLease inFlight = registry.acquireRollout(NAME);
        final ScoringModel v1 = inFlight.stable().model();
        final ScoringModel v2 = inFlight.candidate().model();

        registry.submit(NAME, spec("2", 2));
        awaitRollout(registry, "fraud@2");
        assertEquals(2, listener.count("loaded", NAME), "promotion reuses the loaded candidate: " + listener.events());
        try (RolloutLease next = registry.acquireRollout(NAME)) {
            assertSame(v2, next.stable().model(), "the promoted stable version is the candidate's session");
            assertNull(next.candidate());
        }
        assertFalse(v1.isClosed(), "version 1 stays open while the in-flight batch uses it");
        scoreOne(inFlight.stable(), 5);
        inFlight.close();
        assertTrue(v1.isClosed(), "version 1 closes when its last batch is done");
        assertFalse(v2.isClosed());

        // Canary of 3, then roll it back: version 2 stays, 3 goes, nothing reloads.
        registry.submit(NAME, withCandidate(spec("2", 2), spec("3", 3), RolloutRole.CANARY, 50));
        awaitRollout(registry, "fraud@2 + 3 as canary for 50.0% of keys");
        final ScoringModel v3;
        try (RolloutLease l = registry.acquireRollout(NAME)) {
            v3 = l.candidate().model();
        }
        listener.awaitCount("loaded", NAME, 3, WAIT);
        final long loadsBefore = listener.count("loaded", NAME);
        registry.submit(NAME, spec("2", 2));
        awaitRollout(registry, "fraud@2");
        assertEquals(loadsBefore, listener.count("loaded", NAME), "a rollback loads nothing");
        // The registry publishes the new arrangement first and then releases the old one's lease on its
        // own thread: the rolled-back candidate closes right after, not necessarily before awaitRollout sees it.
        assertTrue(awaitClosed(v3), "the rolled-back candidate is closed (no batch held it)");
        try (RolloutLease l = registry.acquireRollout(NAME)) {
            assertSame(v2, l.stable().model());
        }
    }

    @Test
    void changingOnlyTheCanaryPercentageSwapsAtOnce() throws Exception {
        final ModelRegistry registry = registry();
        registry.submit(NAME, withCandidate(spec("1", 1), spec("2", 2), RolloutRole.CANARY, 5));
        awaitRollout(registry, "fraud@1 + 2 as canary for 5.0% of keys");
        registry.submit(NAME, withCandidate(spec("1", 1), spec("2", 2), RolloutRole.CANARY, 50));
        awaitRollout(registry, "fraud@1 + 2 as canary for 50.0% of keys");
        assertEquals(2, listener.count("loaded", NAME), listener.events().toString());
    }

    @Test
    void aBrokenCandidateIsRefusedAndTheOldArrangementKeepsServing() throws Exception {
        final ModelRegistry registry = registry();
        registry.submit(NAME, spec("1", 1));
        awaitRollout(registry, "fraud@1");
        final ModelSpec corrupt = ModelSpec.newBuilder(spec("2", 2)).build();
        corrupt.setArtifactBytes(ByteBuffer.wrap("not an onnx model".getBytes(StandardCharsets.US_ASCII)));
        corrupt.setSha256(null);

        registry.submit(NAME, withCandidate(spec("1", 1), corrupt, RolloutRole.CANARY, 10));
        listener.await("refused", NAME, "1", WAIT);

        final Refusal refusal = registry.lastRefusal(NAME).orElseThrow();
        assertTrue(refusal.message().contains("'2'") || refusal.message().contains("version 2"), refusal.message());
        assertEquals("fraud@1", registry.rollout(NAME).orElseThrow().toString());
        try (RolloutLease lease = registry.acquireRollout(NAME)) {
            assertNull(lease.candidate());
            scoreOne(lease.stable(), 1);
        }
    }

    @Test
    void malformedRolloutsAreRefusedNamingTheProblem() throws Exception {
        final ModelRegistry registry = registry();
        registry.submit(NAME, spec("1", 1));
        awaitRollout(registry, "fraud@1");

        final ModelSpec sameVersion = withCandidate(spec("1", 1), spec("1", 2), RolloutRole.CANARY, 10);
        final ModelSpec badPercent = withCandidate(spec("1", 1), spec("2", 2), RolloutRole.CANARY, 150);
        final ModelSpec otherName = withCandidate(spec("1", 1), spec("2", 2), RolloutRole.SHADOW, 0);
        otherName.getRollout().getCandidate().setName("credit");
        final ModelSpec nested = withCandidate(spec("1", 1),
                withCandidate(spec("2", 2), spec("3", 3), RolloutRole.SHADOW, 0), RolloutRole.SHADOW, 0);

        final String[][] cases = {
            {"same version", "candidate of the same version"},
            {"percent", "canary_percent 150.0"},
            {"name", "candidate model 'credit'"},
            {"nested", "has a rollout of its own"},
        };
        final ModelSpec[] specs = {sameVersion, badPercent, otherName, nested};
        for (int i = 0; i < specs.length; i++) {
            final long before = listener.count("refused", NAME);
            registry.submit(NAME, specs[i]);
            listener.awaitCount("refused", NAME, before + 1, WAIT);
            final Refusal r = registry.lastRefusal(NAME).orElseThrow();
            assertEquals(Reason.INVALID_SPEC, r.reason(), cases[i][0]);
            assertTrue(r.message().contains(cases[i][1]), cases[i][0] + ": " + r.message());
            assertEquals("fraud@1", registry.rollout(NAME).orElseThrow().toString());
        }
        assertEquals(1, listener.count("loaded", NAME), "nothing was loaded for a malformed rollout");
    }

    @Test
    void aTombstoneRetiresStableAndCandidate() throws Exception {
        final ModelRegistry registry = registry();
        registry.submit(NAME, withCandidate(spec("1", 1), spec("2", 2), RolloutRole.SHADOW, 0));
        awaitRollout(registry, "fraud@1 + 2 as shadow");
        final ScoringModel v1;
        final ScoringModel v2;
        try (RolloutLease l = registry.acquireRollout(NAME)) {
            v1 = l.stable().model();
            v2 = l.candidate().model();
        }
        registry.submit(NAME, null);
        listener.await("retired", NAME, "1", WAIT);
        assertTrue(registry.rollout(NAME).isEmpty());
        assertNull(registry.acquireRollout(NAME));
        assertTrue(v1.isClosed());
        assertTrue(v2.isClosed());
    }
}
