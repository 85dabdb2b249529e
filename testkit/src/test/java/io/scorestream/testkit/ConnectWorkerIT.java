package io.scorestream.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.connect.file.FileStreamSinkConnector;
import org.apache.kafka.connect.file.FileStreamSourceConnector;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real Kafka Connect worker on the embedded broker, with Kafka's file connectors (on the test
 * class path): distributed and standalone in this JVM, and distributed in a child JVM that is
 * killed with SIGKILL and started again.
 */
class ConnectWorkerIT {

    private static final Duration WAIT = Duration.ofSeconds(60);

    private static EmbeddedKafka kafka;

    @BeforeAll
    static void startBroker() {
        kafka = EmbeddedKafka.startDefault();
    }

    @AfterAll
    static void closeBroker() {
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void distributedWorkerFindsClassPathPluginsAndSinksATopicToAFile(@TempDir final Path dir) {
        // given
        final String topic = "lines-" + UUID.randomUUID();
        kafka.createTopic(topic, 2, Map.of());
        final Path out = dir.resolve("sink.txt");
        final List<String> lines = lines("line", 100);

        try (ConnectWorker connect = ConnectWorker.startDistributed(kafka.bootstrapServers(), Map.of())) {
            assertTrue(connect.connectorPlugins().containsAll(List.of(
                    FileStreamSinkConnector.class.getName(), FileStreamSourceConnector.class.getName())),
                    "connector plugins: " + connect.connectorPlugins());

            // when
            produce(topic, lines);
            connect.createConnector("file-sink", fileSink(topic, out));
            final ConnectorStatus status = connect.awaitConnectorRunning("file-sink", WAIT);

            // then
            assertEquals(1, status.tasks().size());
            awaitEquals(() -> Set.copyOf(readLines(out)), Set.copyOf(lines));
            assertEquals(100, readLines(out).size(), "each record written once");

            // and the connector can be deleted (its status goes once the worker has read the deletion)
            connect.deleteConnector("file-sink");
            assertEquals(List.of(), connect.rest().connectors());
            awaitEquals(() -> statusCode(connect, "file-sink"), 404);
        }
    }

    @Test
    void standaloneWorkerSourcesAFileAndResumesFromItsOffsetsFile(@TempDir final Path dir) throws IOException {
        // given
        final String topic = "from-file-" + UUID.randomUUID();
        kafka.createTopic(topic, 1, Map.of());
        final Path in = dir.resolve("source.txt");
        final Path offsets = dir.resolve("connect.offsets");
        Files.write(in, lines("first", 20), StandardCharsets.UTF_8);

        try (KafkaConsumer<String, String> consumer = consumer(topic)) {
            try (ConnectWorker connect = ConnectWorker.startStandalone(kafka.bootstrapServers(), offsets, Map.of())) {
                // when
                connect.createConnector("file-source", fileSource(in, topic));
                connect.awaitConnectorRunning("file-source", WAIT);

                // then
                assertEquals(lines("first", 20), consume(consumer, 20));
            }
            assertTrue(Files.size(offsets) > 0, "source offsets written to " + offsets);

            // when a new standalone worker with the same offsets file is given the same connector
            Files.write(in, lines("second", 5), StandardCharsets.UTF_8, StandardOpenOption.APPEND);
            try (ConnectWorker connect = ConnectWorker.startStandalone(kafka.bootstrapServers(), offsets, Map.of())) {
                connect.createConnector("file-source", fileSource(in, topic));
                connect.awaitConnectorRunning("file-source", WAIT);

                // then it goes on where the first stopped
                assertEquals(lines("second", 5), consume(consumer, 5));
            }
        }
    }

    @Test
    void childJvmWorkerRunsConnectorsDiesOnSigkillAndComesBack(@TempDir final Path dir) {
        // given
        final String topic = "child-lines-" + UUID.randomUUID();
        kafka.createTopic(topic, 1, Map.of());
        final Path out = dir.resolve("sink.txt");
        final Map<String, String> worker = ConnectWorker.distributedProperties(kafka.bootstrapServers(), Map.of());

        final ConnectWorkerProcess first = ConnectWorker.startChildJvm(ConnectWorker.Mode.DISTRIBUTED, worker, dir, WAIT);
        try {
            assertTrue(first.pid() != ProcessHandle.current().pid());
            first.rest().createConnector("file-sink", fileSink(topic, out));
            first.rest().awaitConnectorRunning("file-sink", WAIT);
            produce(topic, lines("before", 10));
            awaitEquals(() -> readLines(out), lines("before", 10));

            // when
            first.kill();

            // then
            assertFalse(first.isAlive());
            assertEquals(137, first.awaitExit(Duration.ZERO), "128 + SIGKILL");
            assertThrows(UncheckedIOException.class, () -> first.rest().connectors());
        } finally {
            first.close();
        }

        // and a worker started with the same properties finds the connector in the config topic
        try (ConnectWorkerProcess second = ConnectWorker.startChildJvm(ConnectWorker.Mode.DISTRIBUTED, worker, dir,
                WAIT)) {
            second.rest().awaitConnectorRunning("file-sink", WAIT);
            produce(topic, lines("after", 10));
            awaitEquals(() -> readLines(out).stream().filter(line -> line.startsWith("after"))
                    .collect(Collectors.toList()), lines("after", 10));
        }
    }

    /** 200 while the worker has a status for the connector, else the error status it answers. */
    private static int statusCode(final ConnectWorker connect, final String name) {
        try {
            connect.connectorStatus(name);
            return 200;
        } catch (ConnectRequestException e) {
            return e.status();
        }
    }

    private static Map<String, String> fileSink(final String topic, final Path file) {
        return Map.of("connector.class", FileStreamSinkConnector.class.getName(), "tasks.max", "1",
                "topics", topic, "file", file.toString());
    }

    private static Map<String, String> fileSource(final Path file, final String topic) {
        return Map.of("connector.class", FileStreamSourceConnector.class.getName(), "tasks.max", "1",
                "topic", topic, "file", file.toString());
    }

    private static List<String> lines(final String prefix, final int count) {
        return IntStream.range(0, count).mapToObj(i -> prefix + "-" + i).collect(Collectors.toList());
    }

    private static void produce(final String topic, final List<String> values) {
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new StringSerializer())) {
            for (final String value : values) {
                producer.send(new ProducerRecord<>(topic, value, value));
            }
            producer.flush();
        }
    }

    private static KafkaConsumer<String, String> consumer(final String topic) {
        final KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "reader-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"),
                new StringDeserializer(), new StringDeserializer());
        consumer.subscribe(List.of(topic));
        return consumer;
    }

    /** Polls until {@code count} records arrived (within {@link #WAIT}); answers their values in order. */
    private static List<String> consume(final KafkaConsumer<String, String> consumer, final int count) {
        final List<String> values = new ArrayList<>();
        final long deadline = System.nanoTime() + WAIT.toNanos();
        while (values.size() < count && System.nanoTime() < deadline) {
            for (final ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                values.add(record.value());
            }
        }
        // One more short poll: nothing beyond the expected records may follow.
        consumer.poll(Duration.ofMillis(500)).forEach(record -> values.add(record.value()));
        return values;
    }

    private static <T> void awaitEquals(final Supplier<T> actual, final T expected) {
        final long deadline = System.nanoTime() + WAIT.toNanos();
        while (!expected.equals(actual.get()) && System.nanoTime() < deadline) {
            sleep(100);
        }
        assertEquals(expected, actual.get());
    }

    private static List<String> readLines(final Path file) {
        try {
            return Files.exists(file) ? Files.readAllLines(file, StandardCharsets.UTF_8) : List.of();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void sleep(final long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
