package io.scorestream.connectors.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.ConfigValue;
import org.junit.jupiter.api.Test;

/** {@link JdbcSinkConfig} and the connector's {@code validate}: defaults, messages naming the key, secrets. */
class JdbcSinkConfigTest {

    private static final String SECRET = "pw-Zq81-never-shown";

    private static Map<String, String> valid() {
        final Map<String, String> props = new HashMap<>();
        props.put("connection.url", "jdbc:postgresql://db:5432/scores");
        return props;
    }

    /** The connector's validation messages, by key; keys without a message left out. */
    private static Map<String, List<String>> problems(final Map<String, String> props) {
        return new JdbcSinkConnector().validate(props).configValues().stream()
                .filter(v -> !v.errorMessages().isEmpty())
                .collect(Collectors.toMap(ConfigValue::name, ConfigValue::errorMessages));
    }

    @Test
    void aValidConfigurationHasNoProblemsAndTheDocumentedDefaults() {
        // when
        final JdbcSinkConfig config = new JdbcSinkConfig(valid());

        // then
        assertEquals(Map.of(), problems(valid()));
        assertEquals(JdbcSinkConfig.InsertMode.UPSERT, config.insertMode());
        assertEquals(List.of("event_id", "model_name", "model_version", "role"), config.pkFields());
        assertEquals(3000, config.batchSize());
        assertTrue(config.autoCreate());
        assertTrue(config.autoEvolve());
        assertEquals(3000L, config.retryBackoffMs());
        assertEquals(10, config.maxRetries());
        assertEquals("public", config.tableSchema());
        assertEquals("scores", config.tableName("scores"));
    }

    @Test
    void validateNamesTheKeyOfEachProblem() {
        // given
        final Map<String, String> props = valid();
        props.put("connection.url", "jdbc:mysql://db/scores");
        props.put("insert.mode", "merge");
        props.put("pk.fields", "");
        props.put("batch.size", "0");

        // when
        final Map<String, List<String>> problems = problems(props);

        // then
        assertEquals(List.of("batch.size", "connection.url", "insert.mode", "pk.fields"),
                problems.keySet().stream().sorted().collect(Collectors.toList()));
        problems.forEach((key, messages) -> assertTrue(messages.get(0).contains(key), key + ": " + messages));
        assertTrue(problems.get("connection.url").get(0).contains("jdbc:postgresql://"));
        assertTrue(problems.get("insert.mode").get(0).contains("upsert"));
    }

    @Test
    void aMissingUrlAndARepeatedPrimaryKeyFieldAreNamed() {
        // given
        final Map<String, String> props = Map.of("pk.fields", "event_id,role, event_id");

        // when
        final Map<String, List<String>> problems = problems(props);

        // then
        assertTrue(problems.get("connection.url").get(0).contains("connection.url"), problems.toString());
        assertTrue(problems.get("pk.fields").get(0).contains("'event_id' twice"), problems.toString());
    }

    @Test
    void theTaskRefusesToStartWithABadSettingNamingIt() {
        // given
        final Map<String, String> props = valid();
        props.put("insert.mode", "merge");

        // when
        final ConfigException e = assertThrows(ConfigException.class, () -> new JdbcSinkTask().start(props));

        // then
        assertTrue(e.getMessage().contains("insert.mode"), e.getMessage());
    }

    @Test
    void passwordsAreHiddenInToStringAndValidationMessages() {
        // given a password, and another in the URL
        final Map<String, String> props = valid();
        props.put("connection.url", "jdbc:postgresql://db/scores?sslmode=require&password=" + SECRET);
        props.put("connection.password", SECRET);

        // when
        final JdbcSinkConfig config = new JdbcSinkConfig(props);
        props.put("connection.url", "jdbc:postgres://db/scores?password=" + SECRET);
        final Map<String, List<String>> problems = problems(props);

        // then
        assertFalse(config.toString().contains(SECRET), config.toString());
        assertTrue(config.toString().contains("sslmode=require&password=****"), config.toString());
        assertTrue(config.toString().contains("connection.password=[hidden]"), config.toString());
        assertFalse(problems.toString().contains(SECRET), problems.toString());
        assertEquals(SECRET, config.password().value());
    }

    @Test
    void tableNamesAreMadePlainIdentifiers() {
        // given
        final Map<String, String> props = valid();
        props.put("table.name.format", "Sink_${topic}");
        final JdbcSinkConfig config = new JdbcSinkConfig(props);

        // then
        assertEquals("sink_shadow_scores_v2", config.tableName("Shadow-Scores.v2"));
        assertEquals("_7days", Identifiers.tableName("7days"));
        assertEquals(63, config.tableName("t".repeat(100)).length());
        assertEquals("\"we\"\"ird\"", Identifiers.quote("we\"ird"));
    }
}
