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
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
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
        Objects.requireNonNull(schemas, "schemas");
        final ConfluentAvroDeserializer<ModelSpec> values = ConfluentAvroDeserializer.specific(schemas,
                ModelSpec.class, false);
        final List<Entry> read = new ArrayList<>();
        int undecodable = 0;
        for (ConsumerRecord<byte[], byte[]> r : CompactedTopicReader.readToEnd(clientProps, topic, "model topic",
                "scorestream-model-history", timeout)) {
            final Entry e = decode(r, values);
            if (e == null) {
                undecodable++;
            } else {
                read.add(e);
            }
        }
        return new ModelTopicHistory(topic, read, undecodable);
    }

    /** The entry of one record, or null (logged) when its key or value cannot be read. */
    private static Entry decode(final ConsumerRecord<byte[], byte[]> r,
            final ConfluentAvroDeserializer<ModelSpec> values) {
        if (r.key() == null) {
            skip(r, "it has no key (a model topic is keyed by model name)");
            return null;
        }
        final String name = new String(r.key(), StandardCharsets.UTF_8);
        final ModelSpec spec;
        try {
            spec = values.deserialize(r.topic(), r.value());
        } catch (WireFormatException e) {
            skip(r, e.getMessage());
            return null;
        }
        return new Entry(name, spec, r.timestamp(), r.partition(), r.offset());
    }

    private static void skip(final ConsumerRecord<byte[], byte[]> r, final String why) {
        LOG.warn("Skipping the record at partition {} offset {} of model topic '{}': {}", r.partition(), r.offset(),
                r.topic(), why);
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
}
