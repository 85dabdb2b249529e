package io.scorestream.app.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scorestream.topology.PipelineSettings;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

/** {@code batch.flush.at.commit} and {@code batch.pipelined} reach every pipeline's scoring settings. */
class BatchFlushAtCommitConfigTest {

    private static Map<String, String> base() {
        final Map<String, String> m = new HashMap<>();
        m.put("bootstrap.servers", "localhost:9092");
        m.put("pipelines", "fraud,credit");
        m.put("pipeline.fraud.input.topics", "transactions");
        m.put("pipeline.fraud.model.name", "fraud-mlp");
        m.put("pipeline.fraud.output.topic", "fraud-scores");
        m.put("pipeline.credit.input.topics", "applications");
        m.put("pipeline.credit.model.name", "credit-lr");
        m.put("pipeline.credit.output.topic", "credit-scores");
        return m;
    }

    @Test
    void onByDefaultSoEveryPipelineScoresItsOpenBatchAtTheCommit() {
        final ScorestreamConfig config = ScorestreamConfig.of(base());
        assertTrue(config.batching().flushAtCommit());
        assertEquals(2, config.pipelines().size());
        for (PipelineSettings p : config.pipelines()) {
            assertTrue(p.scoring().flushAtCommit(), p.name());
        }
    }

    @Test
    void falseMakesEveryPipelineStoreItsBufferedRecordsAsBefore() {
        final Map<String, String> m = base();
        m.put(BatchingConfig.BATCH_FLUSH_AT_COMMIT_CONFIG, "false");
        final ScorestreamConfig config = ScorestreamConfig.of(m);
        assertFalse(config.batching().flushAtCommit());
        assertEquals(2, config.pipelines().size());
        for (PipelineSettings p : config.pipelines()) {
            assertFalse(p.scoring().flushAtCommit(), p.name());
        }
    }

    @Test
    void aValueThatIsNotABooleanIsRefusedNamingTheKey() {
        final Map<String, String> m = base();
        m.put(BatchingConfig.BATCH_FLUSH_AT_COMMIT_CONFIG, "sometimes");
        final ConfigException e = assertThrows(ConfigException.class, () -> ScorestreamConfig.of(m));
        assertTrue(e.getMessage().contains(BatchingConfig.BATCH_FLUSH_AT_COMMIT_CONFIG), e.getMessage());
    }

    @Test
    void pipelinedIsOnByDefaultInEveryPipelineAndFalseTurnsItOff() {
        final ScorestreamConfig on = ScorestreamConfig.of(base());
        assertTrue(on.batching().pipelined());
        for (PipelineSettings p : on.pipelines()) {
            assertTrue(p.scoring().pipelined(), p.name());
        }
        final Map<String, String> m = base();
        m.put(BatchingConfig.BATCH_PIPELINED_CONFIG, "false");
        final ScorestreamConfig off = ScorestreamConfig.of(m);
        assertFalse(off.batching().pipelined());
        assertEquals(2, off.pipelines().size());
        for (PipelineSettings p : off.pipelines()) {
            assertFalse(p.scoring().pipelined(), p.name());
            assertTrue(p.scoring().flushAtCommit(), p.name());
        }
    }

    @Test
    void aPipelinedValueThatIsNotABooleanIsRefusedNamingTheKey() {
        final Map<String, String> m = base();
        m.put(BatchingConfig.BATCH_PIPELINED_CONFIG, "maybe");
        final ConfigException e = assertThrows(ConfigException.class, () -> ScorestreamConfig.of(m));
        assertTrue(e.getMessage().contains(BatchingConfig.BATCH_PIPELINED_CONFIG), e.getMessage());
    }
}
