package io.scorestream.app.config;

import java.util.Optional;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.types.Password;

/**
 * The keys of group {@value #GROUP}: where the Avro schemas of the feature, score and model topics
 * are registered, and how to authenticate there.
 *
 * <p>An instance is the typed reading of these keys for one {@link ScorestreamConfig}
 * ({@link ScorestreamConfig#schemaRegistry()}). Immutable and thread-safe.
 */
public final class SchemaRegistryConfig {

    /** The group of these keys in the definition and the documentation. */
    public static final String GROUP = "Schema registry";

    public static final String SCHEMA_REGISTRY_URL_CONFIG = "schema.registry.url";
    private static final String SCHEMA_REGISTRY_URL_DOC = "Base URL of a Confluent-compatible schema registry. "
            + "Empty: an in-memory registry, which only works when every producer and consumer runs in this "
            + "process (the embedded demo).";

    public static final String SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO_CONFIG = "schema.registry.basic.auth.user.info";
    private static final String SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO_DOC = "user:password for HTTP basic "
            + "authentication to the schema registry. Never logged.";

    private final String url;
    private final Password userInfo; // null when not set

    SchemaRegistryConfig(final ConfigValues values) {
        this.url = values.string(SCHEMA_REGISTRY_URL_CONFIG);
        this.userInfo = values.password(SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO_CONFIG);
    }

    /** Adds the keys of group {@value #GROUP} to {@code def}. */
    static void define(final ConfigDef def) {
        new ConfigGroup(def, GROUP)
                .define(SCHEMA_REGISTRY_URL_CONFIG, Type.STRING, "", Validators.optionalHttpUrl(),
                        Importance.HIGH, SCHEMA_REGISTRY_URL_DOC)
                .define(SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO_CONFIG, Type.PASSWORD, null, null, Importance.MEDIUM,
                        SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO_DOC);
    }

    /** The schema registry's base URL; empty means the in-memory registry. */
    public Optional<String> url() {
        return url.isEmpty() ? Optional.empty() : Optional.of(url);
    }

    /** {@code user:password} for the registry, wrapped so it does not print; empty when not set. */
    public Optional<Password> basicAuthUserInfo() {
        return userInfo == null || userInfo.value().isEmpty() ? Optional.empty() : Optional.of(userInfo);
    }
}
