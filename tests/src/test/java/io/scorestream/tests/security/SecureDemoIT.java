package io.scorestream.tests.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scorestream.app.config.KafkaStreamsConfig;
import io.scorestream.app.config.ModelsConfig;
import io.scorestream.app.config.ScorestreamConfig;
import io.scorestream.app.config.TopicsConfig;
import io.scorestream.app.demo.Demo;
import io.scorestream.app.security.AclPlan;
import io.scorestream.app.security.AclRole;
import io.scorestream.app.stack.LocalStack;
import io.scorestream.app.stack.StackTopics;
import io.scorestream.tests.it.ScoringItSupport;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code demo --secure}, small: the demo on the secured broker, each client as its own principal
 * with only its ACLs, every model version signed with the run's key and signatures required. Every
 * transaction is scored once, the summary's security block names the principals with as many ACLs
 * as their plans hold, the signed versions went live, no secret of the run is printed or logged, and the
 * numbers are those of the plain demo with the same seed.
 */
class SecureDemoIT {

    private static final long EVENTS = 1_500;
    /** How far v2's backtest AUC may move between two runs (see the assertion). */
    private static final double V2_TOLERANCE = 0.01;

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void secureDemoScoresEveryEventOnceWithSignedModelsAndPrintsNoSecret() throws Exception {
        // given: the demo at 1 500 transactions, 1 500/s, 3 partitions, seed 42, with the sink
        final Demo.Options plain = new Demo.Options(EVENTS, 1_500, 3, 256, 5, 0, 42, Duration.ofSeconds(60), 0, false);
        final Demo.Options secure = new Demo.Options(EVENTS, 1_500, 3, 256, 5, 0, 42, Duration.ofSeconds(60), 0, true)
                .secured();

        // when: it runs secured, everything logged captured (Kafka's INFO included), and, for the
        // numbers, plain without the sink
        final SecuredItSupport.LogScan logs = new SecuredItSupport.LogScan().start();
        final ScoringItSupport.DemoRun run;
        try {
            run = ScoringItSupport.runDemo(secure);
        } finally {
            logs.stop();
        }
        final Demo.Summary s = run.summary();
        final String text = run.printed();
        final Demo.Summary p = ScoringItSupport.runDemo(plain).summary();

        // then: every transaction scored exactly once, the sink wrote a row per score
        final String summary = "summary " + s;
        assertEquals(EVENTS, s.produced(), summary);
        assertEquals(0, s.lost(), summary);
        assertEquals(0, s.duplicates(), summary);
        assertEquals(EVENTS, s.scored(), summary);
        assertEquals(s.scored(), s.sinkRows(), summary);

        // and: the security block: protocol, mechanism, each principal with as many ACLs as its plan
        final Demo.Security sec = s.security();
        assertNotNull(sec, summary);
        assertTrue(text.contains("security         SASL_SSL, SASL SCRAM-SHA-512; ACLs enforced"), text);
        final Map<String, Integer> planned = new TreeMap<>(Map.of(
                "User:scorer", AclPlan.of(demoConfig(), AclRole.SCORER).acls().size(),
                "User:publisher", AclPlan.of(demoConfig(), AclRole.MODELS).acls().size(),
                "User:connect", LocalStack.connectAcls("User:connect",
                        new StackTopics("transactions", "scores", "scores-dlq", "model-specs", 3)).size()));
        assertEquals(planned, new TreeMap<>(sec.aclsByPrincipal()), summary);
        for (Map.Entry<String, Integer> e : planned.entrySet()) {
            assertTrue(text.contains(String.format(Locale.ROOT, "  %-16s %2d ACLs", e.getKey(), e.getValue())), text);
        }

        // and: every model record is signed with the run's key, signatures were required, and both
        // signed versions went live and scored, none refused
        assertTrue(sec.signatureRequired(), summary);
        assertTrue(sec.modelRecords() >= 3, summary);
        assertEquals(sec.modelRecords(), sec.modelRecordsSigned(), summary);
        assertTrue(text.contains("model signatures Ed25519 key id " + sec.signingKeyId() + ", signature required"),
                text);
        assertEquals(3, text.split("signed: Ed25519, key id " + sec.signingKeyId(), -1).length - 1, text);
        assertEquals(List.of("1", "2"), List.copyOf(s.perVersion().keySet()), summary);
        assertTrue(s.perVersion().values().stream().allMatch(c -> c > 0), summary);
        assertNull(s.lastRefusal(), summary);

        // and: no password, no private key in what was printed or in the summary's text
        assertEquals(6, sec.secrets().size(), summary);
        for (String secret : sec.secrets()) {
            assertTrue(secret.length() >= 16, "a secret too short to look for");
            assertFalse(text.contains(secret), "a secret was printed");
            assertFalse(summary.contains(secret), "a secret is in the summary's text");
        }
        assertFalse(text.contains("postgres:postgres@"), text);
        assertTrue(logs.anyContains("sasl.jaas.config"), "Kafka's clients logged their configuration at INFO");
        logs.assertNoneOf(sec.secrets(), List.of());

        // and: the numbers are the plain demo's
        assertEquals(0, s.backtestExit(), text);
        assertEquals(List.of(p.produced(), p.scored(), p.lost(), p.duplicates()),
                List.of(s.produced(), s.scored(), s.lost(), s.duplicates()), "plain " + p + "; secure " + summary);
        assertEquals(2, s.backtestAuc().size(), summary);
        assertEquals(p.backtestAuc().keySet(), s.backtestAuc().keySet());
        // v1 sees the events' fields only, which the seed fixes: the same AUC. v2's aggregates count
        // events in 100 ms windows of wall-clock event times, which move a little in any two runs,
        // secured or not (two plain runs differ by ~1e-4 too): nearly the same, and still clearly better.
        final String figures = "backtest ROC AUC plain " + p.backtestAuc() + ", secure " + s.backtestAuc();
        assertEquals(p.backtestAuc().get("1"), s.backtestAuc().get("1"), 1e-9, figures);
        assertEquals(p.backtestAuc().get("2"), s.backtestAuc().get("2"), V2_TOLERANCE, figures);
        assertTrue(s.backtestAuc().get("2") > s.backtestAuc().get("1") + 0.05, figures);
        Files.deleteIfExists(s.backtestReport());
        Files.deleteIfExists(p.backtestReport());
    }

    /** The demo's topics and application id, as 'scorestream acls' would be given them. */
    private static ScorestreamConfig demoConfig() {
        return ScorestreamConfig.of(Map.of(
                KafkaStreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:9092",
                KafkaStreamsConfig.APPLICATION_ID_CONFIG, "scorestream-demo",
                TopicsConfig.INPUT_TOPICS_CONFIG, "transactions",
                TopicsConfig.OUTPUT_TOPIC_CONFIG, "scores",
                TopicsConfig.DEAD_LETTER_TOPIC_CONFIG, "scores-dlq",
                TopicsConfig.MODEL_TOPIC_CONFIG, "model-specs",
                ModelsConfig.MODEL_NAME_CONFIG, "fraud"));
    }
}
