package io.scorestream.connectors.jdbc;

import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.ValidString;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;

/**
 * The settings of the {@link JdbcSinkConnector JDBC sink}: one {@link ConfigDef} ({@link #CONFIG_DEF}),
 * read once into this typed, immutable object.
 *
 * <p>Secrets: {@code connection.password} is a {@link Type#PASSWORD}, printed as {@code [hidden]};
 * a {@code password=} parameter inside {@code connection.url} is masked wherever the URL is shown
 * ({@link #redactedUrl()}, {@link #toString()}, validation messages). Construction does not log the
 * values (Kafka's {@link AbstractConfig} would print the URL as given).
 */
public final class JdbcSinkConfig extends AbstractConfig {

    public static final String CONNECTION_URL_CONFIG = "connection.url";
    private static final String CONNECTION_URL_DOC = "JDBC URL of the PostgreSQL database, "
            + "jdbc:postgresql://host:port/database[?parameters]. Driver parameters go here (sslmode, "
            + "socketTimeout, options=-c%20statement_timeout=60000): without a socket or statement timeout a put "
            + "waits as long as the database does, e.g. on a lock. Prefer connection.password to a password "
            + "parameter in the URL.";

    public static final String CONNECTION_USER_CONFIG = "connection.user";
    private static final String CONNECTION_USER_DOC = "Database user; unset = the driver's default "
            + "(a user parameter of the URL, or the operating-system user).";

    public static final String CONNECTION_PASSWORD_CONFIG = "connection.password";
    private static final String CONNECTION_PASSWORD_DOC = "Password of connection.user. Never logged.";

    public static final String TABLE_NAME_FORMAT_CONFIG = "table.name.format";
    private static final String TABLE_NAME_FORMAT_DOC = "Name of the table a record is written to; ${topic} "
            + "is replaced by the record's topic. The result is made a plain PostgreSQL identifier: lower-cased, "
            + "every character other than a-z, 0-9 and _ replaced by _, a leading digit prefixed with _, cut to "
            + "63 bytes (so topic 'Shadow-Scores.v2' becomes table shadow_scores_v2). Two topics that map to the "
            + "same name share the table.";

    public static final String TABLE_SCHEMA_CONFIG = "table.schema";
    private static final String TABLE_SCHEMA_DOC = "PostgreSQL schema (namespace) of the tables; it must exist. "
            + "Used as given (case-sensitive, quoted).";

    public static final String INSERT_MODE_CONFIG = "insert.mode";
    private static final String INSERT_MODE_DOC = "upsert: INSERT ... ON CONFLICT (pk.fields) DO UPDATE, so a "
            + "redelivered record rewrites its row with the same values (exactly-once effect in the table under "
            + "Connect's at-least-once delivery). insert: plain INSERT; a redelivered record violates the primary "
            + "key and is reported as an errant record (dead-letter queue), so the table holds it once but the "
            + "dead-letter queue may receive duplicates.";

    public static final String PK_FIELDS_CONFIG = "pk.fields";
    private static final String PK_FIELDS_DOC = "Fields of the record value that form the primary key of the table "
            + "(created NOT NULL). A record whose schema lacks one of them fails the task; a record with a null "
            + "value in one of them is reported as an errant record.";

    public static final String BATCH_SIZE_CONFIG = "batch.size";
    private static final String BATCH_SIZE_DOC = "Rows per JDBC batch. A put() may run several batches, always in "
            + "one transaction. Connect hands a put() at most the consumer's max.poll.records (default 500) "
            + "records; raise consumer.override.max.poll.records for larger batches.";

    public static final String AUTO_CREATE_CONFIG = "auto.create";
    private static final String AUTO_CREATE_DOC = "Create a missing table from the record's value schema, with "
            + "typed columns and a primary key on pk.fields. When false, a missing table fails the task.";

    public static final String AUTO_EVOLVE_CONFIG = "auto.evolve";
    private static final String AUTO_EVOLVE_DOC = "Add a nullable column for a field of the record's schema that "
            + "the table lacks (a new required field without a default fails the task instead). When false, a "
            + "missing column fails the task. Columns are never dropped or retyped: a field whose type no longer "
            + "fits its column fails the task.";

    public static final String RETRY_BACKOFF_MS_CONFIG = "retry.backoff.ms";
    private static final String RETRY_BACKOFF_MS_DOC = "After a transient database error (connection lost or "
            + "refused, server shutting down, out of resources, serialization failure), how long Connect waits "
            + "before delivering the same records again.";

    public static final String MAX_RETRIES_CONFIG = "max.retries";
    private static final String MAX_RETRIES_DOC = "How many consecutive put() calls may fail on a transient "
            + "database error and be retried; the next failure fails the task with the last SQL error.";

    /** The definition of every key, with its type, default, validator, importance and documentation. */
    public static final ConfigDef CONFIG_DEF = new ConfigDef()
            .define(CONNECTION_URL_CONFIG, Type.STRING, ConfigDef.NO_DEFAULT_VALUE, new PostgresUrl(),
                    Importance.HIGH, CONNECTION_URL_DOC)
            .define(CONNECTION_USER_CONFIG, Type.STRING, null, Importance.HIGH, CONNECTION_USER_DOC)
            .define(CONNECTION_PASSWORD_CONFIG, Type.PASSWORD, null, Importance.HIGH, CONNECTION_PASSWORD_DOC)
            .define(TABLE_NAME_FORMAT_CONFIG, Type.STRING, "${topic}", new NonBlank(), Importance.MEDIUM,
                    TABLE_NAME_FORMAT_DOC)
            .define(TABLE_SCHEMA_CONFIG, Type.STRING, "public", new NonBlank(), Importance.LOW, TABLE_SCHEMA_DOC)
            .define(INSERT_MODE_CONFIG, Type.STRING, "upsert", ValidString.in("upsert", "insert"),
                    Importance.HIGH, INSERT_MODE_DOC)
            .define(PK_FIELDS_CONFIG, Type.LIST, "event_id,model_name,model_version,role", new FieldList(),
                    Importance.HIGH, PK_FIELDS_DOC)
            .define(BATCH_SIZE_CONFIG, Type.INT, 3000, Range.atLeast(1), Importance.MEDIUM, BATCH_SIZE_DOC)
            .define(AUTO_CREATE_CONFIG, Type.BOOLEAN, true, Importance.MEDIUM, AUTO_CREATE_DOC)
            .define(AUTO_EVOLVE_CONFIG, Type.BOOLEAN, true, Importance.MEDIUM, AUTO_EVOLVE_DOC)
            .define(RETRY_BACKOFF_MS_CONFIG, Type.LONG, 3000L, Range.atLeast(0), Importance.MEDIUM,
                    RETRY_BACKOFF_MS_DOC)
            .define(MAX_RETRIES_CONFIG, Type.INT, 10, Range.atLeast(0), Importance.MEDIUM, MAX_RETRIES_DOC);

    /** How records are written. */
    public enum InsertMode {
        /** {@code INSERT ... ON CONFLICT (pk) DO UPDATE SET ...}. */
        UPSERT,
        /** Plain {@code INSERT}. */
        INSERT
    }

    private static final Pattern URL_PASSWORD = Pattern.compile("(?i)(password=)[^&;]*");
    private static final String TOPIC_PLACEHOLDER = "${topic}";

    private final String url;
    private final String user;
    private final Password password;
    private final String tableNameFormat;
    private final String tableSchema;
    private final InsertMode insertMode;
    private final List<String> pkFields;
    private final int batchSize;
    private final boolean autoCreate;
    private final boolean autoEvolve;
    private final long retryBackoffMs;
    private final int maxRetries;

    /**
     * Parses and validates {@code props}.
     *
     * @throws ConfigException naming the first invalid key
     */
    public JdbcSinkConfig(final Map<String, String> props) {
        super(CONFIG_DEF, props, false);
        this.url = getString(CONNECTION_URL_CONFIG).trim();
        this.user = getString(CONNECTION_USER_CONFIG);
        this.password = getPassword(CONNECTION_PASSWORD_CONFIG);
        this.tableNameFormat = getString(TABLE_NAME_FORMAT_CONFIG);
        this.tableSchema = getString(TABLE_SCHEMA_CONFIG).trim();
        this.insertMode = InsertMode.valueOf(getString(INSERT_MODE_CONFIG).toUpperCase(Locale.ROOT));
        this.pkFields = getList(PK_FIELDS_CONFIG).stream().map(String::trim).toList();
        this.batchSize = getInt(BATCH_SIZE_CONFIG);
        this.autoCreate = getBoolean(AUTO_CREATE_CONFIG);
        this.autoEvolve = getBoolean(AUTO_EVOLVE_CONFIG);
        this.retryBackoffMs = getLong(RETRY_BACKOFF_MS_CONFIG);
        this.maxRetries = getInt(MAX_RETRIES_CONFIG);
    }

    /** {@code connection.url}, as given: may hold a secret, never log it; see {@link #redactedUrl()}. */
    public String url() {
        return url;
    }

    /** {@code connection.url} with the value of any {@code password=} parameter masked, for logs and messages. */
    public String redactedUrl() {
        return redact(url);
    }

    /** {@code connection.user}, or null. */
    public String user() {
        return user;
    }

    /** {@code connection.password}, or null; {@link Password#toString()} prints {@code [hidden]}. */
    public Password password() {
        return password;
    }

    /** {@code table.schema}. */
    public String tableSchema() {
        return tableSchema;
    }

    /** The table of records of {@code topic}: {@code table.name.format} with the topic, sanitized. */
    public String tableName(final String topic) {
        return Identifiers.tableName(tableNameFormat.replace(TOPIC_PLACEHOLDER, topic));
    }

    /** {@code insert.mode}. */
    public InsertMode insertMode() {
        return insertMode;
    }

    /** {@code pk.fields}: non-empty, distinct, trimmed. */
    public List<String> pkFields() {
        return pkFields;
    }

    /** {@code batch.size}: at least 1. */
    public int batchSize() {
        return batchSize;
    }

    /** {@code auto.create}. */
    public boolean autoCreate() {
        return autoCreate;
    }

    /** {@code auto.evolve}. */
    public boolean autoEvolve() {
        return autoEvolve;
    }

    /** {@code retry.backoff.ms}. */
    public long retryBackoffMs() {
        return retryBackoffMs;
    }

    /** {@code max.retries}. */
    public int maxRetries() {
        return maxRetries;
    }

    /** Every setting, secrets masked. */
    @Override
    public String toString() {
        return "JdbcSinkConfig{" + CONNECTION_URL_CONFIG + "=" + redactedUrl()
                + ", " + CONNECTION_USER_CONFIG + "=" + user
                + ", " + CONNECTION_PASSWORD_CONFIG + "=" + (password == null ? "null" : "[hidden]")
                + ", " + TABLE_NAME_FORMAT_CONFIG + "=" + tableNameFormat
                + ", " + TABLE_SCHEMA_CONFIG + "=" + tableSchema
                + ", " + INSERT_MODE_CONFIG + "=" + insertMode.name().toLowerCase(Locale.ROOT)
                + ", " + PK_FIELDS_CONFIG + "=" + String.join(",", pkFields)
                + ", " + BATCH_SIZE_CONFIG + "=" + batchSize
                + ", " + AUTO_CREATE_CONFIG + "=" + autoCreate
                + ", " + AUTO_EVOLVE_CONFIG + "=" + autoEvolve
                + ", " + RETRY_BACKOFF_MS_CONFIG + "=" + retryBackoffMs
                + ", " + MAX_RETRIES_CONFIG + "=" + maxRetries + "}";
    }

    static String redact(final String url) {
        return url == null ? null : URL_PASSWORD.matcher(url).replaceAll("$1****");
    }

    /** {@code connection.url} must be a PostgreSQL JDBC URL; the message shows it redacted. */
    private static final class PostgresUrl implements ConfigDef.Validator {
        @Override
        public void ensureValid(final String name, final Object value) {
            final String url = value == null ? "" : value.toString().trim();
            if (!url.startsWith("jdbc:postgresql:")) {
                throw new ConfigException(name + " must be a PostgreSQL JDBC URL, "
                        + "jdbc:postgresql://host:port/database, but is '" + redact(url) + "'");
            }
        }

        @Override
        public String toString() {
            return "jdbc:postgresql://host:port/database[?parameters]";
        }
    }

    /** A string that is not blank. */
    private static final class NonBlank implements ConfigDef.Validator {
        @Override
        public void ensureValid(final String name, final Object value) {
            if (value == null || value.toString().isBlank()) {
                throw new ConfigException(name + " must not be empty");
            }
        }

        @Override
        public String toString() {
            return "non-empty string";
        }
    }

    /** A non-empty list of distinct, non-blank field names. */
    private static final class FieldList implements ConfigDef.Validator {
        @Override
        public void ensureValid(final String name, final Object value) {
            @SuppressWarnings("unchecked")
            final List<String> fields = value == null ? List.of() : (List<String>) value;
            if (fields.isEmpty()) {
                throw new ConfigException(name + " must name at least one field of the record value "
                        + "(the primary key of the table)");
            }
            final Set<String> seen = new HashSet<>();
            for (final String field : fields) {
                if (field.isBlank()) {
                    throw new ConfigException(name + " has an empty field name: '" + String.join(",", fields) + "'");
                }
                if (!seen.add(field.trim())) {
                    throw new ConfigException(name + " names field '" + field.trim() + "' twice");
                }
            }
        }

        @Override
        public String toString() {
            return "non-empty list of distinct field names";
        }
    }
}
