package io.scorestream.app.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
 * The {@code linger.ms} of Kafka Streams' producer, derived from the batch window unless the user sets
 * it: read back through Kafka Streams' own resolution ({@link StreamsConfig#getProducerConfigs}), so
 * that what is checked is what the producer gets.
 */
class ProducerLingerTest {

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

    private Map<String, Object> pipelines(final Object... keyValues) {
        final Map<String, Object> config = new HashMap<>(Map.of(
                "bootstrap.servers", "localhost:9092",
                "state.dir", dir.toString(),
                "pipelines", "fraud,credit,bulk",
                "pipeline.fraud.input.topics", "transactions",
                "pipeline.fraud.model.name", "fraud-mlp",
                "pipeline.credit.input.topics", "applications",
                "pipeline.credit.model.name", "credit-lr",
                "pipeline.bulk.input.topics", "history",
                "pipeline.bulk.model.name", "bulk-gbm"));
        for (int i = 0; i < keyValues.length; i += 2) {
            config.put((String) keyValues[i], keyValues[i + 1]);
        }
        return config;
    }

    /** The linger.ms Kafka Streams hands its producer for these properties (a value as given, or its default text). */
    private static long producerLinger(final Properties props) {
        return Long.parseLong(String.valueOf(
                new StreamsConfig(props).getProducerConfigs("test-producer").get(ProducerConfig.LINGER_MS_CONFIG)));
    }

    @Test
    void defaultWindowGivesTheProducerItsLingerInsteadOfKafkaStreamsHundred() {
        // given the defaults: batch.max.wait.ms=5, exactly_once_v2, no kafka.* key
        final ScorestreamConfig config = ScorestreamConfig.of(single());

        // when
        final Properties props = config.kafka().streamsProperties();

        // then
        assertEquals(5L, producerLinger(props));
        assertEquals(5L, producerLinger(config.kafka().streamsProperties("default")));
        final KafkaStreamsConfig.ProducerLinger linger = config.kafka().producerLinger("default");
        assertTrue(linger.derived());
        assertEquals("derived from batch.max.wait.ms=5", linger.origin());
        assertEquals(linger, config.kafka().producerLinger());
        assertFalse(config.kafka().overrides().containsKey("producer.linger.ms"),
                "a derived value is not an override the user gave");
    }

    @Test
    void withoutTheDerivationKafkaStreamsWouldLingerAHundredMilliseconds() {
        // given what Kafka Streams does with no linger.ms: the reason for the derivation, and its cap
        final Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "x");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "localhost:9092");

        // then
        assertEquals(KafkaStreamsConfig.STREAMS_PRODUCER_LINGER_MS, producerLinger(props));
    }

    @ParameterizedTest(name = "batch.max.wait.ms={0} -> linger.ms={1}")
    @CsvSource({"0, 0, false", "1, 1, false", "20, 20, false", "100, 100, false", "101, 100, true",
        "60000, 100, true"})
    void lingerIsTheWindowCappedAtKafkaStreamsDefault(final long window, final long expected, final boolean capped) {
        // given
        final ScorestreamConfig config = ScorestreamConfig.of(single("batch.max.wait.ms", Long.toString(window),
                "processing.guarantee", "at_least_once"));

        // then
        assertEquals(expected, producerLinger(config.kafka().streamsProperties()));
        assertEquals(expected, KafkaStreamsConfig.derivedLingerMs(window));
        assertEquals(capped, config.kafka().producerLinger().origin().endsWith(", capped at Kafka Streams' 100"),
                config.kafka().producerLinger().origin());
    }

    @Test
    void exactlyOnceKeepsTheDerivedLinger() {
        // given Kafka Streams' exactly-once producer overrides
        final ScorestreamConfig config = ScorestreamConfig.of(single("processing.guarantee", "exactly_once_v2",
                "batch.max.wait.ms", "12"));

        // then they leave linger.ms alone
        final Map<String, Object> producer = new StreamsConfig(config.kafka().streamsProperties())
                .getProducerConfigs("test-producer");
        assertEquals("12", String.valueOf(producer.get(ProducerConfig.LINGER_MS_CONFIG)));
        assertEquals(true, producer.get(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG));
    }

    @Test
    void explicitKafkaLingerMsWins() {
        // given
        final ScorestreamConfig config = ScorestreamConfig.of(single("kafka.linger.ms", "50"));

        // when
        final Properties props = config.kafka().streamsProperties("default");

        // then
        assertEquals(50L, producerLinger(props));
        assertFalse(props.containsKey("producer.linger.ms"));
        assertEquals(new KafkaStreamsConfig.ProducerLinger(50L, "kafka.linger.ms", null, 0L),
                config.kafka().producerLinger("default"));
        assertEquals("set by kafka.linger.ms", config.kafka().producerLinger().origin());
    }

    @Test
    void explicitZeroWinsOverALongWindow() {
        final ScorestreamConfig config = ScorestreamConfig.of(single("batch.max.wait.ms", "50",
                "kafka.linger.ms", "0"));
        assertEquals(0L, producerLinger(config.kafka().streamsProperties()));
    }

    @Test
    void explicitKafkaProducerLingerMsWins() {
        // given
        final ScorestreamConfig config = ScorestreamConfig.of(single("kafka.producer.linger.ms", "40"));

        // then
        assertEquals(40L, producerLinger(config.kafka().streamsProperties()));
        assertEquals("set by kafka.producer.linger.ms", config.kafka().producerLinger().origin());
    }

    @Test
    void producerPrefixedLingerWinsOverThePlainOneAsInKafkaStreams() {
        // given both spellings
        final ScorestreamConfig config = ScorestreamConfig.of(single("kafka.linger.ms", "1",
                "kafka.producer.linger.ms", "9"));

        // then the one Kafka Streams' producer gets is the one reported
        assertEquals(9L, producerLinger(config.kafka().streamsProperties()));
        assertEquals(9L, config.kafka().producerLinger().lingerMs());
        assertEquals("kafka.producer.linger.ms", config.kafka().producerLinger().explicitKey());
    }

    @Test
    void eachPipelineDerivesFromItsOwnWindow() {
        // given fraud with a window of its own, credit on the global window, bulk beyond the cap
        final ScorestreamConfig config = ScorestreamConfig.of(pipelines(
                "batch.max.wait.ms", "30",
                "pipeline.fraud.batch.max.wait.ms", "2",
                "pipeline.bulk.batch.max.wait.ms", "1000"));

        // then
        assertEquals(2L, producerLinger(config.kafka().streamsProperties("fraud")));
        assertEquals(30L, producerLinger(config.kafka().streamsProperties("credit")));
        assertEquals(100L, producerLinger(config.kafka().streamsProperties("bulk")));
        assertEquals(30L, producerLinger(config.kafka().streamsProperties()), "the global window");
        assertEquals("derived from pipeline.fraud.batch.max.wait.ms=2", config.kafka().producerLinger("fraud").origin());
        assertEquals("derived from pipeline.credit.batch.max.wait.ms=30",
                config.kafka().producerLinger("credit").origin());
        assertEquals("derived from pipeline.bulk.batch.max.wait.ms=1000, capped at Kafka Streams' 100",
                config.kafka().producerLinger("bulk").origin());
        assertEquals("scorestream-fraud",
                config.kafka().streamsProperties("fraud").get(StreamsConfig.APPLICATION_ID_CONFIG));
    }

    @Test
    void anExplicitLingerWinsForEveryPipeline() {
        final ScorestreamConfig config = ScorestreamConfig.of(pipelines(
                "pipeline.fraud.batch.max.wait.ms", "2", "kafka.producer.linger.ms", "7"));
        for (final String pipeline : new String[] {"fraud", "credit", "bulk"}) {
            assertEquals(7L, producerLinger(config.kafka().streamsProperties(pipeline)), pipeline);
            assertEquals("set by kafka.producer.linger.ms", config.kafka().producerLinger(pipeline).origin());
        }
    }

    @Test
    void anUnknownPipelineIsRefusedByName() {
        final ScorestreamConfig config = ScorestreamConfig.of(pipelines());
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> config.kafka().streamsProperties("frod"));
        assertTrue(e.getMessage().contains("'frod'") && e.getMessage().contains("[fraud, credit, bulk]"),
                e.getMessage());
    }

    @ParameterizedTest
    @CsvSource({"kafka.linger.ms, -1, Value must be at least 0", "kafka.linger.ms, soon, Not a number of type LONG",
        "kafka.producer.linger.ms, 2.5, Not a number of type LONG"})
    void aBadExplicitLingerStopsTheStartNamingTheKey(final String key, final String value, final String why) {
        final ConfigException e = assertThrows(ConfigException.class,
                () -> ScorestreamConfig.of(single(key, value)));
        assertTrue(e.getMessage().contains(key) && e.getMessage().contains(value) && e.getMessage().contains(why),
                e.getMessage());
    }

    @Test
    void aBadExplicitLingerFromTheEnvironmentNamesTheVariable() throws Exception {
        final Path file = Files.writeString(dir.resolve("scorestream.properties"),
                "bootstrap.servers=localhost:9092\ninput.topics=features\nmodel.name=fraud\n", StandardCharsets.UTF_8);
        final ConfigException e = assertThrows(ConfigException.class, () -> ScorestreamConfig.load(file,
                Map.of("SCORESTREAM_KAFKA_LINGER_MS", "-5"), Map.of()));
        assertTrue(e.getMessage().contains("kafka.linger.ms")
                && e.getMessage().contains("environment variable SCORESTREAM_KAFKA_LINGER_MS"), e.getMessage());
    }

    @Test
    void derivedLingerRefusesANegativeWindow() {
        assertThrows(IllegalArgumentException.class, () -> KafkaStreamsConfig.derivedLingerMs(-1));
    }

    @Test
    void effectiveSettingsShowEachPipelinesLingerAndWhereItComesFrom() {
        // given
        final ScorestreamConfig config = ScorestreamConfig.of(pipelines(
                "pipeline.fraud.batch.max.wait.ms", "2", "pipeline.bulk.batch.max.wait.ms", "0"));

        // when
        final String md = config.effectiveSettings();

        // then
        assertTrue(md.contains("| fraud | scorestream-fraud | 2 | derived from pipeline.fraud.batch.max.wait.ms=2 |"),
                md);
        assertTrue(md.contains("| credit | scorestream-credit | 5 | derived from pipeline.credit.batch.max.wait.ms=5 |"),
                md);
        assertTrue(md.contains("| bulk | scorestream-bulk | 0 | derived from pipeline.bulk.batch.max.wait.ms=0 |"), md);
        assertTrue(md.contains("every `commit.interval.ms` (100 ms)"), md);
    }

    @Test
    void effectiveSettingsShowAnExplicitLinger() {
        final String md = ScorestreamConfig.of(single("kafka.linger.ms", "25", "processing.guarantee",
                "at_least_once")).effectiveSettings();
        assertTrue(md.contains("| default | scorestream | 25 | set by kafka.linger.ms |"), md);
        assertTrue(md.contains("`processing.guarantee=at_least_once`"), md);
    }

    @Test
    void documentationOfTheWindowSaysItSetsTheLinger() {
        final String row = ScorestreamConfig.documentation().lines()
                .filter(l -> l.startsWith("| `batch.max.wait.ms` |")).findFirst().orElseThrow();
        assertTrue(row.contains("linger.ms") && row.contains("capped at Kafka Streams' own 100")
                && row.contains("kafka.producer.linger.ms"), row);
    }
}
