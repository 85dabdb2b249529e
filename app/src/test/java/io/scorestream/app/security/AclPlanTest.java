package io.scorestream.app.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scorestream.app.config.ScorestreamConfig;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link AclPlan}: the ACLs each role needs, from configurations like the demo's and beyond. */
class AclPlanTest {

    /** The demo's configuration, as {@code scorestream demo} builds it. */
    private static final Map<String, String> DEMO = Map.of(
            "bootstrap.servers", "localhost:9092",
            "application.id", "scorestream-demo",
            "input.topics", "transactions",
            "model.name", "fraud");

    private static ScorestreamConfig config(final Map<String, String> base, final String... keyValues) {
        final Map<String, Object> c = new HashMap<>(base);
        for (int i = 0; i < keyValues.length; i += 2) {
            c.put(keyValues[i], keyValues[i + 1]);
        }
        return ScorestreamConfig.of(c);
    }

    /** Each ACL as {@code TYPE PATTERN name OPERATION}, in plan order. */
    private static List<String> lines(final AclPlan plan) {
        return plan.acls().stream().map(a -> a.resourceType() + " " + a.patternType() + " " + a.name() + " "
                + a.operation()).collect(Collectors.toList());
    }

    private static PlannedAcl find(final AclPlan plan, final ResourceType type, final String name,
                                   final AclOperation op) {
        return plan.acls().stream().filter(a -> a.resourceType() == type && a.name().equals(name)
                && a.operation() == op).findFirst().orElseThrow(() -> new AssertionError(
                        type + " " + name + " " + op + " missing from " + lines(plan)));
    }

    @Test
    void demoLikeConfigurationNeedsExactlyItsTopicsGroupInternalPrefixAndTransactionalIds() {
        // when
        final AclPlan plan = AclPlan.of(config(DEMO), AclRole.SCORER);

        // then: sorted by type, pattern, name, operation; DESCRIBE implied, nothing on the cluster
        assertEquals(List.of(
                "TOPIC LITERAL model-specs READ",
                "TOPIC LITERAL scores WRITE",
                "TOPIC LITERAL scores-dlq WRITE",
                "TOPIC LITERAL scores-shadow WRITE",
                "TOPIC LITERAL scorestream-status WRITE",
                "TOPIC LITERAL transactions READ",
                "TOPIC PREFIXED scorestream-demo- READ",
                "TOPIC PREFIXED scorestream-demo- WRITE",
                "TOPIC PREFIXED scorestream-demo- CREATE",
                "GROUP LITERAL scorestream-demo READ",
                "TRANSACTIONAL_ID PREFIXED scorestream-demo- WRITE"), lines(plan));
        assertEquals("read input topic transactions",
                find(plan, ResourceType.TOPIC, "transactions", AclOperation.READ).reason());
        assertTrue(find(plan, ResourceType.TOPIC, "scorestream-demo-", AclOperation.CREATE).reason()
                .contains("scorestream-demo-scoring-buffer-changelog and scorestream-demo-scoring-features-changelog"));
        assertEquals(AclRole.SCORER, plan.role());
    }

    @Test
    void twoPipelinesGetAGroupAnInternalPrefixAndTransactionalIdsEachAndShareTheirCommonTopics() {
        // given: both write the same output topic
        final ScorestreamConfig config = config(Map.of("bootstrap.servers", "b:9092", "pipelines", "fraud,credit",
                "pipeline.fraud.input.topics", "transactions,refunds", "pipeline.fraud.model.name", "fraud-mlp",
                "pipeline.credit.input.topics", "applications", "pipeline.credit.model.name", "credit-lr"));

        // when
        final AclPlan plan = AclPlan.of(config, AclRole.SCORER);

        // then: the clients' application ids are scorestream-<pipeline>; nothing for plain scorestream
        final List<String> lines = lines(plan);
        for (String pipeline : List.of("fraud", "credit")) {
            assertTrue(lines.contains("GROUP LITERAL scorestream-" + pipeline + " READ"), lines.toString());
            assertTrue(lines.contains("TRANSACTIONAL_ID PREFIXED scorestream-" + pipeline + "- WRITE"),
                    lines.toString());
            for (String op : List.of("READ", "WRITE", "CREATE")) {
                assertTrue(lines.contains("TOPIC PREFIXED scorestream-" + pipeline + "- " + op), lines.toString());
            }
        }
        assertFalse(lines.stream().anyMatch(l -> l.contains(" scorestream ") || l.contains(" scorestream- ")),
                lines.toString());
        for (String input : List.of("transactions", "refunds", "applications")) {
            assertTrue(lines.contains("TOPIC LITERAL " + input + " READ"), lines.toString());
        }
        assertEquals("read input topic applications of pipeline credit",
                find(plan, ResourceType.TOPIC, "applications", AclOperation.READ).reason());
        // one ACL on the shared score topic, with both reasons
        assertEquals(1, plan.acls().stream().filter(a -> a.name().equals("scores")).count());
        assertEquals("write the scores of pipeline fraud; write the scores of pipeline credit",
                find(plan, ResourceType.TOPIC, "scores", AclOperation.WRITE).reason());
        assertEquals(18, plan.acls().size(), lines.toString());
    }

    @Test
    void theOrderDoesNotDependOnTheOrderOfThePipelines() {
        final Map<String, String> base = Map.of("bootstrap.servers", "b:9092",
                "pipeline.fraud.input.topics", "transactions", "pipeline.fraud.model.name", "fraud-mlp",
                "pipeline.credit.input.topics", "applications", "pipeline.credit.model.name", "credit-lr");
        final AclPlan one = AclPlan.of(config(base, "pipelines", "fraud,credit"), AclRole.SCORER);
        final AclPlan other = AclPlan.of(config(base, "pipelines", "credit,fraud"), AclRole.SCORER);
        assertEquals(lines(one), lines(other));
    }

    @Test
    void everyConfiguredShadowTopicIsWritable() {
        // given: a global shadow topic, and a pipeline with its own
        final ScorestreamConfig config = config(Map.of("bootstrap.servers", "b:9092", "pipelines", "fraud,credit",
                "pipeline.fraud.input.topics", "transactions", "pipeline.fraud.model.name", "fraud-mlp",
                "pipeline.credit.input.topics", "applications", "pipeline.credit.model.name", "credit-lr",
                "pipeline.credit.output.topic", "credit-scores", "pipeline.credit.shadow.topic", "credit-canary",
                "shadow.topic", "challenger-scores"));

        // when
        final AclPlan plan = AclPlan.of(config, AclRole.SCORER);

        // then
        assertEquals("write the scores of a shadow candidate of pipeline fraud",
                find(plan, ResourceType.TOPIC, "challenger-scores", AclOperation.WRITE).reason());
        assertEquals("write the scores of a shadow candidate of pipeline credit",
                find(plan, ResourceType.TOPIC, "credit-canary", AclOperation.WRITE).reason());
        find(plan, ResourceType.TOPIC, "credit-scores", AclOperation.WRITE);
        assertFalse(lines(plan).contains("TOPIC LITERAL scores-shadow WRITE"), lines(plan).toString());
    }

    @Test
    void atLeastOnceNeedsNoTransactionalIds() {
        final AclPlan eos = AclPlan.of(config(DEMO), AclRole.SCORER);
        final AclPlan alos = AclPlan.of(config(DEMO, "processing.guarantee", "at_least_once"), AclRole.SCORER);

        assertTrue(eos.acls().stream().anyMatch(a -> a.resourceType() == ResourceType.TRANSACTIONAL_ID));
        assertFalse(alos.acls().stream().anyMatch(a -> a.resourceType() == ResourceType.TRANSACTIONAL_ID),
                lines(alos).toString());
        assertEquals(eos.acls().size() - 1, alos.acls().size());
        assertEquals("consumer group of Kafka Streams application id scorestream-demo (join, commit offsets)",
                find(alos, ResourceType.GROUP, "scorestream-demo", AclOperation.READ).reason());
        assertTrue(find(eos, ResourceType.GROUP, "scorestream-demo", AclOperation.READ).reason()
                .contains("in transactions"));
    }

    @Test
    void repartitioningAddsDeleteOnTheInternalPrefixForPurgingTheRepartitionTopic() {
        final AclPlan without = AclPlan.of(config(DEMO), AclRole.SCORER);
        final AclPlan with = AclPlan.of(config(DEMO, "repartition.by", "card_id"), AclRole.SCORER);

        assertFalse(without.acls().stream().anyMatch(a -> a.operation() == AclOperation.DELETE));
        final PlannedAcl delete = find(with, ResourceType.TOPIC, "scorestream-demo-", AclOperation.DELETE);
        assertEquals(PatternType.PREFIXED, delete.patternType());
        assertTrue(delete.reason().contains("scorestream-demo-scoring-features-repartition"), delete.reason());
        assertTrue(find(with, ResourceType.TOPIC, "scorestream-demo-", AclOperation.CREATE).reason()
                .contains("repartition topic scorestream-demo-scoring-features-repartition"));
        assertEquals(without.acls().size() + 1, with.acls().size());
    }

    @Test
    void repartitioningInOnePipelineNamesThatPipelinesRepartitionTopic() {
        final AclPlan plan = AclPlan.of(config(Map.of("bootstrap.servers", "b:9092", "pipelines", "fraud,credit",
                "pipeline.fraud.input.topics", "transactions", "pipeline.fraud.model.name", "fraud-mlp",
                "pipeline.fraud.repartition.by", "card_id",
                "pipeline.credit.input.topics", "applications", "pipeline.credit.model.name", "credit-lr")),
                AclRole.SCORER);
        assertTrue(find(plan, ResourceType.TOPIC, "scorestream-fraud-", AclOperation.DELETE).reason()
                .contains("scorestream-fraud-scoring-features-fraud-repartition"));
        assertFalse(lines(plan).contains("TOPIC PREFIXED scorestream-credit- DELETE"));
    }

    @Test
    void thePublisherMayOnlyWriteTheModelTopic() {
        final AclPlan plan = AclPlan.of(config(DEMO, "model.topic", "models-prod"), AclRole.PUBLISHER);
        assertEquals(List.of("TOPIC LITERAL models-prod WRITE"), lines(plan));
        assertEquals(List.of(), plan.warnings());
    }

    @Test
    void theModelsRoleReadsAndWritesTheModelTopicAndReadsTheStatusTopic() {
        final AclPlan plan = AclPlan.of(config(DEMO, "model.topic", "models-prod", "status.topic", "fleet"),
                AclRole.MODELS);
        assertEquals(List.of("TOPIC LITERAL fleet READ", "TOPIC LITERAL models-prod READ",
                "TOPIC LITERAL models-prod WRITE"), lines(plan));
        assertEquals(lines(plan), lines(AclPlan.forModelTopics(AclRole.MODELS, "models-prod", "fleet")));
        assertThrows(IllegalArgumentException.class, () -> AclPlan.forModelTopics(AclRole.SCORER, "m", "s"));
    }

    @Test
    void warnsWhenAConfiguredTopicLiesUnderAnInternalPrefix() {
        // application.id=scorestream and the default status topic scorestream-status
        final AclPlan plan = AclPlan.of(config(DEMO, "application.id", "scorestream"), AclRole.SCORER);
        assertEquals(1, plan.warnings().size(), plan.warnings().toString());
        assertTrue(plan.warnings().get(0).startsWith("topic 'scorestream-status' starts with 'scorestream-'"),
                plan.warnings().get(0));

        assertEquals(List.of(), AclPlan.of(config(DEMO), AclRole.SCORER).warnings());
    }

    @Test
    void warnsWhenOnePipelinesPrefixContainsAnothers() {
        final AclPlan plan = AclPlan.of(config(Map.of("bootstrap.servers", "b:9092", "application.id", "app",
                "pipelines", "a,a-b", "pipeline.a.input.topics", "t1", "pipeline.a.model.name", "m1",
                "pipeline.a-b.input.topics", "t2", "pipeline.a-b.model.name", "m2")), AclRole.SCORER);
        assertEquals(1, plan.warnings().size(), plan.warnings().toString());
        assertTrue(plan.warnings().get(0).contains("'app-a-'") && plan.warnings().get(0).contains("'app-a-b-'"),
                plan.warnings().get(0));
    }

    @Test
    void bindingsAreAllowsFromAnyHostForThePrincipal() {
        final List<AclBinding> bindings = AclPlan.of(config(DEMO), AclRole.SCORER).bindings(" User:scorer ");
        assertEquals(11, bindings.size());
        for (AclBinding b : bindings) {
            assertEquals("User:scorer", b.entry().principal());
            assertEquals("*", b.entry().host());
            assertEquals(AclPermissionType.ALLOW, b.entry().permissionType());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"User:scorer", "User:CN=scorer,OU=risk,O=Example", "Group:fraud-team"})
    void acceptsPrincipalsOfTheFormTypeColonName(final String principal) {
        assertEquals(principal, AclPlan.checkPrincipal(principal));
    }

    @ParameterizedTest
    @ValueSource(strings = {"scorer", "User:", ":scorer", "User: ", "", "User scorer"})
    void refusesPrincipalsWithoutTypeAndName(final String principal) {
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> AclPlan.checkPrincipal(principal));
        assertTrue(e.getMessage().contains("Type:name") && e.getMessage().contains("'" + principal + "'"),
                e.getMessage());
    }

    @Test
    void refusesTheWildcardPrincipal() {
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> AclPlan.checkPrincipal("User:*"));
        assertTrue(e.getMessage().contains("every principal"), e.getMessage());
    }
}
