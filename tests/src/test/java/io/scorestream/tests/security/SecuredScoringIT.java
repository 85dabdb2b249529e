package io.scorestream.tests.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.read.ListAppender;
import io.scorestream.app.ScoringApplication;
import io.scorestream.app.cli.ScorestreamApp;
import io.scorestream.app.config.FleetStatusConfig;
import io.scorestream.app.config.KafkaStreamsConfig;
import io.scorestream.app.config.MetricsConfig;
import io.scorestream.app.config.ScorestreamConfig;
import io.scorestream.app.security.AclPlan;
import io.scorestream.app.security.AclRole;
import io.scorestream.app.security.KafkaRefusedException;
import io.scorestream.inference.training.SyntheticTransactions;
import io.scorestream.inference.onnx.LogisticRegression;
import io.scorestream.schemas.registry.InMemorySchemaRegistry;
import io.scorestream.testkit.EmbeddedKafka;
import io.scorestream.testkit.KafkaSecurity;
import io.scorestream.testkit.KafkaTopics;
import io.scorestream.testkit.SchemaRegistryServer;
import io.scorestream.tests.it.ScoringItSupport;
import io.scorestream.tests.it.ScoringItSupport.ScoreReader;
import io.scorestream.tests.it.ScoringItSupport.TransactionFeed;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The scoring application and the models command against a broker that asks for credentials and
 * enforces ACLs (SASL_SSL, SCRAM-SHA-512, {@code StandardAuthorizer} with no ACL = no access):
 * with only the ACLs {@code scorestream acls} generates, it scores every event exactly once; a
 * missing ACL stops start-up naming the principal, the topic and the operation; the scorer's
 * principal cannot publish a model. No password appears in anything logged.
 */
class SecuredScoringIT {

    private static final Logger LOG = LoggerFactory.getLogger(SecuredScoringIT.class);
    private static final int EVENTS = 20_000;
    private static final String SCORER_PASSWORD = "scorer-pw-" + Long.toHexString(new Random().nextLong());
    private static final String PUBLISHER_PASSWORD = "publisher-pw-" + Long.toHexString(new Random().nextLong());
    private static final String NO_MODELS_PASSWORD = "nomodels-pw-" + Long.toHexString(new Random().nextLong());
    private static final String STATUS = "scorestream-status";
    private static final List<String> SCANNED_AT_INFO = List.of("org.apache.kafka", "kafka");
    /** What the scoring instance's /readyz and /metrics said, scanned with the logs. */
    private static final List<String> SERVED = new ArrayList<>();

    private static EmbeddedKafka kafka;
    private static KafkaSecurity security;
    private static SchemaRegistryServer registry;
    private static InMemorySchemaRegistry schemas;
    private static ListAppender<ILoggingEvent> logged;

    @TempDir
    Path dir;

    private ScoringApplication app;
    private KafkaProducer<String, Object> producer;

    @BeforeAll
    static void startSecuredBroker() {
        // Everything our code and Kafka's log at INFO, where Kafka's clients print their whole
        // configuration, goes to the scan (and not to the console: it is thousands of lines)
        logged = new ListAppender<>();
        logged.start();
        root().addAppender(logged);
        for (String name : SCANNED_AT_INFO) {
            final ch.qos.logback.classic.Logger logger =
                    (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(name);
            logger.setLevel(ch.qos.logback.classic.Level.INFO);
            logger.setAdditive(false);
            logger.addAppender(logged);
        }
        kafka = EmbeddedKafka.builder().secured().start();
        security = kafka.security();
        schemas = new InMemorySchemaRegistry();
        registry = SchemaRegistryServer.start(schemas);
        ScoringItSupport.createTopics(kafka, 3);
        KafkaTopics.create(kafka.admin(), STATUS, 1, KafkaTopics.COMPACTED, EmbeddedKafka.DEFAULT_TIMEOUT);
        security.createScramUser("scorer", SCORER_PASSWORD);
        security.createScramUser("publisher", PUBLISHER_PASSWORD);
        security.createScramUser("nomodels", NO_MODELS_PASSWORD);
    }

    @AfterEach
    void closeApp() {
        Utils.closeQuietly(app, "scoring application");
        Utils.closeQuietly(producer, "producer");
        app = null;
        producer = null;
    }

    @AfterAll
    static void closeAndScanTheLogs() {
        final List<String> secrets = new ArrayList<>(List.of(SCORER_PASSWORD, PUBLISHER_PASSWORD,
                NO_MODELS_PASSWORD));
        if (kafka != null) {
            secrets.add(security.certificates().password());
            secrets.add(security.adminPassword());
        }
        Utils.closeQuietly(registry, "schema registry");
        Utils.closeQuietly(kafka, "secured kafka");
        root().detachAppender(logged);
        for (String name : SCANNED_AT_INFO) {
            final ch.qos.logback.classic.Logger logger =
                    (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(name);
            logger.detachAppender(logged);
            logger.setAdditive(true);
            logger.setLevel(null);
        }
        for (String body : SERVED) {
            for (String secret : secrets) {
                assertFalse(body.contains(secret), "a secret was served: " + body);
            }
        }
        int scanned = 0;
        for (ILoggingEvent event : logged.list) {
            final StringBuilder text = new StringBuilder(event.getFormattedMessage());
            for (IThrowableProxy t = event.getThrowableProxy(); t != null; t = t.getCause()) {
                text.append(' ').append(t.getMessage());
            }
            for (String secret : secrets) {
                assertFalse(text.toString().contains(secret), "a secret was logged: " + event);
            }
            scanned++;
        }
        assertTrue(logged.list.stream().anyMatch(e -> e.getFormattedMessage().contains("sasl.jaas.config")),
                "Kafka's clients logged their configuration at INFO, so the scan saw it");
        LOG.info("RESULT secured scoring: {} log events (INFO and above, Kafka's included) and {} endpoint "
                + "responses scanned, no secret in any", scanned, SERVED.size());
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void withOnlyItsGeneratedAclsTheScorerScoresEveryEventExactlyOnce() throws Exception {
        // given: the scorer's and the publisher's principals with exactly the ACLs 'scorestream acls'
        // plans for this configuration, and nothing else
        final Map<String, Object> scorer = settings("sec-scorer", "scorer", SCORER_PASSWORD);
        final ScorestreamConfig config = ScorestreamConfig.of(scorer);
        final List<AclBinding> scorerAcls = AclPlan.of(config, AclRole.SCORER).bindings("User:scorer");
        security.createAcls(scorerAcls);
        security.createAcls(AclPlan.of(config, AclRole.PUBLISHER).bindings("User:publisher"));

        // when: the publisher publishes v1 with 'scorestream models publish', events arrive, and the
        // scorer runs with its own credentials
        final Result published = publish("publisher", PUBLISHER_PASSWORD, "1");
        assertEquals(0, published.code(), published.err());
        producer = ScoringItSupport.producer(kafka.bootstrapServers(), schemas, adminClient());
        try (TransactionFeed feed = TransactionFeed.start(producer, EVENTS, 0, 7)) {
            app = ScoringItSupport.startScoring(scorer, schemas);
            feed.awaitAllAcked(Duration.ofSeconds(120));
        }

        // and: what its endpoints serve is kept for the secret scan
        for (String path : List.of("/readyz", "/metrics")) {
            final java.net.http.HttpResponse<String> served = java.net.http.HttpClient.newHttpClient().send(
                    java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + app.metricsPort()
                            + path)).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            assertEquals(200, served.statusCode(), path + ": " + served.body());
            SERVED.add(served.body());
        }

        // then: every event scored exactly once, read back by the super user
        try (ScoreReader reader = new ScoreReader(kafka.bootstrapServers(), schemas, adminClient())) {
            reader.readUntilDistinct(EVENTS, Duration.ofMinutes(3), () -> assertTrue(app.failure() == null,
                    "the scorer failed: " + app.failure()), () -> true);
            reader.assertExactlyOnce(EVENTS);
        }
        LOG.info("RESULT secured scoring: {} events scored exactly once by User:scorer with {} generated ACLs",
                EVENTS, scorerAcls.size());
    }

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void withoutReadOnTheModelTopicStartUpStopsNamingTheTopicAndTheOperation() {
        // given: a principal with every ACL of the plan but READ on the model topic
        final ScorestreamConfig config = ScorestreamConfig.of(settings("sec-nomodels", "nomodels",
                NO_MODELS_PASSWORD));
        final List<AclBinding> acls = new ArrayList<>();
        for (AclBinding b : AclPlan.of(config, AclRole.SCORER).bindings("User:nomodels")) {
            final boolean modelRead = b.pattern().resourceType() == ResourceType.TOPIC
                    && b.pattern().name().equals(ScoringItSupport.MODELS)
                    && b.entry().operation() == AclOperation.READ;
            if (!modelRead) {
                acls.add(b);
            }
        }
        assertEquals(AclPlan.of(config, AclRole.SCORER).acls().size() - 1, acls.size());
        security.createAcls(acls);

        // when: it starts
        final KafkaRefusedException refused = assertThrows(KafkaRefusedException.class,
                () -> app = ScoringApplication.start(config, schemas));

        // then: the message names the principal, the operation and the topic, and what it was for
        final String message = refused.getMessage();
        LOG.info("RESULT secured start-up refused: {}", message);
        assertTrue(message.contains("User:nomodels"), message);
        assertTrue(message.contains("READ on topic '" + ScoringItSupport.MODELS + "'"), message);
        assertTrue(message.contains("model"), message);
        assertFalse(message.contains(NO_MODELS_PASSWORD), message);
    }

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void theScorersPrincipalCannotPublishAModel() throws Exception {
        // given: the scorer's ACLs (READ on the model topic, no WRITE)
        final ScorestreamConfig config = ScorestreamConfig.of(settings("sec-scorer", "scorer", SCORER_PASSWORD));
        security.createAcls(AclPlan.of(config, AclRole.SCORER).bindings("User:scorer"));

        // when: it publishes a version
        final Result r = publish("scorer", SCORER_PASSWORD, "9");

        // then: refused, exit 1, naming principal, topic and the operation needed; no stack trace
        LOG.info("RESULT publish refused: {}", r.err().strip());
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains("User:scorer"), r.err());
        assertTrue(r.err().contains("'" + ScoringItSupport.MODELS + "'"), r.err());
        assertTrue(r.err().contains("WRITE"), r.err());
        assertFalse(r.err().contains("\tat "), r.err());
        assertFalse(r.err().contains(SCORER_PASSWORD), r.err());
    }

    // ----------------------------------------------------------------------------- helpers

    private static ch.qos.logback.classic.Logger root() {
        return (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME);
    }

    /** The super user's client settings (to produce events and read scores), without bootstrap servers. */
    private static Map<String, Object> adminClient() {
        final Map<String, Object> c = security.adminClientConfig();
        c.remove(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG);
        return c;
    }

    /** The standard IT settings, as principal {@code user}: every client setting under {@code kafka.}. */
    private Map<String, Object> settings(String applicationId, String user, String password) {
        final Map<String, Object> s = ScoringItSupport.appSettings(kafka.bootstrapServers(), applicationId,
                dir.resolve("state-" + applicationId));
        security.scramClientConfig(user, password).forEach((k, v) -> {
            if (!k.equals(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG)) {
                s.put(KafkaStreamsConfig.KAFKA_PREFIX + k, v);
            }
        });
        s.put(FleetStatusConfig.STATUS_TOPIC_CONFIG, STATUS);
        s.put(MetricsConfig.METRICS_ENABLED_CONFIG, true);
        s.put(MetricsConfig.METRICS_PORT_CONFIG, 0);
        s.put(KafkaStreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 200);
        return s;
    }

    private record Result(int code, String out, String err) {
    }

    /** {@code scorestream models publish} of the demo-shaped logistic regression, as {@code user}. */
    private Result publish(String user, String password, String version) throws IOException {
        final Path clientConfig = dir.resolve(user + "-client.properties");
        final Properties p = new Properties();
        security.scramClientConfig(user, password).forEach((k, v) -> {
            if (!k.equals(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG)) {
                p.setProperty(k, String.valueOf(v));
            }
        });
        try (Writer w = Files.newBufferedWriter(clientConfig)) {
            p.store(w, null);
        }
        final Random random = new Random(11);
        final float[] weights = new float[SyntheticTransactions.FEATURE_FIELDS.size()];
        for (int i = 0; i < weights.length; i++) {
            weights[i] = (float) random.nextGaussian() * 0.1f;
        }
        final Path onnx = dir.resolve("model-" + version + ".onnx");
        Files.write(onnx, new LogisticRegression(weights, 0f).toOnnx());
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final int code;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            code = ScorestreamApp.execute(new String[] {"models", "publish", "--bootstrap", kafka.bootstrapServers(),
                "--schema-registry", registry.url(), "--topic", ScoringItSupport.MODELS, "--client-config",
                clientConfig.toString(), "--name", ScoringItSupport.MODEL, "--version", version, "--onnx",
                onnx.toString()}, o, e);
        }
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
}
