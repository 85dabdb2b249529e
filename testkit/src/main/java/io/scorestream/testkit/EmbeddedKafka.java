package io.scorestream.testkit;

import static io.scorestream.testkit.AdminWaits.asRuntime;
import static io.scorestream.testkit.AdminWaits.attemptTimeoutMs;
import static io.scorestream.testkit.AdminWaits.await;
import static io.scorestream.testkit.AdminWaits.sleepUntilNextAttempt;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import kafka.server.KafkaConfig;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.utils.Utils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real, single-node Apache Kafka cluster (KRaft, one combined broker+controller process) running
 * inside this JVM, for the demo application and for integration tests.
 *
 * <p>It is Kafka's own server ({@code kafka.server.KafkaRaftServer}) over a log directory formatted
 * with {@code org.apache.kafka.metadata.storage.Formatter} at
 * {@code MetadataVersion.LATEST_PRODUCTION}, so every production feature (transactions v2, the
 * consumer, share and streams group protocols) is enabled. Both listeners bind {@code 127.0.0.1}
 * on free ports; the internal topics are configured for one node (replication factor 1, min ISR 1)
 * and consumer groups rebalance without the initial delay.
 *
 * <pre>{@code
 * try (EmbeddedKafka kafka = EmbeddedKafka.builder().brokerProperty("num.partitions", "3").start()) {
 *     kafka.createTopic("features", 3, Map.of());
 *     // clients use kafka.bootstrapServers()
 * }
 * }</pre>
 *
 * <h2>Secured</h2>
 * {@link Builder#secured()} starts the same node with {@code SASL_SSL} listeners only (TLS with a
 * {@link TestCertificates} CA and server certificate made at start, SCRAM-SHA-512 and OAUTHBEARER
 * for clients, PLAIN with a random password between the broker and its controller), the
 * {@code StandardAuthorizer} with {@code allow.everyone.if.no.acl.found=false}, and a super user
 * behind {@link #admin()}; {@link #security()} makes users, ACLs and client configurations. See
 * {@link SecuredListeners} for the listeners and {@link KafkaSecurity} for the client side.
 *
 * <h2>Lifecycle</h2>
 * {@code NEW --start()--> RUNNING --stop()--> STOPPED --start()--> RUNNING ... --close()--> CLOSED}.
 * The ports and the data directory are chosen at the first {@link #start()} and kept until
 * {@link #close()}, so clients configured with {@link #bootstrapServers()} reconnect by themselves
 * after {@link #restart()}. A failed first start leaves the instance closed (and its temporary
 * directory deleted); a failed later start leaves it stopped.
 *
 * <h2>Ownership</h2>
 * The instance owns the broker, the shared {@link #admin() Admin} and, when no
 * {@linkplain Builder#dataDir(Path) data directory was given}, a temporary data directory, which
 * {@link #close()} deletes unless {@linkplain Builder#keepDataDir(boolean) asked to keep it}. A
 * directory given by the caller is never deleted. Whoever creates an instance must close it.
 *
 * <h2>Threading</h2>
 * All methods are thread-safe. Lifecycle methods ({@code start}, {@code stop}, {@code restart},
 * {@code close}) are serialised and block until done. {@link #createTopic} may run concurrently
 * with other calls and with client traffic; it fails if the broker is closed meanwhile.
 *
 * <h2>Failure</h2>
 * The broker is Kafka's unmodified server: on a fault it considers fatal (for example a log
 * directory deleted under it) it halts the JVM, as a stand-alone broker would.
 */
public final class EmbeddedKafka implements AutoCloseable {

    /** How long {@link #start()} and {@link #createTopic} wait by default. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

    /** How long a secured client session lasts at most before it re-authenticates, by default. */
    public static final Duration DEFAULT_REAUTHENTICATION = Duration.ofSeconds(60);

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafka.class);

    private static final String LOG_DIR_NAME = "kraft-combined-logs";
    private static final int MAX_PORT_ATTEMPTS = 3;
    private static final Duration ADMIN_CLOSE_TIMEOUT = Duration.ofSeconds(5);
    private static final SecureRandom RANDOM = new SecureRandom();

    private enum State { NEW, RUNNING, STOPPED, CLOSED }

    private final BrokerSettings settings;
    private final Path givenDataDir;
    private final boolean keepDataDir;
    private final int requestedBrokerPort;
    private final Duration timeout;
    private final boolean secured;
    private final TestOAuthServer givenOAuthServer;
    private final Duration reauthentication;

    // Written only under the monitor; volatile so that createTopic/admin can read without it.
    private volatile State state = State.NEW;
    private volatile Path dataDir;
    private volatile String bootstrapServers;
    private volatile Admin admin;
    private volatile String clusterId;
    private volatile KafkaSecurity security;

    // Guarded by this.
    private KraftNode node;
    private int brokerPort;
    private int controllerPort;
    private int internalPort;
    // Secured only: the TLS files, an OAuth server this instance started, the listeners'
    // configuration and an admin client of the broker user on the internal listener.
    private Path tlsDir;
    private TestOAuthServer ownOAuthServer;
    private SecuredListeners securedListeners;
    private Admin internalAdmin;

    private EmbeddedKafka(final Builder builder, final BrokerSettings settings) {
        this.settings = settings;
        this.givenDataDir = builder.dataDir;
        this.keepDataDir = builder.keepDataDir;
        this.requestedBrokerPort = builder.brokerPort;
        this.timeout = builder.timeout;
        this.secured = builder.secured;
        this.givenOAuthServer = builder.oauthServer;
        this.reauthentication = builder.reauthentication;
    }

    /** A builder with the defaults: temporary data directory, free ports, no extra properties. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Starts a broker with all defaults. Equivalent to {@code builder().build().start()}.
     *
     * @return the running broker, owned by the caller
     */
    public static EmbeddedKafka startDefault() {
        return builder().build().start();
    }

    /**
     * Starts the broker and blocks until it accepts client requests. The first start formats a new
     * data directory (or reuses a formatted {@linkplain Builder#dataDir(Path) given one}) and picks
     * the ports; a start after {@link #stop()} reuses both.
     *
     * @return this instance, running
     * @throws IllegalStateException if it is already running, or closed
     * @throws KafkaException if the broker fails to start or is not ready within the timeout
     */
    public synchronized EmbeddedKafka start() {
        switch (state) {
            case NEW:
                firstStart();
                break;
            case STOPPED:
                startNode(System.nanoTime());
                break;
            case RUNNING:
                throw new IllegalStateException("Embedded Kafka is already running at "
                        + bootstrapServers);
            default:
                throw new IllegalStateException("Embedded Kafka is closed");
        }
        return this;
    }

    /**
     * Shuts the broker down cleanly, keeping its data directory, its ports and the shared admin
     * client; {@link #start()} brings it back. Clients see the broker as unavailable meanwhile. Does
     * nothing unless the broker is running.
     */
    public synchronized void stop() {
        if (state != State.RUNNING) {
            return;
        }
        final long startNanos = System.nanoTime();
        final KraftNode running = node;
        node = null;
        state = State.STOPPED;
        running.stop();
        LOG.info("Embedded Kafka broker at {} stopped in {} ms", bootstrapServers, millisSince(startNanos));
    }

    /**
     * Stops the broker (if running) and starts it again on the same data directory and the same
     * ports: committed records, offsets and topics survive.
     *
     * @throws IllegalStateException if it was never started, or is closed
     * @throws KafkaException if the broker fails to start again
     */
    public synchronized void restart() {
        if (state == State.NEW || state == State.CLOSED) {
            throw new IllegalStateException("Embedded Kafka cannot restart in state " + state);
        }
        stop();
        start();
    }

    /** Whether the broker is running now. */
    public boolean isRunning() {
        return state == State.RUNNING;
    }

    /** Whether this broker was built {@linkplain Builder#secured() secured}. */
    public boolean isSecured() {
        return secured;
    }

    /**
     * The users, ACLs, certificates, OAuth server and client configurations of a secured broker.
     *
     * @throws IllegalStateException if the broker is not secured, or was never started
     */
    public KafkaSecurity security() {
        if (!secured) {
            throw new IllegalStateException("Embedded Kafka is not secured; build it with secured()");
        }
        final KafkaSecurity current = security;
        if (current == null) {
            throw new IllegalStateException("Embedded Kafka was never started");
        }
        return current;
    }

    /**
     * The {@code bootstrap.servers} value for clients, {@code 127.0.0.1:<port>}; the same from the
     * first start on, across restarts. When secured, this is the {@code SASL_SSL} client listener.
     *
     * @throws IllegalStateException if the broker was never started
     */
    public String bootstrapServers() {
        final String servers = bootstrapServers;
        if (servers == null) {
            throw new IllegalStateException("Embedded Kafka was never started");
        }
        return servers;
    }

    /**
     * The data directory (the broker's log directory is a folder inside it).
     *
     * @throws IllegalStateException if the broker was never started
     */
    public Path dataDir() {
        final Path dir = dataDir;
        if (dir == null) {
            throw new IllegalStateException("Embedded Kafka was never started");
        }
        return dir;
    }

    /**
     * The cluster id, as written by the formatter.
     *
     * @throws IllegalStateException if the broker was never started
     */
    public String clusterId() {
        final String id = clusterId;
        if (id == null) {
            throw new IllegalStateException("Embedded Kafka was never started");
        }
        return id;
    }

    /**
     * An admin client connected to this broker, shared by all callers. It belongs to this instance:
     * do not close it; {@link #close()} does. It stays open across {@link #restart()}. When secured,
     * it is the super user {@code User:admin} (SCRAM-SHA-512 over {@code SASL_SSL}).
     *
     * @throws IllegalStateException if the broker was never started, or is closed
     */
    public Admin admin() {
        final Admin shared = admin;
        if (shared == null || state == State.CLOSED) {
            throw new IllegalStateException("Embedded Kafka admin is not available in state " + state);
        }
        return shared;
    }

    /**
     * Creates a topic with replication factor 1 and blocks until it can take records, as
     * {@link KafkaTopics#create} does, within this broker's timeout. A topic that exists already
     * with the same number of partitions is left unchanged; this is what a restart on a kept data
     * directory needs.
     *
     * @param name the topic name
     * @param partitions the number of partitions, at least 1
     * @param config topic configuration ({@link TopicConfig} keys), possibly empty
     * @throws IllegalStateException if the broker is not running, or the topic exists with another
     *     number of partitions
     * @throws TimeoutException if the topic is not ready within the timeout
     * @throws KafkaException if the broker rejects the topic
     */
    public void createTopic(final String name, final int partitions, final Map<String, String> config) {
        KafkaTopics.create(runningAdmin(), name, partitions, config, timeout);
    }

    /**
     * Creates a compacted topic ({@code cleanup.policy=compact}), as {@link #createTopic} does.
     *
     * @param name the topic name
     * @param partitions the number of partitions, at least 1
     */
    public void createCompactedTopic(final String name, final int partitions) {
        createTopic(name, partitions, KafkaTopics.COMPACTED);
    }

    /**
     * Closes the shared admin client, shuts the broker down (within seconds; no broker thread is
     * left) and deletes the temporary data directory unless it is to be kept. Idempotent.
     */
    @Override
    public synchronized void close() {
        if (state == State.CLOSED) {
            return;
        }
        final long startNanos = System.nanoTime();
        final boolean wasStarted = state != State.NEW;
        state = State.CLOSED;
        closeAdmin(admin);
        closeAdmin(internalAdmin);
        boolean brokerStopped = true;
        if (node != null) {
            try {
                node.stop();
            } catch (RuntimeException e) {
                brokerStopped = false;
                LOG.warn("Error stopping the embedded Kafka broker", e);
            }
            node = null;
        }
        // Never delete files under a broker that may still be running: it would halt the JVM.
        if (brokerStopped) {
            deleteTemporaryDataDir();
        }
        closeSecurity();
        if (wasStarted) {
            LOG.info("Embedded Kafka broker at {} closed in {} ms", bootstrapServers,
                    millisSince(startNanos));
        }
    }

    /**
     * Starts a broker with the defaults, prints its bootstrap servers on standard output and runs
     * until the JVM is stopped (Ctrl-C), then closes it.
     *
     * @param args ignored
     * @throws InterruptedException if the main thread is interrupted
     */
    public static void main(final String[] args) throws InterruptedException {
        final EmbeddedKafka kafka = startDefault();
        Runtime.getRuntime().addShutdownHook(new Thread(kafka::close, "embedded-kafka-shutdown"));
        System.out.println(kafka.bootstrapServers());
        System.out.flush();
        new CountDownLatch(1).await();
    }

    // ---------------------------------------------------------------------------------------------

    private void firstStart() {
        final long startNanos = System.nanoTime();
        try {
            dataDir = givenDataDir != null ? givenDataDir : Files.createTempDirectory("embedded-kafka-");
            Files.createDirectories(dataDir);
        } catch (IOException e) {
            state = State.CLOSED;
            throw new KafkaException("Cannot create the embedded Kafka data directory", e);
        }
        try {
            if (secured) {
                prepareSecurity();
            }
            startNode(startNanos);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /**
     * Makes the certificates (in a temporary directory of this instance), starts an OAuth server
     * unless one was given, and picks the random passwords of the two super users.
     */
    private void prepareSecurity() {
        try {
            tlsDir = Files.createTempDirectory("embedded-kafka-tls-");
        } catch (IOException e) {
            throw new KafkaException("Cannot create a directory for the embedded Kafka certificates", e);
        }
        final TestCertificates certificates = TestCertificates.create(tlsDir);
        final TestOAuthServer oauth;
        if (givenOAuthServer != null) {
            oauth = givenOAuthServer;
        } else {
            ownOAuthServer = TestOAuthServer.start();
            oauth = ownOAuthServer;
        }
        securedListeners = new SecuredListeners(certificates.truststore(), certificates.keystore(),
                certificates.password(), randomSecret(), oauth.jwksUrl(), oauth.issuer(),
                oauth.audience(), reauthentication);
        security = new KafkaSecurity(this, certificates, oauth, randomSecret(), timeout);
    }

    /** Starts a node (choosing the ports on the first start), then waits until it serves clients. */
    private void startNode(final long startNanos) {
        final Path logDir = dataDir.resolve(LOG_DIR_NAME);
        final boolean choosePorts = bootstrapServers == null;
        for (int attempt = 1; ; attempt++) {
            if (choosePorts) {
                final int extra = secured ? 1 : 0;
                final int[] ports = freePorts((requestedBrokerPort == 0 ? 2 : 1) + extra);
                controllerPort = ports[0];
                internalPort = secured ? ports[1] : 0;
                brokerPort = requestedBrokerPort == 0 ? ports[1 + extra] : requestedBrokerPort;
            }
            try {
                final Properties props = secured
                        ? settings.toSecuredProperties(securedListeners, brokerPort, internalPort,
                                controllerPort, logDir)
                        : settings.toProperties(brokerPort, controllerPort, logDir);
                node = KraftNode.start(props, logDir);
                break;
            } catch (KafkaException e) {
                // Another process may take a port between our probe and the broker's bind.
                if (!choosePorts || requestedBrokerPort != 0 || attempt >= MAX_PORT_ATTEMPTS
                        || !isBindFailure(e)) {
                    throw e;
                }
                LOG.warn("Embedded Kafka could not bind its ports ({}), retrying with others",
                        e.getMessage());
            }
        }
        if (choosePorts) {
            bootstrapServers = BrokerSettings.HOST + ":" + brokerPort;
            if (secured) {
                internalAdmin = Admin.create(internalAdminConfig());
            } else {
                admin = Admin.create(adminConfig(bootstrapServers));
            }
        }
        state = State.RUNNING;
        try {
            final long deadline = System.nanoTime() + timeout.toNanos();
            awaitBrokerReady(secured ? internalAdmin : admin, deadline);
            if (secured) {
                if (choosePorts) {
                    // The super user's SCRAM credential, set on every first start of an instance
                    // (not bootstrapped by the formatter) so a data directory formatted by another
                    // instance, with another password, works too.
                    upsertAdminCredential();
                    security.awaitLogin(security.adminClientConfig(), "The embedded Kafka admin user");
                    // Created only now, so that its first login finds the credential.
                    admin = Admin.create(adminConfig(bootstrapServers));
                }
                awaitBrokerReady(admin, deadline);
            }
        } catch (RuntimeException e) {
            stop();
            throw e;
        }
        LOG.info("Embedded Kafka broker started at {} in {} ms (cluster {}, data {})",
                bootstrapServers, millisSince(startNanos), clusterId, dataDir);
    }

    /** Waits until the broker is registered, unfenced and answering cluster metadata. */
    private void awaitBrokerReady(final Admin client, final long deadline) {
        RuntimeException last = null;
        while (true) {
            try {
                final DescribeClusterResult cluster = client.describeCluster(
                        new DescribeClusterOptions().timeoutMs(attemptTimeoutMs(deadline)));
                final Collection<Node> nodes = await(cluster.nodes());
                if (nodes.stream().anyMatch(n -> n.id() == BrokerSettings.NODE_ID)) {
                    clusterId = await(cluster.clusterId());
                    return;
                }
            } catch (ExecutionException e) {
                last = asRuntime(e.getCause());
                // A restarted secured broker can refuse a login until it has replayed the
                // metadata log that holds the SCRAM credentials.
                final boolean retry = e.getCause() instanceof RetriableException
                        || secured && e.getCause() instanceof AuthenticationException;
                if (!retry) {
                    throw new KafkaException("Embedded Kafka broker is not answering: "
                            + e.getCause().getMessage(), e.getCause());
                }
            }
            sleepUntilNextAttempt(deadline,
                    "Embedded Kafka broker was not ready within " + timeout, last);
        }
    }

    private Admin runningAdmin() {
        final Admin shared = admin;
        if (state != State.RUNNING || shared == null) {
            throw new IllegalStateException("Embedded Kafka is not running (state " + state + ")");
        }
        return shared;
    }

    private void deleteTemporaryDataDir() {
        final Path dir = dataDir;
        if (dir == null || givenDataDir != null) {
            return;
        }
        if (keepDataDir) {
            LOG.info("Embedded Kafka data kept in {}", dir);
            return;
        }
        try {
            Utils.delete(dir.toFile());
        } catch (IOException e) {
            LOG.warn("Cannot delete the embedded Kafka data directory {}", dir, e);
        }
    }

    private Map<String, Object> adminConfig(final String bootstrapServers) {
        final Map<String, Object> config = new HashMap<>();
        if (secured) {
            config.putAll(security.adminClientConfig());
        }
        config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        config.put(AdminClientConfig.CLIENT_ID_CONFIG, "embedded-kafka-admin");
        return config;
    }

    /** The broker user (PLAIN) on the internal listener: the one way in before any SCRAM user exists. */
    private Map<String, Object> internalAdminConfig() {
        final Map<String, Object> config = security.tlsConfig();
        config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, BrokerSettings.HOST + ":" + internalPort);
        config.put(AdminClientConfig.CLIENT_ID_CONFIG, "embedded-kafka-internal-admin");
        config.put(SaslConfigs.SASL_MECHANISM, SecuredListeners.INTERNAL_MECHANISM);
        config.put(SaslConfigs.SASL_JAAS_CONFIG,
                "org.apache.kafka.common.security.plain.PlainLoginModule required username=\""
                        + SecuredListeners.BROKER_USER + "\" password=\""
                        + securedListeners.brokerPassword() + "\";");
        return config;
    }

    private void upsertAdminCredential() {
        try {
            await(internalAdmin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion(
                    SecuredListeners.ADMIN_USER,
                    new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096),
                    security.adminPassword()))).all());
        } catch (ExecutionException e) {
            throw new KafkaException("Cannot set the embedded Kafka admin user's SCRAM credential: "
                    + e.getCause().getMessage(), e.getCause());
        }
    }

    /** Closes the OAuth server this instance started and deletes the certificates. */
    private void closeSecurity() {
        if (ownOAuthServer != null) {
            ownOAuthServer.close();
            ownOAuthServer = null;
        }
        if (tlsDir != null) {
            try {
                Utils.delete(tlsDir.toFile());
            } catch (IOException e) {
                LOG.warn("Cannot delete the embedded Kafka certificates in {}", tlsDir, e);
            }
            tlsDir = null;
        }
    }

    private static void closeAdmin(final Admin client) {
        if (client != null) {
            try {
                client.close(ADMIN_CLOSE_TIMEOUT);
            } catch (RuntimeException e) {
                LOG.warn("Error closing an embedded Kafka admin client", e);
            }
        }
    }

    /** 18 random bytes, URL-safe Base64: safe inside a double-quoted JAAS option. */
    private static String randomSecret() {
        final byte[] bytes = new byte[18];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /**
     * Asks the OS for {@code count} distinct free ports on the loopback address. All sockets are
     * held open together so that the ports differ, then released for the broker to bind.
     */
    private static int[] freePorts(final int count) {
        final ServerSocket[] sockets = new ServerSocket[count];
        try {
            final int[] ports = new int[count];
            final InetAddress host = InetAddress.getByName(BrokerSettings.HOST);
            for (int i = 0; i < count; i++) {
                sockets[i] = new ServerSocket(0, 1, host);
                ports[i] = sockets[i].getLocalPort();
            }
            return ports;
        } catch (IOException e) {
            throw new KafkaException("Cannot find a free port on " + BrokerSettings.HOST, e);
        } finally {
            for (final ServerSocket socket : sockets) {
                Utils.closeQuietly(socket, "port probe");
            }
        }
    }

    private static boolean isBindFailure(final Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof java.net.BindException
                    || (t.getMessage() != null && t.getMessage().contains("failed to bind"))) {
                return true;
            }
        }
        return false;
    }

    private static long millisSince(final long startNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    }

    /**
     * Configures an {@link EmbeddedKafka}. Not thread-safe; {@link #build()} validates everything,
     * including the broker properties against Kafka's own broker configuration definition.
     */
    public static final class Builder {

        private final Map<String, String> brokerProperties = new LinkedHashMap<>();
        private Path dataDir;
        private boolean keepDataDir;
        private int brokerPort;
        private Duration timeout = DEFAULT_TIMEOUT;
        private boolean secured;
        private TestOAuthServer oauthServer;
        private Duration reauthentication = DEFAULT_REAUTHENTICATION;

        private Builder() {
        }

        /**
         * Secures the broker: {@code SASL_SSL} listeners only, SCRAM-SHA-512 and OAUTHBEARER for
         * clients, ACLs enforced (see {@link EmbeddedKafka#security()}). The broker starts and
         * owns a {@link TestOAuthServer} of its own, which {@link EmbeddedKafka#close()} stops.
         *
         * @return this builder
         */
        public Builder secured() {
            this.secured = true;
            return this;
        }

        /**
         * Secures the broker as {@link #secured()} does, trusting the tokens of a caller's OAuth
         * server (its JWKS, issuer and audience). The server belongs to the caller and must run
         * for as long as the broker does.
         *
         * @param oauth a running OAuth server
         * @return this builder
         */
        public Builder secured(final TestOAuthServer oauth) {
            this.oauthServer = Objects.requireNonNull(oauth, "oauth");
            this.secured = true;
            return this;
        }

        /**
         * The longest a client session lasts on the secured client listener before the client must
         * re-authenticate ({@code connections.max.reauth.ms} of both mechanisms); an OAuth session
         * also ends when its token expires. Default {@link #DEFAULT_REAUTHENTICATION}.
         *
         * @param period at least one second
         * @return this builder
         */
        public Builder reauthentication(final Duration period) {
            this.reauthentication = Objects.requireNonNull(period, "period");
            return this;
        }

        /**
         * Sets one broker property, over the single-node defaults. The identity, role, listener
         * and log-directory properties are managed by {@link EmbeddedKafka} and rejected.
         *
         * @param key a broker configuration key, e.g. {@code log.retention.ms}
         * @param value its value
         * @return this builder
         */
        public Builder brokerProperty(final String key, final String value) {
            brokerProperties.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, key));
            return this;
        }

        /**
         * Sets several broker properties, as {@link #brokerProperty} does for each.
         *
         * @param properties broker configuration keys and values
         * @return this builder
         */
        public Builder brokerProperties(final Map<String, String> properties) {
            properties.forEach(this::brokerProperty);
            return this;
        }

        /**
         * Uses the given directory for the broker's data instead of a temporary one. It belongs to
         * the caller and is never deleted. If it holds the data of an earlier run, that data (and
         * its cluster id) is reused.
         *
         * @param dir a directory, created if missing
         * @return this builder
         */
        public Builder dataDir(final Path dir) {
            this.dataDir = Objects.requireNonNull(dir, "dir");
            return this;
        }

        /**
         * Whether {@link EmbeddedKafka#close()} keeps the temporary data directory (for
         * post-mortem inspection). Default {@code false}. Has no effect with {@link #dataDir}.
         *
         * @param keep {@code true} to keep it
         * @return this builder
         */
        public Builder keepDataDir(final boolean keep) {
            this.keepDataDir = keep;
            return this;
        }

        /**
         * The client listener port; {@code 0} (the default) picks a free one.
         *
         * @param port 0 to 65535
         * @return this builder
         */
        public Builder brokerPort(final int port) {
            this.brokerPort = port;
            return this;
        }

        /**
         * How long {@link EmbeddedKafka#start()} waits for the broker and
         * {@link EmbeddedKafka#createTopic} for a topic. Default {@link #DEFAULT_TIMEOUT}.
         *
         * @param timeout a positive duration
         * @return this builder
         */
        public Builder timeout(final Duration timeout) {
            this.timeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        /**
         * Validates the configuration and creates a broker that is not started yet.
         *
         * @return a new instance, owned by the caller, to {@link EmbeddedKafka#start()} and close
         * @throws IllegalArgumentException if a setting is invalid, naming it
         */
        public EmbeddedKafka build() {
            if (brokerPort < 0 || brokerPort > 65_535) {
                throw new IllegalArgumentException("brokerPort must be 0..65535, got " + brokerPort);
            }
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("timeout must be positive, got " + timeout);
            }
            if (dataDir != null && Files.exists(dataDir) && !Files.isDirectory(dataDir)) {
                throw new IllegalArgumentException("dataDir is not a directory: " + dataDir);
            }
            if (reauthentication.compareTo(Duration.ofSeconds(1)) < 0) {
                throw new IllegalArgumentException("reauthentication must be at least 1 s, got "
                        + reauthentication);
            }
            final BrokerSettings settings = new BrokerSettings(brokerProperties, secured);
            validate(settings, secured, reauthentication);
            return new EmbeddedKafka(this, settings);
        }

        /**
         * Builds and starts the broker: {@code build().start()}.
         *
         * @return the running broker, owned by the caller
         */
        public EmbeddedKafka start() {
            return build().start();
        }

        /** Lets Kafka's broker configuration reject bad values now, not in the middle of start. */
        private static void validate(final BrokerSettings settings, final boolean secured,
                final Duration reauthentication) {
            final Path probeDir = Path.of("embedded-kafka-validation");
            final Properties probe = secured
                    ? settings.toSecuredProperties(new SecuredListeners(probeDir.resolve("t.p12"),
                            probeDir.resolve("k.p12"), "probe", "probe", "http://127.0.0.1:1/jwks",
                            "http://127.0.0.1:1", "probe", reauthentication), 1, 2, 3, probeDir)
                    : settings.toProperties(1, 2, probeDir);
            try {
                KafkaConfig.fromProps(probe, false);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("Invalid embedded Kafka broker configuration: "
                        + e.getMessage(), e);
            }
        }
    }
}
