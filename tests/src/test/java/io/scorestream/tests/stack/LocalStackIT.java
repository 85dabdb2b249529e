package io.scorestream.tests.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.scorestream.app.ScoringApplication;
import io.scorestream.app.cli.ScorestreamApp;
import io.scorestream.app.config.ScorestreamConfig;
import io.scorestream.app.stack.LocalStack;
import io.scorestream.app.stack.StackGuide;
import io.scorestream.app.stack.StackPorts;
import io.scorestream.inference.onnx.Mlp;
import io.scorestream.inference.training.SyntheticTransactions;
import io.scorestream.schemas.Transaction;
import io.scorestream.schemas.registry.HttpSchemaRegistry;
import io.scorestream.schemas.serde.ConfluentAvroDeserializer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code scorestream local}'s stack, as a user meets it: every part answers on its port, the
 * commands it prints ({@code load}, {@code models publish}, the {@code run} configuration,
 * {@code replay}) work against it as printed, the scores land in PostgreSQL, and a second start on
 * the same data directory finds the topics, the rows and the schemas again and goes on scoring.
 */
class LocalStackIT {

    private static final Logger LOG = LoggerFactory.getLogger(LocalStackIT.class);
    private static final String MODEL = "fraud";
    private static final Set<String> TOPICS = Set.of("transactions", "scores", "scores-dlq", "model-specs",
            "scores-sink-dlq");
    private static final Duration SCORED_WITHIN = Duration.ofSeconds(120);

    @TempDir
    Path work;

    @Test
    @Timeout(value = 10, unit = TimeUnit.MINUTES)
    void theStackAnswersRunsThePrintedCommandsIntoPostgresAndKeepsItsDataAcrossARestart() throws Exception {
        // given: the stack on fixed (free) ports with a data directory, as 'scorestream local --data-dir' runs it
        final StackPorts ports = freePorts();
        final Path data = work.resolve("data");
        final int first = 200;
        final Path firstCsv = writeCsv(work.resolve("events.csv"), transactions(first, 0));
        final Path onnx = Files.write(work.resolve("model.onnx"), Mlp.random(7, 30, 8, 1).toOnnx());

        try (LocalStack stack = LocalStack.builder().ports(ports).dataDir(data).start()) {
            final Path config = StackGuide.writeRunConfig(stack, MODEL);
            final String guide = guide(stack, config);

            // then: each part answers on its port
            assertTrue(kafkaTopics(stack).containsAll(TOPICS), kafkaTopics(stack).toString());
            assertEquals("[]", get(stack.registryUrl() + "/subjects"));
            assertEquals(1, selectOne(stack));
            assertEquals("[\"scores-to-postgres\"]", get(stack.connectUrl() + "connectors"));
            assertTrue(get(stack.connectUrl() + "connectors/scores-to-postgres/status").contains("\"RUNNING\""));
            assertTrue(guide.contains("psql postgresql://postgres:postgres@127.0.0.1:" + ports.postgres()
                    + "/postgres -c 'select "), guide);

            // when: the printed commands load events, publish a model and backtest it, and the printed
            // configuration scores the events
            assertEquals(0, cli(printed(guide, "load", firstCsv, onnx)), "load");
            assertEquals(0, cli(printed(guide, "models publish", firstCsv, onnx)), "models publish");
            scoreWith(stack, printedRunConfig(guide), first);
            assertEquals(0, cli(printed(guide, "replay", firstCsv, onnx)), "replay");

            // then: one row per event, by the published version, and the backtest report is written
            assertEquals(first, rows(stack, "SELECT count(*) FROM scores"));
            assertEquals(first, rows(stack, "SELECT count(DISTINCT event_id) FROM scores WHERE model_name = 'fraud' "
                    + "AND model_version = '1' AND role = 'stable'"));
            assertTrue(Files.size(work.resolve("backtest-fraud-1.json")) > 0);
        }

        // when: started again on the same data directory and ports
        try (LocalStack again = LocalStack.builder().ports(ports).dataDir(data).start()) {
            // then: the topics, the rows and the schemas are there, and every record's schema id still resolves
            assertTrue(kafkaTopics(again).containsAll(TOPICS), kafkaTopics(again).toString());
            assertEquals(first, rows(again, "SELECT count(*) FROM scores"));
            final String subjects = get(again.registryUrl() + "/subjects");
            assertTrue(subjects.contains("\"transactions-value\"") && subjects.contains("\"scores-value\""), subjects);
            assertEquals(first, decodeAll(again, "transactions"));
            assertEquals(first, decodeAll(again, "scores"));
            assertTrue(again.sinkStatus().isRunning(), again.sinkStatus().toString());

            // and: more events are scored from where the first run stopped, into the same table
            final Path moreCsv = writeCsv(work.resolve("more.csv"), transactions(20, first));
            final String guide = guide(again, StackGuide.writeRunConfig(again, MODEL));
            assertEquals(0, cli(printed(guide, "load", moreCsv, onnx)), "load after the restart");
            scoreWith(again, printedRunConfig(guide), first + 20);
            assertEquals(first + 20, rows(again, "SELECT count(*) FROM scores"));
        }
    }

    /**
     * Runs the application on the printed configuration (what {@code scorestream run --config}
     * starts; metrics on a free port) until the scores table holds {@code expectedRows}.
     */
    private static void scoreWith(LocalStack stack, Path config, long expectedRows) throws Exception {
        final ScorestreamConfig loaded = ScorestreamConfig.load(config, Map.of(), Map.of("metrics.port", "0"));
        LOG.info("scoring with {}", config);
        try (ScoringApplication app = ScoringApplication.start(loaded, null)) {
            assertTrue(app.awaitModel(), "model " + MODEL + " did not go live");
            assertTrue(app.awaitRunning(Duration.ofSeconds(60)), "not running: " + app.state());
            final long deadline = System.nanoTime() + SCORED_WITHIN.toNanos();
            while (true) {
                final long n = stack.countRows();
                if (n >= expectedRows) {
                    break;
                }
                if (System.nanoTime() > deadline || app.failure() != null) {
                    fail("rows " + n + " of " + expectedRows + " after " + SCORED_WITHIN + "; failure "
                            + app.failure());
                }
                Thread.sleep(250);
            }
        }
    }

    // ---- the printed guide --------------------------------------------------------------------

    private static String guide(LocalStack stack, Path config) {
        final ByteArrayOutputStream text = new ByteArrayOutputStream();
        try (PrintStream out = new PrintStream(text, true, StandardCharsets.UTF_8)) {
            StackGuide.print(stack, config, MODEL, out);
        }
        final String printed = text.toString(StandardCharsets.UTF_8);
        LOG.info("scorestream local printed:\n{}", printed);
        return printed;
    }

    /**
     * The printed {@code bin/scorestream <command> ...} line, with {@code $O} expanded and the
     * placeholders filled: this test's CSV and ONNX file, the demo features for the model's input,
     * files written into the work directory.
     */
    private String[] printed(String guide, String command, Path csv, Path onnx) {
        final String o = line(guide, "  O=\"").replaceFirst("^\\s*O=\"", "").replaceFirst("\"$", "");
        final String line = line(guide, "  bin/scorestream " + command + " ").trim()
                .replaceFirst("^bin/scorestream ", "")
                .replace("$O", o)
                .replace("EVENTS.csv", csv.toString())
                .replace("--write-schema events.avsc", "--write-schema " + work.resolve("events.avsc"))
                .replace("KEY_COLUMN", "account_id --timestamp event_time")
                .replace("MODEL.onnx", onnx.toString())
                .replace("--input INPUT=FIELD1,FIELD2,...", "--input features="
                        + String.join(",", SyntheticTransactions.FEATURE_FIELDS))
                .replace("--output OUTPUT", "--output " + Mlp.OUTPUT)
                .replace("LABEL_COLUMN", "is_fraud")
                .replace("--report backtest-", "--report " + work.resolve("backtest-"));
        assertTrue(!line.matches(".*\\b[A-Z]{2,}[A-Z_0-9]*\\b.*"), "a placeholder is left in: " + line);
        return line.split(" ");
    }

    private static Path printedRunConfig(String guide) {
        return Path.of(line(guide, "  bin/scorestream run --config ").trim().substring(
                "bin/scorestream run --config ".length()));
    }

    private static String line(String text, String prefix) {
        for (String line : text.split("\\R")) {
            if (line.startsWith(prefix)) {
                return line;
            }
        }
        throw new AssertionError("no line starting with '" + prefix + "' in:\n" + text);
    }

    private static int cli(String... args) {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final int code;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            code = ScorestreamApp.execute(args, o, e);
        }
        LOG.info("scorestream {}: exit {}\n{}{}", String.join(" ", args), code, err.toString(StandardCharsets.UTF_8),
                out.toString(StandardCharsets.UTF_8));
        return code;
    }

    // ---- the parts ------------------------------------------------------------------------------

    private static Set<String> kafkaTopics(LocalStack stack) throws Exception {
        return stack.kafka().admin().listTopics().names().get(30, TimeUnit.SECONDS);
    }

    private static String get(String url) throws IOException, InterruptedException {
        final HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        assertEquals(200, r.statusCode(), url + ": " + r.body());
        return r.body();
    }

    private static long selectOne(LocalStack stack) throws SQLException {
        return rows(stack, "SELECT 1");
    }

    private static long rows(LocalStack stack, String sql) throws SQLException {
        try (Connection c = stack.dataSource().getConnection(); Statement s = c.createStatement();
             ResultSet r = s.executeQuery(sql)) {
            assertTrue(r.next(), sql);
            return r.getLong(1);
        }
    }

    /** Reads every record of {@code topic} and decodes it with the registry over HTTP; returns how many. */
    private static long decodeAll(LocalStack stack, String topic) {
        final Map<String, Object> p = new HashMap<>();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        final ConfluentAvroDeserializer<GenericRecord> values = ConfluentAvroDeserializer.generic(
                HttpSchemaRegistry.builder(stack.registryUrl()).build(), false);
        long n = 0;
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            final List<TopicPartition> tps = new ArrayList<>();
            for (PartitionInfo info : c.partitionsFor(topic)) {
                tps.add(new TopicPartition(topic, info.partition()));
            }
            c.assign(tps);
            c.seekToBeginning(tps);
            final Map<TopicPartition, Long> end = c.endOffsets(tps);
            final long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (tps.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
                if (System.nanoTime() > deadline) {
                    fail("reading " + topic + ": end offsets " + end + " not reached");
                }
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    values.deserialize(topic, r.value());
                    n++;
                }
            }
        }
        return n;
    }

    // ---- events -------------------------------------------------------------------------------

    private static List<Transaction> transactions(int n, int from) {
        final SyntheticTransactions generator = new SyntheticTransactions(11 + from, 50);
        final List<Transaction> out = new ArrayList<>();
        final Instant base = Instant.parse("2026-11-01T00:00:00Z").plusSeconds(from);
        for (int i = 0; i < n; i++) {
            out.add(generator.next(base.plusSeconds(i)));
        }
        return out;
    }

    /** The transactions as a CSV with a header row: every field but the embedding; times as ISO-8601. */
    private static Path writeCsv(Path file, List<Transaction> transactions) throws IOException {
        final List<String> header = new ArrayList<>();
        for (Schema.Field f : Transaction.getClassSchema().getFields()) {
            if (!f.name().equals("embedding")) {
                header.add(f.name());
            }
        }
        final StringBuilder csv = new StringBuilder(String.join(",", header)).append('\n');
        for (Transaction t : transactions) {
            final List<String> row = new ArrayList<>();
            for (String field : header) {
                final Object v = t.get(field);
                row.add(v == null ? "" : v.toString());
            }
            csv.append(String.join(",", row)).append('\n');
        }
        return Files.writeString(file, csv.toString(), StandardCharsets.UTF_8);
    }

    /** Four distinct ports free now. */
    private static StackPorts freePorts() throws IOException {
        final InetAddress host = InetAddress.getByName("127.0.0.1");
        try (ServerSocket a = new ServerSocket(0, 1, host); ServerSocket b = new ServerSocket(0, 1, host);
             ServerSocket c = new ServerSocket(0, 1, host); ServerSocket d = new ServerSocket(0, 1, host)) {
            return new StackPorts(a.getLocalPort(), b.getLocalPort(), c.getLocalPort(), d.getLocalPort());
        }
    }
}
