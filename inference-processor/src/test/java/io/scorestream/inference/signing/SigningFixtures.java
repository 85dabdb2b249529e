package io.scorestream.inference.signing;

import io.scorestream.schemas.Aggregate;
import io.scorestream.schemas.FeatureColumn;
import io.scorestream.schemas.ModelInput;
import io.scorestream.schemas.ModelOutput;
import io.scorestream.schemas.ModelSpec;
import io.scorestream.schemas.Rollout;
import io.scorestream.schemas.RolloutRole;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Specs for the signing tests: no model is loaded, so the artifact bytes are arbitrary. */
final class SigningFixtures {

    private SigningFixtures() {
    }

    /** A spec with a value in most fields, a rollout with a candidate, and two metadata entries. */
    static ModelSpec fullSpec() {
        final Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("owner", "risk");
        metadata.put("trained_on", "2026-11");
        return ModelSpec.newBuilder(plainSpec("2"))
                .setAggregates(List.of(Aggregate.newBuilder()
                        .setName("amount_sum_24h").setFunction("sum").setField("amount").setGroupBy("account_id")
                        .setWindowMs(86_400_000L).setBucketMs(null).setFilter(null).build()))
                .setMetadata(metadata)
                .setRollout(Rollout.newBuilder().setRole(RolloutRole.CANARY).setCanaryPercent(10.0)
                        .setCandidate(plainSpec("3")).build())
                .build();
    }

    /** A spec without rollout or aggregates. */
    static ModelSpec plainSpec(final String version) {
        final ModelInput input = ModelInput.newBuilder().setInputName("features")
                .setColumns(List.of(
                        FeatureColumn.newBuilder().setField("amount").setDefaultValue(0.0).setWidth(null).build(),
                        FeatureColumn.newBuilder().setField("embedding").setDefaultValue(null).setWidth(4).build()))
                .setDims(null)
                .build();
        return ModelSpec.newBuilder()
                .setName("fraud")
                .setVersion(version)
                .setArtifactUri(null)
                .setArtifactBytes(ByteBuffer.wrap(new byte[] {1, 2, 3, 4, (byte) version.hashCode()}))
                .setSha256("ab".repeat(32))
                .setInputs(List.of(input))
                .setOutput(ModelOutput.newBuilder().setScoreOutput("score").build())
                .setThreshold(0.7)
                .setCreatedAt(Instant.parse("2026-11-01T00:00:00Z"))
                .setMetadata(Map.of())
                .build();
    }
}
