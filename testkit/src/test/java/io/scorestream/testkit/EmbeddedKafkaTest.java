package io.scorestream.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

import kafka.server.KafkaConfig;

import org.junit.jupiter.api.Test;

/** In-memory checks of the embedded broker's configuration; no broker is started here. */
class EmbeddedKafkaTest {

    @Test
    void everySingleNodeDefaultIsAKnownBrokerSetting() {
        // given Kafka's own broker configuration definition
        final Set<String> known = KafkaConfig.configDef().names();

        // then no default is silently ignored as a typo
        for (final String key : BrokerSettings.SINGLE_NODE_DEFAULTS.keySet()) {
            assertTrue(known.contains(key), "unknown broker setting " + key);
        }
        for (final String key : BrokerSettings.RESERVED_KEYS) {
            assertTrue(known.contains(key), "unknown broker setting " + key);
        }
    }

    @Test
    void singleNodeConfigurationParsesWithReplicationFactorOne() {
        // when
        final Properties props = new BrokerSettings(Map.of())
                .toProperties(19092, 19093, Path.of("/tmp/embedded-kafka-test"));
        final KafkaConfig config = KafkaConfig.fromProps(props, false);

        // then
        assertEquals(1, config.nodeId());
        assertEquals("1", props.getProperty("offsets.topic.replication.factor"));
        assertEquals("1", props.getProperty("transaction.state.log.replication.factor"));
        assertEquals("1", props.getProperty("transaction.state.log.min.isr"));
        assertEquals("1", props.getProperty("share.coordinator.state.topic.replication.factor"));
        assertEquals("0", props.getProperty("group.initial.rebalance.delay.ms"));
        assertEquals("1@127.0.0.1:19093", props.getProperty("controller.quorum.voters"));
        assertEquals("PLAINTEXT://127.0.0.1:19092", props.getProperty("advertised.listeners"));
    }

    @Test
    void extraBrokerPropertiesOverrideTheDefaults() {
        // when
        final Properties props = new BrokerSettings(Map.of("offsets.topic.num.partitions", "1",
                "log.retention.ms", "60000"))
                .toProperties(19092, 19093, Path.of("/tmp/embedded-kafka-test"));

        // then
        assertEquals("1", props.getProperty("offsets.topic.num.partitions"));
        assertEquals("60000", props.getProperty("log.retention.ms"));
    }

    @Test
    void buildRejectsManagedBrokerProperties() {
        final IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> EmbeddedKafka.builder().brokerProperty("listeners", "PLAINTEXT://:9092").build());
        assertTrue(error.getMessage().contains("listeners"), error.getMessage());
    }

    @Test
    void buildRejectsInvalidBrokerValuesNamingTheKey() {
        final IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> EmbeddedKafka.builder().brokerProperty("num.io.threads", "many").build());
        assertTrue(error.getMessage().contains("num.io.threads"), error.getMessage());
    }

    @Test
    void buildRejectsBadPortAndTimeout() {
        assertThrows(IllegalArgumentException.class,
                () -> EmbeddedKafka.builder().brokerPort(70_000).build());
        assertThrows(IllegalArgumentException.class,
                () -> EmbeddedKafka.builder().timeout(Duration.ZERO).build());
    }

    @Test
    void unstartedInstanceHasNoAddressAndClosesQuietly() {
        // given
        final EmbeddedKafka kafka = EmbeddedKafka.builder().build();

        // then
        assertFalse(kafka.isRunning());
        assertThrows(IllegalStateException.class, kafka::bootstrapServers);
        assertThrows(IllegalStateException.class, kafka::admin);
        assertThrows(IllegalStateException.class, () -> kafka.createTopic("t", 1, Map.of()));
        assertThrows(IllegalStateException.class, kafka::restart);
        kafka.close();
        kafka.close();
        assertThrows(IllegalStateException.class, kafka::start);
    }
}
