package io.scorestream.app.security;

import io.scorestream.app.metrics.JsonOutput;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.utils.SecurityUtils;

/**
 * An {@link AclPlan} as text for people and tools: {@code kafka-acls.sh} commands (one per
 * resource, with every operation on it, each preceded by a comment line per operation saying why),
 * or a JSON list with one object per ACL. Stateless; thread-safe.
 */
public final class AclOutput {

    /** The script of the Kafka distribution that adds ACLs. */
    public static final String KAFKA_ACLS = "kafka-acls.sh";

    /** Characters a shell word may hold unquoted. */
    private static final Pattern PLAIN_WORD = Pattern.compile("[A-Za-z0-9._:/=,@+%^-]+");

    private AclOutput() {
    }

    /**
     * The plan as a shell script of {@code kafka-acls.sh --add} commands, one per resource, each
     * after one comment line per operation ({@code # Read: why}); lines end with {@code \n}.
     *
     * @param principal the principal the ACLs are for, {@code Type:name} (checked)
     * @param bootstrap the {@code --bootstrap-server} of the commands
     * @param commandConfigOrNull the {@code --command-config} of the commands (the administrator's
     *     client settings); null to leave the option out
     * @param header comment lines printed first (without {@code #}); none when empty
     */
    public static String commands(final AclPlan plan, final String principal, final String bootstrap,
                                  final String commandConfigOrNull, final List<String> header) {
        final String p = AclPlan.checkPrincipal(principal);
        final StringBuilder out = new StringBuilder();
        for (String line : header) {
            out.append("# ").append(line).append('\n');
        }
        final String start = KAFKA_ACLS + " --bootstrap-server " + quote(bootstrap)
                + (commandConfigOrNull == null ? "" : " --command-config " + quote(commandConfigOrNull))
                + " --add --allow-principal " + quote(p);
        for (Map.Entry<ResourcePattern, List<PlannedAcl>> e : plan.byResource().entrySet()) {
            final StringBuilder operations = new StringBuilder();
            for (PlannedAcl a : e.getValue()) {
                final String op = SecurityUtils.operationName(a.operation());
                out.append("# ").append(op).append(": ").append(a.reason()).append('\n');
                operations.append(" --operation ").append(op);
            }
            out.append(start).append(operations).append(resource(e.getKey())).append('\n');
        }
        return out.toString();
    }

    /**
     * The plan as a JSON list, indented, one object per ACL in plan order with {@code principal},
     * {@code resourceType}, {@code patternType}, {@code name}, {@code operation},
     * {@code permission}, {@code host} and {@code reason}; types and operations as Kafka's enums
     * spell them ({@code TOPIC}, {@code PREFIXED}, {@code DESCRIBE_CONFIGS}).
     */
    public static String json(final AclPlan plan, final String principal) {
        return JsonOutput.writeIndented(objects(plan, principal), JsonOutput.NonFinite.STRING);
    }

    /** What {@link #json} writes, as maps. */
    static List<Map<String, Object>> objects(final AclPlan plan, final String principal) {
        final String p = AclPlan.checkPrincipal(principal);
        final List<Map<String, Object>> list = new ArrayList<>();
        for (PlannedAcl a : plan.acls()) {
            final Map<String, Object> m = new LinkedHashMap<>();
            m.put("principal", p);
            m.put("resourceType", a.resourceType().name());
            m.put("patternType", a.patternType().name());
            m.put("name", a.name());
            m.put("operation", a.operation().name());
            m.put("permission", AclPermissionType.ALLOW.name());
            m.put("host", PlannedAcl.ANY_HOST);
            m.put("reason", a.reason());
            list.add(m);
        }
        return list;
    }

    /** One ACL in a line: {@code Read on topic 'transactions' (literal) for User:scorer}. */
    public static String describe(final PlannedAcl a, final String principal) {
        return String.format(Locale.ROOT, "%s on %s '%s' (%s) for %s", SecurityUtils.operationName(a.operation()),
                a.resourceType().name().toLowerCase(Locale.ROOT).replace('_', ' '), a.name(),
                a.patternType().name().toLowerCase(Locale.ROOT), principal);
    }

    /** The {@code kafka-acls.sh} options naming {@code pattern}, with a leading space. */
    private static String resource(final ResourcePattern pattern) {
        final String type = switch (pattern.resourceType()) {
            case TOPIC -> " --topic " + quote(pattern.name());
            case GROUP -> " --group " + quote(pattern.name());
            case TRANSACTIONAL_ID -> " --transactional-id " + quote(pattern.name());
            case CLUSTER -> " --cluster";
            default -> throw new IllegalArgumentException("no kafka-acls.sh option for " + pattern.resourceType());
        };
        return pattern.patternType() == PatternType.PREFIXED ? " --resource-pattern-type prefixed" + type : type;
    }

    /** {@code word} as one shell word: as it is when plain, else in single quotes. */
    static String quote(final String word) {
        if (PLAIN_WORD.matcher(word).matches()) {
            return word;
        }
        return "'" + word.replace("'", "'\\''") + "'";
    }
}
