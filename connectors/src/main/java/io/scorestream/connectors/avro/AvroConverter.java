package io.scorestream.connectors.avro;

import io.scorestream.schemas.registry.HttpSchemaRegistry;
import io.scorestream.schemas.registry.SchemaRegistry;
import io.scorestream.schemas.registry.SchemaRegistryException;
import io.scorestream.schemas.registry.TopicNameStrategy;
import io.scorestream.schemas.serde.ConfluentAvroDeserializer;
import io.scorestream.schemas.serde.ConfluentAvroSerializer;
import io.scorestream.schemas.serde.WireFormatException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.storage.Converter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Kafka Connect {@link Converter} between Connect structs and Avro records in Confluent's wire
 * format (magic byte 0, the schema id as a 4-byte big-endian int, Avro binary), with the schemas in
 * a Confluent-compatible schema registry under the subjects of Confluent's {@code TopicNameStrategy}
 * ({@code <topic>-value}, {@code <topic>-key}). It reads what Confluent's serializers and converter
 * write, and they read what it writes, so it is a drop-in for Confluent's {@code AvroConverter} in a
 * worker or connector configuration:
 *
 * <pre>
 * value.converter=io.scorestream.connectors.avro.AvroConverter
 * value.converter.schema.registry.url=http://registry:8081
 * # optional, as with Confluent's converter:
 * # value.converter.basic.auth.credentials.source=USER_INFO
 * # value.converter.basic.auth.user.info=user:password
 * # or value.converter.bearer.auth.credentials.source=STATIC_TOKEN, value.converter.bearer.auth.token=...
 * # value.converter.schema.registry.ssl.truststore.location=/etc/ssl/registry-ca.p12 (and .password, .type)
 * </pre>
 *
 * <p>The settings are those of {@link AvroConverterConfig}. For tests and in-process use, construct
 * it with a {@link SchemaRegistry} (e.g. {@code InMemorySchemaRegistry}); then
 * {@code schema.registry.url} is not needed, and ignored.
 *
 * <p><b>Records only.</b> The top-level schema must be a Connect STRUCT (an Avro record), as
 * everywhere in scorestream; a key or value of any other schema is refused with a
 * {@link DataException} (use e.g. Connect's {@code StringConverter} for string keys). Inside a record,
 * every type that {@link AvroData} maps is supported, including logical types and unions.
 *
 * <p><b>Writing</b> ({@link #fromConnectData}): the struct's Avro schema is derived from its Connect
 * schema ({@link AvroData}); with {@code auto.register.schemas=true} (default) it is registered under
 * the topic's subject, else it must already be there, or, with {@code use.latest.version=true}, the
 * record is written with the subject's latest schema (which must be able to read the derived one).
 * A {@code null} value becomes {@code null} (a tombstone).
 *
 * <p><b>Reading</b> ({@link #toConnectData}): {@code null} or empty bytes give
 * {@link SchemaAndValue#NULL}. By default the record is read with the schema it was written with (the
 * id in its bytes); with {@code reader.use.latest.version=true}, with the latest schema of the topic's
 * subject, so that records of older versions come out in the newest shape, defaults filled.
 *
 * <p><b>Errors</b> are {@link DataException}s naming the topic and what was wrong: a wrong magic byte,
 * too few bytes, an unknown schema id (with the id), an Avro body that does not match its schema, a
 * value that does not match its Connect schema (with the field's path), or a registry that refused or
 * could not be reached.
 *
 * <p><b>Lifecycle and threading.</b> Connect creates one instance per task and calls
 * {@link #configure} once before any conversion. After that the converter is thread-safe. It does not
 * own an injected registry; {@link #close()} has nothing to release.
 */
public final class AvroConverter implements Converter {

    private static final Logger LOG = LoggerFactory.getLogger(AvroConverter.class);

    /** The registry given at construction; {@code null} when {@code schema.registry.url} is used. */
    private final SchemaRegistry injectedRegistry;

    private volatile Configured configured;

    /** For Connect, which instantiates converters by class name: the registry comes from the settings. */
    public AvroConverter() {
        this.injectedRegistry = null;
    }

    /**
     * A converter that uses {@code registry} (not closed by it) and ignores
     * {@code schema.registry.url} and the credential and trust store settings. {@link #configure} must still be
     * called, e.g. with an empty map.
     */
    public AvroConverter(final SchemaRegistry registry) {
        this.injectedRegistry = Objects.requireNonNull(registry, "registry");
    }

    /**
     * Reads the settings ({@link AvroConverterConfig}) for the keys ({@code isKey}) or values of
     * records.
     *
     * @throws ConfigException naming the key, if a setting is missing or invalid
     */
    @Override
    public void configure(final Map<String, ?> configs, final boolean isKey) {
        final AvroConverterConfig config = new AvroConverterConfig(configs);
        final SchemaRegistry registry = injectedRegistry != null ? injectedRegistry : httpRegistry(config);
        if (config.useLatestVersion() && config.autoRegisterSchemas()) {
            LOG.warn("{}=true is ignored while {}=true: records are written with their own schema",
                    AvroConverterConfig.USE_LATEST_VERSION_CONFIG, AvroConverterConfig.AUTO_REGISTER_SCHEMAS_CONFIG);
        }
        this.configured = new Configured(registry, config, isKey);
        LOG.info("Avro converter for {}: registry {}, auto-register {}, write with latest {}, read with latest {}",
                isKey ? "keys" : "values", registry, config.autoRegisterSchemas(),
                configured.writeWithLatest, config.readerUseLatestVersion());
    }

    /**
     * Returns {@code value}, a struct of {@code schema}, as Confluent wire-format bytes, or
     * {@code null} for a {@code null} value.
     *
     * @throws DataException if the value cannot be written (see the class comment)
     */
    @Override
    public byte[] fromConnectData(final String topic, final Schema schema, final Object value) {
        final Configured c = configured();
        if (value == null) {
            return null;
        }
        if (schema == null) {
            throw new DataException(String.format(Locale.ROOT,
                    "Cannot convert %s for topic '%s' to Avro: it has no schema (a schemaless %s); "
                            + "AvroConverter needs a Connect schema", c.what, topic, value.getClass().getSimpleName()));
        }
        if (schema.type() != Schema.Type.STRUCT) {
            throw new DataException(String.format(Locale.ROOT,
                    "Cannot convert %s for topic '%s' to Avro: its schema is %s, and AvroConverter writes "
                            + "records (STRUCT) only; use e.g. StringConverter for such %ss",
                    c.what, topic, schema.type(), c.what));
        }
        GenericRecord record;
        try {
            record = (GenericRecord) c.avroData.fromConnectData(schema, value);
        } catch (DataException e) {
            throw new DataException(String.format(Locale.ROOT, "Cannot convert %s for topic '%s' to Avro: %s",
                    c.what, topic, e.getMessage()), e);
        }
        if (c.writeWithLatest) {
            record = c.latestWriter(topic).project(topic, record);
        }
        try {
            return c.serializer.serialize(topic, record);
        } catch (SerializationException e) {
            throw new DataException(e.getMessage(), e);
        }
    }

    /**
     * Returns the struct in {@code value}, Confluent wire-format bytes, with its Connect schema;
     * {@link SchemaAndValue#NULL} for {@code null} or empty bytes.
     *
     * @throws DataException if the bytes cannot be read (see the class comment)
     */
    @Override
    public SchemaAndValue toConnectData(final String topic, final byte[] value) {
        final Configured c = configured();
        if (value == null || value.length == 0) {
            return SchemaAndValue.NULL;
        }
        final GenericRecord record;
        try {
            record = c.deserializerFor(topic).deserialize(topic, value);
        } catch (WireFormatException e) {
            throw new DataException(e.getMessage() + " (" + e.reason() + ")", e);
        } catch (SerializationException e) {
            throw new DataException(e.getMessage(), e);
        }
        try {
            return c.avroData.toConnectData(record.getSchema(), record);
        } catch (DataException e) {
            throw new DataException(String.format(Locale.ROOT, "Cannot convert %s from topic '%s' (Avro %s) to "
                    + "Connect data: %s", c.what, topic, record.getSchema().getFullName(), e.getMessage()), e);
        }
    }

    /** The settings' definition: {@link AvroConverterConfig#configDef()}. */
    @Override
    public ConfigDef config() {
        return AvroConverterConfig.configDef();
    }

    /** Releases nothing: the converter holds no resources, and does not own an injected registry. */
    @Override
    public void close() {
        // Nothing to release.
    }

    private Configured configured() {
        final Configured c = configured;
        if (c == null) {
            throw new IllegalStateException("AvroConverter used before configure()");
        }
        return c;
    }

    private static SchemaRegistry httpRegistry(final AvroConverterConfig config) {
        final String url = config.schemaRegistryUrl().orElseThrow(() -> new ConfigException(
                AvroConverterConfig.SCHEMA_REGISTRY_URL_CONFIG, null,
                "the schema registry's URL is required (e.g. http://registry:8081)"));
        final String userInfo = config.basicAuth().map(Password::value).orElse(null);
        final String token = config.bearerToken().map(Password::value).orElse(null);
        if (token != null && (userInfo != null || hasUserInfo(url))) {
            throw new ConfigException("Both " + (userInfo != null ? AvroConverterConfig.BASIC_AUTH_USER_INFO_CONFIG
                    : "user-info in " + AvroConverterConfig.SCHEMA_REGISTRY_URL_CONFIG) + " and "
                    + AvroConverterConfig.BEARER_AUTH_TOKEN_CONFIG + " are set: the schema registry takes basic auth "
                    + "or a bearer token, not both; remove one");
        }
        final HttpSchemaRegistry.Builder builder = HttpSchemaRegistry.builder(url).basicAuth(userInfo).bearerToken(token);
        final Optional<Path> truststore = config.truststoreLocation();
        if (truststore.isPresent()) {
            builder.trustStore(truststore.get(), config.truststoreType(),
                    config.truststorePassword().map(Password::value).orElse(null));
        } else if (config.truststorePassword().isPresent()) {
            throw new ConfigException(AvroConverterConfig.SSL_TRUSTSTORE_PASSWORD_CONFIG + " is set but "
                    + AvroConverterConfig.SSL_TRUSTSTORE_LOCATION_CONFIG + " is not: set the trust store's location too");
        }
        try {
            return builder.build();
        } catch (IllegalArgumentException e) {
            // Neither the URL (it may carry credentials) nor a password is echoed.
            final String key = e.getMessage().contains("trust store") ? AvroConverterConfig.SSL_TRUSTSTORE_LOCATION_CONFIG
                    : AvroConverterConfig.SCHEMA_REGISTRY_URL_CONFIG;
            throw new ConfigException("Invalid value for configuration " + key + ": " + e.getMessage());
        }
    }

    private static boolean hasUserInfo(final String url) {
        try {
            return new URI(url).getUserInfo() != null;
        } catch (URISyntaxException e) {
            return false; // HttpSchemaRegistry.Builder says what is wrong with it
        }
    }

    /** Everything {@link #configure} decides, published at once. */
    private static final class Configured {
        final SchemaRegistry registry;
        final boolean isKey;
        final String what;
        final boolean writeWithLatest;
        final boolean readWithLatest;
        final int cacheSize;
        final AvroData avroData;
        final ConfluentAvroSerializer<GenericRecord> serializer;
        final ConfluentAvroDeserializer<GenericRecord> writerSchemaDeserializer;
        final Map<String, ConfluentAvroDeserializer<GenericRecord>> latestDeserializers = new ConcurrentHashMap<>();
        final Map<String, LatestWriter> latestWriters = new ConcurrentHashMap<>();

        Configured(final SchemaRegistry registry, final AvroConverterConfig config, final boolean isKey) {
            this.registry = registry;
            this.isKey = isKey;
            this.what = isKey ? "key" : "value";
            this.writeWithLatest = config.useLatestVersion() && !config.autoRegisterSchemas();
            this.readWithLatest = config.readerUseLatestVersion();
            this.cacheSize = config.schemasCacheSize();
            this.avroData = new AvroData(cacheSize);
            this.serializer = ConfluentAvroSerializer.generic(registry, isKey)
                    .withAutoRegister(config.autoRegisterSchemas());
            this.writerSchemaDeserializer = ConfluentAvroDeserializer.generic(registry, isKey);
        }

        ConfluentAvroDeserializer<GenericRecord> deserializerFor(final String topic) {
            if (!readWithLatest) {
                return writerSchemaDeserializer;
            }
            final ConfluentAvroDeserializer<GenericRecord> cached = latestDeserializers.get(topic);
            if (cached != null) {
                return cached;
            }
            // Asked outside the map's lock: the registry may be remote. Two threads may both ask once.
            final ConfluentAvroDeserializer<GenericRecord> created =
                    ConfluentAvroDeserializer.generic(registry, latestRecordSchema(topic), isKey);
            final ConfluentAvroDeserializer<GenericRecord> raced = latestDeserializers.putIfAbsent(topic, created);
            return raced != null ? raced : created;
        }

        LatestWriter latestWriter(final String topic) {
            final LatestWriter cached = latestWriters.get(topic);
            if (cached != null) {
                return cached;
            }
            final LatestWriter created = new LatestWriter(latestRecordSchema(topic), cacheSize);
            final LatestWriter raced = latestWriters.putIfAbsent(topic, created);
            return raced != null ? raced : created;
        }

        private org.apache.avro.Schema latestRecordSchema(final String topic) {
            final String subject = TopicNameStrategy.subject(topic, isKey);
            final org.apache.avro.Schema latest;
            try {
                latest = registry.latest(subject).schema();
            } catch (SchemaRegistryException e) {
                throw new DataException(String.format(Locale.ROOT,
                        "Cannot convert %s for topic '%s': the latest schema of subject '%s' is needed and %s: %s",
                        what, topic, subject, e.isNotFound() ? "there is none" : "the registry could not give it",
                        e.getMessage()), e);
            }
            if (latest.getType() != org.apache.avro.Schema.Type.RECORD) {
                throw new DataException(String.format(Locale.ROOT,
                        "Cannot convert %s for topic '%s': the latest schema of subject '%s' is a %s, not a record",
                        what, topic, subject, latest.getType().getName()));
            }
            return latest;
        }
    }

    /**
     * Rewrites records into a topic's latest schema, by Avro schema resolution (the latest schema
     * reads what the record's own schema wrote: fields it lacks are dropped, fields the record lacks
     * get their defaults), so that the record can be written with the latest schema's id.
     */
    private static final class LatestWriter {
        final org.apache.avro.Schema latest;
        final LruCache<org.apache.avro.Schema, Projection> projections;

        LatestWriter(final org.apache.avro.Schema latest, final int cacheSize) {
            this.latest = latest;
            this.projections = new LruCache<>(cacheSize);
        }

        GenericRecord project(final String topic, final GenericRecord record) {
            final org.apache.avro.Schema own = record.getSchema();
            if (own == latest || own.equals(latest)) {
                return record;
            }
            return projections.get(own, s -> new Projection(topic, s, latest)).apply(topic, record);
        }
    }

    /** Resolution of one record schema to the latest one. */
    private static final class Projection {
        final GenericDatumWriter<GenericRecord> writer;
        final GenericDatumReader<GenericRecord> reader;

        Projection(final String topic, final org.apache.avro.Schema own, final org.apache.avro.Schema latest) {
            final SchemaCompatibility.SchemaPairCompatibility compatibility =
                    SchemaCompatibility.checkReaderWriterCompatibility(latest, own);
            if (compatibility.getType() != SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE) {
                throw new DataException(String.format(Locale.ROOT,
                        "Cannot write to topic '%s' with its latest schema (use.latest.version): the latest "
                                + "schema %s cannot read records of the schema derived from the Connect schema "
                                + "(%s): %s", topic, latest.getFullName(), own.getFullName(),
                        compatibility.getResult().getIncompatibilities()));
            }
            this.writer = new GenericDatumWriter<>(own);
            this.reader = new GenericDatumReader<>(own, latest);
        }

        GenericRecord apply(final String topic, final GenericRecord record) {
            try {
                final ByteArrayOutputStream out = new ByteArrayOutputStream(256);
                final BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
                writer.write(record, encoder);
                encoder.flush();
                return reader.read(null, DecoderFactory.get().binaryDecoder(out.toByteArray(), null));
            } catch (IOException | RuntimeException e) {
                throw new DataException(String.format(Locale.ROOT,
                        "Cannot rewrite a record for topic '%s' into its latest schema: %s", topic, e), e);
            }
        }
    }
}
