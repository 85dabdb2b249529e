package io.scorestream.tests.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.Counter;
import io.scorestream.app.ScoringApplication;
import io.scorestream.app.cli.ScorestreamApp;
import io.scorestream.app.config.KafkaStreamsConfig;
import io.scorestream.app.config.MetricsConfig;
import io.scorestream.app.config.TopicsConfig;
import io.scorestream.app.demo.DemoModels;
import io.scorestream.app.metrics.ScoringMetrics;
import io.scorestream.schemas.registry.InMemorySchemaRegistry;
import io.scorestream.testkit.EmbeddedKafka;
import io.scorestream.testkit.KafkaSecurity;
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
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The scoring application with only the ACLs {@code scorestream acls} generates for it, on a real
 * broker whose {@code StandardAuthorizer} enforces them: it scores every event exactly once, under
 * exactly_once_v2, with a repartition (so its internal topics, transactions, group and purges all
 * happen under those ACLs), on the secured test broker (SASL_SSL, SCRAM): set-up and checks run as
 * the super user, the application as {@code User:scorer}, and {@code scorestream acls --apply}
 * creates the ACLs as the super user ({@code --command-config}).
 */
class AclsEnforcedIT {

    private static final int EVENTS = 20_000;
    private static final String APPLICATION_ID = "acl-scorer";

    @TempDir
    Path dir;

    private EmbeddedKafka kafka;
    private KafkaProducer<String, Object> producer;
    private ScoringApplication app;
    private ScoreReader scores;

    @AfterEach
    void closeEverything() {
        Utils.closeQuietly(scores, "score reader");
        Utils.closeQuietly(app, "scoring application");
        Utils.closeQuietly(producer, "producer");
        Utils.closeQuietly(kafka, "broker");
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void theScorerScoresEveryEventExactlyOnceWithOnlyItsGeneratedAcls() throws Exception {
        // given: as a super user, the topics, model version 1 and 20 000 transactions
        kafka = SecuredItSupport.startBroker();
        final KafkaSecurity security = kafka.security();
        final Map<String, Object> admin = SecuredItSupport.withoutBootstrap(security.adminClientConfig());
        final String password = "scorer-" + Long.toHexString(new java.util.Random().nextLong());
        security.createScramUser("scorer", password);
        final InMemorySchemaRegistry schemas = new InMemorySchemaRegistry();
        producer = ScoringItSupport.producer(kafka.bootstrapServers(), schemas, admin);
        ScoringItSupport.publish(producer, DemoModels.trainedSpec(ScoringItSupport.MODEL, 1, 42));
        try (TransactionFeed feed = TransactionFeed.start(producer, EVENTS, 0, 7)) {
            feed.awaitAllAcked(Duration.ofSeconds(60));
        }
        producer.close();
        producer = null;

        // and: the scorer's configuration, and its ACLs applied by 'scorestream acls'
        final Map<String, Object> settings = SecuredItSupport.settings(kafka, dir.resolve("state"), APPLICATION_ID,
                security.scramClientConfig("scorer", password));
        settings.put(KafkaStreamsConfig.PROCESSING_GUARANTEE_CONFIG, "exactly_once_v2");
        settings.put(TopicsConfig.REPARTITION_BY_CONFIG, "account_id");
        settings.put(MetricsConfig.METRICS_ENABLED_CONFIG, "false");
        // Purge consumed repartition records often (default 30 s), so that this short run does it.
        settings.put("kafka.repartition.purge.interval.ms", "200");
        final Path config = dir.resolve("scorer.properties");
        final Properties props = new Properties();
        settings.forEach((k, v) -> props.setProperty(k, v.toString()));
        try (Writer w = Files.newBufferedWriter(config, StandardCharsets.UTF_8)) {
            props.store(w, null);
        }
        final Path adminConfig = dir.resolve("admin.properties");
        final Properties adminProps = new Properties();
        admin.forEach((k, v) -> adminProps.setProperty(k, v.toString()));
        try (Writer w = Files.newBufferedWriter(adminConfig, StandardCharsets.UTF_8)) {
            adminProps.store(w, null);
        }
        assertEquals(0, cli("acls", "--principal", "User:scorer", "--config", config.toString(), "--apply",
                "--command-config", adminConfig.toString()));

        // when: the application runs as User:scorer until it has scored them all, then stops
        app = ScoringItSupport.startScoring(settings, schemas);
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(150);
        while (scored(app) < EVENTS && System.nanoTime() < deadline) {
            assertNull(app.failure(), "the scoring application failed");
            Thread.sleep(200);
        }
        assertEquals(EVENTS, scored(app), "records scored by the application");
        Thread.sleep(1_000); // a commit interval or ten, so that the last transaction commits before the close
        assertNull(app.failure(), "the scoring application failed");
        app.close();
        app = null;

        // then: as the super user, every transaction has exactly one committed score
        ScoringItSupport.awaitGroupCaughtUp(kafka.admin(), APPLICATION_ID, ScoringItSupport.TRANSACTIONS,
                Duration.ofSeconds(60));
        scores = new ScoreReader(kafka.bootstrapServers(), schemas, admin);
        scores.readToEnd(Duration.ofSeconds(60));
        scores.assertExactlyOnce(EVENTS);
        assertEquals(0, ScoringItSupport.committedRecordCount(kafka.admin(), ScoringItSupport.DEAD_LETTERS),
                "dead letters");
        // and: its repartition topic was created, and purged of consumed records (DELETE)
        final String repartition = APPLICATION_ID + "-scoring-features-repartition";
        final Map<TopicPartition, OffsetSpec> earliest = new HashMap<>();
        for (TopicPartition tp : ScoringItSupport.partitions(kafka.admin(), repartition)) {
            earliest.put(tp, OffsetSpec.earliest());
        }
        long purged = 0;
        for (ListOffsetsResultInfo info : kafka.admin().listOffsets(earliest).all().get(30, TimeUnit.SECONDS)
                .values()) {
            purged += info.offset();
        }
        assertTrue(purged > 0, "no record of " + repartition + " was purged");
    }

    private static double scored(final ScoringApplication app) {
        double sum = 0;
        for (Counter c : app.meterRegistry().find(ScoringMetrics.RECORDS)
                .tag("outcome", ScoringMetrics.OUTCOME_SCORED).counters()) {
            sum += c.count();
        }
        return sum;
    }

    private static int cli(final String... args) throws IOException {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final int code;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8)) {
            code = ScorestreamApp.execute(args, o, o);
        }
        System.out.print(String.join(" ", args) + System.lineSeparator() + out.toString(StandardCharsets.UTF_8));
        return code;
    }
}
