package io.scorestream.app.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scorestream.inference.Sha256;
import io.scorestream.schemas.ModelOutput;
import io.scorestream.schemas.ModelSpec;
import io.scorestream.schemas.Rollout;
import io.scorestream.schemas.RolloutRole;
import io.scorestream.schemas.registry.InMemorySchemaRegistry;
import io.scorestream.app.models.ModelTopicHistory.Entry;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.Test;

/** The questions a history answers, on hand-made entries, and a read that cannot reach a broker. */
class ModelTopicHistoryTest {

    private static final String TOPIC = "model-specs";

    @Test
    void entriesAreInTimestampPartitionOffsetOrder() {
        // given: entries handed over out of order
        final Entry late = new Entry("a", spec("a", "1"), 300, 0, 0);
        final Entry earlyP1 = new Entry("b", spec("b", "1"), 100, 1, 5);
        final Entry earlyP0 = new Entry("c", spec("c", "1"), 100, 0, 9);

        // when
        final ModelTopicHistory h = ModelTopicHistory.of(TOPIC, List.of(late, earlyP1, earlyP0), 0);

        // then
        assertEquals(List.of(earlyP0, earlyP1, late), h.entries());
    }

    @Test
    void latestLeavesOutRetiredNamesAndIsSortedByName() {
        // given: zeta and alpha live, beta published then retired
        final ModelTopicHistory h = ModelTopicHistory.of(TOPIC, List.of(
                new Entry("zeta", spec("zeta", "1"), 10, 0, 0),
                new Entry("beta", spec("beta", "1"), 11, 0, 1),
                new Entry("alpha", spec("alpha", "1"), 12, 0, 2),
                new Entry("alpha", spec("alpha", "2"), 13, 0, 3),
                new Entry("beta", null, 14, 0, 4)), 0);

        // when
        final Map<String, Entry> live = h.latest();

        // then
        assertEquals(List.of("alpha", "zeta"), List.copyOf(live.keySet()));
        assertEquals("2", live.get("alpha").stableVersion());
    }

    @Test
    void latestFollowsOffsetsWithinAPartitionWhateverTheTimestampsSay() {
        // given: version 2 written after version 1, by a producer whose clock is behind
        final ModelTopicHistory h = ModelTopicHistory.of(TOPIC, List.of(
                new Entry("m", spec("m", "1"), 2_000, 0, 0),
                new Entry("m", spec("m", "2"), 1_000, 0, 1)), 0);

        // then: the record a consumer applies last is live; the timeline still reads in time order
        assertEquals("2", h.latest().get("m").stableVersion());
        assertEquals(List.of(1L, 0L), h.timeline("m").stream().map(Entry::offset).toList());
    }

    @Test
    void latestAsOfSeesOnlyRecordsUpToThatTime() {
        // given
        final ModelTopicHistory h = ModelTopicHistory.of(TOPIC, List.of(
                new Entry("m", spec("m", "1"), 100, 0, 0),
                new Entry("m", spec("m", "2"), 200, 0, 1),
                new Entry("m", null, 300, 0, 2)), 0);

        // then
        assertTrue(h.latestAsOf(99).isEmpty());
        assertEquals("1", h.latestAsOf(199).get("m").stableVersion());
        assertEquals("2", h.latestAsOf(200).get("m").stableVersion());
        assertTrue(h.latestAsOf(300).isEmpty());
        assertTrue(h.latest().isEmpty());
    }

    @Test
    void findVersionFindsAVersionThatOnlyEverRanAsACandidateAndReturnsItWithoutRollout() {
        // given: stable 1 with candidate 2, then the candidate dropped
        final ModelSpec withCandidate = withRollout(spec("m", "1"), spec("m", "2"), RolloutRole.CANARY, 10);
        final ModelTopicHistory h = ModelTopicHistory.of(TOPIC, List.of(
                new Entry("m", spec("m", "1"), 100, 0, 0),
                new Entry("m", withCandidate, 200, 0, 1),
                new Entry("m", spec("m", "1"), 300, 0, 2)), 0);

        // when
        final Optional<ModelSpec> two = h.findVersion("m", "2");
        final Optional<ModelSpec> one = h.findVersion("m", "1");

        // then
        assertTrue(two.isPresent());
        assertEquals("2", two.get().getVersion());
        assertNull(two.get().getRollout());
        assertNotSame(withCandidate.getRollout().getCandidate(), two.get(), "a copy, owned by the caller");
        assertEquals("1", one.orElseThrow().getVersion());
        assertNull(one.get().getRollout());
        assertFalse(h.findVersion("m", "3").isPresent());
        assertFalse(h.findVersion("other", "1").isPresent());
        assertEquals(List.of("1", "2"), List.copyOf(h.versions("m")));
    }

    @Test
    void findVersionReturnsTheNewestSpecOfThatVersion() {
        // given: version 1 republished with another threshold
        final ModelSpec first = spec("m", "1");
        final ModelSpec again = ModelSpec.newBuilder(first).setThreshold(0.9).build();
        final ModelTopicHistory h = ModelTopicHistory.of(TOPIC, List.of(
                new Entry("m", first, 100, 0, 0),
                new Entry("m", again, 200, 0, 1)), 0);

        // then
        assertEquals(0.9, h.findVersion("m", "1").orElseThrow().getThreshold());
    }

    @Test
    void timelineHoldsOneNameWithItsTombstones() {
        // given
        final ModelTopicHistory h = ModelTopicHistory.of(TOPIC, List.of(
                new Entry("m", spec("m", "1"), 100, 0, 0),
                new Entry("x", spec("x", "1"), 150, 0, 1),
                new Entry("m", null, 200, 0, 2),
                new Entry("m", spec("m", "3"), 300, 0, 3)), 2);

        // when
        final List<Entry> timeline = h.timeline("m");

        // then
        assertEquals(List.of(0L, 2L, 3L), timeline.stream().map(Entry::offset).toList());
        assertTrue(timeline.get(1).isTombstone());
        assertEquals(2, h.undecodable());
        assertTrue(h.timeline("nobody").isEmpty());
        assertThrows(UnsupportedOperationException.class, () -> h.entries().clear());
    }

    @Test
    void readGivesUpWithinItsTimeoutNamingTopicAndBootstrapWhenNoBrokerAnswers() {
        // given: an address nothing listens on
        final Map<String, Object> props = Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:1");
        final long start = System.nanoTime();

        // when
        final TimeoutException e = assertThrows(TimeoutException.class, () -> ModelTopicHistory.read(props,
                new InMemorySchemaRegistry(), TOPIC, Duration.ofSeconds(1)));

        // then
        assertTrue(e.getMessage().contains("'" + TOPIC + "'"), e.getMessage());
        assertTrue(e.getMessage().contains("127.0.0.1:1"), e.getMessage());
        assertTrue(Duration.ofNanos(System.nanoTime() - start).compareTo(Duration.ofSeconds(20)) < 0,
                "took " + Duration.ofNanos(System.nanoTime() - start));
    }

    static ModelSpec spec(String name, String version) {
        final byte[] bytes = ("onnx " + name + " " + version).getBytes(StandardCharsets.UTF_8);
        return ModelSpec.newBuilder()
                .setName(name)
                .setVersion(version)
                .setArtifactBytes(ByteBuffer.wrap(bytes))
                .setSha256(Sha256.hex(bytes))
                .setInputs(List.of())
                .setOutput(ModelOutput.newBuilder().setScoreOutput("score").build())
                .setCreatedAt(Instant.ofEpochMilli(1_000))
                .build();
    }

    static ModelSpec withRollout(ModelSpec stable, ModelSpec candidate, RolloutRole role, double percent) {
        return ModelSpec.newBuilder(stable)
                .setRollout(Rollout.newBuilder().setRole(role).setCanaryPercent(percent).setCandidate(candidate)
                        .build())
                .build();
    }
}
