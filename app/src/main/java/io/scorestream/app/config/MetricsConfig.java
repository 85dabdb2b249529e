package io.scorestream.app.config;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;

/**
 * The keys of group {@value #GROUP}: the HTTP endpoint serving {@code /metrics} (Prometheus),
 * {@code /healthz} and {@code /readyz}.
 *
 * <p>An instance is the typed reading of these keys for one {@link ScorestreamConfig}
 * ({@link ScorestreamConfig#metrics()}). Immutable and thread-safe.
 */
public final class MetricsConfig {

    /** The group of these keys in the definition and the documentation. */
    public static final String GROUP = "Metrics and health";

    public static final String METRICS_ENABLED_CONFIG = "metrics.enabled";
    private static final String METRICS_ENABLED_DOC = "Serve /metrics (Prometheus), /healthz and /readyz over "
            + "HTTP.";

    public static final String METRICS_PORT_CONFIG = "metrics.port";
    private static final String METRICS_PORT_DOC = "Port of the metrics and health endpoint. 0 = any free port.";

    public static final String METRICS_BIND_ADDRESS_CONFIG = "metrics.bind.address";
    private static final String METRICS_BIND_ADDRESS_DOC = "Address the metrics and health endpoint binds "
            + "(0.0.0.0 for every interface).";

    private final boolean enabled;
    private final int port;
    private final String bindAddress;

    MetricsConfig(final ConfigValues values) {
        this.enabled = values.bool(METRICS_ENABLED_CONFIG);
        this.port = values.integer(METRICS_PORT_CONFIG);
        this.bindAddress = values.string(METRICS_BIND_ADDRESS_CONFIG);
    }

    /** Adds the keys of group {@value #GROUP} to {@code def}. */
    static void define(final ConfigDef def) {
        new ConfigGroup(def, GROUP)
                .define(METRICS_ENABLED_CONFIG, Type.BOOLEAN, true, null, Importance.MEDIUM, METRICS_ENABLED_DOC)
                .define(METRICS_PORT_CONFIG, Type.INT, 9464, Range.between(0, 65535), Importance.MEDIUM,
                        METRICS_PORT_DOC)
                .define(METRICS_BIND_ADDRESS_CONFIG, Type.STRING, "127.0.0.1", Validators.nonBlank(),
                        Importance.MEDIUM, METRICS_BIND_ADDRESS_DOC);
    }

    /** Whether to serve the endpoint. */
    public boolean enabled() {
        return enabled;
    }

    /** The port of the endpoint; 0 means any free port. */
    public int port() {
        return port;
    }

    /** The address the endpoint binds. */
    public String bindAddress() {
        return bindAddress;
    }
}
