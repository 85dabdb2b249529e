package io.scorestream.app.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.scorestream.app.cli.ScorestreamApp;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code scorestream acls} as a user meets it: the printed commands and JSON, and the mistakes it
 * refuses. In memory; {@code --apply} is tested against a real broker in {@code AclsApplyIT}.
 */
class AclsCommandTest {

    @TempDir
    Path dir;

    private Path config;

    @BeforeEach
    void writeConfig() throws IOException {
        config = Files.writeString(dir.resolve("scorestream.properties"), String.join("\n",
                "bootstrap.servers=broker-1:9092,broker-2:9092",
                "application.id=fraud-scorer",
                "input.topics=transactions",
                "model.name=fraud",
                "repartition.by=card_id",
                ""), StandardCharsets.UTF_8);
    }

    private record Result(int code, String out, String err) {
    }

    private static Result run(final String... args) {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final int code;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            code = ScorestreamApp.execute(args, o, e);
        }
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void printsOneKafkaAclsCommandPerResourceWithEveryOperationOnIt() {
        // when
        final Result r = run("acls", "--principal", "User:scorer", "--config", config.toString());

        // then
        assertEquals(0, r.code, r.err);
        assertEquals("", r.err);
        final List<String> commands = new ArrayList<>();
        for (String line : r.out.split("\n")) {
            if (!line.startsWith("#")) {
                commands.add(line);
            }
        }
        final String start = "kafka-acls.sh --bootstrap-server broker-1:9092,broker-2:9092 --add "
                + "--allow-principal User:scorer ";
        assertEquals(List.of(
                start + "--operation Read --topic model-specs",
                start + "--operation Write --topic scores",
                start + "--operation Write --topic scores-dlq",
                start + "--operation Write --topic scores-shadow",
                start + "--operation Write --topic scorestream-status",
                start + "--operation Read --topic transactions",
                start + "--operation Read --operation Write --operation Create --operation Delete "
                        + "--resource-pattern-type prefixed --topic fraud-scorer-",
                start + "--operation Read --group fraud-scorer",
                start + "--operation Write --resource-pattern-type prefixed --transactional-id fraud-scorer-"),
                commands);
        assertTrue(r.out.contains("# Read: read input topic transactions\n" + start
                + "--operation Read --topic transactions\n"), r.out);
        assertTrue(r.out.contains("# Delete: purge consumed records of repartition topic "
                + "fraud-scorer-scoring-features-repartition (deleteRecords)\n"), r.out);
        assertTrue(r.out.startsWith("# Least-privilege ACLs of User:scorer as scorer"), r.out);
    }

    @Test
    void namesTheCommandConfigAndQuotesWhatTheShellWouldSplit() {
        final Result r = run("acls", "--principal", "User:CN=scorer, OU=risk", "--config", config.toString(),
                "--command-config", "/etc/kafka/admin client.properties", "--bootstrap-server", "kafka:9093");
        assertEquals(0, r.code, r.err);
        assertTrue(r.out.contains("kafka-acls.sh --bootstrap-server kafka:9093 --command-config "
                + "'/etc/kafka/admin client.properties' --add --allow-principal 'User:CN=scorer, OU=risk' "
                + "--operation Read --topic transactions\n"), r.out);
    }

    @Test
    void printsTheAclsAsAJsonList() throws IOException {
        final Result r = run("acls", "--principal", "User:scorer", "--config", config.toString(),
                "--format", "json", "--set", "processing.guarantee=at_least_once");
        assertEquals(0, r.code, r.err);
        final JsonNode list = new ObjectMapper().readTree(r.out);
        assertTrue(list.isArray());
        assertEquals(11, list.size(), r.out);
        final JsonNode first = list.get(0);
        assertEquals(Map.of("principal", "User:scorer", "resourceType", "TOPIC", "patternType", "LITERAL",
                "name", "model-specs", "operation", "READ", "permission", "ALLOW", "host", "*",
                "reason", "read the model specs into the model registry (global store, no consumer group)"),
                new ObjectMapper().convertValue(first, Map.class));
        for (JsonNode acl : list) {
            assertFalse(acl.get("resourceType").asText().equals("TRANSACTIONAL_ID"), r.out);
        }
    }

    @Test
    void theModelRolesNeedNoConfiguration() {
        final Result publisher = run("acls", "--principal", "User:ci", "--role", "publisher");
        assertEquals(0, publisher.code, publisher.err);
        assertTrue(publisher.out.endsWith("kafka-acls.sh --bootstrap-server HOST:PORT --add --allow-principal "
                + "User:ci --operation Write --topic model-specs\n"), publisher.out);

        final Result models = run("acls", "--principal", "User:ops", "--role", "models", "--format", "json");
        assertEquals(0, models.code, models.err);
        assertTrue(models.out.contains("\"name\": \"scorestream-status\""), models.out);
    }

    @Test
    void warnsOnStderrWhenAConfiguredTopicLiesUnderTheInternalPrefix() {
        final Result r = run("acls", "--principal", "User:scorer", "--config", config.toString(), "--set",
                "application.id=scorestream");
        assertEquals(0, r.code, r.err);
        assertTrue(r.err.startsWith("scorestream acls: warning: topic 'scorestream-status' starts with "
                + "'scorestream-'"), r.err);
    }

    @Test
    void refusesAPrincipalWithoutTypeNamingTheOption() {
        final Result r = run("acls", "--principal", "scorer", "--config", config.toString());
        assertEquals(2, r.code, r.err);
        assertTrue(r.err.startsWith("scorestream acls: option --principal must be a Kafka principal Type:name, "
                + "e.g. User:scorer; got 'scorer'"), r.err);
        assertEquals("", r.out);
    }

    @Test
    void refusesTheScorerRoleWithoutConfigurationAndOtherMistakes() throws IOException {
        final Result noConfig = run("acls", "--principal", "User:scorer");
        assertEquals(2, noConfig.code);
        assertTrue(noConfig.err.contains("option --config is required for --role scorer"), noConfig.err);

        final Result missing = run("acls", "--principal", "User:scorer", "--config", dir.resolve("no").toString());
        assertEquals(2, missing.code);
        assertTrue(missing.err.contains("does not exist"), missing.err);

        final Result role = run("acls", "--principal", "User:scorer", "--role", "admin");
        assertEquals(2, role.code);
        assertTrue(role.err.contains("--role"), role.err);

        final Result bad = run("acls", "--principal", "User:scorer", "--config", config.toString(), "--set",
                "processing.guarantee=twice");
        assertEquals(2, bad.code);
        assertTrue(bad.err.startsWith("scorestream: bad configuration: ") && bad.err.contains("processing.guarantee"),
                bad.err);

        final Path noBootstrap = Files.writeString(dir.resolve("admin.properties"), "security.protocol=SSL\n",
                StandardCharsets.UTF_8);
        final Result apply = run("acls", "--principal", "User:ci", "--role", "publisher", "--apply",
                "--command-config", noBootstrap.toString());
        assertEquals(2, apply.code);
        assertTrue(apply.err.contains("option --apply needs --bootstrap-server"), apply.err);
    }

    @Test
    void applyGivesUpAfterTheTimeoutNamingTheBrokers() {
        // nothing listens on port 1
        final long start = System.nanoTime();
        final Result r = run("acls", "--principal", "User:ci", "--role", "publisher", "--apply",
                "--bootstrap-server", "127.0.0.1:1", "--timeout-ms", "1500");
        final long ms = (System.nanoTime() - start) / 1_000_000;

        assertEquals(1, r.code, r.err);
        assertTrue(r.err.startsWith("scorestream acls: no answer from 127.0.0.1:1 within 1500 ms (--timeout-ms); "
                + "0 of 1 ACLs confirmed created"), r.err);
        assertTrue(ms < 10_000, "took " + ms + " ms");
    }

    @Test
    void saysWhoItConnectsAsWithoutThePassword() {
        final String as = AclsCommand.connectingAs(Map.of("security.protocol", "SASL_SSL", "sasl.mechanism",
                "SCRAM-SHA-512", "sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule "
                        + "required username=\"admin\" password=\"s3cret-pw\";"));
        assertEquals("SASL user 'admin', mechanism SCRAM-SHA-512, SASL_SSL", as);
        assertEquals("security.protocol PLAINTEXT", AclsCommand.connectingAs(Map.of()));
    }
}
