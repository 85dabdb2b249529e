package io.scorestream.app.security;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.DescribeConsumerGroupsOptions;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TransactionalIdAuthorizationException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.resource.ResourceType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Says, in words a user can act on, when Kafka refused a client: who the client authenticates as,
 * which resource, which operation, and what it was needed for. Two uses:
 * <ul>
 *   <li>{@link #check}: before an application starts its Kafka Streams clients, one Admin client
 *       authenticates and asks the broker which operations it may perform on each topic and group
 *       it will use ({@code includeAuthorizedOperations}, KIP-430); a refusal stops start-up with
 *       {@link KafkaRefusedException} instead of a stream thread failing later with Kafka's bare
 *       "Not authorized to access topics: [...]" (or retrying forever).</li>
 *   <li>{@link #explain}: turns an {@link AuthenticationException} or {@link AuthorizationException}
 *       met anywhere (a command's producer, a stream thread) into such a message.</li>
 * </ul>
 *
 * <p>The principal is described from the client settings only ({@link #principal}): the SASL
 * user name or OAuth client id, never a password, token or key. A broker without an authorizer
 * reports every operation as allowed, so the check passes there. Topics and groups that do not
 * exist yet are not checked (Kafka Streams creates its internal topics, and a missing input topic
 * has its own error). Resources granted by prefix (transactional ids, internal topics) cannot be
 * asked about without using them; a refusal of those is {@linkplain #explain explained} when it
 * happens.
 *
 * <p>Stateless; thread-safe.
 */
public final class KafkaAccess {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaAccess.class);

    private static final Pattern JAAS_USERNAME = Pattern.compile("\\busername\\s*=\\s*\"([^\"]*)\"");
    private static final Pattern JAAS_CLIENT_ID = Pattern.compile("\\bclientId\\s*=\\s*\"([^\"]*)\"");
    private static final String OAUTH_CLIENT_ID_KEY = "sasl.oauthbearer.client.credentials.client.id";

    private KafkaAccess() {
    }

    /**
     * One operation a client needs on one resource.
     *
     * @param type {@link ResourceType#TOPIC}, {@link ResourceType#GROUP} or {@link ResourceType#CLUSTER}
     * @param name the topic or group name ({@code kafka-cluster} for the cluster)
     * @param operation what it must be allowed to do
     * @param why what it is needed for, for the message ("read model versions")
     */
    public record Requirement(ResourceType type, String name, AclOperation operation, String why) {
        public Requirement {
            Objects.requireNonNull(type, "type");
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(operation, "operation");
            Objects.requireNonNull(why, "why");
        }
    }

    /**
     * What {@link #check} can ask the broker about in a plan: its literal topic, group and cluster
     * ACLs (prefixed ones name no single resource), each with the plan's reason.
     */
    public static List<Requirement> requirements(final AclPlan plan) {
        final List<Requirement> out = new ArrayList<>();
        for (PlannedAcl acl : plan.acls()) {
            if (acl.patternType() == org.apache.kafka.common.resource.PatternType.LITERAL
                    && (acl.resourceType() == ResourceType.TOPIC || acl.resourceType() == ResourceType.GROUP
                    || acl.resourceType() == ResourceType.CLUSTER)) {
                out.add(new Requirement(acl.resourceType(), acl.name(), acl.operation(), acl.reason()));
            }
        }
        return List.copyOf(out);
    }

    /**
     * Who a client with these settings authenticates as, for messages: {@code User:scorer
     * (SASL_SSL, SCRAM-SHA-512)}, {@code OAuth client 'scorer' (SASL_SSL, OAUTHBEARER)}, or the
     * protocol alone ({@code the anonymous client (PLAINTEXT)}, {@code the TLS client certificate's
     * principal (SSL)}). Never contains a secret.
     */
    public static String principal(final Map<String, ?> clientProps) {
        final String protocol = string(clientProps.get(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG))
                .map(p -> p.toUpperCase(Locale.ROOT)).orElse("PLAINTEXT");
        if (!protocol.startsWith("SASL_")) {
            return "SSL".equals(protocol) ? "the TLS client certificate's principal (SSL)"
                    : "the anonymous client (" + protocol + ")";
        }
        final String mechanism = string(clientProps.get(SaslConfigs.SASL_MECHANISM))
                .map(m -> m.toUpperCase(Locale.ROOT)).orElse(SaslConfigs.DEFAULT_SASL_MECHANISM);
        final String jaas = string(clientProps.get(SaslConfigs.SASL_JAAS_CONFIG)).orElse("");
        final String how = " (" + protocol + ", " + mechanism + ")";
        if ("OAUTHBEARER".equals(mechanism)) {
            final Optional<String> id = string(clientProps.get(OAUTH_CLIENT_ID_KEY))
                    .or(() -> first(JAAS_CLIENT_ID, jaas));
            return id.map(i -> "OAuth client '" + i + "'").orElse("the OAuth client") + how;
        }
        return first(JAAS_USERNAME, jaas).map(u -> "User:" + u).orElse("the SASL user") + how;
    }

    /**
     * Authenticates and checks every requirement against what the broker says this client may do.
     *
     * @param adminProps settings for an Admin client (bootstrap servers and security)
     * @param requirements what the application will need, in the order to report them
     * @param timeout how long to wait for the broker; a broker that does not answer in time is
     *     logged and left to the clients to retry (it is not a refusal)
     * @throws KafkaRefusedException when the broker refused to authenticate the client or a
     *     requirement is not granted (every missing one is named)
     */
    public static void check(final Map<String, Object> adminProps, final Collection<Requirement> requirements,
            final Duration timeout) {
        final String who = principal(adminProps);
        final String where = String.valueOf(adminProps.get(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG));
        final int timeoutMs = (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
        final Map<String, Object> props = new LinkedHashMap<>(adminProps);
        props.putIfAbsent(CommonClientConfigs.CLIENT_ID_CONFIG, "scorestream-access-check");
        props.put(CommonClientConfigs.DEFAULT_API_TIMEOUT_MS_CONFIG, timeoutMs);
        try (Admin admin = Admin.create(props)) {
            final Set<AclOperation> cluster;
            try {
                cluster = get(admin.describeCluster(new DescribeClusterOptions()
                        .includeAuthorizedOperations(true).timeoutMs(timeoutMs)).authorizedOperations(), timeout);
            } catch (final java.util.concurrent.TimeoutException | org.apache.kafka.common.errors.TimeoutException e) {
                LOG.warn("Could not check {}'s access at {} within {} ms; starting anyway: {}", who, where,
                        timeoutMs, e.getMessage());
                return;
            }
            final List<String> missing = new ArrayList<>();
            checkCluster(requirements, cluster, missing);
            checkTopics(admin, requirements, timeoutMs, timeout, missing);
            checkGroups(admin, requirements, timeoutMs, timeout, missing);
            if (!missing.isEmpty()) {
                throw new KafkaRefusedException(String.format(Locale.ROOT,
                        "Kafka at %s does not allow %s %s:%n  %s%nGrant them (scorestream acls --principal ... "
                                + "prints every ACL this configuration needs) and start again.",
                        where, who, missing.size() == 1 ? "this operation" : "these operations",
                        String.join(System.lineSeparator() + "  ", missing)));
            }
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaRefusedException("Interrupted while checking " + who + "'s access at " + where);
        } catch (final ExecutionException | RuntimeException e) {
            if (e instanceof KafkaRefusedException refused) {
                throw refused;
            }
            final Optional<String> explained = explain(e, adminProps, "checking its access before start-up");
            if (explained.isPresent()) {
                throw new KafkaRefusedException(explained.get(), e);
            }
            LOG.warn("Could not check {}'s access at {}; starting anyway: {}", who, where, e.toString());
        }
    }

    /**
     * If {@code failure} or one of its causes is Kafka refusing to authenticate or authorize the
     * client, a message naming the principal, the resource and what was being done.
     *
     * @param clientProps the settings of the client that failed (for the principal and address)
     * @param doing what the client was doing, e.g. "publishing model version 'fraud' 3"
     * @return the message, or empty for any other failure
     */
    public static Optional<String> explain(final Throwable failure, final Map<String, ?> clientProps,
            final String doing) {
        final String who = principal(clientProps);
        final String where = String.valueOf(clientProps.get(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG));
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof SslAuthenticationException) {
                return Optional.of(String.format(Locale.ROOT,
                        "The TLS handshake with Kafka at %s failed for %s while %s: %s (check ssl.truststore.* "
                                + "and that the broker's certificate names the host you connect to)",
                        where, who, doing, rootMessage(t)));
            }
            if (t instanceof AuthenticationException) {
                final String hint = String.valueOf(t.getMessage()).contains("invalid_token")
                        ? " (the broker refused the OAuth token: expired, signed by a key its JWKS does not hold, "
                                + "or for another audience or issuer; the broker's log says which)" : "";
                return Optional.of(String.format(Locale.ROOT,
                        "Kafka at %s refused to authenticate %s while %s: %s%s", where, who, doing, t.getMessage(),
                        hint));
            }
            if (t instanceof TopicAuthorizationException topics) {
                return Optional.of(String.format(Locale.ROOT,
                        "Kafka at %s does not allow %s to use topic(s) %s while %s (%s)", where, who,
                        quoted(topics.unauthorizedTopics()), doing, t.getMessage()));
            }
            if (t instanceof GroupAuthorizationException group) {
                return Optional.of(String.format(Locale.ROOT,
                        "Kafka at %s does not allow %s to use consumer group '%s' while %s (READ and DESCRIBE "
                                + "on the group are needed)", where, who, group.groupId(), doing));
            }
            if (t instanceof TransactionalIdAuthorizationException) {
                return Optional.of(String.format(Locale.ROOT,
                        "Kafka at %s does not allow %s to use its transactional ids while %s (WRITE and DESCRIBE "
                                + "on TransactionalId, prefixed with the application id, are needed under "
                                + "exactly_once_v2): %s", where, who, doing, t.getMessage()));
            }
            if (t instanceof ClusterAuthorizationException) {
                return Optional.of(String.format(Locale.ROOT,
                        "Kafka at %s refused a cluster operation to %s while %s: %s", where, who, doing,
                        t.getMessage()));
            }
            if (t instanceof AuthorizationException) {
                return Optional.of(String.format(Locale.ROOT, "Kafka at %s refused %s while %s: %s", where, who,
                        doing, t.getMessage()));
            }
        }
        return Optional.empty();
    }

    /** Whether {@code failure} or a cause is an authentication or authorization refusal. */
    public static boolean isRefusal(final Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof AuthenticationException || t instanceof AuthorizationException) {
                return true;
            }
        }
        return false;
    }

    private static void checkCluster(final Collection<Requirement> requirements, final Set<AclOperation> granted,
            final List<String> missing) {
        for (Requirement r : requirements) {
            if (r.type() == ResourceType.CLUSTER && granted != null && !allows(granted, r.operation())) {
                missing.add(line(r));
            }
        }
    }

    private static void checkTopics(final Admin admin, final Collection<Requirement> requirements,
            final int timeoutMs, final Duration timeout, final List<String> missing)
            throws InterruptedException, ExecutionException {
        final Set<String> names = names(requirements, ResourceType.TOPIC);
        if (names.isEmpty()) {
            return;
        }
        final Map<String, KafkaFuture<TopicDescription>> described = admin.describeTopics(names,
                new DescribeTopicsOptions().includeAuthorizedOperations(true).timeoutMs(timeoutMs))
                .topicNameValues();
        for (String topic : names) {
            Set<AclOperation> granted;
            try {
                granted = get(described.get(topic), timeout).authorizedOperations();
            } catch (final ExecutionException e) {
                if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                    continue;
                }
                if (!(e.getCause() instanceof TopicAuthorizationException)) {
                    throw e;
                }
                granted = Set.of(); // not even DESCRIBE
            } catch (final java.util.concurrent.TimeoutException e) {
                continue;
            }
            for (Requirement r : requirements) {
                if (r.type() == ResourceType.TOPIC && r.name().equals(topic) && granted != null
                        && !allows(granted, r.operation())) {
                    missing.add(line(r));
                }
            }
        }
    }

    private static void checkGroups(final Admin admin, final Collection<Requirement> requirements,
            final int timeoutMs, final Duration timeout, final List<String> missing)
            throws InterruptedException, ExecutionException {
        for (String group : names(requirements, ResourceType.GROUP)) {
            Set<AclOperation> granted;
            try {
                granted = get(admin.describeConsumerGroups(List.of(group), new DescribeConsumerGroupsOptions()
                        .includeAuthorizedOperations(true).timeoutMs(timeoutMs)).describedGroups().get(group),
                        timeout).authorizedOperations();
            } catch (final ExecutionException e) {
                if (e.getCause() instanceof GroupIdNotFoundException) {
                    continue;
                }
                if (!(e.getCause() instanceof GroupAuthorizationException)) {
                    throw e;
                }
                granted = Set.of();
            } catch (final java.util.concurrent.TimeoutException e) {
                continue;
            }
            for (Requirement r : requirements) {
                if (r.type() == ResourceType.GROUP && r.name().equals(group) && granted != null
                        && !allows(granted, r.operation())) {
                    missing.add(line(r));
                }
            }
        }
    }

    private static boolean allows(final Set<AclOperation> granted, final AclOperation op) {
        return granted.contains(op) || granted.contains(AclOperation.ALL);
    }

    private static String line(final Requirement r) {
        return String.format(Locale.ROOT, "%s on %s '%s' (to %s)", r.operation(),
                r.type().name().toLowerCase(Locale.ROOT), r.name(), r.why());
    }

    private static Set<String> names(final Collection<Requirement> requirements, final ResourceType type) {
        final Set<String> names = new LinkedHashSet<>();
        for (Requirement r : requirements) {
            if (r.type() == type) {
                names.add(r.name());
            }
        }
        return names;
    }

    private static <T> T get(final KafkaFuture<T> future, final Duration timeout)
            throws InterruptedException, ExecutionException, java.util.concurrent.TimeoutException {
        return future.get(timeout.toMillis() + 1_000, TimeUnit.MILLISECONDS);
    }

    private static Optional<String> string(final Object value) {
        if (value == null) {
            return Optional.empty();
        }
        final String s = value instanceof org.apache.kafka.common.config.types.Password p ? p.value()
                : value.toString();
        return s.isBlank() ? Optional.empty() : Optional.of(s.trim());
    }

    private static Optional<String> first(final Pattern pattern, final String text) {
        final Matcher m = pattern.matcher(text);
        return m.find() ? Optional.of(m.group(1)) : Optional.empty();
    }

    private static String quoted(final Set<String> names) {
        return names.isEmpty() ? "(unnamed)" : "'" + String.join("', '", names) + "'";
    }

    private static String rootMessage(final Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() != null ? root.getMessage() : root.toString();
    }
}
