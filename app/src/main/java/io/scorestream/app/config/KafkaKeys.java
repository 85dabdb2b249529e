package io.scorestream.app.config;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.streams.StreamsConfig;

/**
 * The settings Kafka defines, against which the {@value KafkaStreamsConfig#KAFKA_PREFIX}{@code *}
 * pass-through keys are checked (the argument of every method here is a setting, the key with that
 * prefix stripped). A setting is known when it is:
 * <ul>
 *   <li>a setting of a producer, consumer or admin client, or of Kafka Streams
 *       ({@link ProducerConfig#configNames()}, {@link ConsumerConfig#configNames()},
 *       {@link AdminClientConfig#configNames()}, {@link StreamsConfig#configDef()});</li>
 *   <li>one of these client settings behind the Kafka Streams prefix of its client:
 *       {@value StreamsConfig#PRODUCER_PREFIX} (producer), {@value StreamsConfig#CONSUMER_PREFIX},
 *       {@value StreamsConfig#MAIN_CONSUMER_PREFIX}, {@value StreamsConfig#RESTORE_CONSUMER_PREFIX},
 *       {@value StreamsConfig#GLOBAL_CONSUMER_PREFIX} (consumer), {@value StreamsConfig#ADMIN_CLIENT_PREFIX}
 *       (admin client);</li>
 *   <li>a topic setting behind {@value StreamsConfig#TOPIC_PREFIX} (the settings of Kafka Streams'
 *       internal topics): the {@code *_CONFIG} constants of {@link TopicConfig}, the clients'
 *       public list of topic settings;</li>
 *   <li>one whose name Kafka leaves open: {@code config.providers.<name>.class} and
 *       {@code config.providers.<name>.param.<param>} (config providers), {@code metrics.context.<label>}
 *       (labels for metrics reporters), also behind a client prefix; {@code client.tag.<tag>} (Kafka
 *       Streams' rack-aware assignment tags).</li>
 * </ul>
 * The {@code ssl.*}, {@code sasl.*} and {@code metrics.*} settings, {@code metric.reporters},
 * {@code client.dns.lookup}, {@code interceptor.classes} and {@code config.providers} are client
 * settings. Settings that only a plugin reads (a serde's, an interceptor's) are not known.
 *
 * <p>The names are read once, when this class is first used. Stateless otherwise; thread-safe.
 */
final class KafkaKeys {

    /** {@code config.providers.<name>.class} and {@code config.providers.<name>.param.<param>}. */
    private static final Pattern CONFIG_PROVIDER = Pattern.compile(
            Pattern.quote(AbstractConfig.CONFIG_PROVIDERS_CONFIG + ".") + "[^.]+(\\.class|\\.param\\..+)");
    private static final String METRICS_CONTEXT_PREFIX = CommonClientConfigs.METRICS_CONTEXT_PREFIX;
    private static final String CLIENT_TAG_PREFIX = StreamsConfig.CLIENT_TAG_PREFIX;

    /** The settings of any client or of Kafka Streams, unprefixed. */
    private static final Set<String> UNPREFIXED = unprefixed();
    /** The settings each Kafka Streams prefix takes, by prefix. */
    private static final Map<String, Set<String>> BY_PREFIX = byPrefix();
    /** Every known name: {@link #UNPREFIXED} and each prefix with its settings. */
    private static final Set<String> NAMES = names(UNPREFIXED, BY_PREFIX);

    private KafkaKeys() {
    }

    /** Whether {@code setting}, unprefixed, is a setting of Kafka Streams or of a producer, consumer or admin. */
    static boolean isClientOrStreamsSetting(final String setting) {
        return UNPREFIXED.contains(setting);
    }

    /** Whether Kafka knows {@code setting}, in one of the ways the class comment lists. */
    static boolean isKnown(final String setting) {
        if (UNPREFIXED.contains(setting) || isOpenClientSetting(setting) || isClientTag(setting)) {
            return true;
        }
        for (final Map.Entry<String, Set<String>> prefixed : BY_PREFIX.entrySet()) {
            final String prefix = prefixed.getKey();
            if (setting.startsWith(prefix)) {
                final String rest = setting.substring(prefix.length());
                return prefixed.getValue().contains(rest)
                        || (!StreamsConfig.TOPIC_PREFIX.equals(prefix) && isOpenClientSetting(rest));
            }
        }
        return false;
    }

    /**
     * Every known setting but the open-ended ones, prefixed ones included ({@code linger.ms},
     * {@code producer.linger.ms}, {@code topic.retention.ms}, ...): what a misspelt setting is
     * compared with. Sorted, unmodifiable.
     */
    static Set<String> names() {
        return NAMES;
    }

    private static boolean isOpenClientSetting(final String setting) {
        return CONFIG_PROVIDER.matcher(setting).matches()
                || (setting.startsWith(METRICS_CONTEXT_PREFIX) && setting.length() > METRICS_CONTEXT_PREFIX.length());
    }

    private static boolean isClientTag(final String setting) {
        return setting.startsWith(CLIENT_TAG_PREFIX) && setting.length() > CLIENT_TAG_PREFIX.length();
    }

    private static Set<String> unprefixed() {
        final Set<String> names = new TreeSet<>(ProducerConfig.configNames());
        names.addAll(ConsumerConfig.configNames());
        names.addAll(AdminClientConfig.configNames());
        names.addAll(StreamsConfig.configDef().names());
        return Collections.unmodifiableSet(names);
    }

    private static Map<String, Set<String>> byPrefix() {
        final Map<String, Set<String>> byPrefix = new LinkedHashMap<>();
        byPrefix.put(StreamsConfig.PRODUCER_PREFIX, ProducerConfig.configNames());
        byPrefix.put(StreamsConfig.CONSUMER_PREFIX, ConsumerConfig.configNames());
        byPrefix.put(StreamsConfig.MAIN_CONSUMER_PREFIX, ConsumerConfig.configNames());
        byPrefix.put(StreamsConfig.RESTORE_CONSUMER_PREFIX, ConsumerConfig.configNames());
        byPrefix.put(StreamsConfig.GLOBAL_CONSUMER_PREFIX, ConsumerConfig.configNames());
        byPrefix.put(StreamsConfig.ADMIN_CLIENT_PREFIX, AdminClientConfig.configNames());
        byPrefix.put(StreamsConfig.TOPIC_PREFIX, topicSettings());
        return Collections.unmodifiableMap(byPrefix);
    }

    /** The values of the {@code public static final String *_CONFIG} constants of {@link TopicConfig}. */
    static Set<String> topicSettings() {
        final Set<String> names = new TreeSet<>();
        for (final Field field : TopicConfig.class.getFields()) {
            final int modifiers = field.getModifiers();
            if (field.getName().endsWith("_CONFIG") && field.getType() == String.class
                    && Modifier.isStatic(modifiers) && Modifier.isFinal(modifiers)) {
                try {
                    names.add((String) field.get(null));
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException("Cannot read public constant TopicConfig." + field.getName(), e);
                }
            }
        }
        return Collections.unmodifiableSet(names);
    }

    private static Set<String> names(final Set<String> unprefixed, final Map<String, Set<String>> byPrefix) {
        final Set<String> names = new TreeSet<>(unprefixed);
        for (final Map.Entry<String, Set<String>> prefixed : byPrefix.entrySet()) {
            for (final String setting : prefixed.getValue()) {
                names.add(prefixed.getKey() + setting);
            }
        }
        return Collections.unmodifiableSet(names);
    }
}
