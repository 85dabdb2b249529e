package io.scorestream.app.config;

import java.util.Collection;
import java.util.Map;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.ConfigKey;
import org.apache.kafka.common.config.ConfigException;

/**
 * The checks and messages, shared by the parts of {@link ScorestreamConfig}, that name the key at
 * fault: where a value was set, a missing key, an unknown key with the closest defined one. Each
 * {@code sources} map gives, for a key, where it was set ({@code properties file ...},
 * {@code environment variable ...}, {@code command-line override}). Stateless and thread-safe.
 */
final class KeyMessages {

    private static final String FROM_ENVIRONMENT = "environment variable ";

    private KeyMessages() {
    }

    /** {@code " (set in <source>)"} when it is known where {@code key} was set, else the empty string. */
    static String from(final Map<String, String> sources, final String key) {
        final String source = sources.get(key);
        return source == null ? "" : " (set in " + source + ")";
    }

    /** Whether {@code key} was set by an environment variable. */
    static boolean fromEnvironment(final Map<String, String> sources, final String key) {
        final String source = sources.get(key);
        return source != null && source.startsWith(FROM_ENVIRONMENT);
    }

    /**
     * Parses and validates {@code value} as {@code def} defines {@code key}, alone, so that the
     * message can say where a bad value came from.
     *
     * @throws ConfigException naming the key, the value and, when known, where it was set
     */
    static void validate(final ConfigDef def, final String key, final Object value,
                         final Map<String, String> sources) {
        final ConfigKey k = def.configKeys().get(key);
        try {
            final Object parsed = ConfigDef.parseType(key, value, k.type);
            if (k.validator != null) {
                k.validator.ensureValid(key, parsed);
            }
        } catch (ConfigException e) {
            final String where = from(sources, key);
            throw where.isEmpty() ? e : new ConfigException(e.getMessage() + where);
        }
    }

    /** That {@code key} is required and missing, and how to set it. */
    static String missing(final String key) {
        final String env = ScorestreamConfig.envName(key);
        return "Missing required configuration \"" + key + "\" which has no default value (set " + key
                + " in the properties file, or " + (key.equals(ScorestreamConfig.keyOfEnv(env))
                ? env + " in the environment)"
                : "with --set; its pipeline's name cannot be spelled in an environment variable)");
    }

    /** {@code Unknown configuration key '<key>'}, and where it was set when known: the start of every such message. */
    static StringBuilder unknown(final String key, final Map<String, String> sources) {
        final StringBuilder msg = new StringBuilder("Unknown configuration key '").append(key).append('\'');
        final String source = sources.get(key);
        if (source != null) {
            msg.append(" (set in ").append(source).append(')');
        }
        return msg;
    }

    /**
     * Why {@code key}, neither defined nor a pipeline's nor {@value KafkaStreamsConfig#KAFKA_PREFIX}
     * {@code *}, is refused: with the closest of {@code candidates} when one is a few edits away,
     * otherwise, for a Kafka client setting, with its prefixed spelling.
     */
    static String unknownKey(final String key, final Map<String, String> sources,
                             final Collection<String> candidates) {
        final boolean fromEnv = fromEnvironment(sources, key);
        final StringBuilder msg = unknown(key, sources);
        final String closest = closestKey(key, candidates);
        if (closest != null) {
            suggest(msg, closest, fromEnv);
        } else if (KafkaStreamsConfig.isClientKey(key)) {
            final String prefixed = KafkaStreamsConfig.KAFKA_PREFIX + key;
            msg.append("; Kafka client settings take the prefix ").append(KafkaStreamsConfig.KAFKA_PREFIX)
                    .append(": '").append(prefixed).append('\'');
            if (fromEnv) {
                msg.append(" (").append(ScorestreamConfig.envName(prefixed)).append(')');
            }
        }
        return msg.toString();
    }

    /** Appends {@code ; did you mean '<closest>'?}, with its environment variable when {@code withEnv}. */
    static void suggest(final StringBuilder msg, final String closest, final boolean withEnv) {
        msg.append("; did you mean '").append(closest).append('\'');
        if (withEnv) {
            msg.append(" (").append(ScorestreamConfig.envName(closest)).append(')');
        }
        msg.append('?');
    }

    /**
     * The one of {@code candidates} nearest to {@code key}, if it is a few edits away (at most a
     * sixth of the key's length, and at least 2); otherwise null. Ties go to the alphabetically first.
     */
    static String closestKey(final String key, final Collection<String> candidates) {
        final int limit = Math.max(2, key.length() / 6);
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (final String candidate : candidates) {
            final int d = editDistance(key, candidate);
            if (d < bestDistance || (d == bestDistance && best != null && candidate.compareTo(best) < 0)) {
                best = candidate;
                bestDistance = d;
            }
        }
        return bestDistance <= limit ? best : null;
    }

    /** Levenshtein distance (insertions, deletions, substitutions). */
    static int editDistance(final String a, final String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                final int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
            }
            final int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }
}
