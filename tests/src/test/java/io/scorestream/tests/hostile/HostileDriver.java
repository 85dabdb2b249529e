package io.scorestream.tests.hostile;

import io.scorestream.inference.onnx.Mlp;
import io.scorestream.schemas.ScoreResult;
import io.scorestream.schemas.registry.InMemorySchemaRegistry;
import io.scorestream.schemas.registry.SchemaRegistry;
import io.scorestream.topology.ModelFixtures;
import io.scorestream.topology.TopologyFixture;
import io.scorestream.app.demo.PoisonRecords;
import io.scorestream.topology.errors.DeadLetters;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;

/**
 * The scoring topology on a {@link TopologyTestDriver}, wired as the application wires it (both
 * dead-lettering handlers, a dead-letter topic), with version "1" of a small random MLP over the
 * 30 Transaction features live. Records go in as raw bytes, so a test can send anything; every
 * input is identified by its offset on the one input partition. Owns its driver and model
 * registry: close it.
 */
final class HostileDriver implements AutoCloseable {

    static final String TOPIC = TopologyFixture.TRANSACTIONS;
    static final String MODEL = TopologyFixture.MODEL;
    static final Mlp V1 = Mlp.random(1, 30, 16, 1);
    static final Instant START = TopologyFixture.START;

    final SchemaRegistry schemas;
    final PoisonRecords poison;
    private final TopologyFixture fixture;
    private long nextOffset;

    /** Starts the driver with batches of {@code batchMaxRecords} (and a 1-minute wait) and waits for v1. */
    HostileDriver(int batchMaxRecords) {
        this(batchMaxRecords, new InMemorySchemaRegistry());
    }

    /** As {@link #HostileDriver(int)}, on {@code schemas}, which must be reachable while this starts. */
    HostileDriver(int batchMaxRecords, SchemaRegistry schemas) {
        this.schemas = schemas;
        this.fixture = TopologyFixture.builder(batchMaxRecords).applicationId("hostile-test").warmUpRows(2)
                .schemas(schemas).build();
        try {
            // Version 1 first, then the poison generator: it registers an older schema under the
            // topic's subject, which a first version would (rightly) be checked against.
            publishAndAwait("1", V1);
            poison = new PoisonRecords(schemas, TOPIC);
        } catch (RuntimeException | Error e) {
            fixture.close();
            throw e;
        }
    }

    /** Publishes {@code mlp} as {@code version} and waits until it is live; fails at once if it is refused. */
    void publishAndAwait(String version, Mlp mlp) {
        fixture.publishAndAwaitVersion(ModelFixtures.spec(MODEL, version, mlp));
    }

    /**
     * Sends one record to the input topic.
     *
     * @return its offset
     */
    long send(byte[] key, byte[] value, Headers headers) {
        fixture.rawTransactions().pipeInput(new TestRecord<>(key, value, headers, START.plusMillis(nextOffset)));
        return nextOffset++;
    }

    /** The offset the next record sent will have. */
    long nextOffset() {
        return nextOffset;
    }

    /** Lets the wall clock pass the batch wait, so every buffered record is scored. */
    void flush() {
        fixture.driver().advanceWallClockTime(Duration.ofMinutes(2));
    }

    /** Everything written to the score and dead-letter topics since the last call, by source offset. */
    Outcomes drain() {
        final Map<Long, List<TestRecord<byte[], ScoreResult>>> scored = new HashMap<>();
        for (TestRecord<byte[], ScoreResult> r : fixture.scores().readRecordsToList()) {
            final Long offset = r.value().getSourceOffset();
            scored.computeIfAbsent(offset, k -> new ArrayList<>()).add(r);
        }
        final Map<Long, List<TestRecord<byte[], byte[]>>> dead = new HashMap<>();
        for (TestRecord<byte[], byte[]> r : fixture.deadLetters().readRecordsToList()) {
            final String offset = DeadLetters.text(r.headers(), DeadLetters.HEADER_OFFSET);
            dead.computeIfAbsent(offset == null ? null : Long.valueOf(offset), k -> new ArrayList<>()).add(r);
        }
        return new Outcomes(scored, dead);
    }

    @Override
    public void close() {
        fixture.close();
    }

    /**
     * What came out, keyed by the source offset a record names ({@code source_offset} of a score,
     * the {@code __streams.errors.offset} header of a dead letter; null when it names none).
     */
    record Outcomes(Map<Long, List<TestRecord<byte[], ScoreResult>>> scored,
                    Map<Long, List<TestRecord<byte[], byte[]>>> dead) {

        int scoreCount() {
            return scored.values().stream().mapToInt(List::size).sum();
        }

        int deadCount() {
            return dead.values().stream().mapToInt(List::size).sum();
        }

        /** The only score of {@code offset}; fails when there is none or more than one. */
        TestRecord<byte[], ScoreResult> score(long offset) {
            final List<TestRecord<byte[], ScoreResult>> list = scored.getOrDefault(offset, List.of());
            if (list.size() != 1) {
                throw new AssertionError("offset " + offset + " has " + list.size() + " score(s); " + this);
            }
            return list.get(0);
        }

        /** The only dead letter of {@code offset}; fails when there is none or more than one. */
        TestRecord<byte[], byte[]> deadLetter(long offset) {
            final List<TestRecord<byte[], byte[]>> list = dead.getOrDefault(offset, List.of());
            if (list.size() != 1) {
                throw new AssertionError("offset " + offset + " has " + list.size() + " dead letter(s); " + this);
            }
            return list.get(0);
        }

        @Override
        public String toString() {
            return "scored offsets " + counts(scored) + ", dead-lettered offsets " + counts(dead);
        }

        private static <V> Map<Long, Integer> counts(Map<Long, List<V>> m) {
            final Map<Long, Integer> c = new TreeMap<>(Comparator.nullsFirst(Comparator.<Long>naturalOrder()));
            m.forEach((k, v) -> c.put(k, v.size()));
            return c;
        }
    }
}
