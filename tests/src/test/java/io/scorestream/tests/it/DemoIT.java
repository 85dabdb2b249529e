package io.scorestream.tests.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.scorestream.app.demo.Demo;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The demo, small: embedded broker, two trained model versions (the second also on aggregates of the
 * account's recent transactions), a live canary rollout and promotion through the {@code models}
 * command line, the scores written into PostgreSQL by the Kafka Connect JDBC sink, a summary that
 * accounts for every transaction, and a backtest in which the version with aggregates separates fraud
 * clearly better than the one without on the same events.
 */
class DemoIT {

    private static final long EVENTS = 3_000;
    /** How much higher the version with aggregates must score in the backtest: a clear margin. */
    private static final double MARGIN = 0.05;

    @Test
    @Timeout(value = 6, unit = TimeUnit.MINUTES)
    void demoScoresEveryTransactionOnceAcrossTheCanaryAndPromotionAndPrintsTheSummary() throws Exception {
        // given: the demo at 3 000 transactions, 1 500/s, 3 partitions, 256 / 5 ms batches, any free metrics port
        final Demo.Options options = new Demo.Options(EVENTS, 1_500, 3, 256, 5, 0, 42, Duration.ofSeconds(60));

        // when: it runs
        final ScoringItSupport.DemoRun run = ScoringItSupport.runDemo(options);
        final Demo.Summary s = run.summary();
        final String text = run.printed();

        // then: every transaction is accounted for, once
        final String summary = "summary " + s;
        assertEquals(EVENTS, s.produced(), summary);
        assertEquals(0, s.lost(), summary);
        assertEquals(0, s.duplicates(), summary);
        assertEquals(EVENTS, s.scored() + s.deadLettered(), summary);

        // and: the sink wrote one row per score into PostgreSQL, and the summary shows both and a query
        assertEquals(s.scored(), s.sinkRows(), summary);
        assertTrue(text.contains(String.format(Locale.ROOT, "rows in postgres %,d (table scores", s.sinkRows())),
                text);
        assertTrue(text.contains("== postgres: psql postgresql://postgres:postgres@127.0.0.1:"), text);
        assertTrue(text.contains(" | max_score | scores | flagged") && text.contains("(5 rows)"), text);

        // and: both versions scored (canary, then promoted), the model separates fraud, metrics were served
        assertEquals(List.of("1", "2"), List.copyOf(s.perVersion().keySet()), summary);
        assertTrue(s.perVersion().values().stream().allMatch(c -> c > 0), summary);
        assertEquals(s.scored(), s.perVersion().values().stream().mapToLong(Long::longValue).sum(), summary);
        assertTrue(s.auc() > 0.7, String.format(Locale.ROOT, "ROC AUC %.4f; %s", s.auc(), summary));
        assertTrue(s.metricsServed(), "metrics not served on port " + s.metricsPort());

        // and: the canary published with `scorestream models publish --candidate canary --percent 10`
        // scored about a tenth of the keys seen while it ran, and only keys of its share
        assertTrue(s.canaryScored() > 0, summary);
        assertEquals(0, s.canaryMisrouted(), summary);
        assertTrue(s.canaryKeyShare() > 0.04 && s.canaryKeyShare() < 0.18, "canary key share "
                + s.canaryKeyShare() + "; " + summary);
        assertTrue(text.contains("scorestream models publish --name fraud --version 2"), text);
        assertTrue(text.contains("--aggregate 'n_100ms=count() by account_id over 100ms bucket 10ms'"), text);
        assertTrue(text.contains("scorestream models promote --name fraud"), text);

        // and: the backtest replayed every event with both versions and wrote its report
        assertEquals(0, s.backtestExit(), text);
        assertTrue(s.backtestReport() != null && java.nio.file.Files.size(s.backtestReport()) > 0, summary);
        final String report = java.nio.file.Files.readString(s.backtestReport());
        assertTrue(report.contains("\"roc_auc\"") && report.contains("\"decision_agreement\""), report);
        assertTrue(text.contains("== backtest: scorestream replay"), text);

        // and: on the same events, the version with aggregates separates fraud clearly better, as the
        // report says and the demo prints
        final JsonNode versions = new ObjectMapper().readTree(report).path("versions");
        final Map<String, Double> auc = new TreeMap<>();
        for (JsonNode v : versions) {
            assertEquals(EVENTS, v.path("scored").asLong(), v.toString());
            auc.put(v.path("version").asText(), v.path("labels").path("roc_auc").asDouble());
        }
        final String figures = "backtest ROC AUC by version " + auc;
        assertEquals(auc, s.backtestAuc(), figures);
        assertTrue(auc.get("1") > 0.6, figures);
        assertTrue(auc.get("2") > auc.get("1") + MARGIN, figures);
        assertTrue(text.contains(String.format(Locale.ROOT, "v2  the fields + 4 aggregates:     %.4f",
                auc.get("2"))), text);
        java.nio.file.Files.deleteIfExists(s.backtestReport());

        // and: the printed summary says so
        assertTrue(text.contains("== scorestream demo summary =="), text);
        assertTrue(text.contains("lost             0"), text);
        assertTrue(text.contains("duplicates       0"), text);
        assertTrue(text.contains("events in        3,000"), text);
    }
}
