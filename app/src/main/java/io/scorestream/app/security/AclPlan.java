package io.scorestream.app.security;

import io.scorestream.app.config.ScorestreamConfig;
import io.scorestream.topology.PipelineSettings;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

/**
 * The least-privilege ACLs of one {@link AclRole} for one configuration: a pure function of the
 * configuration, computed once by {@link #of} (or {@link #forModelTopics} for the model roles
 * without a configuration). Each ACL is an ALLOW from any host, with a one-line reason; the list is
 * deduplicated (an ACL needed for several reasons keeps them all, joined by {@code "; "}) and
 * sorted by resource type (topic, group, transactional id, cluster), pattern type (literal, then
 * prefixed), name and operation, so that the same configuration always gives the same list.
 *
 * <p>What the scorer needs, per pipeline whose Kafka Streams client has application id {@code A}
 * ({@code application.id}, or {@code application.id-<pipeline>} with pipelines), as Kafka Streams
 * 4.3 and the classic group protocol use them:
 * <ul>
 *   <li>READ on its input topics; WRITE on its score and shadow topics;</li>
 *   <li>READ on the group {@code A} (joins, offset commits, and under exactly-once the offsets
 *       committed in transactions);</li>
 *   <li>READ, WRITE and CREATE on the topics prefixed {@code A-}: the changelogs of its buffer and
 *       features stores, and, with {@code repartition.by}, its repartition topic, on which it also
 *       needs DELETE (Kafka Streams purges consumed repartition records with {@code deleteRecords});</li>
 *   <li>under {@code exactly_once_v2}, WRITE on the transactional ids prefixed {@code A-}
 *       ({@code A-<process id>-<thread>}).</li>
 * </ul>
 * and, for the whole application: READ on the model topic (read by a global store, without a
 * group), WRITE on the dead-letter topic and on the status topic. DESCRIBE is never listed: Kafka
 * implies it from READ, WRITE, DELETE or ALTER on the same resource. No cluster ACL is needed:
 * since Kafka 2.8 (KIP-679) an idempotent producer may get its producer id with WRITE on any topic
 * instead of IDEMPOTENT_WRITE on the cluster. DESCRIBE_CONFIGS is not needed either: Kafka Streams
 * 4.3 creates its internal topics without reading their configurations. The status topic must
 * exist (the application creates it only when allowed to, and that permission is left out).
 *
 * <p>{@link #warnings()} names configured topics that an internal-topic prefix also covers: the
 * prefixed ACLs then grant more than intended on them (e.g. {@code application.id=scorestream}
 * and the default status topic {@code scorestream-status}).
 *
 * <p>Immutable and thread-safe.
 */
public final class AclPlan {

    private static final Pattern PRINCIPAL = Pattern.compile("([^:\\s]+):(\\S(?:.*\\S)?)");

    private static final List<ResourceType> TYPE_ORDER = List.of(ResourceType.TOPIC, ResourceType.GROUP,
            ResourceType.TRANSACTIONAL_ID, ResourceType.CLUSTER);
    private static final List<AclOperation> OPERATION_ORDER = List.of(AclOperation.READ, AclOperation.WRITE,
            AclOperation.CREATE, AclOperation.DELETE, AclOperation.DESCRIBE, AclOperation.DESCRIBE_CONFIGS,
            AclOperation.ALTER, AclOperation.ALTER_CONFIGS, AclOperation.IDEMPOTENT_WRITE);

    /** The order of {@link #acls()}. */
    static final Comparator<PlannedAcl> ORDER = Comparator
            .comparingInt((PlannedAcl a) -> rank(TYPE_ORDER, a.resourceType()))
            .thenComparing(PlannedAcl::patternType)
            .thenComparing(PlannedAcl::name)
            .thenComparingInt(a -> rank(OPERATION_ORDER, a.operation()));

    private final AclRole role;
    private final List<PlannedAcl> acls;
    private final List<String> warnings;

    private AclPlan(final AclRole role, final List<PlannedAcl> acls, final List<String> warnings) {
        this.role = role;
        this.acls = List.copyOf(acls);
        this.warnings = List.copyOf(warnings);
    }

    /**
     * The ACLs {@code role} needs to do its work with {@code config}'s topics and application id.
     * For the model roles only {@code model.topic} and {@code status.topic} matter.
     */
    public static AclPlan of(final ScorestreamConfig config, final AclRole role) {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(role, "role");
        if (role != AclRole.SCORER) {
            return forModelTopics(role, config.topics().modelTopic(), config.fleetStatus().statusTopic());
        }
        final Builder b = new Builder();
        final boolean eos = config.kafka().exactlyOnce();
        final Map<String, String> prefixes = new LinkedHashMap<>(); // internal-topic prefix -> application id
        for (PipelineSettings p : config.pipelines()) {
            final String of = PipelineSettings.DEFAULT.equals(p.name()) ? "" : " of pipeline " + p.name();
            final String appId = config.kafka().applicationId(p.name());
            final String prefix = appId + "-";
            prefixes.put(prefix, appId);
            for (String topic : p.inputTopics()) {
                b.add(ResourceType.TOPIC, topic, PatternType.LITERAL, AclOperation.READ,
                        "read input topic " + topic + of);
            }
            b.add(ResourceType.TOPIC, p.outputTopic(), PatternType.LITERAL, AclOperation.WRITE, "write the scores" + of);
            b.add(ResourceType.TOPIC, p.shadowTopic(), PatternType.LITERAL, AclOperation.WRITE,
                    "write the scores of a shadow candidate" + of);
            b.add(ResourceType.GROUP, appId, PatternType.LITERAL, AclOperation.READ, "consumer group of Kafka Streams "
                    + "application id " + appId + of + " (join, commit offsets" + (eos ? " in transactions" : "") + ")");
            final String changelogs = prefix + p.bufferStoreName() + "-changelog and " + prefix
                    + p.featuresStoreName() + "-changelog";
            final boolean repartitions = p.repartitionBy() != null;
            final String repartition = prefix + p.repartitionName() + "-repartition";
            final String internal = repartitions ? changelogs + ", repartition topic " + repartition : changelogs;
            b.add(ResourceType.TOPIC, prefix, PatternType.PREFIXED, AclOperation.CREATE,
                    "create the internal topics" + of + ": changelogs " + internal);
            b.add(ResourceType.TOPIC, prefix, PatternType.PREFIXED, AclOperation.WRITE, "write the store changelogs"
                    + (repartitions ? " and the repartition topic" : "") + of);
            b.add(ResourceType.TOPIC, prefix, PatternType.PREFIXED, AclOperation.READ, "restore the store changelogs"
                    + (repartitions ? " and read the repartition topic" : "") + of);
            if (repartitions) {
                b.add(ResourceType.TOPIC, prefix, PatternType.PREFIXED, AclOperation.DELETE,
                        "purge consumed records of repartition topic " + repartition + of + " (deleteRecords)");
            }
            if (eos) {
                b.add(ResourceType.TRANSACTIONAL_ID, prefix, PatternType.PREFIXED, AclOperation.WRITE,
                        "exactly_once_v2 transactions" + of + ": transactional ids " + prefix
                                + "<process id>-<thread>");
            }
        }
        final String modelTopic = config.topics().modelTopic();
        b.add(ResourceType.TOPIC, modelTopic, PatternType.LITERAL, AclOperation.READ,
                "read the model specs into the model registry (global store, no consumer group)");
        b.add(ResourceType.TOPIC, config.topics().deadLetterTopic(), PatternType.LITERAL, AclOperation.WRITE,
                "write dead letters (every record that cannot be scored)");
        final String statusTopic = config.fleetStatus().statusTopic();
        b.add(ResourceType.TOPIC, statusTopic, PatternType.LITERAL, AclOperation.WRITE,
                "report what this instance serves to the status topic (read by models list and models status)");
        return new AclPlan(role, b.acls(), overlaps(prefixes, b));
    }

    /**
     * The ACLs of {@link AclRole#PUBLISHER} or {@link AclRole#MODELS} for these topics; for
     * {@link AclRole#SCORER} use {@link #of}.
     *
     * @throws IllegalArgumentException for {@link AclRole#SCORER}, or a blank topic
     */
    public static AclPlan forModelTopics(final AclRole role, final String modelTopic, final String statusTopic) {
        Objects.requireNonNull(role, "role");
        requireTopic(modelTopic, "modelTopic");
        requireTopic(statusTopic, "statusTopic");
        final Builder b = new Builder();
        switch (role) {
            case PUBLISHER -> b.add(ResourceType.TOPIC, modelTopic, PatternType.LITERAL, AclOperation.WRITE,
                    "publish model versions (models publish without --candidate; idempotent producer)");
            case MODELS -> {
                b.add(ResourceType.TOPIC, modelTopic, PatternType.LITERAL, AclOperation.WRITE,
                        "publish, ramp, promote, roll back and retire model versions (idempotent producer)");
                b.add(ResourceType.TOPIC, modelTopic, PatternType.LITERAL, AclOperation.READ,
                        "read the model topic's history (list, publish --candidate, ramp, promote, rollback, retire; "
                                + "no consumer group)");
                b.add(ResourceType.TOPIC, statusTopic, PatternType.LITERAL, AclOperation.READ,
                        "read what the instances serve (models list, models status; no consumer group)");
            }
            case SCORER -> throw new IllegalArgumentException("the scorer's ACLs come from its configuration: "
                    + "use AclPlan.of(config, SCORER)");
            default -> throw new IllegalArgumentException("unknown role " + role);
        }
        return new AclPlan(role, b.acls(), List.of());
    }

    private static void requireTopic(final String topic, final String what) {
        if (Objects.requireNonNull(topic, what).isBlank()) {
            throw new IllegalArgumentException(what + " must not be blank");
        }
    }

    /**
     * {@code principal} trimmed, checked to be {@code Type:name} as Kafka spells principals
     * ({@code User:scorer}, {@code User:CN=scorer,OU=risk}); the name may not be the wildcard
     * {@code *}, which would grant the ACLs to everyone.
     *
     * @throws IllegalArgumentException saying what is wrong, with an example
     */
    public static String checkPrincipal(final String principal) {
        final String p = Objects.requireNonNull(principal, "principal").trim();
        final var m = PRINCIPAL.matcher(p);
        if (!m.matches()) {
            throw new IllegalArgumentException("must be a Kafka principal Type:name, e.g. User:scorer; got '"
                    + principal + "'");
        }
        if (m.group(2).equals("*")) {
            throw new IllegalArgumentException("'" + p + "' is every principal of type " + m.group(1)
                    + "; least-privilege ACLs are for one principal, e.g. " + m.group(1) + ":scorer");
        }
        return p;
    }

    public AclRole role() {
        return role;
    }

    /** The ACLs, deduplicated and sorted (see the class comment). Unmodifiable. */
    public List<PlannedAcl> acls() {
        return acls;
    }

    /**
     * One sentence per configured topic whose name an internal-topic prefix of the plan also covers,
     * or per internal-topic prefix inside another; empty when none. Unmodifiable.
     */
    public List<String> warnings() {
        return warnings;
    }

    /** The ACLs as Kafka's Admin API takes them, for {@code principal}, in {@link #acls()} order. */
    public List<AclBinding> bindings(final String principal) {
        final String p = checkPrincipal(principal);
        final List<AclBinding> bindings = new ArrayList<>(acls.size());
        for (PlannedAcl a : acls) {
            bindings.add(a.binding(p));
        }
        return List.copyOf(bindings);
    }

    /**
     * The ACLs grouped by resource (type, name, pattern type), in {@link #acls()} order: what one
     * {@code kafka-acls.sh} command can add. Unmodifiable lists in a new map.
     */
    public Map<ResourcePattern, List<PlannedAcl>> byResource() {
        final Map<ResourcePattern, List<PlannedAcl>> groups = new LinkedHashMap<>();
        for (PlannedAcl a : acls) {
            groups.computeIfAbsent(a.pattern(), k -> new ArrayList<>()).add(a);
        }
        groups.replaceAll((k, v) -> List.copyOf(v));
        return groups;
    }

    private static List<String> overlaps(final Map<String, String> prefixes, final Builder b) {
        final Set<String> topics = b.literalTopics();
        final List<String> warnings = new ArrayList<>();
        for (Map.Entry<String, String> e : prefixes.entrySet()) {
            final String prefix = e.getKey();
            for (String topic : topics) {
                if (topic.startsWith(prefix)) {
                    warnings.add(String.format(Locale.ROOT, "topic '%s' starts with '%s', the internal-topic prefix "
                            + "of application id %s: the prefixed ACLs on '%s' also allow the application to read, "
                            + "write and create it%s; a topic name outside that prefix keeps least privilege", topic,
                            prefix, e.getValue(), prefix, b.has(ResourceType.TOPIC, prefix, PatternType.PREFIXED,
                                    AclOperation.DELETE) ? " and delete its records" : ""));
                }
            }
            for (String other : prefixes.keySet()) {
                if (!other.equals(prefix) && other.startsWith(prefix)) {
                    warnings.add(String.format(Locale.ROOT, "the internal-topic prefix '%s' (application id %s) "
                            + "contains '%s' (application id %s): the ACLs of the first cover the second's topics "
                            + "too", prefix, e.getValue(), other, prefixes.get(other)));
                }
            }
        }
        return warnings;
    }

    private static <T> int rank(final List<T> order, final T value) {
        final int i = order.indexOf(value);
        return i >= 0 ? i : order.size() + ((Enum<?>) value).ordinal();
    }

    /** Collects ACLs, merging the reasons of duplicates. */
    private static final class Builder {

        private final Map<PlannedAcl, Set<String>> reasons = new LinkedHashMap<>();

        void add(final ResourceType type, final String name, final PatternType pattern, final AclOperation operation,
                 final String reason) {
            // Keys carry a placeholder reason, so that the same ACL for another reason is the same key.
            reasons.computeIfAbsent(new PlannedAcl(type, name, pattern, operation, "-"), k -> new LinkedHashSet<>())
                    .add(reason);
        }

        List<PlannedAcl> acls() {
            final List<PlannedAcl> acls = new ArrayList<>();
            reasons.forEach((k, why) -> acls.add(new PlannedAcl(k.resourceType(), k.name(), k.patternType(),
                    k.operation(), String.join("; ", why))));
            acls.sort(ORDER);
            return acls;
        }

        boolean has(final ResourceType type, final String name, final PatternType pattern,
                    final AclOperation operation) {
            return reasons.containsKey(new PlannedAcl(type, name, pattern, operation, "-"));
        }

        /** The topics named literally, in the order first added. */
        Set<String> literalTopics() {
            final Set<String> topics = new LinkedHashSet<>();
            for (PlannedAcl a : reasons.keySet()) {
                if (a.resourceType() == ResourceType.TOPIC && a.patternType() == PatternType.LITERAL) {
                    topics.add(a.name());
                }
            }
            return topics;
        }
    }
}
