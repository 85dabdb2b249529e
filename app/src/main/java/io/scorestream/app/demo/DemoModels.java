package io.scorestream.app.demo;

import io.scorestream.inference.Sha256;
import io.scorestream.inference.onnx.Mlp;
import io.scorestream.inference.training.LabeledRows;
import io.scorestream.inference.training.MlpTrainer;
import io.scorestream.inference.training.SyntheticTransactions;
import io.scorestream.schemas.FeatureColumn;
import io.scorestream.schemas.ModelInput;
import io.scorestream.schemas.ModelOutput;
import io.scorestream.schemas.ModelSpec;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The demo's fraud models: MLPs trained in Java on synthetic transactions where fraud follows a
 * hidden rule, exported to ONNX, wrapped in a {@link ModelSpec} that maps the 30 Transaction
 * features to the model's input. Stateless.
 */
public final class DemoModels {

    /** Rows the demo models are trained on. */
    static final int TRAINING_ROWS = 20_000;

    private DemoModels() {
    }

    /** A trained MLP: version 1 has one hidden layer of 16, later versions 32, with other seeds. */
    public static Mlp train(int version, long seed) {
        final LabeledRows rows = new SyntheticTransactions(seed + 1000L * version, 500)
                .sample(TRAINING_ROWS, Instant.parse("2026-01-01T00:00:00Z"), 1000);
        return MlpTrainer.builder()
                .seed(seed + version)
                .hiddenWidths(version == 1 ? 16 : 32)
                .build()
                .train(rows);
    }

    /** The input mapping of the demo models: the 30 Transaction features, in order. */
    public static List<ModelInput> transactionInputs(String inputName) {
        final List<FeatureColumn> columns = new ArrayList<>();
        for (String field : SyntheticTransactions.FEATURE_FIELDS) {
            columns.add(FeatureColumn.newBuilder().setField(field).build());
        }
        return List.of(ModelInput.newBuilder().setInputName(inputName).setColumns(columns).build());
    }

    /** A spec carrying {@code onnx} inline. */
    public static ModelSpec inlineSpec(String name, String version, byte[] onnx, double threshold,
                                       Map<String, String> metadata) {
        return ModelSpec.newBuilder()
                .setName(name)
                .setVersion(version)
                .setArtifactBytes(ByteBuffer.wrap(onnx))
                .setSha256(Sha256.hex(onnx))
                .setInputs(transactionInputs(Mlp.INPUT))
                .setOutput(ModelOutput.newBuilder().setScoreOutput(Mlp.OUTPUT).build())
                .setThreshold(threshold)
                .setCreatedAt(Instant.now())
                .setMetadata(new LinkedHashMap<>(metadata))
                .build();
    }

    /** Trains version {@code version} and wraps it in an inline spec. */
    public static ModelSpec trainedSpec(String name, int version, long seed) {
        final Mlp mlp = train(version, seed);
        return inlineSpec(name, Integer.toString(version), mlp.toOnnx(), 0.5, Map.of(
                "trainer", "MlpTrainer",
                "hidden", Integer.toString(version == 1 ? 16 : 32),
                "training.rows", Integer.toString(TRAINING_ROWS),
                "training.seed", String.format(Locale.ROOT, "%d", seed + 1000L * version)));
    }
}
