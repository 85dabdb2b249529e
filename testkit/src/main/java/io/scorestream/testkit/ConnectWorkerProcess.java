package io.scorestream.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Kafka Connect worker running in a child JVM ({@link ConnectWorkerMain}), started by
 * {@link ConnectWorker#startChildJvm}: the handle a test needs to crash a worker mid-stream
 * ({@link #kill()}, a {@code SIGKILL}) and to talk to it ({@link #rest()}).
 *
 * <p>The child runs {@code $JAVA_HOME/bin/java} {@value #HEAP} with this JVM's class path
 * ({@code java.class.path}, passed in the {@code CLASSPATH} environment variable), so every
 * plugin, converter and logging configuration visible here is visible there. Its standard output
 * and error go to {@link #logFile()}, which is kept. Its standard input is a pipe from this JVM
 * that nothing is written to; when it closes (this JVM exits or dies, or drops the handle unclosed)
 * the worker stops.
 *
 * <p><b>Ownership and threading.</b> Whoever starts the child closes the handle; {@link #close()}
 * stops a child still alive ({@code SIGTERM}, then {@code SIGKILL} after
 * {@link #STOP_TIMEOUT}). All methods are thread-safe.
 */
public final class ConnectWorkerProcess implements AutoCloseable {

    /** How long {@link #close()} waits for a clean stop before it kills. */
    public static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);

    static final String HEAP = "-Xmx512m";

    private static final Logger LOG = LoggerFactory.getLogger(ConnectWorkerProcess.class);
    private static final Duration POLL_INTERVAL = Duration.ofMillis(50);

    private final Process process;
    private final Path logFile;
    private final ConnectRestClient rest;

    private ConnectWorkerProcess(final Process process, final Path logFile, final URI restUrl) {
        this.process = process;
        this.logFile = logFile;
        this.rest = new ConnectRestClient(restUrl);
    }

    static ConnectWorkerProcess start(final ConnectWorker.Mode mode, final Map<String, String> properties,
            final Path workDir, final Duration timeout) {
        return start(mode, properties, workDir, timeout, System.getProperty("java.class.path"));
    }

    static ConnectWorkerProcess start(final ConnectWorker.Mode mode, final Map<String, String> properties,
            final Path workDir, final Duration timeout, final String classPath) {
        Objects.requireNonNull(classPath, "classPath");
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(properties, "properties");
        final long startNanos = System.nanoTime();
        final Path propertiesFile;
        final Path logFile;
        try {
            Files.createDirectories(workDir);
            propertiesFile = Files.createTempFile(workDir, "connect-worker-", ".properties");
            final String stem = propertiesFile.getFileName().toString().replace(".properties", "");
            logFile = workDir.resolve(stem + ".log");
            writeProperties(properties, propertiesFile);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write the worker properties in " + workDir, e);
        }
        final List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add(HEAP);
        command.add("-Dfile.encoding=UTF-8");
        command.add("-D" + ConnectWorkerMain.EXIT_WITH_PARENT_PROPERTY + "=true");
        command.add(ConnectWorkerMain.class.getName());
        command.add(mode.name().toLowerCase(Locale.ROOT));
        command.add(propertiesFile.toString());
        final ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(logFile.toFile());
        // An environment variable, not -cp: one argument is limited to 128 KiB on Linux and a
        // test class path can come close.
        builder.environment().put("CLASSPATH", classPath);
        final Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot start a JVM for the Connect worker", e);
        }
        final URI restUrl;
        try {
            restUrl = awaitReady(process, logFile, System.nanoTime() + timeout.toNanos(), timeout);
        } catch (RuntimeException e) {
            process.destroyForcibly();
            throw e;
        }
        LOG.info("Connect worker ({}) in child JVM {} at {} started in {} ms (log {})",
                mode.name().toLowerCase(Locale.ROOT), process.pid(), restUrl,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos), logFile);
        return new ConnectWorkerProcess(process, logFile, restUrl);
    }

    /** The child's process id. */
    public long pid() {
        return process.pid();
    }

    /** The worker's REST URL, {@code http://127.0.0.1:<port>/}. */
    public URI restUrl() {
        return rest.baseUrl();
    }

    /** A client of the worker's REST API. */
    public ConnectRestClient rest() {
        return rest;
    }

    /** The child's standard output and error. */
    public Path logFile() {
        return logFile;
    }

    /** Whether the child is still running. */
    public boolean isAlive() {
        return process.isAlive();
    }

    /**
     * Kills the child with {@code SIGKILL} (no shutdown hook runs, nothing is committed or
     * flushed: a crash) and waits until it is gone. Does nothing if it has exited.
     *
     * @throws TimeoutException if it is still there after {@link #STOP_TIMEOUT}
     */
    public void kill() {
        if (!process.isAlive()) {
            return;
        }
        process.destroyForcibly();
        awaitExit(STOP_TIMEOUT);
        LOG.info("Connect worker in child JVM {} killed", process.pid());
    }

    /**
     * Waits for the child to exit.
     *
     * @param timeout how long to wait
     * @return its exit status (137 after {@link #kill()}, 143 after a {@code SIGTERM})
     * @throws TimeoutException if it is still running after the timeout
     */
    public int awaitExit(final Duration timeout) {
        try {
            if (!process.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
                throw new TimeoutException("Connect worker in child JVM " + process.pid()
                        + " still running after " + timeout);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptException(e);
        }
        return process.exitValue();
    }

    /**
     * Stops a child that is still running: {@code SIGTERM} (the worker stops cleanly, committing
     * offsets), and {@code SIGKILL} if it has not exited within {@link #STOP_TIMEOUT}. Idempotent.
     */
    @Override
    public void close() {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            awaitExit(STOP_TIMEOUT);
        } catch (TimeoutException e) {
            LOG.warn("Connect worker in child JVM {} ignored SIGTERM for {}; killing it", process.pid(),
                    STOP_TIMEOUT);
            kill();
        }
    }

    @Override
    public String toString() {
        return "ConnectWorkerProcess[pid " + process.pid() + ", " + restUrl() + "]";
    }

    // ---------------------------------------------------------------------------------------------

    /** Waits for {@link ConnectWorkerMain}'s ready line in the log, then answers the URL on it. */
    private static URI awaitReady(final Process process, final Path logFile, final long deadline,
            final Duration timeout) {
        while (true) {
            final Optional<String> ready = readyLine(logFile);
            if (ready.isPresent()) {
                return URI.create(ready.get().substring(ConnectWorkerMain.READY_PREFIX.length()).trim());
            }
            if (!process.isAlive()) {
                throw new IllegalStateException("Connect worker in child JVM " + process.pid()
                        + " exited with status " + process.exitValue() + " before it was ready; see " + logFile);
            }
            if (System.nanoTime() + POLL_INTERVAL.toNanos() > deadline) {
                throw new IllegalStateException("Connect worker in child JVM " + process.pid()
                        + " was not ready within " + timeout + "; see " + logFile);
            }
            try {
                Thread.sleep(POLL_INTERVAL.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptException(e);
            }
        }
    }

    private static Optional<String> readyLine(final Path logFile) {
        if (!Files.exists(logFile)) {
            return Optional.empty();
        }
        try (var lines = Files.lines(logFile, StandardCharsets.UTF_8)) {
            return lines.filter(line -> line.startsWith(ConnectWorkerMain.READY_PREFIX)).findFirst();
        } catch (IOException | UncheckedIOException e) {
            // Read while the child writes: a partial character at the end; try again.
            return Optional.empty();
        }
    }

    private static void writeProperties(final Map<String, String> properties, final Path file) throws IOException {
        final Properties out = new Properties();
        out.putAll(properties);
        try (Writer writer = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            out.store(writer, "Kafka Connect worker, written by ConnectWorker.startChildJvm");
        }
    }
}
