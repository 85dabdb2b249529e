package io.scorestream.app.config;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.ConfigKey;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;

/**
 * Adds the keys of one group to a {@link ConfigDef}, numbering them within the group in the order
 * they are added, after the keys the group already has there; the documentation lists them in that
 * order. Used while one thread builds one definition; not thread-safe.
 */
final class ConfigGroup {

    private final ConfigDef def;
    private final String name;
    private int order;

    /**
     * @param def the definition the keys are added to
     * @param name the group, the heading of the keys' table in the documentation
     */
    ConfigGroup(final ConfigDef def, final String name) {
        this.def = def;
        this.name = name;
        for (final ConfigKey k : def.configKeys().values()) {
            if (name.equals(k.group)) {
                order = Math.max(order, k.orderInGroup);
            }
        }
    }

    /**
     * Defines {@code key} in this group, its display name being the key.
     *
     * @param defaultValue the default, or {@link ConfigDef#NO_DEFAULT_VALUE} for a required key
     * @param validator checks a value; {@code null} for none
     * @throws org.apache.kafka.common.config.ConfigException when {@code key} is already defined
     */
    ConfigGroup define(final String key, final Type type, final Object defaultValue,
                       final ConfigDef.Validator validator, final Importance importance, final String doc) {
        def.define(key, type, defaultValue, validator, importance, doc, name, ++order, ConfigDef.Width.MEDIUM, key);
        return this;
    }
}
