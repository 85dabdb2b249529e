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
import io.scorestream.schemas.Transaction;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The demo's fraud models: MLPs trained in Java on synthetic transactions where fraud follows a
 * hidden rule, exported to ONNX, wrapped in a {@link ModelSpec} that maps the 30 Transaction
 * features to the model's input.
 *
 * <p>The demo itself trains a pair on one history of its own world ({@link #demoTransactions}: with
 * behavioural fraud bursts that no single record shows): a plain model on the 30 fields and one on the
 * fields and the {@link DemoAggregates}, computed as the scoring topology computes them
 * ({@link HistoryFeatures}). Stateless.
 */
public final class DemoModels {

    /** Rows the demo models are trained on. */
    static final int TRAINING_ROWS = 20_000;
    /** Rows of the history the demo's pair of models is trained on. */
    static final int PAIR_TRAINING_ROWS = 30_000;
    /** Share of the demo's transactions in behavioural fraud bursts (besides the usual fraud rate). */
    static final double BURST_FRAUD_RATE = 0.02;
    /** Hidden layer of both models of the pair: the same network, so only the inputs differ. */
    static final int PAIR_HIDDEN = 32;
    /** When the training history starts; any time works, the aggregates depend on differences only. */
    private static final long HISTORY_START_MS = Instant.parse("2026-01-01T00:00:00Z").toEpochMilli();

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

    /**
     * The demo's transactions: {@value SyntheticTransactionFeed#DEFAULT_ACCOUNTS} accounts, the usual
     * fraud rate with its signs, and {@value #BURST_FRAUD_RATE} of the transactions in fraud bursts.
     */
    public static SyntheticTransactions demoTransactions(long seed) {
        return SyntheticTransactions.builder(seed).accounts(SyntheticTransactionFeed.DEFAULT_ACCOUNTS)
                .burstFraudRate(BURST_FRAUD_RATE).build();
    }

    /** The demo's two models, trained on the same history. */
    public record Pair(Mlp plain, Mlp withAggregates, int rows, int positives, long historySeed) {
    }

    /**
     * Trains the demo's pair on {@value #PAIR_TRAINING_ROWS} transactions of {@link #demoTransactions}
     * (seeded apart from the live feed's {@code seed}), stamped {@code 1000 / ratePerSecond} ms apart
     * as the live feed stamps them: one model on the 30 fields, one on the fields and the
     * {@link DemoAggregates}, with the same network and trainer seed.
     *
     * @param ratePerSecond the pace of the live feed, at least 1: the aggregates' values depend on it
     */
    public static Pair trainPair(long seed, long ratePerSecond) {
        if (ratePerSecond < 1) {
            throw new IllegalArgumentException("ratePerSecond must be at least 1, got " + ratePerSecond);
        }
        final long historySeed = seed + 1000L;
        final SyntheticTransactions history = demoTransactions(historySeed);
        final HistoryFeatures features = new HistoryFeatures(DemoAggregates.definitions(),
                DemoAggregates.definitions().stream().map(DemoAggregates::defaultValue).toList());
        final double[][] plain = new double[PAIR_TRAINING_ROWS][];
        final double[][] withAggregates = new double[PAIR_TRAINING_ROWS][];
        final boolean[] labels = new boolean[PAIR_TRAINING_ROWS];
        for (int i = 0; i < PAIR_TRAINING_ROWS; i++) {
            final long timestamp = HISTORY_START_MS + i * 1000L / ratePerSecond;
            final Transaction t = history.next(Instant.ofEpochMilli(timestamp));
            withAggregates[i] = features.next(t, timestamp);
            plain[i] = Arrays.copyOf(withAggregates[i], SyntheticTransactions.FEATURE_COUNT);
            labels[i] = Boolean.TRUE.equals(t.getIsFraud());
        }
        final MlpTrainer trainer = MlpTrainer.builder().seed(seed + 1).hiddenWidths(PAIR_HIDDEN).build();
        final LabeledRows plainRows = new LabeledRows(plain, labels);
        return new Pair(trainer.train(plainRows), trainer.train(new LabeledRows(withAggregates, labels)),
                PAIR_TRAINING_ROWS, plainRows.positives(), historySeed);
    }

    /** The plain model of {@code pair} as an inline spec of the 30 fields. */
    public static ModelSpec plainSpec(String name, String version, Pair pair) {
        return inlineSpec(name, version, pair.plain().toOnnx(), 0.5, pairMetadata(pair, "the 30 event fields"));
    }

    /**
     * The model with aggregates of {@code pair} as an inline spec: the 30 fields and the
     * {@link DemoAggregates} as its input, the aggregates declared.
     */
    public static ModelSpec withAggregatesSpec(String name, String version, Pair pair) {
        return ModelSpec.newBuilder(inlineSpec(name, version, pair.withAggregates().toOnnx(), 0.5,
                        pairMetadata(pair, "the 30 event fields and " + DemoAggregates.count() + " aggregates")))
                .setInputs(DemoAggregates.inputs())
                .setAggregates(DemoAggregates.aggregates())
                .build();
    }

    private static Map<String, String> pairMetadata(Pair pair, String features) {
        return Map.of(
                "trainer", "MlpTrainer",
                "hidden", Integer.toString(PAIR_HIDDEN),
                "features", features,
                "training.rows", Integer.toString(pair.rows()),
                "training.seed", Long.toString(pair.historySeed()));
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
