package io.scorestream.app.models;

import io.scorestream.schemas.ModelRefusal;
import io.scorestream.schemas.ModelStatus;
import io.scorestream.schemas.registry.SchemaRegistry;
import io.scorestream.schemas.serde.ConfluentAvroDeserializer;
import io.scorestream.schemas.serde.WireFormatException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the application instances report they serve: the live records of the status topic (one
 * {@link ModelStatus} per instance and model, the newest per key, tombstoned keys left out), and
 * the summaries {@code models list} and {@code models status} print from them.
 *
 * <p>An instance is stale when its record's heartbeat is older than three of its intervals, or than
 * a threshold the reader gives. Immutable once built and safe to share; the records belong to the
 * view and must not be modified.
 */
public final class FleetView {

    private static final Logger LOG = LoggerFactory.getLogger(FleetView.class);

    /** How many intervals without a heartbeat make an instance stale. */
    static final int STALE_INTERVALS = 3;
    /** Longest refusal message printed; the whole one is in the instance's log and /readyz. */
    static final int MESSAGE_CHARS = 60;

    /** The prefix of a refusal's message repeating the model, version and reason printed beside it. */
    private static final Pattern REFUSAL_PREFIX =
            Pattern.compile("^Model '.*?' version '.*?' refused \\([a-z0-9_]+\\):\\s*");

    private static final Comparator<ModelStatus> ORDER = Comparator.comparing(ModelStatus::getApplicationId)
            .thenComparing(ModelStatus::getInstanceId)
            .thenComparing(ModelStatus::getModel);

    private final String topic;
    private final List<ModelStatus> statuses;
    private final int undecodable;

    private FleetView(final String topic, final Collection<ModelStatus> statuses, final int undecodable) {
        this.topic = topic;
        final List<ModelStatus> sorted = new ArrayList<>(statuses);
        sorted.sort(ORDER);
        this.statuses = List.copyOf(sorted);
        this.undecodable = undecodable;
    }

    /** A view of the given statuses, in any order (for tests, and readers of their own). */
    public static FleetView of(final String topic, final Collection<ModelStatus> statuses) {
        return new FleetView(Objects.requireNonNull(topic, "topic"), statuses, 0);
    }

    /**
     * Reads the status topic to its end, as {@link ModelTopicHistory#read} reads the model topic (no
     * group, read_committed). A record that is not a readable {@link ModelStatus} is skipped (WARN)
     * and counted in {@link #undecodable()}.
     *
     * @throws org.apache.kafka.common.errors.UnknownTopicOrPartitionException if the topic does not
     *     exist (no instance ever reported, or another status topic is configured)
     * @throws org.apache.kafka.common.errors.TimeoutException if it cannot be read within
     *     {@code timeout}
     */
    public static FleetView read(final Map<String, Object> clientProps, final SchemaRegistry schemas,
            final String topic, final Duration timeout) {
        final ConfluentAvroDeserializer<ModelStatus> values = ConfluentAvroDeserializer.specific(
                Objects.requireNonNull(schemas, "schemas"), ModelStatus.class, false);
        // Each key lives on one partition, read in offset order: the last record per key is its state.
        final Map<String, ModelStatus> latest = new LinkedHashMap<>();
        int undecodable = 0;
        for (ConsumerRecord<byte[], byte[]> r : CompactedTopicReader.readToEnd(clientProps, topic, "status topic",
                "scorestream-fleet-view", timeout)) {
            if (r.key() == null) {
                undecodable++;
                LOG.warn("Skipping the record without a key at partition {} offset {} of status topic '{}'",
                        r.partition(), r.offset(), topic);
                continue;
            }
            final String key = new String(r.key(), StandardCharsets.UTF_8);
            if (r.value() == null) {
                latest.remove(key);
                continue;
            }
            try {
                latest.put(key, values.deserialize(r.topic(), r.value()));
            } catch (WireFormatException e) {
                undecodable++;
                LOG.warn("Skipping the record at partition {} offset {} of status topic '{}': {}", r.partition(),
                        r.offset(), topic, e.getMessage());
            }
        }
        return new FleetView(topic, latest.values(), undecodable);
    }

    /** The topic this view was read from. */
    public String topic() {
        return topic;
    }

    /** Every live status, by application, instance and model; unmodifiable. */
    public List<ModelStatus> statuses() {
        return statuses;
    }

    /** The statuses of {@code model}, of every application; unmodifiable, maybe empty. */
    public List<ModelStatus> statuses(final String model) {
        return statuses.stream().filter(s -> s.getModel().equals(model)).toList();
    }

    /** How many records were skipped because they could not be read. */
    public int undecodable() {
        return undecodable;
    }

    /**
     * Whether {@code status} is stale at {@code now}: its heartbeat is older than
     * {@code staleAfterMsOrNull}, or, when that is null, than {@value #STALE_INTERVALS} of its
     * intervals.
     */
    public static boolean stale(final ModelStatus status, final Instant now, final Long staleAfterMsOrNull) {
        final long limit = staleAfterMsOrNull != null ? staleAfterMsOrNull : STALE_INTERVALS * status.getIntervalMs();
        return Duration.between(status.getHeartbeat(), now).toMillis() > limit;
    }

    /**
     * The {@code SERVED} cell of {@code models list} for one model: what the fresh instances serve
     * beside what the model topic asks, e.g. {@code 2 on 3/3 instances} when all serve the asked
     * version (and candidate), {@code 1 on 3/3 (asked 2: refused by 3/3: input_mapping: ...)} when
     * they refused it, {@code no instance reporting} when none reports; stale instances are counted
     * apart ({@code +1 stale}). A version with a candidate reads {@code stable+candidate}.
     *
     * @param askedStable the stable version on the model topic
     * @param askedCandidateOrNull the candidate version on the model topic; null without a rollout
     * @param reports the statuses of the model, of every instance
     * @param staleAfterMsOrNull see {@link #stale}
     */
    public static String served(final String askedStable, final String askedCandidateOrNull,
            final List<ModelStatus> reports, final Instant now, final Long staleAfterMsOrNull) {
        final List<ModelStatus> fresh = new ArrayList<>();
        int stale = 0;
        for (ModelStatus s : reports) {
            if (stale(s, now, staleAfterMsOrNull)) {
                stale++;
            } else {
                fresh.add(s);
            }
        }
        if (fresh.isEmpty()) {
            return "no instance reporting" + (stale == 0 ? "" : " (" + stale + " stale)");
        }
        final String staleNote = stale == 0 ? "" : " +" + stale + " stale";
        final int n = fresh.size();
        final String asked = label(askedStable, askedCandidateOrNull);
        final Map<String, Integer> byServed = new LinkedHashMap<>();
        for (ModelStatus s : fresh) {
            byServed.merge(label(s.getStableVersion(), s.getCandidateVersion()), 1, Integer::sum);
        }
        if (byServed.size() == 1 && byServed.containsKey(asked)) {
            return String.format(Locale.ROOT, "%s on %d/%d instances%s", asked, n, n, staleNote);
        }
        final List<String> parts = new ArrayList<>();
        byServed.entrySet().stream()
                .sorted(Map.Entry.<String, Integer>comparingByValue().reversed()
                        .thenComparing(Map.Entry.comparingByKey()))
                .forEach(e -> parts.add(String.format(Locale.ROOT, "%s on %d/%d", e.getKey(), e.getValue(), n)));
        int refused = 0;
        int notYet = 0;
        ModelRefusal newest = null;
        for (ModelStatus s : fresh) {
            if (label(s.getStableVersion(), s.getCandidateVersion()).equals(asked)) {
                continue;
            }
            final ModelRefusal r = refusalOfAsked(s, askedStable, askedCandidateOrNull);
            if (r == null) {
                notYet++;
            } else {
                refused++;
                if (newest == null || r.getAt().isAfter(newest.getAt())) {
                    newest = r;
                }
            }
        }
        final List<String> why = new ArrayList<>();
        if (refused > 0) {
            why.add(String.format(Locale.ROOT, "refused by %d/%d: %s: %s", refused, n, newest.getReason(),
                    shortMessage(newest.getMessage())));
        }
        if (notYet > 0) {
            why.add(String.format(Locale.ROOT, "not yet on %d/%d", notYet, n));
        }
        return String.join(", ", parts) + " (asked " + asked + ": " + String.join("; ", why) + ")" + staleNote;
    }

    /**
     * The instance's last refusal when it is of a version asked that the instance does not serve in
     * the asked place; else null.
     */
    private static ModelRefusal refusalOfAsked(final ModelStatus s, final String askedStable,
            final String askedCandidateOrNull) {
        final ModelRefusal r = s.getLastRefusal();
        if (r == null) {
            return null;
        }
        final boolean stableRefused = r.getVersion().equals(askedStable)
                && !askedStable.equals(s.getStableVersion());
        final boolean candidateRefused = askedCandidateOrNull != null && r.getVersion().equals(askedCandidateOrNull)
                && !askedCandidateOrNull.equals(s.getCandidateVersion());
        return stableRefused || candidateRefused ? r : null;
    }

    /** {@code 2}, {@code 1+2} (stable and candidate), or {@code nothing}. */
    static String label(final String stableOrNull, final String candidateOrNull) {
        if (stableOrNull == null) {
            return "nothing";
        }
        return candidateOrNull == null ? stableOrNull : stableOrNull + "+" + candidateOrNull;
    }

    /**
     * A refusal's message without the model, version and reason it starts with (printed beside it),
     * cut to {@value #MESSAGE_CHARS} characters.
     */
    static String shortMessage(final String message) {
        final String text = REFUSAL_PREFIX.matcher(message).replaceFirst("").strip().replaceAll("\\s+", " ");
        return text.length() <= MESSAGE_CHARS ? text : text.substring(0, MESSAGE_CHARS - 3) + "...";
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "FleetView[%s: %d statuses, %d undecodable]", topic, statuses.size(),
                undecodable);
    }
}
