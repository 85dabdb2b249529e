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
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
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
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.config.TopicConfig;
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

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafka.class);

    private static final String LOG_DIR_NAME = "kraft-combined-logs";
    private static final int MAX_PORT_ATTEMPTS = 3;
    private static final Duration ADMIN_CLOSE_TIMEOUT = Duration.ofSeconds(5);

    private enum State { NEW, RUNNING, STOPPED, CLOSED }

    private final BrokerSettings settings;
    private final Path givenDataDir;
    private final boolean keepDataDir;
    private final int requestedBrokerPort;
    private final Duration timeout;

    // Written only under the monitor; volatile so that createTopic/admin can read without it.
    private volatile State state = State.NEW;
    private volatile Path dataDir;
    private volatile String bootstrapServers;
    private volatile Admin admin;
    private volatile String clusterId;

    // Guarded by this.
    private KraftNode node;
    private int brokerPort;
    private int controllerPort;

    private EmbeddedKafka(final Builder builder, final BrokerSettings settings) {
        this.settings = settings;
        this.givenDataDir = builder.dataDir;
        this.keepDataDir = builder.keepDataDir;
        this.requestedBrokerPort = builder.brokerPort;
        this.timeout = builder.timeout;
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

    /**
     * The {@code bootstrap.servers} value for clients, {@code 127.0.0.1:<port>}; the same from the
     * first start on, across restarts.
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
     * do not close it; {@link #close()} does. It stays open across {@link #restart()}.
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
        final Admin shared = admin;
        if (shared != null) {
            try {
                shared.close(ADMIN_CLOSE_TIMEOUT);
            } catch (RuntimeException e) {
                LOG.warn("Error closing the embedded Kafka admin client", e);
            }
        }
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
            startNode(startNanos);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** Starts a node (choosing the ports on the first start), then waits until it serves clients. */
    private void startNode(final long startNanos) {
        final Path logDir = dataDir.resolve(LOG_DIR_NAME);
        final boolean choosePorts = bootstrapServers == null;
        for (int attempt = 1; ; attempt++) {
            if (choosePorts) {
                final int[] ports = freePorts(requestedBrokerPort == 0 ? 2 : 1);
                controllerPort = ports[0];
                brokerPort = requestedBrokerPort == 0 ? ports[1] : requestedBrokerPort;
            }
            try {
                node = KraftNode.start(settings.toProperties(brokerPort, controllerPort, logDir), logDir);
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
            admin = Admin.create(adminConfig(bootstrapServers));
        }
        state = State.RUNNING;
        try {
            awaitBrokerReady(System.nanoTime() + timeout.toNanos());
        } catch (RuntimeException e) {
            stop();
            throw e;
        }
        LOG.info("Embedded Kafka broker started at {} in {} ms (cluster {}, data {})",
                bootstrapServers, millisSince(startNanos), clusterId, dataDir);
    }

    /** Waits until the broker is registered, unfenced and answering cluster metadata. */
    private void awaitBrokerReady(final long deadline) {
        RuntimeException last = null;
        while (true) {
            try {
                final DescribeClusterResult cluster = admin.describeCluster(
                        new DescribeClusterOptions().timeoutMs(attemptTimeoutMs(deadline)));
                final Collection<Node> nodes = await(cluster.nodes());
                if (nodes.stream().anyMatch(n -> n.id() == BrokerSettings.NODE_ID)) {
                    clusterId = await(cluster.clusterId());
                    return;
                }
            } catch (ExecutionException e) {
                last = asRuntime(e.getCause());
                if (!(e.getCause() instanceof RetriableException)) {
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

    private static Map<String, Object> adminConfig(final String bootstrapServers) {
        final Map<String, Object> config = new HashMap<>();
        config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        config.put(AdminClientConfig.CLIENT_ID_CONFIG, "embedded-kafka-admin");
        return config;
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

        private Builder() {
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
            final BrokerSettings settings = new BrokerSettings(brokerProperties);
            validate(settings);
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
        private static void validate(final BrokerSettings settings) {
            final Properties probe = settings.toProperties(1, 2, Path.of("embedded-kafka-validation"));
            try {
                KafkaConfig.fromProps(probe, false);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("Invalid embedded Kafka broker configuration: "
                        + e.getMessage(), e);
            }
        }
    }
}
