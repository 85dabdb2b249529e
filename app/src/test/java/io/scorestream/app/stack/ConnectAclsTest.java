package io.scorestream.app.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.Test;

/** The ACLs the Connect worker and its JDBC sink hold on a secured {@link LocalStack}. */
class ConnectAclsTest {

    private static final StackTopics TOPICS = new StackTopics("tx", "sc", "sc-dlq", "specs", 3);

    @Test
    void grantsTheWorkersGroupAndTopicsTheScoresAndTheSinksGroupAndDeadLetters() {
        final List<AclBinding> acls = LocalStack.connectAcls("User:connect", TOPICS);

        final Set<String> got = new HashSet<>();
        for (AclBinding b : acls) {
            assertEquals("User:connect", b.entry().principal());
            assertEquals(AclPermissionType.ALLOW, b.entry().permissionType());
            assertEquals("*", b.entry().host());
            assertEquals(PatternType.LITERAL, b.pattern().patternType());
            got.add(b.pattern().resourceType() + " " + b.pattern().name() + " " + b.entry().operation());
        }
        final String g = LocalStack.CONNECT_GROUP;
        final Set<String> expected = new HashSet<>(List.of("GROUP " + g + " READ", "TOPIC sc READ",
                "GROUP connect-" + LocalStack.SINK_CONNECTOR + " READ", "TOPIC sc-sink-dlq WRITE"));
        for (String topic : List.of(g + "-configs", g + "-offsets", g + "-status")) {
            for (AclOperation op : List.of(AclOperation.READ, AclOperation.WRITE, AclOperation.CREATE)) {
                expected.add("TOPIC " + topic + " " + op);
            }
        }
        assertEquals(expected, got);
        assertEquals(expected.size(), acls.size(), "no ACL twice");
    }

    @Test
    void grantsNothingOnTheInputModelsOrCluster() {
        for (AclBinding b : LocalStack.connectAcls("User:connect", TOPICS)) {
            assertTrue(b.pattern().resourceType() != ResourceType.CLUSTER, b.toString());
            assertTrue(!List.of("tx", "specs", "sc-dlq").contains(b.pattern().name()), b.toString());
        }
    }
}
