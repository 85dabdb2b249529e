package io.scorestream.app.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import io.scorestream.schemas.registry.HttpSchemaRegistry;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;

/**
 * The keys of group {@value #GROUP}: where the Avro schemas of the feature, score and model topics
 * are registered, how to authenticate there (basic auth or a bearer token, never both) and which
 * certificates to trust over TLS.
 *
 * <p>An instance is the typed reading of these keys for one {@link ScorestreamConfig}
 * ({@link ScorestreamConfig#schemaRegistry()}), or, for the command-line tools, of a properties file
 * holding only these keys ({@link #fromProperties(Map, String)}). {@link #client()} builds the
 * registry client every part of the application uses, so the run, the models, replay, produce and
 * load commands all honour the same settings. Immutable and thread-safe; secrets are kept as
 * {@link Password}s and never printed.
 */
public final class SchemaRegistryConfig {

    /** The group of these keys in the definition and the documentation. */
    public static final String GROUP = "Schema registry";

    /** The prefix of every key of this group. */
    public static final String PREFIX = "schema.registry.";

    public static final String SCHEMA_REGISTRY_URL_CONFIG = "schema.registry.url";
    private static final String SCHEMA_REGISTRY_URL_DOC = "Base URL of a Confluent-compatible schema registry. "
            + "Empty: an in-memory registry, which only works when every producer and consumer runs in this "
            + "process (the embedded demo).";

    public static final String SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO_CONFIG = "schema.registry.basic.auth.user.info";
    private static final String SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO_DOC = "user:password for HTTP basic "
            + "authentication to the schema registry. Never logged. Not together with "
            + "schema.registry.bearer.auth.token.";

    public static final String SCHEMA_REGISTRY_BEARER_AUTH_TOKEN_CONFIG = "schema.registry.bearer.auth.token";
    private static final String SCHEMA_REGISTRY_BEARER_AUTH_TOKEN_DOC = "A static bearer token sent to the "
            + "schema registry (Authorization: Bearer ...). Never logged. Not together with "
            + "schema.registry.basic.auth.user.info.";

    public static final String SCHEMA_REGISTRY_SSL_TRUSTSTORE_LOCATION_CONFIG =
            "schema.registry.ssl.truststore.location";
    private static final String SCHEMA_REGISTRY_SSL_TRUSTSTORE_LOCATION_DOC = "Trust store of the CA "
            + "certificates an https:// schema registry is trusted by. Empty: the JVM's default trust store. "
            + "Host names are always verified.";

    public static final String SCHEMA_REGISTRY_SSL_TRUSTSTORE_PASSWORD_CONFIG =
            "schema.registry.ssl.truststore.password";
    private static final String SCHEMA_REGISTRY_SSL_TRUSTSTORE_PASSWORD_DOC = "Password of the trust store "
            + "(none for PEM). Never logged.";

    public static final String SCHEMA_REGISTRY_SSL_TRUSTSTORE_TYPE_CONFIG = "schema.registry.ssl.truststore.type";
    private static final String SCHEMA_REGISTRY_SSL_TRUSTSTORE_TYPE_DOC = "Format of the trust store: PKCS12, "
            + "JKS, or PEM (a file of one or more PEM CA certificates).";

    private final String url;
    private final Password userInfo; // null when not set
    private final Password bearerToken; // null when not set
    private final String truststoreLocation;
    private final Password truststorePassword; // null when not set
    private final String truststoreType;

    SchemaRegistryConfig(final ConfigValues values) {
        this.url = values.string(SCHEMA_REGISTRY_URL_CONFIG);
        this.userInfo = nonEmpty(values.password(SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO_CONFIG));
        this.bearerToken = nonEmpty(values.password(SCHEMA_REGISTRY_BEARER_AUTH_TOKEN_CONFIG));
        this.truststoreLocation = values.string(SCHEMA_REGISTRY_SSL_TRUSTSTORE_LOCATION_CONFIG);
        this.truststorePassword = nonEmpty(values.password(SCHEMA_REGISTRY_SSL_TRUSTSTORE_PASSWORD_CONFIG));
        this.truststoreType = values.string(SCHEMA_REGISTRY_SSL_TRUSTSTORE_TYPE_CONFIG);
        check(values);
    }

    /** Adds the keys of group {@value #GROUP} to {@code def}. */
    static void define(final ConfigDef def) {
        new ConfigGroup(def, GROUP)
                .define(SCHEMA_REGISTRY_URL_CONFIG, Type.STRING, "", Validators.optionalHttpUrl(),
                        Importance.HIGH, SCHEMA_REGISTRY_URL_DOC)
                .define(SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO_CONFIG, Type.PASSWORD, null, null, Importance.MEDIUM,
                        SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO_DOC)
                .define(SCHEMA_REGISTRY_BEARER_AUTH_TOKEN_CONFIG, Type.PASSWORD, null, null, Importance.MEDIUM,
                        SCHEMA_REGISTRY_BEARER_AUTH_TOKEN_DOC)
                .define(SCHEMA_REGISTRY_SSL_TRUSTSTORE_LOCATION_CONFIG, Type.STRING, "", null, Importance.MEDIUM,
                        SCHEMA_REGISTRY_SSL_TRUSTSTORE_LOCATION_DOC)
                .define(SCHEMA_REGISTRY_SSL_TRUSTSTORE_PASSWORD_CONFIG, Type.PASSWORD, null, null, Importance.MEDIUM,
                        SCHEMA_REGISTRY_SSL_TRUSTSTORE_PASSWORD_DOC)
                .define(SCHEMA_REGISTRY_SSL_TRUSTSTORE_TYPE_CONFIG, Type.STRING, "PKCS12",
                        Validators.anyCase("PKCS12", "JKS", "PEM"), Importance.LOW,
                        SCHEMA_REGISTRY_SSL_TRUSTSTORE_TYPE_DOC);
    }

    /**
     * Reads the {@code schema.registry.*} keys of {@code props} (for a tool's
     * {@code --schema-registry-config} file; other keys are ignored, so the application's own
     * properties file can be given), with {@code url} as {@value #SCHEMA_REGISTRY_URL_CONFIG} when
     * the file has none.
     *
     * @param source where the keys come from, for messages (e.g. {@code "file /etc/x.properties"})
     * @throws ConfigException naming the key (and {@code source}) of an unknown
     *     {@code schema.registry.*} key, a bad value, or basic auth and a bearer token together
     */
    public static SchemaRegistryConfig fromProperties(final Map<String, ?> props, final String source) {
        final ConfigDef def = new ConfigDef();
        define(def);
        final Map<String, Object> mine = new HashMap<>();
        final Map<String, String> sources = new HashMap<>();
        for (final Map.Entry<String, ?> e : props.entrySet()) {
            final String key = e.getKey().strip();
            if (!key.startsWith(PREFIX)) {
                continue;
            }
            if (!def.names().contains(key)) {
                throw new ConfigException(KeyMessages.unknownKey(key, Map.of(key, source), def.names()));
            }
            mine.put(key, e.getValue());
            sources.put(key, source);
        }
        for (final Map.Entry<String, Object> e : mine.entrySet()) {
            KeyMessages.validate(def, e.getKey(), e.getValue(), sources);
        }
        return new SchemaRegistryConfig(new ConfigValues(def.parse(mine), sources));
    }

    private void check(final ConfigValues values) {
        if (userInfo != null && userInfo.value().indexOf(':') < 0) {
            throw new ConfigException(SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO_CONFIG, userInfo,
                    "must be user:password" + values.where(SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO_CONFIG));
        }
        if (bearerToken != null && (userInfo != null || urlHasUserInfo())) {
            final String basic = userInfo != null ? SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO_CONFIG : SCHEMA_REGISTRY_URL_CONFIG;
            throw new ConfigException("Both " + (userInfo != null ? basic : "user-info in " + basic)
                    + values.where(basic) + " and " + SCHEMA_REGISTRY_BEARER_AUTH_TOKEN_CONFIG
                    + values.where(SCHEMA_REGISTRY_BEARER_AUTH_TOKEN_CONFIG) + " are set: the schema registry takes "
                    + "basic auth or a bearer token, not both; remove one");
        }
        if (truststoreLocation.isEmpty() && truststorePassword != null) {
            throw new ConfigException(SCHEMA_REGISTRY_SSL_TRUSTSTORE_PASSWORD_CONFIG + " is set"
                    + values.where(SCHEMA_REGISTRY_SSL_TRUSTSTORE_PASSWORD_CONFIG) + " but "
                    + SCHEMA_REGISTRY_SSL_TRUSTSTORE_LOCATION_CONFIG + " is not: set the trust store's location too");
        }
    }

    private boolean urlHasUserInfo() {
        try {
            return !url.isEmpty() && new URI(url).getUserInfo() != null;
        } catch (URISyntaxException e) {
            return false;
        }
    }

    private static Password nonEmpty(final Password password) {
        return password == null || password.value().isEmpty() ? null : password;
    }

    /** The schema registry's base URL; empty means the in-memory registry. */
    public Optional<String> url() {
        return url.isEmpty() ? Optional.empty() : Optional.of(url);
    }

    /** {@code user:password} for the registry, wrapped so it does not print; empty when not set. */
    public Optional<Password> basicAuthUserInfo() {
        return Optional.ofNullable(userInfo);
    }

    /** The bearer token for the registry, wrapped so it does not print; empty when not set. */
    public Optional<Password> bearerAuthToken() {
        return Optional.ofNullable(bearerToken);
    }

    /** The trust store for an https:// registry; empty means the JVM's default. */
    public Optional<Path> truststoreLocation() {
        return truststoreLocation.isEmpty() ? Optional.empty() : Optional.of(Path.of(truststoreLocation));
    }

    /** The trust store's type, upper case: PKCS12, JKS or PEM. */
    public String truststoreType() {
        return truststoreType.toUpperCase(Locale.ROOT);
    }

    /**
     * A client of the registry at {@link #url()} with these credentials and this trust store; makes
     * no request. The trust store is read now.
     *
     * @throws ConfigException naming the key at fault: {@value #SCHEMA_REGISTRY_URL_CONFIG} not set
     *     or not usable, a trust store that cannot be read (never showing its password)
     */
    public HttpSchemaRegistry client() {
        return client(url().orElseThrow(() -> new ConfigException(SCHEMA_REGISTRY_URL_CONFIG
                + " must be set: the feature, score and model topics use the Confluent wire format "
                + "and need a schema registry")));
    }

    /**
     * As {@link #client()}, for the registry at {@code baseUrl} (a tool's {@code --schema-registry}
     * option) instead of {@link #url()}.
     *
     * @throws ConfigException naming the key at fault
     * @throws IllegalArgumentException naming what is wrong with {@code baseUrl}
     */
    public HttpSchemaRegistry client(final String baseUrl) {
        final HttpSchemaRegistry.Builder builder = HttpSchemaRegistry.builder(baseUrl)
                .basicAuth(userInfo == null ? null : userInfo.value())
                .bearerToken(bearerToken == null ? null : bearerToken.value());
        if (!truststoreLocation.isEmpty()) {
            builder.trustStore(Path.of(truststoreLocation), truststoreType(),
                    truststorePassword == null ? null : truststorePassword.value());
            try {
                return builder.build();
            } catch (IllegalArgumentException e) {
                if (e.getMessage().contains("trust store")) {
                    throw new ConfigException("Invalid " + SCHEMA_REGISTRY_SSL_TRUSTSTORE_LOCATION_CONFIG + ": "
                            + e.getMessage());
                }
                throw e;
            }
        }
        return builder.build();
    }

    /** Names the URL, the kind of credential and the trust store; never a secret. */
    @Override
    public String toString() {
        return "SchemaRegistryConfig[" + (url.isEmpty() ? "in-memory" : url.replaceFirst("//[^/@]*@", "//"))
                + (userInfo != null ? ", basic auth" : "") + (bearerToken != null ? ", bearer token" : "")
                + (truststoreLocation.isEmpty() ? "" : ", trust store " + truststoreLocation + " (" + truststoreType()
                + ")") + "]";
    }
}
