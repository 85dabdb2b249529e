package io.scorestream.tests.security;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.scorestream.app.config.ScorestreamConfig;
import io.scorestream.app.security.AclPlan;
import io.scorestream.app.security.AclRole;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.metrics.Metrics;
import org.apache.kafka.common.metrics.internals.PluginMetricsImpl;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.apache.kafka.metadata.authorizer.StandardAcl;
import org.apache.kafka.metadata.authorizer.StandardAuthorizer;
import org.apache.kafka.server.authorizer.Action;
import org.apache.kafka.server.authorizer.AuthorizableRequestContext;
import org.apache.kafka.server.authorizer.AuthorizationResult;
import org.junit.jupiter.api.Test;

/**
 * The planned ACLs under Kafka's own {@link StandardAuthorizer} (the KRaft brokers' authorizer),
 * in memory: each check the brokers make for the requests of Kafka Streams, the status publisher
 * and the {@code models} commands (as {@code KafkaApis} makes them: DESCRIBE for metadata, offset
 * fetches and coordinator look-ups, READ for fetches, group membership and offset commits, WRITE for
 * produce and transactions, CREATE for internal topics, DELETE for purging repartition records,
 * WRITE on any topic for an idempotent producer id) is allowed, and what the role must not do is
 * denied. The internal topic and transactional id names are those the application uses. Whether a
 * running application needs nothing more is for the ITs on the secured broker.
 */
class AclPlanAuthorizerTest {

    private static final Map<String, String> TWO_PIPELINES = Map.of(
            "bootstrap.servers", "b:9092",
            "application.id", "risk",
            "pipelines", "fraud,credit",
            "pipeline.fraud.input.topics", "transactions",
            "pipeline.fraud.model.name", "fraud",
            "pipeline.fraud.repartition.by", "card_id",
            "pipeline.credit.input.topics", "applications",
            "pipeline.credit.model.name", "credit",
            "pipeline.credit.output.topic", "credit-scores");

    /** An authorizer holding {@code bindings} and nothing else; nobody is a super user. */
    private static StandardAuthorizer authorizer(final List<AclBinding> bindings) {
        final StandardAuthorizer authorizer = new StandardAuthorizer();
        authorizer.configure(Map.of(StandardAuthorizer.SUPER_USERS_CONFIG, "User:admin"));
        // The broker hands every authorizer its metrics before use; authorize() records into them.
        authorizer.withPluginMetrics(new PluginMetricsImpl(new Metrics(), Map.of()));
        for (AclBinding b : bindings) {
            authorizer.addAcl(Uuid.randomUuid(), StandardAcl.fromAclBinding(b));
        }
        authorizer.completeInitialLoad();
        return authorizer;
    }

    private static AuthorizableRequestContext as(final String name) {
        return new AuthorizableRequestContext() {
            @Override
            public String listenerName() {
                return "SASL_SSL";
            }

            @Override
            public SecurityProtocol securityProtocol() {
                return SecurityProtocol.SASL_SSL;
            }

            @Override
            public KafkaPrincipal principal() {
                return new KafkaPrincipal(KafkaPrincipal.USER_TYPE, name);
            }

            @Override
            public InetAddress clientAddress() {
                return InetAddress.getLoopbackAddress();
            }

            @Override
            public int requestType() {
                return 0;
            }

            @Override
            public int requestVersion() {
                return 0;
            }

            @Override
            public String clientId() {
                return "test";
            }

            @Override
            public int correlationId() {
                return 1;
            }
        };
    }

    private record Check(AclOperation operation, ResourceType type, String name) {
        @Override
        public String toString() {
            return operation + " " + type + " " + name;
        }
    }

    private static Check check(final AclOperation op, final ResourceType type, final String name) {
        return new Check(op, type, name);
    }

    /** The checks of {@code checks} whose outcome under {@code authorizer} for {@code user} is {@code result}. */
    private static List<Check> withResult(final StandardAuthorizer authorizer, final String user,
                                          final List<Check> checks, final AuthorizationResult result) {
        final List<Action> actions = new ArrayList<>();
        for (Check c : checks) {
            actions.add(new Action(c.operation(), new ResourcePattern(c.type(), c.name(), PatternType.LITERAL), 1,
                    false, false));
        }
        final List<AuthorizationResult> results = authorizer.authorize(as(user), actions);
        final List<Check> matching = new ArrayList<>();
        for (int i = 0; i < checks.size(); i++) {
            if (results.get(i) == result) {
                matching.add(checks.get(i));
            }
        }
        return matching;
    }

    @Test
    void theScorerMayDoWhatItsClientsAskAndNothingElse() {
        // given
        final ScorestreamConfig config = ScorestreamConfig.of(new HashMap<>(TWO_PIPELINES));
        final StandardAuthorizer authorizer = authorizer(AclPlan.of(config, AclRole.SCORER).bindings("User:scorer"));
        final List<Check> needed = new ArrayList<>();
        for (String input : List.of("transactions", "applications")) {
            needed.add(check(AclOperation.READ, ResourceType.TOPIC, input)); // fetch, offset commit
            needed.add(check(AclOperation.DESCRIBE, ResourceType.TOPIC, input)); // metadata, list offsets
        }
        for (String out : List.of("scores", "scores-shadow", "credit-scores", "credit-scores-shadow", "scores-dlq",
                "scorestream-status")) {
            needed.add(check(AclOperation.WRITE, ResourceType.TOPIC, out)); // produce, add partitions to txn
            needed.add(check(AclOperation.DESCRIBE, ResourceType.TOPIC, out)); // metadata; describeTopics (status)
        }
        needed.add(check(AclOperation.READ, ResourceType.TOPIC, "model-specs")); // global consumer
        for (String app : List.of("risk-fraud", "risk-credit")) {
            final String suffix = app.substring("risk-".length());
            for (String internal : List.of(app + "-scoring-buffer-" + suffix + "-changelog",
                    app + "-scoring-features-" + suffix + "-changelog")) {
                for (AclOperation op : List.of(AclOperation.CREATE, AclOperation.WRITE, AclOperation.READ,
                        AclOperation.DESCRIBE)) {
                    needed.add(check(op, ResourceType.TOPIC, internal));
                }
            }
            needed.add(check(AclOperation.READ, ResourceType.GROUP, app)); // join, sync, commit, txn offset commit
            needed.add(check(AclOperation.DESCRIBE, ResourceType.GROUP, app)); // find coordinator, offset fetch
            final String txn = app + "-" + Uuid.randomUuid() + "-1";
            needed.add(check(AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, txn)); // init pid, add to txn, end
            needed.add(check(AclOperation.DESCRIBE, ResourceType.TRANSACTIONAL_ID, txn)); // find coordinator
        }
        final String repartition = "risk-fraud-scoring-features-fraud-repartition";
        for (AclOperation op : List.of(AclOperation.CREATE, AclOperation.WRITE, AclOperation.READ,
                AclOperation.DESCRIBE, AclOperation.DELETE)) {
            needed.add(check(op, ResourceType.TOPIC, repartition));
        }
        final List<Check> forbidden = List.of(
                check(AclOperation.WRITE, ResourceType.TOPIC, "model-specs"), // no publishing
                check(AclOperation.WRITE, ResourceType.TOPIC, "transactions"),
                check(AclOperation.READ, ResourceType.TOPIC, "scores"),
                check(AclOperation.READ, ResourceType.TOPIC, "scorestream-status"),
                check(AclOperation.CREATE, ResourceType.TOPIC, "scores"),
                check(AclOperation.DELETE, ResourceType.TOPIC, "risk-credit-scoring-buffer-credit-changelog"),
                check(AclOperation.DESCRIBE_CONFIGS, ResourceType.TOPIC, "transactions"),
                check(AclOperation.ALTER_CONFIGS, ResourceType.TOPIC, "risk-fraud-x"),
                check(AclOperation.READ, ResourceType.GROUP, "risk"),
                check(AclOperation.READ, ResourceType.GROUP, "other-app"),
                check(AclOperation.READ, ResourceType.TOPIC, "risk-other-changelog"),
                check(AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, "other-app-1"),
                check(AclOperation.IDEMPOTENT_WRITE, ResourceType.CLUSTER, "kafka-cluster"),
                check(AclOperation.ALTER, ResourceType.CLUSTER, "kafka-cluster"),
                check(AclOperation.CREATE, ResourceType.CLUSTER, "kafka-cluster"));

        // then
        assertEquals(List.of(), withResult(authorizer, "scorer", needed, AuthorizationResult.DENIED));
        assertEquals(List.of(), withResult(authorizer, "scorer", forbidden, AuthorizationResult.ALLOWED));
        // an idempotent producer (the status publisher; Streams under at_least_once) gets its producer
        // id with WRITE on any topic, as the broker checks for an InitProducerId without transactional id
        assertEquals(AuthorizationResult.ALLOWED, authorizer.authorizeByResourceType(as("scorer"),
                AclOperation.WRITE, ResourceType.TOPIC));
        // and another principal gets nothing
        assertEquals(needed, withResult(authorizer, "someone-else", needed, AuthorizationResult.DENIED));
    }

    @Test
    void thePublisherMayWriteTheModelTopicAndGetAProducerIdOnly() {
        final ScorestreamConfig config = ScorestreamConfig.of(new HashMap<>(TWO_PIPELINES));
        final StandardAuthorizer authorizer = authorizer(AclPlan.of(config, AclRole.PUBLISHER).bindings("User:ci"));

        assertEquals(List.of(), withResult(authorizer, "ci", List.of(
                check(AclOperation.WRITE, ResourceType.TOPIC, "model-specs"),
                check(AclOperation.DESCRIBE, ResourceType.TOPIC, "model-specs")), AuthorizationResult.DENIED));
        assertEquals(List.of(), withResult(authorizer, "ci", List.of(
                check(AclOperation.READ, ResourceType.TOPIC, "model-specs"),
                check(AclOperation.READ, ResourceType.TOPIC, "scorestream-status"),
                check(AclOperation.WRITE, ResourceType.TOPIC, "scores"),
                check(AclOperation.READ, ResourceType.TOPIC, "transactions")), AuthorizationResult.ALLOWED));
        assertEquals(AuthorizationResult.ALLOWED, authorizer.authorizeByResourceType(as("ci"), AclOperation.WRITE,
                ResourceType.TOPIC));
    }

    @Test
    void theModelsOperatorMayReadBothTopicsAndWriteOnlyTheModelTopic() {
        final ScorestreamConfig config = ScorestreamConfig.of(new HashMap<>(TWO_PIPELINES));
        final StandardAuthorizer authorizer = authorizer(AclPlan.of(config, AclRole.MODELS).bindings("User:ops"));

        assertEquals(List.of(), withResult(authorizer, "ops", List.of(
                check(AclOperation.WRITE, ResourceType.TOPIC, "model-specs"),
                check(AclOperation.READ, ResourceType.TOPIC, "model-specs"),
                check(AclOperation.DESCRIBE, ResourceType.TOPIC, "model-specs"),
                check(AclOperation.READ, ResourceType.TOPIC, "scorestream-status")), AuthorizationResult.DENIED));
        assertEquals(List.of(), withResult(authorizer, "ops", List.of(
                check(AclOperation.WRITE, ResourceType.TOPIC, "scorestream-status"),
                check(AclOperation.READ, ResourceType.TOPIC, "transactions"),
                check(AclOperation.READ, ResourceType.GROUP, "risk-fraud")), AuthorizationResult.ALLOWED));
    }
}
