package io.scorestream.app.security;

import io.scorestream.app.command.CommandLines;
import io.scorestream.app.command.ScorestreamVersion;
import io.scorestream.app.config.FleetStatusConfig;
import io.scorestream.app.config.ScorestreamConfig;
import io.scorestream.app.config.TopicsConfig;
import io.scorestream.app.metrics.JsonOutput;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.CreateAclsResult;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.SecurityDisabledException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code scorestream acls}: the least-privilege ACLs of one principal in one {@link AclRole}, from
 * the configuration ({@link AclPlan}), printed as {@code kafka-acls.sh} commands or as JSON, or,
 * with {@code --apply}, created through the Admin API.
 *
 * <p>{@code --apply} connects with the configuration's {@code kafka.*} settings (its
 * {@code bootstrap.servers} unless {@code --bootstrap-server} is given), overridden by the
 * properties of {@code --command-config}: creating ACLs takes ALTER on the cluster, which the
 * scorer's own principal should not have, so this is normally an administrator's file. An
 * authorization failure is reported naming the operation and, when the settings name one, the SASL
 * user (never a password), and exits 1. Exit codes as {@link CommandLines}: a principal that is not
 * {@code Type:name} or another wrong option exits 2, naming it. A new instance per command line.
 */
@Command(name = "acls", mixinStandardHelpOptions = true, versionProvider = ScorestreamVersion.class,
        sortOptions = false, sortSynopsis = false, showDefaultValues = true,
        description = {"Prints (or creates) the least-privilege Kafka ACLs of a principal, from the configuration.",
            "Role scorer: what 'scorestream run' needs with --config FILE (input, model, score, shadow, dead-letter "
                    + "and status topics, its groups, internal topics and transactional ids). Role publisher: WRITE "
                    + "on the model topic ('models publish'). Role models: every 'scorestream models' sub-command. "
                    + "See docs/SECURITY.md.", ""})
public final class AclsCommand implements Callable<Integer> {

    /** The output formats. */
    enum Format {
        COMMANDS, JSON;

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);
    private static final Pattern JAAS_USERNAME = Pattern.compile("username\\s*=\\s*\"([^\"]*)\"");

    @Spec
    CommandSpec spec;

    @Option(names = "--principal", required = true, paramLabel = "TYPE:NAME",
            description = "The principal the ACLs are for, e.g. User:scorer.")
    String principal;

    @Option(names = "--config", paramLabel = "FILE",
            description = "The application's configuration (properties), as given to 'scorestream run'. Required for "
                    + "role scorer; without it, the model roles use the default model.topic and status.topic.")
    Path config;

    @Option(names = "--set", paramLabel = "KEY=VALUE",
            description = "Sets one key over the file, as 'scorestream run --set' (repeatable).")
    Map<String, String> set;

    @Option(names = "--role", paramLabel = "ROLE", description = "scorer, publisher or models.")
    AclRole role = AclRole.SCORER;

    @Option(names = "--format", paramLabel = "FORMAT", description = "commands (kafka-acls.sh) or json.")
    Format format = Format.COMMANDS;

    @Option(names = "--apply", description = "Create the ACLs through the Admin API instead of printing them.")
    boolean apply;

    @Option(names = "--bootstrap-server", paramLabel = "HOST:PORT",
            description = "The brokers (default: bootstrap.servers of --config).")
    String bootstrapServer;

    @Option(names = "--command-config", paramLabel = "FILE",
            description = "Client properties of a principal allowed to create ACLs (ALTER on the cluster), over the "
                    + "configuration's kafka.* settings; named in the printed commands.")
    Path commandConfig;

    @Option(names = "--timeout-ms", paramLabel = "MS", description = "How long --apply waits for the brokers.")
    long timeoutMs = 30_000;

    @Override
    public Integer call() throws InterruptedException {
        final String who;
        try {
            who = AclPlan.checkPrincipal(principal);
        } catch (IllegalArgumentException e) {
            throw CommandLines.usage(spec, "option --principal " + e.getMessage());
        }
        CommandLines.requireAtLeast(spec, "--timeout-ms", timeoutMs, 1);
        final ScorestreamConfig loaded = loadConfig();
        final AclPlan plan = loaded != null ? AclPlan.of(loaded, role) : AclPlan.forModelTopics(role,
                defaultOf(TopicsConfig.MODEL_TOPIC_CONFIG), defaultOf(FleetStatusConfig.STATUS_TOPIC_CONFIG));
        final PrintStream out = CommandLines.out(spec);
        final PrintStream err = CommandLines.err(spec);
        for (String warning : plan.warnings()) {
            err.println(CommandLines.ROOT + " acls: warning: " + warning);
        }
        if (apply) {
            return apply(plan, who, loaded, out, err);
        }
        if (format == Format.JSON) {
            out.println(AclOutput.json(plan, who));
        } else {
            final String bootstrap = bootstrapServer != null ? CommandLines.requireNonBlank(spec,
                    "--bootstrap-server", bootstrapServer) : loaded != null ? loaded.kafka().bootstrapServers()
                    : "HOST:PORT";
            out.print(AclOutput.commands(plan, who, bootstrap, commandConfig == null ? null
                    : commandConfig.toString(), header(plan, who, loaded)));
        }
        return CommandLines.OK;
    }

    private ScorestreamConfig loadConfig() {
        if (config == null) {
            if (role == AclRole.SCORER) {
                throw CommandLines.usage(spec, "option --config is required for --role scorer: the scorer's ACLs "
                        + "come from its configuration (topics, application.id, processing.guarantee)");
            }
            if (set != null && !set.isEmpty()) {
                throw CommandLines.usage(spec, "option --set needs --config");
            }
            return null;
        }
        if (!Files.isRegularFile(config)) {
            throw CommandLines.usage(spec, "config file '" + config + "' does not exist");
        }
        final Map<String, String> overrides = new LinkedHashMap<>();
        if (set != null) {
            set.forEach((key, value) -> {
                if (key.isBlank()) {
                    throw CommandLines.usage(spec, "--set needs key=value, got '" + key + "=" + value + "'");
                }
                overrides.put(key.trim(), value);
            });
        }
        return ScorestreamConfig.load(config, System.getenv(), overrides);
    }

    private static String defaultOf(final String key) {
        return String.valueOf(ScorestreamConfig.configDef().configKeys().get(key).defaultValue);
    }

    private List<String> header(final AclPlan plan, final String who, final ScorestreamConfig loaded) {
        final List<String> lines = new ArrayList<>();
        lines.add("Least-privilege ACLs of " + who + " as " + plan.role() + " (scorestream acls), "
                + (config == null ? "default topics" : "from " + config) + ".");
        if (loaded != null && plan.role() == AclRole.SCORER) {
            lines.add("application.id " + loaded.kafka().applicationId() + ", " + loaded.pipelines().size()
                    + " pipeline(s), processing.guarantee " + loaded.kafka().processingGuarantee()
                    + ". DESCRIBE is implied by READ and WRITE.");
        }
        return lines;
    }

    private int apply(final AclPlan plan, final String who, final ScorestreamConfig loaded, final PrintStream out,
                      final PrintStream err) throws InterruptedException {
        final Map<String, Object> props = new HashMap<>(loaded != null ? loaded.kafka().clientProperties() : Map.of());
        if (bootstrapServer != null) {
            props.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG,
                    CommandLines.requireNonBlank(spec, "--bootstrap-server", bootstrapServer));
        }
        if (commandConfig != null) {
            props.putAll(readCommandConfig(commandConfig));
        }
        final Object bootstrap = props.get(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG);
        if (bootstrap == null || bootstrap.toString().isBlank()) {
            throw CommandLines.usage(spec, "option --apply needs --bootstrap-server, or a --config with "
                    + "bootstrap.servers");
        }
        final List<PlannedAcl> acls = plan.acls();
        final List<AclBinding> bindings = plan.bindings(who);
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        final List<Map<String, Object>> objects = AclOutput.objects(plan, who);
        final List<Map<String, Object>> created = new ArrayList<>();
        final Admin admin = Admin.create(props);
        try {
            final CreateAclsResult result = admin.createAcls(bindings);
            final Map<AclBinding, KafkaFuture<Void>> futures = result.values();
            for (int i = 0; i < acls.size(); i++) {
                final long left = Math.max(0, deadline - System.nanoTime());
                try {
                    futures.get(bindings.get(i)).get(left, TimeUnit.NANOSECONDS);
                } catch (ExecutionException e) {
                    err.println(CommandLines.ROOT + " acls: " + failure(e.getCause() == null ? e : e.getCause(),
                            acls.get(i), who, props, created.size(), acls.size()));
                    return CommandLines.FAILED;
                } catch (TimeoutException e) {
                    err.printf(Locale.ROOT, "%s acls: no answer from %s within %d ms (--timeout-ms); %d of %d ACLs "
                            + "confirmed created%n", CommandLines.ROOT, bootstrap, timeoutMs, created.size(),
                            acls.size());
                    return CommandLines.FAILED;
                }
                if (format == Format.COMMANDS) {
                    out.println("created: " + AclOutput.describe(acls.get(i), who) + ": " + acls.get(i).reason());
                }
                created.add(objects.get(i));
            }
        } finally {
            // Bounded: after a timeout the calls still pending would otherwise keep close() waiting.
            admin.close(CLOSE_TIMEOUT);
        }
        if (format == Format.JSON) {
            out.println(JsonOutput.writeIndented(created, JsonOutput.NonFinite.STRING));
        } else {
            out.printf(Locale.ROOT, "%d ACLs of %s as %s created (or already present) on %s%n", created.size(), who,
                    plan.role(), bootstrap);
        }
        return CommandLines.OK;
    }

    /** Why creating {@code acl} failed, in a sentence naming the principal and the operation. */
    private static String failure(final Throwable cause, final PlannedAcl acl, final String who,
                                  final Map<String, Object> props, final int done, final int all) {
        final String progress = String.format(Locale.ROOT, " (%d of %d ACLs created before)", done, all);
        if (cause instanceof SecurityDisabledException) {
            return "the cluster keeps no ACLs: its brokers have no authorizer (authorizer.class.name is not set), so "
                    + AclOutput.describe(acl, who) + " cannot be created" + progress + ": " + cause.getMessage();
        }
        if (cause instanceof AuthorizationException) {
            return "not allowed to create ACLs: the principal this command connects as (" + connectingAs(props)
                    + ") needs ALTER on the cluster resource (kafka-acls.sh --operation Alter --cluster) to create "
                    + AclOutput.describe(acl, who) + progress + ". Give an administrator's client properties with "
                    + "--command-config, or have an administrator run the commands of --format commands ("
                    + cause.getMessage() + ")";
        }
        return "creating " + AclOutput.describe(acl, who) + " failed" + progress + ": " + cause;
    }

    /**
     * Who the admin client authenticates as, as far as its settings say: the SASL user and
     * mechanism, or the security protocol. Never a password.
     */
    static String connectingAs(final Map<String, Object> props) {
        final Object protocol = props.getOrDefault(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "PLAINTEXT");
        final Object jaas = props.get(SaslConfigs.SASL_JAAS_CONFIG);
        if (jaas != null) {
            final Matcher m = JAAS_USERNAME.matcher(jaasText(jaas));
            if (m.find()) {
                return "SASL user '" + m.group(1) + "', mechanism " + props.getOrDefault(SaslConfigs.SASL_MECHANISM,
                        SaslConfigs.DEFAULT_SASL_MECHANISM) + ", " + protocol;
            }
        }
        return "security.protocol " + protocol;
    }

    private static String jaasText(final Object jaas) {
        return jaas instanceof org.apache.kafka.common.config.types.Password p ? p.value() : jaas.toString();
    }

    private Map<String, Object> readCommandConfig(final Path file) {
        if (!Files.isRegularFile(file)) {
            throw CommandLines.usage(spec, "--command-config file '" + file + "' does not exist");
        }
        final Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(r);
        } catch (IOException e) {
            throw CommandLines.usage(spec, "cannot read --command-config file '" + file + "': " + e);
        }
        final Map<String, Object> props = new HashMap<>();
        p.stringPropertyNames().forEach(k -> props.put(k.trim(), p.getProperty(k).trim()));
        return props;
    }
}
