package io.scorestream.app.config;

import java.net.InetAddress;
import java.net.UnknownHostException;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;

/**
 * The keys of group {@value #GROUP}: where and how often an instance reports what it serves, per
 * model, to the compacted status topic that {@code scorestream models list} and
 * {@code models status} read.
 *
 * <p>An instance is the typed reading of these keys for one {@link ScorestreamConfig}
 * ({@link ScorestreamConfig#fleetStatus()}). Immutable and thread-safe.
 */
public final class FleetStatusConfig {

    /** The group of these keys in the definition and the documentation. */
    public static final String GROUP = "Fleet status";

    /** The separator of the status topic's key parts: {@code <application.id>/<instance.id>/<model>}. */
    public static final String KEY_SEPARATOR = "/";

    public static final String STATUS_TOPIC_CONFIG = "status.topic";
    public static final String STATUS_TOPIC_DEFAULT = "scorestream-status";
    private static final String STATUS_TOPIC_DOC = "Compacted topic each instance writes what it serves to, one "
            + "record per model, key <application.id>/<instance.id>/<model> (a ModelStatus, Confluent wire format). "
            + "Created (compacted, 1 partition) when missing and allowed; instances need WRITE on it, operators "
            + "running 'models list' or 'models status' READ.";

    public static final String STATUS_INTERVAL_MS_CONFIG = "status.interval.ms";
    private static final String STATUS_INTERVAL_MS_DOC = "How often an instance writes its status, besides at "
            + "start and soon after a version goes live or is refused. Readers count an instance whose last "
            + "record is older than 3 intervals as stale.";

    public static final String INSTANCE_ID_CONFIG = "instance.id";
    private static final String INSTANCE_ID_DOC = "This instance's name in the status topic's keys. Empty: the "
            + "host name, '-', the process id. No '/' or whitespace.";

    private final String statusTopic;
    private final long intervalMs;
    private final String instanceId;

    FleetStatusConfig(final ConfigValues values) {
        this.statusTopic = values.string(STATUS_TOPIC_CONFIG);
        this.intervalMs = values.longValue(STATUS_INTERVAL_MS_CONFIG);
        final String given = values.string(INSTANCE_ID_CONFIG);
        this.instanceId = given == null || given.isEmpty() ? defaultInstanceId() : given;
    }

    /** Adds the keys of group {@value #GROUP} to {@code def}. */
    static void define(final ConfigDef def) {
        new ConfigGroup(def, GROUP)
                .define(STATUS_TOPIC_CONFIG, Type.STRING, STATUS_TOPIC_DEFAULT, Validators.kafkaName("a topic name"),
                        Importance.LOW, STATUS_TOPIC_DOC)
                .define(STATUS_INTERVAL_MS_CONFIG, Type.LONG, 10_000L, Range.atLeast(100), Importance.LOW,
                        STATUS_INTERVAL_MS_DOC)
                .define(INSTANCE_ID_CONFIG, Type.STRING, "", instanceIdValidator(), Importance.LOW,
                        INSTANCE_ID_DOC);
    }

    private static ConfigDef.Validator instanceIdValidator() {
        return ConfigDef.LambdaValidator.with((name, value) -> {
            final String id = (String) value;
            if (id == null || id.contains(KEY_SEPARATOR) || id.chars().anyMatch(Character::isWhitespace)) {
                throw new ConfigException(name, value, "must contain no '/' and no whitespace");
            }
        }, () -> "empty, or a name without '/' or whitespace");
    }

    /** The host name, '-', the process id; {@code localhost-<pid>} when the host has no resolvable name. */
    static String defaultInstanceId() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException | SecurityException e) {
            host = "localhost";
        }
        return host.replace(KEY_SEPARATOR, "_") + "-" + ProcessHandle.current().pid();
    }

    /** The status topic. */
    public String statusTopic() {
        return statusTopic;
    }

    /** How often the status is written, in milliseconds; at least 100. */
    public long intervalMs() {
        return intervalMs;
    }

    /** This instance's id: the configured one, or the host name + '-' + the process id. Never empty. */
    public String instanceId() {
        return instanceId;
    }
}
