package io.scorestream.testkit;

import static io.scorestream.testkit.AdminWaits.asRuntime;
import static io.scorestream.testkit.AdminWaits.attemptTimeoutMs;
import static io.scorestream.testkit.AdminWaits.await;
import static io.scorestream.testkit.AdminWaits.sleepUntilNextAttempt;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.function.Predicate;

import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeAclsOptions;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.config.SslConfigs;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

/**
 * The security side of a {@linkplain EmbeddedKafka.Builder#secured() secured} {@link EmbeddedKafka}:
 * its test certificates and OAuth server, SCRAM users, ACLs, and the client configurations that
 * reach its {@code SASL_SSL} listener. Obtained from {@link EmbeddedKafka#security()}.
 *
 * <pre>{@code
 * try (EmbeddedKafka kafka = EmbeddedKafka.builder().secured().start()) {
 *     KafkaSecurity security = kafka.security();
 *     security.createScramUser("app", "app-secret");
 *     security.grantTopic("app", "features", AclOperation.READ, AclOperation.WRITE);
 *     Map<String, Object> producerConfig = security.scramClientConfig("app", "app-secret");
 *
 *     security.oauthServer().registerClient("scorer", "scorer-secret", Duration.ofSeconds(20));
 *     Map<String, Object> oauthConfig = security.oauthClientConfig("scorer", "scorer-secret");
 * }
 * }</pre>
 *
 * <h2>Principals</h2>
 * A SCRAM user {@code u} and an OAuth client whose token has {@code sub=u} are both
 * {@code User:u}. The ACL helpers take that user name. {@code User:}{@value #ADMIN_USER} (the kit's
 * {@link EmbeddedKafka#admin()}) and {@code User:}{@value #BROKER_USER} (the broker itself) are super
 * users; no client can become either (those names are refused as SCRAM users, and the broker user
 * authenticates only on the internal listeners, with a password nobody else knows).
 *
 * <h2>Waiting</h2>
 * Every change is applied through the super user's Admin client and waited for until the broker
 * enforces it (a new SCRAM user can log in; an ACL is visible in the broker's authorizer), within the
 * broker's timeout, so a test can use it the moment the call returns.
 *
 * <h2>Threading, ownership, secrets</h2>
 * Thread-safe; owned by its {@link EmbeddedKafka}, which closes the OAuth server it started and
 * deletes the certificates. Passwords, client secrets and tokens are never logged and never part of
 * an exception message; the maps this class returns hold them, so do not log those maps.
 */
public final class KafkaSecurity {

    /** The SASL mechanism of SCRAM users. */
    public static final String SCRAM_MECHANISM = SecuredListeners.SCRAM_MECHANISM;

    /** The SASL mechanism of OAuth clients. */
    public static final String OAUTH_MECHANISM = SecuredListeners.OAUTH_MECHANISM;

    /** The kit's own super user (SCRAM), behind {@link EmbeddedKafka#admin()}. */
    public static final String ADMIN_USER = SecuredListeners.ADMIN_USER;

    /** The broker's own super user on the internal listeners (PLAIN). */
    public static final String BROKER_USER = SecuredListeners.BROKER_USER;

    /** Kafka's login callback handler that fetches tokens from an OAuth token endpoint. */
    public static final String OAUTH_LOGIN_CALLBACK_HANDLER =
            "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginCallbackHandler";

    /**
     * Client-side token refresh for short-lived tokens, as {@link #oauthClientConfig} sets it.
     * Kafka's refresh thread ({@code ExpiringCredentialRefreshingLogin}) refreshes at
     * {@code window.factor} (0.5..1.0, default 0.8) plus up to {@code window.jitter} (0..0.25,
     * default 0.05) of the token's lifetime, but no later than {@code buffer.seconds} (0..3600,
     * default 300) before expiry and no sooner than {@code min.period.seconds} (0..900, default 60)
     * after the last refresh; when the lifetime is shorter than buffer + min period (a 20 s token
     * with the defaults) it ignores both, warns at every refresh and refreshes at 80-85 % of the
     * lifetime, leaving 3-4 s of a 20 s token for the broker's re-authentication. These values make a
     * 15-20 s token refresh at 50-55 % of its life, silently, leaving the second half for
     * re-authentication.
     */
    public static final Map<String, String> SHORT_TOKEN_REFRESH = Map.of(
            SaslConfigs.SASL_LOGIN_REFRESH_WINDOW_FACTOR, "0.5",
            SaslConfigs.SASL_LOGIN_REFRESH_WINDOW_JITTER, "0.05",
            SaslConfigs.SASL_LOGIN_REFRESH_MIN_PERIOD_SECONDS, "1",
            SaslConfigs.SASL_LOGIN_REFRESH_BUFFER_SECONDS, "5");

    private static final String SECURITY_PROTOCOL = "SASL_SSL";

    private final EmbeddedKafka kafka;
    private final TestCertificates certificates;
    private final TestOAuthServer oauthServer;
    private final String adminPassword;
    private final Duration timeout;

    KafkaSecurity(final EmbeddedKafka kafka, final TestCertificates certificates,
            final TestOAuthServer oauthServer, final String adminPassword, final Duration timeout) {
        this.kafka = kafka;
        this.certificates = certificates;
        this.oauthServer = oauthServer;
        this.adminPassword = adminPassword;
        this.timeout = timeout;
    }

    /** The test CA and the broker's certificate; clients trust {@link TestCertificates#truststore()}. */
    public TestCertificates certificates() {
        return certificates;
    }

    /** The OAuth server whose JWKS the broker trusts; register OAuth clients on it. */
    public TestOAuthServer oauthServer() {
        return oauthServer;
    }

    /**
     * Creates or updates a SCRAM-SHA-512 user through {@code Admin#alterUserScramCredentials} and
     * waits until it can log in.
     *
     * @param user the user name, principal {@code User:<user>}; not blank, not a kit user
     * @param password its password, not blank
     * @throws IllegalArgumentException if a name is blank or reserved
     * @throws org.apache.kafka.common.errors.TimeoutException if the user cannot log in in time
     */
    public void createScramUser(final String user, final String password) {
        requireUser(user);
        if (password == null || password.isBlank()) {
            throw new IllegalArgumentException("password of SCRAM user '" + user + "' must not be blank");
        }
        try {
            await(kafka.admin().alterUserScramCredentials(List.of(new UserScramCredentialUpsertion(
                    user, new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096), password)))
                    .all());
        } catch (ExecutionException e) {
            throw new KafkaException("Cannot create SCRAM user '" + user + "': "
                    + e.getCause().getMessage(), e.getCause());
        }
        awaitLogin(scramClientConfig(user, password), "SCRAM user '" + user + "'");
    }

    /**
     * The client configuration of a SCRAM user: {@code bootstrap.servers},
     * {@code security.protocol=SASL_SSL}, {@code sasl.mechanism=SCRAM-SHA-512}, {@code sasl.jaas.config}
     * with the user and password, and the trust store. Add serializers and the rest.
     *
     * @param user the user name
     * @param password its password (a wrong one gives a client that fails to authenticate)
     * @return a new mutable map, owned by the caller; it holds the password
     */
    public Map<String, Object> scramClientConfig(final String user, final String password) {
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(password, "password");
        final Map<String, Object> config = tlsConfig();
        config.put(SaslConfigs.SASL_MECHANISM, SCRAM_MECHANISM);
        config.put(SaslConfigs.SASL_JAAS_CONFIG,
                "org.apache.kafka.common.security.scram.ScramLoginModule required username=\""
                        + jaasQuote(user) + "\" password=\"" + jaasQuote(password) + "\";");
        return config;
    }

    /** {@link #scramClientConfig} as {@link Properties}. */
    public Properties scramClientProperties(final String user, final String password) {
        return properties(scramClientConfig(user, password));
    }

    /**
     * The client configuration of an OAuth client of {@link #oauthServer()}:
     * {@code bootstrap.servers}, {@code security.protocol=SASL_SSL}, {@code sasl.mechanism=OAUTHBEARER},
     * {@code sasl.jaas.config} ({@code OAuthBearerLoginModule}, no options),
     * {@code sasl.login.callback.handler.class} = {@value #OAUTH_LOGIN_CALLBACK_HANDLER},
     * {@code sasl.oauthbearer.token.endpoint.url},
     * {@code sasl.oauthbearer.client.credentials.client.id} and {@code ...client.secret} (Kafka 4.3
     * reads these; the JAAS options {@code clientId}/{@code clientSecret} still work but are
     * deprecated and warned about), the {@linkplain #SHORT_TOKEN_REFRESH refresh settings for
     * short-lived tokens}, and the trust store.
     *
     * @param clientId the OAuth client id
     * @param secret its secret (a wrong one gives a client that cannot be constructed)
     * @return a new mutable map, owned by the caller; it holds the secret
     */
    public Map<String, Object> oauthClientConfig(final String clientId, final String secret) {
        Objects.requireNonNull(clientId, "clientId");
        Objects.requireNonNull(secret, "secret");
        final Map<String, Object> config = tlsConfig();
        config.put(SaslConfigs.SASL_MECHANISM, OAUTH_MECHANISM);
        config.put(SaslConfigs.SASL_JAAS_CONFIG,
                "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required;");
        config.put(SaslConfigs.SASL_LOGIN_CALLBACK_HANDLER_CLASS, OAUTH_LOGIN_CALLBACK_HANDLER);
        config.put(SaslConfigs.SASL_OAUTHBEARER_TOKEN_ENDPOINT_URL, oauthServer.tokenUrl());
        config.put(SaslConfigs.SASL_OAUTHBEARER_CLIENT_CREDENTIALS_CLIENT_ID, clientId);
        config.put(SaslConfigs.SASL_OAUTHBEARER_CLIENT_CREDENTIALS_CLIENT_SECRET, secret);
        config.putAll(SHORT_TOKEN_REFRESH);
        return config;
    }

    /** {@link #oauthClientConfig} as {@link Properties}. */
    public Properties oauthClientProperties(final String clientId, final String secret) {
        return properties(oauthClientConfig(clientId, secret));
    }

    /**
     * The TLS part every client needs: {@code bootstrap.servers}, {@code security.protocol=SASL_SSL}
     * and the PKCS12 trust store (location, password, type). Hostname verification stays on.
     *
     * @return a new mutable map, owned by the caller; it holds the trust store password
     */
    public Map<String, Object> tlsConfig() {
        final Map<String, Object> config = new HashMap<>();
        config.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        config.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, SECURITY_PROTOCOL);
        config.put(SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG, certificates.truststore().toString());
        config.put(SslConfigs.SSL_TRUSTSTORE_PASSWORD_CONFIG, certificates.password());
        config.put(SslConfigs.SSL_TRUSTSTORE_TYPE_CONFIG, TestCertificates.STORE_TYPE);
        return config;
    }

    /**
     * Allows a user operations on one topic (literal name, any host), and waits until the broker
     * enforces it.
     *
     * @param user the user name ({@code User:<user>})
     * @param topic the topic name
     * @param operations at least one
     */
    public void grantTopic(final String user, final String topic, final AclOperation... operations) {
        grant(user, ResourceType.TOPIC, topic, PatternType.LITERAL, operations);
    }

    /**
     * Allows a user operations on one consumer group, as {@link #grantTopic} does on a topic.
     *
     * @param user the user name
     * @param group the group id
     * @param operations at least one
     */
    public void grantGroup(final String user, final String group, final AclOperation... operations) {
        grant(user, ResourceType.GROUP, group, PatternType.LITERAL, operations);
    }

    /**
     * Allows a user operations on resources (any host), and waits until the broker enforces them.
     *
     * @param user the user name ({@code User:<user>})
     * @param type the resource type
     * @param name the resource name ({@code *} for all, with {@link PatternType#LITERAL})
     * @param patternType {@link PatternType#LITERAL} or {@link PatternType#PREFIXED}
     * @param operations at least one
     * @throws IllegalArgumentException if no operation is given
     */
    public void grant(final String user, final ResourceType type, final String name,
            final PatternType patternType, final AclOperation... operations) {
        Objects.requireNonNull(user, "user");
        if (operations.length == 0) {
            throw new IllegalArgumentException("grant needs at least one operation for " + type
                    + " '" + name + "'");
        }
        final ResourcePattern pattern = new ResourcePattern(type, name, patternType);
        final List<AclBinding> bindings = new ArrayList<>();
        for (final AclOperation operation : operations) {
            bindings.add(new AclBinding(pattern, new AccessControlEntry("User:" + user, "*",
                    operation, AclPermissionType.ALLOW)));
        }
        createAcls(bindings);
    }

    /**
     * Creates ACLs and waits until the broker's authorizer has every one of them.
     *
     * @param bindings the ACLs, e.g. those an application generated for itself
     * @throws KafkaException if the broker refuses one
     * @throws org.apache.kafka.common.errors.TimeoutException if they are not in force in time
     */
    public void createAcls(final Collection<AclBinding> bindings) {
        try {
            await(kafka.admin().createAcls(bindings).all());
        } catch (ExecutionException e) {
            throw new KafkaException("Cannot create ACLs " + bindings + ": " + e.getCause().getMessage(),
                    e.getCause());
        }
        final Set<AclBinding> wanted = new HashSet<>(bindings);
        awaitAcls(AclBindingFilter.ANY, acls -> acls.containsAll(wanted), "ACLs " + bindings
                + " to be in force");
    }

    /**
     * Deletes the ACLs matching a filter and waits until the broker no longer has any of them.
     *
     * @param filter which ACLs; {@link AclBindingFilter#ANY} deletes all
     * @return the ACLs deleted
     */
    public Collection<AclBinding> deleteAcls(final AclBindingFilter filter) {
        final Collection<AclBinding> deleted;
        try {
            deleted = await(kafka.admin().deleteAcls(List.of(filter)).all());
        } catch (ExecutionException e) {
            throw new KafkaException("Cannot delete ACLs " + filter + ": " + e.getCause().getMessage(),
                    e.getCause());
        }
        awaitAcls(filter, Collection::isEmpty, "ACLs " + filter + " to be deleted");
        return deleted;
    }

    /**
     * The ACLs the broker's authorizer holds now that match a filter.
     *
     * @param filter which ACLs
     * @return a new set
     */
    public Set<AclBinding> acls(final AclBindingFilter filter) {
        try {
            return new HashSet<>(await(kafka.admin().describeAcls(filter,
                    new DescribeAclsOptions().timeoutMs((int) timeout.toMillis())).values()));
        } catch (ExecutionException e) {
            throw new KafkaException("Cannot describe ACLs " + filter + ": " + e.getCause().getMessage(),
                    e.getCause());
        }
    }

    @Override
    public String toString() {
        return "KafkaSecurity[" + kafka.bootstrapServers() + ", SASL_SSL " + SCRAM_MECHANISM + "/"
                + OAUTH_MECHANISM + ", " + oauthServer + "]";
    }

    // ---------------------------------------------------------------------------------------------

    /**
     * The kit's own super user's client configuration (SCRAM, {@code User:admin}): for a test's
     * own producers and readers, which should not need ACLs. A new mutable map; holds the password.
     */
    public Map<String, Object> adminClientConfig() {
        return scramClientConfig(ADMIN_USER, adminPassword);
    }

    /** The password of the kit's super user. A secret: for tests that check it is never logged. */
    public String adminPassword() {
        return adminPassword;
    }

    /**
     * Waits until a client with this configuration can log in and describe the cluster, retrying
     * authentication failures and retriable errors within the broker's timeout: for a SCRAM user
     * changed by other means, or for tokens signed by a {@linkplain TestOAuthServer#rotateKey()
     * new key} (the broker refuses the first one, then fetches its JWKS again at once).
     *
     * @param clientConfig e.g. {@link #oauthClientConfig}; not changed
     * @throws org.apache.kafka.common.errors.TimeoutException if it cannot log in in time
     * @throws KafkaException on a failure that is neither an authentication failure nor retriable
     */
    public void awaitLogin(final Map<String, Object> clientConfig) {
        awaitLogin(clientConfig, "A client");
    }

    /** {@link #awaitLogin(Map)}, naming {@code who} in the errors. */
    void awaitLogin(final Map<String, Object> config, final String who) {
        final long deadline = System.nanoTime() + timeout.toNanos();
        RuntimeException last = null;
        while (true) {
            final Map<String, Object> attempt = new HashMap<>(config);
            attempt.put(AdminClientConfig.CLIENT_ID_CONFIG, "embedded-kafka-login-check");
            final int attemptMs = attemptTimeoutMs(deadline);
            attempt.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, attemptMs);
            attempt.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, attemptMs);
            try (Admin probe = Admin.create(attempt)) {
                await(probe.describeCluster(new DescribeClusterOptions().timeoutMs(attemptMs)).nodes());
                return;
            } catch (ExecutionException e) {
                last = asRuntime(e.getCause());
                if (!(e.getCause() instanceof AuthenticationException)
                        && !(e.getCause() instanceof RetriableException)) {
                    throw new KafkaException(who + " cannot log in: " + e.getCause().getMessage(),
                            e.getCause());
                }
            }
            sleepUntilNextAttempt(deadline, String.format(Locale.ROOT,
                    "%s could not log in within %s", who, timeout), last);
        }
    }

    private void awaitAcls(final AclBindingFilter filter,
            final Predicate<Set<AclBinding>> done, final String what) {
        final long deadline = System.nanoTime() + timeout.toNanos();
        RuntimeException last = null;
        while (true) {
            try {
                final Set<AclBinding> acls = new HashSet<>(await(kafka.admin().describeAcls(filter,
                        new DescribeAclsOptions().timeoutMs(attemptTimeoutMs(deadline))).values()));
                if (done.test(acls)) {
                    return;
                }
            } catch (ExecutionException e) {
                last = asRuntime(e.getCause());
                if (!(e.getCause() instanceof RetriableException)) {
                    throw new KafkaException("Cannot describe ACLs: " + e.getCause().getMessage(),
                            e.getCause());
                }
            }
            sleepUntilNextAttempt(deadline, "Timed out waiting for " + what, last);
        }
    }

    private static void requireUser(final String user) {
        if (user == null || user.isBlank()) {
            throw new IllegalArgumentException("SCRAM user name must not be blank");
        }
        if (ADMIN_USER.equals(user) || BROKER_USER.equals(user)) {
            throw new IllegalArgumentException("SCRAM user name '" + user
                    + "' is reserved for the embedded broker's own super users");
        }
    }

    /** Escapes a value for a double-quoted JAAS option. */
    private static String jaasQuote(final String value) {
        return value.replace("\\", "\\\\").replace("\"", "\\\"");
    }

    private static Properties properties(final Map<String, Object> config) {
        final Properties props = new Properties();
        props.putAll(config);
        return props;
    }
}
