package io.scorestream.app.config;

import java.util.Collections;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.config.types.Password;

/**
 * The values of one configuration, parsed and validated by its {@link org.apache.kafka.common.config.ConfigDef}
 * (each of its key's type; defaults filled in), with where each given value was set. The parts of
 * {@link ScorestreamConfig} read their keys from it. Immutable and thread-safe.
 */
final class ConfigValues {

    private final Map<String, Object> values;
    private final Map<String, String> sources;

    /**
     * @param parsed the result of {@code ConfigDef.parse}: every defined key, with its typed value
     * @param sources for a given key, where it was set ({@code properties file ...},
     *     {@code environment variable ...}, {@code command-line override}); absent when unknown
     */
    ConfigValues(final Map<String, Object> parsed, final Map<String, String> sources) {
        this.values = Collections.unmodifiableMap(parsed);
        this.sources = Map.copyOf(sources);
    }

    /** The value of {@code key} as parsed; {@code null} when its default is {@code null} and it was not given. */
    Object get(final String key) {
        return values.get(key);
    }

    String string(final String key) {
        return (String) values.get(key);
    }

    int integer(final String key) {
        return (Integer) values.get(key);
    }

    long longValue(final String key) {
        return (Long) values.get(key);
    }

    boolean bool(final String key) {
        return (Boolean) values.get(key);
    }

    /** The value of a {@code LIST} key, unmodifiable; {@code null} when it has none. */
    @SuppressWarnings("unchecked")
    List<String> list(final String key) {
        final List<String> list = (List<String>) values.get(key);
        return list == null ? null : List.copyOf(list);
    }

    /** The value of a {@code PASSWORD} key; {@code null} when it has none. */
    Password password(final String key) {
        return (Password) values.get(key);
    }

    /** {@code " (set in <source>)"} when it is known where {@code key} was set, else the empty string. */
    String where(final String key) {
        return KeyMessages.from(sources, key);
    }
}
