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
import io.scorestream.testkit.TestOAuthServer;
import io.scorestream.tests.it.ScoringItSupport;
import io.scorestream.tests.it.ScoringItSupport.ScoreReader;
import io.scorestream.tests.it.ScoringItSupport.TransactionFeed;
import io.scorestream.tests.security.SecuredItSupport.LogScan;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
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
 * The scoring application as an OAuth client (SASL/OAUTHBEARER over TLS, RS256 JWTs from an
 * in-process token endpoint, validated by the broker against its JWKS; the broker re-authenticates
 * every connection when its token expires): 20-second tokens refreshed during a 60-second run lose
 * and duplicate nothing; an expired token stops start-up naming the client. No secret or token is
 * logged.
 */
class OAuthScoringIT {

    private static final Logger LOG = LoggerFactory.getLogger(OAuthScoringIT.class);
    private static final String CLIENT = "scorer-oauth";
    private static final String SECRET = "oauth-secret-" + Long.toHexString(new Random().nextLong());
    private static final String EXPIRED_SECRET = "expired-secret-" + Long.toHexString(new Random().nextLong());
    private static final Duration TOKEN_LIFETIME = Duration.ofSeconds(20);
    private static final int RATE = 500;
    private static final int EVENTS = RATE * 60;

    private static EmbeddedKafka kafka;
    private static KafkaSecurity security;
    private static TestOAuthServer oauth;
    private static SchemaRegistryServer registry;
    private static InMemorySchemaRegistry schemas;
    private static LogScan logs;

    @TempDir
    Path dir;

    private ScoringApplication app;
    private KafkaProducer<String, Object> producer;

    @BeforeAll
    static void startSecuredBroker() {
        logs = new LogScan().start();
        kafka = SecuredItSupport.startBroker();
        security = kafka.security();
        oauth = security.oauthServer();
        schemas = new InMemorySchemaRegistry();
        registry = SchemaRegistryServer.start(schemas);
        oauth.registerClient(CLIENT, SECRET, TOKEN_LIFETIME);
        oauth.registerExpiredClient("scorer-expired", EXPIRED_SECRET);
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
        Utils.closeQuietly(registry, "schema registry");
        Utils.closeQuietly(kafka, "secured kafka");
        logs.stop();
        final int scanned = logs.assertNoneOf(List.of(SECRET, EXPIRED_SECRET, security.adminPassword(),
                security.certificates().password(), "eyJ"), List.of());
        LOG.info("RESULT oauth scoring: {} log events scanned, no secret and no JWT in any", scanned);
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void twentySecondTokensRefreshedDuringAMinuteOfScoringLoseAndDuplicateNothing() throws Exception {
        // given: the OAuth client User:scorer-oauth with the scorer's generated ACLs, 20-s tokens,
        // and model v1 published by the super user
        final Map<String, Object> settings = SecuredItSupport.settings(kafka, dir.resolve("state"), "oauth-scorer",
                security.oauthClientConfig(CLIENT, SECRET));
        security.createAcls(AclPlan.of(ScorestreamConfig.of(settings), AclRole.SCORER).bindings("User:" + CLIENT));
        assertEquals(0, SecuredItSupport.publish(kafka, registry.url(), dir, security.adminClientConfig(), "1")
                .code());

        // when: 30,000 events arrive at 500/s (a minute, three token lifetimes) while it scores
        producer = ScoringItSupport.producer(kafka.bootstrapServers(), schemas,
                SecuredItSupport.withoutBootstrap(security.adminClientConfig()));
        final int tokensBefore = oauth.tokensIssued(CLIENT);
        try (TransactionFeed feed = TransactionFeed.start(producer, EVENTS, RATE, 3)) {
            app = ScoringItSupport.startScoring(settings, schemas);
            feed.awaitAllAcked(Duration.ofSeconds(150));
        }

        // then: every event scored exactly once, and the client fetched new tokens along the way
        try (ScoreReader reader = new ScoreReader(kafka.bootstrapServers(), schemas,
                SecuredItSupport.withoutBootstrap(security.adminClientConfig()))) {
            reader.readUntilDistinct(EVENTS, Duration.ofMinutes(3), () -> assertTrue(app.failure() == null,
                    "the scorer failed: " + app.failure()), () -> true);
            reader.assertExactlyOnce(EVENTS);
        }
        final int tokens = oauth.tokensIssued(CLIENT) - tokensBefore;
        LOG.info("RESULT oauth scoring: {} events over a minute scored exactly once with {}-s tokens; {} tokens "
                + "issued to {}", EVENTS, TOKEN_LIFETIME.toSeconds(), tokens, CLIENT);
        assertTrue(tokens >= 3, "tokens issued during the run: " + tokens);
    }

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void anExpiredTokenStopsStartUpNamingTheClient() {
        // given: a client whose token endpoint only hands out expired tokens
        final ScorestreamConfig config = ScorestreamConfig.of(SecuredItSupport.settings(kafka,
                dir.resolve("state-expired"), "oauth-expired", security.oauthClientConfig("scorer-expired",
                        EXPIRED_SECRET)));

        // when: it starts
        final KafkaRefusedException refused = assertThrows(KafkaRefusedException.class,
                () -> app = ScoringApplication.start(config, schemas));

        // then: refused, naming the client and the broker, never the secret
        final String message = refused.getMessage();
        LOG.info("RESULT expired token refused: {}", message);
        assertTrue(message.contains("refused to authenticate OAuth client 'scorer-expired' (SASL_SSL, OAUTHBEARER)"),
                message);
        assertFalse(message.contains(EXPIRED_SECRET), message);
    }
}
