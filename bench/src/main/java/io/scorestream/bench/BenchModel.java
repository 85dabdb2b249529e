package io.scorestream.bench;

import io.scorestream.app.demo.DemoModels;
import io.scorestream.inference.onnx.Mlp;
import io.scorestream.schemas.FeatureColumn;
import io.scorestream.schemas.ModelInput;
import io.scorestream.schemas.ModelOutput;
import io.scorestream.schemas.ModelSpec;
import io.scorestream.schemas.Transaction;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.avro.Schema;

/**
 * A reference model of the benchmark: a seeded random MLP exported to ONNX and wrapped in an inline
 * {@link ModelSpec}. {@code demo} and {@code large} read the 30 Transaction features;
 * {@code wide} reads one {@code array<float>} of W values of a {@link WideEvents wide event}
 * (W→128→64→10, scoring the last class). Immutable.
 *
 * @param kind which reference model
 * @param onnx the ONNX bytes
 * @param spec the spec published to the model topic (key = {@link #name()})
 * @param width floats per event of the {@code wide} model; 0 for the others
 */
public record BenchModel(Kind kind, byte[] onnx, ModelSpec spec, int width) {

    /** Width of the wide model's events unless {@code --wide-width} says otherwise. */
    public static final int DEFAULT_WIDE_WIDTH = 784;

    /** The reference models. */
    public enum Kind {
        /** The demo's size: 30 inputs, one hidden layer of 64, one output. */
        DEMO("demo", new int[] {30, 64, 1}),
        /** 30 inputs, two hidden layers of 256, one output. */
        LARGE("large", new int[] {30, 256, 256, 1}),
        /** W inputs from one array field (W = {@code --wide-width}), hidden 128 and 64, 10 outputs. */
        WIDE("wide", new int[] {0, 128, 64, 10});

        private final String label;
        private final int[] widths;

        Kind(String label, int[] widths) {
            this.label = label;
            this.widths = widths;
        }

        public String label() {
            return label;
        }

        /** Layer widths, input first, e.g. {@code 30-64-1}; the wide model's input is shown as {@code W}. */
        public String shape() {
            final StringBuilder b = new StringBuilder();
            for (int w : widths) {
                b.append(b.length() == 0 ? "" : "-").append(w == 0 ? "W" : Integer.toString(w));
            }
            return b.toString();
        }

        /** @throws IllegalArgumentException naming the known models */
        public static Kind parse(String text) {
            for (Kind k : values()) {
                if (k.label.equals(text.toLowerCase(Locale.ROOT))) {
                    return k;
                }
            }
            throw new IllegalArgumentException("unknown model '" + text + "'; known: demo, large, wide");
        }
    }

    /** Builds {@code kind} from {@code seed} with the default wide width. */
    public static BenchModel of(Kind kind, long seed) {
        return of(kind, seed, DEFAULT_WIDE_WIDTH);
    }

    /**
     * Builds {@code kind} from {@code seed}; the same seed (and width) gives the same bytes.
     *
     * @param wideWidth W of the wide model (ignored by the others)
     */
    public static BenchModel of(Kind kind, long seed, int wideWidth) {
        final int[] widths = Arrays.copyOf(kind.widths, kind.widths.length);
        if (kind != Kind.WIDE) {
            final Mlp mlp = Mlp.random(seed, widths);
            final byte[] onnx = mlp.toOnnx();
            final ModelSpec spec = DemoModels.inlineSpec(kind.label, "1", onnx, 0.5,
                    Map.of("bench.shape", kind.shape(), "bench.seed", Long.toString(seed)));
            return new BenchModel(kind, onnx, spec, 0);
        }
        if (wideWidth < 1) {
            throw new IllegalArgumentException("--wide-width must be >= 1, got " + wideWidth);
        }
        widths[0] = wideWidth;
        final Mlp mlp = Mlp.random(seed, widths);
        final byte[] onnx = mlp.toOnnx();
        final String shape = wideWidth + "-128-64-10";
        final ModelSpec base = DemoModels.inlineSpec(kind.label, "1", onnx, 0.5,
                Map.of("bench.shape", shape, "bench.seed", Long.toString(seed), "bench.scores", "class 9 of 10"));
        final ModelSpec spec = ModelSpec.newBuilder(base)
                .setInputs(List.of(ModelInput.newBuilder().setInputName(Mlp.INPUT).setColumns(List.of(
                        FeatureColumn.newBuilder().setField(WideEvents.VALUES_FIELD).setWidth(wideWidth).build()))
                        .build()))
                .setOutput(ModelOutput.newBuilder().setScoreOutput(Mlp.OUTPUT).setScoreColumn(9).build())
                .build();
        return new BenchModel(kind, onnx, spec, wideWidth);
    }

    /** The model name: the key on the model topic. */
    public String name() {
        return kind.label;
    }

    /** Whether this model reads wide events rather than transactions. */
    public boolean wide() {
        return kind == Kind.WIDE;
    }

    /** The topic of pre-loaded events this model scores: transactions, or wide events of its width. */
    public String inputTopic() {
        return wide() ? "bench-wide-" + width : Bench.INPUT;
    }

    /** The schema of the events this model scores, registered with its model registry. */
    public Schema eventSchema() {
        return wide() ? WideEvents.SCHEMA : Transaction.getClassSchema();
    }

    /** The field holding the event id of a score. */
    public String eventIdField() {
        return wide() ? WideEvents.EVENT_ID_FIELD : "transaction_id";
    }

    /** Name and shape as the reports show it, e.g. {@code wide (784-128-64-10)}. */
    public String describe() {
        return name() + " (" + (wide() ? width + "-128-64-10" : kind.shape()) + ")";
    }
}
