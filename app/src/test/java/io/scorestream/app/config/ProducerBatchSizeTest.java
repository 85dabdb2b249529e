package io.scorestream.app.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;

import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The {@code batch.size} of Kafka Streams' producer: scorestream's larger default unless the user sets
 * it, read back through Kafka Streams' own resolution ({@link StreamsConfig#getProducerConfigs}), so
 * that what is checked is what the producer gets.
 */
class ProducerBatchSizeTest {

    @TempDir
    Path dir;

    private Map<String, Object> single(final Object... keyValues) {
        final Map<String, Object> config = new HashMap<>(Map.of(
                "bootstrap.servers", "localhost:9092",
                "input.topics", "features",
                "model.name", "fraud",
                "state.dir", dir.toString()));
        for (int i = 0; i < keyValues.length; i += 2) {
            config.put((String) keyValues[i], keyValues[i + 1]);
        }
        return config;
    }

    /** The batch.size Kafka Streams hands its producer for these properties, or null when it sets none. */
    private static Integer producerBatchSize(final Properties props) {
        final Object value = new StreamsConfig(props).getProducerConfigs("test-producer")
                .get(ProducerConfig.BATCH_SIZE_CONFIG);
        return value == null ? null : Integer.valueOf(String.valueOf(value));
    }

    @Test
    void withoutAnyKafkaKeyTheProducerGetsScorestreamsBatchSize() {
        // given the defaults, no kafka.* key
        final ScorestreamConfig config = ScorestreamConfig.of(single());

        // then
        assertEquals(131_072, producerBatchSize(config.kafka().streamsProperties()));
        assertEquals(131_072, producerBatchSize(config.kafka().streamsProperties("default")));
        final KafkaStreamsConfig.ProducerBatchSize size = config.kafka().producerBatchSize();
        assertTrue(size.derived());
        assertEquals("scorestream's default (Kafka's is 16384)", size.origin());
        assertFalse(config.kafka().overrides().containsKey("producer.batch.size"),
                "a derived value is not an override the user gave");
        assertFalse(config.kafka().clientProperties().containsKey("batch.size"),
                "plain clients (the dead-letter and admin clients) keep Kafka's own");
    }

    @Test
    void kafkaAndKafkaStreamsLeaveTheProducerAtSixteenKibibytes() {
        // given what Kafka does with no batch.size: the reason for scorestream's default
        final Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "x");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "localhost:9092");

        // then Kafka Streams sets none, and the producer's own default is the one the docs name
        assertNull(producerBatchSize(props));
        assertEquals(KafkaStreamsConfig.KAFKA_PRODUCER_BATCH_SIZE,
                ProducerConfig.configDef().defaultValues().get(ProducerConfig.BATCH_SIZE_CONFIG));
    }

    @Test
    void exactlyOnceKeepsIt() {
        final ScorestreamConfig config = ScorestreamConfig.of(single("processing.guarantee", "exactly_once_v2"));
        final Map<String, Object> producer = new StreamsConfig(config.kafka().streamsProperties())
                .getProducerConfigs("test-producer");
        assertEquals("131072", String.valueOf(producer.get(ProducerConfig.BATCH_SIZE_CONFIG)));
        assertEquals(true, producer.get(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG));
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource({"kafka.batch.size, 32768", "kafka.producer.batch.size, 65536", "kafka.batch.size, 0",
        "kafka.batch.size, 1048576"})
    void anExplicitBatchSizeWins(final String key, final int value) {
        // given
        final ScorestreamConfig config = ScorestreamConfig.of(single(key, Integer.toString(value)));

        // then
        assertEquals(value, producerBatchSize(config.kafka().streamsProperties()));
        assertEquals(new KafkaStreamsConfig.ProducerBatchSize(value, key, null), config.kafka().producerBatchSize());
        assertEquals("set by " + key, config.kafka().producerBatchSize().origin());
    }

    @Test
    void theProducerPrefixedBatchSizeWinsOverThePlainOneAsInKafkaStreams() {
        final ScorestreamConfig config = ScorestreamConfig.of(single("kafka.batch.size", "20000",
                "kafka.producer.batch.size", "40000"));
        assertEquals(40_000, producerBatchSize(config.kafka().streamsProperties()));
        assertEquals(40_000, config.kafka().producerBatchSize().bytes());
        assertEquals("kafka.producer.batch.size", config.kafka().producerBatchSize().explicitKey());
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource({"kafka.max.request.size, 65536, 65536", "kafka.producer.max.request.size, 100000, 100000",
        "kafka.max.request.size, 2097152, 131072"})
    void aSmallerMaxRequestSizeCapsTheDefault(final String key, final int maxRequest, final int expected) {
        // given
        final ScorestreamConfig config = ScorestreamConfig.of(single(key, Integer.toString(maxRequest)));

        // then
        final KafkaStreamsConfig.ProducerBatchSize size = config.kafka().producerBatchSize();
        assertEquals(expected, producerBatchSize(config.kafka().streamsProperties()));
        assertEquals(expected, size.bytes());
        assertTrue(size.derived());
        assertEquals(expected < 131_072 ? "scorestream's default 131072, capped at " + key
                : "scorestream's default (Kafka's is 16384)", size.origin());
    }

    @Test
    void anExplicitBatchSizeIsNotCapped() {
        // given the user's own choice, even above the request size (Kafka's producer allows it)
        final ScorestreamConfig config = ScorestreamConfig.of(single("kafka.max.request.size", "65536",
                "kafka.batch.size", "200000"));
        assertEquals(200_000, producerBatchSize(config.kafka().streamsProperties()));
    }

    @Test
    void everyPipelineGetsIt() {
        final ScorestreamConfig config = ScorestreamConfig.of(Map.of(
                "bootstrap.servers", "localhost:9092",
                "state.dir", dir.toString(),
                "pipelines", "fraud,credit",
                "pipeline.fraud.input.topics", "transactions",
                "pipeline.fraud.model.name", "fraud-mlp",
                "pipeline.credit.input.topics", "applications",
                "pipeline.credit.model.name", "credit-lr",
                "pipeline.credit.batch.max.wait.ms", "50"));
        assertEquals(131_072, producerBatchSize(config.kafka().streamsProperties("fraud")));
        assertEquals(131_072, producerBatchSize(config.kafka().streamsProperties("credit")));
    }

    @ParameterizedTest
    @CsvSource({"kafka.batch.size, -1, Value must be at least 0", "kafka.batch.size, big, Not a number of type INT",
        "kafka.producer.batch.size, 2.5, Not a number of type INT",
        "kafka.batch.size, 4294967296, Not a number of type INT",
        "kafka.max.request.size, -3, Value must be at least 0",
        "kafka.producer.max.request.size, lots, Not a number of type INT"})
    void aBadValueStopsTheStartNamingTheKey(final String key, final String value, final String why) {
        final ConfigException e = assertThrows(ConfigException.class,
                () -> ScorestreamConfig.of(single(key, value)));
        assertTrue(e.getMessage().contains(key) && e.getMessage().contains(value) && e.getMessage().contains(why),
                e.getMessage());
    }

    @Test
    void aBadValueFromTheEnvironmentNamesTheVariable() throws Exception {
        final Path file = Files.writeString(dir.resolve("scorestream.properties"),
                "bootstrap.servers=localhost:9092\ninput.topics=features\nmodel.name=fraud\n", StandardCharsets.UTF_8);
        final ConfigException e = assertThrows(ConfigException.class, () -> ScorestreamConfig.load(file,
                Map.of("SCORESTREAM_KAFKA_BATCH_SIZE", "-5"), Map.of()));
        assertTrue(e.getMessage().contains("kafka.batch.size")
                && e.getMessage().contains("environment variable SCORESTREAM_KAFKA_BATCH_SIZE"), e.getMessage());
    }

    @Test
    void effectiveSettingsShowTheBatchSizeAndWhereItComesFrom() {
        assertTrue(ScorestreamConfig.of(single()).effectiveSettings().contains(
                "Producer `batch.size` of every pipeline: 131072 bytes, scorestream's default (Kafka's is 16384)."));
        assertTrue(ScorestreamConfig.of(single("kafka.producer.batch.size", "8192")).effectiveSettings().contains(
                "Producer `batch.size` of every pipeline: 8192 bytes, set by kafka.producer.batch.size."));
    }
}
