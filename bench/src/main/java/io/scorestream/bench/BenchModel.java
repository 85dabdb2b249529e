package io.scorestream.bench;

import io.scorestream.inference.onnx.Mlp;
import io.scorestream.schemas.ModelSpec;
import io.scorestream.app.demo.DemoModels;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;

/**
 * A reference model of the benchmark: a seeded random MLP over the 30 Transaction features,
 * exported to ONNX and wrapped in an inline {@link ModelSpec}. Immutable.
 *
 * @param kind which reference model
 * @param onnx the ONNX bytes
 * @param spec the spec published to the model topic (key = {@link #name()})
 */
public record BenchModel(Kind kind, byte[] onnx, ModelSpec spec) {

    /** The two reference models. */
    public enum Kind {
        /** The demo's size: 30 inputs, one hidden layer of 64, one output. */
        DEMO("demo", new int[] {30, 64, 1}),
        /** 30 inputs, two hidden layers of 256, one output. */
        LARGE("large", new int[] {30, 256, 256, 1});

        private final String label;
        private final int[] widths;

        Kind(String label, int[] widths) {
            this.label = label;
            this.widths = widths;
        }

        public String label() {
            return label;
        }

        /** Layer widths, input first, e.g. {@code 30-64-1}. */
        public String shape() {
            final StringBuilder b = new StringBuilder();
            for (int w : widths) {
                b.append(b.length() == 0 ? "" : "-").append(w);
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
            throw new IllegalArgumentException("unknown model '" + text + "'; known: demo, large");
        }
    }

    /** Builds {@code kind} from {@code seed}; the same seed gives the same bytes. */
    public static BenchModel of(Kind kind, long seed) {
        final Mlp mlp = Mlp.random(seed, Arrays.copyOf(kind.widths, kind.widths.length));
        final byte[] onnx = mlp.toOnnx();
        final ModelSpec spec = DemoModels.inlineSpec(kind.label, "1", onnx, 0.5,
                Map.of("bench.shape", kind.shape(), "bench.seed", Long.toString(seed)));
        return new BenchModel(kind, onnx, spec);
    }

    /** The model name: the key on the model topic. */
    public String name() {
        return kind.label;
    }
}
