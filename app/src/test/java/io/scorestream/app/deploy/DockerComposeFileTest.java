package io.scorestream.app.deploy;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.scorestream.app.config.ScorestreamConfig;
import io.scorestream.connectors.avro.AvroConverter;
import io.scorestream.schemas.ScoreResult;

import org.apache.kafka.connect.runtime.SinkConnectorConfig;
import org.apache.kafka.connect.runtime.distributed.DistributedConfig;
import org.apache.kafka.connect.storage.StringConverter;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The deployment files at the repository root: {@code docker-compose.yml}, {@code Dockerfile},
 * {@code deploy/prometheus.yml}, {@code deploy/scorestream.properties}, and the Kafka Connect part:
 * {@code deploy/connect-worker.properties} and {@code deploy/scores-sink.json}.
 *
 * <p>No Docker engine is needed. When the {@code docker-compose} binary is on the PATH (Debian's
 * {@code docker-compose} package validates a file without an engine), {@code docker-compose config}
 * must accept the compose file; otherwise that one test is skipped. The other tests read the files as
 * text and always run.
 */
class DockerComposeFileTest {

    /** The services the deployment is made of (DESIGN.md). */
    private static final List<String> SERVICES = List.of("kafka", "kafka-init", "schema-registry", "scorestream",
            "prometheus", "postgres", "connect-plugin", "connect", "connect-init");
    private static final String MAIN_CLASS = "io.scorestream.app.cli.ScorestreamApp";
    private static final String CONFIG_IN_CONTAINER = "/app/config/scorestream.properties";
    private static final String JDBC_SINK_CLASS = "io.scorestream.connectors.jdbc.JdbcSinkConnector";
    private static final String SINK_CONNECTOR_NAME = "scores-to-postgres";
    /** Where the image carries the Connect plugin directory, for the connect-plugin service to copy. */
    private static final String PLUGIN_IN_IMAGE = "/app/connect-plugin";
    /** The order the Dockerfile's pre-fetch stage builds the modules in: each after what it depends on. */
    private static final List<String> PREFETCH_ORDER = List.of("schemas", "inference-processor", "topology",
            "connectors", "testkit", "app");
    private static final long CONFIG_TIMEOUT_SECONDS = 30;

    private static Path root;

    @TempDir
    Path tmp;

    @BeforeAll
    static void findRepositoryRoot() {
        Path dir = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        while (dir != null && !Files.isRegularFile(dir.resolve("docker-compose.yml"))) {
            dir = dir.getParent();
        }
        assertNotNull(dir, "no docker-compose.yml in " + System.getProperty("user.dir") + " or any parent");
        root = dir;
    }

    private static String read(final String relative) throws IOException {
        final Path file = root.resolve(relative);
        assertTrue(Files.isRegularFile(file), relative + " is missing at " + root);
        return Files.readString(file, StandardCharsets.UTF_8);
    }

    /** A key of the compose file's {@code services:} map, as both the file and the rendering indent it. */
    private static Pattern serviceKey(final String service) {
        return Pattern.compile("(?m)^ {2}" + Pattern.quote(service) + ":\\s*$");
    }

    /**
     * The lines of one service of {@code docker-compose.yml}: from its key to the next line indented
     * as little as a service key (the next service, its comment, or the next top-level key).
     */
    private static String service(final String compose, final String service) {
        final Matcher key = serviceKey(service).matcher(compose);
        assertTrue(key.find(), "docker-compose.yml has no service " + service);
        final Matcher next = Pattern.compile("(?m)^ {0,2}\\S").matcher(compose);
        final int end = next.find(key.end()) ? next.start() : compose.length();
        return compose.substring(key.start(), end);
    }

    /** The first group of {@code regex} in {@code text}, or a failure naming {@code what}. */
    private static String group(final String regex, final String text, final String what) {
        final Matcher m = Pattern.compile(regex, Pattern.MULTILINE).matcher(text);
        assertTrue(m.find(), what + " not found (/" + regex + "/) in:\n" + text);
        return m.group(1);
    }

    /** Whether a service waits for {@code dependency} to reach {@code condition}. */
    private static boolean dependsOn(final String serviceBlock, final String dependency, final String condition) {
        return Pattern.compile("(?m)^ {6}" + Pattern.quote(dependency) + ":\\s*\\n {8}condition: "
                + Pattern.quote(condition) + "\\s*$").matcher(serviceBlock).find();
    }

    /** The value of an environment entry {@code NAME: value} of a service. */
    private static String environment(final String serviceBlock, final String name) {
        return group("^\\s+" + Pattern.quote(name) + ":\\s*(\\S+)\\s*$", serviceBlock, "environment " + name);
    }

    private static Properties workerProperties() throws IOException {
        final Properties properties = new Properties();
        properties.load(new StringReader(read("deploy/connect-worker.properties")));
        return properties;
    }

    /** deploy/scores-sink.json as Connect's REST API takes it: a flat object of string values. */
    private static Map<String, String> sinkConfig() throws IOException {
        final Map<String, Object> json = new ObjectMapper().readValue(read("deploy/scores-sink.json"),
                new TypeReference<Map<String, Object>>() { });
        final Map<String, String> config = new HashMap<>();
        json.forEach((key, value) -> {
            assertTrue(value instanceof String, "Connect configuration values are strings; " + key + " is " + value);
            config.put(key, (String) value);
        });
        return config;
    }

    private static Optional<Path> onPath(final String binary) {
        final String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (final String dir : path.split(Pattern.quote(File.pathSeparator))) {
            if (dir.isEmpty()) {
                continue;
            }
            final Path candidate = Path.of(dir, binary);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    @Test
    void dockerComposeConfigAcceptsTheFile() throws Exception {
        final Optional<Path> binary = onPath("docker-compose");
        Assumptions.assumeTrue(binary.isPresent(), "docker-compose not installed");

        // when
        final Path output = tmp.resolve("config.out");
        final Process process = new ProcessBuilder(binary.get().toString(), "-f",
                root.resolve("docker-compose.yml").toString(), "config")
                .directory(root.toFile())
                .redirectErrorStream(true)
                .redirectOutput(output.toFile())
                .start();
        final boolean exited = process.waitFor(CONFIG_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        if (!exited) {
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            fail("docker-compose config did not finish within " + CONFIG_TIMEOUT_SECONDS + " s");
        }
        final String rendered = Files.readString(output, StandardCharsets.UTF_8);

        // then
        assertEquals(0, process.exitValue(), "docker-compose config rejected docker-compose.yml:\n" + rendered);
        for (final String service : SERVICES) {
            assertTrue(serviceKey(service).matcher(rendered).find(),
                    "rendered configuration has no service '" + service + "':\n" + rendered);
        }
    }

    @Test
    void composeFileNamesTheServicesAndRunsApacheKafkaAsASingleKraftNode() throws IOException {
        // when
        final String compose = read("docker-compose.yml");

        // then
        for (final String service : SERVICES) {
            assertTrue(serviceKey(service).matcher(compose).find(), "docker-compose.yml has no service " + service);
        }
        assertTrue(compose.contains("image: apache/kafka:"), "the broker is not the official apache/kafka image");
        assertTrue(compose.contains("KAFKA_PROCESS_ROLES: broker,controller"), "the broker is not a KRaft node");
        // One broker: with the default replication factor 3 of these internal topics, consumer groups and
        // Kafka Streams never leave REBALANCING (FIELD-NOTES.md).
        for (final String setting : List.of("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: 1",
                "KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: 1", "KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: 1")) {
            assertTrue(compose.contains(setting), "docker-compose.yml lacks " + setting);
        }
        assertTrue(compose.contains("./deploy/scorestream.properties:" + CONFIG_IN_CONTAINER + ":ro"),
                "the scorestream service does not mount deploy/scorestream.properties at " + CONFIG_IN_CONTAINER);
        assertTrue(compose.contains("./deploy/prometheus.yml:/etc/prometheus/prometheus.yml"),
                "the prometheus service does not mount deploy/prometheus.yml");
    }

    @Test
    void prometheusScrapesTheApplicationsMetricsPort() throws IOException {
        // when
        final String prometheus = read("deploy/prometheus.yml");

        // then
        assertTrue(prometheus.contains("scorestream:9464"), "deploy/prometheus.yml does not target scorestream:9464");
        assertTrue(prometheus.contains("/metrics"), "deploy/prometheus.yml does not scrape /metrics");
    }

    @Test
    void applicationConfigurationIsValidAndReachableFromTheOtherContainers() {
        // when: every key must be known and every value valid (this catches typos in key names)
        final ScorestreamConfig config = assertDoesNotThrow(() -> ScorestreamConfig.load(
                root.resolve("deploy/scorestream.properties"), Map.of(), Map.of()));

        // then
        assertEquals("kafka:9092", config.kafka().bootstrapServers());
        assertEquals(Optional.of("http://schema-registry:8081"), config.schemaRegistry().url());
        assertEquals(9464, config.metrics().port(), "Prometheus scrapes scorestream:9464");
        assertEquals("0.0.0.0", config.metrics().bindAddress(),
                "on the default 127.0.0.1 Prometheus cannot scrape the container");
    }

    @Test
    void dockerfileRunsTheCommandLineWithTheMountedConfiguration() throws Exception {
        // when
        final String dockerfile = read("Dockerfile");

        // then
        final String entrypoint = dockerfile.lines().filter(l -> l.startsWith("ENTRYPOINT")).findFirst()
                .orElseThrow(() -> new AssertionError("Dockerfile has no ENTRYPOINT"));
        assertTrue(entrypoint.contains(MAIN_CLASS), "ENTRYPOINT does not run " + MAIN_CLASS + ": " + entrypoint);
        assertNotNull(Class.forName(MAIN_CLASS));
        final String cmd = dockerfile.lines().filter(l -> l.startsWith("CMD")).reduce((a, b) -> b)
                .orElseThrow(() -> new AssertionError("Dockerfile has no CMD"));
        assertTrue(cmd.contains(CONFIG_IN_CONTAINER), "CMD does not read " + CONFIG_IN_CONTAINER + ": " + cmd);
        assertTrue(dockerfile.contains("EXPOSE 9464"), "Dockerfile does not expose the metrics port 9464");
    }

    @Test
    void postgresHoldsTheScoresDatabaseOnAVolumeAndReportsItsHealth() throws IOException {
        // when
        final String postgres = service(read("docker-compose.yml"), "postgres");

        // then
        assertEquals("postgres:16", group("^\\s+image:\\s*(\\S+)", postgres, "image"));
        assertEquals("scorestream", environment(postgres, "POSTGRES_DB"));
        assertEquals("scorestream", environment(postgres, "POSTGRES_USER"));
        group("^\\s+POSTGRES_PASSWORD:\\s*\\$\\{\\w+:-(\\S+)}", postgres,
                "a password from an environment variable with a demo default");
        assertTrue(postgres.contains("- postgres-data:/var/lib/postgresql/data"), "the database is not on a volume");
        assertTrue(postgres.contains("pg_isready"), "postgres has no pg_isready health check");
        assertTrue(postgres.contains("\"5432:5432\""), "port 5432 is not published");
    }

    @Test
    void connectRunsTheBrokersImageWithThePluginVolumeAtItsPluginPath() throws IOException {
        // given
        final String compose = read("docker-compose.yml");
        final String connect = service(compose, "connect");
        final String pluginCopy = service(compose, "connect-plugin");
        final Properties worker = workerProperties();

        // then: the stock Apache Kafka image, the same release as the broker
        final String image = group("^\\s+image:\\s*(\\S+)", connect, "image");
        assertTrue(image.startsWith("apache/kafka:"), "connect does not run the apache/kafka image: " + image);
        assertEquals(group("^\\s+image:\\s*(\\S+)", service(compose, "kafka"), "image"), image,
                "connect and the broker run different Kafka images");
        // the worker, with the mounted properties
        final String properties = group("/opt/kafka/bin/connect-distributed\\.sh\"?,?\\s*\"?([^\"\\s\\]]+)", connect,
                "connect-distributed.sh and its properties file");
        assertTrue(connect.contains("./deploy/connect-worker.properties:" + properties + ":ro"),
                "connect does not mount deploy/connect-worker.properties read-only at " + properties);
        // the plugin volume where the worker looks for plugins, filled from the image
        final String pluginPath = worker.getProperty("plugin.path");
        assertNotNull(pluginPath, "deploy/connect-worker.properties has no plugin.path");
        assertTrue(Pattern.compile("(?m)- connect-plugins:" + Pattern.quote(pluginPath) + "(:ro)?\\s*$")
                .matcher(connect).find(), "connect does not mount the connect-plugins volume at " + pluginPath);
        final String copyTarget = group("^\\s+- connect-plugins:(\\S+?)\\s*$", pluginCopy,
                "the connect-plugins volume");
        assertTrue(pluginCopy.contains("cp -R " + PLUGIN_IN_IMAGE + "/. " + copyTarget),
                "connect-plugin does not copy " + PLUGIN_IN_IMAGE + "/. into the volume at " + copyTarget);
        assertTrue(pluginCopy.contains("user: \"0:0\""), "connect-plugin cannot write the volume as the image's user");
        assertTrue(Pattern.compile("(?m)^volumes:\\n(?: {2}\\S.*\\n)*? {2}connect-plugins:").matcher(compose).find(),
                "the connect-plugins volume is not declared");
        // REST on 8083, published, and a health check the image can run (it has bash, not curl)
        assertEquals("8083", worker.getProperty("rest.advertised.port"));
        assertEquals("connect", worker.getProperty("rest.advertised.host.name"), "the service's host name");
        assertTrue(connect.contains("\"8083:8083\""), "the Connect REST port 8083 is not published");
        assertTrue(connect.contains("/dev/tcp/127.0.0.1/8083") && connect.contains("GET /health"),
                "the connect health check does not ask GET /health on port 8083");
        assertTrue(dependsOn(connect, "connect-plugin", "service_completed_successfully"),
                "connect may start before its plugin is in the volume");
    }

    @Test
    void workerPropertiesAreAValidDistributedWorkerConfigurationWithOurAvroConverter() throws IOException {
        // given
        final Properties worker = workerProperties();
        final Map<String, String> settings = new HashMap<>();
        worker.stringPropertyNames().forEach(k -> settings.put(k, worker.getProperty(k)));

        // when: Connect's own definition checks every value (types, valid strings such as plugin.discovery)
        assertDoesNotThrow(() -> new DistributedConfig(settings));

        // then
        assertEquals("kafka:9092", worker.getProperty("bootstrap.servers"));
        assertNotNull(worker.getProperty("group.id"), "no group.id");
        for (final String topic : List.of("config", "offset", "status")) {
            assertNotNull(worker.getProperty(topic + ".storage.topic"), "no " + topic + ".storage.topic");
            assertEquals("1", worker.getProperty(topic + ".storage.replication.factor"),
                    "one broker: " + topic + ".storage.replication.factor must be 1");
        }
        assertEquals("service_load", worker.getProperty("plugin.discovery"));
        assertEquals(StringConverter.class.getName(), worker.getProperty("key.converter"));
        assertEquals(AvroConverter.class.getName(), worker.getProperty("value.converter"));
        assertEquals("http://schema-registry:8081", worker.getProperty("value.converter.schema.registry.url"));
        assertEquals("10000", worker.getProperty("offset.flush.interval.ms"));
    }

    @Test
    void sinkConfigWritesTheScoresTopicIntoPostgresWithADeadLetterTopicKafkaInitCreates() throws IOException {
        // given
        final String compose = read("docker-compose.yml");
        final String postgres = service(compose, "postgres");
        final Map<String, String> sink = sinkConfig();

        // when: Connect's checks of any sink's configuration (types; topics; the DLQ not among them), with
        // the name the worker takes from the URL of the PUT
        final Map<String, String> named = new HashMap<>(sink);
        assertEquals(SINK_CONNECTOR_NAME, named.computeIfAbsent("name", n -> SINK_CONNECTOR_NAME));
        assertDoesNotThrow(() -> SinkConnectorConfig.configDef().parse(named));
        assertDoesNotThrow(() -> SinkConnectorConfig.validate(named));

        // then: our sink, reading what the application writes
        assertEquals(JDBC_SINK_CLASS, sink.get("connector.class"));
        final ScorestreamConfig app = ScorestreamConfig.load(root.resolve("deploy/scorestream.properties"),
                Map.of(), Map.of());
        assertEquals(app.topics().outputTopic(), sink.get("topics"), "the sink does not read the scores topic");
        assertEquals("scores", sink.get("topics"));
        assertEquals("3", sink.get("tasks.max"));
        // into the database of the postgres service, as its user
        assertEquals("jdbc:postgresql://postgres:5432/" + environment(postgres, "POSTGRES_DB"),
                sink.get("connection.url"));
        assertEquals(environment(postgres, "POSTGRES_USER"), sink.get("connection.user"));
        assertEquals(group("^\\s+POSTGRES_PASSWORD:\\s*\\$\\{\\w+:-(\\S+)}", postgres, "the demo password"),
                sink.get("connection.password"), "the sink's password is not the postgres service's default");
        // upserts keyed by fields every score has, so a redelivered score rewrites its row
        assertEquals("upsert", sink.get("insert.mode"));
        final String pkFields = sink.get("pk.fields");
        assertNotNull(pkFields, "no pk.fields");
        for (final String field : pkFields.split(",")) {
            assertNotNull(ScoreResult.getClassSchema().getField(field.trim()), "ScoreResult has no field " + field);
        }
        assertEquals("true", sink.get("auto.create"));
        assertEquals("true", sink.get("auto.evolve"));
        // nothing dropped: bad records go to a dead-letter topic, with their reason, that kafka-init creates
        assertEquals("all", sink.get("errors.tolerance"));
        final String dlq = sink.get("errors.deadletterqueue.topic.name");
        assertNotNull(dlq, "no dead-letter topic");
        assertEquals("1", sink.get("errors.deadletterqueue.topic.replication.factor"));
        assertEquals("true", sink.get("errors.deadletterqueue.context.headers.enable"));
        assertEquals("true", sink.get("errors.log.enable"));
        assertTrue(Pattern.compile("--create --if-not-exists --topic " + Pattern.quote(dlq) + "\\s")
                .matcher(service(compose, "kafka-init")).find(), "kafka-init does not create " + dlq);
    }

    @Test
    void connectInitPutsTheMountedSinkConfigurationToTheWorker() throws IOException {
        // when
        final String init = service(read("docker-compose.yml"), "connect-init");

        // then
        final String mounted = group("^\\s+- \\./deploy/scores-sink\\.json:(\\S+?):ro\\s*$", init,
                "the mount of deploy/scores-sink.json");
        assertTrue(init.contains("--data @" + mounted), "connect-init does not send " + mounted);
        assertTrue(init.contains("-X PUT"), "connect-init does not PUT (creating or updating) the configuration");
        assertTrue(init.contains("api=http://connect:8083")
                && init.contains("$$api/connectors/" + SINK_CONNECTOR_NAME + "/config"),
                "connect-init does not PUT to http://connect:8083/connectors/" + SINK_CONNECTOR_NAME + "/config");
        assertTrue(init.contains("-ge 60"), "connect-init waits for the REST API without a bound");
        for (final String dependency : List.of("connect", "postgres")) {
            assertTrue(dependsOn(init, dependency, "service_healthy"), "connect-init does not wait for " + dependency);
        }
    }

    @Test
    void dockerfilePrefetchesTheConnectorsPomAndCarriesTheConnectPlugin() throws IOException {
        // given
        final String dockerfile = read("Dockerfile");
        final String assembly = read("connectors/src/assembly/connect-plugin.xml");
        final String connectorsPom = read("connectors/pom.xml");

        // then: the pre-fetch stage builds every module the application needs, in dependency order
        assertTrue(dockerfile.contains("COPY connectors/pom.xml connectors/"),
                "the pre-fetch stage lacks connectors/pom.xml");
        int previous = -1;
        for (final String module : PREFETCH_ORDER) {
            final int at = dockerfile.indexOf("mvn -B -q -f " + module + "/pom.xml -DskipTests install");
            assertTrue(at > previous, "the pre-fetch stage does not install " + module + " in the order " + PREFETCH_ORDER);
            previous = at;
        }
        // the runtime image carries the plugin directory the connectors module assembles
        final String plugin = "connectors/target/" + group("<finalName>(\\S+)</finalName>", connectorsPom, "finalName")
                + "/" + group("<baseDirectory>(\\S+)</baseDirectory>", assembly, "baseDirectory");
        assertEquals("connectors/target/plugin/scorestream-connectors", plugin);
        assertTrue(Pattern.compile("(?m)^COPY --from=build /src/" + Pattern.quote(plugin) + "/? "
                + Pattern.quote(PLUGIN_IN_IMAGE + "/scorestream-connectors") + "/?$").matcher(dockerfile).find(),
                "the runtime image does not copy " + plugin + " to " + PLUGIN_IN_IMAGE + "/scorestream-connectors");
    }
}
