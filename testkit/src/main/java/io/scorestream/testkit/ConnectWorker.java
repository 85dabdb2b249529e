package io.scorestream.testkit;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.connect.cli.ConnectDistributed;
import org.apache.kafka.connect.cli.ConnectStandalone;
import org.apache.kafka.connect.runtime.Connect;
import org.apache.kafka.connect.runtime.WorkerConfig;
import org.apache.kafka.connect.runtime.distributed.DistributedConfig;
import org.apache.kafka.connect.runtime.rest.RestServerConfig;
import org.apache.kafka.connect.runtime.standalone.StandaloneConfig;
import org.apache.kafka.connect.runtime.standalone.StandaloneHerder;
import org.apache.kafka.connect.storage.StringConverter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Apache Kafka Connect worker running inside this JVM, against any Kafka cluster (normally
 * an {@link EmbeddedKafka}), for the demo and for tests of connectors, converters and sinks. It is
 * Kafka's own runtime, started the way Kafka's {@code connect-distributed} and
 * {@code connect-standalone} commands start it; its REST API is the way in, through
 * {@link #rest()} or the shortcuts here.
 *
 * <pre>{@code
 * try (ConnectWorker connect = ConnectWorker.startDistributed(kafka.bootstrapServers(), Map.of())) {
 *     connect.createConnector("scores-to-db", config);
 *     connect.awaitConnectorRunning("scores-to-db", Duration.ofSeconds(30));
 * }
 * }</pre>
 *
 * <h2>Modes</h2>
 * <ul>
 *   <li>{@linkplain #startDistributed Distributed}: connector configurations, source offsets and
 *       statuses live in three compacted topics that the worker creates (replication factor 1)
 *       and shares with every worker of the same {@code group.id}.</li>
 *   <li>{@linkplain #startStandalone Standalone}: source offsets live in a local file; connector
 *       configurations only in memory, so a restarted standalone worker must be given its
 *       connectors again.</li>
 * </ul>
 * Both listen for REST on {@code 127.0.0.1} on a port the system chooses ({@link #restUrl()}).
 * The defaults are in {@link #distributedProperties} and {@link #standaloneProperties}; every
 * worker property can be overridden.
 *
 * <h2>Plugins</h2>
 * Connectors, converters and transformations on this JVM's class path are usable; nothing needs a
 * {@code plugin.path}. The default {@code plugin.discovery} is {@value #DEFAULT_PLUGIN_DISCOVERY}:
 * plugins are found by their {@code ServiceLoader} manifests ({@code META-INF/services}, KIP-898),
 * which Kafka's own connectors, converters and transformations carry, and which a plugin of ours
 * must carry too. The alternative, a reflective scan of the class path ({@code only_scan}, or
 * {@code hybrid_warn}, Kafka's default, which does both), finds plugins without manifests but
 * costs 4 to 9 s per worker start on this kind of machine against 0.4 s, and grows with the class
 * path. Pass {@code plugin.discovery=only_scan} in the overrides for a plugin without manifests.
 *
 * <h2>Start time</h2>
 * Measured on 2 busy cores against an {@link EmbeddedKafka}: 0.2 to 1.7 s in this JVM (the first
 * worker of a JVM is the slowest), 4 s in a child JVM; a child started again after its
 * predecessor was killed becomes healthy once the group has dropped the dead member, about 10 s
 * ({@code session.timeout.ms}).
 *
 * <h2>Separate JVM</h2>
 * {@link #startChildJvm} runs the same worker in a child JVM ({@link ConnectWorkerMain}) on this
 * JVM's class path, so that a test can kill it with {@code SIGKILL} mid-stream; see
 * {@link ConnectWorkerProcess}.
 *
 * <h2>Lifecycle, ownership and failure</h2>
 * The static {@code start...} methods return a running, healthy worker ({@code GET /health}
 * answers 200); {@link #close()} stops it (tasks stopped, offsets committed) and is idempotent.
 * Whoever starts a worker closes it; the Kafka cluster and any offsets file belong to the caller.
 * The worker is Kafka's unmodified runtime: on a fault it considers fatal (its herder thread dies,
 * for example because it cannot read its internal topics) it exits the JVM, as a stand-alone
 * worker would. Run it in a {@linkplain #startChildJvm child JVM} where that must not happen.
 *
 * <h2>Threading</h2>
 * All methods are thread-safe. REST calls may run concurrently with each other and with
 * {@link #close()}, and fail once the worker is closed.
 */
public final class ConnectWorker implements AutoCloseable {

    /** How a worker keeps connector configurations and offsets. */
    public enum Mode {
        /** Kafka topics; workers of one group share the work. */
        DISTRIBUTED,
        /** A local offsets file and in-memory configurations; one worker alone. */
        STANDALONE;

        /** The mode named {@code distributed} or {@code standalone}, in any case. */
        static Mode parse(final String name) {
            return valueOf(name.toUpperCase(Locale.ROOT));
        }
    }

    /** How long starting a worker may take, health check included. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

    /** The default {@code plugin.discovery}: plugins with {@code ServiceLoader} manifests, no class-path scan. */
    public static final String DEFAULT_PLUGIN_DISCOVERY = "service_load";

    private static final Logger LOG = LoggerFactory.getLogger(ConnectWorker.class);
    private static final String REST_HOST = "127.0.0.1";
    /** The name of the JVM shutdown hook {@code Connect.start()} registers. */
    private static final String CONNECT_SHUTDOWN_HOOK = "connect-shutdown-hook";

    private final Mode mode;
    private final Connect<?> connect;
    private final ConnectRestClient rest;
    private final Map<String, String> properties;
    private final AtomicBoolean closed = new AtomicBoolean();

    private ConnectWorker(final Mode mode, final Connect<?> connect, final Map<String, String> properties) {
        this.mode = mode;
        this.connect = connect;
        this.rest = new ConnectRestClient(connect.rest().serverUrl());
        this.properties = properties;
    }

    /**
     * The worker properties of a distributed worker: the defaults of both modes (see
     * {@link #standaloneProperties}), a new random {@code group.id} {@code connect-<random>}, the internal topics
     * {@code <group.id>-configs}, {@code -offsets} and {@code -status} with one partition each and
     * replication factor 1, and {@code scheduled.rebalance.max.delay.ms=0} (the tasks of a worker
     * that dies are given to the others at the next rebalance, not five minutes later); then
     * {@code overrides}.
     *
     * <p>A worker restarted with the same properties (same group and topics) finds its connectors
     * and offsets again.
     *
     * @param bootstrapServers the Kafka cluster
     * @param overrides worker properties that replace or add to the defaults
     * @return the properties, sorted by key, modifiable (a copy)
     */
    public static Map<String, String> distributedProperties(final String bootstrapServers,
            final Map<String, String> overrides) {
        final Map<String, String> properties = commonProperties(bootstrapServers);
        final String group = overrides.getOrDefault(DistributedConfig.GROUP_ID_CONFIG,
                "connect-" + UUID.randomUUID().toString().substring(0, 8));
        properties.put(DistributedConfig.GROUP_ID_CONFIG, group);
        properties.put(DistributedConfig.CONFIG_TOPIC_CONFIG, group + "-configs");
        properties.put(DistributedConfig.OFFSET_STORAGE_TOPIC_CONFIG, group + "-offsets");
        properties.put(DistributedConfig.STATUS_STORAGE_TOPIC_CONFIG, group + "-status");
        properties.put(DistributedConfig.CONFIG_STORAGE_REPLICATION_FACTOR_CONFIG, "1");
        properties.put(DistributedConfig.OFFSET_STORAGE_REPLICATION_FACTOR_CONFIG, "1");
        properties.put(DistributedConfig.STATUS_STORAGE_REPLICATION_FACTOR_CONFIG, "1");
        properties.put(DistributedConfig.OFFSET_STORAGE_PARTITIONS_CONFIG, "1");
        properties.put(DistributedConfig.STATUS_STORAGE_PARTITIONS_CONFIG, "1");
        properties.put(DistributedConfig.SCHEDULED_REBALANCE_MAX_DELAY_MS_CONFIG, "0");
        properties.putAll(overrides);
        return properties;
    }

    /**
     * The worker properties of a standalone worker: the defaults of both modes, the offsets file,
     * then {@code overrides}. The defaults of both modes are {@code bootstrap.servers}; REST on
     * {@code 127.0.0.1}, on a port the system chooses; {@code StringConverter} for keys and values
     * (connectors set their own); {@code plugin.discovery} {@value #DEFAULT_PLUGIN_DISCOVERY}; and
     * {@code offset.flush.interval.ms=1000}, so that sink tasks flush and commit every second, not
     * every minute, and a test sees their output soon; and {@code consumer.session.timeout.ms=10000},
     * so that the partitions of a sink task whose worker was killed go to another task after 10 s,
     * not the consumer's default 45 s.
     *
     * @param bootstrapServers the Kafka cluster
     * @param offsetsFile where source connectors' offsets are kept; created if missing, reused if
     *     an earlier worker left it
     * @param overrides worker properties that replace or add to the defaults
     * @return the properties, sorted by key, modifiable (a copy)
     */
    public static Map<String, String> standaloneProperties(final String bootstrapServers, final Path offsetsFile,
            final Map<String, String> overrides) {
        final Map<String, String> properties = commonProperties(bootstrapServers);
        properties.put(StandaloneConfig.OFFSET_STORAGE_FILE_FILENAME_CONFIG,
                Objects.requireNonNull(offsetsFile, "offsetsFile").toAbsolutePath().toString());
        properties.putAll(overrides);
        return properties;
    }

    /**
     * Starts a distributed worker with {@link #distributedProperties}{@code (bootstrapServers,
     * overrides)}, and waits until it is healthy.
     *
     * @param bootstrapServers the Kafka cluster
     * @param overrides worker properties that replace or add to the defaults, possibly empty
     * @return the running worker, owned by the caller
     * @throws org.apache.kafka.connect.errors.ConnectException if the configuration is invalid or the
     *     worker cannot start
     * @throws org.apache.kafka.common.errors.TimeoutException if it is not healthy within
     *     {@link #DEFAULT_TIMEOUT}
     */
    public static ConnectWorker startDistributed(final String bootstrapServers, final Map<String, String> overrides) {
        return start(Mode.DISTRIBUTED, distributedProperties(bootstrapServers, overrides), DEFAULT_TIMEOUT);
    }

    /**
     * Starts a standalone worker with {@link #standaloneProperties}{@code (bootstrapServers,
     * offsetsFile, overrides)}, and waits until it is healthy.
     *
     * @param bootstrapServers the Kafka cluster
     * @param offsetsFile where source connectors' offsets are kept
     * @param overrides worker properties that replace or add to the defaults, possibly empty
     * @return the running worker, owned by the caller
     */
    public static ConnectWorker startStandalone(final String bootstrapServers, final Path offsetsFile,
            final Map<String, String> overrides) {
        return start(Mode.STANDALONE, standaloneProperties(bootstrapServers, offsetsFile, overrides), DEFAULT_TIMEOUT);
    }

    /**
     * Starts a worker with exactly these worker properties (no defaults added), and waits until it
     * is healthy. This is what the other {@code start} methods and {@link ConnectWorkerMain} call.
     *
     * @param mode distributed or standalone
     * @param properties complete worker properties, e.g. from {@link #distributedProperties}
     * @param timeout how long starting may take
     * @return the running worker, owned by the caller
     */
    public static ConnectWorker start(final Mode mode, final Map<String, String> properties, final Duration timeout) {
        Objects.requireNonNull(mode, "mode");
        final Map<String, String> copy = new TreeMap<>(properties);
        final long startNanos = System.nanoTime();
        // The runtime points the calling thread's context class loader at its plugin loader and
        // leaves it there; the caller's thread gets its own back.
        final ClassLoader callersLoader = Thread.currentThread().getContextClassLoader();
        final Connect<?> connect;
        try {
            if (mode == Mode.DISTRIBUTED) {
                connect = new ConnectDistributed().startConnect(copy);
            } else {
                final Connect<StandaloneHerder> standalone = new ConnectStandalone().startConnect(copy);
                // connect-standalone does this once its connector files are submitted; until then
                // the worker reports itself as starting.
                standalone.herder().ready();
                connect = standalone;
            }
        } finally {
            Thread.currentThread().setContextClassLoader(callersLoader);
        }
        final ConnectWorker worker = new ConnectWorker(mode, connect, Map.copyOf(copy));
        try {
            worker.rest.awaitHealthy(timeout);
        } catch (RuntimeException e) {
            worker.close();
            throw e;
        }
        LOG.info("Connect worker ({}) at {} started in {} ms", mode.name().toLowerCase(Locale.ROOT),
                worker.restUrl(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos));
        return worker;
    }

    /**
     * Starts a worker with these worker properties in a child JVM ({@link ConnectWorkerMain}) on
     * this JVM's class path, and waits until it is healthy. The worker properties file and the
     * child's log (its standard output and error) are written to {@code workDir}. Start another
     * with the same properties to bring a killed worker back.
     *
     * @param mode distributed or standalone
     * @param properties complete worker properties, e.g. from {@link #distributedProperties}
     * @param workDir a directory for the properties file and the log, created if missing
     * @param timeout how long starting may take
     * @return the running child, owned by the caller
     * @throws IllegalStateException if the child exits or is not healthy within the timeout (then
     *     it is killed), naming its log
     */
    public static ConnectWorkerProcess startChildJvm(final Mode mode, final Map<String, String> properties,
            final Path workDir, final Duration timeout) {
        return ConnectWorkerProcess.start(mode, properties, workDir, timeout);
    }

    /**
     * {@link #startChildJvm(Mode, Map, Path, Duration)} on the given class path instead of this
     * JVM's: e.g. without the plugins, so that a worker finds them only through its
     * {@code plugin.path}, in their own class loaders, as a stock worker does. The class path must
     * still hold the Connect runtime and this module ({@link ConnectWorkerMain}).
     */
    public static ConnectWorkerProcess startChildJvm(final Mode mode, final Map<String, String> properties,
            final Path workDir, final Duration timeout, final String classPath) {
        return ConnectWorkerProcess.start(mode, properties, workDir, timeout, classPath);
    }

    /** The worker's mode. */
    public Mode mode() {
        return mode;
    }

    /** The worker properties it was started with (unmodifiable). */
    public Map<String, String> properties() {
        return properties;
    }

    /** The REST URL, {@code http://127.0.0.1:<port>/}. */
    public URI restUrl() {
        return rest.baseUrl();
    }

    /** A client of this worker's REST API. */
    public ConnectRestClient rest() {
        return rest;
    }

    /** Creates or reconfigures a connector: {@link ConnectRestClient#createConnector}. */
    public void createConnector(final String name, final Map<String, String> config) {
        rest.createConnector(name, config);
    }

    /** Deletes a connector: {@link ConnectRestClient#deleteConnector}. */
    public void deleteConnector(final String name) {
        rest.deleteConnector(name);
    }

    /** The status of a connector: {@link ConnectRestClient#connectorStatus}. */
    public ConnectorStatus connectorStatus(final String name) {
        return rest.connectorStatus(name);
    }

    /** Waits until a connector and all its tasks run: {@link ConnectRestClient#awaitConnectorRunning}. */
    public ConnectorStatus awaitConnectorRunning(final String name, final Duration timeout) {
        return rest.awaitConnectorRunning(name, timeout);
    }

    /** The connector classes the worker found: {@link ConnectRestClient#connectorPlugins}. */
    public List<String> connectorPlugins() {
        return rest.connectorPlugins();
    }

    /**
     * Stops the REST server and the worker: tasks are stopped, sink offsets committed, a
     * distributed worker leaves its group. Blocks until done, also when called from a JVM shutdown
     * hook while Kafka Connect's own hook is stopping the worker; idempotent.
     */
    @Override
    public void close() {
        if (closed.getAndSet(true)) {
            return;
        }
        final long startNanos = System.nanoTime();
        connect.stop();
        awaitConnectShutdownHooks();
        LOG.info("Connect worker at {} stopped in {} ms", restUrl(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos));
    }

    @Override
    public String toString() {
        return "ConnectWorker[" + mode.name().toLowerCase(Locale.ROOT) + ", " + restUrl() + "]";
    }

    /**
     * Waits for Kafka Connect's own shutdown hooks that are running. {@code Connect.start()}
     * registers one ({@value #CONNECT_SHUTDOWN_HOOK}) that stops the worker when the JVM exits; if
     * it began first, {@code Connect.stop()} returns at once, before the tasks have stopped, and
     * whoever closes the parts in order (the worker before the broker it commits to) would go on
     * too early. Hooks run only while the JVM shuts down, so this waits for nothing otherwise.
     */
    private static void awaitConnectShutdownHooks() {
        for (final Thread thread : Thread.getAllStackTraces().keySet()) {
            if (thread != Thread.currentThread() && CONNECT_SHUTDOWN_HOOK.equals(thread.getName())) {
                try {
                    thread.join(DEFAULT_TIMEOUT.toMillis());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /** The defaults of both modes, as {@link #standaloneProperties} lists them. */
    private static Map<String, String> commonProperties(final String bootstrapServers) {
        final Map<String, String> properties = new TreeMap<>();
        properties.put(WorkerConfig.BOOTSTRAP_SERVERS_CONFIG, Objects.requireNonNull(bootstrapServers, "bootstrapServers"));
        properties.put(RestServerConfig.LISTENERS_CONFIG, "http://" + REST_HOST + ":0");
        properties.put(WorkerConfig.KEY_CONVERTER_CLASS_CONFIG, StringConverter.class.getName());
        properties.put(WorkerConfig.VALUE_CONVERTER_CLASS_CONFIG, StringConverter.class.getName());
        properties.put(WorkerConfig.PLUGIN_DISCOVERY_CONFIG, DEFAULT_PLUGIN_DISCOVERY);
        properties.put(WorkerConfig.OFFSET_COMMIT_INTERVAL_MS_CONFIG, "1000");
        properties.put("consumer." + ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, "10000");
        return properties;
    }
}
