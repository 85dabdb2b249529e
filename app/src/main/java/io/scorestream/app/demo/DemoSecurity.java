package io.scorestream.app.demo;

import io.scorestream.app.command.CommandLines;
import io.scorestream.app.config.ModelsConfig;
import io.scorestream.app.config.KafkaStreamsConfig;
import io.scorestream.app.config.ScorestreamConfig;
import io.scorestream.app.keys.KeysCommand;
import io.scorestream.app.models.ModelTopicHistory;
import io.scorestream.app.security.AclPlan;
import io.scorestream.app.security.AclRole;
import io.scorestream.app.stack.LocalStack;
import io.scorestream.inference.signing.SigningKeys;
import io.scorestream.schemas.ModelSpec;
import io.scorestream.schemas.registry.SchemaRegistry;
import io.scorestream.testkit.EmbeddedKafka;
import io.scorestream.testkit.KafkaSecurity;
import io.scorestream.testkit.KafkaTopics;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.common.acl.AccessControlEntryFilter;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.ResourcePatternFilter;

/**
 * What {@code demo --secure} adds to the demo: per run, random SCRAM passwords for
 * {@code User:scorer}, {@code User:publisher} and {@code User:connect}, and an Ed25519 key pair made
 * with {@code scorestream keys generate} in a temporary directory; then, on the secured
 * {@link LocalStack}, the users and exactly their planned ACLs, the scoring application's
 * {@code kafka.*} credentials and {@code model.trusted.keys} / {@code model.signature.required=true},
 * and {@code --client-config} files for the command lines ({@code models} as the publisher,
 * {@code replay} as the super user).
 *
 * <p>The demo's own clients (the transaction feed, the score and dead-letter readers, the
 * backtest) run as the kit's super user {@code User:admin}.
 *
 * <p>Secrets: the passwords, the trust store's password and the private key stay in memory, in the
 * client maps and in owner-only files under the temporary directory, which {@link #close()}
 * deletes. Nothing here prints or logs them; {@link Demo.Security#toString()} leaves them out.
 *
 * <p>Lifecycle: {@link #prepare} before the stack starts, {@link #setUp} once the stack runs and the
 * application's configuration is known, {@link #close()} at the end (idempotent). Used by the
 * demo's thread only; not thread-safe.
 */
final class DemoSecurity implements AutoCloseable {

    static final String SCORER = "scorer";
    static final String PUBLISHER = "publisher";
    private static final String PROTOCOL = "SASL_SSL";

    private final Path dir;
    private final Path privateKey;
    private final Path publicKey;
    private final String keyId;
    private final String scorerPassword;
    private final String publisherPassword;
    private final String connectPassword;
    private KafkaSecurity security;
    private Path publisherConfig;
    private Path adminConfig;
    private final Map<String, String> roles = new LinkedHashMap<>();

    private DemoSecurity(Path dir, Path privateKey, Path publicKey, String keyId) {
        this.dir = dir;
        this.privateKey = privateKey;
        this.publicKey = publicKey;
        this.keyId = keyId;
        this.scorerPassword = password();
        this.publisherPassword = password();
        this.connectPassword = password();
    }

    /**
     * Makes the run's passwords and, with {@code scorestream keys generate --out <temp>/keys}, its
     * signing key pair.
     *
     * @throws IllegalStateException if the key pair cannot be made, with what the command said
     */
    static DemoSecurity prepare() throws IOException {
        final Path dir = Files.createTempDirectory("scorestream-demo-secure-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        final Path keys = dir.resolve("keys");
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final int exit;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            exit = CommandLines.execute(new KeysCommand(), new String[] {"generate", "--out", keys.toString()}, o, e);
        }
        if (exit != CommandLines.OK) {
            Demo.deleteQuietly(dir);
            throw new IllegalStateException("scorestream keys generate exited with " + exit + ": "
                    + err.toString(StandardCharsets.UTF_8).trim());
        }
        final Path publicKey = keys.resolve(KeysCommand.PUBLIC_FILE);
        final String keyId = SigningKeys.keyId(SigningKeys.readPublicKey(publicKey.toString()));
        return new DemoSecurity(dir, keys.resolve(KeysCommand.PRIVATE_FILE), publicKey, keyId);
    }

    /** The Connect worker's password, for {@link LocalStack.Builder#secured(String)}. */
    String connectPassword() {
        return connectPassword;
    }

    /** The signing key's id (of its public key). */
    String keyId() {
        return keyId;
    }

    /** The private key file, for {@code --signing-key}. */
    Path privateKey() {
        return privateKey;
    }

    /**
     * Adds the scoring application's settings: its SCRAM credentials as {@code User:scorer} under
     * {@code kafka.*}, the run's public key as {@code model.trusted.keys}, and
     * {@code model.signature.required=true}.
     */
    void configureApplication(LocalStack stack, Map<String, Object> settings) {
        security = stack.security();
        withoutBootstrap(security.scramClientConfig(SCORER, scorerPassword))
                .forEach((k, v) -> settings.put(KafkaStreamsConfig.KAFKA_PREFIX + k, v));
        settings.put(ModelsConfig.MODEL_TRUSTED_KEYS_CONFIG, publicKey.toString());
        settings.put(ModelsConfig.MODEL_SIGNATURE_REQUIRED_CONFIG, "true");
    }

    /**
     * Creates the status topic (which the scorer may write but not create), the users
     * {@code scorer} and {@code publisher}, and exactly their ACLs: {@code AclPlan.of(config, SCORER)}
     * and {@code AclPlan.of(config, MODELS)} (the demo's canary publish and promotion read the model
     * topic's history); writes the {@code --client-config} files of the publisher and the super user.
     */
    void setUp(LocalStack stack, ScorestreamConfig config) throws IOException {
        final EmbeddedKafka kafka = stack.kafka();
        KafkaTopics.create(kafka.admin(), config.fleetStatus().statusTopic(), 1, KafkaTopics.COMPACTED,
                EmbeddedKafka.DEFAULT_TIMEOUT);
        security.createScramUser(SCORER, scorerPassword);
        security.createScramUser(PUBLISHER, publisherPassword);
        security.createAcls(AclPlan.of(config, AclRole.SCORER).bindings("User:" + SCORER));
        security.createAcls(AclPlan.of(config, AclRole.MODELS).bindings("User:" + PUBLISHER));
        publisherConfig = writeClientConfig("publisher.properties", security.scramClientConfig(PUBLISHER,
                publisherPassword));
        adminConfig = writeClientConfig("admin.properties", security.adminClientConfig());
        roles.put("User:" + SCORER, "the scoring application: scorestream acls --role scorer");
        roles.put("User:" + PUBLISHER, "models publish, canary, promote: --role models");
        if (stack.hasSink()) {
            roles.put("User:" + LocalStack.CONNECT_USER, "the Kafka Connect worker and its JDBC sink");
        }
    }

    /** The super user's client settings without {@code bootstrap.servers}, for the demo's own clients. */
    Map<String, Object> demoClient() {
        return withoutBootstrap(security.adminClientConfig());
    }

    /** {@code --client-config <file>} of the publisher, for the {@code models} command lines. */
    String[] modelsConnection() {
        return new String[] {"--client-config", publisherConfig.toString()};
    }

    /** {@code --client-config <file>} of the super user, for the backtest's {@code replay}. */
    String[] replayConnection() {
        return new String[] {"--client-config", adminConfig.toString()};
    }

    /**
     * What the summary shows: each principal and the ACLs the broker holds for it now, the key id,
     * and how many of the model topic's records carry a signature of the run's key (read as the
     * super user); with the run's secrets for a test to look for in the output, never printed.
     */
    Demo.Security summarize(SchemaRegistry schemas, String modelTopic) {
        final Map<String, Integer> acls = new LinkedHashMap<>();
        for (String principal : roles.keySet()) {
            acls.put(principal, security.acls(new AclBindingFilter(ResourcePatternFilter.ANY,
                    new AccessControlEntryFilter(principal, null, AclOperation.ANY, AclPermissionType.ANY))).size());
        }
        final Map<String, Object> client = security.adminClientConfig();
        final ModelTopicHistory history = ModelTopicHistory.read(client, schemas, modelTopic, Duration.ofSeconds(30));
        int records = 0;
        int signed = 0;
        for (ModelTopicHistory.Entry e : history.entries()) {
            final ModelSpec spec = e.specOrNull();
            if (spec == null) {
                continue;
            }
            records++;
            signed += spec.getSignature() != null && keyId.equals(spec.getSignature().getKeyId()) ? 1 : 0;
        }
        final List<String> secrets = new ArrayList<>(List.of(scorerPassword, publisherPassword, connectPassword,
                security.adminPassword(), security.certificates().password()));
        secrets.add(privateKeyBody());
        return new Demo.Security(PROTOCOL, KafkaSecurity.SCRAM_MECHANISM, acls, new LinkedHashMap<>(roles), keyId,
                true, records, signed, secrets);
    }

    /** Deletes the key pair and the client-config files. Idempotent. */
    @Override
    public void close() {
        Demo.deleteQuietly(dir);
    }

    @Override
    public String toString() {
        return "DemoSecurity[key id " + keyId + ", " + roles.keySet() + "]";
    }

    /** The base64 body of the private key file, the secret part of it. */
    private String privateKeyBody() {
        try {
            final StringBuilder body = new StringBuilder();
            for (String line : Files.readAllLines(privateKey, StandardCharsets.US_ASCII)) {
                if (!line.startsWith("-----")) {
                    body.append(line.strip());
                }
            }
            return body.toString();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the demo's private key file " + privateKey, e);
        }
    }

    /** Writes client properties to an owner-only file under the temporary directory. */
    private Path writeClientConfig(String name, Map<String, Object> config) throws IOException {
        final Path file = dir.resolve(name);
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        final Properties p = new Properties();
        withoutBootstrap(config).forEach((k, v) -> p.setProperty(k, String.valueOf(v)));
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.TRUNCATE_EXISTING)) {
            p.store(w, null);
        }
        return file;
    }

    private static Map<String, Object> withoutBootstrap(Map<String, Object> clientConfig) {
        final Map<String, Object> c = new HashMap<>(clientConfig);
        c.remove(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG);
        return c;
    }

    /** 24 random bytes as hex. */
    private static String password() {
        final byte[] bytes = new byte[24];
        new SecureRandom().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }
}
