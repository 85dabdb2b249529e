package io.scorestream.topology.processor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.serialization.BytesDeserializer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.Test;

/**
 * The commit-buffered store in a real Kafka Streams task (TopologyTestDriver, which commits after each
 * input record): Metered, change-logging and RocksDB layers below it, changelog records counted on the
 * changelog topic.
 */
class CommitBufferedStoreBuilderTest {

    private static final String STORE = "agg";
    private static final String CHANGELOG = "app-" + STORE + "-changelog";

    /** For an input (key, "n"): adds 1 to the key's counter n times and writes a fixed "seen" key once. */
    private static final class CountingProcessor implements Processor<String, String, String, String> {
        private KeyValueStore<Bytes, byte[]> store;
        private ProcessorContext<String, String> context;

        @Override
        public void init(ProcessorContext<String, String> context) {
            this.context = context;
            this.store = context.getStateStore(STORE);
        }

        @Override
        public void process(Record<String, String> record) {
            final Bytes k = Bytes.wrap(record.key().getBytes(StandardCharsets.UTF_8));
            final int n = Integer.parseInt(record.value());
            for (int i = 0; i < n; i++) {
                final byte[] old = store.get(k);
                final int count = old == null ? 0 : Integer.parseInt(new String(old, StandardCharsets.UTF_8));
                store.put(k, Integer.toString(count + 1).getBytes(StandardCharsets.UTF_8));
            }
            if (n == 0) {
                store.delete(k);
            }
            store.put(Bytes.wrap("seen".getBytes(StandardCharsets.UTF_8)), new byte[] {1});
            final byte[] now = store.get(k);
            context.forward(record.withValue(now == null ? "none" : new String(now, StandardCharsets.UTF_8)));
        }
    }

    /** The stores built for the topology (one per task). */
    private final List<CommitBufferedKeyValueStore> built = new ArrayList<>();

    private Topology topology() {
        final CommitBufferedStoreBuilder builder = new CommitBufferedStoreBuilder(Stores.persistentKeyValueStore(STORE));
        final StoreBuilder<KeyValueStore<Bytes, byte[]>> capturing = new StoreBuilder<>() {
            @Override
            public StoreBuilder<KeyValueStore<Bytes, byte[]>> withCachingEnabled() {
                return builder.withCachingEnabled();
            }

            @Override
            public StoreBuilder<KeyValueStore<Bytes, byte[]>> withCachingDisabled() {
                return builder.withCachingDisabled();
            }

            @Override
            public StoreBuilder<KeyValueStore<Bytes, byte[]>> withLoggingEnabled(Map<String, String> config) {
                return builder.withLoggingEnabled(config);
            }

            @Override
            public StoreBuilder<KeyValueStore<Bytes, byte[]>> withLoggingDisabled() {
                return builder.withLoggingDisabled();
            }

            @Override
            public KeyValueStore<Bytes, byte[]> build() {
                final KeyValueStore<Bytes, byte[]> store = builder.build();
                built.add((CommitBufferedKeyValueStore) store);
                return store;
            }

            @Override
            public Map<String, String> logConfig() {
                return builder.logConfig();
            }

            @Override
            public boolean loggingEnabled() {
                return builder.loggingEnabled();
            }

            @Override
            public String name() {
                return builder.name();
            }
        };
        final Topology t = new Topology();
        t.addSource("in", new StringDeserializer(), new StringDeserializer(), "in");
        t.addProcessor("count", CountingProcessor::new, "in");
        t.addStateStore(capturing, "count");
        t.addSink("out", "out", new StringSerializer(), new StringSerializer(), "count");
        return t;
    }

    private static Properties props(String guarantee) {
        final Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, "app");
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, guarantee);
        return p;
    }

    @Test
    void sendsOneChangelogRecordPerWrittenKeyPerCommitUnderExactlyOnce() {
        assertOneRecordPerKeyPerCommit(StreamsConfig.EXACTLY_ONCE_V2);
    }

    @Test
    void sendsOneChangelogRecordPerWrittenKeyPerCommitUnderAtLeastOnce() {
        assertOneRecordPerKeyPerCommit(StreamsConfig.AT_LEAST_ONCE);
    }

    private void assertOneRecordPerKeyPerCommit(String guarantee) {
        try (TopologyTestDriver driver = new TopologyTestDriver(topology(), props(guarantee))) {
            final TestInputTopic<String, String> in = driver.createInputTopic("in", new StringSerializer(),
                    new StringSerializer());
            final TestOutputTopic<String, String> out = driver.createOutputTopic("out", new StringDeserializer(),
                    new StringDeserializer());
            final TestOutputTopic<Bytes, byte[]> changelog = driver.createOutputTopic(CHANGELOG,
                    new BytesDeserializer(), new ByteArrayDeserializer());

            // given a hot key written 100 times while one record is processed (one commit each record)
            in.pipeInput("hot", "100");

            // then the processor read its own writes, and the changelog got one record per key
            assertEquals("100", out.readValue());
            final Map<String, String> logged = new HashMap<>();
            final List<KeyValue<Bytes, byte[]>> first = changelog.readKeyValuesToList();
            first.forEach(kv -> logged.put(new String(kv.key.get(), StandardCharsets.UTF_8),
                    kv.value == null ? null : new String(kv.value, StandardCharsets.UTF_8)));
            assertEquals(2, first.size(), "changelog records after the first commit: " + logged.keySet());
            assertEquals("100", logged.get("hot"));

            // when the next record writes the same key 5 more times
            in.pipeInput("hot", "5");

            // then the count goes on from RocksDB and the changelog gets one record per key again
            assertEquals("105", out.readValue());
            final List<KeyValue<Bytes, byte[]>> second = changelog.readKeyValuesToList();
            assertEquals(2, second.size());
            assertTrue(second.stream().anyMatch(kv -> new String(kv.key.get(), StandardCharsets.UTF_8).equals("hot")
                    && "105".equals(new String(kv.value, StandardCharsets.UTF_8))), "hot=105 logged");

            // when the key is deleted, then the changelog gets its tombstone
            in.pipeInput("hot", "0");
            assertEquals("none", out.readValue());
            final List<KeyValue<Bytes, byte[]>> third = changelog.readKeyValuesToList();
            assertTrue(third.stream().anyMatch(kv -> new String(kv.key.get(), StandardCharsets.UTF_8).equals("hot")
                    && kv.value == null), "a tombstone for the deleted key");

            // and the store, read through Kafka Streams, holds what the changelog says
            final KeyValueStore<Bytes, byte[]> store = driver.getKeyValueStore(STORE);
            assertEquals(null, store.get(Bytes.wrap("hot".getBytes(StandardCharsets.UTF_8))));

            // and every key went down at Kafka Streams' pre-commit hook, none after the commit
            assertEquals(1, built.size());
            assertEquals(6, built.get(0).writtenDownKeys());
            assertEquals(0, built.get(0).writtenDownAfterCommit());
        }
    }

    @Test
    void declaresALoggedStoreAndRefusesTheRecordCache() {
        final CommitBufferedStoreBuilder builder = new CommitBufferedStoreBuilder(
                Stores.persistentKeyValueStore(STORE));
        assertTrue(builder.loggingEnabled());
        assertEquals(STORE, builder.name());
        final UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                builder::withCachingEnabled);
        assertTrue(e.getMessage().contains(STORE), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> new CommitBufferedStoreBuilder(Stores.persistentKeyValueStore(STORE), 0));
    }
}
