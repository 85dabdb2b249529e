package io.scorestream.tests.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scorestream.app.ScoringApplication;
import io.scorestream.app.config.ScorestreamConfig;
import io.scorestream.app.security.AclPlan;
import io.scorestream.app.security.AclRole;
import io.scorestream.app.security.KafkaRefusedException;
import io.scorestream.schemas.registry.InMemorySchemaRegistry;
import io.scorestream.testkit.EmbeddedKafka;
import io.scorestream.testkit.KafkaSecurity;
import io.scorestream.testkit.SchemaRegistryServer;
import io.scorestream.tests.it.ScoringItSupport;
import io.scorestream.tests.it.ScoringItSupport.ScoreReader;
import io.scorestream.tests.it.ScoringItSupport.TransactionFeed;
import io.scorestream.tests.security.SecuredItSupport.LogScan;
import io.scorestream.tests.security.SecuredItSupport.Result;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
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
 * missing ACL or a wrong password stops start-up naming the principal (and the topic and operation);
 * the scorer's principal cannot publish a model. No password appears in anything logged (Kafka's
 * INFO logs included) or served on {@code /readyz} and {@code /metrics}.
 */
class SecuredScoringIT {

    private static final Logger LOG = LoggerFactory.getLogger(SecuredScoringIT.class);
    private static final int EVENTS = 20_000;
    private static final String SCORER_PASSWORD = "scorer-pw-" + Long.toHexString(new Random().nextLong());
    private static final String PUBLISHER_PASSWORD = "publisher-pw-" + Long.toHexString(new Random().nextLong());
    private static final String NO_MODELS_PASSWORD = "nomodels-pw-" + Long.toHexString(new Random().nextLong());
    private static final String WRONG_PASSWORD = "wrong-pw-" + Long.toHexString(new Random().nextLong());

    private static EmbeddedKafka kafka;
    private static KafkaSecurity security;
    private static SchemaRegistryServer registry;
    private static InMemorySchemaRegistry schemas;
    private static LogScan logs;
    /** What the scoring instance's /readyz and /metrics said, scanned with the logs. */
    private static final List<String> SERVED = new ArrayList<>();

    @TempDir
    Path dir;

    private ScoringApplication app;
    private KafkaProducer<String, Object> producer;

    @BeforeAll
    static void startSecuredBroker() {
        logs = new LogScan().start();
        kafka = SecuredItSupport.startBroker();
        security = kafka.security();
        schemas = new InMemorySchemaRegistry();
        registry = SchemaRegistryServer.start(schemas);
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
                NO_MODELS_PASSWORD, WRONG_PASSWORD));
        if (kafka != null) {
            secrets.add(security.certificates().password());
            secrets.add(security.adminPassword());
        }
        Utils.closeQuietly(registry, "schema registry");
        Utils.closeQuietly(kafka, "secured kafka");
        logs.stop();
        final int scanned = logs.assertNoneOf(secrets, SERVED);
        assertTrue(logs.anyContains("sasl.jaas.config"), "Kafka's clients logged their configuration at INFO");
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
        final Result published = SecuredItSupport.publish(kafka, registry.url(), dir,
                security.scramClientConfig("publisher", PUBLISHER_PASSWORD), "1");
        assertEquals(0, published.code(), published.err());
        producer = ScoringItSupport.producer(kafka.bootstrapServers(), schemas,
                SecuredItSupport.withoutBootstrap(security.adminClientConfig()));
        try (TransactionFeed feed = TransactionFeed.start(producer, EVENTS, 0, 7)) {
            app = ScoringItSupport.startScoring(scorer, schemas);
            feed.awaitAllAcked(Duration.ofSeconds(120));
        }

        // and: what its endpoints serve is kept for the secret scan
        for (String path : List.of("/readyz", "/metrics")) {
            final HttpResponse<String> served = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + app.metricsPort() + path)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, served.statusCode(), path + ": " + served.body());
            SERVED.add(served.body());
        }

        // then: every event scored exactly once, read back by the super user
        try (ScoreReader reader = new ScoreReader(kafka.bootstrapServers(), schemas,
                SecuredItSupport.withoutBootstrap(security.adminClientConfig()))) {
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
        assertTrue(message.contains("model specs"), message);
        assertFalse(message.contains(NO_MODELS_PASSWORD), message);
    }

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void aWrongPasswordStopsStartUpNamingTheUser() {
        // given: the scorer's configuration with a wrong password
        final ScorestreamConfig config = ScorestreamConfig.of(settings("sec-wrong", "scorer", WRONG_PASSWORD));

        // when: it starts
        final long start = System.nanoTime();
        final KafkaRefusedException refused = assertThrows(KafkaRefusedException.class,
                () -> app = ScoringApplication.start(config, schemas));

        // then: at once (no retrying until a timeout), naming the user and the broker, not the password
        final long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        final String message = refused.getMessage();
        LOG.info("RESULT wrong password refused in {} ms: {}", ms, message);
        assertTrue(message.contains("refused to authenticate User:scorer (SASL_SSL, SCRAM-SHA-512)"), message);
        assertTrue(message.contains(kafka.bootstrapServers()), message);
        assertFalse(message.contains(WRONG_PASSWORD), message);
        assertTrue(ms < 25_000, "took " + ms + " ms");
    }

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void theScorersPrincipalCannotPublishAModel() throws Exception {
        // given: the scorer's ACLs (READ on the model topic, no WRITE)
        final ScorestreamConfig config = ScorestreamConfig.of(settings("sec-scorer", "scorer", SCORER_PASSWORD));
        security.createAcls(AclPlan.of(config, AclRole.SCORER).bindings("User:scorer"));

        // when: it publishes a version
        final Result r = SecuredItSupport.publish(kafka, registry.url(), dir,
                security.scramClientConfig("scorer", SCORER_PASSWORD), "9");

        // then: refused, exit 1, naming principal, topic and the operation needed; no stack trace
        LOG.info("RESULT publish refused: {}", r.err().strip());
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains("User:scorer"), r.err());
        assertTrue(r.err().contains("'" + ScoringItSupport.MODELS + "'"), r.err());
        assertTrue(r.err().contains("WRITE"), r.err());
        assertFalse(r.err().contains("\tat "), r.err());
        assertFalse(r.err().contains(SCORER_PASSWORD), r.err());
    }

    private Map<String, Object> settings(String applicationId, String user, String password) {
        return SecuredItSupport.settings(kafka, dir.resolve("state-" + applicationId), applicationId,
                security.scramClientConfig(user, password));
    }
}
