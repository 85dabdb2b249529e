package io.scorestream.app.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;

import io.scorestream.inference.Device;
import io.scorestream.inference.InferenceSettings;
import io.scorestream.inference.registry.ArtifactCache;
import io.scorestream.inference.registry.RegistrySettings;

import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ScorestreamConfigTest {

    private static final Map<String, String> REQUIRED = Map.of(
            "bootstrap.servers", "localhost:9092",
            "input.topics", "features",
            "model.name", "fraud");

    @TempDir
    Path dir;

    private static Map<String, Object> required(final Object... keyValues) {
        final Map<String, Object> config = new HashMap<>(REQUIRED);
        for (int i = 0; i < keyValues.length; i += 2) {
            config.put((String) keyValues[i], keyValues[i + 1]);
        }
        return config;
    }

    private Path propertiesFile(final String... lines) throws IOException {
        final Path file = dir.resolve("scorestream.properties");
        Files.writeString(file, String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
        return file;
    }

    @Test
    void appliesDocumentedDefaultsWhenOnlyRequiredKeysAreGiven() {
        // when
        final ScorestreamConfig config = ScorestreamConfig.of(REQUIRED);

        // then
        assertEquals("localhost:9092", config.kafka().bootstrapServers());
        assertEquals(List.of("features"), config.inputTopics());
        assertEquals("fraud", config.modelName());
        assertEquals("scorestream", config.kafka().applicationId());
        assertEquals("scores", config.topics().outputTopic());
        assertEquals("scores-dlq", config.topics().deadLetterTopic());
        assertEquals("model-specs", config.topics().modelTopic());
        assertEquals(Optional.empty(), config.topics().eventIdField());
        assertEquals(256, config.batching().maxRecords());
        assertEquals(5L, config.batching().maxWaitMs());
        assertEquals("exactly_once_v2", config.kafka().processingGuarantee());
        assertTrue(config.kafka().exactlyOnce());
        assertEquals(1, config.kafka().numStreamThreads());
        assertEquals(100L, config.kafka().commitIntervalMs());
        assertEquals(Optional.empty(), config.schemaRegistry().url());
        assertEquals(Optional.empty(), config.schemaRegistry().basicAuthUserInfo());
        assertEquals(Device.AUTO, config.inference().device());
        assertEquals(1, config.inference().settings().intraOpThreads());
        assertEquals(0, config.inference().settings().interOpThreads());
        assertEquals(InferenceSettings.OptimizationLevel.ALL, config.inference().settings().optimizationLevel());
        assertFalse(config.inference().settings().allowSpinning());
        assertEquals(60_000L, config.models().waitTimeoutMs());
        assertTrue(config.models().sha256Required());
        assertEquals(268_435_456L, config.models().artifactMaxBytes());
        assertEquals(30_000L, config.models().fetchTimeoutMs());
        assertEquals(64, config.models().warmupRows());
        assertEquals(List.of("file", "http", "https"), config.models().allowedSchemes());
        assertEquals(List.of(), config.models().allowedHosts());
        assertTrue(config.metrics().enabled());
        assertEquals(9464, config.metrics().port());
        assertEquals("127.0.0.1", config.metrics().bindAddress());
        assertEquals(Map.of(), config.kafka().overrides());
    }

    @Test
    void readsTypedValues() {
        // when
        final ScorestreamConfig config = ScorestreamConfig.of(required(
                "input.topics", "a, b ,c",
                "batch.max.records", "1024",
                "batch.max.wait.ms", "0",
                "inference.device", "CUDA:1",
                "inference.intra.op.threads", "4",
                "inference.optimization.level", "Basic",
                "inference.allow.spinning", "true",
                "model.artifact.allowed.hosts", "Models.Example.com",
                "event.id.field", "txn_id",
                "schema.registry.url", "https://registry.example.com:8081"));

        // then
        assertEquals(List.of("a", "b", "c"), config.inputTopics());
        assertEquals(1024, config.batching().maxRecords());
        assertEquals(0L, config.batching().maxWaitMs());
        assertEquals(Device.cuda(1), config.inference().device());
        assertEquals(Device.cuda(1), config.inference().settings().device());
        assertEquals(4, config.inference().settings().intraOpThreads());
        assertEquals(InferenceSettings.OptimizationLevel.BASIC, config.inference().settings().optimizationLevel());
        assertTrue(config.inference().settings().allowSpinning());
        assertEquals(List.of("models.example.com"), config.models().allowedHosts());
        assertEquals(Optional.of("txn_id"), config.topics().eventIdField());
        assertEquals(Optional.of("https://registry.example.com:8081"), config.schemaRegistry().url());
    }

    @Test
    void buildsModelRegistrySettingsFromTheModelKeys() {
        // when
        final RegistrySettings settings = ScorestreamConfig.of(required(
                "model.sha256.required", "false",
                "model.artifact.max.bytes", "1024",
                "model.fetch.timeout.ms", "1500",
                "model.warmup.rows", "8",
                "model.artifact.allowed.schemes", "HTTPS",
                "model.artifact.allowed.hosts", "models.example.com")).models().registrySettings();

        // then
        assertFalse(settings.requireSha256());
        assertEquals(1024L, settings.maxArtifactBytes());
        assertEquals(Duration.ofMillis(1500), settings.fetchTimeout());
        assertEquals(8, settings.warmUpRows());
        assertEquals(Set.of("https"), settings.allowedSchemes());
        assertEquals(Set.of("models.example.com"), settings.allowedHosts());
    }

    @Test
    void environmentOverridesFileAndCommandLineOverridesBoth() throws IOException {
        // given a value in all three layers, and one in the first two only
        final Path file = propertiesFile(
                "bootstrap.servers=file:9092",
                "input.topics=features",
                "model.name=fraud",
                "batch.max.records=10",
                "batch.max.wait.ms=7",
                "output.topic=from-file");
        final Map<String, String> env = Map.of(
                "SCORESTREAM_BATCH_MAX_RECORDS", "20",
                "SCORESTREAM_BATCH_MAX_WAIT_MS", "8",
                "PATH", "/usr/bin",
                "HOME", "/root");
        final Map<String, String> cli = Map.of("batch.max.records", "30");

        // when
        final ScorestreamConfig config = ScorestreamConfig.load(file, env, cli);

        // then
        assertEquals(30, config.batching().maxRecords());
        assertEquals(8L, config.batching().maxWaitMs());
        assertEquals("from-file", config.topics().outputTopic());
        assertEquals("file:9092", config.kafka().bootstrapServers());
    }

    @Test
    void readsThePropertiesFileAsUtf8() throws IOException {
        // given
        final Path file = propertiesFile("bootstrap.servers=b:9092", "input.topics=features",
                "model.name=détecteur-de-fraude");

        // when
        final ScorestreamConfig config = ScorestreamConfig.load(file, Map.of(), Map.of());

        // then
        assertEquals("détecteur-de-fraude", config.modelName());
    }

    @Test
    void mapsEnvironmentVariablesToKeys() {
        assertEquals("SCORESTREAM_BATCH_MAX_RECORDS", ScorestreamConfig.envName("batch.max.records"));
        assertEquals("batch.max.records", ScorestreamConfig.keyOfEnv("SCORESTREAM_BATCH_MAX_RECORDS"));
        assertEquals("kafka.security.protocol", ScorestreamConfig.keyOfEnv("SCORESTREAM_KAFKA_SECURITY_PROTOCOL"));

        // when only the environment is given
        final ScorestreamConfig config = ScorestreamConfig.load(null, Map.of(
                "SCORESTREAM_BOOTSTRAP_SERVERS", "env:9092",
                "SCORESTREAM_INPUT_TOPICS", "t1,t2",
                "SCORESTREAM_MODEL_NAME", "fraud",
                "SCORESTREAM_KAFKA_SECURITY_PROTOCOL", "SASL_SSL"), null);

        // then
        assertEquals("env:9092", config.kafka().bootstrapServers());
        assertEquals(List.of("t1", "t2"), config.inputTopics());
        assertEquals(Map.of("security.protocol", "SASL_SSL"), config.kafka().overrides());
    }

    @Test
    void rejectsUnknownKeyInFileNamingItAndTheClosestKey() throws IOException {
        // given
        final Path file = propertiesFile("bootstrap.servers=b:9092", "input.topics=features", "model.name=m",
                "batch.max.record=10");

        // when
        final ConfigException e = assertThrows(ConfigException.class,
                () -> ScorestreamConfig.load(file, Map.of(), Map.of()));

        // then
        assertTrue(e.getMessage().contains("'batch.max.record'"), e.getMessage());
        assertTrue(e.getMessage().contains("did you mean 'batch.max.records'?"), e.getMessage());
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    }

    @Test
    void rejectsUnknownEnvironmentVariableNamingIt() {
        // when
        final ConfigException e = assertThrows(ConfigException.class, () -> ScorestreamConfig.load(null,
                Map.of("SCORESTREAM_BOOTSTRAP_SERVERS", "b:9092", "SCORESTREAM_INPUT_TOPICS", "t",
                        "SCORESTREAM_MODEL_NAME", "m", "SCORESTREAM_BATCH_MAX_RECORD", "10"), Map.of()));

        // then
        assertTrue(e.getMessage().contains("SCORESTREAM_BATCH_MAX_RECORD)"), e.getMessage());
        assertTrue(e.getMessage().contains("SCORESTREAM_BATCH_MAX_RECORDS"), e.getMessage());
    }

    @Test
    void rejectsUnknownKeyInMapAndOnCommandLine() {
        final ConfigException fromMap = assertThrows(ConfigException.class,
                () -> ScorestreamConfig.of(required("no.such.setting.anywhere", "1")));
        assertTrue(fromMap.getMessage().contains("'no.such.setting.anywhere'"), fromMap.getMessage());
        assertFalse(fromMap.getMessage().contains("did you mean"), fromMap.getMessage());

        final ConfigException fromCli = assertThrows(ConfigException.class,
                () -> ScorestreamConfig.load(null, Map.of(), Map.of("bootstrap.servers", "b:1",
                        "input.topics", "t", "model.name", "m", "modle.name", "x")));
        assertTrue(fromCli.getMessage().contains("'modle.name' (set in command-line override)"),
                fromCli.getMessage());
        assertTrue(fromCli.getMessage().contains("did you mean 'model.name'?"), fromCli.getMessage());
    }

    @Test
    void suggestsThePrefixForAKafkaClientSettingWithoutIt() {
        final ConfigException e = assertThrows(ConfigException.class,
                () -> ScorestreamConfig.of(required("security.protocol", "SSL")));
        assertTrue(e.getMessage().contains("'kafka.security.protocol'"), e.getMessage());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '=', value = {
        "batch.max.records=0",
        "batch.max.records=65537",
        "batch.max.records=lots",
        "batch.max.wait.ms=-1",
        "inference.device=gpu",
        "inference.device=cuda:-1",
        "processing.guarantee=maybe",
        "processing.guarantee=exactly_once",
        "inference.optimization.level=max",
        "num.stream.threads=0",
        "metrics.port=70000",
        "metrics.enabled=perhaps",
        "model.artifact.max.bytes=0",
        "model.artifact.max.bytes=4294967296",
        "model.warmup.rows=0",
        "model.artifact.allowed.schemes=ht tp",
        "output.topic=no spaces",
        "input.topics=a,,b",
        "input.topics=a,a",
        "schema.registry.url=ftp://registry",
        "model.name=' '"
    })
    void rejectsInvalidValueNamingTheKey(final String key, final String value) {
        // when
        final ConfigException e = assertThrows(ConfigException.class,
                () -> ScorestreamConfig.of(required(key, value)));

        // then
        assertTrue(e.getMessage().contains(key), e.getMessage());
    }

    @Test
    void saysWhereAnInvalidValueWasSet() {
        final ConfigException e = assertThrows(ConfigException.class, () -> ScorestreamConfig.load(null,
                Map.of("SCORESTREAM_BATCH_MAX_RECORDS", "0"), REQUIRED));
        assertTrue(e.getMessage().contains("batch.max.records"), e.getMessage());
        assertTrue(e.getMessage().contains("environment variable SCORESTREAM_BATCH_MAX_RECORDS"), e.getMessage());
    }

    @Test
    void namesEveryMissingRequiredKey() {
        final ConfigException e = assertThrows(ConfigException.class,
                () -> ScorestreamConfig.of(Map.of("input.topics", "t")));
        assertTrue(e.getMessage().contains("\"bootstrap.servers\""), e.getMessage());
        assertTrue(e.getMessage().contains("\"model.name\""), e.getMessage());
        assertTrue(e.getMessage().contains("SCORESTREAM_MODEL_NAME"), e.getMessage());
        assertFalse(e.getMessage().contains("\"input.topics\""), e.getMessage());
    }

    @Test
    void rejectsATopicWithTwoRoles() {
        final ConfigException e = assertThrows(ConfigException.class,
                () -> ScorestreamConfig.of(required("input.topics", "features,scores")));
        assertTrue(e.getMessage().contains("output.topic"), e.getMessage());
        assertTrue(e.getMessage().contains("input.topics"), e.getMessage());

        assertThrows(ConfigException.class,
                () -> ScorestreamConfig.of(required("dead.letter.topic", "scores")));
    }

    @Test
    void passesKafkaPrefixedKeysToStreamsAndClients() {
        // given
        final ScorestreamConfig config = ScorestreamConfig.of(required(
                "kafka.security.protocol", "SASL_SSL",
                "kafka.ssl.truststore.location", "/etc/truststore.jks",
                "kafka.max.poll.records", "2000",
                "processing.guarantee", "at_least_once",
                "num.stream.threads", "3",
                "commit.interval.ms", "250",
                "state.dir", dir.toString()));

        // when
        final Properties props = config.kafka().streamsProperties();

        // then
        assertEquals(Map.of("security.protocol", "SASL_SSL", "ssl.truststore.location", "/etc/truststore.jks",
                "max.poll.records", "2000"), config.kafka().overrides());
        assertEquals("SASL_SSL", props.get("security.protocol"));
        assertEquals("2000", props.get("max.poll.records"));
        assertEquals("localhost:9092", props.get(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG));
        assertEquals("scorestream", props.get(StreamsConfig.APPLICATION_ID_CONFIG));
        assertEquals("at_least_once", props.get(StreamsConfig.PROCESSING_GUARANTEE_CONFIG));
        assertEquals(dir.toString(), props.get(StreamsConfig.STATE_DIR_CONFIG));
        assertFalse(props.containsKey(StreamsConfig.DEFAULT_KEY_SERDE_CLASS_CONFIG));
        final StreamsConfig streams = new StreamsConfig(props);
        assertEquals(3, streams.getInt(StreamsConfig.NUM_STREAM_THREADS_CONFIG));
        assertEquals(250L, streams.getLong(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG));
        assertEquals("SASL_SSL", config.kafka().clientProperties().get("security.protocol"));
        assertEquals("localhost:9092", config.kafka().clientProperties().get("bootstrap.servers"));
        assertEquals(StreamsConfig.MAX_TASK_IDLE_MS_DISABLED, streams.getLong(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG),
                "scores are independent: no idling to interleave partitions by timestamp");
    }

    @Test
    void kafkaMaxTaskIdleMsOverridesTheDefault() {
        final ScorestreamConfig config = ScorestreamConfig.of(required("kafka.max.task.idle.ms", "0"));
        assertEquals(0L, new StreamsConfig(config.kafka().streamsProperties())
                .getLong(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG));
    }

    @Test
    void rejectsKafkaPrefixedSpellingOfAFirstClassKey() {
        final ConfigException e = assertThrows(ConfigException.class,
                () -> ScorestreamConfig.of(required("kafka.bootstrap.servers", "other:9092")));
        assertTrue(e.getMessage().contains("'kafka.bootstrap.servers'"), e.getMessage());
        assertTrue(e.getMessage().contains("'bootstrap.servers' instead"), e.getMessage());
    }

    @Test
    void createsOneTemporaryStateDirWhenNoneIsConfigured() {
        final ScorestreamConfig config = ScorestreamConfig.of(REQUIRED);
        final Path stateDir = config.kafka().stateDir();
        try {
            assertTrue(Files.isDirectory(stateDir));
            assertSame(stateDir, config.kafka().stateDir());
            assertEquals(stateDir.toString(), config.kafka().streamsProperties().get(StreamsConfig.STATE_DIR_CONFIG));
        } finally {
            stateDir.toFile().delete();
        }
    }

    @Test
    void neverShowsSecretsInRedactedViewOrToString() {
        // given
        final ScorestreamConfig config = ScorestreamConfig.of(required(
                "schema.registry.basic.auth.user.info", "alice:s3cr3t-registry",
                "kafka.sasl.jaas.config", "PlainLoginModule required password=\"s3cr3t-jaas\";",
                "kafka.ssl.key.password", "s3cr3t-key",
                "kafka.ssl.keystore.password", "s3cr3t-store",
                "kafka.sasl.oauthbearer.client.credentials.client.secret", "s3cr3t-oauth",
                "kafka.security.protocol", "SASL_SSL"));

        // when
        final Map<String, String> redacted = config.redacted();
        final String text = config.toString();

        // then
        for (final String shown : List.of(text, redacted.toString())) {
            assertFalse(shown.contains("s3cr3t"), shown);
        }
        assertEquals("[hidden]", redacted.get("schema.registry.basic.auth.user.info"));
        assertEquals("[hidden]", redacted.get("kafka.sasl.jaas.config"));
        assertEquals("[hidden]", redacted.get("kafka.ssl.key.password"));
        assertEquals("SASL_SSL", redacted.get("kafka.security.protocol"));
        assertEquals("256", redacted.get("batch.max.records"));
        assertEquals("features", redacted.get("input.topics"));
        // the secrets themselves are still there for the clients
        assertEquals("alice:s3cr3t-registry", config.schemaRegistry().basicAuthUserInfo().orElseThrow().value());
        assertEquals("s3cr3t-key", config.kafka().overrides().get("ssl.key.password"));
    }

    @Test
    void neverShowsASecretInAnInvalidValueMessage() {
        // a password has no validator to fail, so the only way to leak is an unknown key's message
        final ConfigException e = assertThrows(ConfigException.class,
                () -> ScorestreamConfig.of(required("schema.registry.basic.auth.userinfo", "alice:s3cr3t")));
        assertFalse(e.getMessage().contains("s3cr3t"), e.getMessage());
        assertTrue(e.getMessage().contains("did you mean 'schema.registry.basic.auth.user.info'?"),
                e.getMessage());
    }

    @Test
    void documentsEveryKeyInAMarkdownTable() {
        // when
        final String doc = ScorestreamConfig.documentation();

        // then
        for (final String key : ScorestreamConfig.definedKeys()) {
            assertTrue(doc.contains("| `" + key + "` |"), "missing " + key);
        }
        assertTrue(doc.contains("| Key | Type | Default | Valid values | Importance | Description |"));
        assertTrue(doc.contains("| `batch.max.records` | int | `256` | [1,...,65536] | high |"), doc);
        assertTrue(doc.contains("| `bootstrap.servers` | string | *required* |"), doc);
        assertEquals(ScorestreamConfig.definedKeys().size(), ScorestreamConfig.configDef().names().size());
    }

    @Test
    void definesEveryKeyOfTheBrief() {
        final List<String> expected = List.of("bootstrap.servers", "application.id", "input.topics",
                "output.topic", "dead.letter.topic", "model.topic", "model.name", "event.id.field",
                "batch.max.records", "batch.max.wait.ms", "processing.guarantee", "num.stream.threads",
                "commit.interval.ms", "state.dir", "schema.registry.url", "schema.registry.basic.auth.user.info",
                "inference.device", "inference.intra.op.threads", "inference.inter.op.threads",
                "inference.optimization.level", "inference.allow.spinning", "inference.custom.op.libraries",
                "model.wait.timeout.ms", "model.wait.timeout.exit",
                "model.sha256.required", "model.artifact.max.bytes", "model.fetch.timeout.ms", "model.warmup.rows",
                "model.artifact.allowed.schemes", "model.artifact.allowed.hosts", "metrics.enabled",
                "metrics.port", "metrics.bind.address",
                // several pipelines, shadow scores, the artifact cache
                "pipelines", "shadow.topic", "model.cache.dir", "model.cache.max.bytes",
                // what an unknown kafka.* setting does
                "kafka.config.unknown",
                // the fleet status
                "status.topic", "status.interval.ms", "instance.id",
                // the aggregates' values with each score
                "score.features.emit", "repartition.by",
                // the schema registry over TLS and with a bearer token; the metrics endpoint's auth and TLS
                "schema.registry.bearer.auth.token", "schema.registry.ssl.truststore.location",
                "schema.registry.ssl.truststore.password", "schema.registry.ssl.truststore.type",
                "metrics.basic.auth.user.info", "metrics.ssl.keystore.location", "metrics.ssl.keystore.password",
                "metrics.ssl.keystore.type", "metrics.ssl.key.password",
                // signed model versions
                "model.trusted.keys", "model.signature.required",
                // features read straight from the events' bytes
                "score.decode.fast",
                // the scoring buffer flushed at the commit
                "batch.flush.at.commit", "batch.pipelined");
        assertEquals(Set.copyOf(expected), Set.copyOf(ScorestreamConfig.definedKeys()));
    }

    @Test
    void instanceIdDefaultsToHostAndProcessIdAndRefusesASlash() {
        // when nothing is set
        final FleetStatusConfig defaults = ScorestreamConfig.of(required()).fleetStatus();

        // then
        assertEquals("scorestream-status", defaults.statusTopic());
        assertEquals(10_000L, defaults.intervalMs());
        assertTrue(defaults.instanceId().endsWith("-" + ProcessHandle.current().pid()), defaults.instanceId());
        assertFalse(defaults.instanceId().contains("/"), defaults.instanceId());

        // when set
        final FleetStatusConfig set = ScorestreamConfig.of(required(FleetStatusConfig.INSTANCE_ID_CONFIG, "node-7",
                FleetStatusConfig.STATUS_INTERVAL_MS_CONFIG, "500")).fleetStatus();
        assertEquals("node-7", set.instanceId());
        assertEquals(500L, set.intervalMs());

        // and a key separator is refused, naming the key
        final ConfigException e = assertThrows(ConfigException.class, () -> ScorestreamConfig.of(
                required(FleetStatusConfig.INSTANCE_ID_CONFIG, "a/b")));
        assertTrue(e.getMessage().contains(FleetStatusConfig.INSTANCE_ID_CONFIG), e.getMessage());
    }

    @Test
    void suggestsOnlyNearbyKeys() {
        assertEquals("batch.max.records", KeyMessages.closestKey("batch.max.record", ScorestreamConfig.definedKeys()));
        assertEquals("metrics.port", KeyMessages.closestKey("metric.port", ScorestreamConfig.definedKeys()));
        assertNull(KeyMessages.closestKey("completely.different", ScorestreamConfig.definedKeys()));
        assertEquals(3, KeyMessages.editDistance("kitten", "sitting"));
    }

    @Test
    void namesAnUnreadableFile() {
        final Path missing = dir.resolve("missing.properties");
        final ConfigException e = assertThrows(ConfigException.class,
                () -> ScorestreamConfig.load(missing, Map.of(), Map.of()));
        assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
    }

    @Test
    void writesShadowScoresToOutputTopicShadowUnlessShadowTopicIsSet() {
        assertEquals("scores-shadow", ScorestreamConfig.of(REQUIRED).topics().shadowTopic());
        assertEquals("risk-shadow", ScorestreamConfig.of(required("output.topic", "risk")).topics().shadowTopic());
        final ScorestreamConfig config = ScorestreamConfig.of(required("shadow.topic", "challenger-scores"));
        assertEquals("challenger-scores", config.topics().shadowTopic());
        assertEquals("challenger-scores", config.topologySettings().firstPipeline().shadowTopic());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '=', value = {
        "shadow.topic=scores",
        "shadow.topic=features",
        "shadow.topic=scores-dlq",
        "shadow.topic=model-specs",
        "shadow.topic=no spaces",
        "input.topics=scores-shadow"
    })
    void rejectsAShadowTopicWithAnotherRoleNamingTheKey(final String key, final String value) {
        final ConfigException e = assertThrows(ConfigException.class,
                () -> ScorestreamConfig.of(required(key, value)));
        assertTrue(e.getMessage().contains("shadow.topic"), e.getMessage());
    }

    @Test
    void cachesArtifactsInTheTemporaryDirectoryByDefault() {
        // when
        final ScorestreamConfig config = ScorestreamConfig.of(REQUIRED);

        // then
        assertEquals(Optional.of(Path.of(System.getProperty("java.io.tmpdir"), "scorestream-artifacts")
                .toAbsolutePath().normalize()), config.models().cacheDir());
        assertEquals(2L * 1024 * 1024 * 1024, config.models().cacheMaxBytes());
    }

    @Test
    void createsTheArtifactCacheOnceInTheConfiguredDirectory() {
        // given
        final Path cacheDir = dir.resolve("cache").resolve("artifacts");
        final ScorestreamConfig config = ScorestreamConfig.of(required(
                "model.cache.dir", cacheDir.toString(),
                "model.cache.max.bytes", "1048576"));

        // when
        final ArtifactCache cache = config.models().artifactCache().orElseThrow();

        // then
        assertEquals(cacheDir.toAbsolutePath(), cache.directory());
        assertTrue(Files.isDirectory(cacheDir));
        assertSame(cache, config.models().artifactCache().orElseThrow());
        assertEquals(1_048_576L, config.models().cacheMaxBytes());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '=', value = {
        "model.cache.dir=none",
        "model.cache.max.bytes=0"
    })
    void disablesTheArtifactCache(final String key, final String value) {
        final ScorestreamConfig config = ScorestreamConfig.of(required(key, value));
        assertEquals(Optional.empty(), config.models().cacheDir());
        assertEquals(Optional.empty(), config.models().artifactCache());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '=', value = {
        "model.cache.max.bytes=-1",
        "model.cache.max.bytes=2GiB"
    })
    void rejectsAnInvalidCacheSettingNamingTheKey(final String key, final String value) {
        final ConfigException e = assertThrows(ConfigException.class,
                () -> ScorestreamConfig.of(required(key, value)));
        assertTrue(e.getMessage().contains(key), e.getMessage());
    }

    @Test
    void rejectsACacheDirectoryThatIsNoPath() {
        final ConfigException e = assertThrows(ConfigException.class,
                () -> ScorestreamConfig.of(required("model.cache.dir", "ca" + (char) 0 + "che")));
        assertTrue(e.getMessage().contains("model.cache.dir"), e.getMessage());
    }

    @Test
    void namesTheCacheDirectoryWhenItCannotBeCreated() throws IOException {
        // given: a regular file where the directory should be
        final Path file = Files.writeString(dir.resolve("not-a-directory"), "x", StandardCharsets.UTF_8);
        final ScorestreamConfig config = ScorestreamConfig.of(required("model.cache.dir",
                file.resolve("cache").toString()));

        // when
        final ConfigException e = assertThrows(ConfigException.class, () -> config.models().artifactCache());

        // then
        assertTrue(e.getMessage().contains("model.cache.dir"), e.getMessage());
    }
}
