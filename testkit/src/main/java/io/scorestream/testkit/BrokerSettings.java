package io.scorestream.testkit;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

/**
 * The broker configuration of the embedded single-node KRaft cluster: one process that is both
 * broker and controller, listening on {@code 127.0.0.1} only.
 *
 * <p>Three layers, later ones winning: {@linkplain #SINGLE_NODE_DEFAULTS single-node defaults}
 * (the settings without which one node does not work, plus a few that make it light), the caller's
 * extra properties, then the {@linkplain #RESERVED_KEYS identity and network keys} that only this
 * class may set. Immutable and thread-safe.
 */
final class BrokerSettings {

    /** The node id of the one combined broker+controller. */
    static final int NODE_ID = 1;

    static final String BROKER_LISTENER = "PLAINTEXT";
    static final String CONTROLLER_LISTENER = "CONTROLLER";
    static final String HOST = "127.0.0.1";

    /**
     * Broker settings for one node. The replication factors and min ISRs of the internal topics
     * default to 3 and 2: left so, the offsets, transaction-state and share-state topics are never
     * created, and consumers, transactions and Kafka Streams wait forever without a warning.
     */
    static final Map<String, String> SINGLE_NODE_DEFAULTS = orderedMap(
            "offsets.topic.replication.factor", "1",
            "offsets.topic.num.partitions", "5",
            "transaction.state.log.replication.factor", "1",
            "transaction.state.log.min.isr", "1",
            "transaction.state.log.num.partitions", "5",
            "share.coordinator.state.topic.replication.factor", "1",
            "share.coordinator.state.topic.min.isr", "1",
            "share.coordinator.state.topic.num.partitions", "5",
            "default.replication.factor", "1",
            "min.insync.replicas", "1",
            "group.initial.rebalance.delay.ms", "0",
            "group.streams.initial.rebalance.delay.ms", "0",
            // The cleaner's de-duplication buffer is heap, 128 MiB by default; compacted topics of
            // an embedded broker are small.
            "log.cleaner.dedupe.buffer.size", Integer.toString(16 * 1024 * 1024),
            "num.network.threads", "2",
            "num.io.threads", "4");

    /** Keys that define the node's identity, roles and network; callers may not override them. */
    static final Set<String> RESERVED_KEYS = Set.of(
            "process.roles",
            "node.id",
            "broker.id",
            "listeners",
            "advertised.listeners",
            "listener.security.protocol.map",
            "inter.broker.listener.name",
            "controller.listener.names",
            "controller.quorum.voters",
            "controller.quorum.bootstrap.servers",
            "log.dir",
            "log.dirs",
            "metadata.log.dir");

    private final Map<String, String> overrides;

    /**
     * Settings of a plaintext broker.
     *
     * @param overrides extra broker properties, applied over the single-node defaults; must not
     *     contain a {@linkplain #RESERVED_KEYS reserved key}
     * @throws IllegalArgumentException if a reserved key is overridden or a value is null
     */
    BrokerSettings(final Map<String, String> overrides) {
        this(overrides, false);
    }

    /**
     * @param overrides extra broker properties, applied over the single-node defaults (and, when
     *     secured, over {@link SecuredListeners#defaults()}); must not contain a
     *     {@linkplain #RESERVED_KEYS reserved key}, nor, when secured, a
     *     {@linkplain SecuredListeners#MANAGED_KEYS managed security key}
     * @param secured whether these are the settings of a secured broker
     * @throws IllegalArgumentException if a reserved key is overridden or a value is null
     */
    BrokerSettings(final Map<String, String> overrides, final boolean secured) {
        for (final Map.Entry<String, String> entry : overrides.entrySet()) {
            if (RESERVED_KEYS.contains(entry.getKey())
                    || secured && SecuredListeners.MANAGED_KEYS.contains(entry.getKey())) {
                throw new IllegalArgumentException(String.format(Locale.ROOT,
                        "Broker property '%s' is managed by EmbeddedKafka and cannot be overridden",
                        entry.getKey()));
            }
            if (entry.getValue() == null) {
                throw new IllegalArgumentException(String.format(Locale.ROOT,
                        "Broker property '%s' has a null value", entry.getKey()));
            }
        }
        this.overrides = Collections.unmodifiableMap(new LinkedHashMap<>(overrides));
    }

    /** The caller's extra properties, unmodifiable. */
    Map<String, String> overrides() {
        return overrides;
    }

    /**
     * The complete broker configuration for the given ports and log directory.
     *
     * @param brokerPort the client listener port, bound on {@link #HOST}
     * @param controllerPort the KRaft controller listener port, bound on {@link #HOST}
     * @param logDir the directory holding both the partition logs and the metadata log
     * @return a new, mutable {@link Properties} owned by the caller
     */
    Properties toProperties(final int brokerPort, final int controllerPort, final Path logDir) {
        final Properties props = new Properties();
        props.putAll(SINGLE_NODE_DEFAULTS);
        props.putAll(overrides);
        putNodeProperties(props, brokerPort, controllerPort, logDir);
        return props;
    }

    /**
     * The complete configuration of a secured broker: the single-node defaults, the security
     * defaults, the caller's properties, then the node identity and the secured listeners.
     *
     * @param security the listeners, certificates and internal credentials
     * @param clientPort the {@code SASL_SSL} client listener port
     * @param internalPort the inter-broker listener port
     * @param controllerPort the KRaft controller listener port
     * @param logDir the directory holding both the partition logs and the metadata log
     * @return a new, mutable {@link Properties} owned by the caller; it holds secrets
     */
    Properties toSecuredProperties(final SecuredListeners security, final int clientPort,
            final int internalPort, final int controllerPort, final Path logDir) {
        final Properties props = new Properties();
        props.putAll(SINGLE_NODE_DEFAULTS);
        props.putAll(security.defaults());
        props.putAll(overrides);
        putNodeProperties(props, clientPort, controllerPort, logDir);
        props.putAll(security.managed(clientPort, internalPort, controllerPort));
        return props;
    }

    private static void putNodeProperties(final Properties props, final int brokerPort,
            final int controllerPort, final Path logDir) {
        final String brokerAddress = HOST + ":" + brokerPort;
        final String controllerAddress = HOST + ":" + controllerPort;
        props.put("process.roles", "broker,controller");
        props.put("node.id", Integer.toString(NODE_ID));
        // A static single-voter quorum: the voter set lives in the configuration, not on disk, so
        // a restart on other ports (a kept data directory in a new process) still works.
        props.put("controller.quorum.voters", NODE_ID + "@" + controllerAddress);
        props.put("listeners", BROKER_LISTENER + "://" + brokerAddress + ","
                + CONTROLLER_LISTENER + "://" + controllerAddress);
        props.put("advertised.listeners", BROKER_LISTENER + "://" + brokerAddress);
        props.put("listener.security.protocol.map",
                BROKER_LISTENER + ":PLAINTEXT," + CONTROLLER_LISTENER + ":PLAINTEXT");
        props.put("inter.broker.listener.name", BROKER_LISTENER);
        props.put("controller.listener.names", CONTROLLER_LISTENER);
        final String dir = logDir.toAbsolutePath().toString();
        props.put("log.dirs", dir);
        props.put("metadata.log.dir", dir);
    }

    private static Map<String, String> orderedMap(final String... keysAndValues) {
        final Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put(keysAndValues[i], keysAndValues[i + 1]);
        }
        return Collections.unmodifiableMap(map);
    }
}
