package io.scorestream.tests.models;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.scorestream.app.cli.ScorestreamApp;
import io.scorestream.inference.onnx.LogisticRegression;
import io.scorestream.inference.training.SyntheticTransactions;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** The {@code scorestream models} command line run in-process, for the ITs of this package. */
final class ModelsCli {

    private ModelsCli() {
    }

    /** What a command line printed, and its exit code. */
    record Result(int code, String out, String err) {
        void assertOk() {
            assertEquals(0, code, "exit code; stdout:\n" + out + "\nstderr:\n" + err);
        }
    }

    /**
     * {@code models <args[0]> --bootstrap B --schema-registry R [--topic T] <args[1..]>}.
     *
     * @param topicOrNull the model topic; null for the command's default
     */
    static String[] models(String bootstrap, String registryUrl, String topicOrNull, String... args) {
        final List<String> all = new ArrayList<>(List.of("models", args[0], "--bootstrap", bootstrap,
                "--schema-registry", registryUrl));
        if (topicOrNull != null) {
            all.addAll(List.of("--topic", topicOrNull));
        }
        all.addAll(List.of(args).subList(1, args.length));
        return all.toArray(String[]::new);
    }

    /** Runs {@code scorestream <args>}; when {@code echo}, prints the command line and its output. */
    static Result run(boolean echo, String... args) {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final int code;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            code = ScorestreamApp.execute(args, o, e);
        }
        final Result r = new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        if (echo) {
            System.out.print(String.join(" ", args) + System.lineSeparator() + r.out + r.err);
        }
        return r;
    }

    /** A logistic regression over the 30 demo features, with weights drawn from {@code seed}. */
    static byte[] logisticRegression(long seed) {
        final Random random = new Random(seed);
        final float[] weights = new float[SyntheticTransactions.FEATURE_FIELDS.size()];
        for (int i = 0; i < weights.length; i++) {
            weights[i] = (float) random.nextGaussian();
        }
        return new LogisticRegression(weights, (float) random.nextGaussian()).toOnnx();
    }

    /** Writes {@code onnx} to a new file in {@code dir}; returns its path. */
    static String write(Path dir, byte[] onnx) throws IOException {
        final Path f = Files.createTempFile(dir, "model-", ".onnx");
        Files.write(f, onnx);
        return f.toString();
    }
}
