package io.scorestream.topology;

import io.scorestream.inference.Sha256;
import io.scorestream.inference.onnx.Mlp;
import io.scorestream.inference.training.SyntheticTransactions;
import io.scorestream.schemas.FeatureColumn;
import io.scorestream.schemas.ModelInput;
import io.scorestream.schemas.ModelOutput;
import io.scorestream.schemas.ModelSpec;
import io.scorestream.schemas.Transaction;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Model specs over the demo's Transaction features, for topology tests. */
public final class ModelFixtures {

    private ModelFixtures() {
    }

    /** A spec carrying {@code mlp} inline, mapping the 30 Transaction features to its input. */
    public static ModelSpec spec(String name, String version, Mlp mlp) {
        final byte[] onnx = mlp.toOnnx();
        final List<FeatureColumn> columns = new ArrayList<>();
        for (String f : SyntheticTransactions.FEATURE_FIELDS) {
            columns.add(FeatureColumn.newBuilder().setField(f).build());
        }
        return ModelSpec.newBuilder()
                .setName(name)
                .setVersion(version)
                .setArtifactBytes(ByteBuffer.wrap(onnx))
                .setSha256(Sha256.hex(onnx))
                .setInputs(List.of(ModelInput.newBuilder().setInputName(Mlp.INPUT).setColumns(columns).build()))
                .setOutput(ModelOutput.newBuilder().setScoreOutput(Mlp.OUTPUT).build())
                .setThreshold(0.5)
                .setCreatedAt(Instant.parse("2026-11-01T00:00:00Z"))
                .setMetadata(Map.of())
                .build();
    }

    /** What {@code mlp} should score for {@code t}, as float inputs. */
    public static double expected(Mlp mlp, Transaction t) {
        final double[] row = SyntheticTransactions.features(t);
        for (int i = 0; i < row.length; i++) {
            row[i] = (float) row[i];
        }
        return mlp.predict(row)[0];
    }
}
