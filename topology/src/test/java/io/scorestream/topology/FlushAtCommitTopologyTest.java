package io.scorestream.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scorestream.inference.onnx.Mlp;
import io.scorestream.inference.training.SyntheticTransactions;
import io.scorestream.schemas.ScoreResult;
import io.scorestream.schemas.Transaction;
import io.scorestream.topology.processor.ScoringProcessorSupplier;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.IntegerDeserializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The scoring buffer flushed at the commit, through the whole topology on a
 * {@link TopologyTestDriver}. The driver commits its task after every piped record
 * ({@code StreamTask.prepareCommit(true)}, which calls the stores' pre-commit hook, then the commit,
 * then {@code postCommit}), and after every {@code advanceWallClockTime}; so a record buffered by
 * {@code pipeInput} is buffered when that commit happens.
 */
class FlushAtCommitTopologyTest {

    private static final String APP = "flush-at-commit-test";
    private static final String BUFFER_CHANGELOG = APP + "-" + ScoringProcessorSupplier.BUFFER_STORE + "-changelog";
    private static final Mlp V1 = Mlp.random(1, 30, 8, 1);

    private final SyntheticTransactions generator = new SyntheticTransactions(7, 10);
    private TopologyFixture fixture;
    private TestOutputTopic<Integer, byte[]> changelog;

    private void start(boolean flushAtCommit) {
        // A batch far from full and a wait far from over: only the commit can flush it.
        fixture = TopologyFixture.builder(1000).batchMaxWaitMs(60_000).flushAtCommit(flushAtCommit)
                .applicationId(APP).build();
        changelog = fixture.driver().createOutputTopic(BUFFER_CHANGELOG, new IntegerDeserializer(),
                new ByteArrayDeserializer());
    }

    @AfterEach
    void close() {
        if (fixture != null) {
            fixture.close();
        }
    }

    private Transaction tx(int i) {
        final Transaction t = generator.next(TopologyFixture.START.plusMillis(i));
        t.setTransactionId("tx-" + i);
        return t;
    }

    @Test
    void aRecordBufferedWhenTheTaskCommitsIsScoredAndForwardedAtThatCommit() {
        // given: the buffer flushed at the commit, and a live version
        start(true);
        fixture.publishAndAwaitVersion(ModelFixtures.spec(TopologyFixture.MODEL, "1", V1));

        // when: three records are piped, each followed by the driver's commit, and no wall-clock time passes
        final List<Transaction> sent = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            sent.add(tx(i));
            fixture.send(sent.get(i));

            // then: each is scored and forwarded at the commit after it, by itself
            final List<ScoreResult> out = fixture.scores().readValuesToList();
            assertEquals(1, out.size(), "record " + i + " not scored at its commit");
            assertEquals("tx-" + i, out.get(0).getEventId());
            assertEquals(1, out.get(0).getBatchSize());
            assertEquals("1", out.get(0).getModelVersion());
            assertEquals(ModelFixtures.expected(V1, sent.get(i)), out.get(0).getScore(), 1e-5);
            assertEquals(sent.get(i).getEventTime().toEpochMilli(), out.get(0).getEventTime().toEpochMilli());
        }

        // and: the buffer's changelog received nothing (no record copied, no tombstone, no epoch)
        assertTrue(changelog.isEmpty(), "buffer changelog written on the normal path: "
                + changelog.readKeyValuesToList().size() + " record(s)");
        assertTrue(fixture.deadLetters().isEmpty(), "nothing is dead-lettered");
    }

    @Test
    void withoutFlushAtCommitEveryBufferedRecordIsCopiedToTheChangelogAndWaits() {
        // given: the buffer written to its changelogged store (the counting above can see writes)
        start(false);
        fixture.publishAndAwaitVersion(ModelFixtures.spec(TopologyFixture.MODEL, "1", V1));

        // when: two records are piped (two commits)
        fixture.send(tx(0));
        fixture.send(tx(1));

        // then: they wait for the batch, and each was written to the changelog
        assertTrue(fixture.scores().isEmpty(), "scored before the batch was due");
        final List<KeyValue<Integer, byte[]>> written = changelog.readKeyValuesToList();
        assertEquals(List.of(0, 1), written.stream().map(kv -> kv.key).toList());
    }

    @Test
    void recordsHeldWithNoLiveVersionAreWrittenOnceAtTheirCommitAndScoredFirstOnceOneIsLive() {
        // given: the buffer flushed at the commit, and no version published
        start(true);

        // when: three records arrive, each followed by a commit
        for (int i = 0; i < 3; i++) {
            fixture.send(tx(i));
        }

        // then: nothing is scored or dead-lettered; each held record went to the changelog once, at its
        // commit (the store has no record cache), in its own slot past the batch's
        assertTrue(fixture.scores().isEmpty(), "scored without a version");
        assertTrue(fixture.deadLetters().isEmpty(), "dead-lettered for want of a version");
        final List<KeyValue<Integer, byte[]>> held = changelog.readKeyValuesToList();
        assertEquals(3, held.size(), "one changelog record per held record");
        final Set<Integer> slots = new HashSet<>();
        for (KeyValue<Integer, byte[]> kv : held) {
            assertNotNull(kv.value, "a held record, not a tombstone");
            assertTrue(kv.key >= 1000, "held slots start after the batch's: " + kv.key);
            slots.add(kv.key);
        }
        assertEquals(3, slots.size(), "three distinct slots");

        // and: more commits with nothing new held write nothing more
        fixture.driver().advanceWallClockTime(Duration.ofMillis(10));
        assertTrue(changelog.isEmpty(), "held records written again");

        // when: a version goes live and a fourth record arrives
        fixture.publishAndAwaitVersion(ModelFixtures.spec(TopologyFixture.MODEL, "1", V1));
        fixture.send(tx(3));

        // then: the held three are scored first, in order, then the new one, each once
        final List<String> ids = fixture.scores().readValuesToList().stream().map(ScoreResult::getEventId).toList();
        assertEquals(List.of("tx-0", "tx-1", "tx-2", "tx-3"), ids);

        // and: the held records were voided in the changelog (a new epoch), and nothing else buffered there
        final List<KeyValue<Integer, byte[]>> after = changelog.readKeyValuesToList();
        assertFalse(after.isEmpty(), "the held records were never voided");
        for (KeyValue<Integer, byte[]> kv : after) {
            assertTrue(kv.key < 0 || kv.value == null, "only the epoch and tombstones of held slots: slot " + kv.key);
        }
    }
}
