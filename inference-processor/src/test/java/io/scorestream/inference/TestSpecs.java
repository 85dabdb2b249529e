package io.scorestream.inference;

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
import java.util.SplittableRandom;

/** Specs, records and feature rows for the inference tests. */
final class TestSpecs {

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

    private TestSpecs() {
    }

    static List<FeatureColumn> columns(List<String> fields) {
        final List<FeatureColumn> cols = new ArrayList<>();
        for (String f : fields) {
            cols.add(FeatureColumn.newBuilder().setField(f).setDefaultValue(null).setWidth(null).build());
        }
        return cols;
    }

    static ModelInput input(String name, List<FeatureColumn> columns) {
        return ModelInput.newBuilder().setInputName(name).setColumns(columns).build();
    }

    static ModelOutput output(String scoreOutput) {
        return ModelOutput.newBuilder().setScoreOutput(scoreOutput).build();
    }

    static ModelSpec.Builder spec(String version, byte[] onnx, List<ModelInput> inputs, ModelOutput output) {
        return ModelSpec.newBuilder()
                .setName("fraud")
                .setVersion(version)
                .setArtifactBytes(ByteBuffer.wrap(onnx))
                .setSha256(Sha256.hex(onnx))
                .setInputs(inputs)
                .setOutput(output)
                .setThreshold(0.5)
                .setCreatedAt(Instant.parse("2026-11-01T00:00:00Z"))
                .setMetadata(Map.of());
    }

    /** A spec mapping the 30 Transaction features to input "features", score from "score". */
    static ModelSpec transactionSpec(byte[] onnx) {
        return spec("1", onnx, List.of(input("features", columns(FEATURES))), output("score")).build();
    }

    /**
     * A transaction whose features are all of order 1, like standardised inputs, so that a random
     * MLP's output stays away from the sigmoid's flat tails where float32 has no relative precision.
     */
    static Transaction transaction(SplittableRandom random, int i) {
        final Transaction.Builder b = Transaction.newBuilder()
                .setTransactionId("tx-" + i)
                .setAccountId("acct-" + (i % 17))
                .setEventTime(Instant.ofEpochMilli(1_700_000_000_000L + i))
                .setElapsedSeconds(random.nextDouble() * 3 - 1.5)
                .setAmount(random.nextDouble() * 3 - 1.5)
                .setEmbedding(null)
                .setIsFraud(null);
        final double[] v = new double[28];
        for (int k = 0; k < 28; k++) {
            v[k] = random.nextDouble() * 4 - 2;
        }
        b.setV1(v[0]).setV2(v[1]).setV3(v[2]).setV4(v[3]).setV5(v[4]).setV6(v[5]).setV7(v[6]).setV8(v[7])
                .setV9(v[8]).setV10(v[9]).setV11(v[10]).setV12(v[11]).setV13(v[12]).setV14(v[13]).setV15(v[14])
                .setV16(v[15]).setV17(v[16]).setV18(v[17]).setV19(v[18]).setV20(v[19]).setV21(v[20])
                .setV22(v[21]).setV23(v[22]).setV24(v[23]).setV25(v[24]).setV26(v[25]).setV27(v[26])
                .setV28(v[27]);
        return b.build();
    }

    /** The 30-column row of {@code t}, as the model sees it (floats widened back to double). */
    static double[] row(Transaction t) {
        final double[] r = new double[FEATURES.size()];
        for (int i = 0; i < r.length; i++) {
            r[i] = (float) ((Number) t.get(Transaction.SCHEMA$.getField(FEATURES.get(i)).pos())).doubleValue();
        }
        return r;
    }
}
