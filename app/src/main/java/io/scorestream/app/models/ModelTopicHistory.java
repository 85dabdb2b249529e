package io.scorestream.app.models;

import io.scorestream.schemas.ModelSpec;
import io.scorestream.schemas.Rollout;
import io.scorestream.schemas.registry.SchemaRegistry;
import io.scorestream.schemas.serde.ConfluentAvroDeserializer;
import io.scorestream.schemas.serde.WireFormatException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything on a model topic at one moment: every {@link ModelSpec} and tombstone of every
 * partition, from the beginning of the log up to the end offsets seen when the read started.
 * Answers what is live ({@link #latest()}), what was live at a time ({@link #latestAsOf(long)}),
 * what a name went through ({@link #timeline(String)}) and what a given version looked like
 * ({@link #findVersion(String, String)}).
 *
 * <p>The read ({@link #read}) is a one-off scan: it assigns the partitions itself, so it joins no
 * consumer group and commits nothing; it reads {@code read_committed}, so records of aborted or
 * still-open transactions are never seen; records appended after the read started are ignored.
 * Compaction may already have removed older records, so a history is as long as the log still is.
 *
 * <p><b>Ordering.</b> {@link #entries()} and {@link #timeline(String)} are in (record timestamp,
 * partition, offset) order. What is <em>live</em> for a name is decided the way a consumer applying
 * the topic decides it: the record with the highest offset in the name's partition (producers'
 * clocks may disagree, offsets do not). Should a name have records on several partitions (the
 * partition count changed), the partition whose last record is newest by that order wins.
 *
 * <p><b>Threading and ownership.</b> Immutable once built and safe to share between threads. The
 * {@link ModelSpec}s held by the entries belong to the history: callers must not modify them
 * (Avro records are mutable); {@link #findVersion} returns a copy, which the caller owns. The
 * consumer used by {@link #read} is created and closed within the call; the schema registry is
 * the caller's and is not closed.
 */
public final class ModelTopicHistory {

    private static final Logger LOG = LoggerFactory.getLogger(ModelTopicHistory.class);

    /** The order of {@link #entries()}: timestamp, then partition, then offset. */
    private static final Comparator<Entry> TIME_ORDER = Comparator.comparingLong(Entry::timestamp)
            .thenComparingInt(Entry::partition)
            .thenComparingLong(Entry::offset);

    /** Longest single wait inside the read loop, so that the deadline is checked often. */
    private static final Duration POLL = Duration.ofMillis(200);

    /**
     * One record of the model topic.
     *
     * @param name the record key: the model name
     * @param specOrNull the spec as read; {@code null} for a tombstone (the model retired)
     * @param timestamp the record's timestamp, epoch milliseconds
     * @param partition the partition the record is on
     * @param offset the record's offset in that partition
     */
    public record Entry(String name, ModelSpec specOrNull, long timestamp, int partition, long offset) {

        public Entry {
            Objects.requireNonNull(name, "name");
        }

        /** Whether this record is a tombstone (the name was retired). */
        public boolean isTombstone() {
            return specOrNull == null;
        }

        /** The stable version this record publishes; {@code null} for a tombstone. */
        public String stableVersion() {
            return specOrNull == null ? null : specOrNull.getVersion();
        }

        /** The rollout this record publishes; {@code null} for a tombstone or a spec without one. */
        public Rollout rollout() {
            return specOrNull == null ? null : specOrNull.getRollout();
        }
    }

    private final String topic;
    private final List<Entry> entries;
    private final int undecodable;

    private ModelTopicHistory(final String topic, final List<Entry> entries, final int undecodable) {
        this.topic = topic;
        final List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort(TIME_ORDER);
        this.entries = Collections.unmodifiableList(sorted);
        this.undecodable = undecodable;
    }

    /**
     * A history of the given entries, in any order (they are sorted here). For callers that read
     * the topic themselves, and for tests.
     *
     * @param topic the topic the entries came from (used in messages only)
     * @param undecodable how many records were skipped because they could not be read
     */
    public static ModelTopicHistory of(final String topic, final Collection<Entry> entries, final int undecodable) {
        Objects.requireNonNull(topic, "topic");
        for (Entry e : Objects.requireNonNull(entries, "entries")) {
            Objects.requireNonNull(e, "entry");
        }
        if (undecodable < 0) {
            throw new IllegalArgumentException("undecodable must be >= 0, got " + undecodable);
        }
        return new ModelTopicHistory(topic, List.copyOf(entries), undecodable);
    }

    /**
     * Reads {@code topic} completely: every partition from its first offset to the end offset it
     * had (for a {@code read_committed} reader) when this call started. Blocks the calling thread
     * for at most about {@code timeout}.
     *
     * <p>A value that is not a readable {@link ModelSpec} in Confluent's wire format (wrong magic
     * byte, unknown schema id, malformed Avro), and a record without a key, is skipped with a WARN
     * log naming its partition and offset, and counted in {@link #undecodable()}.
     *
     * @param clientProps Kafka consumer settings: at least {@code bootstrap.servers}, plus whatever
     *     the cluster needs (security settings). Not modified. Group, commit, isolation, offset-reset
     *     and deserializer settings are overridden: the read joins no group and commits nothing.
     * @param schemas the registry the values' schema ids are resolved in; not closed
     * @param topic the model topic
     * @param timeout how long the whole read may take
     * @throws UnknownTopicOrPartitionException if the topic does not exist (the message names it and
     *     the bootstrap servers)
     * @throws TimeoutException if the topic cannot be read to its end within {@code timeout}; the
     *     message names the topic, the bootstrap servers and the partitions not read to their end
     * @throws org.apache.kafka.common.errors.SerializationException if the schema registry cannot be
     *     reached (not the records' fault, so nothing is skipped)
     * @throws IllegalArgumentException if {@code bootstrap.servers} is missing
     */
    public static ModelTopicHistory read(final Map<String, Object> clientProps, final SchemaRegistry schemas,
            final String topic, final Duration timeout) {
        Objects.requireNonNull(clientProps, "clientProps");
        Objects.requireNonNull(schemas, "schemas");
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(timeout, "timeout");
        final Object bootstrap = clientProps.get(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG);
        if (bootstrap == null || bootstrap.toString().isBlank()) {
            throw new IllegalArgumentException("clientProps must set " + CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG);
        }
        final long deadline = System.nanoTime() + timeout.toNanos();
        final ConfluentAvroDeserializer<ModelSpec> values = ConfluentAvroDeserializer.specific(schemas,
                ModelSpec.class, false);
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerProps(clientProps),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            return new Reader(consumer, values, topic, String.valueOf(bootstrap), timeout, deadline).readAll();
        }
    }

    private static Map<String, Object> consumerProps(final Map<String, Object> clientProps) {
        final Map<String, Object> p = new HashMap<>(clientProps);
        p.remove(ConsumerConfig.GROUP_ID_CONFIG);
        p.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, IsolationLevel.READ_COMMITTED.toString());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
        p.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, "scorestream-model-history");
        p.remove(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG);
        p.remove(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG);
        return p;
    }

    /** The topic this history was read from. */
    public String topic() {
        return topic;
    }

    /** Every record read, tombstones included, in (timestamp, partition, offset) order; unmodifiable. */
    public List<Entry> entries() {
        return entries;
    }

    /** How many records were skipped because their key or value could not be read. */
    public int undecodable() {
        return undecodable;
    }

    /**
     * What is live now: per name, its newest record (see the class comment for "newest"), with the
     * names whose newest record is a tombstone left out. Sorted by name; unmodifiable.
     */
    public Map<String, Entry> latest() {
        return latestAsOf(Long.MAX_VALUE);
    }

    /**
     * What was live at {@code timestampMs}: as {@link #latest()}, counting only the records whose
     * timestamp is at most {@code timestampMs}. As exact as the history: a compacted topic may no
     * longer hold the records that were live at an old time.
     */
    public Map<String, Entry> latestAsOf(final long timestampMs) {
        // Per name and partition, the record with the highest offset: what a consumer applying the
        // partition in order ends with, whatever the producers' clocks said.
        final Map<String, Map<Integer, Entry>> lastPerPartition = new HashMap<>();
        for (Entry e : entries) {
            if (e.timestamp() > timestampMs) {
                continue;
            }
            lastPerPartition.computeIfAbsent(e.name(), n -> new HashMap<>())
                    .merge(e.partition(), e, (a, b) -> b.offset() > a.offset() ? b : a);
        }
        final Map<String, Entry> live = new TreeMap<>();
        lastPerPartition.forEach((name, byPartition) -> {
            final Entry newest = Collections.max(byPartition.values(), TIME_ORDER);
            if (!newest.isTombstone()) {
                live.put(name, newest);
            }
        });
        return Collections.unmodifiableMap(live);
    }

    /**
     * The newest spec of {@code version} of model {@code name} in the history, whether it was
     * published as the stable spec or as a rollout candidate. Returned without a rollout (the
     * version's own spec, as it would be published on its own), as a copy the caller owns.
     */
    public Optional<ModelSpec> findVersion(final String name, final String version) {
        Objects.requireNonNull(version, "version");
        final List<Entry> timeline = timeline(name);
        for (int i = timeline.size() - 1; i >= 0; i--) {
            final ModelSpec spec = timeline.get(i).specOrNull();
            if (spec == null) {
                continue;
            }
            if (version.equals(spec.getVersion())) {
                return Optional.of(withoutRollout(spec));
            }
            final Rollout rollout = spec.getRollout();
            if (rollout != null && rollout.getCandidate() != null
                    && version.equals(rollout.getCandidate().getVersion())) {
                return Optional.of(withoutRollout(rollout.getCandidate()));
            }
        }
        return Optional.empty();
    }

    /**
     * The versions of model {@code name} that appear in the history, as stable specs or as rollout
     * candidates, in the order they first appear; unmodifiable.
     */
    public Set<String> versions(final String name) {
        final Set<String> versions = new LinkedHashSet<>();
        for (Entry e : timeline(name)) {
            if (e.specOrNull() != null) {
                versions.add(e.specOrNull().getVersion());
                final Rollout rollout = e.specOrNull().getRollout();
                if (rollout != null && rollout.getCandidate() != null) {
                    versions.add(rollout.getCandidate().getVersion());
                }
            }
        }
        return Collections.unmodifiableSet(versions);
    }

    /** The records of model {@code name}, tombstones included, in time order; unmodifiable, maybe empty. */
    public List<Entry> timeline(final String name) {
        Objects.requireNonNull(name, "name");
        final List<Entry> mine = new ArrayList<>();
        for (Entry e : entries) {
            if (e.name().equals(name)) {
                mine.add(e);
            }
        }
        return Collections.unmodifiableList(mine);
    }

    /** A deep copy of {@code spec} with no rollout. */
    static ModelSpec withoutRollout(final ModelSpec spec) {
        return ModelSpec.newBuilder(spec).setRollout(null).build();
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "ModelTopicHistory[%s: %d records, %d undecodable]", topic,
                entries.size(), undecodable);
    }

    /** One read of the topic to its end offsets; used by a single call of {@link #read}. */
    private static final class Reader {

        private final KafkaConsumer<byte[], byte[]> consumer;
        private final ConfluentAvroDeserializer<ModelSpec> values;
        private final String topic;
        private final String bootstrap;
        private final Duration timeout;
        private final long deadline;
        private final List<Entry> read = new ArrayList<>();
        private int undecodable;

        Reader(final KafkaConsumer<byte[], byte[]> consumer, final ConfluentAvroDeserializer<ModelSpec> values,
                final String topic, final String bootstrap, final Duration timeout, final long deadline) {
            this.consumer = consumer;
            this.values = values;
            this.topic = topic;
            this.bootstrap = bootstrap;
            this.timeout = timeout;
            this.deadline = deadline;
        }

        ModelTopicHistory readAll() {
            final List<TopicPartition> partitions = partitions();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            final Map<TopicPartition, Long> end;
            try {
                // read_committed: these are the last stable offsets, so an open transaction does
                // not make the read wait for it.
                end = consumer.endOffsets(partitions, remaining());
            } catch (TimeoutException e) {
                throw timedOut("the end offsets were not known", e);
            }
            final Set<TopicPartition> pending = new HashSet<>(partitions);
            removeFinished(pending, end);
            while (!pending.isEmpty()) {
                if (System.nanoTime() - deadline >= 0) {
                    throw timedOut(progress(pending, end), null);
                }
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(pollTime())) {
                    final TopicPartition tp = new TopicPartition(r.topic(), r.partition());
                    // Records appended after the read started are not part of this history.
                    if (r.offset() < end.get(tp)) {
                        add(r);
                    }
                }
                removeFinished(pending, end);
            }
            return new ModelTopicHistory(topic, read, undecodable);
        }

        private List<TopicPartition> partitions() {
            final List<PartitionInfo> infos;
            try {
                infos = consumer.partitionsFor(topic, remaining());
            } catch (TimeoutException e) {
                throw timedOut("its partitions were not known (is the broker reachable?)", e);
            }
            if (infos == null || infos.isEmpty()) {
                throw new UnknownTopicOrPartitionException(String.format(Locale.ROOT,
                        "model topic '%s' does not exist on %s", topic, bootstrap));
            }
            final List<TopicPartition> partitions = new ArrayList<>(infos.size());
            for (PartitionInfo info : infos) {
                partitions.add(new TopicPartition(topic, info.partition()));
            }
            partitions.sort(Comparator.comparingInt(TopicPartition::partition));
            return partitions;
        }

        /** Drops the partitions read to their end offset from {@code pending}, and pauses them. */
        private void removeFinished(final Set<TopicPartition> pending, final Map<TopicPartition, Long> end) {
            final List<TopicPartition> finished = new ArrayList<>();
            for (TopicPartition tp : pending) {
                final long position;
                try {
                    position = consumer.position(tp, remaining());
                } catch (TimeoutException e) {
                    throw timedOut(progress(pending, end), e);
                }
                if (position >= end.get(tp)) {
                    finished.add(tp);
                }
            }
            if (!finished.isEmpty()) {
                pending.removeAll(finished);
                consumer.pause(finished);
            }
        }

        private void add(final ConsumerRecord<byte[], byte[]> r) {
            if (r.key() == null) {
                skip(r, "it has no key (a model topic is keyed by model name)");
                return;
            }
            final String name = new String(r.key(), StandardCharsets.UTF_8);
            final ModelSpec spec;
            try {
                spec = values.deserialize(r.topic(), r.value());
            } catch (WireFormatException e) {
                skip(r, e.getMessage());
                return;
            }
            read.add(new Entry(name, spec, r.timestamp(), r.partition(), r.offset()));
        }

        private void skip(final ConsumerRecord<byte[], byte[]> r, final String why) {
            undecodable++;
            LOG.warn("Skipping the record at partition {} offset {} of model topic '{}': {}", r.partition(),
                    r.offset(), topic, why);
        }

        private String progress(final Set<TopicPartition> pending, final Map<TopicPartition, Long> end) {
            final StringBuilder s = new StringBuilder("partitions not read to their end (partition: position/end):");
            pending.stream().sorted(Comparator.comparingInt(TopicPartition::partition)).forEach(tp -> {
                String position;
                try {
                    position = Long.toString(consumer.position(tp, Duration.ZERO));
                } catch (RuntimeException e) {
                    position = "?";
                }
                s.append(' ').append(tp.partition()).append(": ").append(position).append('/').append(end.get(tp));
            });
            return s.append("; ").append(read.size()).append(" records read").toString();
        }

        private TimeoutException timedOut(final String what, final Throwable cause) {
            final String message = String.format(Locale.ROOT, "Could not read model topic '%s' from %s within %s: %s",
                    topic, bootstrap, timeout, what);
            return cause == null ? new TimeoutException(message) : new TimeoutException(message, cause);
        }

        private Duration remaining() {
            return Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
        }

        private Duration pollTime() {
            final Duration left = remaining();
            return left.compareTo(POLL) < 0 ? left : POLL;
        }
    }
}
