package io.scorestream.tests.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scorestream.app.cli.ScorestreamApp;
import io.scorestream.app.config.ScorestreamConfig;
import io.scorestream.app.security.AclPlan;
import io.scorestream.app.security.AclRole;
import io.scorestream.testkit.EmbeddedKafka;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.acl.AccessControlEntryFilter;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.ResourcePatternFilter;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code scorestream acls --apply} against a real KRaft broker with Kafka's
 * {@code StandardAuthorizer}: what it creates is exactly what {@link AclPlan} lists, as the broker
 * describes it. The broker's only listener is plaintext, whose clients are all
 * {@code User:ANONYMOUS}, made a super user so that the broker and the command may do anything;
 * that the authorizer enforces these ACLs is for the ITs on the secured broker.
 */
class AclsApplyIT {

    private static EmbeddedKafka kafka;

    @TempDir
    static Path dir;

    @BeforeAll
    static void startBroker() {
        kafka = EmbeddedKafka.builder()
                .brokerProperty("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer")
                .brokerProperty("super.users", "User:ANONYMOUS")
                .start();
    }

    @AfterAll
    static void stopBroker() {
        if (kafka != null) {
            kafka.close();
        }
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
        final Result r = new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        System.out.print(String.join(" ", args) + System.lineSeparator() + r.out + r.err);
        return r;
    }

    private static Set<AclBinding> aclsOf(final String principal) throws Exception {
        final Admin admin = kafka.admin();
        final AclBindingFilter filter = new AclBindingFilter(ResourcePatternFilter.ANY,
                new AccessControlEntryFilter(principal, null, AclOperation.ANY, AclPermissionType.ANY));
        return new HashSet<>(admin.describeAcls(filter).values().get(30, TimeUnit.SECONDS));
    }

    @Test
    void applyCreatesExactlyThePlannedBindingsAndIsIdempotent() throws Exception {
        // given: two pipelines, one repartitioning, exactly-once
        final Path config = Files.writeString(dir.resolve("scorer.properties"), String.join("\n",
                "bootstrap.servers=" + kafka.bootstrapServers(),
                "application.id=risk",
                "pipelines=fraud,credit",
                "pipeline.fraud.input.topics=transactions",
                "pipeline.fraud.model.name=fraud",
                "pipeline.fraud.repartition.by=card_id",
                "pipeline.credit.input.topics=applications",
                "pipeline.credit.model.name=credit",
                "pipeline.credit.output.topic=credit-scores",
                ""), StandardCharsets.UTF_8);
        final List<AclBinding> planned = AclPlan.of(ScorestreamConfig.load(config, null, null), AclRole.SCORER)
                .bindings("User:scorer");

        // when
        final Result first = run("acls", "--principal", "User:scorer", "--config", config.toString(), "--apply");

        // then: the broker has those and nothing else for the principal
        assertEquals(0, first.code, first.err);
        assertEquals(new HashSet<>(planned), aclsOf("User:scorer"));
        assertEquals(planned.size(), planned.stream().distinct().count());
        assertTrue(first.out.contains("created: Delete on topic 'risk-fraud-' (prefixed) for User:scorer: purge "
                + "consumed records of repartition topic risk-fraud-scoring-features-fraud-repartition"), first.out);
        assertTrue(first.out.endsWith(planned.size() + " ACLs of User:scorer as scorer created (or already present) on "
                + kafka.bootstrapServers() + "\n"), first.out);

        // and again: nothing changes
        final Result second = run("acls", "--principal", "User:scorer", "--config", config.toString(), "--apply",
                "--format", "json");
        assertEquals(0, second.code, second.err);
        assertEquals(new HashSet<>(planned), aclsOf("User:scorer"));
        assertTrue(second.out.trim().startsWith("[") && second.out.contains("\"principal\": \"User:scorer\""),
                second.out);
    }

    @Test
    void thePublisherGetsWriteOnTheModelTopicOnly() throws Exception {
        final Path config = Files.writeString(dir.resolve("publisher.properties"), String.join("\n",
                "bootstrap.servers=" + kafka.bootstrapServers(),
                "input.topics=transactions",
                "model.name=fraud",
                "model.topic=models-prod",
                ""), StandardCharsets.UTF_8);

        final Result r = run("acls", "--principal", "User:ci-publisher", "--role", "publisher", "--config",
                config.toString(), "--apply");

        assertEquals(0, r.code, r.err);
        final List<String> described = new ArrayList<>();
        for (AclBinding b : aclsOf("User:ci-publisher")) {
            described.add(b.pattern().resourceType() + " " + b.pattern().patternType() + " " + b.pattern().name() + " "
                    + b.entry().operation() + " " + b.entry().permissionType() + " " + b.entry().host());
        }
        assertEquals(List.of("TOPIC LITERAL models-prod WRITE ALLOW *"), described);
    }

    @Test
    void aClusterWithoutAuthorizerIsReportedClearly() throws IOException {
        try (EmbeddedKafka plain = EmbeddedKafka.builder().start()) {
            final Result r = run("acls", "--principal", "User:ops", "--role", "models", "--apply",
                    "--bootstrap-server", plain.bootstrapServers());
            assertEquals(1, r.code, r.err);
            assertTrue(r.err.startsWith("scorestream acls: the cluster keeps no ACLs: its brokers have no authorizer "
                    + "(authorizer.class.name is not set)"), r.err);
            assertTrue(r.err.contains("for User:ops"), r.err);
        }
    }
}
