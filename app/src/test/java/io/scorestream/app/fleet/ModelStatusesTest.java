package io.scorestream.app.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.scorestream.inference.ModelLoadException;
import io.scorestream.inference.registry.LiveModelInfo;
import io.scorestream.inference.registry.LiveRollout;
import io.scorestream.inference.registry.Refusal;
import io.scorestream.schemas.ModelOutput;
import io.scorestream.schemas.ModelSpec;
import io.scorestream.schemas.ModelStatus;
import io.scorestream.schemas.RolloutRole;
import io.scorestream.schemas.registry.InMemorySchemaRegistry;
import io.scorestream.schemas.serde.ConfluentAvroDeserializer;
import io.scorestream.schemas.serde.ConfluentAvroSerializer;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The status topic's records, built from what a registry reports, in memory. */
class ModelStatusesTest {

    private static final Instant NOW = Instant.ofEpochMilli(1_700_000_000_000L);

    @Test
    void keyIsApplicationInstanceAndModelJoinedBySlashes() {
        assertEquals("scoring/host-1-42/fraud", ModelStatuses.key("scoring", "host-1-42", "fraud"));
    }

    @Test
    void stableVersionAloneReportsItsVersionAndDeviceAndNoCandidate() {
        // given
        final LiveRollout live = new LiveRollout(info("fraud", "3", "cuda:0"), null, null, 0);

        // when
        final ModelStatus s = ModelStatuses.of("scoring", "i-1", "fraud", live, null, "auto", List.of("default"),
                NOW, 500);

        // then
        assertEquals("scoring", s.getApplicationId());
        assertEquals("i-1", s.getInstanceId());
        assertEquals("fraud", s.getModel());
        assertEquals("3", s.getStableVersion());
        assertNull(s.getCandidateVersion());
        assertNull(s.getRole());
        assertNull(s.getCanaryPercent());
        assertEquals("cuda:0", s.getDevice());
        assertNull(s.getLastRefusal());
        assertEquals(NOW, s.getHeartbeat());
        assertEquals(500L, s.getIntervalMs());
        assertEquals(List.of("default"), s.getPipelines());
    }

    @Test
    void canaryReportsCandidateRoleAndPercentAndShadowNoPercent() {
        final LiveRollout canary = new LiveRollout(info("fraud", "1", "cpu"), info("fraud", "2", "cpu"),
                RolloutRole.CANARY, 12.5);
        final ModelStatus c = ModelStatuses.of("a", "i", "fraud", canary, null, "cpu", List.of(), NOW, 1000);
        assertEquals("2", c.getCandidateVersion());
        assertEquals("canary", c.getRole());
        assertEquals(12.5, c.getCanaryPercent());

        final LiveRollout shadow = new LiveRollout(info("fraud", "1", "cpu"), info("fraud", "2", "cpu"),
                RolloutRole.SHADOW, 0);
        final ModelStatus s = ModelStatuses.of("a", "i", "fraud", shadow, null, "cpu", List.of(), NOW, 1000);
        assertEquals("2", s.getCandidateVersion());
        assertEquals("shadow", s.getRole());
        assertNull(s.getCanaryPercent());
    }

    @Test
    void nothingLiveReportsTheConfiguredDeviceAndTheRefusal() {
        // given: version 2 was refused and nothing is live
        final Instant at = NOW.minusSeconds(5);
        final Refusal refusal = new Refusal("fraud", "2", ModelLoadException.Reason.INPUT_MAPPING,
                "Model 'fraud' version '2' refused (input_mapping): no field 'amount'", at);

        // when
        final ModelStatus s = ModelStatuses.of("a", "i", "fraud", null, refusal, "auto", List.of("p1", "p2"), NOW,
                1000);

        // then
        assertNull(s.getStableVersion());
        assertEquals("auto", s.getDevice());
        assertEquals("2", s.getLastRefusal().getVersion());
        assertEquals("input_mapping", s.getLastRefusal().getReason());
        assertEquals(refusal.message(), s.getLastRefusal().getMessage());
        assertEquals(at, s.getLastRefusal().getAt());
        assertEquals(List.of("p1", "p2"), s.getPipelines());
    }

    @Test
    void recordRoundTripsThroughTheConfluentWireFormat() {
        // given
        final InMemorySchemaRegistry schemas = new InMemorySchemaRegistry();
        final Refusal refusal = new Refusal("fraud", "2", ModelLoadException.Reason.INPUT_MAPPING, "bad", NOW);
        final ModelStatus s = ModelStatuses.of("a", "i", "fraud", new LiveRollout(info("fraud", "1", "cpu"),
                info("fraud", "2", "cpu"), RolloutRole.CANARY, 5), refusal, "cpu", List.of("default"), NOW, 1000);

        // when
        final byte[] bytes = ConfluentAvroSerializer.specific(schemas, ModelStatus.class, false)
                .serialize("scorestream-status", s);
        final ModelStatus back = ConfluentAvroDeserializer.specific(schemas, ModelStatus.class, false)
                .deserialize("scorestream-status", bytes);

        // then
        assertEquals(s, back);
    }

    static LiveModelInfo info(String name, String version, String device) {
        final ModelSpec spec = ModelSpec.newBuilder()
                .setName(name)
                .setVersion(version)
                .setInputs(List.of())
                .setOutput(ModelOutput.newBuilder().setScoreOutput("score").build())
                .setCreatedAt(Instant.ofEpochMilli(1_000))
                .build();
        return new LiveModelInfo(name, version, "00", device, NOW.minusSeconds(60), spec);
    }
}
