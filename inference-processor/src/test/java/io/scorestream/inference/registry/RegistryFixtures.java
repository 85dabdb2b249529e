package io.scorestream.inference.registry;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scorestream.inference.BatchScorer;
import io.scorestream.inference.Device;
import io.scorestream.inference.InferenceSettings;
import io.scorestream.inference.OnnxModelLoader;
import io.scorestream.inference.Sha256;
import io.scorestream.inference.onnx.Mlp;
import io.scorestream.schemas.FeatureColumn;
import io.scorestream.schemas.ModelInput;
import io.scorestream.schemas.ModelOutput;
import io.scorestream.schemas.ModelSpec;
import io.scorestream.schemas.Transaction;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Models, specs, records and settings for the registry tests. */
final class RegistryFixtures {

    static final String NAME = "fraud";
    static final OnnxModelLoader LOADER =
            new OnnxModelLoader(InferenceSettings.builder().device(Device.CPU).intraOpThreads(1).build());
    static final Duration WAIT = Duration.ofSeconds(20);

    /** The 30 numeric Transaction fields, in model column order. */
    static final List<String> FEATURES;

    static {
        final List<String> f = new ArrayList<>();
        f.add("elapsed_seconds");
        for (int i = 1; i <= 28; i++) {
            f.add("v" + i);
        }
        f.add("amount");
        FEATURES = List.copyOf(f);
    }

    private static final Map<Integer, byte[]> MODELS = new ConcurrentHashMap<>();

    private RegistryFixtures() {
    }

    /** A small random MLP over the 30 Transaction features; one per seed, so one sha256 per seed. */
    static byte[] onnx(int seed) {
        return MODELS.computeIfAbsent(seed, s -> Mlp.random(s, FEATURES.size(), 8, 1).toOnnx()).clone();
    }

    /** Fast settings for tests: a tiny warm-up, a short fetch timeout. */
    static RegistrySettings.Builder settings() {
        return RegistrySettings.builder().warmUpRows(2).fetchTimeout(Duration.ofSeconds(5));
    }

    /** Model {@value #NAME} at {@code version}, inline bytes of {@code onnx(seed)}. */
    static ModelSpec spec(String version, int seed) {
        return specBuilder(version, onnx(seed), FEATURES).build();
    }

    /** Model {@value #NAME} at {@code version} whose artifact is at {@code uri}, with its sha256. */
    static ModelSpec uriSpec(String version, String uri, byte[] expected) {
        return specBuilder(version, expected, FEATURES).setArtifactBytes(null).setArtifactUri(uri).build();
    }

    /** Inline {@code onnx}, columns {@code fields} into input "features", score from "score". */
    static ModelSpec.Builder specBuilder(String version, byte[] onnx, List<String> fields) {
        final List<FeatureColumn> cols = new ArrayList<>();
        for (String f : fields) {
            cols.add(FeatureColumn.newBuilder().setField(f).setDefaultValue(null).setWidth(null).build());
        }
        final ModelInput input = ModelInput.newBuilder().setInputName(Mlp.INPUT).setColumns(cols).build();
        return ModelSpec.newBuilder()
                .setName(NAME)
                .setVersion(version)
                .setArtifactUri(null)
                .setArtifactBytes(ByteBuffer.wrap(onnx))
                .setSha256(Sha256.hex(onnx))
                .setInputs(List.of(input))
                .setOutput(ModelOutput.newBuilder().setScoreOutput(Mlp.OUTPUT).build())
                .setThreshold(0.5)
                .setCreatedAt(Instant.parse("2026-11-01T00:00:00Z"))
                .setMetadata(Map.of());
    }

    /** A transaction with every feature of order 1. */
    static Transaction transaction(int i) {
        final Transaction.Builder b = Transaction.newBuilder()
                .setTransactionId("tx-" + i)
                .setAccountId("acct-" + i)
                .setEventTime(Instant.ofEpochMilli(1_700_000_000_000L + i))
                .setElapsedSeconds(0.25 * (i % 5))
                .setAmount(-0.5 + 0.1 * (i % 7))
                .setEmbedding(null)
                .setIsFraud(null);
        b.setV1(0.1).setV2(-0.2).setV3(0.3).setV4(-0.4).setV5(0.5).setV6(-0.6).setV7(0.7).setV8(-0.8)
                .setV9(0.9).setV10(-1.0).setV11(0.1).setV12(-0.2).setV13(0.3).setV14(-0.4).setV15(0.5)
                .setV16(-0.6).setV17(0.7).setV18(-0.8).setV19(0.9).setV20(-1.0).setV21(0.1).setV22(-0.2)
                .setV23(0.3).setV24(-0.4).setV25(0.5).setV26(-0.6).setV27(0.7).setV28(-0.8);
        return b.build();
    }

    /** Scores one record with the leased model, proving it is open and runs; returns the score. */
    static double scoreOne(ModelLease lease, int i) {
        assertFalse(lease.model().isClosed(), "a leased model must be open: " + lease);
        try (BatchScorer scorer = lease.model().newScorer(1)) {
            scorer.add(transaction(i));
            final double score = scorer.score().score(0);
            assertTrue(score >= 0.0 && score <= 1.0, "a sigmoid score, got " + score);
            return score;
        }
    }
}
