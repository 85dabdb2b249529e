package io.scorestream.app.config;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

import javax.net.ssl.SSLContext;

import io.scorestream.app.metrics.EndpointSecurity;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;

/**
 * The keys of group {@value #GROUP}: the HTTP endpoint serving {@code /metrics} (Prometheus),
 * {@code /healthz} and {@code /readyz}: where it listens, and optionally basic authentication of
 * {@code /metrics} and {@code /readyz} ({@code /healthz} stays open for liveness probes) and TLS.
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

    public static final String METRICS_BASIC_AUTH_USER_INFO_CONFIG = "metrics.basic.auth.user.info";
    private static final String METRICS_BASIC_AUTH_USER_INFO_DOC = "user:password that /metrics and /readyz "
            + "require (HTTP basic authentication; /healthz stays open for liveness probes). Empty: no "
            + "authentication. Never logged.";

    public static final String METRICS_SSL_KEYSTORE_LOCATION_CONFIG = "metrics.ssl.keystore.location";
    private static final String METRICS_SSL_KEYSTORE_LOCATION_DOC = "Key store with the private key and "
            + "certificate chain of the endpoint: set, it serves HTTPS only. Empty: plain HTTP.";

    public static final String METRICS_SSL_KEYSTORE_PASSWORD_CONFIG = "metrics.ssl.keystore.password";
    private static final String METRICS_SSL_KEYSTORE_PASSWORD_DOC = "Password of the key store. Never logged.";

    public static final String METRICS_SSL_KEYSTORE_TYPE_CONFIG = "metrics.ssl.keystore.type";
    private static final String METRICS_SSL_KEYSTORE_TYPE_DOC = "Format of the key store: PKCS12 or JKS.";

    public static final String METRICS_SSL_KEY_PASSWORD_CONFIG = "metrics.ssl.key.password";
    private static final String METRICS_SSL_KEY_PASSWORD_DOC = "Password of the private key in the key store, "
            + "when it differs from the store's. Never logged.";

    private final boolean enabled;
    private final int port;
    private final String bindAddress;
    private final Password userInfo; // null when not set
    private final String keystoreLocation;
    private final Password keystorePassword; // null when not set
    private final String keystoreType;
    private final Password keyPassword; // null when not set
    private final String keystoreWhere;

    MetricsConfig(final ConfigValues values) {
        this.enabled = values.bool(METRICS_ENABLED_CONFIG);
        this.port = values.integer(METRICS_PORT_CONFIG);
        this.bindAddress = values.string(METRICS_BIND_ADDRESS_CONFIG);
        this.userInfo = nonEmpty(values.password(METRICS_BASIC_AUTH_USER_INFO_CONFIG));
        this.keystoreLocation = values.string(METRICS_SSL_KEYSTORE_LOCATION_CONFIG);
        this.keystorePassword = nonEmpty(values.password(METRICS_SSL_KEYSTORE_PASSWORD_CONFIG));
        this.keystoreType = values.string(METRICS_SSL_KEYSTORE_TYPE_CONFIG).toUpperCase(Locale.ROOT);
        this.keyPassword = nonEmpty(values.password(METRICS_SSL_KEY_PASSWORD_CONFIG));
        this.keystoreWhere = values.where(METRICS_SSL_KEYSTORE_LOCATION_CONFIG);
        if (userInfo != null) {
            final String v = userInfo.value();
            if (v.indexOf(':') <= 0 || v.endsWith(":")) {
                throw new ConfigException(METRICS_BASIC_AUTH_USER_INFO_CONFIG, userInfo,
                        "must be user:password, with a user and a password"
                                + values.where(METRICS_BASIC_AUTH_USER_INFO_CONFIG));
            }
        }
        if (keystoreLocation.isEmpty() && (keystorePassword != null || keyPassword != null)) {
            final String key = keystorePassword != null ? METRICS_SSL_KEYSTORE_PASSWORD_CONFIG
                    : METRICS_SSL_KEY_PASSWORD_CONFIG;
            throw new ConfigException(key + " is set" + values.where(key) + " but "
                    + METRICS_SSL_KEYSTORE_LOCATION_CONFIG + " is not: set the key store's location too");
        }
    }

    private static Password nonEmpty(final Password password) {
        return password == null || password.value().isEmpty() ? null : password;
    }

    /** Adds the keys of group {@value #GROUP} to {@code def}. */
    static void define(final ConfigDef def) {
        new ConfigGroup(def, GROUP)
                .define(METRICS_ENABLED_CONFIG, Type.BOOLEAN, true, null, Importance.MEDIUM, METRICS_ENABLED_DOC)
                .define(METRICS_PORT_CONFIG, Type.INT, 9464, Range.between(0, 65535), Importance.MEDIUM,
                        METRICS_PORT_DOC)
                .define(METRICS_BIND_ADDRESS_CONFIG, Type.STRING, "127.0.0.1", Validators.nonBlank(),
                        Importance.MEDIUM, METRICS_BIND_ADDRESS_DOC)
                .define(METRICS_BASIC_AUTH_USER_INFO_CONFIG, Type.PASSWORD, null, null, Importance.MEDIUM,
                        METRICS_BASIC_AUTH_USER_INFO_DOC)
                .define(METRICS_SSL_KEYSTORE_LOCATION_CONFIG, Type.STRING, "", null, Importance.MEDIUM,
                        METRICS_SSL_KEYSTORE_LOCATION_DOC)
                .define(METRICS_SSL_KEYSTORE_PASSWORD_CONFIG, Type.PASSWORD, null, null, Importance.MEDIUM,
                        METRICS_SSL_KEYSTORE_PASSWORD_DOC)
                .define(METRICS_SSL_KEYSTORE_TYPE_CONFIG, Type.STRING, "PKCS12", Validators.anyCase("PKCS12", "JKS"),
                        Importance.LOW, METRICS_SSL_KEYSTORE_TYPE_DOC)
                .define(METRICS_SSL_KEY_PASSWORD_CONFIG, Type.PASSWORD, null, null, Importance.LOW,
                        METRICS_SSL_KEY_PASSWORD_DOC);
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

    /** Whether {@code /metrics} and {@code /readyz} require basic authentication. */
    public boolean basicAuth() {
        return userInfo != null;
    }

    /** The key store of an HTTPS endpoint; empty for plain HTTP. */
    public Optional<Path> keystoreLocation() {
        return keystoreLocation.isEmpty() ? Optional.empty() : Optional.of(Path.of(keystoreLocation));
    }

    /**
     * The endpoint's protection: basic authentication when {@value #METRICS_BASIC_AUTH_USER_INFO_CONFIG}
     * is set, TLS when {@value #METRICS_SSL_KEYSTORE_LOCATION_CONFIG} is. Reads the key store each call.
     *
     * @throws ConfigException naming {@value #METRICS_SSL_KEYSTORE_LOCATION_CONFIG} (never a password)
     *     when the key store cannot be read or used
     */
    public EndpointSecurity security() {
        SSLContext tls = null;
        if (!keystoreLocation.isEmpty()) {
            try {
                tls = EndpointSecurity.keyStoreContext(Path.of(keystoreLocation), keystoreType,
                        keystorePassword == null ? null : keystorePassword.value(),
                        keyPassword == null ? null : keyPassword.value());
            } catch (IllegalArgumentException e) {
                throw new ConfigException("Invalid " + METRICS_SSL_KEYSTORE_LOCATION_CONFIG + keystoreWhere + ": "
                        + e.getMessage());
            }
        }
        return EndpointSecurity.of(userInfo == null ? null : userInfo.value(), tls);
    }

    /** Names the address, port and what protects the endpoint; never a secret. */
    @Override
    public String toString() {
        return "MetricsConfig[" + (enabled ? bindAddress + ":" + port : "disabled") + (userInfo != null
                ? ", basic auth" : "") + (keystoreLocation.isEmpty() ? "" : ", TLS " + keystoreLocation) + "]";
    }
}
