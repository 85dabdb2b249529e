package io.scorestream.tests.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.scorestream.app.cli.ScorestreamApp;
import io.scorestream.app.demo.DemoModels;
import io.scorestream.app.demo.SyntheticTransactionFeed;
import io.scorestream.inference.training.SyntheticTransactions;
import io.scorestream.schemas.ModelSpec;
import io.scorestream.schemas.Transaction;
import io.scorestream.schemas.registry.InMemorySchemaRegistry;
import io.scorestream.schemas.serde.ConfluentAvroDeserializer;
import io.scorestream.testkit.EmbeddedKafka;
import io.scorestream.testkit.SchemaRegistryServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.avro.Schema;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVPrinter;
import org.apache.commons.csv.CSVRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code scorestream load} on a real broker and an HTTP schema registry, run in-process through the
 * command line: a CSV of labelled synthetic transactions loaded with {@code Transaction.avsc} is
 * on the topic record for record (key, timestamp, every value), and {@code scorestream replay}
 * backtests a model over it against the {@code is_fraud} label; a bad row stops the load before it
 * with only the rows before it on the topic; {@code --reject-file} sets it aside and loads the rest.
 */
class LoadCommandIT {

    private static final Logger LOG = LoggerFactory.getLogger(LoadCommandIT.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Event times start at 2026-01-15T00:00:00Z: in the past (a broker refuses future ones). */
    private static final long BASE = 1_768_435_200_000L;
    /** History is kept whatever its age. */
    private static final Map<String, String> KEEP = Map.of("retention.ms", "-1");
    /** The demo's schema file, as a user would pass it. */
    private static final Path TRANSACTION_AVSC = Path.of(System.getProperty("basedir", ".")).toAbsolutePath()
            .getParent().resolve("schemas/src/main/avro/Transaction.avsc");

    private static EmbeddedKafka kafka;
    private static InMemorySchemaRegistry schemas;
    private static SchemaRegistryServer registry;

    @TempDir
    Path dir;

    @BeforeAll
    static void startBrokerAndRegistry() {
        kafka = EmbeddedKafka.startDefault();
        schemas = new InMemorySchemaRegistry();
        registry = SchemaRegistryServer.start(schemas);
    }

    @AfterAll
    static void stopAll() {
        Utils.closeQuietly(registry, "schema registry");
        Utils.closeQuietly(kafka, "embedded kafka");
    }

    @Test
    @Timeout(value = 6, unit = TimeUnit.MINUTES)
    void loadsALabelledCsvRecordForRecordAndReplaysAModelOverIt() throws Exception {
        // given: 3 000 labelled transactions in a CSV (times as ISO-8601 and epoch ms by turns, a
        // quoted column no field takes), and a topic of 3 partitions that keeps history
        final int events = 3_000;
        final List<Transaction> transactions = transactions(events, 11);
        final Path csv = dir.resolve("transactions.csv");
        writeCsv(csv, transactions, Map.of());
        kafka.createTopic("load-tx", 3, KEEP);

        // when
        final Result load = cli("load", csv.toString(), "--bootstrap", kafka.bootstrapServers(), "--schema-registry",
                registry.url(), "--topic", "load-tx", "--schema", TRANSACTION_AVSC.toString(), "--key", "account_id",
                "--timestamp", "event_time", "--progress");

        // then: every row is on the topic, keyed by account, stamped with its event time, with its values
        assertEquals(0, load.code, load.err);
        assertTrue(load.out.startsWith(String.format(Locale.ROOT, "rows read %,d, produced %,d, rejected 0 in ",
                events, events)), load.out);
        assertTrue(load.err.contains("column not in the schema, ignored: note"), load.err);
        assertTrue(load.err.contains("load [########################] 100.0%  3,000 rows"), load.err);
        final Map<String, ConsumerRecord<String, Transaction>> onTopic = readAll("load-tx");
        assertEquals(events, onTopic.size(), "one record per row, each transaction id once");
        for (Transaction expected : transactions) {
            final ConsumerRecord<String, Transaction> r = onTopic.get(expected.getTransactionId().toString());
            assertEquals(expected.getAccountId().toString(), r.key());
            assertEquals(expected.getEventTime().toEpochMilli(), r.timestamp());
            final Transaction value = r.value();
            assertNull(value.getEmbedding(), "no column fills the embedding: its default");
            expected.setEmbedding(null);
            assertEquals(expected.toString(), value.toString(), "every value of " + expected.getTransactionId());
        }
        assertEquals(new Schema.Parser().parse(TRANSACTION_AVSC.toFile()), schemas.latest("load-tx-value").schema(),
                "Transaction.avsc registered under the topic's subject");

        // when: a model trained on the same kind of transactions is published, and replayed over the topic
        kafka.createCompactedTopic("load-specs", 1);
        final ModelSpec spec = DemoModels.trainedSpec("fraud", 1, 42);
        try (KafkaProducer<String, Object> p = SyntheticTransactionFeed.producer(kafka.bootstrapServers(), schemas,
                Map.of())) {
            p.send(new ProducerRecord<>("load-specs", null, BASE, spec.getName(), spec)).get(30, TimeUnit.SECONDS);
        }
        final Path reportFile = dir.resolve("report.json");
        final Result replay = cli("replay", "--bootstrap", kafka.bootstrapServers(), "--schema-registry", registry.url(),
                "--topic", "load-tx", "--model-topic", "load-specs", "--model", "fraud@1", "--out", "load-scores",
                "--labels", "is_fraud", "--report", reportFile.toString());

        // then: every loaded record is scored, and the labels give a ROC AUC that says the model learned
        assertEquals(0, replay.code, replay.err);
        final JsonNode report = JSON.readTree(reportFile.toFile());
        assertEquals(events, report.path("records").path("in_range").asLong(), report.toString());
        final JsonNode version = report.path("versions").get(0);
        assertEquals(events, version.path("scored").asLong());
        final JsonNode auc = version.path("labels").path("roc_auc");
        assertTrue(auc.isNumber(), "an AUC in " + version);
        assertTrue(auc.asDouble() > 0.75 && auc.asDouble() <= 1, "AUC " + auc);
        final JsonNode cm = version.path("labels").path("confusion_matrix");
        final long frauds = transactions.stream().filter(t -> Boolean.TRUE.equals(t.getIsFraud())).count();
        assertEquals(frauds, cm.path("tp").asLong() + cm.path("fn").asLong(), "every is_fraud label read");
    }

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void stopsAtTheFirstBadRowWithOnlyTheRowsBeforeItOnTheTopic() throws Exception {
        // given: 10 transactions, the seventh (line 8) with a decimal comma
        final List<Transaction> transactions = transactions(10, 12);
        final Path csv = dir.resolve("bad.csv");
        writeCsv(csv, transactions, Map.of(6, "12,50"));
        kafka.createTopic("load-bad", 1, KEEP);

        // when
        final Result load = cli("load", csv.toString(), "--bootstrap", kafka.bootstrapServers(), "--schema-registry",
                registry.url(), "--topic", "load-bad", "--schema", TRANSACTION_AVSC.toString(), "--key", "account_id",
                "--timestamp", "event_time");

        // then: exit 1 naming the file, line, column and value; the six rows before it on the topic, no more
        assertEquals(1, load.code, load.err);
        assertTrue(load.err.contains(csv + " line 8 does not fit: column 'amount', value '12,50': not a number "
                + "(double)"), load.err);
        assertTrue(load.err.contains("the 6 rows before it are on 'load-bad' (acknowledged); nothing from line 8 on"),
                load.err);
        assertTrue(load.out.startsWith("rows read 7, produced 6, rejected 1 in "), load.out);
        final Map<String, ConsumerRecord<String, Transaction>> onTopic = readAll("load-bad");
        assertEquals(6, onTopic.size());
        for (int i = 0; i < 6; i++) {
            assertTrue(onTopic.containsKey(transactions.get(i).getTransactionId().toString()), "row " + i);
        }
    }

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void setsBadRowsAsideInTheRejectFileAndLoadsTheRest() throws Exception {
        // given: 10 transactions, the third (line 4) with a decimal comma, the ninth (line 10) with no time zone
        final List<Transaction> transactions = transactions(10, 13);
        final Path csv = dir.resolve("some-bad.csv");
        writeCsv(csv, transactions, Map.of(2, "12,50"));
        final String text = Files.readString(csv, StandardCharsets.UTF_8);
        final String nineth = Instant.ofEpochMilli(transactions.get(8).getEventTime().toEpochMilli()).toString();
        Files.writeString(csv, text.replace(nineth, nineth.replace("Z", "")), StandardCharsets.UTF_8);
        final Path rejects = dir.resolve("rejects.csv");
        kafka.createTopic("load-some-bad", 1, KEEP);

        // when
        final Result load = cli("load", csv.toString(), "--bootstrap", kafka.bootstrapServers(), "--schema-registry",
                registry.url(), "--topic", "load-some-bad", "--schema", TRANSACTION_AVSC.toString(), "--key",
                "account_id", "--timestamp", "event_time", "--reject-file", rejects.toString());

        // then: the eight good rows are on the topic, the two bad ones in the reject file with their reason
        assertEquals(0, load.code, load.err);
        assertTrue(load.out.startsWith("rows read 10, produced 8, rejected 2 in "), load.out);
        assertEquals(8, readAll("load-some-bad").size());
        final List<CSVRecord> written;
        try (CSVParser p = CSVParser.parse(rejects, StandardCharsets.UTF_8, CSVFormat.RFC4180)) {
            written = p.getRecords();
        }
        assertEquals(3, written.size(), written.toString());
        assertEquals("reason", written.get(0).get(written.get(0).size() - 1));
        assertEquals(transactions.get(2).getTransactionId().toString(), written.get(1).get(0));
        assertEquals("line 4, column 'amount', value '12,50': not a number (double)",
                written.get(1).get(written.get(1).size() - 1));
        assertTrue(written.get(2).get(written.get(2).size() - 1).startsWith("line 10, column 'event_time', value '"
                + nineth.replace("Z", "") + "': an ISO-8601 time without a zone offset"), written.get(2).toString());
    }

    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void refusesATopicThatDoesNotExistBeforeProducingAnything() throws Exception {
        final Path csv = dir.resolve("tx.csv");
        writeCsv(csv, transactions(3, 14), Map.of());

        final Result load = cli("load", csv.toString(), "--bootstrap", kafka.bootstrapServers(), "--schema-registry",
                registry.url(), "--topic", "load-missing", "--schema", TRANSACTION_AVSC.toString());

        assertEquals(2, load.code, load.err);
        assertTrue(load.err.contains("topic 'load-missing' does not exist: create it first"), load.err);
        assertTrue(!kafka.admin().listTopics().names().get(30, TimeUnit.SECONDS).contains("load-missing"),
                "the topic was not auto-created");
    }

    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void warnsWhenTheHistoryIsOlderThanTheTopicKeepsRecords() throws Exception {
        // given: a topic that keeps records a day, and transactions from January 2026
        final Path csv = dir.resolve("old.csv");
        writeCsv(csv, transactions(3, 15), Map.of());
        kafka.createTopic("load-short", 1, Map.of("retention.ms", "86400000"));

        // when
        final Result load = cli("load", csv.toString(), "--bootstrap", kafka.bootstrapServers(), "--schema-registry",
                registry.url(), "--topic", "load-short", "--schema", TRANSACTION_AVSC.toString(), "--timestamp",
                "event_time");

        // then: loaded, with a warning naming the topic's retention
        assertEquals(0, load.code, load.err);
        assertTrue(load.err.contains("warning: records from 2026-01-15T00:00:00Z on are older than topic 'load-short' "
                + "keeps records (retention.ms=86400000)"), load.err);
    }

    // ---- helpers ----------------------------------------------------------------------------------

    /** {@code n} labelled transactions one second apart from {@link #BASE}. */
    private static List<Transaction> transactions(int n, long seed) {
        final SyntheticTransactions generator = new SyntheticTransactions(seed, 500);
        final List<Transaction> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(generator.next(Instant.ofEpochMilli(BASE + i * 1_000L)));
        }
        return out;
    }

    /**
     * Writes the transactions as CSV: a column per field of {@code Transaction.avsc} but the
     * embedding, {@code is_fraud} as true/false, event times as ISO-8601 and epoch ms by turns, and a
     * {@code note} column no field takes, quoted. {@code badAmounts} replaces the amount of the
     * transactions at those indexes.
     */
    private static void writeCsv(Path file, List<Transaction> transactions, Map<Integer, String> badAmounts)
            throws IOException {
        final List<String> header = new ArrayList<>();
        for (Schema.Field f : Transaction.getClassSchema().getFields()) {
            if (!f.name().equals("embedding")) {
                header.add(f.name());
            }
        }
        header.add("note");
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
             CSVPrinter out = new CSVPrinter(w, CSVFormat.RFC4180)) {
            out.printRecord(header);
            for (int i = 0; i < transactions.size(); i++) {
                final Transaction t = transactions.get(i);
                final List<Object> row = new ArrayList<>();
                for (String field : header) {
                    final Object v = field.equals("note") ? "seen, \"twice\"" : t.get(field);
                    if (field.equals("event_time")) {
                        final Instant at = (Instant) v;
                        row.add(i % 2 == 0 ? at.toString() : Long.toString(at.toEpochMilli()));
                    } else if (field.equals("amount") && badAmounts.containsKey(i)) {
                        row.add(badAmounts.get(i));
                    } else {
                        row.add(v == null ? "" : v.toString());
                    }
                }
                out.printRecord(row);
            }
        }
    }

    /** Every record of {@code topic}, by transaction id. */
    private static Map<String, ConsumerRecord<String, Transaction>> readAll(String topic) {
        final Map<String, Object> p = new HashMap<>();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        final ConfluentAvroDeserializer<Transaction> values = ConfluentAvroDeserializer.specific(schemas,
                Transaction.class, false);
        final Map<String, ConsumerRecord<String, Transaction>> out = new HashMap<>();
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(p, new StringDeserializer(),
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
                for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(200))) {
                    final Transaction t = values.deserialize(topic, r.value());
                    final ConsumerRecord<String, Transaction> typed = new ConsumerRecord<>(r.topic(), r.partition(),
                            r.offset(), r.timestamp(), r.timestampType(), r.serializedKeySize(),
                            r.serializedValueSize(), r.key(), t, r.headers(), r.leaderEpoch());
                    if (out.put(t.getTransactionId().toString(), typed) != null) {
                        fail("transaction " + t.getTransactionId() + " twice on " + topic);
                    }
                }
            }
        }
        return out;
    }

    private record Result(int code, String out, String err) {
    }

    /** Runs {@code scorestream <args>} in-process; logs the command line and what it printed. */
    private static Result cli(String... args) {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final long start = System.nanoTime();
        final int code;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            code = ScorestreamApp.execute(args, o, e);
        }
        final Result r = new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        LOG.info(String.format(Locale.ROOT, "scorestream %s: exit %d in %.1f s%n%s%s", String.join(" ", args), code,
                (System.nanoTime() - start) / 1e9, r.err, r.out));
        return r;
    }
}
