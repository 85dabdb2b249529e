package io.scorestream.tests.models;

import io.scorestream.tests.models.ModelsCli.Result;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scorestream.app.ScoringApplication;
import io.scorestream.app.config.FleetStatusConfig;
import io.scorestream.app.config.MetricsConfig;
import io.scorestream.inference.training.SyntheticTransactions;
import io.scorestream.schemas.Transaction;
import io.scorestream.schemas.registry.HttpSchemaRegistry;
import io.scorestream.schemas.registry.InMemorySchemaRegistry;
import io.scorestream.schemas.registry.SchemaRegistry;
import io.scorestream.schemas.registry.TopicNameStrategy;
import io.scorestream.testkit.EmbeddedKafka;
import io.scorestream.testkit.SchemaRegistryServer;
import io.scorestream.tests.it.ScoringItSupport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fleet view on a real broker: two scoring instances of one application report what they
 * serve to the status topic; {@code models list} shows the version served beside the one asked,
 * and the refusal when every instance refused the asked one; {@code models status} lists each
 * instance, and an instance that closes leaves it (tombstones).
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class FleetStatusIT {

    private static final String APPLICATION_ID = "scorestream-fleet-it";
    private static final Duration WAIT = Duration.ofSeconds(20);

    private static EmbeddedKafka kafka;
    private static SchemaRegistryServer registryServer;
    private static SchemaRegistry schemas;

    @TempDir
    Path dir;

    @BeforeAll
    static void startBrokerAndRegistry() {
        kafka = EmbeddedKafka.startDefault();
        ScoringItSupport.createTopics(kafka, 2);
        registryServer = SchemaRegistryServer.start(new InMemorySchemaRegistry());
        schemas = HttpSchemaRegistry.builder(registryServer.url()).build();
        // the feature topic's registered schema: what the instances check each new version against
        schemas.register(TopicNameStrategy.subject(ScoringItSupport.TRANSACTIONS, false),
                Transaction.getClassSchema());
    }

    @AfterAll
    static void stop() {
        Utils.closeQuietly(registryServer, "schema registry server");
        Utils.closeQuietly(kafka, "embedded kafka");
    }

    @Test
    void listShowsWhatTheInstancesServeAndWhyTheyRefuseTheAskedVersion() throws Exception {
        // given: version 1 published, and two instances of one application serving it
        models("publish", "--name", ScoringItSupport.MODEL, "--version", "1", "--onnx", file(onnx(1))).assertOk();
        ScoringApplication a = null;
        ScoringApplication b = null;
        try {
            a = ScoringItSupport.startScoring(settings("node-a"), schemas);
            b = ScoringItSupport.startScoring(settings("node-b"), schemas);

            // then: list shows version 1 served on both, status lists both instances
            final Result served = awaitList(cell -> cell.equals("1 on 2/2 instances"));
            assertEquals("1 on 2/2 instances", servedCell(served.out()), served.out());
            final Result status = models("status");
            status.assertOk();
            final List<String[]> rows = statusRows(status.out());
            assertEquals(List.of("node-a", "node-b"), rows.stream().map(r -> r[1]).toList(), status.out());
            for (String[] row : rows) {
                assertEquals(List.of(APPLICATION_ID, ScoringItSupport.MODEL, "1", "-", "-", "cpu", "-"),
                        List.of(row[0], row[2], row[3], row[4], row[5], row[6], row[7]), status.out());
            }

            // when: version 2 maps a field the feature topic's registered schema lacks, published with --force
            final List<String> fields = new ArrayList<>(SyntheticTransactions.FEATURE_FIELDS);
            fields.set(0, "no_such_field");
            final Result forced = models("publish", "--name", ScoringItSupport.MODEL, "--version", "2", "--onnx",
                    file(onnx(2)), "--input", "features=" + String.join(",", fields), "--feature-topic",
                    ScoringItSupport.TRANSACTIONS, "--force");
            forced.assertOk();

            // then: both refuse it and keep serving version 1, and list says so
            final Result refused = awaitList(cell -> cell.startsWith("1 on 2/2 (asked 2: refused by 2/2: "
                    + "input_mapping: "));
            assertTrue(servedCell(refused.out()).contains("no_such_field"), refused.out());
            final Result refusedStatus = models("status", "--name", ScoringItSupport.MODEL);
            refusedStatus.assertOk();
            for (String[] row : statusRows(refusedStatus.out())) {
                assertEquals("1", row[3], refusedStatus.out());
                assertTrue(row[7].startsWith("2 input_mapping: "), refusedStatus.out());
            }

            // when: one instance closes
            b.close();
            b = null;

            // then: its rows are gone (tombstones), the other still reports
            final Result after = awaitList(cell -> cell.startsWith("1 on 1/1 (asked 2: refused by 1/1: "));
            assertTrue(servedCell(after.out()).startsWith("1 on 1/1"), after.out());
            final Result lastStatus = models("status");
            lastStatus.assertOk();
            assertEquals(List.of("node-a"), statusRows(lastStatus.out()).stream().map(r -> r[1]).toList(),
                    lastStatus.out());
        } finally {
            Utils.closeQuietly(b, "instance b");
            Utils.closeQuietly(a, "instance a");
        }
    }

    private Map<String, Object> settings(String instanceId) throws Exception {
        final Map<String, Object> s = ScoringItSupport.appSettings(kafka.bootstrapServers(), APPLICATION_ID,
                Files.createTempDirectory(dir, instanceId));
        s.put(MetricsConfig.METRICS_ENABLED_CONFIG, "false");
        s.put(FleetStatusConfig.INSTANCE_ID_CONFIG, instanceId);
        s.put(FleetStatusConfig.STATUS_INTERVAL_MS_CONFIG, "500");
        return s;
    }

    /** Runs {@code models list} until the model's SERVED cell matches, at most {@link #WAIT}. */
    private static Result awaitList(Predicate<String> served) throws InterruptedException {
        final long deadline = System.nanoTime() + WAIT.toNanos();
        Result list = run(false, "list");
        while (!served.test(servedCell(list.out())) && System.nanoTime() < deadline) {
            Thread.sleep(250);
            list = run(false, "list");
        }
        System.out.print("models list" + System.lineSeparator() + list.out() + list.err());
        list.assertOk();
        assertTrue(served.test(servedCell(list.out())), "SERVED did not become as expected in " + WAIT + ":\n"
                + list.out());
        return list;
    }

    /** The SERVED cell (the last column) of the model's row of {@code models list}, or "". */
    private static String servedCell(String table) {
        return table.lines().map(l -> l.split(" {2,}")).filter(c -> c[0].equals(ScoringItSupport.MODEL))
                .map(c -> c[c.length - 1]).findFirst().orElse("");
    }

    /** The rows of {@code models status} below its header, cells split on runs of two spaces. */
    private static List<String[]> statusRows(String table) {
        return table.lines().skip(1).map(l -> l.split(" {2,}")).toList();
    }

    /** {@code models <args>} on the test's broker, registry and model topic, echoed. */
    private static Result models(String... args) {
        return run(true, args);
    }

    /** {@code models <args>} on the test's broker, registry and model topic. */
    private static Result run(boolean echo, String... args) {
        return ModelsCli.run(echo, ModelsCli.models(kafka.bootstrapServers(), registryServer.url(), ScoringItSupport.MODELS, args));
    }

    private String file(byte[] onnx) throws Exception {
        return ModelsCli.write(dir, onnx);
    }

    private static byte[] onnx(long seed) {
        return ModelsCli.logisticRegression(seed);
    }
}
