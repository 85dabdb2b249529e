package io.scorestream.app.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.scorestream.topology.PipelineSettings;
import io.scorestream.topology.TopologySettings;
import io.scorestream.topology.processor.ScoringSettings;

import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The {@code pipelines} key and the {@code pipeline.<name>.*} keys of {@link ScorestreamConfig}. */
class ScorestreamConfigPipelinesTest {

    /** Two pipelines with only their required keys. */
    private static final Map<String, String> TWO_PIPELINES = Map.of(
            "bootstrap.servers", "localhost:9092",
            "pipelines", "fraud,credit",
            "pipeline.fraud.input.topics", "transactions",
            "pipeline.fraud.model.name", "fraud-mlp",
            "pipeline.credit.input.topics", "applications",
            "pipeline.credit.model.name", "credit-lr");

    @TempDir
    Path dir;

    private static Map<String, Object> twoPipelines(final Object... keyValues) {
        final Map<String, Object> config = new HashMap<>(TWO_PIPELINES);
        for (int i = 0; i < keyValues.length; i += 2) {
            if (keyValues[i + 1] == null) {
                config.remove((String) keyValues[i]);
            } else {
                config.put((String) keyValues[i], keyValues[i + 1]);
            }
        }
        return config;
    }

    private static ConfigException refused(final Map<String, ?> config) {
        return assertThrows(ConfigException.class, () -> ScorestreamConfig.of(config));
    }

    private static void assertMentions(final ConfigException e, final String... parts) {
        for (final String part : parts) {
            assertTrue(e.getMessage().contains(part), "'" + part + "' missing from: " + e.getMessage());
        }
    }

    // ---- one pipeline, as before -------------------------------------------------------------

    @Test
    void withoutPipelinesRunsOnePipelineNamedDefaultFromTheGlobalKeys() {
        // when
        final ScorestreamConfig config = ScorestreamConfig.of(Map.of(
                "bootstrap.servers", "localhost:9092",
                "input.topics", "features,more-features",
                "model.name", "fraud",
                "batch.max.records", "64",
                "batch.max.wait.ms", "0",
                "event.id.field", "txn_id",
                "model.wait.timeout.ms", "1234"));

        // then: exactly what the application built before pipelines existed (with the application's
        // default batch.flush.at.commit=true; ScoringSettings' own default is false)
        final TopologySettings legacy = new TopologySettings(List.of("features", "more-features"), "scores",
                "scores-dlq", "model-specs", new ScoringSettings("fraud", 64, 0, "txn_id").withFlushAtCommit(true).withPipelined(true));
        assertEquals(legacy, config.topologySettings());
        final PipelineSettings only = config.pipelines().get(0);
        assertEquals(List.of(only), config.pipelines());
        assertEquals(PipelineSettings.DEFAULT, only.name());
        assertEquals("scoring", only.processorName());
        assertEquals("scoring-buffer", only.bufferStoreName());
        assertEquals("scores-shadow", only.shadowTopic());
        assertEquals(List.of("fraud"), config.modelNames());
        assertEquals("fraud", config.modelName());
    }

    @Test
    void scoreDecodeFastIsOnByDefaultAndTurnsOffForEveryPipeline() {
        assertTrue(ScorestreamConfig.of(twoPipelines()).pipelines().stream()
                .allMatch(p -> p.scoring().fastDecode()));

        final ScorestreamConfig off = ScorestreamConfig.of(twoPipelines("score.decode.fast", "false"));

        assertEquals(List.of(false, false), off.pipelines().stream().map(p -> p.scoring().fastDecode()).toList());
        assertMentions(refused(twoPipelines("score.decode.fast", "sometimes")), "score.decode.fast", "sometimes");
    }

    // ---- several pipelines ------------------------------------------------------------------

    @Test
    void eachPipelineTakesItsOwnKeysAndFallsBackToTheGlobalOnes() {
        // given global defaults, and credit overriding every optional key
        final ScorestreamConfig config = ScorestreamConfig.of(twoPipelines(
                "output.topic", "all-scores",
                "batch.max.records", "128",
                "batch.max.wait.ms", "7",
                "event.id.field", "transaction_id",
                "model.wait.timeout.ms", "5000",
                "pipeline.credit.input.topics", "applications, loans",
                "pipeline.credit.output.topic", "credit-scores",
                "pipeline.credit.shadow.topic", "credit-challenger",
                "pipeline.credit.batch.max.records", "16",
                "pipeline.credit.batch.max.wait.ms", "0",
                "pipeline.credit.event.id.field", "application_id"));

        // then (batch.flush.at.commit: the application's default, true, in every pipeline)
        assertEquals(List.of(
                new PipelineSettings("fraud", List.of("transactions"), "all-scores", "all-scores-shadow",
                        new ScoringSettings("fraud-mlp", 128, 7, "transaction_id").withFlushAtCommit(true).withPipelined(true)),
                new PipelineSettings("credit", List.of("applications", "loans"), "credit-scores", "credit-challenger",
                        new ScoringSettings("credit-lr", 16, 0, "application_id").withFlushAtCommit(true).withPipelined(true))),
                config.pipelines());
        assertEquals(new TopologySettings(config.pipelines(), "scores-dlq", "model-specs"),
                config.topologySettings());
        assertEquals("scoring-fraud", config.pipelines().get(0).processorName());
        assertEquals("scoring-buffer-credit", config.pipelines().get(1).bufferStoreName());
    }

    @Test
    void aPipelineShadowTopicDefaultsToShadowTopicElseToItsOwnOutputTopicShadow() {
        // given no shadow.topic: each pipeline's shadow topic follows its output topic
        final ScorestreamConfig own = ScorestreamConfig.of(twoPipelines(
                "pipeline.credit.output.topic", "credit-scores"));
        assertEquals("scores-shadow", own.pipelines().get(0).shadowTopic());
        assertEquals("credit-scores-shadow", own.pipelines().get(1).shadowTopic());

        // given shadow.topic: the pipelines without their own share it
        final ScorestreamConfig shared = ScorestreamConfig.of(twoPipelines(
                "shadow.topic", "challengers",
                "pipeline.credit.output.topic", "credit-scores"));
        assertEquals("challengers", shared.pipelines().get(0).shadowTopic());
        assertEquals("challengers", shared.pipelines().get(1).shadowTopic());
    }

    @Test
    void globalAccessorsSummariseThePipelines() {
        // when
        final ScorestreamConfig config = ScorestreamConfig.of(twoPipelines(
                "pipeline.fraud.input.topics", "transactions,refunds",
                "pipelines", "fraud,credit,fraud-eu",
                "pipeline.fraud-eu.input.topics", "transactions-eu",
                "pipeline.fraud-eu.model.name", "fraud-mlp"));

        // then
        assertEquals(List.of("transactions", "refunds", "applications", "transactions-eu"), config.inputTopics());
        assertEquals(List.of("fraud-mlp", "credit-lr"), config.modelNames());
        assertEquals("fraud-mlp", config.modelName());
        assertEquals("scores", config.topics().outputTopic());
        assertEquals(256, config.batching().maxRecords());
    }

    @Test
    void pipelinesMayShareTheirOutputAndShadowTopics() {
        // when both write to the default scores and scores-shadow
        final ScorestreamConfig config = ScorestreamConfig.of(TWO_PIPELINES);

        // then
        assertEquals("scores", config.pipelines().get(0).outputTopic());
        assertEquals("scores", config.pipelines().get(1).outputTopic());
        assertEquals("scores-shadow", config.pipelines().get(1).shadowTopic());
    }

    @Test
    void aPipelineNamedDefaultKeepsTheSinglePipelineNodeNames() {
        final ScorestreamConfig config = ScorestreamConfig.of(twoPipelines(
                "pipelines", "default,credit",
                "pipeline.default.input.topics", "transactions",
                "pipeline.default.model.name", "fraud-mlp",
                "pipeline.fraud.input.topics", null,
                "pipeline.fraud.model.name", null));
        assertEquals("scoring-buffer", config.pipelines().get(0).bufferStoreName());
        assertEquals("scoring-buffer-credit", config.pipelines().get(1).bufferStoreName());
    }

    @Test
    void showsThePipelinesEffectiveValuesInTheRedactedView() {
        final Map<String, String> redacted = ScorestreamConfig.of(twoPipelines(
                "batch.max.records", "100",
                "pipeline.fraud.batch.max.records", "50")).redacted();
        assertEquals("fraud,credit", redacted.get("pipelines"));
        assertEquals("50", redacted.get("pipeline.fraud.batch.max.records"));
        assertEquals("100", redacted.get("pipeline.credit.batch.max.records"));
        assertEquals("applications", redacted.get("pipeline.credit.input.topics"));
        assertEquals("", redacted.get("input.topics"));
    }

    // ---- refusals, each naming its key --------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"input.topics", "model.name"})
    void refusesTheGlobalKeyThatPipelinesReplace(final String key) {
        final ConfigException e = refused(twoPipelines(key, "x"));
        assertMentions(e, "'" + key + "'", "not allowed when 'pipelines' is set",
                "'pipeline.fraud." + key + "'", "'pipeline.credit." + key + "'");
    }

    @Test
    void namesEveryMissingRequiredPipelineKey() {
        // when
        final ConfigException e = refused(twoPipelines(
                "pipeline.fraud.model.name", null,
                "pipeline.credit.input.topics", null,
                "pipeline.credit.model.name", null));

        // then
        assertMentions(e, "\"pipeline.fraud.model.name\"", "\"pipeline.credit.input.topics\"",
                "\"pipeline.credit.model.name\"", "SCORESTREAM_PIPELINE_CREDIT_INPUT_TOPICS");
        assertFalse(e.getMessage().contains("\"pipeline.fraud.input.topics\""), e.getMessage());
        assertFalse(e.getMessage().contains("\"input.topics\""), e.getMessage());
    }

    @Test
    void withoutPipelinesStillRequiresInputTopicsAndModelName() {
        final ConfigException e = refused(Map.of("bootstrap.servers", "b:9092"));
        assertMentions(e, "\"input.topics\"", "\"model.name\"", "SCORESTREAM_INPUT_TOPICS");
    }

    @Test
    void refusesAKeyOfAnUndeclaredPipelineNamingItAndTheNearestKey() {
        final ConfigException typo = refused(twoPipelines("pipeline.frud.batch.max.records", "8"));
        assertMentions(typo, "'pipeline.frud.batch.max.records'", "pipeline 'frud' is not declared in 'pipelines'",
                "declared: fraud, credit", "did you mean 'pipeline.fraud.batch.max.records'?");

        final ConfigException none = refused(Map.of("bootstrap.servers", "b:9092", "input.topics", "t",
                "model.name", "m", "pipeline.fraud.model.name", "fraud"));
        assertMentions(none, "'pipeline.fraud.model.name'", "pipeline 'fraud' is not declared in 'pipelines' "
                + "(which is empty)");
    }

    @Test
    void refusesAnUnknownPipelineSettingNamingIt() {
        final ConfigException typo = refused(twoPipelines("pipeline.fraud.batch.max.record", "8"));
        assertMentions(typo, "'pipeline.fraud.batch.max.record'", "'batch.max.record' is not a setting of "
                + "pipeline 'fraud'", "did you mean 'pipeline.fraud.batch.max.records'?");

        final ConfigException unknown = refused(twoPipelines("pipeline.credit.inference.device", "cpu"));
        assertMentions(unknown, "'pipeline.credit.inference.device'", "'inference.device' is not a setting",
                "input.topics, model.name, output.topic, shadow.topic, batch.max.records, batch.max.wait.ms, "
                        + "event.id.field");

        final ConfigException noPipeline = refused(twoPipelines("pipeline.colour", "blue"));
        assertMentions(noPipeline, "'pipeline.colour'", "pipeline.<name>.<setting>");

        final ConfigException plural = refused(twoPipelines("pipelines.fraud.model.name", "fraud"));
        assertMentions(plural, "'pipelines.fraud.model.name'", "did you mean 'pipeline.fraud.model.name'?");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '=', value = {
        "pipeline.fraud.batch.max.records=0",
        "pipeline.fraud.batch.max.records=65537",
        "pipeline.fraud.batch.max.records=lots",
        "pipeline.credit.batch.max.wait.ms=-1",
        "pipeline.credit.output.topic=no spaces",
        "pipeline.credit.shadow.topic=no spaces",
        "pipeline.credit.input.topics=a,,b",
        "pipeline.credit.input.topics=a,a",
        "pipeline.credit.input.topics=''",
        "pipeline.fraud.model.name=' '",
        "pipeline.fraud.event.id.field=two words",
        "pipelines=fraud,fraud",
        "pipelines=fraud credit",
        "pipelines=fraud/eu"
    })
    void refusesAnInvalidPipelineValueNamingTheKey(final String key, final String value) {
        assertMentions(refused(twoPipelines(key, value)), key);
    }

    @Test
    void refusesAnInputTopicReadByTwoPipelinesNamingBothKeys() {
        final ConfigException e = refused(twoPipelines("pipeline.credit.input.topics", "applications,transactions"));
        assertMentions(e, "pipeline.credit.input.topics", "pipeline.fraud.input.topics", "transactions",
                "each input topic belongs to one pipeline");
    }

    @Test
    void refusesAPipelineTopicWithTwoRolesNamingBothKeys() {
        final ConfigException written = refused(twoPipelines("pipeline.credit.output.topic", "transactions"));
        assertMentions(written, "pipeline.credit.output.topic", "pipeline.fraud.input.topics");

        // a value taken from a global key says so
        final ConfigException fallback = refused(twoPipelines("pipeline.credit.input.topics", "scores"));
        assertMentions(fallback, "pipeline.credit.input.topics", "pipeline.fraud.output.topic (defaulting to "
                + "output.topic)");

        final ConfigException shadow = refused(twoPipelines("pipeline.credit.shadow.topic", "scores"));
        assertMentions(shadow, "pipeline.credit.shadow.topic", "pipeline.fraud.output.topic");

        final ConfigException deadLetters = refused(twoPipelines("pipeline.fraud.output.topic", "scores-dlq"));
        assertMentions(deadLetters, "dead.letter.topic", "pipeline.fraud.output.topic");
    }

    // ---- environment --------------------------------------------------------------------------

    @Test
    void environmentVariablesSetPipelineKeys() throws IOException {
        // given
        final Path file = dir.resolve("scorestream.properties");
        Files.writeString(file, String.join("\n",
                "bootstrap.servers=b:9092",
                "pipelines=fraud,credit",
                "pipeline.fraud.input.topics=transactions",
                "pipeline.fraud.model.name=fraud-mlp",
                "pipeline.fraud.batch.max.records=64",
                "pipeline.credit.input.topics=applications") + "\n", StandardCharsets.UTF_8);
        final Map<String, String> env = Map.of(
                "SCORESTREAM_PIPELINE_FRAUD_BATCH_MAX_RECORDS", "512",
                "SCORESTREAM_PIPELINE_CREDIT_MODEL_NAME", "credit-lr");

        // when
        final ScorestreamConfig config = ScorestreamConfig.load(file, env, Map.of());

        // then
        assertEquals("SCORESTREAM_PIPELINE_FRAUD_BATCH_MAX_RECORDS",
                ScorestreamConfig.envName(PipelinesConfig.pipelineKey("fraud", "batch.max.records")));
        assertEquals(512, config.pipelines().get(0).scoring().batchMaxRecords());
        assertEquals("credit-lr", config.pipelines().get(1).scoring().modelName());
    }

    @Test
    void theEnvironmentCanDeclareThePipelinesToo() {
        final ScorestreamConfig config = ScorestreamConfig.load(null, Map.of(
                "SCORESTREAM_BOOTSTRAP_SERVERS", "b:9092",
                "SCORESTREAM_PIPELINES", "fraud,credit",
                "SCORESTREAM_PIPELINE_FRAUD_INPUT_TOPICS", "transactions",
                "SCORESTREAM_PIPELINE_FRAUD_MODEL_NAME", "fraud-mlp",
                "SCORESTREAM_PIPELINE_CREDIT_INPUT_TOPICS", "applications",
                "SCORESTREAM_PIPELINE_CREDIT_MODEL_NAME", "credit-lr"), null);
        assertEquals(List.of("fraud-mlp", "credit-lr"), config.modelNames());
    }

    @Test
    void saysWhenAPipelineNameCannotBeSpelledInTheEnvironment() {
        // given a pipeline whose name has '_', which an environment variable reads back as '.'
        final Map<String, String> cli = Map.of(
                "bootstrap.servers", "b:9092",
                "pipelines", "credit_risk",
                "pipeline.credit_risk.input.topics", "applications");

        // when its model name comes from the environment
        final ConfigException fromEnv = assertThrows(ConfigException.class, () -> ScorestreamConfig.load(null,
                Map.of("SCORESTREAM_PIPELINE_CREDIT_RISK_MODEL_NAME", "credit-lr"), cli));

        // then
        assertMentions(fromEnv, "'pipeline.credit.risk.model.name'",
                "environment variable SCORESTREAM_PIPELINE_CREDIT_RISK_MODEL_NAME",
                "pipeline 'credit_risk' cannot be configured from the environment",
                "\"pipeline.credit_risk.model.name\"", "with --set");
    }

    @Test
    void saysWhereAnInvalidPipelineValueWasSet() {
        final ConfigException e = assertThrows(ConfigException.class, () -> ScorestreamConfig.load(null,
                Map.of("SCORESTREAM_PIPELINE_CREDIT_BATCH_MAX_RECORDS", "0"), TWO_PIPELINES));
        assertMentions(e, "pipeline.credit.batch.max.records",
                "environment variable SCORESTREAM_PIPELINE_CREDIT_BATCH_MAX_RECORDS");
    }

    // ---- documentation ------------------------------------------------------------------------

    @Test
    void documentsThePipelinesKeyAndOneRowPerPipelineSetting() {
        final String doc = ScorestreamConfig.documentation();
        assertTrue(doc.contains("## Pipelines"), doc);
        assertTrue(doc.contains("| `pipelines` | list | *empty* |"), doc);
        assertTrue(doc.contains("| `pipeline.<name>.input.topics` | list | *required* |"), doc);
        assertTrue(doc.contains("| `pipeline.<name>.model.name` | string | *required* |"), doc);
        for (final String setting : List.of("output.topic", "shadow.topic", "batch.max.records", "batch.max.wait.ms",
                "event.id.field")) {
            assertTrue(doc.contains("| `pipeline.<name>." + setting + "` | "), setting);
            assertTrue(doc.contains(" | as `" + setting + "` | "), setting);
        }
        assertTrue(doc.contains("| `input.topics` | list | *required* without `pipelines` |"), doc);
        assertTrue(doc.contains("SCORESTREAM_PIPELINE_FRAUD_BATCH_MAX_RECORDS"), doc);
    }
}
