package io.scorestream.tests.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.micrometer.core.instrument.Counter;
import io.scorestream.app.ScoringApplication;
import io.scorestream.app.config.FleetStatusConfig;
import io.scorestream.app.config.MetricsConfig;
import io.scorestream.app.config.ModelsConfig;
import io.scorestream.app.demo.SyntheticTransactionFeed;
import io.scorestream.app.keys.KeysCommand;
import io.scorestream.app.metrics.ScoringMetrics;
import io.scorestream.inference.registry.Refusal;
import io.scorestream.inference.signing.SpecSigner;
import io.scorestream.schemas.ModelSpec;
import io.scorestream.schemas.Transaction;
import io.scorestream.schemas.registry.HttpSchemaRegistry;
import io.scorestream.schemas.registry.InMemorySchemaRegistry;
import io.scorestream.schemas.registry.SchemaRegistry;
import io.scorestream.schemas.registry.TopicNameStrategy;
import io.scorestream.testkit.EmbeddedKafka;
import io.scorestream.testkit.SchemaRegistryServer;
import io.scorestream.tests.it.ScoringItSupport;
import io.scorestream.tests.it.ScoringItSupport.Score;
import io.scorestream.tests.it.ScoringItSupport.ScoreReader;
import io.scorestream.tests.models.ModelsCli.Result;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Signed model versions end to end, on a real broker and registry server: keys made by
 * {@code scorestream keys generate}, versions published by {@code models publish --signing-key},
 * and a scoring application with {@code model.signature.required=true} trusting a key file. A
 * version signed by an untrusted key, one whose threshold was altered after signing, and an unsigned
 * one are each refused (log, metric, {@code /readyz}, fleet status) while the trusted version keeps
 * scoring; adding the second key to the file lets its versions in without a restart. Everything the
 * commands and the application print is captured and must not contain a private key.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class SignedModelsIT {

    private static final String APPLICATION_ID = "scorestream-signed-it";
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final int BATCH = 60;

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
        schemas.register(TopicNameStrategy.subject(ScoringItSupport.TRANSACTIONS, false),
                Transaction.getClassSchema());
    }

    @AfterAll
    static void stop() {
        Utils.closeQuietly(registryServer, "schema registry server");
        Utils.closeQuietly(kafka, "embedded kafka");
    }

    @Test
    void untrustedTamperedAndUnsignedVersionsAreRefusedWhileTheTrustedOneScoresAndRotationNeedsNoRestart()
            throws Exception {
        final ByteArrayOutputStream captured = new ByteArrayOutputStream();
        final PrintStream originalOut = System.out;
        final PrintStream originalErr = System.err;
        System.setOut(new PrintStream(new Tee(originalOut, captured), true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(new Tee(originalErr, captured), true, StandardCharsets.UTF_8));
        final List<String> secrets = new ArrayList<>();
        try {
            run(secrets);
        } finally {
            System.setOut(originalOut);
            System.setErr(originalErr);
        }
        // then: no private key in anything the commands or the application printed or logged
        final String all = captured.toString(StandardCharsets.UTF_8);
        assertTrue(all.contains("generated an Ed25519 key pair"), "the capture must have seen the commands");
        assertTrue(all.contains("bad_signature"), "the capture must have seen the application's log");
        for (String secret : secrets) {
            assertFalse(all.contains(secret), "a private key appeared in the captured output");
        }
    }

    private void run(final List<String> secrets) throws Exception {
        // given: two key pairs, A and B, from the command line
        final Path keysA = dir.resolve("a");
        final Path keysB = dir.resolve("b");
        final String idA = generate(keysA);
        final String idB = generate(keysB);
        assertFalse(idA.equals(idB));
        final Path privateA = keysA.resolve(KeysCommand.PRIVATE_FILE);
        final Path privateB = keysB.resolve(KeysCommand.PRIVATE_FILE);
        for (Path p : List.of(privateA, privateB)) {
            final String pem = Files.readString(p, StandardCharsets.US_ASCII);
            // the base64 body of the PEM: what a leak would show
            secrets.add(pem.replace("-----BEGIN PRIVATE KEY-----", "").replace("-----END PRIVATE KEY-----", "")
                    .strip());
        }
        // a trusted keys file holding A only
        final Path trusted = dir.resolve("trusted-keys.pem");
        Files.copy(keysA.resolve(KeysCommand.PUBLIC_FILE), trusted);

        // and version 1 published signed by A
        final byte[] v1 = ModelsCli.logisticRegression(1);
        final Result p1 = models("publish", "--name", ScoringItSupport.MODEL, "--version", "1", "--onnx", file(v1),
                "--signing-key", privateA.toString());
        p1.assertOk();
        assertTrue(p1.out().contains("signed: Ed25519, key id " + idA), p1.out());

        // when: an application requiring signatures by the keys of that file starts
        final Map<String, Object> settings = ScoringItSupport.appSettings(kafka.bootstrapServers(), APPLICATION_ID,
                Files.createTempDirectory(dir, "state"));
        settings.put(ModelsConfig.MODEL_TRUSTED_KEYS_CONFIG, trusted.toString());
        settings.put(ModelsConfig.MODEL_SIGNATURE_REQUIRED_CONFIG, "true");
        settings.put(MetricsConfig.METRICS_PORT_CONFIG, "0");
        settings.put(FleetStatusConfig.INSTANCE_ID_CONFIG, "node-a");
        settings.put(FleetStatusConfig.STATUS_INTERVAL_MS_CONFIG, "500");
        final ScoringApplication app = ScoringItSupport.startScoring(settings, schemas);
        try (app;
             KafkaProducer<String, Object> producer = ScoringItSupport.producer(kafka.bootstrapServers(), schemas);
             ScoreReader scores = new ScoreReader(kafka.bootstrapServers(), schemas)) {
            // then: version 1 (signed by A) scores
            assertEquals("1", app.models().live(ScoringItSupport.MODEL).orElseThrow().version());
            assertScoredBy("1", produce(producer, 1), scores, app);

            // when: version 2 signed by B (not trusted) is published
            models("publish", "--name", ScoringItSupport.MODEL, "--version", "2", "--onnx",
                    file(ModelsCli.logisticRegression(2)), "--signing-key", privateB.toString()).assertOk();
            // then: refused, naming B's key id
            assertRefused(app, "2", "signed by unknown key id " + idB);

            // when: version 3 is signed by A, then its threshold altered on the way
            final ModelSpec live1 = app.models().live(ScoringItSupport.MODEL).orElseThrow().spec();
            assertEquals(idA, live1.getSignature().getKeyId(), "version 1 went live with A's signature");
            final ModelSpec signed3 = SpecSigner.fromFile(privateA).sign(ModelSpec.newBuilder(live1)
                    .setVersion("3").build());
            final ModelSpec tampered = ModelSpec.newBuilder(signed3).setThreshold(0.01).build();
            ScoringItSupport.publish(producer, tampered);
            // then: refused
            assertRefused(app, "3", "signature does not match the spec (key id " + idA + ")");

            // when: version 4 is published unsigned
            models("publish", "--name", ScoringItSupport.MODEL, "--version", "4", "--onnx",
                    file(ModelsCli.logisticRegression(4))).assertOk();
            // then: refused
            assertRefused(app, "4", "unsigned");

            // and: each refusal is counted, /readyz shows the last one and stays ready, the fleet sees it
            final Counter refused = app.meterRegistry().find(ScoringMetrics.MODEL_LOADS)
                    .tags("result", "refused", "reason", "bad_signature").counter();
            assertNotNull(refused, "no " + ScoringMetrics.MODEL_LOADS + "{result=refused,reason=bad_signature}");
            assertEquals(3.0, refused.count());
            final HttpResponse<String> ready = readyz(app.metricsPort());
            assertEquals(200, ready.statusCode(), ready.body());
            assertTrue(ready.body().contains("\"reason\":\"bad_signature\""), ready.body());
            assertTrue(ready.body().contains("refused (bad_signature): unsigned"), ready.body());
            awaitStatus(row -> row[7].startsWith("4 bad_signature"));

            // and: version 1 still scores every new record
            assertScoredBy("1", produce(producer, 2), scores, app);

            // when: B is added to the trusted keys file (rotation), and version 5 is signed by B
            Files.writeString(trusted, "\n" + Files.readString(keysB.resolve(KeysCommand.PUBLIC_FILE)),
                    StandardCharsets.US_ASCII, StandardOpenOption.APPEND);
            models("publish", "--name", ScoringItSupport.MODEL, "--version", "5", "--onnx",
                    file(ModelsCli.logisticRegression(5)), "--signing-key", privateB.toString()).assertOk();

            // then: without a restart, version 5 goes live and scores
            awaitLive(app, "5");
            assertScoredBy("5", produce(producer, 3), scores, app);
            assertEquals(3.0, refused.count(), "nothing more refused");

            // when: version 6 runs as a canary beside 5, the whole record signed again by B
            models("publish", "--name", ScoringItSupport.MODEL, "--version", "6", "--onnx",
                    file(ModelsCli.logisticRegression(6)), "--candidate", "canary", "--percent", "10",
                    "--signing-key", privateB.toString()).assertOk();
            // then: the rollout goes live
            awaitCanary(app, "6", 10.0);

            // when: the canary is ramped without a signing key
            final Result ramp = models("ramp", "--name", ScoringItSupport.MODEL, "--percent", "50");
            // then: the command warns that the record it wrote is unsigned, and the application refuses it
            ramp.assertOk();
            assertTrue(ramp.err().contains("warning: publishing version 5 of model 'fraud' unsigned: it was signed "
                    + "(key id " + idB + ")"), ramp.err());
            assertRefused(app, "5", "unsigned", "5");
            assertEquals(10.0, app.models().rollout(ScoringItSupport.MODEL).orElseThrow().canaryPercent());
            assertEquals(4.0, refused.count());
        }
    }

    /** {@code keys generate --out dir}; returns the key id it printed. */
    private static String generate(final Path out) {
        final Result r = ModelsCli.run(true, "keys", "generate", "--out", out.toString());
        r.assertOk();
        final String first = r.out().lines().findFirst().orElse("");
        final String prefix = "generated an Ed25519 key pair, key id ";
        assertTrue(first.startsWith(prefix), r.out());
        return first.substring(prefix.length());
    }

    /** Produces {@value #BATCH} transactions; returns their ids. */
    private static Set<String> produce(final KafkaProducer<String, Object> producer, final long seed)
            throws InterruptedException {
        final Set<String> ids = new HashSet<>();
        SyntheticTransactionFeed.builder(producer, ScoringItSupport.TRANSACTIONS).seed(seed).count(BATCH)
                .onSent(s -> ids.add(s.transaction().getTransactionId())).build().run();
        assertEquals(BATCH, ids.size());
        return ids;
    }

    /** Reads scores until every id of {@code ids} has one; each must come from {@code version}. */
    private static void assertScoredBy(final String version, final Set<String> ids, final ScoreReader scores,
                                       final ScoringApplication app) {
        final int expected = scores.distinct() + ids.size();
        scores.readUntilDistinct(expected, Duration.ofSeconds(60), () -> assertNotFailed(app), () -> false);
        final Map<String, String> versionOf = new HashMap<>();
        for (Score s : scores.scores()) {
            versionOf.put(s.eventId(), s.value().getModelVersion());
        }
        for (String id : ids) {
            assertEquals(version, versionOf.get(id), "score of " + id);
        }
    }

    private static void assertNotFailed(final ScoringApplication app) {
        if (app.failure() != null) {
            fail("the application failed", app.failure());
        }
    }

    /** Waits for the refusal of {@code version} as bad_signature with {@code detail}; version 1 stays live. */
    private static void assertRefused(final ScoringApplication app, final String version, final String detail)
            throws InterruptedException {
        assertRefused(app, version, detail, "1");
    }

    /** As above, with {@code live} the version that must still be live. */
    private static void assertRefused(final ScoringApplication app, final String version, final String detail,
                                      final String live) throws InterruptedException {
        final long deadline = System.nanoTime() + WAIT.toNanos();
        Refusal r = app.models().lastRefusal(ScoringItSupport.MODEL).orElse(null);
        while ((r == null || !r.version().equals(version)) && System.nanoTime() < deadline) {
            Thread.sleep(100);
            r = app.models().lastRefusal(ScoringItSupport.MODEL).orElse(null);
        }
        assertNotNull(r, "no refusal of version " + version);
        assertEquals(version, r.version(), "refusal of version " + version + " not seen: " + r);
        assertEquals("bad_signature", r.reasonTag(), r.message());
        assertTrue(r.message().startsWith("Model '" + ScoringItSupport.MODEL + "' version '" + version
                + "' refused (bad_signature): " + detail), r.message());
        assertEquals(live, app.models().live(ScoringItSupport.MODEL).orElseThrow().version());
    }

    private static void awaitCanary(final ScoringApplication app, final String candidate, final double percent)
            throws InterruptedException {
        final long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            final var r = app.models().rollout(ScoringItSupport.MODEL).orElse(null);
            if (r != null && r.candidate() != null && candidate.equals(r.candidate().version())
                    && r.canaryPercent() == percent) {
                return;
            }
            Thread.sleep(100);
        }
        fail("candidate " + candidate + " at " + percent + "% did not go live: "
                + app.models().rollout(ScoringItSupport.MODEL) + "; last refusal: "
                + app.models().lastRefusal(ScoringItSupport.MODEL));
    }

    private static void awaitLive(final ScoringApplication app, final String version) throws InterruptedException {
        final long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            if (version.equals(app.models().live(ScoringItSupport.MODEL).map(i -> i.version()).orElse(null))) {
                return;
            }
            Thread.sleep(100);
        }
        fail("version " + version + " did not go live; last refusal: "
                + app.models().lastRefusal(ScoringItSupport.MODEL));
    }

    /** Runs {@code models status} until the instance's row matches, at most {@link #WAIT}. */
    private void awaitStatus(final Predicate<String[]> row) throws InterruptedException {
        final long deadline = System.nanoTime() + WAIT.toNanos();
        Result status = models("status", "--name", ScoringItSupport.MODEL);
        while (System.nanoTime() < deadline) {
            final List<String[]> rows = status.out().lines().skip(1).map(l -> l.split(" {2,}")).toList();
            if (!rows.isEmpty() && rows.get(0).length > 7 && row.test(rows.get(0))) {
                return;
            }
            Thread.sleep(250);
            status = ModelsCli.run(false, ModelsCli.models(kafka.bootstrapServers(), registryServer.url(),
                    ScoringItSupport.MODELS, "status", "--name", ScoringItSupport.MODEL));
        }
        fail("models status did not show the refusal: " + status.out() + status.err());
    }

    private static HttpResponse<String> readyz(final int port) throws Exception {
        final HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/readyz"))
                .timeout(Duration.ofSeconds(10)).GET().build();
        return HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
    }

    /** {@code models <args>} on the test's broker, registry and model topic, echoed. */
    private static Result models(final String... args) {
        return ModelsCli.run(true, ModelsCli.models(kafka.bootstrapServers(), registryServer.url(),
                ScoringItSupport.MODELS, args));
    }

    private String file(final byte[] onnx) throws Exception {
        return ModelsCli.write(dir, onnx);
    }

    /** Writes to two streams. */
    private static final class Tee extends OutputStream {
        private final OutputStream first;
        private final OutputStream second;

        Tee(final OutputStream first, final OutputStream second) {
            this.first = first;
            this.second = second;
        }

        @Override
        public synchronized void write(final int b) throws java.io.IOException {
            first.write(b);
            second.write(b);
        }

        @Override
        public synchronized void write(final byte[] b, final int off, final int len) throws java.io.IOException {
            first.write(b, off, len);
            second.write(b, off, len);
        }

        @Override
        public synchronized void flush() throws java.io.IOException {
            first.flush();
            second.flush();
        }
    }
}
