package io.scorestream.app.models;

import io.scorestream.app.command.CommandLines;
import io.scorestream.app.command.ScorestreamVersion;
import io.scorestream.app.demo.DemoModels;
import io.scorestream.app.models.ModelTopicHistory.Entry;
import io.scorestream.inference.Sha256;
import io.scorestream.inference.onnx.Mlp;
import io.scorestream.inference.features.AggregateDefinition;
import io.scorestream.inference.features.AggregateSyntax;
import io.scorestream.schemas.Aggregate;
import io.scorestream.schemas.FeatureColumn;
import io.scorestream.schemas.ModelInput;
import io.scorestream.schemas.ModelOutput;
import io.scorestream.schemas.ModelSpec;
import io.scorestream.schemas.Rollout;
import io.scorestream.schemas.RolloutRole;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.producer.RecordMetadata;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code scorestream models publish}, and its alias {@code scorestream publish-model}
 * ({@link Alias}): publishes a new version, as the stable spec (replacing any rollout) or, with
 * {@code --candidate canary|shadow}, as the candidate beside the live stable spec.
 *
 * <p>With {@code --signing-key FILE} ({@link SigningOption}) the spec written is signed with that
 * Ed25519 key after every check; without it, it is written unsigned.
 *
 * <p>Everything about the command line is checked before anything is read, trained or written. It
 * has no {@code --version} of the program's own: {@code --version V} is the model version, so of
 * picocli's standard help options only {@code -h, --help} is here. A new instance per command
 * line; not thread-safe.
 */
@Command(name = "publish", versionProvider = ScorestreamVersion.class, sortOptions = false, sortSynopsis = false,
        showDefaultValues = true,
        description = {"Publishes a new version of a model.",
            "Without --candidate it becomes the stable version and any rollout ends. With --candidate canary "
                    + "--percent P or --candidate shadow it becomes the candidate beside the live stable version (replacing any "
                    + "earlier candidate); the model must be live.", ""},
        footer = {"", "--input columns: field (one value of a row; a number, boolean, string or enum), field:default "
                + "(default for null), field[width] (an array filling width values), field[width]:default. An input "
                + "[N, d1, ..., dk] takes d1 x ... x dk values per row, row-major."})
public class PublishCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    ModelsCommand.Connection connection;

    @Option(names = "--name", required = true, paramLabel = "NAME", description = "The model.")
    String name;

    @Option(names = "--version", required = true, paramLabel = "V", description = "The new version.")
    String version;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Artifact artifact;

    @Option(names = "--seed", paramLabel = "N", description = "Training seed of --train-demo.")
    long seed = 42;

    @Option(names = "--uri", paramLabel = "URI",
            description = "Publish this reference to the artifact (file:, http:, https:) instead of its bytes inline; "
                    + "the sha256 is still that of the file.")
    URI uri;

    @Option(names = "--input", paramLabel = "NAME=FIELDS",
            description = "A model input and the fields filling its columns, comma-separated, in order (repeatable; "
                    + "default: features=<the 30 demo features>).")
    Map<String, String> inputs;

    @Option(names = "--input-dims", paramLabel = "NAME=DIMS",
            description = "An input's dimensions after the batch, comma-separated (e.g. x=5,30), for a model that "
                    + "leaves some of them symbolic (repeatable; NAME must be an input the mapping fills).")
    Map<String, String> inputDims;

    @Option(names = "--aggregate", paramLabel = "NAME=FUNC(FIELD) by GROUP over WINDOW",
            description = "A behavioural feature computed from the stream before scoring, which an --input column "
                    + "can then name like a field (repeatable), e.g. 'amount_sum_24h=sum(amount) by account_id over "
                    + "24h'. Functions: count, sum, mean, min, max, stddev, count_distinct, last, since_last; GROUP: "
                    + "a field or 'key' (the record key); optional, in order: 'bucket D', 'grace D', "
                    + "'where FIELD = VALUE' (or !=), 'excluding current'. See docs/FEATURES.md.")
    List<String> aggregates;

    @Option(names = "--output", paramLabel = "NAME", description = "The output holding the score.")
    String output = Mlp.OUTPUT;

    @Option(names = "--score-column", paramLabel = "N",
            description = "Column of an [N,k] score output (default: the last).")
    Integer scoreColumn;

    @Option(names = "--score-class", paramLabel = "C",
            description = "Class whose probability is the score: of a sequence-of-maps (ZipMap) output (default: 1), "
                    + "or, with --class-labels, of an [N,k] output.")
    String scoreClass;

    @Option(names = "--label-output", paramLabel = "NAME", description = "An output holding the predicted label.")
    String labelOutput;

    @Option(names = "--class-labels", paramLabel = "C1,C2,...", split = ",",
            description = "Names of the classes of an [N,k] score output, in column order: each score then carries "
                    + "the predicted class (argmax) and every class's probability; --score-class may then pick the "
                    + "score's column by name.")
    List<String> classLabels;

    @Option(names = "--softmax", description = "Apply softmax across the columns of an [N,k] score output first "
            + "(the model outputs logits).")
    boolean softmax;

    @Option(names = "--top-k", paramLabel = "K",
            description = "List the K most probable classes on each score (needs --class-labels or a ZipMap output).")
    Integer topK;

    @Option(names = "--threshold", paramLabel = "X", description = "Decision threshold: positive when score >= X.")
    double threshold = 0.5;

    @Option(names = "--meta", paramLabel = "KEY=VALUE", description = "Free-form metadata (repeatable).")
    Map<String, String> meta;

    @Option(names = "--candidate", paramLabel = "ROLE",
            description = "Run it as the candidate beside the live stable version: ${COMPLETION-CANDIDATES} "
                    + "(default: it becomes the stable version).")
    Candidate candidate;

    @Option(names = "--percent", paramLabel = "P",
            description = "With --candidate canary: the share of keys the candidate scores instead of stable, 0 to "
                    + "100.")
    Double percent;

    @Option(names = "--feature-topic", paramLabel = "TOPIC",
            description = "A topic of the feature records this model will score (repeatable): the latest value schema "
                    + "registered for it must fill the input mapping, or nothing is published.")
    List<String> featureTopics;

    @Option(names = "--force",
            description = "Publish even if a check fails (the applications will then refuse the version and keep "
                    + "the one they serve); says which check failed.")
    boolean force;

    @Mixin
    SigningOption signing;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
    boolean help;

    /** Where the ONNX model comes from: a file, or the demo's trainer. Exactly one. */
    static final class Artifact {

        @Option(names = "--onnx", required = true, paramLabel = "FILE", description = "The ONNX model file.")
        Path onnx;

        @Option(names = "--train-demo", required = true,
                description = "Train the demo fraud model (Java MLP on synthetic transactions) and publish it.")
        boolean trainDemo;
    }

    /** The rollout role of {@code --candidate}, spelt in lower case on the command line. */
    enum Candidate {
        CANARY(RolloutRole.CANARY), SHADOW(RolloutRole.SHADOW);

        private final RolloutRole role;

        Candidate(final RolloutRole role) {
            this.role = role;
        }

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** {@code scorestream publish-model}: the same command under its older name. */
    @Command(name = "publish-model", versionProvider = ScorestreamVersion.class, sortOptions = false,
            sortSynopsis = false, showDefaultValues = true,
            description = {"Alias of 'models publish' (same options).",
                "Publishes a new version of a model; see 'scorestream models publish --help'.", ""})
    public static final class Alias extends PublishCommand {
    }

    @Override
    public Integer call() throws IOException, InterruptedException {
        final RolloutRole role = candidateRole();
        final String model = CommandLines.requireNonBlank(spec, "--name", name);
        final String v = CommandLines.requireNonBlank(spec, "--version", version);
        signing.load(spec);
        final ModelsCommand.Target target = connection.target(spec);
        final BuiltSpec built = buildSpec(model, v);
        final ModelSpec published = built.spec();
        check(target, built);

        if (role == null) {
            final RecordMetadata at = target.send(model, signing.apply(spec, published));
            CommandLines.out(spec).printf(Locale.ROOT, "published %s: version %s as the stable version, no rollout, "
                    + "to %s (%s)%n", model, v, ModelsCommand.where(at), built.describe());
            signing.report(spec);
            return CommandLines.OK;
        }
        final Entry live = target.history().latest().get(model);
        if (live == null) {
            throw CommandLines.usage(spec, String.format(Locale.ROOT, "model '%s' has no live version on topic '%s' "
                    + "for candidate version %s to run beside; publish it without --candidate first", model,
                    target.topic(), v));
        }
        final ModelSpec stable = live.specOrNull();
        if (stable.getVersion().equals(v)) {
            throw CommandLines.usage(spec, String.format(Locale.ROOT, "version %s is the live stable version of model "
                    + "'%s'; a candidate must be another version", v, model));
        }
        final Rollout replaced = stable.getRollout();
        final double share = role == RolloutRole.CANARY ? percent : 0.0;
        final ModelSpec withCandidate = ModelSpec.newBuilder(stable)
                .setRollout(Rollout.newBuilder().setRole(role).setCanaryPercent(share).setCandidate(published).build())
                .build();
        final RecordMetadata at = target.send(model, signing.apply(spec, withCandidate));
        CommandLines.out(spec).printf(Locale.ROOT, "published %s: candidate version %s (%s) beside stable version "
                + "%s%s to %s (%s)%n", model, v, ModelsCommand.describe(withCandidate.getRollout()),
                stable.getVersion(), replaced == null ? "" : ", replacing candidate "
                        + replaced.getCandidate().getVersion() + " (" + ModelsCommand.describe(replaced) + "),",
                ModelsCommand.where(at), built.describe());
        signing.report(spec);
        return CommandLines.OK;
    }

    /** The rollout role asked for with {@code --candidate}, {@code null} for none; checks {@code --percent}. */
    private RolloutRole candidateRole() {
        if (candidate == null) {
            if (percent != null) {
                throw CommandLines.usage(spec, "--percent needs --candidate canary");
            }
            return null;
        }
        switch (candidate) {
            case CANARY -> {
                if (percent == null) {
                    throw CommandLines.usage(spec, "--candidate canary needs --percent P (0 to 100), the share of keys "
                            + "the candidate scores");
                }
                ModelsCommand.requirePercent(spec, percent);
            }
            case SHADOW -> {
                if (percent != null) {
                    throw CommandLines.usage(spec, "--percent applies to --candidate canary only; a shadow candidate "
                            + "scores every record");
                }
            }
            default -> throw new IllegalStateException("unknown candidate role " + candidate);
        }
        return candidate.role;
    }

    /**
     * Runs {@link PublishChecks} and prints what was checked; a failed check ends the command
     * (exit 2, nothing written) unless {@code --force}, which prints the failure and goes on.
     */
    private void check(final ModelsCommand.Target target, final BuiltSpec built) {
        final List<String> topics = new ArrayList<>();
        if (featureTopics != null) {
            for (String t : featureTopics) {
                topics.add(CommandLines.requireNonBlank(spec, "--feature-topic", t));
            }
        }
        final PublishChecks.Outcome outcome = PublishChecks.run(built.spec(), built.artifact(), target.schemas(),
                topics);
        final PrintStream out = CommandLines.out(spec);
        for (String line : outcome.checked()) {
            out.println("checked: " + line);
        }
        if (outcome.passed()) {
            return;
        }
        if (!force) {
            throw new CommandLines.Refused(outcome.refusal() + ". Nothing was published: every application would "
                    + "refuse this version and keep serving the one it has. Fix the mapping (--input) or the model; "
                    + "--force publishes it anyway.");
        }
        CommandLines.err(spec).println("warning: publishing despite a failed check (--force): " + outcome.refusal()
                + ". The applications will refuse this version and keep serving the one they have.");
    }

    /** A spec built from the command line, its artifact's bytes, and where the artifact is, for the printed line. */
    private record BuiltSpec(ModelSpec spec, byte[] artifact, URI uri) {
        String describe() {
            return String.format(Locale.ROOT, "%,d bytes %s, sha256 %s", artifact.length,
                    uri == null ? "inline" : "at " + uri, spec.getSha256());
        }
    }

    /** Checks the spec's options, then reads or trains the artifact and builds the spec. */
    private BuiltSpec buildSpec(final String model, final String v) throws IOException {
        final Map<String, String> metadata = new LinkedHashMap<>();
        if (artifact.trainDemo) {
            metadata.put("trainer", "MlpTrainer (demo)");
        }
        if (meta != null) {
            meta.forEach((key, value) -> {
                if (key.isEmpty()) {
                    throw CommandLines.usage(spec, "--meta needs key=value, got '=" + value + "'");
                }
                metadata.put(key, value);
            });
        }
        final List<ModelInput> modelInputs = new ArrayList<>();
        if (inputs == null || inputs.isEmpty()) {
            modelInputs.addAll(DemoModels.transactionInputs(Mlp.INPUT));
        } else {
            inputs.forEach((input, fields) -> {
                if (input.isEmpty() || fields.isEmpty()) {
                    throw CommandLines.usage(spec, "--input needs NAME=field1,field2,..., got '" + input + "="
                            + fields + "'");
                }
                final List<FeatureColumn> cols = new ArrayList<>();
                for (String f : fields.split(",")) {
                    cols.add(column(f.trim()));
                }
                modelInputs.add(ModelInput.newBuilder().setInputName(input).setColumns(cols).build());
            });
        }
        if (inputDims != null) {
            inputDims.forEach((input, text) -> {
                int at = modelInputs.size() - 1;
                while (at >= 0 && !modelInputs.get(at).getInputName().equals(input)) {
                    at--;
                }
                if (at < 0) {
                    throw CommandLines.usage(spec, "--input-dims names input '" + input + "', which the mapping does "
                            + "not fill");
                }
                modelInputs.set(at, ModelInput.newBuilder(modelInputs.get(at)).setDims(dims(input, text)).build());
            });
        }
        if (scoreColumn != null) {
            CommandLines.requireAtLeast(spec, "--score-column", scoreColumn, 0);
        }
        final List<Aggregate> declared = new ArrayList<>();
        if (aggregates != null) {
            final java.util.Set<String> names = new java.util.HashSet<>();
            for (String text : aggregates) {
                try {
                    final Aggregate a = AggregateSyntax.parse(text);
                    AggregateDefinition.of(a);
                    if (!names.add(a.getName())) {
                        throw CommandLines.usage(spec, "--aggregate: two aggregates are named '" + a.getName() + "'");
                    }
                    declared.add(a);
                } catch (IllegalArgumentException e) {
                    throw CommandLines.usage(spec, "--aggregate: " + e.getMessage());
                }
            }
        }
        final byte[] onnx;
        if (artifact.trainDemo) {
            onnx = DemoModels.train(1, seed).toOnnx();
        } else {
            if (!Files.isRegularFile(artifact.onnx)) {
                throw CommandLines.usage(spec, "ONNX file '" + artifact.onnx + "' does not exist");
            }
            onnx = Files.readAllBytes(artifact.onnx);
        }
        final ModelSpec.Builder b = ModelSpec.newBuilder()
                .setName(model)
                .setVersion(v)
                .setSha256(Sha256.hex(onnx))
                .setInputs(modelInputs)
                .setAggregates(declared.isEmpty() ? null : declared)
                .setOutput(ModelOutput.newBuilder()
                        .setScoreOutput(output)
                        .setScoreColumn(scoreColumn)
                        .setScoreClass(scoreClass)
                        .setLabelOutput(labelOutput)
                        .setSoftmax(softmax ? Boolean.TRUE : null)
                        .setClassLabels(classLabels == null ? null : List.copyOf(classLabels))
                        .setTopK(topK)
                        .build())
                .setThreshold(threshold)
                .setCreatedAt(Instant.now())
                .setMetadata(metadata)
                .setRollout(null);
        if (uri != null) {
            b.setArtifactUri(uri.toString()).setArtifactBytes(null);
        } else {
            b.setArtifactUri(null).setArtifactBytes(ByteBuffer.wrap(onnx));
        }
        return new BuiltSpec(b.build(), onnx, uri);
    }

    /** {@code d1,d2,...}: whole numbers of at least 1. */
    private List<Long> dims(final String input, final String text) {
        final List<Long> dims = new ArrayList<>();
        for (String d : text.split(",", -1)) {
            try {
                final long value = Long.parseLong(d.trim());
                if (value >= 1) {
                    dims.add(value);
                    continue;
                }
            } catch (NumberFormatException e) {
                // refused below, with the whole option
            }
            throw CommandLines.usage(spec, "--input-dims " + input + "=" + text + ": each dimension must be a whole "
                    + "number >= 1");
        }
        return dims;
    }

    /** {@code field}, {@code field:default} or {@code field[width]} / {@code field[width]:default}. */
    private FeatureColumn column(final String text) {
        String field = text;
        Double def = null;
        Integer width = null;
        final int colon = field.indexOf(':');
        if (colon > 0) {
            try {
                def = Double.valueOf(field.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw CommandLines.usage(spec, "bad default in --input column '" + text + "'");
            }
            field = field.substring(0, colon);
        }
        final int bracket = field.indexOf('[');
        if (bracket > 0 && field.endsWith("]")) {
            try {
                width = Integer.valueOf(field.substring(bracket + 1, field.length() - 1));
            } catch (NumberFormatException e) {
                throw CommandLines.usage(spec, "bad width in --input column '" + text + "'");
            }
            field = field.substring(0, bracket);
        }
        return FeatureColumn.newBuilder().setField(field).setDefaultValue(def).setWidth(width).build();
    }
}
