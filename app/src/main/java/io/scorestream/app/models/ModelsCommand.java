package io.scorestream.app.models;

import io.scorestream.app.command.CommandLines;
import io.scorestream.app.command.SchemaRegistryOptions;
import io.scorestream.app.command.ScorestreamVersion;
import io.scorestream.app.config.FleetStatusConfig;
import io.scorestream.schemas.ModelRefusal;
import io.scorestream.schemas.ModelStatus;
import io.scorestream.schemas.ModelSpec;
import io.scorestream.schemas.Rollout;
import io.scorestream.schemas.RolloutRole;
import io.scorestream.schemas.registry.SchemaRegistry;
import io.scorestream.schemas.serde.ConfluentAvroSerializer;
import io.scorestream.app.models.ModelTopicHistory.Entry;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Reader;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import io.scorestream.app.security.KafkaAccess;
import io.scorestream.app.security.KafkaRefusedException;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.StringSerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code scorestream models <list|publish|ramp|promote|rollback|retire|status>}: what is live on
 * the model topic, the changes of a gray release, each one record on that topic, and what the
 * application instances actually serve, as they report it on the status topic ({@link FleetView}).
 *
 * <ul>
 *   <li>{@code list}: the live models (stable version, sha256, created_at, candidate with role and
 *       canary percent, and what the instances serve of it), or with {@code --history NAME} every
 *       record of one name;
 *   <li>{@code publish} ({@link PublishCommand}): a new version, as the stable spec (replacing any
 *       rollout) or, with {@code --candidate canary|shadow}, as the candidate beside the live stable
 *       spec;
 *   <li>{@code ramp}: the live canary's share of keys;
 *   <li>{@code promote}: the candidate becomes the stable spec, without a rollout;
 *   <li>{@code rollback}: drops the candidate, or with {@code --to VERSION} republishes an earlier
 *       version found in the topic's history;
 *   <li>{@code retire}: a tombstone;
 *   <li>{@code status}: one row per application instance and model, as the instance reported it.
 * </ul>
 *
 * <p>{@code publish}, {@code ramp}, {@code promote} and {@code rollback} take {@code --signing-key FILE}
 * ({@link SigningOption}): the record they write is signed with that Ed25519 key, or written
 * unsigned without it (with a warning when the spec it changes was signed).
 *
 * <p>Each sub-command is a picocli command; every one takes the {@link Connection} options. This
 * class is the parent, which only groups them: {@code models} alone is a wrong command line.
 *
 * <p>Commands that depend on what is live read the whole topic first ({@link ModelTopicHistory}).
 * Writes use an idempotent producer with {@code acks=all} and wait for the acknowledgement; each
 * prints one line naming what was published and where (topic-partition@offset). There is no lock
 * between reading and writing: two operators changing the same model at once both succeed and the
 * later record wins, as the printed offsets show.
 *
 * <p>Wrong command lines, and changes that make no sense for what is live (promoting without a
 * candidate, rolling back to a version the topic never held), throw
 * {@link picocli.CommandLine.ParameterException} with a message naming the option, model or version
 * (exit code 2). Every command creates and closes its own Kafka clients.
 */
@Command(name = "models", mixinStandardHelpOptions = true, versionProvider = ScorestreamVersion.class,
        description = {"Manages the model topic: list, publish, ramp, promote, rollback, retire, status.",
            "What is live, and the changes of a gray release, each one record on the model topic; what the "
                    + "application instances serve, from the status topic.", ""},
        subcommands = {ModelsCommand.ListModels.class, PublishCommand.class, ModelsCommand.Ramp.class,
            ModelsCommand.Promote.class, ModelsCommand.Rollback.class, ModelsCommand.Retire.class,
            ModelsCommand.Status.class})
public final class ModelsCommand {

    static final String DEFAULT_TOPIC = "model-specs";
    static final long DEFAULT_TIMEOUT_MS = 30_000;

    /** Metadata key a promoted spec carries: the stable version it replaced. */
    public static final String PROMOTED_FROM = "promoted_from";
    /** Metadata key a spec republished by {@code rollback --to} carries: the stable version it replaced. */
    public static final String ROLLED_BACK_FROM = "rolled_back_from";

    private static final int SHORT_SHA = 12;
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);

    /**
     * The model topic a sub-command reads and writes, and how to reach it: a picocli mixin, filled
     * per command line.
     */
    static final class Connection {

        @Option(names = "--bootstrap", required = true, paramLabel = "HOST:PORT",
                description = "Kafka bootstrap servers.")
        String bootstrap;

        @Option(names = "--schema-registry", required = true, paramLabel = "URL",
                description = "Confluent-compatible schema registry of the model topic.")
        String schemaRegistry;

        @Mixin
        SchemaRegistryOptions registryOptions = new SchemaRegistryOptions();

        @Option(names = "--topic", paramLabel = "TOPIC", description = "The model topic.")
        String topic = DEFAULT_TOPIC;

        @Option(names = "--status-topic", paramLabel = "TOPIC",
                description = "The status topic the application instances report to (their status.topic).")
        String statusTopic = FleetStatusConfig.STATUS_TOPIC_DEFAULT;

        @Option(names = "--client-config", paramLabel = "FILE",
                description = "Kafka client properties (e.g. security.protocol) for the reads and the writes.")
        Path clientConfig;

        @Option(names = "--timeout-ms", paramLabel = "MS",
                description = "How long one read of the topic or one write may take.")
        long timeoutMs = DEFAULT_TIMEOUT_MS;

        /**
         * The checked options, with the client properties read and the registry client built.
         *
         * @throws picocli.CommandLine.ParameterException naming the first wrong option
         */
        Target target(final CommandSpec spec) {
            final String servers = CommandLines.requireNonBlank(spec, "--bootstrap", bootstrap);
            final String registryUrl = CommandLines.requireNonBlank(spec, "--schema-registry", schemaRegistry);
            if (topic.isBlank()) {
                throw CommandLines.usage(spec, "--topic must not be blank");
            }
            if (statusTopic.isBlank()) {
                throw CommandLines.usage(spec, "--status-topic must not be blank");
            }
            CommandLines.requireAtLeast(spec, "--timeout-ms", timeoutMs, 1);
            final Map<String, Object> props = new HashMap<>();
            if (clientConfig != null) {
                props.putAll(clientConfig(spec, clientConfig));
            }
            props.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, servers);
            final SchemaRegistry schemas = registryOptions.client(spec, "--schema-registry", registryUrl);
            return new Target(spec.qualifiedName(), Map.copyOf(props), schemas, topic, statusTopic,
                    Duration.ofMillis(timeoutMs));
        }

        private static Map<String, Object> clientConfig(final CommandSpec spec, final Path file) {
            if (!Files.isRegularFile(file)) {
                throw CommandLines.usage(spec, "--client-config file '" + file + "' does not exist");
            }
            final Properties p = new Properties();
            try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                p.load(r);
            } catch (IOException e) {
                throw CommandLines.usage(spec, "cannot read --client-config file '" + file + "': " + e);
            }
            final Map<String, Object> props = new HashMap<>();
            p.stringPropertyNames().forEach(k -> props.put(k, p.getProperty(k)));
            return props;
        }
    }

    /**
     * What the sub-commands acting on one model share: the connection options and {@code --name}
     * (picocli reads the annotated fields of this class for each subclass). A new instance per
     * command line.
     */
    abstract static class OneModelCommand implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @Mixin
        Connection connection;

        @Option(names = "--name", required = true, paramLabel = "NAME", description = "The model.")
        String name;

        /** {@code --name}, checked not blank. */
        final String model() {
            return CommandLines.requireNonBlank(spec, "--name", name);
        }
    }

    // ---------------------------------------------------------------------------------- list

    /** {@code models list}: the live models, or one model's history. */
    @Command(name = "list", mixinStandardHelpOptions = true, versionProvider = ScorestreamVersion.class,
            sortOptions = false, sortSynopsis = false, showDefaultValues = true,
            description = {"The live models, or every record of one model.",
                "One row per live model: stable version, sha256, created_at, candidate, role, canary %%, and what "
                        + "the application instances serve of it (SERVED, from the status topic). With --history "
                        + "NAME, that model's records in time order, with what each changed.", ""})
    static final class ListModels implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @Mixin
        Connection connection;

        @Option(names = "--full", description = "Print the whole sha256 (default: its first 12 digits).")
        boolean full;

        @Option(names = "--history", paramLabel = "NAME",
                description = "Every record of model NAME instead, in time order, tombstones included, with what "
                        + "each changed.")
        String history;

        @Option(names = "--stale-after-ms", paramLabel = "MS",
                description = "An instance whose last status is older is counted as stale (default: 3 of its "
                        + "status intervals).")
        Long staleAfterMs;

        @Override
        public Integer call() {
            final String name = history == null ? null : CommandLines.requireNonBlank(spec, "--history", history);
            if (staleAfterMs != null) {
                CommandLines.requireAtLeast(spec, "--stale-after-ms", staleAfterMs, 1);
            }
            final Target t = connection.target(spec);
            final PrintStream out = CommandLines.out(spec);
            final ModelTopicHistory read = t.history();
            if (name != null) {
                printHistory(spec, read, name, full, out);
            } else {
                printLive(read, t.fleet(), full, staleAfterMs, out);
            }
            if (read.undecodable() > 0) {
                out.printf(Locale.ROOT, "(%d undecodable record(s) skipped; the log names them)%n", read.undecodable());
            }
            return CommandLines.OK;
        }
    }

    /**
     * The live models, each with what the instances serve of it.
     *
     * @param fleet the status topic read, or why it could not be
     */
    private static void printLive(final ModelTopicHistory history, final Fleet fleet, final boolean full,
            final Long staleAfterMs, final PrintStream out) {
        final Map<String, Entry> live = history.latest();
        if (live.isEmpty()) {
            out.printf(Locale.ROOT, "no live models on '%s' (%d records read)%n", history.topic(),
                    history.entries().size());
        } else {
            final Instant now = Instant.now();
            final Table table = new Table("NAME", "STABLE", "SHA256", "CREATED_AT", "CANDIDATE", "ROLE", "CANARY_%",
                    "SERVED");
            for (Entry e : live.values()) {
                final ModelSpec spec = e.specOrNull();
                final Rollout r = spec.getRollout();
                final String candidate = r == null ? null : r.getCandidate().getVersion();
                table.row(e.name(), spec.getVersion(), sha(spec, full), createdAt(spec),
                        r == null ? "-" : candidate,
                        r == null ? "-" : role(r.getRole()),
                        r == null || r.getRole() != RolloutRole.CANARY ? "-" : percent(r.getCanaryPercent()),
                        fleet.view() == null ? "?" : FleetView.served(spec.getVersion(), candidate,
                                fleet.view().statuses(e.name()), now, staleAfterMs));
            }
            table.print(out);
        }
        if (fleet.view() == null) {
            out.printf(Locale.ROOT, "(fleet view unavailable: %s)%n", fleet.whyNot());
        } else if (fleet.view().undecodable() > 0) {
            out.printf(Locale.ROOT, "(%d undecodable status record(s) skipped; the log names them)%n",
                    fleet.view().undecodable());
        }
    }

    private static void printHistory(final CommandSpec command, final ModelTopicHistory history, final String name,
            final boolean full, final PrintStream out) {
        final List<Entry> timeline = history.timeline(name);
        if (timeline.isEmpty()) {
            throw CommandLines.usage(command, "no records of model '" + name + "' on topic '" + history.topic() + "'");
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
        printAggregates(timeline, out);
    }

    /** The aggregates each version of {@code timeline} declares (stable and candidates), once per version. */
    private static void printAggregates(final List<Entry> timeline, final PrintStream out) {
        final Map<String, List<io.scorestream.schemas.Aggregate>> byVersion = new java.util.LinkedHashMap<>();
        for (Entry e : timeline) {
            final ModelSpec spec = e.specOrNull();
            if (spec == null) {
                continue;
            }
            byVersion.putIfAbsent(spec.getVersion(), spec.getAggregates());
            if (spec.getRollout() != null) {
                final ModelSpec c = spec.getRollout().getCandidate();
                byVersion.putIfAbsent(c.getVersion(), c.getAggregates());
            }
        }
        if (byVersion.values().stream().allMatch(a -> a == null || a.isEmpty())) {
            return;
        }
        out.println("aggregates by version:");
        byVersion.forEach((version, aggregates) -> {
            if (aggregates == null || aggregates.isEmpty()) {
                out.printf(Locale.ROOT, "  %s: none%n", version);
                return;
            }
            out.printf(Locale.ROOT, "  %s:%n", version);
            for (io.scorestream.schemas.Aggregate a : aggregates) {
                out.printf(Locale.ROOT, "    %s%n", io.scorestream.inference.features.AggregateSyntax.format(a));
            }
        });
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

    // ---------------------------------------------------------------------------------- ramp

    /**
     * {@code models ramp --name N --percent P}: the live canary's share of keys becomes P, nothing
     * else changes (same candidate spec, no new artifact): the registry swaps at once, loading
     * nothing. Keys keep their buckets, so raising P keeps every key already on the canary there.
     */
    @Command(name = "ramp", mixinStandardHelpOptions = true, versionProvider = ScorestreamVersion.class,
            sortOptions = false, sortSynopsis = false, showDefaultValues = true,
            description = {"Changes the live canary's share of keys.",
                "The canary's share becomes P; nothing else changes, so nothing reloads. Keys already on the canary "
                        + "stay there when P grows.", ""})
    static final class Ramp extends OneModelCommand {

        @Option(names = "--percent", required = true, paramLabel = "P",
                description = "The canary's new share of keys, 0 to 100.")
        Double percent;

        @Mixin
        SigningOption signing;

        @Override
        public Integer call() throws InterruptedException {
            final String model = model();
            requirePercent(spec, percent);
            signing.load(spec);
            final Target t = connection.target(spec);
            final ModelSpec live = requireLive(spec, t, t.history(), model);
            final Rollout rollout = live.getRollout();
            if (rollout == null || rollout.getRole() != RolloutRole.CANARY) {
                throw CommandLines.usage(spec, String.format(Locale.ROOT, "model '%s' has no canary to ramp (%s); "
                        + "publish one with 'models publish --candidate canary --percent P'", model, rollout == null
                                ? "stable version " + live.getVersion() + " is live alone" : describe(rollout)));
            }
            final ModelSpec ramped = ModelSpec.newBuilder(live)
                    .setRollout(Rollout.newBuilder(rollout).setCanaryPercent(percent).build())
                    .build();
            final RecordMetadata at = t.send(model, signing.apply(spec, ramped));
            CommandLines.out(spec).printf(Locale.ROOT, "published %s: canary version %s ramped from %s%% to %s%% of "
                    + "keys beside stable version %s, to %s%n", model, rollout.getCandidate().getVersion(),
                    percent(rollout.getCanaryPercent()), percent(percent), live.getVersion(), where(at));
            signing.report(spec);
            return CommandLines.OK;
        }
    }

    // ------------------------------------------------------------------------------- promote

    /** {@code models promote --name N}: the candidate becomes the stable version, without a rollout. */
    @Command(name = "promote", mixinStandardHelpOptions = true, versionProvider = ScorestreamVersion.class,
            sortOptions = false, sortSynopsis = false, showDefaultValues = true,
            description = {"The candidate becomes the stable version.",
                "Publishes the candidate's spec as the stable one, with a new created_at, promoted_from in its "
                        + "metadata and no rollout.", ""})
    static final class Promote extends OneModelCommand {

        @Mixin
        SigningOption signing;

        @Override
        public Integer call() throws InterruptedException {
            final String model = model();
            signing.load(spec);
            final Target t = connection.target(spec);
            final ModelSpec live = requireLive(spec, t, t.history(), model);
            final Rollout rollout = live.getRollout();
            if (rollout == null) {
                throw CommandLines.usage(spec, String.format(Locale.ROOT, "model '%s' has no candidate to promote: "
                        + "stable version %s is live alone on '%s'", model, live.getVersion(), t.topic()));
            }
            final ModelSpec candidate = rollout.getCandidate();
            final Map<String, String> meta = new LinkedHashMap<>(candidate.getMetadata());
            meta.put(PROMOTED_FROM, live.getVersion());
            final ModelSpec promoted = ModelSpec.newBuilder(candidate)
                    .setCreatedAt(Instant.now())
                    .setMetadata(meta)
                    .setRollout(null)
                    .build();
            final RecordMetadata at = t.send(model, signing.apply(spec, promoted));
            CommandLines.out(spec).printf(Locale.ROOT, "published %s: candidate version %s (%s) promoted to the "
                    + "stable version, replacing version %s, no rollout, to %s%n", model, promoted.getVersion(),
                    describe(rollout), live.getVersion(), where(at));
            signing.report(spec);
            return CommandLines.OK;
        }
    }

    // ------------------------------------------------------------------------------ rollback

    /**
     * {@code models rollback --name N [--to VERSION]}: drops the candidate, or republishes an
     * earlier version as found in the topic.
     */
    @Command(name = "rollback", mixinStandardHelpOptions = true, versionProvider = ScorestreamVersion.class,
            sortOptions = false, sortSynopsis = false, showDefaultValues = true,
            description = {"Drops the candidate, or republishes an earlier version.",
                "Without --to: the stable version without its candidate. With --to VERSION: that version's spec as "
                        + "found in the topic, as the stable version, rolled_back_from in its metadata.", ""})
    static final class Rollback extends OneModelCommand {

        @Option(names = "--to", paramLabel = "VERSION",
                description = "Republish this version as the stable version, no rollout (default: only drop the "
                        + "candidate).")
        String to;

        @Mixin
        SigningOption signing;

        @Override
        public Integer call() throws InterruptedException {
            final String model = model();
            signing.load(spec);
            final String version = to == null ? null : CommandLines.requireNonBlank(spec, "--to", to);
            final Target t = connection.target(spec);
            final ModelTopicHistory history = t.history();
            final Entry liveEntry = history.latest().get(model);
            final ModelSpec live = liveEntry == null ? null : liveEntry.specOrNull();
            final Rollout rollout = live == null ? null : live.getRollout();
            final PrintStream out = CommandLines.out(spec);

            if (version == null) {
                if (live == null) {
                    throw CommandLines.usage(spec, String.format(Locale.ROOT, "model '%s' is not live on '%s'; give "
                            + "--to VERSION to republish one of its versions (%s)", model, t.topic(),
                            versionsText(history, model)));
                }
                if (rollout == null) {
                    throw CommandLines.usage(spec, String.format(Locale.ROOT, "model '%s' has no candidate to drop "
                            + "(stable version %s is live alone); give --to VERSION to republish an earlier version "
                            + "(%s)", model, live.getVersion(), versionsText(history, model)));
                }
                final ModelSpec stable = ModelTopicHistory.withoutRollout(live);
                final RecordMetadata at = t.send(model, signing.apply(spec, stable));
                out.printf(Locale.ROOT, "published %s: stable version %s without its candidate, candidate version %s "
                        + "(%s) dropped, to %s%n", model, stable.getVersion(), rollout.getCandidate().getVersion(),
                        describe(rollout), where(at));
                signing.report(spec);
                return CommandLines.OK;
            }
            final Optional<ModelSpec> found = history.findVersion(model, version);
            if (found.isEmpty()) {
                throw CommandLines.usage(spec, String.format(Locale.ROOT, "model '%s' has no version '%s' on topic "
                        + "'%s' (%s)", model, version, t.topic(), versionsText(history, model)));
            }
            final ModelSpec.Builder b = ModelSpec.newBuilder(found.get()).setCreatedAt(Instant.now()).setRollout(null);
            if (live != null) {
                final Map<String, String> meta = new LinkedHashMap<>(found.get().getMetadata());
                meta.put(ROLLED_BACK_FROM, live.getVersion());
                b.setMetadata(meta);
            }
            final ModelSpec republished = b.build();
            final RecordMetadata at = t.send(model, signing.apply(spec, republished));
            out.printf(Locale.ROOT, "published %s: version %s republished as the stable version, no rollout, "
                    + "replacing %s, to %s%n", model, version, live == null ? "nothing (the model was not live)"
                            : "stable version " + live.getVersion()
                                    + (rollout == null ? "" : " and candidate version "
                                            + rollout.getCandidate().getVersion() + " (" + describe(rollout) + ")"),
                    where(at));
            signing.report(spec);
            return CommandLines.OK;
        }
    }

    // -------------------------------------------------------------------------------- retire

    /** {@code models retire --name N [--force]}: a tombstone. */
    @Command(name = "retire", mixinStandardHelpOptions = true, versionProvider = ScorestreamVersion.class,
            sortOptions = false, sortSynopsis = false, showDefaultValues = true,
            description = {"Retires a model: publishes a tombstone.", ""})
    static final class Retire extends OneModelCommand {

        @Option(names = "--force", description = "Write the tombstone even if the model is not live.")
        boolean force;

        @Override
        public Integer call() throws InterruptedException {
            final String model = model();
            final Target t = connection.target(spec);
            String was = "";
            if (!force) {
                final Entry live = t.history().latest().get(model);
                if (live == null) {
                    throw CommandLines.usage(spec, String.format(Locale.ROOT, "model '%s' is not live on '%s'; give "
                            + "--force to write a tombstone anyway", model, t.topic()));
                }
                final Rollout r = live.rollout();
                was = "; was stable version " + live.stableVersion() + (r == null ? ""
                        : " with candidate version " + r.getCandidate().getVersion() + " (" + describe(r) + ")");
            }
            final RecordMetadata at = t.send(model, null);
            CommandLines.out(spec).printf(Locale.ROOT, "published %s: tombstone (model retired%s) to %s%n", model, was,
                    where(at));
            return CommandLines.OK;
        }
    }

    // -------------------------------------------------------------------------------- status

    /** {@code models status [--name N]}: one row per application instance and model, as reported. */
    @Command(name = "status", mixinStandardHelpOptions = true, versionProvider = ScorestreamVersion.class,
            sortOptions = false, sortSynopsis = false, showDefaultValues = true,
            description = {"What each application instance serves, as it reports it on the status topic.",
                "One row per instance and model: application, instance, model, stable and candidate versions, role, "
                        + "device, last refusal, and the age of its last report (stale when older than 3 of its "
                        + "intervals, or --stale-after-ms).", ""})
    static final class Status implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @Mixin
        Connection connection;

        @Option(names = "--name", paramLabel = "NAME", description = "Only model NAME.")
        String name;

        @Option(names = "--stale-after-ms", paramLabel = "MS",
                description = "An instance whose last status is older is marked stale (default: 3 of its status "
                        + "intervals).")
        Long staleAfterMs;

        @Override
        public Integer call() {
            final String model = name == null ? null : CommandLines.requireNonBlank(spec, "--name", name);
            if (staleAfterMs != null) {
                CommandLines.requireAtLeast(spec, "--stale-after-ms", staleAfterMs, 1);
            }
            final Target t = connection.target(spec);
            final PrintStream out = CommandLines.out(spec);
            final Fleet fleet = t.fleet();
            if (fleet.view() == null) {
                out.printf(Locale.ROOT, "fleet view unavailable: %s%n", fleet.whyNot());
                return CommandLines.FAILED;
            }
            final FleetView view = fleet.view();
            final List<ModelStatus> rows = model == null ? view.statuses() : view.statuses(model);
            if (rows.isEmpty()) {
                out.printf(Locale.ROOT, "no instance reports%s on '%s'%n",
                        model == null ? "" : " model '" + model + "'", view.topic());
            } else {
                printStatus(rows, Instant.now(), staleAfterMs, out);
            }
            if (view.undecodable() > 0) {
                out.printf(Locale.ROOT, "(%d undecodable status record(s) skipped; the log names them)%n",
                        view.undecodable());
            }
            return CommandLines.OK;
        }
    }

    static void printStatus(final List<ModelStatus> rows, final Instant now, final Long staleAfterMs,
            final PrintStream out) {
        final Table table = new Table("APPLICATION", "INSTANCE", "MODEL", "STABLE", "CANDIDATE", "ROLE", "DEVICE",
                "LAST_REFUSAL", "HEARTBEAT");
        for (ModelStatus s : rows) {
            final ModelRefusal r = s.getLastRefusal();
            final String role = s.getRole() == null ? "-" : s.getCanaryPercent() == null ? s.getRole()
                    : s.getRole() + " " + percent(s.getCanaryPercent()) + "%";
            table.row(s.getApplicationId(), s.getInstanceId(), s.getModel(),
                    s.getStableVersion() == null ? "-" : s.getStableVersion(),
                    s.getCandidateVersion() == null ? "-" : s.getCandidateVersion(),
                    role, s.getDevice(),
                    r == null ? "-"
                            : r.getVersion() + " " + r.getReason() + ": " + FleetView.shortMessage(r.getMessage()),
                    age(Duration.between(s.getHeartbeat(), now))
                            + (FleetView.stale(s, now, staleAfterMs) ? " (stale)" : ""));
        }
        table.print(out);
    }

    /** {@code 0.4s ago}, {@code 12m05s ago}, {@code 3h02m ago}. */
    static String age(final Duration age) {
        final long ms = Math.max(0, age.toMillis());
        if (ms < 60_000) {
            return String.format(Locale.ROOT, "%.1fs ago", ms / 1000.0);
        }
        final long s = ms / 1000;
        if (s < 3600) {
            return String.format(Locale.ROOT, "%dm%02ds ago", s / 60, s % 60);
        }
        return String.format(Locale.ROOT, "%dh%02dm ago", s / 3600, (s % 3600) / 60);
    }

    // ----------------------------------------------------------------------------- helpers

    private static ModelSpec requireLive(final CommandSpec spec, final Target t, final ModelTopicHistory history,
            final String name) {
        final Entry live = history.latest().get(name);
        if (live == null) {
            throw CommandLines.usage(spec, String.format(Locale.ROOT, "model '%s' is not live on '%s' (%s)", name,
                    t.topic(), history.timeline(name).isEmpty() ? "never published" : "retired"));
        }
        return live.specOrNull();
    }

    /**
     * Checks a canary share.
     *
     * @throws picocli.CommandLine.ParameterException naming {@code --percent} unless it is within [0, 100]
     */
    static void requirePercent(final CommandSpec spec, final double percent) {
        if (!(percent >= 0 && percent <= 100)) {
            throw CommandLines.usage(spec, "--percent must be within [0, 100], got "
                    + (Double.isFinite(percent) ? percent(percent) : Double.toString(percent)));
        }
    }

    private static String versionsText(final ModelTopicHistory history, final String name) {
        final Set<String> versions = history.versions(name);
        return versions.isEmpty() ? "the topic holds no version of it"
                : "versions on the topic: " + String.join(", ", versions);
    }

    static String describe(final Rollout r) {
        return r.getRole() == RolloutRole.CANARY ? "canary, " + percent(r.getCanaryPercent()) + "% of keys" : "shadow";
    }

    private static String role(final RolloutRole role) {
        return role.name().toLowerCase(Locale.ROOT);
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

    static String where(final RecordMetadata at) {
        return at.topic() + "-" + at.partition() + "@" + at.offset();
    }

    /**
     * Where the commands read and write: the Kafka client settings, the registry, the topic.
     *
     * @param cmd the command's full name, for messages
     */
    record Target(String cmd, Map<String, Object> clientProps, SchemaRegistry schemas, String topic,
                  String statusTopic, Duration timeout) {

        ModelTopicHistory history() {
            try {
                return ModelTopicHistory.read(clientProps, schemas, topic, timeout);
            } catch (KafkaException e) {
                final Optional<String> why = KafkaAccess.explain(e, clientProps, String.format(Locale.ROOT,
                        "reading the model topic '%s' (READ and DESCRIBE on it are needed)", topic));
                if (why.isPresent()) {
                    throw new KafkaRefusedException(why.get(), e);
                }
                throw e;
            }
        }

        /** Kafka's refusal to write model {@code name}, in words naming the principal and the topic. */
        private Optional<KafkaRefusedException> refusedOr(final Throwable failure, final String name) {
            return KafkaAccess.explain(failure, clientProps, String.format(Locale.ROOT,
                    "publishing model '%s' to the model topic '%s' (WRITE and DESCRIBE on it are needed)", name,
                    topic)).map(why -> new KafkaRefusedException(why, failure));
        }

        /**
         * The status topic read, or, when it cannot be (it does not exist, it cannot be read in
         * time, the client may not read it), why not.
         */
        Fleet fleet() {
            try {
                return new Fleet(FleetView.read(clientProps, schemas, statusTopic, timeout), null);
            } catch (UnknownTopicOrPartitionException e) {
                return new Fleet(null, String.format(Locale.ROOT, "status topic '%s' does not exist (no application "
                        + "has reported to it yet; their status.topic may differ: --status-topic)", statusTopic));
            } catch (KafkaException e) {
                return new Fleet(null, String.format(Locale.ROOT, "status topic '%s' cannot be read: %s", statusTopic,
                        e.getMessage()));
            }
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
                final Optional<KafkaRefusedException> refused = refusedOr(e.getCause(), name);
                if (refused.isPresent()) {
                    throw refused.get();
                }
                throw new KafkaException(String.format(Locale.ROOT, "%s: publishing model '%s' to '%s' failed: %s",
                        cmd, name, topic, e.getCause()), e.getCause());
            } catch (KafkaException e) {
                final Optional<KafkaRefusedException> refused = refusedOr(e, name);
                if (refused.isPresent()) {
                    throw refused.get();
                }
                throw new KafkaException(String.format(Locale.ROOT, "%s: publishing model '%s' to '%s' failed: %s",
                        cmd, name, topic, e.getMessage()), e);
            } finally {
                producer.close(CLOSE_TIMEOUT);
            }
        }
    }

    /** The status topic as read, or why it could not be read: exactly one of the two is non-null. */
    record Fleet(FleetView view, String whyNot) {
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
