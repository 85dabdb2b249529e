package io.scorestream.tests.security;

import static org.junit.jupiter.api.Assertions.assertFalse;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.read.ListAppender;
import io.scorestream.app.cli.ScorestreamApp;
import io.scorestream.app.config.FleetStatusConfig;
import io.scorestream.app.config.KafkaStreamsConfig;
import io.scorestream.app.config.MetricsConfig;
import io.scorestream.inference.onnx.LogisticRegression;
import io.scorestream.inference.training.SyntheticTransactions;
import io.scorestream.testkit.EmbeddedKafka;
import io.scorestream.tests.it.ScoringItSupport;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import org.apache.kafka.clients.CommonClientConfigs;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the secured-broker ITs share: settings of a scoring instance whose Kafka clients use given
 * credentials, {@code scorestream models publish} as a given principal, and a log capture that
 * records everything our code and Kafka's log at INFO (where Kafka's clients print their whole
 * configuration) to scan it for secrets. Stateless apart from {@link LogScan}, which one test class
 * owns.
 */
final class SecuredItSupport {

    static final String STATUS = "scorestream-status";

    private SecuredItSupport() {
    }

    /** What a command line printed, and its exit code. */
    record Result(int code, String out, String err) {
    }

    /**
     * Starts the secured test broker with the standard IT topics ({@link ScoringItSupport#createTopics},
     * 3 partitions) and the compacted status topic {@value #STATUS}, created by the super user.
     */
    static EmbeddedKafka startBroker() {
        final EmbeddedKafka kafka = EmbeddedKafka.builder().secured().start();
        ScoringItSupport.createTopics(kafka, 3);
        io.scorestream.testkit.KafkaTopics.create(kafka.admin(), STATUS, 1,
                io.scorestream.testkit.KafkaTopics.COMPACTED, EmbeddedKafka.DEFAULT_TIMEOUT);
        return kafka;
    }

    /** The client settings without {@code bootstrap.servers}, for {@code kafka.*} or an override map. */
    static Map<String, Object> withoutBootstrap(Map<String, Object> clientConfig) {
        final Map<String, Object> c = new java.util.HashMap<>(clientConfig);
        c.remove(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG);
        return c;
    }

    /**
     * The standard IT settings ({@link ScoringItSupport#appSettings}) with every client setting of
     * {@code clientConfig} under {@code kafka.}, the status topic {@value #STATUS}, and metrics on a
     * free port. A new, modifiable map.
     */
    static Map<String, Object> settings(EmbeddedKafka kafka, Path stateDir, String applicationId,
                                        Map<String, Object> clientConfig) {
        final Map<String, Object> s = ScoringItSupport.appSettings(kafka.bootstrapServers(), applicationId, stateDir);
        withoutBootstrap(clientConfig).forEach((k, v) -> s.put(KafkaStreamsConfig.KAFKA_PREFIX + k, v));
        s.put(FleetStatusConfig.STATUS_TOPIC_CONFIG, STATUS);
        s.put(MetricsConfig.METRICS_ENABLED_CONFIG, true);
        s.put(MetricsConfig.METRICS_PORT_CONFIG, 0);
        s.put(KafkaStreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 200);
        return s;
    }

    /**
     * {@code scorestream models publish} of a logistic regression over the demo's 30 features, with
     * {@code clientConfig}'s credentials in a {@code --client-config} file written to {@code dir}.
     */
    static Result publish(EmbeddedKafka kafka, String registryUrl, Path dir, Map<String, Object> clientConfig,
                          String version) throws IOException {
        final Path file = Files.createTempFile(dir, "client-", ".properties");
        final Properties p = new Properties();
        withoutBootstrap(clientConfig).forEach((k, v) -> p.setProperty(k, String.valueOf(v)));
        try (Writer w = Files.newBufferedWriter(file)) {
            p.store(w, null);
        }
        final Random random = new Random(11);
        final float[] weights = new float[SyntheticTransactions.FEATURE_FIELDS.size()];
        for (int i = 0; i < weights.length; i++) {
            weights[i] = (float) random.nextGaussian() * 0.1f;
        }
        final Path onnx = Files.createTempFile(dir, "model-", ".onnx");
        Files.write(onnx, new LogisticRegression(weights, 0f).toOnnx());
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final int code;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            code = ScorestreamApp.execute(new String[] {"models", "publish", "--bootstrap", kafka.bootstrapServers(),
                "--schema-registry", registryUrl, "--topic", ScoringItSupport.MODELS, "--client-config",
                file.toString(), "--name", ScoringItSupport.MODEL, "--version", version, "--onnx",
                onnx.toString()}, o, e);
        }
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /**
     * Captures every event our code logs, and Kafka's from INFO up (those only here, not on the
     * console: they are thousands of lines), until {@link #stop}; then finds secrets in them.
     */
    static final class LogScan {

        private static final List<String> KAFKA_LOGGERS = List.of("org.apache.kafka", "kafka");

        private final ListAppender<ILoggingEvent> captured = new ListAppender<>();

        LogScan start() {
            captured.start();
            root().addAppender(captured);
            for (String name : KAFKA_LOGGERS) {
                final ch.qos.logback.classic.Logger logger = logger(name);
                logger.setLevel(Level.INFO);
                logger.setAdditive(false);
                logger.addAppender(captured);
            }
            return this;
        }

        /** Stops capturing and restores the loggers. */
        void stop() {
            root().detachAppender(captured);
            for (String name : KAFKA_LOGGERS) {
                final ch.qos.logback.classic.Logger logger = logger(name);
                logger.detachAppender(captured);
                logger.setAdditive(true);
                logger.setLevel(null);
            }
        }

        /** Whether some captured message contains {@code text}. */
        boolean anyContains(String text) {
            return captured.list.stream().anyMatch(e -> e.getFormattedMessage().contains(text));
        }

        /**
         * Fails naming the first captured event (message or any cause's message) or served text that
         * contains one of {@code secrets}.
         *
         * @return how many events were scanned
         */
        int assertNoneOf(Collection<String> secrets, Collection<String> served) {
            for (String body : served) {
                for (String secret : secrets) {
                    assertFalse(body.contains(secret), "a secret was served: " + body);
                }
            }
            for (ILoggingEvent event : captured.list) {
                final StringBuilder text = new StringBuilder(event.getFormattedMessage());
                for (IThrowableProxy t = event.getThrowableProxy(); t != null; t = t.getCause()) {
                    text.append(' ').append(t.getMessage());
                }
                for (String secret : secrets) {
                    assertFalse(text.toString().contains(secret), "a secret was logged: " + event);
                }
            }
            return captured.list.size();
        }

        private static ch.qos.logback.classic.Logger root() {
            return logger(Logger.ROOT_LOGGER_NAME);
        }

        private static ch.qos.logback.classic.Logger logger(String name) {
            return (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(name);
        }
    }
}
