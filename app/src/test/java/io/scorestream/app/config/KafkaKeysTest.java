package io.scorestream.app.config;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;

import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Which settings {@link KafkaKeys} knows: the clients' and Kafka Streams', prefixed or not, and open-ended ones. */
class KafkaKeysTest {

    @ParameterizedTest
    @ValueSource(strings = {
        // producer, consumer, admin client, Kafka Streams
        "linger.ms", "max.poll.records", "bootstrap.controllers", "acceptable.recovery.lag", "max.task.idle.ms",
        // shared client settings: security, metrics, DNS, interceptors, config providers
        "security.protocol", "sasl.mechanism", "sasl.jaas.config", "sasl.login.callback.handler.class",
        "sasl.oauthbearer.client.credentials.client.secret", "ssl.truststore.location", "ssl.keystore.password",
        "ssl.key.password", "metric.reporters", "metrics.recording.level", "client.dns.lookup",
        "interceptor.classes", "config.providers",
        // behind a Kafka Streams prefix
        "producer.linger.ms", "consumer.max.poll.records", "main.consumer.max.poll.records",
        "restore.consumer.max.poll.records", "global.consumer.max.poll.records", "admin.request.timeout.ms",
        "topic.min.insync.replicas", "topic.retention.ms", "topic.cleanup.policy",
        // open-ended
        "config.providers.file.class", "config.providers.vault.param.address", "metrics.context.env",
        "producer.metrics.context.env", "client.tag.zone"
    })
    void knowsTheSettingsKafkaDefines(final String setting) {
        assertTrue(KafkaKeys.isKnown(setting), setting);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "linger.mss", "no.such.setting", "",
        // a prefix with another client's setting, or with nothing after it
        "consumer.linger.ms", "producer.max.poll.records", "admin.linger.ms", "topic.linger.ms", "producer.",
        "topic.", "main.consumer.",
        // open-ended names without their open part
        "config.providers.file.klass", "config.providers..class", "config.providers.file.param",
        "metrics.context.", "client.tag.", "topic.metrics.context.env"
    })
    void doesNotKnowOtherSettings(final String setting) {
        assertFalse(KafkaKeys.isKnown(setting), setting);
    }

    @Test
    void readsTopicSettingsFromTopicConfigConstants() {
        // when
        final Set<String> topic = KafkaKeys.topicSettings();

        // then
        assertTrue(topic.contains(TopicConfig.CLEANUP_POLICY_CONFIG), topic.toString());
        assertTrue(topic.contains(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG), topic.toString());
        assertTrue(topic.contains(TopicConfig.SEGMENT_BYTES_CONFIG), topic.toString());
        assertFalse(topic.contains(TopicConfig.CLEANUP_POLICY_COMPACT), "a value is no setting: " + topic);
    }

    @Test
    void namesEveryClientAndStreamsSettingPrefixedOrNot() {
        // when
        final Set<String> names = KafkaKeys.names();

        // then
        assertTrue(names.containsAll(ProducerConfig.configNames()));
        assertTrue(names.containsAll(ConsumerConfig.configNames()));
        assertTrue(names.containsAll(AdminClientConfig.configNames()));
        assertTrue(names.containsAll(StreamsConfig.configDef().names()));
        for (final String consumer : ConsumerConfig.configNames()) {
            assertTrue(names.contains(StreamsConfig.restoreConsumerPrefix(consumer)), consumer);
        }
        assertTrue(names.contains(StreamsConfig.producerPrefix(ProducerConfig.LINGER_MS_CONFIG)));
        assertTrue(names.contains(StreamsConfig.topicPrefix(TopicConfig.RETENTION_MS_CONFIG)));
        for (final String name : names) {
            assertTrue(KafkaKeys.isKnown(name), name);
        }
    }

    @Test
    void tellsUnprefixedClientAndStreamsSettingsApart() {
        assertTrue(KafkaKeys.isClientOrStreamsSetting("linger.ms"));
        assertTrue(KafkaKeys.isClientOrStreamsSetting("acceptable.recovery.lag"));
        assertFalse(KafkaKeys.isClientOrStreamsSetting("producer.linger.ms"));
        assertFalse(KafkaKeys.isClientOrStreamsSetting("config.providers.file.class"));
    }
}
