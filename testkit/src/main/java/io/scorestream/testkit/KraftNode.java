package io.scorestream.testkit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Properties;
import java.util.Set;
import java.util.StringJoiner;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;

import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.properties.MetaPropertiesEnsemble;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.MetadataVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One run of Kafka's own combined broker+controller server ({@link KafkaRaftServer}) over a log
 * directory that this class formats on first use.
 *
 * <p>Lifecycle: {@link #start()} once, then {@link #stop()} once; a restart is a new instance over
 * the same directory. Not thread-safe: {@link EmbeddedKafka} serialises all calls.
 */
final class KraftNode {

    private static final Logger LOG = LoggerFactory.getLogger(KraftNode.class);
    private static final int MAX_CAUSES = 5;

    private final KafkaRaftServer server;

    private KraftNode(final KafkaRaftServer server) {
        this.server = server;
    }

    /**
     * Formats {@code logDir} at {@code MetadataVersion.LATEST_PRODUCTION} if it is not formatted
     * yet (a formatted one is left as it is, which is what lets a restart keep its data), then
     * starts a server on it. Returns once the server's
     * startup has completed.
     *
     * @param brokerProps the complete broker configuration; its {@code log.dirs} must be
     *     {@code logDir}
     * @param logDir the single log and metadata directory
     * @return the running node, owned by the caller, who must {@link #stop()} it
     * @throws KafkaException if formatting or startup fails; a partly started server is stopped
     *     before this is thrown
     */
    static KraftNode start(final Properties brokerProps, final Path logDir) {
        final KafkaConfig config = KafkaConfig.fromProps(brokerProps, false);
        format(logDir);
        final KafkaRaftServer server = new KafkaRaftServer(config, Time.SYSTEM);
        try {
            server.startup();
        } catch (RuntimeException e) {
            stopQuietly(server);
            throw new KafkaException("Embedded Kafka broker failed to start: " + causes(e), e);
        }
        return new KraftNode(server);
    }

    /** Shuts the server down and waits until all its threads have finished. */
    void stop() {
        server.shutdown();
        server.awaitShutdown();
    }

    private static void format(final Path logDir) {
        if (Files.exists(logDir.resolve(MetaPropertiesEnsemble.META_PROPERTIES_NAME))) {
            // Formatted by an earlier run: keep it, its cluster id and its data. (The formatter's
            // own "ignore formatted" mode still insists on the cluster id it is given.)
            LOG.debug("{} is formatted already", logDir);
            return;
        }
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (PrintStream printStream = new PrintStream(out, true, StandardCharsets.UTF_8)) {
            Files.createDirectories(logDir);
            new Formatter()
                    .setPrintStream(printStream)
                    .setNodeId(BrokerSettings.NODE_ID)
                    .setClusterId(Uuid.randomUuid().toString())
                    .setControllerListenerName(BrokerSettings.CONTROLLER_LISTENER)
                    .setReleaseVersion(MetadataVersion.LATEST_PRODUCTION)
                    .setMetadataLogDirectory(logDir.toString())
                    .addDirectory(logDir.toString())
                    .run();
        } catch (IOException e) {
            throw new KafkaException("Cannot create the log directory " + logDir, e);
        } catch (Exception e) {
            // Formatter.run() declares Exception; FormatterException carries the reason.
            throw new KafkaException("Cannot format the log directory " + logDir + ": "
                    + e.getMessage(), e);
        }
        LOG.debug("Formatter: {}", out.toString(StandardCharsets.UTF_8).trim());
    }

    /** The messages along a cause chain: the broker wraps the telling one (e.g. a bind failure). */
    private static String causes(final Throwable error) {
        final StringJoiner joiner = new StringJoiner("; caused by: ");
        final Set<String> seen = new HashSet<>();
        for (Throwable t = error; t != null && seen.size() < MAX_CAUSES; t = t.getCause()) {
            final String message = t.getMessage() != null ? t.getMessage() : t.getClass().getName();
            if (seen.add(message)) {
                joiner.add(message);
            }
        }
        return joiner.toString();
    }

    private static void stopQuietly(final KafkaRaftServer server) {
        try {
            server.shutdown();
            server.awaitShutdown();
        } catch (RuntimeException e) {
            LOG.warn("Error while stopping a broker that failed to start", e);
        }
    }
}
