package io.scorestream.app.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

import io.scorestream.inference.Device;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;

/**
 * The validators of {@link ScorestreamConfig} that Kafka's {@link ConfigDef} does not have. Each
 * throws {@link ConfigException#ConfigException(String, Object, String)}, whose message names the
 * key and the value, and prints its accepted values in {@code toString()} (the documentation's
 * "valid values" column). Stateless and thread-safe.
 */
final class Validators {

    /** Kafka's legal topic (and application id) characters; the length limit is Kafka's too. */
    private static final Pattern KAFKA_NAME = Pattern.compile("[a-zA-Z0-9._-]{1,249}");
    /** RFC 3986 scheme. */
    private static final Pattern URI_SCHEME = Pattern.compile("[a-zA-Z][a-zA-Z0-9+.-]*");
    private static final Pattern HOST = Pattern.compile("[a-zA-Z0-9._\\-\\[\\]:]+");
    /** The pipeline names {@code io.scorestream.topology.PipelineSettings} accepts. */
    private static final Pattern PIPELINE_NAME = Pattern.compile("[A-Za-z0-9._-]{1,100}");

    private Validators() {
    }

    /** A string with at least one non-whitespace character. */
    static ConfigDef.Validator nonBlank() {
        return ConfigDef.LambdaValidator.with((name, value) -> {
            if (value == null || ((String) value).isBlank()) {
                throw new ConfigException(name, value, "must not be empty");
            }
        }, () -> "non-empty string");
    }

    /** A Kafka topic name (also used for the application id): 1 to 249 of {@code [a-zA-Z0-9._-]}. */
    static ConfigDef.Validator kafkaName(final String what) {
        return ConfigDef.LambdaValidator.with((name, value) -> checkKafkaName(name, value, (String) value, what),
                () -> what + ": 1 to 249 of [a-zA-Z0-9._-]");
    }

    /** The empty string, or a Kafka topic name. */
    static ConfigDef.Validator optionalTopicName() {
        return ConfigDef.LambdaValidator.with((name, value) -> {
            if (!"".equals(value)) {
                checkKafkaName(name, value, (String) value, "a topic name");
            }
        }, () -> "empty, or a topic name: 1 to 249 of [a-zA-Z0-9._-]");
    }

    /** A non-empty list of distinct topic names. */
    static ConfigDef.Validator topicList() {
        return ConfigDef.LambdaValidator.with((name, value) -> {
            final List<?> topics = (List<?>) value;
            if (topics == null || topics.isEmpty()) {
                throw new ConfigException(name, value, "at least one topic is required");
            }
            final Set<Object> seen = new HashSet<>();
            for (final Object topic : topics) {
                checkKafkaName(name, value, (String) topic, "a topic name");
                if (!seen.add(topic)) {
                    throw new ConfigException(name, value, "topic '" + topic + "' is listed twice");
                }
            }
        }, () -> "non-empty list of distinct topic names");
    }

    /** Anything without whitespace, including the empty string. */
    static ConfigDef.Validator noWhitespace() {
        return ConfigDef.LambdaValidator.with((name, value) -> {
            final String text = (String) value;
            if (text == null) {
                throw new ConfigException(name, null, "must not be null");
            }
            for (int i = 0; i < text.length(); i++) {
                if (Character.isWhitespace(text.charAt(i))) {
                    throw new ConfigException(name, value, "must not contain whitespace");
                }
            }
        }, () -> "empty, or a field name");
    }

    /** The empty string, or an absolute {@code http}/{@code https} URL with a host. */
    static ConfigDef.Validator optionalHttpUrl() {
        return ConfigDef.LambdaValidator.with((name, value) -> {
            final String text = (String) value;
            if (text == null || text.isEmpty()) {
                return;
            }
            final URI uri;
            try {
                uri = new URI(text);
            } catch (URISyntaxException e) {
                throw new ConfigException(name, value, "not a URL: " + e.getMessage());
            }
            final String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if ((!scheme.equals("http") && !scheme.equals("https")) || uri.getHost() == null) {
                throw new ConfigException(name, value, "expected an http:// or https:// URL with a host");
            }
        }, () -> "empty, or an http(s) URL");
    }

    /** One of {@code allowed}, in any case; documented in the order given. */
    static ConfigDef.Validator anyCase(final String... allowed) {
        final ConfigDef.Validator delegate = ConfigDef.CaseInsensitiveValidString.in(allowed);
        return ConfigDef.LambdaValidator.with(delegate::ensureValid,
                () -> String.join(", ", allowed) + " (any case)");
    }

    /** What {@link Device#parse(String)} accepts. */
    static ConfigDef.Validator device() {
        return ConfigDef.LambdaValidator.with((name, value) -> {
            try {
                Device.parse((String) value);
            } catch (IllegalArgumentException | NullPointerException e) {
                throw new ConfigException(name, value, "expected auto, cpu, cuda or cuda:N (N a device number >= 0)");
            }
        }, () -> "auto, cpu, cuda, cuda:N");
    }

    /** A non-empty list of URI schemes. */
    static ConfigDef.Validator uriSchemes() {
        return ConfigDef.LambdaValidator.with((name, value) -> {
            final List<?> schemes = (List<?>) value;
            if (schemes == null || schemes.isEmpty()) {
                throw new ConfigException(name, value, "at least one URI scheme is required");
            }
            for (final Object scheme : schemes) {
                if (!URI_SCHEME.matcher((String) scheme).matches()) {
                    throw new ConfigException(name, value, "'" + scheme + "' is not a URI scheme");
                }
            }
        }, () -> "list of URI schemes, e.g. file,https");
    }

    /** A possibly empty list of host names or IP addresses. */
    static ConfigDef.Validator hosts() {
        return ConfigDef.LambdaValidator.with((name, value) -> {
            final List<?> hosts = (List<?>) value;
            if (hosts == null) {
                throw new ConfigException(name, null, "must not be null");
            }
            for (final Object host : hosts) {
                if (!HOST.matcher((String) host).matches()) {
                    throw new ConfigException(name, value, "'" + host + "' is not a host name or IP address");
                }
            }
        }, () -> "list of host names (empty = any)");
    }

    /** A possibly empty list of file paths, none blank (whether they exist is checked where they are used). */
    static ConfigDef.Validator filePaths() {
        return ConfigDef.LambdaValidator.with((name, value) -> {
            final List<?> paths = (List<?>) value;
            if (paths == null) {
                throw new ConfigException(name, null, "must not be null");
            }
            for (final Object path : paths) {
                if (((String) path).isBlank()) {
                    throw new ConfigException(name, value, "a path must not be blank");
                }
            }
        }, () -> "list of paths of existing files (empty = none)");
    }

    private static void checkKafkaName(final String name, final Object value, final String text, final String what) {
        if (text == null || !KAFKA_NAME.matcher(text).matches() || text.equals(".") || text.equals("..")) {
            throw new ConfigException(name, value, "'" + text + "' is not " + what
                    + " (1 to 249 of [a-zA-Z0-9._-], not '.' or '..')");
        }
    }

    /**
     * {@code delegate}, except that null (the key not set) is accepted: for keys whose presence is
     * checked elsewhere because it depends on other keys. Documented as the delegate plus {@code note}.
     */
    static ConfigDef.Validator nullOr(final ConfigDef.Validator delegate, final String note) {
        return ConfigDef.LambdaValidator.with((name, value) -> {
            if (value != null) {
                delegate.ensureValid(name, value);
            }
        }, () -> delegate + note);
    }

    /** A possibly empty list of distinct pipeline names: 1 to 100 of {@code [A-Za-z0-9._-]} each. */
    static ConfigDef.Validator pipelineNames() {
        return ConfigDef.LambdaValidator.with((name, value) -> {
            final List<?> names = (List<?>) value;
            if (names == null) {
                throw new ConfigException(name, null, "must not be null");
            }
            final Set<Object> seen = new HashSet<>();
            for (final Object pipeline : names) {
                if (!PIPELINE_NAME.matcher((String) pipeline).matches()) {
                    throw new ConfigException(name, value, "'" + pipeline + "' is not a pipeline name (1 to 100 of "
                            + "[A-Za-z0-9._-])");
                }
                if (!seen.add(pipeline)) {
                    throw new ConfigException(name, value, "pipeline '" + pipeline + "' is listed twice");
                }
            }
        }, () -> "list of distinct names of 1 to 100 of [A-Za-z0-9._-] (empty = one pipeline)");
    }

    /**
     * The empty string, {@code disabled}, or a path the platform can parse. (A blank value never
     * gets here: the {@code ConfigDef} trims strings, so it reads as empty.)
     */
    static ConfigDef.Validator cacheDirectory(final String disabled) {
        return ConfigDef.LambdaValidator.with((name, value) -> {
            final String text = (String) value;
            if (text == null) {
                throw new ConfigException(name, null, "must not be null");
            }
            if (text.isEmpty() || text.equals(disabled)) {
                return;
            }
            try {
                Path.of(text);
            } catch (InvalidPathException e) {
                throw new ConfigException(name, value, "not a path: " + e.getMessage());
            }
        }, () -> "empty, " + disabled + ", or a directory path");
    }
}
