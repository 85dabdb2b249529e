package io.scorestream.app.models;

import io.scorestream.app.cli.Args;
import io.scorestream.app.demo.DemoModels;

import io.scorestream.inference.Sha256;
import io.scorestream.inference.onnx.Mlp;
import io.scorestream.schemas.FeatureColumn;
import io.scorestream.schemas.ModelInput;
import io.scorestream.schemas.ModelOutput;
import io.scorestream.schemas.ModelSpec;
import io.scorestream.schemas.Rollout;
import io.scorestream.schemas.RolloutRole;
import io.scorestream.schemas.registry.HttpSchemaRegistry;
import io.scorestream.schemas.registry.SchemaRegistry;
import io.scorestream.schemas.serde.ConfluentAvroSerializer;
import io.scorestream.app.models.ModelTopicHistory.Entry;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Reader;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * {@code scorestream models <list|publish|promote|rollback|retire>}: what is live on the model
 * topic, and the changes of a gray release, each one record on that topic.
 *
 * <ul>
 *   <li>{@code list}: the live models (stable version, sha256, created_at, candidate with role and
 *       canary percent), or with {@code --history NAME} every record of one name;
 *   <li>{@code publish}: a new version, as the stable spec (replacing any rollout) or, with
 *       {@code --candidate canary|shadow}, as the candidate beside the live stable spec;
 *   <li>{@code promote}: the candidate becomes the stable spec, without a rollout;
 *   <li>{@code rollback}: drops the candidate, or with {@code --to VERSION} republishes an earlier
 *       version found in the topic's history;
 *   <li>{@code retire}: a tombstone.
 * </ul>
 *
 * <p>Commands that depend on what is live read the whole topic first ({@link ModelTopicHistory}).
 * Writes use an idempotent producer with {@code acks=all} and wait for the acknowledgement; each
 * prints one line naming what was published and where (topic-partition@offset). There is no lock
 * between reading and writing: two operators changing the same model at once both succeed and the
 * later record wins, as the printed offsets show.
 *
 * <p>Wrong command lines, and changes that make no sense for what is live (promoting without a
 * candidate, rolling back to a version the topic never held), throw {@link Args.UsageException}
 * with a message naming the option, model or version (exit code 2). Stateless; every call creates
 * and closes its own Kafka clients.
 */
public final class ModelsCommand {

    static final String DEFAULT_TOPIC = "model-specs";
    static final long DEFAULT_TIMEOUT_MS = 30_000;

    /** Metadata key a promoted spec carries: the stable version it replaced. */
    public static final String PROMOTED_FROM = "promoted_from";
    /** Metadata key a spec republished by {@code rollback --to} carries: the stable version it replaced. */
    public static final String ROLLED_BACK_FROM = "rolled_back_from";

    private static final int SHORT_SHA = 12;
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);

    private static final Set<String> CONNECTION = Set.of("bootstrap", "schema-registry", "topic", "client-config",
            "timeout-ms");
    private static final Set<String> SPEC = Set.of("name", "version", "onnx", "uri", "input", "output",
            "score-column", "score-class", "label-output", "threshold", "meta", "seed", "candidate", "percent");

    private ModelsCommand() {
    }

    /** Runs {@code models <sub-command> [options]}; {@code args} starts with the sub-command. */
    public static void run(final String[] args, final PrintStream out) throws Exception {
        if (args.length == 0 || args[0].startsWith("--")) {
            throw new Args.UsageException("models: give a sub-command: list, publish, ramp, promote, rollback or "
                    + "retire");
        }
        final String[] rest = Arrays.copyOfRange(args, 1, args.length);
        switch (args[0]) {
            case "list" -> list(rest, out);
            case "publish" -> publish("models publish", rest, out);
            case "ramp" -> ramp(rest, out);
            case "promote" -> promote(rest, out);
            case "rollback" -> rollback(rest, out);
            case "retire" -> retire(rest, out);
            default -> throw new Args.UsageException("models: unknown sub-command '" + args[0]
                    + "'; use list, publish, ramp, promote, rollback or retire");
        }
    }

    // ---------------------------------------------------------------------------------- list

    static void list(final String[] args, final PrintStream out) {
        final String cmd = "models list";
        final Args a = Args.parse(cmd, args, union(CONNECTION, Set.of("history")), Set.of("full"));
        final boolean full = a.flag("full");
        final Target t = Target.of(cmd, a);
        final ModelTopicHistory history = t.history();
        if (a.has("history")) {
            printHistory(cmd, history, a.required("history"), full, out);
        } else {
            printLive(history, full, out);
        }
        if (history.undecodable() > 0) {
            out.printf(Locale.ROOT, "(%d undecodable record(s) skipped; the log names them)%n", history.undecodable());
        }
    }

    private static void printLive(final ModelTopicHistory history, final boolean full, final PrintStream out) {
        final Map<String, Entry> live = history.latest();
        if (live.isEmpty()) {
            out.printf(Locale.ROOT, "no live models on '%s' (%d records read)%n", history.topic(),
                    history.entries().size());
            return;
        }
        final Table table = new Table("NAME", "STABLE", "SHA256", "CREATED_AT", "CANDIDATE", "ROLE", "CANARY_%");
        for (Entry e : live.values()) {
            final ModelSpec spec = e.specOrNull();
            final Rollout r = spec.getRollout();
            table.row(e.name(), spec.getVersion(), sha(spec, full), createdAt(spec),
                    r == null ? "-" : r.getCandidate().getVersion(),
                    r == null ? "-" : role(r.getRole()),
                    r == null || r.getRole() != RolloutRole.CANARY ? "-" : percent(r.getCanaryPercent()));
        }
        table.print(out);
    }

    private static void printHistory(final String cmd, final ModelTopicHistory history, final String name,
            final boolean full, final PrintStream out) {
        final List<Entry> timeline = history.timeline(name);
        if (timeline.isEmpty()) {
            throw new Args.UsageException(cmd + ": no records of model '" + name + "' on topic '"
                    + history.topic() + "'");
        }
        out.printf(Locale.ROOT, "history of model '%s' on '%s' (%d records):%n", name, history.topic(),
                timeline.size());
        final Table table = new Table("TIME", "AT", "STABLE", "SHA256", "CANDIDATE", "ROLE", "CANARY_%", "CHANGE");
        Entry previous = null;
        for (Entry e : timeline) {
            final ModelSpec spec = e.specOrNull();
            final Rollout r = e.rollout();
            table.row(Instant.ofEpochMilli(e.timestamp()).toString(), e.partition() + "@" + e.offset(),
                    spec == null ? "(tombstone)" : spec.getVersion(),
                    spec == null ? "-" : sha(spec, full),
                    r == null ? "-" : r.getCandidate().getVersion(),
                    r == null ? "-" : role(r.getRole()),
                    r == null || r.getRole() != RolloutRole.CANARY ? "-" : percent(r.getCanaryPercent()),
                    change(previous, e));
            previous = e;
        }
        table.print(out);
    }

    /** What a record changed relative to the previous record of the same name, in a few words. */
    static String change(final Entry previous, final Entry current) {
        if (current.isTombstone()) {
            return "retired";
        }
        final ModelSpec cur = current.specOrNull();
        final Rollout curRollout = cur.getRollout();
        if (previous == null || previous.isTombstone()) {
            return curRollout == null ? "published" : "published with candidate";
        }
        final ModelSpec prev = previous.specOrNull();
        final Rollout prevRollout = prev.getRollout();
        final boolean sameStable = cur.getVersion().equals(prev.getVersion());
        if (!sameStable) {
            if (prevRollout != null && cur.getVersion().equals(prevRollout.getCandidate().getVersion())) {
                return curRollout == null ? "candidate promoted" : "candidate promoted, new candidate";
            }
            if (cur.getMetadata().containsKey(ROLLED_BACK_FROM)) {
                return "rolled back to an earlier version";
            }
            return curRollout == null ? "stable replaced" : "stable replaced, with candidate";
        }
        if (curRollout == null) {
            return prevRollout == null ? "republished" : "candidate dropped";
        }
        if (prevRollout == null) {
            return "candidate added";
        }
        if (!curRollout.getCandidate().getVersion().equals(prevRollout.getCandidate().getVersion())) {
            return "candidate replaced";
        }
        return curRollout.getRole() == prevRollout.getRole()
                && curRollout.getCanaryPercent() == prevRollout.getCanaryPercent()
                ? "republished" : "rollout changed";
    }

    // ------------------------------------------------------------------------------- publish

    /**
     * Publishes a new version: {@code models publish}, and its alias {@code publish-model}
     * ({@code cmd} names the command in messages).
     */
    public static void publish(final String cmd, final String[] args, final PrintStream out) throws Exception {
        final Args a = Args.parse(cmd, args, union(CONNECTION, SPEC), Set.of("train-demo"));
        // Everything about the command line is checked before anything is read or trained.
        final RolloutRole role = candidateRole(cmd, a);
        final double percent = role == RolloutRole.CANARY ? a.doubleValue("percent", 0) : 0.0;
        final String name = a.required("name");
        final String version = a.required("version");
        final Target target = Target.of(cmd, a);
        final BuiltSpec built = buildSpec(cmd, a, name, version);
        final ModelSpec spec = built.spec();

        if (role == null) {
            final RecordMetadata at = target.send(name, spec);
            out.printf(Locale.ROOT, "published %s: version %s as the stable version, no rollout, to %s (%s)%n",
                    name, version, where(at), built.describe());
            return;
        }
        final ModelTopicHistory history = target.history();
        final Entry live = history.latest().get(name);
        if (live == null) {
            throw new Args.UsageException(String.format(Locale.ROOT, "%s: model '%s' has no live version on topic "
                    + "'%s' for candidate version %s to run beside; publish it without --candidate first",
                    cmd, name, target.topic(), version));
        }
        final ModelSpec stable = live.specOrNull();
        if (stable.getVersion().equals(version)) {
            throw new Args.UsageException(String.format(Locale.ROOT, "%s: version %s is the live stable version of "
                    + "model '%s'; a candidate must be another version", cmd, version, name));
        }
        final Rollout replaced = stable.getRollout();
        final ModelSpec withCandidate = ModelSpec.newBuilder(stable)
                .setRollout(Rollout.newBuilder().setRole(role).setCanaryPercent(percent).setCandidate(spec).build())
                .build();
        final RecordMetadata at = target.send(name, withCandidate);
        out.printf(Locale.ROOT, "published %s: candidate version %s (%s) beside stable version %s%s to %s (%s)%n",
                name, version, describe(withCandidate.getRollout()), stable.getVersion(),
                replaced == null ? "" : ", replacing candidate " + replaced.getCandidate().getVersion()
                        + " (" + describe(replaced) + "),",
                where(at), built.describe());
    }

    /** The rollout role asked for with {@code --candidate}, {@code null} for none; checks {@code --percent}. */
    private static RolloutRole candidateRole(final String cmd, final Args a) {
        if (!a.has("candidate")) {
            if (a.has("percent")) {
                throw new Args.UsageException(cmd + ": --percent needs --candidate canary");
            }
            return null;
        }
        final String role = Args.lower(a.get("candidate", "").trim());
        switch (role) {
            case "canary" -> {
                if (!a.has("percent")) {
                    throw new Args.UsageException(cmd + ": --candidate canary needs --percent P (0 to 100), "
                            + "the share of keys the candidate scores");
                }
                final double percent = a.doubleValue("percent", 0);
                if (!(percent >= 0 && percent <= 100)) {
                    throw new Args.UsageException(cmd + ": --percent must be within [0, 100], got "
                            + a.get("percent", ""));
                }
                return RolloutRole.CANARY;
            }
            case "shadow" -> {
                if (a.has("percent")) {
                    throw new Args.UsageException(cmd + ": --percent applies to --candidate canary only; "
                            + "a shadow candidate scores every record");
                }
                return RolloutRole.SHADOW;
            }
            default -> throw new Args.UsageException(cmd + ": --candidate must be canary or shadow, got '"
                    + a.get("candidate", "") + "'");
        }
    }

    /** A spec built from the command line, and what its artifact is, for the printed line. */
    private record BuiltSpec(ModelSpec spec, int artifactBytes, String uri) {
        String describe() {
            return String.format(Locale.ROOT, "%,d bytes %s, sha256 %s", artifactBytes,
                    uri == null ? "inline" : "at " + uri, spec.getSha256());
        }
    }

    private static BuiltSpec buildSpec(final String cmd, final Args a, final String name, final String version)
            throws IOException {
        final byte[] onnx;
        final Map<String, String> meta = new LinkedHashMap<>();
        if (a.flag("train-demo")) {
            if (a.has("onnx")) {
                throw new Args.UsageException(cmd + ": give either --onnx or --train-demo, not both");
            }
            final Mlp mlp = DemoModels.train(1, a.longValue("seed", 42, Long.MIN_VALUE));
            onnx = mlp.toOnnx();
            meta.put("trainer", "MlpTrainer (demo)");
        } else {
            final Path file = Path.of(a.required("onnx"));
            if (!Files.isRegularFile(file)) {
                throw new Args.UsageException(cmd + ": ONNX file '" + file + "' does not exist");
            }
            onnx = Files.readAllBytes(file);
        }
        for (String kv : a.all("meta")) {
            final int eq = kv.indexOf('=');
            if (eq <= 0) {
                throw new Args.UsageException(cmd + ": --meta needs key=value, got '" + kv + "'");
            }
            meta.put(kv.substring(0, eq), kv.substring(eq + 1));
        }
        final List<ModelInput> inputs = new ArrayList<>();
        if (a.all("input").isEmpty()) {
            inputs.addAll(DemoModels.transactionInputs(Mlp.INPUT));
        }
        for (String spec : a.all("input")) {
            final int eq = spec.indexOf('=');
            if (eq <= 0 || eq == spec.length() - 1) {
                throw new Args.UsageException(cmd + ": --input needs NAME=field1,field2,..., got '" + spec + "'");
            }
            final List<FeatureColumn> cols = new ArrayList<>();
            for (String f : spec.substring(eq + 1).split(",")) {
                cols.add(column(cmd, f.trim()));
            }
            inputs.add(ModelInput.newBuilder().setInputName(spec.substring(0, eq)).setColumns(cols).build());
        }
        final ModelSpec.Builder b = ModelSpec.newBuilder()
                .setName(name)
                .setVersion(version)
                .setSha256(Sha256.hex(onnx))
                .setInputs(inputs)
                .setOutput(ModelOutput.newBuilder()
                        .setScoreOutput(a.get("output", Mlp.OUTPUT))
                        .setScoreColumn(a.has("score-column") ? (int) a.longValue("score-column", 0, 0) : null)
                        .setScoreClass(a.get("score-class", null))
                        .setLabelOutput(a.get("label-output", null))
                        .build())
                .setThreshold(a.doubleValue("threshold", 0.5))
                .setCreatedAt(Instant.now())
                .setMetadata(meta)
                .setRollout(null);
        final String uri = a.get("uri", null);
        if (uri != null) {
            b.setArtifactUri(uri).setArtifactBytes(null);
        } else {
            b.setArtifactUri(null).setArtifactBytes(ByteBuffer.wrap(onnx));
        }
        return new BuiltSpec(b.build(), onnx.length, uri);
    }

    /** {@code field}, {@code field:default} or {@code field[width]} / {@code field[width]:default}. */
    private static FeatureColumn column(final String cmd, final String text) {
        String field = text;
        Double def = null;
        Integer width = null;
        final int colon = field.indexOf(':');
        if (colon > 0) {
            try {
                def = Double.valueOf(field.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new Args.UsageException(cmd + ": bad default in --input column '" + text + "'");
            }
            field = field.substring(0, colon);
        }
        final int bracket = field.indexOf('[');
        if (bracket > 0 && field.endsWith("]")) {
            try {
                width = Integer.valueOf(field.substring(bracket + 1, field.length() - 1));
            } catch (NumberFormatException e) {
                throw new Args.UsageException(cmd + ": bad width in --input column '" + text + "'");
            }
            field = field.substring(0, bracket);
        }
        return FeatureColumn.newBuilder().setField(field).setDefaultValue(def).setWidth(width).build();
    }

    // ------------------------------------------------------------------------------- promote

    /**
     * {@code models ramp --name N --percent P}: the live canary's share of keys becomes P, nothing
     * else changes (same candidate spec, no new artifact): the registry swaps at once, loading
     * nothing. Keys keep their buckets, so raising P keeps every key already on the canary there.
     */
    static void ramp(final String[] args, final PrintStream out) throws Exception {
        final String cmd = "models ramp";
        final Args a = Args.parse(cmd, args, union(CONNECTION, Set.of("name", "percent")), Set.of());
        final String name = a.required("name");
        a.required("percent");
        final double percent = a.doubleValue("percent", Double.NaN);
        if (!(percent >= 0 && percent <= 100)) {
            throw new Args.UsageException(cmd + ": --percent must be within [0, 100], got " + a.get("percent", null));
        }
        final Target t = Target.of(cmd, a);
        final ModelSpec live = requireLive(cmd, t, t.history(), name);
        final Rollout rollout = live.getRollout();
        if (rollout == null || rollout.getRole() != RolloutRole.CANARY) {
            throw new Args.UsageException(String.format(Locale.ROOT, "%s: model '%s' has no canary to ramp (%s); "
                    + "publish one with 'models publish --candidate canary --percent P'", cmd, name,
                    rollout == null ? "stable version " + live.getVersion() + " is live alone" : describe(rollout)));
        }
        final ModelSpec ramped = ModelSpec.newBuilder(live)
                .setRollout(Rollout.newBuilder(rollout).setCanaryPercent(percent).build())
                .build();
        final RecordMetadata at = t.send(name, ramped);
        out.printf(Locale.ROOT, "published %s: canary version %s ramped from %s%% to %s%% of keys beside stable "
                + "version %s, to %s%n", name, rollout.getCandidate().getVersion(), percent(rollout.getCanaryPercent()),
                percent(percent), live.getVersion(), where(at));
    }

    static void promote(final String[] args, final PrintStream out) throws Exception {
        final String cmd = "models promote";
        final Args a = Args.parse(cmd, args, union(CONNECTION, Set.of("name")), Set.of());
        final String name = a.required("name");
        final Target t = Target.of(cmd, a);
        final ModelSpec live = requireLive(cmd, t, t.history(), name);
        final Rollout rollout = live.getRollout();
        if (rollout == null) {
            throw new Args.UsageException(String.format(Locale.ROOT, "%s: model '%s' has no candidate to promote: "
                    + "stable version %s is live alone on '%s'", cmd, name, live.getVersion(), t.topic()));
        }
        final ModelSpec candidate = rollout.getCandidate();
        final Map<String, String> meta = new LinkedHashMap<>(candidate.getMetadata());
        meta.put(PROMOTED_FROM, live.getVersion());
        final ModelSpec promoted = ModelSpec.newBuilder(candidate)
                .setCreatedAt(Instant.now())
                .setMetadata(meta)
                .setRollout(null)
                .build();
        final RecordMetadata at = t.send(name, promoted);
        out.printf(Locale.ROOT, "published %s: candidate version %s (%s) promoted to the stable version, replacing "
                + "version %s, no rollout, to %s%n", name, promoted.getVersion(), describe(rollout), live.getVersion(),
                where(at));
    }

    // ------------------------------------------------------------------------------ rollback

    static void rollback(final String[] args, final PrintStream out) throws Exception {
        final String cmd = "models rollback";
        final Args a = Args.parse(cmd, args, union(CONNECTION, Set.of("name", "to")), Set.of());
        final String name = a.required("name");
        final String to = a.has("to") ? a.required("to") : null;
        final Target t = Target.of(cmd, a);
        final ModelTopicHistory history = t.history();
        final Entry liveEntry = history.latest().get(name);
        final ModelSpec live = liveEntry == null ? null : liveEntry.specOrNull();
        final Rollout rollout = live == null ? null : live.getRollout();

        if (to == null) {
            if (live == null) {
                throw new Args.UsageException(String.format(Locale.ROOT, "%s: model '%s' is not live on '%s'; give "
                        + "--to VERSION to republish one of its versions (%s)", cmd, name, t.topic(),
                        versionsText(history, name)));
            }
            if (rollout == null) {
                throw new Args.UsageException(String.format(Locale.ROOT, "%s: model '%s' has no candidate to drop "
                        + "(stable version %s is live alone); give --to VERSION to republish an earlier version (%s)",
                        cmd, name, live.getVersion(), versionsText(history, name)));
            }
            final ModelSpec stable = ModelTopicHistory.withoutRollout(live);
            final RecordMetadata at = t.send(name, stable);
            out.printf(Locale.ROOT, "published %s: stable version %s without its candidate, candidate version %s "
                    + "(%s) dropped, to %s%n", name, stable.getVersion(), rollout.getCandidate().getVersion(),
                    describe(rollout), where(at));
            return;
        }
        final Optional<ModelSpec> found = history.findVersion(name, to);
        if (found.isEmpty()) {
            throw new Args.UsageException(String.format(Locale.ROOT, "%s: model '%s' has no version '%s' on topic "
                    + "'%s' (%s)", cmd, name, to, t.topic(), versionsText(history, name)));
        }
        final ModelSpec.Builder b = ModelSpec.newBuilder(found.get()).setCreatedAt(Instant.now()).setRollout(null);
        if (live != null) {
            final Map<String, String> meta = new LinkedHashMap<>(found.get().getMetadata());
            meta.put(ROLLED_BACK_FROM, live.getVersion());
            b.setMetadata(meta);
        }
        final ModelSpec republished = b.build();
        final RecordMetadata at = t.send(name, republished);
        out.printf(Locale.ROOT, "published %s: version %s republished as the stable version, no rollout, replacing "
                + "%s, to %s%n", name, to, live == null ? "nothing (the model was not live)"
                        : "stable version " + live.getVersion()
                                + (rollout == null ? "" : " and candidate version " + rollout.getCandidate().getVersion()
                                        + " (" + describe(rollout) + ")"),
                where(at));
    }

    // -------------------------------------------------------------------------------- retire

    static void retire(final String[] args, final PrintStream out) throws Exception {
        final String cmd = "models retire";
        final Args a = Args.parse(cmd, args, union(CONNECTION, Set.of("name")), Set.of("force"));
        final String name = a.required("name");
        final Target t = Target.of(cmd, a);
        String was = "";
        if (!a.flag("force")) {
            final Entry live = t.history().latest().get(name);
            if (live == null) {
                throw new Args.UsageException(String.format(Locale.ROOT, "%s: model '%s' is not live on '%s'; give "
                        + "--force to write a tombstone anyway", cmd, name, t.topic()));
            }
            final Rollout r = live.rollout();
            was = "; was stable version " + live.stableVersion() + (r == null ? ""
                    : " with candidate version " + r.getCandidate().getVersion() + " (" + describe(r) + ")");
        }
        final RecordMetadata at = t.send(name, null);
        out.printf(Locale.ROOT, "published %s: tombstone (model retired%s) to %s%n", name, was, where(at));
    }

    // ----------------------------------------------------------------------------- helpers

    private static ModelSpec requireLive(final String cmd, final Target t, final ModelTopicHistory history,
            final String name) {
        final Entry live = history.latest().get(name);
        if (live == null) {
            throw new Args.UsageException(String.format(Locale.ROOT, "%s: model '%s' is not live on '%s' (%s)", cmd,
                    name, t.topic(), history.timeline(name).isEmpty() ? "never published" : "retired"));
        }
        return live.specOrNull();
    }

    private static String versionsText(final ModelTopicHistory history, final String name) {
        final Set<String> versions = history.versions(name);
        return versions.isEmpty() ? "the topic holds no version of it"
                : "versions on the topic: " + String.join(", ", versions);
    }

    private static String describe(final Rollout r) {
        return r.getRole() == RolloutRole.CANARY ? "canary, " + percent(r.getCanaryPercent()) + "% of keys" : "shadow";
    }

    private static String role(final RolloutRole role) {
        return Args.lower(role.name());
    }

    /** {@code 10}, {@code 12.5}: no trailing zeros, no exponent. */
    static String percent(final double p) {
        return new BigDecimal(Double.toString(p)).stripTrailingZeros().toPlainString();
    }

    private static String sha(final ModelSpec spec, final boolean full) {
        final String sha = spec.getSha256();
        if (sha == null || sha.isEmpty()) {
            return "-";
        }
        return full || sha.length() <= SHORT_SHA ? sha : sha.substring(0, SHORT_SHA);
    }

    private static String createdAt(final ModelSpec spec) {
        return spec.getCreatedAt() == null ? "-" : spec.getCreatedAt().truncatedTo(ChronoUnit.SECONDS).toString();
    }

    private static String where(final RecordMetadata at) {
        return at.topic() + "-" + at.partition() + "@" + at.offset();
    }

    private static Set<String> union(final Set<String> a, final Set<String> b) {
        final Set<String> all = new HashSet<>(a);
        all.addAll(b);
        return all;
    }

    /** Where the commands read and write: the Kafka client settings, the registry, the topic. */
    private record Target(String cmd, Map<String, Object> clientProps, SchemaRegistry schemas, String topic,
                          Duration timeout) {

        static Target of(final String cmd, final Args a) {
            final String bootstrap = a.required("bootstrap");
            final String registryUrl = a.required("schema-registry");
            final String topic = a.get("topic", DEFAULT_TOPIC);
            if (topic.isBlank()) {
                throw new Args.UsageException(cmd + ": --topic must not be blank");
            }
            final long timeoutMs = a.longValue("timeout-ms", DEFAULT_TIMEOUT_MS, 1);
            final Map<String, Object> props = new HashMap<>();
            if (a.has("client-config")) {
                props.putAll(clientConfig(cmd, Path.of(a.required("client-config"))));
            }
            props.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            final SchemaRegistry schemas;
            try {
                schemas = HttpSchemaRegistry.builder(registryUrl).build();
            } catch (IllegalArgumentException e) {
                throw new Args.UsageException(cmd + ": bad --schema-registry '" + registryUrl + "': " + e.getMessage());
            }
            return new Target(cmd, Map.copyOf(props), schemas, topic, Duration.ofMillis(timeoutMs));
        }

        private static Map<String, Object> clientConfig(final String cmd, final Path file) {
            if (!Files.isRegularFile(file)) {
                throw new Args.UsageException(cmd + ": --client-config file '" + file + "' does not exist");
            }
            final Properties p = new Properties();
            try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                p.load(r);
            } catch (IOException e) {
                throw new Args.UsageException(cmd + ": cannot read --client-config file '" + file + "': " + e);
            }
            final Map<String, Object> props = new HashMap<>();
            p.stringPropertyNames().forEach(k -> props.put(k, p.getProperty(k)));
            return props;
        }

        ModelTopicHistory history() {
            return ModelTopicHistory.read(clientProps, schemas, topic, timeout);
        }

        /**
         * Writes one record ({@code spec} {@code null}: a tombstone) and waits for the broker's
         * acknowledgement (acks=all, idempotent), at most about the timeout.
         */
        RecordMetadata send(final String name, final ModelSpec spec) throws InterruptedException {
            final Map<String, Object> p = new HashMap<>(clientProps);
            p.put(ProducerConfig.ACKS_CONFIG, "all");
            p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
            p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, timeout.toMillis());
            p.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "scorestream-models");
            p.remove(ProducerConfig.TRANSACTIONAL_ID_CONFIG);
            final KafkaProducer<String, ModelSpec> producer = new KafkaProducer<>(p, new StringSerializer(),
                    ConfluentAvroSerializer.specific(schemas, ModelSpec.class, false));
            try {
                final Future<RecordMetadata> ack = producer.send(new ProducerRecord<>(topic, name, spec));
                return ack.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                throw new TimeoutException(String.format(Locale.ROOT, "%s: no acknowledgement from %s for model '%s' "
                        + "on '%s' within %s; the record may still be written: check with 'scorestream models list'",
                        cmd, clientProps.get(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG), name, topic, timeout));
            } catch (ExecutionException e) {
                throw new KafkaException(String.format(Locale.ROOT, "%s: publishing model '%s' to '%s' failed: %s",
                        cmd, name, topic, e.getCause()), e.getCause());
            } catch (KafkaException e) {
                throw new KafkaException(String.format(Locale.ROOT, "%s: publishing model '%s' to '%s' failed: %s",
                        cmd, name, topic, e.getMessage()), e);
            } finally {
                producer.close(CLOSE_TIMEOUT);
            }
        }
    }

    /** A plain-text table: columns as wide as their widest cell, two spaces apart. Not thread-safe. */
    private static final class Table {

        private final List<String[]> rows = new ArrayList<>();

        Table(final String... header) {
            rows.add(header);
        }

        void row(final String... cells) {
            rows.add(cells);
        }

        void print(final PrintStream out) {
            final int[] width = new int[rows.get(0).length];
            for (String[] row : rows) {
                for (int i = 0; i < row.length; i++) {
                    width[i] = Math.max(width[i], row[i].length());
                }
            }
            for (String[] row : rows) {
                final StringBuilder line = new StringBuilder();
                for (int i = 0; i < row.length; i++) {
                    line.append(row[i]);
                    if (i < row.length - 1) {
                        line.append(" ".repeat(width[i] - row[i].length() + 2));
                    }
                }
                out.println(line);
            }
        }
    }
}
