package io.scorestream.connectors.avro;

import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;

/**
 * The settings of {@link AvroConverter}, as a Connect worker passes them: the keys below, stripped
 * of the worker's {@code key.converter.} or {@code value.converter.} prefix. The names and meanings
 * of the first four are those of Confluent's converter, so existing worker configurations keep
 * working.
 *
 * <p>Immutable and thread-safe once built.
 */
public final class AvroConverterConfig extends AbstractConfig {

    public static final String SCHEMA_REGISTRY_URL_CONFIG = "schema.registry.url";
    private static final String SCHEMA_REGISTRY_URL_DOC = "Base URL of the Confluent-compatible schema "
            + "registry, e.g. http://registry:8081 (one URL). Required, unless the converter was constructed "
            + "with a SchemaRegistry instance, which then wins.";

    public static final String BASIC_AUTH_USER_INFO_CONFIG = "basic.auth.user.info";
    private static final String BASIC_AUTH_USER_INFO_DOC = "user:password for HTTP basic authentication to "
            + "the schema registry. Never logged. Empty: no authentication (unless the URL carries user-info).";

    public static final String AUTO_REGISTER_SCHEMAS_CONFIG = "auto.register.schemas";
    private static final String AUTO_REGISTER_SCHEMAS_DOC = "Whether fromConnectData registers the Avro "
            + "schema of a record under the topic's subject (<topic>-key or <topic>-value) when it is not "
            + "there yet. false: the schema must already be registered, or use.latest.version must be true.";

    public static final String USE_LATEST_VERSION_CONFIG = "use.latest.version";
    private static final String USE_LATEST_VERSION_DOC = "Only with auto.register.schemas=false: write every "
            + "record with the latest schema of the topic's subject instead of the schema derived from the "
            + "record. The latest schema must be able to read the derived one (fields the record lacks get "
            + "their defaults); it is looked up once per topic for the life of the converter.";

    public static final String READER_USE_LATEST_VERSION_CONFIG = "reader.use.latest.version";
    private static final String READER_USE_LATEST_VERSION_DOC = "false: toConnectData reads every record with "
            + "the schema it was written with (the id in its bytes). true: it reads every record with the "
            + "latest schema of the topic's subject, so that records written with older versions come out "
            + "in the newest shape (fields they lack filled with defaults). The latest schema is looked up "
            + "once per topic for the life of the converter.";

    public static final String SCHEMAS_CACHE_SIZE_CONFIG = "schemas.cache.size";
    private static final String SCHEMAS_CACHE_SIZE_DOC = "How many converted schemas are kept in each "
            + "direction (Connect to Avro, Avro to Connect), least recently used dropped first.";

    private static final ConfigDef CONFIG_DEF = new ConfigDef()
            .define(SCHEMA_REGISTRY_URL_CONFIG, Type.STRING, null, Importance.HIGH, SCHEMA_REGISTRY_URL_DOC)
            .define(BASIC_AUTH_USER_INFO_CONFIG, Type.PASSWORD, null, Importance.MEDIUM, BASIC_AUTH_USER_INFO_DOC)
            .define(AUTO_REGISTER_SCHEMAS_CONFIG, Type.BOOLEAN, true, Importance.MEDIUM, AUTO_REGISTER_SCHEMAS_DOC)
            .define(USE_LATEST_VERSION_CONFIG, Type.BOOLEAN, false, Importance.LOW, USE_LATEST_VERSION_DOC)
            .define(READER_USE_LATEST_VERSION_CONFIG, Type.BOOLEAN, false, Importance.LOW,
                    READER_USE_LATEST_VERSION_DOC)
            .define(SCHEMAS_CACHE_SIZE_CONFIG, Type.INT, 1000, ConfigDef.Range.atLeast(1), Importance.LOW,
                    SCHEMAS_CACHE_SIZE_DOC);

    /**
     * Reads {@code props}.
     *
     * @throws ConfigException naming the key, if a value has the wrong type or is out of range
     */
    public AvroConverterConfig(final Map<String, ?> props) {
        super(CONFIG_DEF, props, false);
    }

    /** The definition of every key, with types, defaults and documentation; a new copy each call. */
    public static ConfigDef configDef() {
        return new ConfigDef(CONFIG_DEF);
    }

    /** The registry's base URL; empty when not set (or blank). */
    public Optional<String> schemaRegistryUrl() {
        final String url = getString(SCHEMA_REGISTRY_URL_CONFIG);
        return url == null || url.isBlank() ? Optional.empty() : Optional.of(url.strip());
    }

    /** {@code user:password}, wrapped so it does not print; empty when not set. */
    public Optional<Password> basicAuthUserInfo() {
        final Password userInfo = getPassword(BASIC_AUTH_USER_INFO_CONFIG);
        return userInfo == null || userInfo.value().isEmpty() ? Optional.empty() : Optional.of(userInfo);
    }

    /** Value of {@value #AUTO_REGISTER_SCHEMAS_CONFIG}. */
    public boolean autoRegisterSchemas() {
        return getBoolean(AUTO_REGISTER_SCHEMAS_CONFIG);
    }

    /** Value of {@value #USE_LATEST_VERSION_CONFIG}. */
    public boolean useLatestVersion() {
        return getBoolean(USE_LATEST_VERSION_CONFIG);
    }

    /** Value of {@value #READER_USE_LATEST_VERSION_CONFIG}. */
    public boolean readerUseLatestVersion() {
        return getBoolean(READER_USE_LATEST_VERSION_CONFIG);
    }

    /** Value of {@value #SCHEMAS_CACHE_SIZE_CONFIG}. */
    public int schemasCacheSize() {
        return getInt(SCHEMAS_CACHE_SIZE_CONFIG);
    }
}
