package io.scorestream.app.deploy;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import io.scorestream.app.config.ScorestreamConfig;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The deployment files at the repository root: {@code docker-compose.yml}, {@code Dockerfile},
 * {@code deploy/prometheus.yml} and {@code deploy/scorestream.properties}.
 *
 * <p>No Docker engine is needed. When the {@code docker-compose} binary is on the PATH (Debian's
 * {@code docker-compose} package validates a file without an engine), {@code docker-compose config}
 * must accept the compose file; otherwise that one test is skipped. The other tests read the files as
 * text and always run.
 */
class DockerComposeFileTest {

    /** The services the deployment is made of (DESIGN.md). */
    private static final List<String> SERVICES = List.of("kafka", "schema-registry", "scorestream", "prometheus");
    private static final String MAIN_CLASS = "io.scorestream.app.cli.ScorestreamApp";
    private static final String CONFIG_IN_CONTAINER = "/app/config/scorestream.properties";
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
}
