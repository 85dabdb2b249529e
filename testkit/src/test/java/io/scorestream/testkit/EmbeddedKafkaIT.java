package io.scorestream.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.stream.Collectors;

import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded broker, for real: clients of every kind against one shared broker, and the
 * lifecycle (restart, close) on brokers of their own.
 */
class EmbeddedKafkaIT {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafkaIT.class);
    private static final Duration WAIT = Duration.ofSeconds(30);

    private static EmbeddedKafka kafka;

    @BeforeAll
    static void startSharedBroker() {
        final long start = System.nanoTime();
        kafka = EmbeddedKafka.builder().build().start();
        final long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        LOG.info("Shared embedded broker ready at {} in {} ms", kafka.bootstrapServers(), millis);
        // No timing assertion: start-up time is a measurement (logged here), not a pass/fail
        // criterion, and a loaded CI machine must not fail the build over it.
    }

    @AfterAll
    static void closeSharedBroker() {
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void idempotentProducerRightAfterCreateTopicLosesNothing() {
        // given a topic used the moment createTopic returns
        final String topic = "bulk";
        kafka.createTopic(topic, 3, Map.of());
        final int count = 10_000;

        // when
        final long start = System.nanoTime();
        final AtomicInteger errors = new AtomicInteger();
        final AtomicInteger acked = new AtomicInteger();
        try (KafkaProducer<String, String> producer = producer(Map.of())) {
            for (int i = 0; i < count; i++) {
                producer.send(new ProducerRecord<>(topic, "k" + i, "v" + i), (metadata, error) -> {
                    if (error == null) {
                        acked.incrementAndGet();
                    } else {
                        errors.incrementAndGet();
                        LOG.error("send failed", error);
                    }
                });
            }
            producer.flush();
        }
        final List<ConsumerRecord<String, String>> records = readAll(topic, count, "read_committed");
        LOG.info("Produced and consumed {} records in {} ms", count,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));

        // then
        assertEquals(0, errors.get());
        assertEquals(count, acked.get());
        assertEquals(count, records.size());
        final Set<String> values = records.stream().map(ConsumerRecord::value).collect(Collectors.toSet());
        assertEquals(count, values.size());
        assertEquals(3, records.stream().map(ConsumerRecord::partition).distinct().count());
    }

    @Test
    void readCommittedSeesCommittedTransactionsOnly() {
        // given
        final String topic = "transactions";
        kafka.createTopic(topic, 1, Map.of());

        // when one transaction commits, one aborts, one commits
        try (KafkaProducer<String, String> producer =
                producer(Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "embedded-it-tx"))) {
            producer.initTransactions();
            producer.beginTransaction();
            for (int i = 0; i < 5; i++) {
                producer.send(new ProducerRecord<>(topic, "k", "committed-" + i));
            }
            producer.commitTransaction();
            producer.beginTransaction();
            for (int i = 0; i < 5; i++) {
                producer.send(new ProducerRecord<>(topic, "k", "aborted-" + i));
            }
            producer.flush();
            producer.abortTransaction();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, "k", "committed-5"));
            producer.commitTransaction();
        }

        // then
        final List<String> committed = values(readAll(topic, 6, "read_committed"));
        assertEquals(List.of("committed-0", "committed-1", "committed-2", "committed-3",
                "committed-4", "committed-5"), committed);
        final List<String> uncommitted = values(readAll(topic, 11, "read_uncommitted"));
        assertEquals(11, uncommitted.size());
        assertTrue(uncommitted.contains("aborted-0"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"classic", "consumer"})
    void consumerGroupCommitsOffsets(final String groupProtocol) throws Exception {
        // given
        final String topic = "grouped-" + groupProtocol;
        final String group = "embedded-it-group-" + groupProtocol;
        kafka.createTopic(topic, 2, Map.of());
        produce(topic, 20);

        // when a group member consumes everything and commits
        final Map<String, Object> config = consumerConfig("read_committed");
        config.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        config.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, groupProtocol);
        int consumed = 0;
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config)) {
            consumer.subscribe(List.of(topic));
            final long deadline = System.nanoTime() + WAIT.toNanos();
            while (consumed < 20 && System.nanoTime() < deadline) {
                consumed += consumer.poll(Duration.ofMillis(200)).count();
            }
            consumer.commitSync();
        }

        // then the committed offsets are stored by the broker
        assertEquals(20, consumed);
        final Map<TopicPartition, OffsetAndMetadata> offsets = kafka.admin()
                .listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
        assertEquals(20L, offsets.values().stream().mapToLong(OffsetAndMetadata::offset).sum());
    }

    @ParameterizedTest
    @ValueSource(strings = {"classic", "streams"})
    void exactlyOnceStreamsAppRunsAndProcesses(final String groupProtocol, @TempDir final Path stateDir)
            throws Exception {
        // given
        final String input = "streams-in-" + groupProtocol;
        final String output = "streams-out-" + groupProtocol;
        kafka.createTopic(input, 3, Map.of());
        kafka.createTopic(output, 3, Map.of());
        final StreamsBuilder builder = new StreamsBuilder();
        builder.<String, String>stream(input)
                .mapValues(value -> value.toUpperCase(Locale.ROOT))
                .to(output);
        final Map<String, Object> config = new HashMap<>();
        config.put(StreamsConfig.APPLICATION_ID_CONFIG, "embedded-it-" + groupProtocol);
        config.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        config.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        config.put(StreamsConfig.GROUP_PROTOCOL_CONFIG, groupProtocol);
        config.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        config.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
        config.put(StreamsConfig.DEFAULT_KEY_SERDE_CLASS_CONFIG, Serdes.StringSerde.class);
        config.put(StreamsConfig.DEFAULT_VALUE_SERDE_CLASS_CONFIG, Serdes.StringSerde.class);

        try (KafkaStreams streams = new KafkaStreams(builder.build(), new StreamsConfig(config))) {
            final CountDownLatch running = new CountDownLatch(1);
            final AtomicReference<Throwable> failure = new AtomicReference<>();
            streams.setStateListener((newState, oldState) -> {
                if (newState == KafkaStreams.State.RUNNING) {
                    running.countDown();
                }
            });
            streams.setUncaughtExceptionHandler(error -> {
                failure.set(error);
                return org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler
                        .StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
            });

            // when
            final long start = System.nanoTime();
            streams.start();
            assertTrue(running.await(WAIT.toSeconds(), TimeUnit.SECONDS),
                    "Kafka Streams not RUNNING but " + streams.state());
            LOG.info("Kafka Streams ({} protocol, exactly_once_v2) RUNNING after {} ms", groupProtocol,
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
            produce(input, 100);

            // then
            final List<String> results = values(readAll(output, 100, "read_committed"));
            assertEquals(100, results.size());
            assertTrue(results.stream().allMatch(v -> v.startsWith("V")), results.toString());
            assertEquals(null, failure.get());
            streams.close(Duration.ofSeconds(10));
        }
    }

    @Test
    void shareGroupConsumesRecords() throws Exception {
        // given a share group that starts from the earliest record
        final String topic = "shared-work";
        final String group = "embedded-it-share";
        kafka.createTopic(topic, 1, Map.of());
        final ConfigResource groupResource = new ConfigResource(ConfigResource.Type.GROUP, group);
        kafka.admin().incrementalAlterConfigs(Map.of(groupResource, List.of(new AlterConfigOp(
                new ConfigEntry("share.auto.offset.reset", "earliest"), AlterConfigOp.OpType.SET))))
                .all().get();
        produce(topic, 10);

        // when
        final Map<String, Object> config = new HashMap<>();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        config.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        int consumed = 0;
        try (KafkaShareConsumer<String, String> consumer = new KafkaShareConsumer<>(config)) {
            consumer.subscribe(List.of(topic));
            final long deadline = System.nanoTime() + WAIT.toNanos();
            while (consumed < 10 && System.nanoTime() < deadline) {
                consumed += consumer.poll(Duration.ofMillis(200)).count();
            }
            consumer.commitSync();
        }

        // then
        assertEquals(10, consumed);
    }

    @Test
    void createTopicAcceptsAnExistingTopicOfTheSameShapeOnly() throws Exception {
        // given
        kafka.createCompactedTopic("compacted", 2);

        // when created again
        kafka.createCompactedTopic("compacted", 2);

        // then it is still one compacted topic of 2 partitions, and another shape is refused
        final TopicDescription description = kafka.admin().describeTopics(List.of("compacted"))
                .allTopicNames().get().get("compacted");
        assertEquals(2, description.partitions().size());
        final ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, "compacted");
        assertEquals(TopicConfig.CLEANUP_POLICY_COMPACT, kafka.admin().describeConfigs(List.of(resource))
                .all().get().get(resource).get(TopicConfig.CLEANUP_POLICY_CONFIG).value());
        assertThrows(IllegalStateException.class, () -> kafka.createTopic("compacted", 3, Map.of()));
    }

    @Test
    void restartKeepsDataAndPortAndClientsCarryOn(@TempDir final Path dataDir) throws Exception {
        try (EmbeddedKafka own = EmbeddedKafka.builder().dataDir(dataDir).start()) {
            // given a producer in mid-stream
            final String address = own.bootstrapServers();
            own.createTopic("durable", 2, Map.of());
            final AtomicInteger errors = new AtomicInteger();
            try (KafkaProducer<String, String> producer = producer(own, Map.of())) {
                sendAll(producer, "durable", 0, 50, errors);
                producer.flush();

                // when the broker restarts under it
                final long start = System.nanoTime();
                own.restart();
                LOG.info("Embedded broker restarted in {} ms",
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
                sendAll(producer, "durable", 50, 100, errors);
                producer.flush();
            }

            // then nothing is lost, and the address is the same
            assertEquals(address, own.bootstrapServers());
            assertTrue(own.isRunning());
            assertEquals(0, errors.get());
            final Set<String> values = new HashSet<>(values(readAll(own, "durable", 100, "read_committed")));
            assertEquals(100, values.size());
        }
        // and a caller's data directory is the caller's
        assertTrue(Files.isDirectory(dataDir.resolve("kraft-combined-logs")));
    }

    @Test
    void closeLeavesNoBrokerThreadAndNoTemporaryData() throws Exception {
        // given
        final Set<Thread> before = liveNonDaemonThreads();
        final EmbeddedKafka own = EmbeddedKafka.builder().start();
        own.createTopic("short-lived", 1, Map.of());
        produce(own, "short-lived", 10);
        final Path dataDir = own.dataDir();
        assertTrue(Files.isDirectory(dataDir));

        // when
        final long start = System.nanoTime();
        own.close();
        final long closeMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        LOG.info("Embedded broker closed in {} ms", closeMillis);
        own.close();

        // then
        LOG.info("close took {} ms", closeMillis);
        assertFalse(Files.exists(dataDir), "data directory left behind: " + dataDir);
        assertFalse(own.isRunning());
        assertThrows(IllegalStateException.class, own::admin);
        assertThrows(IllegalStateException.class, own::start);
        assertNoNewThreads(before);
    }

    @Test
    void startFailsNamingTheCauseWhenTheBrokerPortIsTaken() throws Exception {
        final Set<Thread> before = liveNonDaemonThreads();
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            // given
            final EmbeddedKafka own = EmbeddedKafka.builder().brokerPort(taken.getLocalPort()).build();

            // when
            final KafkaException error = assertThrows(KafkaException.class, own::start);

            // then the failed instance is closed and cleaned up
            LOG.info("Expected start failure: {}", error.getMessage());
            assertTrue(error.getMessage().contains(Integer.toString(taken.getLocalPort())),
                    error.getMessage());
            assertFalse(Files.exists(own.dataDir()), "data directory left behind");
            assertThrows(IllegalStateException.class, own::start);
        }
        assertNoNewThreads(before);
    }

    // ---------------------------------------------------------------------------------------------

    private static Set<Thread> liveNonDaemonThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && !t.isDaemon())
                .collect(Collectors.toSet());
    }

    /** Threads may take a moment to end after their owner's shutdown returned; allow 5 s. */
    private static void assertNoNewThreads(final Set<Thread> before) throws InterruptedException {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        Set<Thread> leftovers = newThreads(before);
        while (!leftovers.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(100);
            leftovers = newThreads(before);
        }
        assertTrue(leftovers.isEmpty(), "non-daemon threads left: "
                + leftovers.stream().map(Thread::getName).collect(Collectors.toList()));
    }

    private static Set<Thread> newThreads(final Set<Thread> before) {
        final Set<Thread> now = liveNonDaemonThreads();
        now.removeAll(before);
        return now;
    }

    private static KafkaProducer<String, String> producer(final Map<String, Object> extra) {
        return producer(kafka, extra);
    }

    private static KafkaProducer<String, String> producer(final EmbeddedKafka broker,
            final Map<String, Object> extra) {
        final Map<String, Object> config = new HashMap<>();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        config.putAll(extra);
        return new KafkaProducer<>(config);
    }

    private static void produce(final String topic, final int count) {
        produce(kafka, topic, count);
    }

    private static void produce(final EmbeddedKafka broker, final String topic, final int count) {
        final AtomicInteger errors = new AtomicInteger();
        try (KafkaProducer<String, String> producer = producer(broker, Map.of())) {
            sendAll(producer, topic, 0, count, errors);
            producer.flush();
        }
        assertEquals(0, errors.get());
    }

    private static void sendAll(final KafkaProducer<String, String> producer, final String topic,
            final int from, final int to, final AtomicInteger errors) {
        for (int i = from; i < to; i++) {
            producer.send(new ProducerRecord<>(topic, "k" + i, "v" + i), (metadata, error) -> {
                if (error != null) {
                    errors.incrementAndGet();
                    LOG.error("send failed", error);
                }
            });
        }
    }

    private static Map<String, Object> consumerConfig(final String isolation) {
        return consumerConfig(kafka, isolation);
    }

    private static Map<String, Object> consumerConfig(final EmbeddedKafka broker, final String isolation) {
        final Map<String, Object> config = new HashMap<>();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        return config;
    }

    private static List<ConsumerRecord<String, String>> readAll(final String topic, final int expected,
            final String isolation) {
        return readAll(kafka, topic, expected, isolation);
    }

    /**
     * Reads a topic from the beginning, without a group, until {@code expected} records arrived and
     * a further poll brings none (so that extra records would be noticed), or the wait is over.
     */
    private static List<ConsumerRecord<String, String>> readAll(final EmbeddedKafka broker,
            final String topic, final int expected, final String isolation) {
        final List<ConsumerRecord<String, String>> records = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer =
                new KafkaConsumer<>(consumerConfig(broker, isolation))) {
            final List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(info -> new TopicPartition(topic, info.partition()))
                    .collect(Collectors.toList());
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            final long deadline = System.nanoTime() + WAIT.toNanos();
            final Consumer<ConsumerRecord<String, String>> collect = records::add;
            while (records.size() < expected && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(collect);
            }
            consumer.poll(Duration.ofMillis(200)).forEach(collect);
        }
        return records;
    }

    private static List<String> values(final Collection<ConsumerRecord<String, String>> records) {
        return records.stream().map(ConsumerRecord::value).collect(Collectors.toList());
    }
}
