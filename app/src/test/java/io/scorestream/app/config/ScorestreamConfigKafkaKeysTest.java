package io.scorestream.app.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.LoggerFactory;

/** The {@code kafka.*} pass-through keys checked against the settings Kafka knows, and {@code kafka.config.unknown}. */
class ScorestreamConfigKafkaKeysTest {

    private static final Map<String, String> REQUIRED = Map.of(
            "bootstrap.servers", "localhost:9092",
            "input.topics", "features",
            "model.name", "fraud");

    private static final Map<String, String> REQUIRED_ENV = Map.of(
            "SCORESTREAM_BOOTSTRAP_SERVERS", "localhost:9092",
            "SCORESTREAM_INPUT_TOPICS", "features",
            "SCORESTREAM_MODEL_NAME", "fraud");

    private final ListAppender<ILoggingEvent> log = new ListAppender<>();
    private final Logger logger = (Logger) LoggerFactory.getLogger(ScorestreamConfig.class);

    @BeforeEach
    void captureLog() {
        log.start();
        logger.addAppender(log);
    }

    @AfterEach
    void releaseLog() {
        logger.detachAppender(log);
    }

    private static Map<String, Object> required(final String... keyValues) {
        final Map<String, Object> config = new HashMap<>(REQUIRED);
        for (int i = 0; i < keyValues.length; i += 2) {
            config.put(keyValues[i], keyValues[i + 1]);
        }
        return config;
    }

    private static Map<String, String> env(final String... variableValues) {
        final Map<String, String> env = new HashMap<>(REQUIRED_ENV);
        for (int i = 0; i < variableValues.length; i += 2) {
            env.put(variableValues[i], variableValues[i + 1]);
        }
        return env;
    }

    private List<String> warnings() {
        return log.list.stream().filter(e -> e.getLevel() == Level.WARN).map(ILoggingEvent::getFormattedMessage)
                .toList();
    }

    @Test
    void refusesAMisspeltSettingNamingItAndTheClosestKnownKey() {
        // when
        final ConfigException e = assertThrows(ConfigException.class,
                () -> ScorestreamConfig.of(required("kafka.linger.mss", "5")));

        // then
        assertEquals("Unknown configuration key 'kafka.linger.mss': Kafka's clients and Kafka Streams define no "
                + "setting 'linger.mss'; did you mean 'kafka.linger.ms'? (kafka.config.unknown=warn passes such "
                + "keys on)", e.getMessage());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '=', value = {
        "kafka.producer.linger.mss=kafka.producer.linger.ms",
        "kafka.main.consumer.max.poll.record=kafka.main.consumer.max.poll.records",
        "kafka.topic.retention.msx=kafka.topic.retention.ms",
        "kafka.acceptable.recovery.lags=kafka.acceptable.recovery.lag",
        "kafka.config.unknow=kafka.config.unknown"
    })
    void suggestsTheClosestKnownKeyPrefixedOrNot(final String key, final String closest) {
        final ConfigException e = assertThrows(ConfigException.class,
                () -> ScorestreamConfig.of(required(key, "1")));
        assertTrue(e.getMessage().contains("'" + key + "'"), e.getMessage());
        assertTrue(e.getMessage().contains("did you mean '" + closest + "'?"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"kafka.consumer.linger.ms", "kafka.schema.registry.url", "kafka.producer."})
    void refusesAnUnknownSettingWithoutASuggestionWhenNoneIsClose(final String key) {
        final ConfigException e = assertThrows(ConfigException.class,
                () -> ScorestreamConfig.of(required(key, "x")));
        assertTrue(e.getMessage().startsWith("Unknown configuration key '" + key + "'"), e.getMessage());
        assertFalse(e.getMessage().contains("did you mean"), e.getMessage());
        assertTrue(e.getMessage().contains("kafka.config.unknown=warn"), e.getMessage());
    }

    @Test
    void neverSuggestsAKeyOfTheKafkaStreamsGroupsOwnSettings() {
        // kafka.bootstrap.servers is refused for bootstrap.servers: suggesting it would only lead there
        final ConfigException e = assertThrows(ConfigException.class,
                () -> ScorestreamConfig.of(required("kafka.bootstrap.server", "b:9092")));
        assertFalse(e.getMessage().contains("did you mean 'kafka.bootstrap.servers'"), e.getMessage());
    }

    @Test
    void passesASettingOfEveryFamilyThrough() {
        // given
        final Map<String, String> settings = new HashMap<>();
        settings.put("linger.ms", "5");                          // producer
        settings.put("max.poll.records", "500");                 // consumer
        settings.put("bootstrap.controllers", "c:9093");          // admin client
        settings.put("acceptable.recovery.lag", "1000");         // Kafka Streams
        settings.put("producer.compression.type", "lz4");
        settings.put("consumer.fetch.min.bytes", "1");
        settings.put("main.consumer.max.poll.records", "1000");
        settings.put("restore.consumer.max.poll.records", "2000");
        settings.put("global.consumer.max.poll.records", "3000");
        settings.put("admin.request.timeout.ms", "30000");
        settings.put("topic.min.insync.replicas", "2");
        settings.put("config.providers", "file");
        settings.put("config.providers.file.class", "org.apache.kafka.common.config.provider.FileConfigProvider");
        settings.put("config.providers.file.param.allowed.paths", "/etc/scorestream");
        settings.put("metrics.context.env", "prod");
        settings.put("client.tag.zone", "eu-1");
        final Map<String, Object> config = new HashMap<>(REQUIRED);
        settings.forEach((setting, value) -> config.put(KafkaStreamsConfig.KAFKA_PREFIX + setting, value));

        // when
        final ScorestreamConfig read = ScorestreamConfig.of(config);

        // then
        assertEquals(settings, read.kafka().overrides());
        final Properties props = read.kafka().streamsProperties();
        settings.forEach((setting, value) -> assertEquals(value, props.get(setting), setting));
        assertEquals(List.of(), warnings());
    }

    @Test
    void acceptsEveryKafkaKeyThisRepositoryUses() {
        // the kafka.* keys of the tests, the ITs, the benchmark's --streams-overrides and the documentation
        final ScorestreamConfig config = ScorestreamConfig.of(required(
                "kafka.security.protocol", "SASL_SSL",
                "kafka.sasl.mechanism", "PLAIN",
                "kafka.sasl.jaas.config", "PlainLoginModule required;",
                "kafka.sasl.oauthbearer.client.credentials.client.secret", "s",
                "kafka.ssl.truststore.location", "/t.jks",
                "kafka.ssl.keystore.location", "/k.p12",
                "kafka.ssl.keystore.password", "p",
                "kafka.ssl.key.password", "p",
                "kafka.max.poll.records", "2000",
                "kafka.max.task.idle.ms", "0",
                "kafka.session.timeout.ms", "6000",
                "kafka.heartbeat.interval.ms", "1000",
                "kafka.acceptable.recovery.lag", "1",
                "kafka.linger.ms", "1"));
        assertEquals(14, config.kafka().overrides().size());
    }

    @Test
    void passesAnUnknownSettingOnAndLogsItOnceWhenToldToWarn() {
        // when
        final ScorestreamConfig config = ScorestreamConfig.of(required(
                "kafka.config.unknown", "warn", "kafka.linger.mss", "5", "kafka.linger.ms", "1"));

        // then the unknown setting reaches Kafka, the mode does not
        final Properties props = config.kafka().streamsProperties();
        assertEquals("5", props.get("linger.mss"));
        assertEquals("1", props.get("linger.ms"));
        assertEquals("5", config.kafka().clientProperties().get("linger.mss"));
        assertFalse(props.containsKey("config.unknown"));
        assertFalse(props.containsKey("kafka.config.unknown"));
        assertEquals(Map.of("linger.mss", "5", "linger.ms", "1"), config.kafka().overrides());
        assertEquals("warn", config.redacted().get("kafka.config.unknown"));
        // and one warning names it
        final List<String> warnings = warnings();
        assertEquals(1, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).contains("'kafka.linger.mss'"), warnings.get(0));
        assertTrue(warnings.get(0).contains("did you mean 'kafka.linger.ms'?"), warnings.get(0));
        assertTrue(warnings.get(0).contains("kafka.config.unknown=warn"), warnings.get(0));
    }

    @Test
    void stillRefusesAKeyOfOursSpeltAsAKafkaKeyWhenToldToWarn() {
        final ConfigException e = assertThrows(ConfigException.class, () -> ScorestreamConfig.of(required(
                "kafka.config.unknown", "warn", "kafka.application.id", "other")));
        assertTrue(e.getMessage().contains("'application.id' instead"), e.getMessage());
    }

    @Test
    void refusesAnUnknownSettingByDefaultAndWithError() {
        assertEquals("error", ScorestreamConfig.of(REQUIRED).redacted().get("kafka.config.unknown"));
        assertThrows(ConfigException.class, () -> ScorestreamConfig.of(required(
                "kafka.config.unknown", "error", "kafka.linger.mss", "5")));
        assertEquals(List.of(), warnings());
    }

    @Test
    void refusesAnInvalidModeNamingTheKeyAndWhereItWasSet() {
        final ConfigException e = assertThrows(ConfigException.class, () -> ScorestreamConfig.load(null,
                env("SCORESTREAM_KAFKA_CONFIG_UNKNOWN", "ignore"), Map.of()));
        assertTrue(e.getMessage().contains("kafka.config.unknown"), e.getMessage());
        assertTrue(e.getMessage().contains("environment variable SCORESTREAM_KAFKA_CONFIG_UNKNOWN"), e.getMessage());
    }

    @Test
    void checksEnvironmentVariablesTheSameWay() {
        // when
        final ConfigException e = assertThrows(ConfigException.class, () -> ScorestreamConfig.load(null,
                env("SCORESTREAM_KAFKA_LINGER_MSS", "5", "SCORESTREAM_KAFKA_MAX_POLL_RECORDS", "10"), Map.of()));

        // then
        assertEquals("Unknown configuration key 'kafka.linger.mss' (set in environment variable "
                + "SCORESTREAM_KAFKA_LINGER_MSS): Kafka's clients and Kafka Streams define no setting 'linger.mss'; "
                + "did you mean 'kafka.linger.ms' (SCORESTREAM_KAFKA_LINGER_MS)? (kafka.config.unknown=warn passes "
                + "such keys on)", e.getMessage());
    }

    @Test
    void passesAnUnknownEnvironmentVariableOnWhenTheEnvironmentSaysWarn() {
        // when
        final ScorestreamConfig config = ScorestreamConfig.load(null, env(
                "SCORESTREAM_KAFKA_CONFIG_UNKNOWN", "warn", "SCORESTREAM_KAFKA_LINGER_MSS", "5",
                "SCORESTREAM_KAFKA_MAX_POLL_RECORDS", "10"), Map.of());

        // then
        assertEquals(Map.of("linger.mss", "5", "max.poll.records", "10"), config.kafka().overrides());
        assertEquals(1, warnings().size(), warnings().toString());
        assertTrue(warnings().get(0).contains("environment variable SCORESTREAM_KAFKA_LINGER_MSS"),
                warnings().get(0));
    }
}
