package io.scorestream.app.security;

import java.util.Objects;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

/**
 * One ACL a role needs, without its principal: ALLOW {@code operation} on the resource
 * ({@code resourceType}, {@code name}, {@code patternType}) from any host ({@value #ANY_HOST}), and
 * why, in one line. Immutable.
 *
 * @param resourceType {@link ResourceType#TOPIC}, {@link ResourceType#GROUP},
 *     {@link ResourceType#TRANSACTIONAL_ID} or {@link ResourceType#CLUSTER}
 * @param name the resource's name, or its prefix when {@code patternType} is
 *     {@link PatternType#PREFIXED}
 * @param patternType {@link PatternType#LITERAL} or {@link PatternType#PREFIXED}
 * @param operation what is allowed
 * @param reason why the role needs it, one line, e.g. {@code read input topic transactions of pipeline fraud}
 */
public record PlannedAcl(ResourceType resourceType, String name, PatternType patternType, AclOperation operation,
                         String reason) {

    /** The host of every planned ACL: any. */
    public static final String ANY_HOST = "*";

    public PlannedAcl {
        Objects.requireNonNull(resourceType, "resourceType");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(patternType, "patternType");
        Objects.requireNonNull(operation, "operation");
        Objects.requireNonNull(reason, "reason");
        if (patternType != PatternType.LITERAL && patternType != PatternType.PREFIXED) {
            throw new IllegalArgumentException("patternType must be LITERAL or PREFIXED, got " + patternType);
        }
        if (name.isEmpty()) {
            throw new IllegalArgumentException("the resource name of a " + resourceType + " ACL must not be empty");
        }
        if (reason.isBlank() || reason.indexOf('\n') >= 0) {
            throw new IllegalArgumentException("reason must be one non-blank line, got '" + reason + "'");
        }
    }

    /** The resource this ACL is on. */
    public ResourcePattern pattern() {
        return new ResourcePattern(resourceType, name, patternType);
    }

    /**
     * This ACL as Kafka's Admin API takes it, for {@code principal}: ALLOW, host {@value #ANY_HOST}.
     *
     * @param principal {@code Type:name}, e.g. {@code User:scorer}; see {@link AclPlan#checkPrincipal}
     */
    public AclBinding binding(final String principal) {
        return new AclBinding(pattern(), new AccessControlEntry(Objects.requireNonNull(principal, "principal"),
                ANY_HOST, operation, AclPermissionType.ALLOW));
    }
}
