package io.scorestream.connectors.avro;

import java.nio.file.Path;
import java.util.Locale;
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
 * are those of Confluent's converter, so existing worker configurations keep working: the URL, basic
 * auth ({@code basic.auth.credentials.source=USER_INFO} with {@code basic.auth.user.info}, or
 * {@code URL} for user-info in the URL), a static bearer token
 * ({@code bearer.auth.credentials.source=STATIC_TOKEN} with {@code bearer.auth.token}) and the trust
 * store of an {@code https://} registry ({@code schema.registry.ssl.truststore.*}). Other credential
 * sources of Confluent's ({@code SASL_INHERIT}, OAuth) are refused with a message naming the key.
 * Basic auth and a bearer token together are refused, naming both keys.
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

    public static final String BASIC_AUTH_CREDENTIALS_SOURCE_CONFIG = "basic.auth.credentials.source";
    private static final String BASIC_AUTH_CREDENTIALS_SOURCE_DOC = "Where the basic auth credentials come "
            + "from: USER_INFO (basic.auth.user.info) or URL (user-info in schema.registry.url). Empty: "
            + "basic.auth.user.info when it is set, else the URL's user-info.";

    public static final String BEARER_AUTH_CREDENTIALS_SOURCE_CONFIG = "bearer.auth.credentials.source";
    private static final String BEARER_AUTH_CREDENTIALS_SOURCE_DOC = "Where the bearer token comes from: "
            + "STATIC_TOKEN (bearer.auth.token), the only source supported. Empty: bearer.auth.token when it is set.";

    public static final String BEARER_AUTH_TOKEN_CONFIG = "bearer.auth.token";
    private static final String BEARER_AUTH_TOKEN_DOC = "A static bearer token for the schema registry. Never "
            + "logged. Not together with basic auth.";

    public static final String SSL_TRUSTSTORE_LOCATION_CONFIG = "schema.registry.ssl.truststore.location";
    private static final String SSL_TRUSTSTORE_LOCATION_DOC = "Trust store of the CA certificates an https:// "
            + "schema registry is trusted by. Empty: the JVM's default trust store. Host names are always verified.";

    public static final String SSL_TRUSTSTORE_PASSWORD_CONFIG = "schema.registry.ssl.truststore.password";
    private static final String SSL_TRUSTSTORE_PASSWORD_DOC = "Password of the trust store (none for PEM). "
            + "Never logged.";

    public static final String SSL_TRUSTSTORE_TYPE_CONFIG = "schema.registry.ssl.truststore.type";
    private static final String SSL_TRUSTSTORE_TYPE_DOC = "Format of the trust store: PKCS12, JKS, or PEM (a "
            + "file of PEM CA certificates).";

    /** Value of {@value #BASIC_AUTH_CREDENTIALS_SOURCE_CONFIG}: credentials from {@value #BASIC_AUTH_USER_INFO_CONFIG}. */
    public static final String USER_INFO = "USER_INFO";
    /** Value of {@value #BASIC_AUTH_CREDENTIALS_SOURCE_CONFIG}: credentials from the URL's user-info. */
    public static final String URL = "URL";
    /** Value of {@value #BEARER_AUTH_CREDENTIALS_SOURCE_CONFIG}: the token of {@value #BEARER_AUTH_TOKEN_CONFIG}. */
    public static final String STATIC_TOKEN = "STATIC_TOKEN";

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
            .define(BASIC_AUTH_CREDENTIALS_SOURCE_CONFIG, Type.STRING, "", Importance.MEDIUM,
                    BASIC_AUTH_CREDENTIALS_SOURCE_DOC)
            .define(BASIC_AUTH_USER_INFO_CONFIG, Type.PASSWORD, null, Importance.MEDIUM, BASIC_AUTH_USER_INFO_DOC)
            .define(BEARER_AUTH_CREDENTIALS_SOURCE_CONFIG, Type.STRING, "", Importance.MEDIUM,
                    BEARER_AUTH_CREDENTIALS_SOURCE_DOC)
            .define(BEARER_AUTH_TOKEN_CONFIG, Type.PASSWORD, null, Importance.MEDIUM, BEARER_AUTH_TOKEN_DOC)
            .define(SSL_TRUSTSTORE_LOCATION_CONFIG, Type.STRING, "", Importance.MEDIUM, SSL_TRUSTSTORE_LOCATION_DOC)
            .define(SSL_TRUSTSTORE_PASSWORD_CONFIG, Type.PASSWORD, null, Importance.MEDIUM,
                    SSL_TRUSTSTORE_PASSWORD_DOC)
            .define(SSL_TRUSTSTORE_TYPE_CONFIG, Type.STRING, "PKCS12",
                    ConfigDef.CaseInsensitiveValidString.in("PKCS12", "JKS", "PEM"), Importance.LOW,
                    SSL_TRUSTSTORE_TYPE_DOC)
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

    /**
     * The basic auth {@code user:password} to send, from {@value #BASIC_AUTH_CREDENTIALS_SOURCE_CONFIG}
     * and {@value #BASIC_AUTH_USER_INFO_CONFIG}; empty when the URL's user-info (if any) is to be used.
     *
     * @throws ConfigException naming the key: an unsupported source, USER_INFO without user info, URL
     *     with user info set, or user info not of the form user:password
     */
    public Optional<Password> basicAuth() {
        final String source = getString(BASIC_AUTH_CREDENTIALS_SOURCE_CONFIG).strip().toUpperCase(Locale.ROOT);
        final Optional<Password> userInfo = basicAuthUserInfo();
        switch (source) {
            case "" -> {
                // Our converter always took basic.auth.user.info without a source; Confluent's default is URL.
            }
            case USER_INFO -> {
                if (userInfo.isEmpty()) {
                    throw new ConfigException(BASIC_AUTH_USER_INFO_CONFIG + " must be set (user:password) when "
                            + BASIC_AUTH_CREDENTIALS_SOURCE_CONFIG + "=" + USER_INFO);
                }
            }
            case URL -> {
                if (userInfo.isPresent()) {
                    throw new ConfigException(BASIC_AUTH_USER_INFO_CONFIG + " is set but "
                            + BASIC_AUTH_CREDENTIALS_SOURCE_CONFIG + "=" + URL + " takes the credentials from "
                            + SCHEMA_REGISTRY_URL_CONFIG + "; set " + BASIC_AUTH_CREDENTIALS_SOURCE_CONFIG + "="
                            + USER_INFO + " or remove " + BASIC_AUTH_USER_INFO_CONFIG);
                }
                return Optional.empty();
            }
            default -> throw new ConfigException(BASIC_AUTH_CREDENTIALS_SOURCE_CONFIG, source,
                    "supported sources are " + USER_INFO + " and " + URL + " (SASL_INHERIT is not supported)");
        }
        if (userInfo.isPresent() && userInfo.get().value().indexOf(':') < 0) {
            throw new ConfigException(BASIC_AUTH_USER_INFO_CONFIG, userInfo.get(), "must be user:password");
        }
        return userInfo;
    }

    /**
     * The bearer token to send, from {@value #BEARER_AUTH_CREDENTIALS_SOURCE_CONFIG} and
     * {@value #BEARER_AUTH_TOKEN_CONFIG}; empty when none.
     *
     * @throws ConfigException naming the key: an unsupported source, or STATIC_TOKEN without a token
     */
    public Optional<Password> bearerToken() {
        final String source = getString(BEARER_AUTH_CREDENTIALS_SOURCE_CONFIG).strip().toUpperCase(Locale.ROOT);
        final Password token = getPassword(BEARER_AUTH_TOKEN_CONFIG);
        final Optional<Password> given = token == null || token.value().isEmpty() ? Optional.empty() : Optional.of(token);
        if (!source.isEmpty() && !source.equals(STATIC_TOKEN)) {
            throw new ConfigException(BEARER_AUTH_CREDENTIALS_SOURCE_CONFIG, source, "the only supported source is "
                    + STATIC_TOKEN + " (with " + BEARER_AUTH_TOKEN_CONFIG + ")");
        }
        if (source.equals(STATIC_TOKEN) && given.isEmpty()) {
            throw new ConfigException(BEARER_AUTH_TOKEN_CONFIG + " must be set when "
                    + BEARER_AUTH_CREDENTIALS_SOURCE_CONFIG + "=" + STATIC_TOKEN);
        }
        return given;
    }

    /** The trust store for an https:// registry; empty means the JVM's default. */
    public Optional<Path> truststoreLocation() {
        final String location = getString(SSL_TRUSTSTORE_LOCATION_CONFIG).strip();
        return location.isEmpty() ? Optional.empty() : Optional.of(Path.of(location));
    }

    /** The trust store's password, wrapped so it does not print; empty when not set. */
    public Optional<Password> truststorePassword() {
        final Password password = getPassword(SSL_TRUSTSTORE_PASSWORD_CONFIG);
        return password == null || password.value().isEmpty() ? Optional.empty() : Optional.of(password);
    }

    /** The trust store's type, upper case: PKCS12, JKS or PEM. */
    public String truststoreType() {
        return getString(SSL_TRUSTSTORE_TYPE_CONFIG).strip().toUpperCase(Locale.ROOT);
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
