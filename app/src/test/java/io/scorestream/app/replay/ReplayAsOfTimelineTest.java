package io.scorestream.app.replay;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scorestream.inference.registry.KeyBuckets;
import io.scorestream.schemas.ModelOutput;
import io.scorestream.schemas.ModelSpec;
import io.scorestream.schemas.Rollout;
import io.scorestream.schemas.RolloutRole;
import io.scorestream.app.models.ModelTopicHistory.Entry;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What was live when: the as-of lookup over a model's history, and the routing a replay derives from it. */
class ReplayAsOfTimelineTest {

    private static final long T0 = 1_000_000L;
    private static final long T1 = 2_000_000L;
    private static final long T2 = 3_000_000L;
    private static final long T3 = 4_000_000L;

    private static ModelSpec spec(String version, Rollout rollout) {
        return ModelSpec.newBuilder()
                .setName("fraud")
                .setVersion(version)
                .setArtifactUri("file:///models/" + version + ".onnx")
                .setSha256("0".repeat(64))
                .setInputs(List.of())
                .setOutput(ModelOutput.newBuilder().setScoreOutput("score").build())
                .setCreatedAt(Instant.EPOCH)
                .setMetadata(Map.of())
                .setRollout(rollout)
                .build();
    }

    private static Rollout rollout(RolloutRole role, double percent, String candidate) {
        return Rollout.newBuilder().setRole(role).setCanaryPercent(percent).setCandidate(spec(candidate, null)).build();
    }

    private static int offset;

    private static Entry entry(long timestamp, ModelSpec spec) {
        return new Entry("fraud", spec, timestamp, 0, offset++);
    }

    /** v1 at T0; v2 with a 10 % canary of v3 at T1; a tombstone at T2; v4 with a shadow of v5 at T3. */
    private static AsOfTimeline history() {
        return AsOfTimeline.of("fraud", List.of(
                entry(T0, spec("1", null)),
                entry(T1, spec("2", rollout(RolloutRole.CANARY, 10, "3"))),
                entry(T2, null),
                entry(T3, spec("4", rollout(RolloutRole.SHADOW, 0, "5")))));
    }

    @Test
    void nothingIsLiveBeforeTheFirstRecord() {
        final AsOfTimeline t = history();
        assertEquals(-1, t.indexAt(T0 - 1));
        assertNull(t.at(Long.MIN_VALUE));
        assertTrue(t.whyNothingLive(T0 - 1, "model-specs").contains("first record on 'model-specs' is from "
                + Instant.ofEpochMilli(T0)));
    }

    @Test
    void aRecordIsLiveFromItsOwnTimestampUntilTheNextOnesExclusive() {
        final AsOfTimeline t = history();
        assertEquals("1", t.at(T0).stable().getVersion());
        assertEquals("1", t.at(T1 - 1).stable().getVersion());
        assertEquals("2", t.at(T1).stable().getVersion());
        assertEquals("2", t.at(T2 - 1).stable().getVersion());
        assertEquals("4", t.at(Long.MAX_VALUE).stable().getVersion());
    }

    @Test
    void aTombstoneMeansNothingLive() {
        final AsOfTimeline t = history();
        assertNull(t.at(T2).stable());
        assertNull(t.at(T3 - 1).stable());
        assertTrue(t.whyNothingLive(T2 + 5, "model-specs").contains("tombstone"));
    }

    @Test
    void aCanaryRoutesTheKeysBelowItsShareAsLiveDoes() {
        final AsOfTimeline.Period p = history().at(T1);
        assertEquals("3", p.canary().getVersion());
        assertNull(p.canary().getRollout());
        assertNull(p.stable().getRollout(), "the stable spec is the version's own, without the rollout");
        assertEquals(1000, p.canaryBuckets());
        int canary = 0;
        for (int i = 0; i < 10_000; i++) {
            final byte[] key = ("acct-" + i).getBytes(StandardCharsets.UTF_8);
            assertEquals(KeyBuckets.bucket(key) < 1000, p.routesToCanary(key), "key acct-" + i);
            canary += p.routesToCanary(key) ? 1 : 0;
        }
        assertTrue(canary > 800 && canary < 1200, canary + " of 10 000 keys");
        assertTrue(!p.routesToCanary(null), "a null key stays on the stable version");
    }

    @Test
    void aShadowCandidateAndAZeroPercentCanaryAreIgnored() {
        final AsOfTimeline.Period shadow = history().at(T3);
        assertEquals("4", shadow.stable().getVersion());
        assertNull(shadow.canary());
        assertEquals(0, shadow.canaryBuckets());
        final AsOfTimeline zero = AsOfTimeline.of("fraud", List.of(entry(T0,
                spec("1", rollout(RolloutRole.CANARY, 0, "2")))));
        assertNull(zero.at(T0).canary());
    }

    @Test
    void recordsWithEqualTimestampsApplyInHistoryOrderSoTheLastWins() {
        final AsOfTimeline t = AsOfTimeline.of("fraud", List.of(entry(T0, spec("1", null)),
                entry(T0, spec("2", null)), entry(T0, spec("3", null))));
        assertEquals("3", t.at(T0).stable().getVersion());
        assertEquals(-1, t.indexAt(T0 - 1));
    }

    @Test
    void findsThePeriodsOverlappingATimeRange() {
        final AsOfTimeline t = history();
        assertEquals(List.of(0, 1, 2, 3), t.overlapping(null, null));
        assertEquals(List.of(1), t.overlapping(Instant.ofEpochMilli(T1), Instant.ofEpochMilli(T2)));
        assertEquals(List.of(0, 1), t.overlapping(Instant.ofEpochMilli(T1 - 1), Instant.ofEpochMilli(T1 + 1)));
        assertEquals(List.of(3), t.overlapping(Instant.ofEpochMilli(T3 + 10), null));
        assertEquals(List.of(), t.overlapping(null, Instant.ofEpochMilli(T0)));
    }

    @Test
    void refusesRecordsOutOfTimeOrderOrOfAnotherModel() {
        assertThrows(IllegalArgumentException.class, () -> AsOfTimeline.of("fraud",
                List.of(entry(T1, spec("1", null)), entry(T0, spec("2", null)))));
        assertThrows(IllegalArgumentException.class, () -> AsOfTimeline.of("risk", List.of(entry(T0, spec("1", null)))));
    }

    @Test
    void routesEachRecordToTheLaneOfItsTimeAndExplainsTheRest() {
        // lanes: 0 = v1 stable, 1 = v2 stable, 2 = v3 canary; the tombstone and v4 have no lane loaded
        final AsOfTimeline t = history();
        final ReplayPlans.Routing routing = ReplayPlans.asOf(t, new int[] {0, 1, ReplayPlans.NONE,
            ReplayPlans.NOT_LOADED}, new int[] {ReplayPlans.NONE, 2, ReplayPlans.NONE, ReplayPlans.NONE}, "specs");
        final List<Integer> masks = new ArrayList<>();
        for (long ts : new long[] {T0 - 1, T0, T2, T3}) {
            masks.add(routing.route("acct-1".getBytes(StandardCharsets.UTF_8), ts));
        }
        assertEquals(List.of(0, 0b001, 0, 0), masks);
        byte[] canaryKey = null;
        byte[] stableKey = null;
        for (int i = 0; canaryKey == null || stableKey == null; i++) {
            final byte[] key = ("acct-" + i).getBytes(StandardCharsets.UTF_8);
            if (KeyBuckets.bucket(key) < 1000) {
                canaryKey = key;
            } else {
                stableKey = key;
            }
        }
        assertEquals(0b100, routing.route(canaryKey, T1));
        assertEquals(0b010, routing.route(stableKey, T1));
        assertArrayEquals(new String[] {"no_model_as_of", t.whyNothingLive(T0 - 1, "specs")},
                routing.unroutedReason(T0 - 1));
        assertEquals("no_model_as_of", routing.unroutedReason(T2)[0]);
        assertEquals("as_of_version_not_loaded", routing.unroutedReason(T3)[0]);
        assertEquals(0b111, ReplayPlans.allLanes(3).route(null, 0));
        assertEquals(Integer.MAX_VALUE, ReplayPlans.allLanes(31).route(null, 0));
    }
}
