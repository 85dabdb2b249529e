package io.scorestream.app.replay;

import io.scorestream.app.command.ProgressBar;
import io.scorestream.inference.registry.RegistryListener;
import io.scorestream.schemas.ModelSpec;
import io.scorestream.schemas.registry.SchemaRegistry;
import io.scorestream.schemas.registry.SchemaRegistryException;
import io.scorestream.schemas.registry.TopicNameStrategy;
import io.scorestream.topology.PipelineSettings;
import io.scorestream.topology.ScoringTopology;
import io.scorestream.topology.TopologySettings;
import io.scorestream.app.models.ModelTopicHistory;
import io.scorestream.topology.errors.DeadLetteringDeserializationHandler;
import io.scorestream.topology.errors.DeadLetteringProcessingHandler;
import io.scorestream.topology.errors.FailingProductionExceptionHandler;
import io.scorestream.topology.processor.LiveModelPlans;
import io.scorestream.topology.processor.ScoringSettings;
import io.scorestream.topology.serde.FeatureEventSerde;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.avro.Schema;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One replay, from checked options to the report: it reads the model topic's history, resolves the
 * time range to offsets, loads the versions, runs a Kafka Streams application of its own
 * ({@code scorestream-replay-<random>}, exactly_once_v2, state in a temporary directory) from the
 * range's start offsets until the range is done, closes it, removes its consumer group, internal
 * topics and state, and prints the report (and writes it as JSON). See docs/BACKTESTING.md. With
 * {@code --repartition-by}, the range is first copied, in event-time order and rekeyed by the field,
 * to a temporary topic ({@link ReplayRekey}), which the application reads instead and whose offsets
 * the stop rule counts; it is deleted with the internal topics.
 *
 * <p>{@link ReplayCommand} creates it; {@link #execute} runs once, blocking, and creates and closes
 * its own clients. Progress and warnings go to {@code err}, the report to {@code out}; neither is
 * closed. A command line that names what is not there (a topic, a version) throws
 * {@link ReplayUsageException} before anything is created.
 */
final class Replay {

    private static final Logger LOG = LoggerFactory.getLogger(Replay.class);
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final String PREFIX = "scorestream replay: ";

    private final ReplayOptions options;
    private final SchemaRegistry schemas;
    private final PrintStream out;
    private final PrintStream err;
    private final boolean terminal;
    private final Map<String, Object> client;

    /**
     * @param schemas the client of the registry at {@code options.schemaRegistryUrl()}, with its
     *     credentials and trust store ({@code --schema-registry-config})
     * @param clientConfig Kafka client settings for every client (security, ...), from
     *     {@code --client-config}; {@code bootstrap.servers} comes from the options. Holds secrets: never logged
     * @param terminal whether {@code err} is a terminal, where the progress bar is rewritten in place
     */
    Replay(ReplayOptions options, Map<String, Object> clientConfig, SchemaRegistry schemas, PrintStream out,
           PrintStream err, boolean terminal) {
        this.options = options;
        this.schemas = schemas;
        this.out = out;
        this.err = err;
        this.terminal = terminal;
        final Map<String, Object> c = new HashMap<>(clientConfig);
        c.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, options.bootstrap());
        this.client = Map.copyOf(c);
    }

    /** The lanes of the replay, how records are routed to them, and the versions in report order. */
    private record Lanes(List<ReplayModels.LaneSpec> specs, ReplayPlans.Routing routing, List<String> versions) {
    }

    void execute() throws InterruptedException, ExecutionException, TimeoutException, IOException {
        final Instant startedAt = Instant.now();
        try (Admin admin = Admin.create(new HashMap<>(client))) {
            final int partitions = inputPartitions(admin);
            final ModelTopicHistory history = readHistory(schemas);
            final Lanes lanes = options.asOf() ? asOfLanes(history) : versionLanes(history);
            final ReplayRange range = ReplayRange.resolve(admin, client, options.topic(), options.from(), options.to(),
                    TIMEOUT);
            LOG.info("Replay of {} over {}", options.describeModels(), range);
            ensureOutput(admin, options.out(), partitions);
            ensureOutput(admin, options.deadLetterTopic(), 1);
            final Map<Integer, Long> deadLetterStart = endOffsets(admin, options.deadLetterTopic());

            final ReplayCollector collector = new ReplayCollector(range, options.labels(), lanes.versions());
            final String applicationId = newApplicationId();
            final Map<String, Double> thresholds;
            try (ReplayModels models = ReplayModels.load(lanes.specs(), featureSchema(schemas),
                    w -> err.println(PREFIX + "warning: " + w))) {
                thresholds = models.thresholds();
                final ReplayPlans plans = new ReplayPlans(models, lanes.routing(), range, collector,
                        "replay of " + options.describeModels());
                runStreams(applicationId, admin, schemas, range, plans, collector, partitions);
            }
            DeadLetterReader.read(client, options.deadLetterTopic(), deadLetterStart, collector, TIMEOUT);
            final ReplayReport report = ReplayReport.compute(collector, new ReplayReport.Run(
                    applicationId, options.topic(), options.out(), options.deadLetterTopic(), options.modelName(),
                    options.asOf(), lanes.versions(), options.from(), options.to(), options.batchMaxRecords(),
                    options.batchMaxWaitMs(), options.labels(), startedAt, Instant.now(), range), thresholds);
            out.print(report.toText());
            writeReport(report);
            out.println("report written to " + options.report().toAbsolutePath());
            out.flush();
        }
    }

    /** A fresh application id: {@code scorestream-replay-<12 random hex digits>}. */
    static String newApplicationId() {
        final byte[] random = new byte[6];
        new SecureRandom().nextBytes(random);
        return "scorestream-replay-" + HexFormat.of().formatHex(random);
    }

    /** Builds, runs and cleans up the replay's Kafka Streams application. */
    private void runStreams(String applicationId, Admin admin, SchemaRegistry schemas, ReplayRange range,
                            ReplayPlans plans, ReplayCollector collector, int partitions)
            throws InterruptedException, ExecutionException, TimeoutException, IOException {
        final Path stateDir = Files.createTempDirectory("scorestream-replay-");
        try {
            // With --repartition-by, Kafka Streams reads the range rekeyed into a temporary topic,
            // and the stop rule counts that topic's offsets; the scores still name the input records.
            final ReplayRange streamed = options.repartitionBy() == null ? range
                    : rekey(admin, schemas, applicationId, range, partitions);
            // The group starts where the range starts: every partition's offset, committed before
            // Kafka Streams joins, so its consumer never falls back to auto.offset.reset.
            final Map<TopicPartition, OffsetAndMetadata> start = new HashMap<>();
            for (ReplayRange.Partition p : streamed.partitions()) {
                start.put(new TopicPartition(streamed.topic(), p.partition()), new OffsetAndMetadata(p.start()));
            }
            admin.alterConsumerGroupOffsets(applicationId, start).all().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);

            final ScoringSettings scoring = new ScoringSettings(options.modelName(), options.batchMaxRecords(),
                    options.batchMaxWaitMs(), options.eventIdField()).withDeterministicOutput(true)
                    .withFeaturesEmitted(options.emitFeatures());
            final TopologySettings settings = new TopologySettings(List.of(PipelineSettings.of(PipelineSettings.DEFAULT,
                    List.of(streamed.topic()), options.out(), scoring)), options.deadLetterTopic(), null);
            final Topology topology = ScoringTopology.build(settings, p -> plans, null, schemas, collector,
                    RegistryListener.NONE);
            final ProgressBar progress = ProgressBar.ofCount(err, terminal, "replay", "records",
                    streamed.workOffsets(), System.nanoTime());
            new BoundedRun(topology, streamsProperties(applicationId, stateDir, partitions), admin, applicationId,
                    streamed, plans, progress).run();
        } finally {
            removeApplication(admin, applicationId);
            deleteRecursively(stateDir);
        }
    }

    /**
     * Creates the temporary topic {@code <applicationId>-rekeyed} with the input's partition count,
     * copies the range into it in event-time order keyed by {@code --repartition-by}
     * ({@link ReplayRekey}), and returns the range of that topic the replay's Kafka Streams
     * application reads: all of it.
     */
    private ReplayRange rekey(Admin admin, SchemaRegistry schemas, String applicationId, ReplayRange range,
                              int partitions) throws InterruptedException, ExecutionException, TimeoutException {
        final String topic = ReplayRekey.topicName(applicationId);
        // retention.ms=-1: the records keep their events' historical timestamps.
        admin.createTopics(List.of(new NewTopic(topic, Optional.of(partitions), Optional.empty())
                .configs(Map.of(TopicConfig.RETENTION_MS_CONFIG, "-1")))).all()
                .get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        awaitWritable(admin, topic);
        err.println(PREFIX + "rekeying the range by '" + options.repartitionBy() + "' in event-time order into "
                + "temporary topic '" + topic + "'");
        final ReplayRekey.Result result = new ReplayRekey(client, new FeatureEventSerde(schemas),
                options.repartitionBy(), options.deadLetterTopic(), TIMEOUT).copy(range, topic,
                ProgressBar.ofCount(err, terminal, "rekey", "records", range.workOffsets(), System.nanoTime()));
        final List<ReplayRange.Partition> rekeyed = new ArrayList<>();
        long total = 0;
        for (int p = 0; p < partitions; p++) {
            final long n = result.written()[p];
            rekeyed.add(new ReplayRange.Partition(p, 0, n, n));
            total += n;
        }
        err.println(String.format(Locale.ROOT, "%srekeyed %,d events; %,d dead-lettered (no group, or undecodable)",
                PREFIX, total, result.deadLettered()));
        if (result.outOfOrder() > 0) {
            err.println(String.format(Locale.ROOT, "%swarning: %,d events are stamped earlier than an event before "
                    + "them in their input partition; they keep their partition's order (as live scoring sees them), "
                    + "so they are out of order for their group's aggregates", PREFIX, result.outOfOrder()));
        }
        return new ReplayRange(topic, rekeyed);
    }

    private Properties streamsProperties(String applicationId, Path stateDir, int partitions) {
        final Properties props = new Properties();
        props.putAll(client);
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, options.bootstrap());
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
        // One input topic: each task reads one partition, so idling to interleave partitions by time
        // would buy nothing, and its per-record check is costly (as in ScorestreamConfig).
        props.put(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, StreamsConfig.MAX_TASK_IDLE_MS_DISABLED);
        props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG,
                Math.max(1, Math.min(partitions, Math.min(4, Runtime.getRuntime().availableProcessors()))));
        props.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG,
                DeadLetteringDeserializationHandler.class.getName());
        props.put(StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG,
                FailingProductionExceptionHandler.class.getName());
        props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG,
                DeadLetteringProcessingHandler.class.getName());
        props.put(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG, options.deadLetterTopic());
        // Output partition = source partition, so the output is the same, partition by partition, on every run.
        props.put(StreamsConfig.producerPrefix(ProducerConfig.PARTITIONER_CLASS_CONFIG),
                SourcePartitioner.class.getName());
        props.put(StreamsConfig.producerPrefix(SourcePartitioner.OUT_TOPIC_CONFIG), options.out());
        return props;
    }

    // ---- the input and the history ----------------------------------------------------------

    private int inputPartitions(Admin admin) throws InterruptedException, ExecutionException, TimeoutException {
        return describe(admin, options.topic())
                .orElseThrow(() -> ReplayOptions.usage("option --topic: topic '" + options.topic()
                        + "' does not exist on " + options.bootstrap()))
                .partitions().size();
    }

    private static Optional<TopicDescription> describe(Admin admin, String topic)
            throws InterruptedException, ExecutionException, TimeoutException {
        try {
            return Optional.of(admin.describeTopics(List.of(topic)).allTopicNames()
                    .get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).get(topic));
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                return Optional.empty();
            }
            throw e;
        }
    }

    private ModelTopicHistory readHistory(SchemaRegistry schemas) {
        try {
            return ModelTopicHistory.read(new HashMap<>(client), schemas, options.modelTopic(), TIMEOUT);
        } catch (UnknownTopicOrPartitionException e) {
            throw ReplayOptions.usage("option --model-topic: " + e.getMessage());
        }
    }

    private Lanes versionLanes(ModelTopicHistory history) {
        final List<ReplayModels.LaneSpec> specs = new ArrayList<>();
        for (String version : options.versions()) {
            final ModelSpec spec = history.findVersion(options.modelName(), version)
                    .orElseThrow(() -> ReplayOptions.usage(String.format(Locale.ROOT,
                            "option --model %s@%s: model topic '%s' has no version '%s' of model '%s'; %s",
                            options.modelName(), version, options.modelTopic(), version, options.modelName(),
                            present(history))));
            specs.add(new ReplayModels.LaneSpec(spec, LiveModelPlans.STABLE));
        }
        return new Lanes(specs, ReplayPlans.allLanes(specs.size()), options.versions());
    }

    private String present(ModelTopicHistory history) {
        // Stable specs and rollout candidates, in the order they first appear.
        final Set<String> versions = new LinkedHashSet<>();
        for (ModelTopicHistory.Entry e : history.timeline(options.modelName())) {
            final ModelSpec spec = e.specOrNull();
            if (spec != null) {
                versions.add(spec.getVersion());
                if (spec.getRollout() != null && spec.getRollout().getCandidate() != null) {
                    versions.add(spec.getRollout().getCandidate().getVersion());
                }
            }
        }
        if (!versions.isEmpty()) {
            return "versions present: " + String.join(", ", versions);
        }
        final Set<String> names = new TreeSet<>();
        for (ModelTopicHistory.Entry e : history.entries()) {
            names.add(e.name());
        }
        return "the topic holds no record of '" + options.modelName() + "'; models present: "
                + (names.isEmpty() ? "none" : String.join(", ", names));
    }

    /**
     * One lane per distinct (spec, role) live in some period, as the timeline says. More than
     * {@value ReplayOptions#MAX_VERSIONS} over the whole history: only the periods overlapping
     * --from/--to are loaded.
     */
    private Lanes asOfLanes(ModelTopicHistory history) {
        final List<ModelTopicHistory.Entry> entries = history.timeline(options.modelName());
        if (entries.isEmpty()) {
            throw ReplayOptions.usage("option --as-of " + options.modelName() + ": model topic '"
                    + options.modelTopic() + "' has no record of it; " + present(history));
        }
        final AsOfTimeline timeline;
        try {
            timeline = AsOfTimeline.of(options.modelName(), entries);
        } catch (IllegalArgumentException e) {
            throw new ReplayException("cannot replay the history of model '" + options.modelName() + "': "
                    + e.getMessage(), e);
        }
        final List<AsOfTimeline.Period> periods = timeline.periods();
        List<Integer> loaded = new ArrayList<>();
        for (int i = 0; i < periods.size(); i++) {
            loaded.add(i);
        }
        if (laneKeys(periods, loaded).size() > ReplayOptions.MAX_VERSIONS) {
            loaded = timeline.overlapping(options.from(), options.to());
            final int n = laneKeys(periods, loaded).size();
            if (n > ReplayOptions.MAX_VERSIONS) {
                throw ReplayOptions.usage(String.format(Locale.ROOT, "option --as-of %s: %d versions "
                        + "(and roles) were live between --from and --to; a replay scores with at most %d at once: "
                        + "narrow the time range", options.modelName(), n, ReplayOptions.MAX_VERSIONS));
            }
        }
        final Map<LaneKey, Integer> laneOf = laneKeys(periods, loaded);
        if (laneOf.isEmpty()) {
            throw ReplayOptions.usage("option --as-of " + options.modelName()
                    + ": no version of it was ever live (its history holds only tombstones)");
        }
        final int[] stable = new int[periods.size()];
        final int[] canary = new int[periods.size()];
        for (int i = 0; i < periods.size(); i++) {
            final AsOfTimeline.Period p = periods.get(i);
            final boolean isLoaded = loaded.contains(i);
            stable[i] = p.stable() == null ? ReplayPlans.NONE : isLoaded
                    ? laneOf.get(new LaneKey(ReplayModels.identity(p.stable()), LiveModelPlans.STABLE))
                    : ReplayPlans.NOT_LOADED;
            canary[i] = p.canary() == null ? ReplayPlans.NONE : isLoaded
                    ? laneOf.get(new LaneKey(ReplayModels.identity(p.canary()), LiveModelPlans.CANARY))
                    : ReplayPlans.NOT_LOADED;
        }
        final List<ReplayModels.LaneSpec> specs = new ArrayList<>();
        final Set<String> versions = new LinkedHashSet<>();
        laneOf.forEach((key, lane) -> {
            specs.add(new ReplayModels.LaneSpec(key.spec(), key.role()));
            versions.add(key.spec().getVersion());
        });
        return new Lanes(specs, ReplayPlans.asOf(timeline, stable, canary, options.modelTopic()),
                List.copyOf(versions));
    }

    /** A lane: what scores (the spec's {@link ReplayModels#identity}) and the role its scores carry. */
    private record LaneKey(ModelSpec spec, String role) {
    }

    private static Map<LaneKey, Integer> laneKeys(List<AsOfTimeline.Period> periods, List<Integer> which) {
        final Map<LaneKey, Integer> lanes = new LinkedHashMap<>();
        for (int i : which) {
            final AsOfTimeline.Period p = periods.get(i);
            if (p.stable() != null) {
                lanes.putIfAbsent(new LaneKey(ReplayModels.identity(p.stable()), LiveModelPlans.STABLE), lanes.size());
            }
            if (p.canary() != null) {
                lanes.putIfAbsent(new LaneKey(ReplayModels.identity(p.canary()), LiveModelPlans.CANARY), lanes.size());
            }
        }
        return lanes;
    }

    /** The input topic's latest value schema, for checking the versions' input mappings; null if unknown. */
    private Schema featureSchema(SchemaRegistry schemas) {
        try {
            return schemas.latest(TopicNameStrategy.subject(options.topic(), false)).schema();
        } catch (SchemaRegistryException e) {
            if (!e.isNotFound()) {
                err.println(PREFIX + "warning: cannot read the schema of topic '" + options.topic() + "': "
                        + e.getMessage());
            }
            return null;
        }
    }

    // ---- topics and clean-up ------------------------------------------------------------------

    /** Creates {@code topic} with {@code partitions} partitions if it does not exist; warns about what is there. */
    private void ensureOutput(Admin admin, String topic, int partitions)
            throws InterruptedException, ExecutionException, TimeoutException {
        final Optional<TopicDescription> existing = describe(admin, topic);
        if (existing.isPresent()) {
            final int count = existing.get().partitions().size();
            if (topic.equals(options.out()) && count < partitions) {
                err.println(PREFIX + "warning: --out topic '" + topic + "' has " + count + " partitions, the input "
                        + partitions + ": scores of several input partitions share an output partition, and their "
                        + "order there may differ from run to run");
            }
            long records = 0;
            for (long end : endOffsets(admin, topic).values()) {
                records += end;
            }
            if (records > 0 && topic.equals(options.out())) {
                err.println(String.format(Locale.ROOT, "%swarning: --out topic '%s' already holds %,d records; this "
                        + "replay appends its scores after them", PREFIX, topic, records));
            }
            return;
        }
        try {
            // retention.ms=-1: the records carry their events' (historical) timestamps, which the default
            // time-based retention would find expired at once.
            admin.createTopics(List.of(new NewTopic(topic, Optional.of(partitions), Optional.empty())
                    .configs(Map.of(TopicConfig.RETENTION_MS_CONFIG, "-1")))).all()
                    .get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            err.println(PREFIX + "created topic '" + topic + "' with " + partitions + " partition(s) and no time "
                    + "limit on retention (its records carry historical timestamps)");
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw e;
            }
        }
        awaitWritable(admin, topic);
    }

    /** Waits until every partition of {@code topic}, just created, answers (until then it may refuse writes). */
    private static void awaitWritable(Admin admin, String topic)
            throws InterruptedException, ExecutionException, TimeoutException {
        final long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (true) {
            try {
                endOffsets(admin, topic);
                return;
            } catch (ExecutionException e) {
                if (System.nanoTime() - deadline > 0) {
                    throw e;
                }
                Thread.sleep(100);
            }
        }
    }

    private static Map<Integer, Long> endOffsets(Admin admin, String topic)
            throws InterruptedException, ExecutionException, TimeoutException {
        final int count = admin.describeTopics(List.of(topic)).allTopicNames()
                .get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).get(topic).partitions().size();
        final Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        for (int p = 0; p < count; p++) {
            request.put(new TopicPartition(topic, p), OffsetSpec.latest());
        }
        final Map<Integer, Long> offsets = new HashMap<>();
        admin.listOffsets(request, new ListOffsetsOptions(IsolationLevel.READ_UNCOMMITTED)).all()
                .get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                .forEach((tp, info) -> offsets.put(tp.partition(), info.offset()));
        return offsets;
    }

    /**
     * Deletes the replay's consumer group and internal topics (the buffer's changelog, the temporary
     * rekeyed topic); warns on failure.
     */
    private void removeApplication(Admin admin, String applicationId) {
        try {
            admin.deleteConsumerGroups(List.of(applicationId)).all().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            if (!(e.getCause() instanceof GroupIdNotFoundException)) {
                err.println(PREFIX + "warning: could not delete consumer group '" + applicationId + "': " + e);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        try {
            final List<String> internal = new ArrayList<>();
            for (String name : admin.listTopics().names().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                if (name.startsWith(applicationId + "-")
                        && (name.endsWith("-changelog") || name.endsWith("-repartition")
                        || name.equals(ReplayRekey.topicName(applicationId)))) {
                    internal.add(name);
                }
            }
            if (!internal.isEmpty()) {
                admin.deleteTopics(internal).all().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (ExecutionException | TimeoutException e) {
            err.println(PREFIX + "warning: could not delete the internal topics of '" + applicationId + "': " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void writeReport(ReplayReport report) throws IOException {
        final Path file = options.report().toAbsolutePath();
        if (file.getParent() != null) {
            Files.createDirectories(file.getParent());
        }
        Files.writeString(file, report.toJson(), StandardCharsets.UTF_8);
    }

    private static void deleteRecursively(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.delete(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                    Files.delete(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException | UncheckedIOException e) {
            LOG.warn("Could not delete the replay's state directory {}: {}", dir, e.getMessage());
        }
    }
}
