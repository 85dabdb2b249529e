package io.scorestream.topology;

import io.scorestream.inference.Sha256;
import io.scorestream.inference.onnx.ElementType;
import io.scorestream.inference.onnx.LogisticRegression;
import io.scorestream.inference.onnx.Mlp;
import io.scorestream.inference.onnx.OnnxAttribute;
import io.scorestream.inference.onnx.OnnxGraphBuilder;
import io.scorestream.inference.onnx.TreeEnsemble;
import io.scorestream.inference.training.LogisticRegressionTrainer;
import io.scorestream.inference.training.SyntheticTransactions;
import io.scorestream.schemas.FeatureColumn;
import io.scorestream.schemas.ModelInput;
import io.scorestream.schemas.ModelOutput;
import io.scorestream.schemas.ModelSpec;
import io.scorestream.schemas.Rollout;
import io.scorestream.schemas.RolloutRole;
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
        return spec(name, version, mlp.toOnnx(), Mlp.OUTPUT);
    }

    /**
     * A logistic regression trained on 2 000 synthetic transactions, like one trained in
     * scikit-learn on the same features.
     */
    public static LogisticRegression trainedRegression(long seed) {
        return new LogisticRegressionTrainer(seed).train(new SyntheticTransactions(seed, 500)
                .sample(2_000, Instant.parse("2026-01-01T00:00:00Z"), 1_000));
    }

    /**
     * A spec carrying {@code lr} in the shape skl2onnx gives a scikit-learn logistic regression
     * ({@link LogisticRegression#toOnnxLinearClassifier}), scored from its P(class 1) column. ONNX
     * Runtime gives some rows other score bits when they are scored alone than in a larger batch.
     */
    public static ModelSpec convertedRegressionSpec(String name, String version, LogisticRegression lr) {
        return spec(name, version, lr.toOnnxLinearClassifier(false), TreeEnsemble.PROBABILITIES);
    }

    private static ModelSpec spec(String name, String version, byte[] onnx, String scoreOutput) {
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
                .setOutput(ModelOutput.newBuilder().setScoreOutput(scoreOutput).build())
                .setThreshold(0.5)
                .setCreatedAt(Instant.parse("2026-11-01T00:00:00Z"))
                .setMetadata(Map.of())
                .build();
    }

    /**
     * A model that fails inside ONNX Runtime for some inputs: it looks {@code elapsed_seconds}
     * (column 0) up as an index into a table of 10 values, so a record with elapsed_seconds outside
     * [-10, 10) makes the whole run fail ("indices element out of data bounds"). Otherwise the score
     * is sigmoid(table[(long) elapsed_seconds]).
     */
    public static ModelSpec failingSpec(String name, String version) {
        final float[] table = new float[10];
        for (int i = 0; i < table.length; i++) {
            table[i] = i - 5f;
        }
        final byte[] onnx = new OnnxGraphBuilder("fails_on_large_elapsed")
                .input(Mlp.INPUT, ElementType.FLOAT, -1, 30)
                .initializer("column0", new long[] {0}, 1)
                .initializer("table", table, 10)
                .node("Gather", List.of(Mlp.INPUT, "column0"), List.of("elapsed"), OnnxAttribute.intAttr("axis", 1))
                .node("Cast", List.of("elapsed"), List.of("index"), OnnxAttribute.intAttr("to", ElementType.INT64.code()))
                .node("Gather", List.of("table", "index"), List.of("logit"), OnnxAttribute.intAttr("axis", 0))
                .node("Sigmoid", List.of("logit"), List.of(Mlp.OUTPUT))
                .output(Mlp.OUTPUT, ElementType.FLOAT, -1, 1)
                .build();
        return ModelSpec.newBuilder(spec(name, version, Mlp.random(1, 30, 2, 1)))
                .setArtifactBytes(ByteBuffer.wrap(onnx))
                .setSha256(Sha256.hex(onnx))
                .build();
    }

    /** {@code stable} with {@code candidate} running beside it in {@code role} (canary: for {@code percent} of keys). */
    public static ModelSpec withCandidate(ModelSpec stable, ModelSpec candidate, RolloutRole role, double percent) {
        final ModelSpec copy = ModelSpec.newBuilder(stable).build();
        copy.setRollout(Rollout.newBuilder().setRole(role).setCanaryPercent(percent).setCandidate(candidate).build());
        return copy;
    }

    /** What {@code mlp} should score for {@code t}, as float inputs. */
    public static double expected(Mlp mlp, Transaction t) {
        final double[] row = SyntheticTransactions.features(t);
        for (int i = 0; i < row.length; i++) {
            row[i] = (float) row[i];
        }
        return mlp.predict(row)[0];
    }

    /**
     * A logistic regression (input {@code features}, output {@code score}) over the given columns,
     * each an aggregate (or event field) name, with a default when the value is null in
     * {@code defaults}; the spec declares {@code aggregates}, in the text syntax.
     */
    public static ModelSpec regressionOverAggregates(String name, String version, float[] weights, float bias,
                                                     List<String> columns, Map<String, Double> defaults,
                                                     String... aggregates) {
        final byte[] onnx = new LogisticRegression(weights, bias).toOnnx();
        final List<io.scorestream.schemas.Aggregate> declared = new ArrayList<>();
        for (String a : aggregates) {
            declared.add(io.scorestream.inference.features.AggregateSyntax.parse(a));
        }
        final List<FeatureColumn> cols = new ArrayList<>();
        for (String c : columns) {
            cols.add(FeatureColumn.newBuilder().setField(c).setDefaultValue(defaults.get(c)).build());
        }
        return ModelSpec.newBuilder()
                .setName(name)
                .setVersion(version)
                .setArtifactBytes(ByteBuffer.wrap(onnx))
                .setSha256(Sha256.hex(onnx))
                .setInputs(List.of(ModelInput.newBuilder().setInputName(Mlp.INPUT).setColumns(cols).build()))
                .setAggregates(declared)
                .setOutput(ModelOutput.newBuilder().setScoreOutput(Mlp.OUTPUT).build())
                .setThreshold(0.5)
                .setCreatedAt(Instant.parse("2026-11-01T00:00:00Z"))
                .setMetadata(Map.of())
                .build();
    }
}
