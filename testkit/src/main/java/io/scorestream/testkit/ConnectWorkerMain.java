package io.scorestream.testkit;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;

/**
 * Runs one Kafka Connect worker ({@link ConnectWorker}) until the JVM is stopped: the program
 * {@link ConnectWorker#startChildJvm} starts in a child JVM, usable by hand as well.
 *
 * <pre>
 * java -cp ... io.scorestream.testkit.ConnectWorkerMain distributed|standalone worker.properties [connector.properties ...]
 * </pre>
 *
 * The worker properties are used as they are (no defaults are added: write them with
 * {@link ConnectWorker#distributedProperties} or {@link ConnectWorker#standaloneProperties}). Each
 * connector file is a properties file with a {@code name}; its connector is created (or
 * reconfigured) once the worker is healthy. Then one line {@value #READY_PREFIX}{@code <rest url>}
 * is printed on standard output. {@code SIGTERM} stops the worker cleanly (Connect's own shutdown
 * hook); {@code SIGKILL} is a crash. With {@value #EXIT_WITH_PARENT_PROPERTY}{@code =true} it also
 * stops when its standard input ends.
 *
 * <p>Exit status: 2 for bad arguments, 1 if the worker does not start; otherwise the JVM's status
 * when it is stopped (143 for {@code SIGTERM}, 137 for {@code SIGKILL}).
 */
public final class ConnectWorkerMain {

    /** What the line announcing the REST URL starts with. */
    public static final String READY_PREFIX = "Connect worker ready at ";

    /**
     * System property: {@code true} makes the worker exit when its standard input ends, which
     * happens when the parent that started it dies. {@link ConnectWorker#startChildJvm} sets it,
     * so that a crashed test JVM leaves no worker behind.
     */
    public static final String EXIT_WITH_PARENT_PROPERTY = "scorestream.connect.exitWithParent";

    private ConnectWorkerMain() {
    }

    /**
     * Starts the worker and its connectors, announces the REST URL and blocks until the JVM stops.
     *
     * @param args the mode, the worker properties file, then connector properties files
     * @throws InterruptedException if the main thread is interrupted
     */
    public static void main(final String[] args) throws InterruptedException {
        if (args.length < 2) {
            System.err.println("Usage: ConnectWorkerMain distributed|standalone worker.properties"
                    + " [connector.properties ...]");
            System.exit(2);
        }
        if (Boolean.getBoolean(EXIT_WITH_PARENT_PROPERTY)) {
            exitWhenStandardInputEnds();
        }
        final ConnectWorker worker;
        try {
            final ConnectWorker.Mode mode = ConnectWorker.Mode.parse(args[0]);
            worker = ConnectWorker.start(mode, load(Path.of(args[1])), ConnectWorker.DEFAULT_TIMEOUT);
            for (int i = 2; i < args.length; i++) {
                final Map<String, String> connector = load(Path.of(args[i]));
                final String name = connector.get("name");
                if (name == null || name.isBlank()) {
                    throw new IllegalArgumentException("Connector file " + args[i] + " has no name");
                }
                worker.createConnector(name, connector);
            }
        } catch (RuntimeException e) {
            e.printStackTrace(System.err);
            // The runtime's non-daemon threads would keep a half-started JVM alive.
            System.exit(1);
            return;
        }
        // No shutdown hook of ours: the runtime registers one that stops the worker.
        System.out.println(READY_PREFIX + worker.restUrl());
        System.out.flush();
        new CountDownLatch(1).await();
    }

    private static void exitWhenStandardInputEnds() {
        final Thread watcher = new Thread(() -> {
            try {
                while (System.in.read() >= 0) {
                    // The parent writes nothing; anything it does write is ignored.
                }
            } catch (IOException e) {
                // A broken pipe is the parent gone as well.
            }
            System.err.println("Standard input closed: the parent JVM is gone; stopping the worker");
            System.exit(0);
        }, "connect-worker-parent-watch");
        watcher.setDaemon(true);
        watcher.start();
    }

    private static Map<String, String> load(final Path file) {
        final Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            properties.load(reader);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + file, e);
        }
        final Map<String, String> map = new TreeMap<>();
        properties.stringPropertyNames().forEach(key -> map.put(key, properties.getProperty(key)));
        return map;
    }
}
