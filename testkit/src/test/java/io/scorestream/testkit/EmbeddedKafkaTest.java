package io.scorestream.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

import kafka.server.KafkaConfig;

import org.apache.kafka.metadata.authorizer.StandardAuthorizer;
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

    @Test
    void securedConfigurationHasOnlySaslSslListenersAndEnforcesAcls() {
        // when
        final Properties props = new BrokerSettings(Map.of(), true).toSecuredProperties(
                securedListeners(), 19092, 19094, 19093, Path.of("/tmp/embedded-kafka-test"));
        final KafkaConfig config = KafkaConfig.fromProps(props, false);

        // then
        assertEquals(1, config.nodeId());
        assertEquals("CLIENT:SASL_SSL,INTERNAL:SASL_SSL,CONTROLLER:SASL_SSL",
                props.getProperty("listener.security.protocol.map"));
        assertEquals("CLIENT://127.0.0.1:19092,INTERNAL://127.0.0.1:19094",
                props.getProperty("advertised.listeners"));
        assertEquals("INTERNAL", props.getProperty("inter.broker.listener.name"));
        assertEquals("org.apache.kafka.metadata.authorizer.StandardAuthorizer",
                props.getProperty("authorizer.class.name"));
        assertEquals("false", props.getProperty("allow.everyone.if.no.acl.found"));
        assertEquals("User:admin;User:broker", props.getProperty("super.users"));
        assertEquals("SCRAM-SHA-512,OAUTHBEARER",
                props.getProperty("listener.name.client.sasl.enabled.mechanisms"));
        assertEquals("PLAIN", props.getProperty("sasl.mechanism.controller.protocol"));
        assertEquals("PLAIN", props.getProperty("sasl.mechanism.inter.broker.protocol"));
        assertEquals("60000", props.getProperty("listener.name.client.oauthbearer.connections.max.reauth.ms"));
        assertEquals("http://127.0.0.1:1/jwks", props.getProperty("sasl.oauthbearer.jwks.endpoint.url"));
    }

    @Test
    void everyUnprefixedSecuredKeyIsAKnownBrokerOrAuthorizerSetting() {
        final Set<String> known = new HashSet<>(KafkaConfig.configDef().names());
        // The authorizer reads its own settings from the broker configuration.
        known.add(StandardAuthorizer.SUPER_USERS_CONFIG);
        known.add(StandardAuthorizer.ALLOW_EVERYONE_IF_NO_ACL_IS_FOUND_CONFIG);
        final Map<String, String> all = new HashMap<>(securedListeners().defaults());
        all.putAll(securedListeners().managed(1, 2, 3));
        for (final String key : all.keySet()) {
            if (!key.startsWith("listener.name.")) {
                assertTrue(known.contains(key), "unknown broker setting " + key);
            }
        }
    }

    @Test
    void securedBuildRejectsManagedSecurityKeysButLetsDefaultsBeTuned() {
        // a managed key is refused only when secured
        final IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> EmbeddedKafka.builder().secured().brokerProperty("super.users", "User:ANONYMOUS")
                        .build());
        assertTrue(error.getMessage().contains("super.users"), error.getMessage());
        EmbeddedKafka.builder().brokerProperty("super.users", "User:someone").build().close();

        // a default is tuned
        final Properties props = new BrokerSettings(Map.of("sasl.oauthbearer.clock.skew.seconds", "5"), true)
                .toSecuredProperties(securedListeners(), 1, 2, 3, Path.of("/tmp/embedded-kafka-test"));
        assertEquals("5", props.getProperty("sasl.oauthbearer.clock.skew.seconds"));
        assertThrows(IllegalArgumentException.class,
                () -> EmbeddedKafka.builder().secured().reauthentication(Duration.ofMillis(10)).build());
    }

    @Test
    void plainBrokerHasNoSecurity() {
        final EmbeddedKafka kafka = EmbeddedKafka.builder().build();
        assertFalse(kafka.isSecured());
        assertThrows(IllegalStateException.class, kafka::security);
        kafka.close();
    }

    private static SecuredListeners securedListeners() {
        return new SecuredListeners(Path.of("/tmp/t.p12"), Path.of("/tmp/k.p12"), "store", "internal",
                "http://127.0.0.1:1/jwks", "http://127.0.0.1:1", "aud", Duration.ofSeconds(60));
    }
}
