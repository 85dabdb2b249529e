package io.scorestream.app.stack;

import io.scorestream.schemas.registry.InMemorySchemaRegistry;
import io.scorestream.schemas.registry.SchemaRegistry;
import io.scorestream.testkit.ConnectWorker;
import io.scorestream.testkit.ConnectorStatus;
import io.scorestream.testkit.EmbeddedKafka;
import io.scorestream.testkit.EmbeddedPostgresServer;
import io.scorestream.testkit.KafkaSecurity;
import io.scorestream.testkit.SchemaRegistryServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.utils.Utils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The real parts of a scoring setup, started in this JVM on {@code 127.0.0.1}: a single-node KRaft
 * broker with the stack's {@link StackTopics topics} (kept without a time limit, {@code retention.ms=-1}:
 * loaded history is often older than a week), a Confluent-compatible schema registry over
 * HTTP, and, with the sink, a PostgreSQL server and a Kafka Connect worker running the JDBC sink
 * from the scores topic into table {@value #SINK_TABLE}. The demo and {@code scorestream local}
 * both run on one.
 *
 * <pre>{@code
 * try (LocalStack stack = LocalStack.builder().ports(StackPorts.ANY_FREE).start()) {
 *     // clients use stack.bootstrapServers(), stack.registryUrl(); rows: stack.countRows()
 * }
 * }</pre>
 *
 * <h2>The sink</h2>
 * {@code JdbcSinkConnector} {@value #SINK_CONNECTOR}, {@code topics=<scores>}, upserting by event
 * id, model, version and role into {@value #SINK_TABLE}, one task per scores partition; keys as
 * strings, values through {@code AvroConverter} and the registry; records it cannot write go to
 * {@link StackTopics#sinkDeadLetters()} with their reason ({@code errors.tolerance=all}). The
 * worker reads with {@code consumer.isolation.level=read_committed}: scores are written in
 * exactly-once transactions, and a sink must not write the scores of an aborted one. The worker is
 * distributed, group {@value #CONNECT_GROUP}, so its connector configuration and offsets live in
 * topics of the broker and persist with it.
 *
 * <h2>Secured</h2>
 * With {@link Builder#secured(String)} the broker is the kit's secured one ({@code SASL_SSL},
 * SCRAM-SHA-512, ACLs enforced, no ACL = no access; see {@link KafkaSecurity}), and the Connect
 * worker (with the sink) logs in as {@code User:}{@value #CONNECT_USER} with the caller's password,
 * holding exactly {@link #connectAcls}: its group and its three internal topics, READ on the scores
 * topic, the sink's consumer group {@code connect-}{@value #SINK_CONNECTOR} and WRITE on the sink's
 * dead-letter topic. Every other client needs credentials of its own ({@link #security()}). The
 * registry and the Connect REST API stay plain HTTP on {@code 127.0.0.1}.
 *
 * <h2>Data</h2>
 * With a {@linkplain Builder#dataDir(Path) data directory}, everything lives under it and stays
 * for the next start: {@code kafka/} (the broker's log directory: topics, offsets, the Connect
 * worker's topics), {@code postgres/} (the database), and {@code registry/schemas.jsonl} (every
 * schema registration, written as it happens and replayed at start: the registry itself is in
 * memory, and the records on the broker refer to its schema ids; see {@link JournaledSchemaRegistry}).
 * Without one, a temporary directory is used and deleted by {@link #close()}, and the registry is
 * in memory only.
 *
 * <h2>Lifecycle, ownership, threading</h2>
 * {@link Builder#start()} returns a running stack (the sink's tasks running) or throws, having
 * closed what it started; {@link #close()} stops the parts in reverse order (Connect, PostgreSQL,
 * the registry, the broker), then deletes a temporary directory; it is idempotent. Whoever starts a
 * stack closes it. Methods are thread-safe.
 */
public final class LocalStack implements AutoCloseable {

    /** The parts, in start order. */
    public enum Part {
        KAFKA("Kafka broker"), REGISTRY("schema registry"), POSTGRES("PostgreSQL"), CONNECT("Kafka Connect REST");

        private final String title;

        Part(String title) {
            this.title = title;
        }

        /** What the part is, for messages. */
        public String title() {
            return title;
        }
    }

    /** A fixed port that another process already listens on. */
    public static final class PortTakenException extends IllegalStateException {

        private static final long serialVersionUID = 1L;

        private final Part part;
        private final int port;

        PortTakenException(Part part, int port, IOException cause) {
            super(String.format(Locale.ROOT, "port %d for the %s is taken on %s (%s)", port, part.title(), HOST,
                    cause.getMessage()), cause);
            this.part = part;
            this.port = port;
        }

        /** The part that wanted the port. */
        public Part part() {
            return part;
        }

        /** The port. */
        public int port() {
            return port;
        }
    }

    /** The JDBC sink connector's name. */
    public static final String SINK_CONNECTOR = "scores-to-postgres";
    /** The table the sink writes the scores into. */
    public static final String SINK_TABLE = "scores";
    /** The Connect worker's group; its topics are {@code <group>-configs}, {@code -offsets}, {@code -status}. */
    public static final String CONNECT_GROUP = "scorestream-local-connect";
    /** The Connect worker's user on a {@linkplain Builder#secured(String) secured} stack. */
    public static final String CONNECT_USER = "connect";
    /** The journal of schema registrations, under the data directory. */
    public static final String SCHEMA_JOURNAL = "registry/schemas.jsonl";

    static final String HOST = "127.0.0.1";
    /** Loaded history is often older than the default week of retention; nothing here is deleted for age. */
    private static final Map<String, String> KEEP_FOREVER = Map.of("retention.ms", "-1");
    private static final Duration SINK_START_TIMEOUT = Duration.ofSeconds(60);
    private static final Logger LOG = LoggerFactory.getLogger(LocalStack.class);

    private final Path dataDir;
    private final boolean temporary;
    private final StackTopics topics;
    // The Connect worker's password on a secured stack, else null. A secret: never logged or printed.
    private final String connectPassword;
    // Set during start, in order; read-only afterwards. Null when not (yet) started or not wanted.
    private volatile EmbeddedKafka kafka;
    private volatile SchemaRegistry schemas;
    private volatile SchemaRegistryServer registry;
    private volatile EmbeddedPostgresServer postgres;
    private volatile ConnectWorker connect;
    private boolean closed;

    private LocalStack(Path dataDir, boolean temporary, StackTopics topics, String connectPassword) {
        this.dataDir = dataDir;
        this.temporary = temporary;
        this.topics = topics;
        this.connectPassword = connectPassword;
    }

    /**
     * A builder with the defaults: ports {@link StackPorts#DEFAULTS}, topics {@link StackTopics#DEFAULTS}, a
     * temporary directory, the sink.
     */
    public static Builder builder() {
        return new Builder();
    }

    /** {@code bootstrap.servers} for clients, {@code 127.0.0.1:<port>}. */
    public String bootstrapServers() {
        return kafka.bootstrapServers();
    }

    /** The broker. Owned by this stack: do not stop or close it. */
    public EmbeddedKafka kafka() {
        return kafka;
    }

    /** Whether the broker is the secured one ({@link Builder#secured(String)}). */
    public boolean isSecured() {
        return connectPassword != null;
    }

    /**
     * The secured broker's users, ACLs and client configurations; the super user's
     * ({@link KafkaSecurity#adminClientConfig()}) reaches everything.
     *
     * @throws IllegalStateException when the stack is not secured
     */
    public KafkaSecurity security() {
        if (!isSecured()) {
            throw new IllegalStateException("This local stack is not secured (build it with secured(...))");
        }
        return kafka.security();
    }

    /**
     * What the Connect worker and its JDBC sink need on a secured broker, as ALLOW ACLs from any
     * host for {@code principal}: READ on the worker's group {@value #CONNECT_GROUP}; READ, WRITE
     * and CREATE on its internal topics {@code <group>-configs}, {@code -offsets} and
     * {@code -status} (it creates them at its first start); READ on the scores topic and on the
     * sink's consumer group {@code connect-}{@value #SINK_CONNECTOR}; WRITE on the sink's
     * dead-letter topic. Nothing on the cluster, nothing prefixed. A new list, in that order.
     */
    public static List<AclBinding> connectAcls(final String principal, final StackTopics topics) {
        Objects.requireNonNull(principal, "principal");
        final List<AclBinding> acls = new ArrayList<>();
        acls.add(allow(principal, ResourceType.GROUP, CONNECT_GROUP, AclOperation.READ));
        for (String suffix : List.of("-configs", "-offsets", "-status")) {
            for (AclOperation op : List.of(AclOperation.READ, AclOperation.WRITE, AclOperation.CREATE)) {
                acls.add(allow(principal, ResourceType.TOPIC, CONNECT_GROUP + suffix, op));
            }
        }
        acls.add(allow(principal, ResourceType.TOPIC, topics.scores(), AclOperation.READ));
        acls.add(allow(principal, ResourceType.GROUP, "connect-" + SINK_CONNECTOR, AclOperation.READ));
        acls.add(allow(principal, ResourceType.TOPIC, topics.sinkDeadLetters(), AclOperation.WRITE));
        return acls;
    }

    private static AclBinding allow(final String principal, final ResourceType type, final String name,
                                    final AclOperation operation) {
        return new AclBinding(new ResourcePattern(type, name, PatternType.LITERAL),
                new AccessControlEntry(principal, "*", operation, AclPermissionType.ALLOW));
    }

    /** The registry's base URL, {@code http://127.0.0.1:<port>}. */
    public String registryUrl() {
        return registry.url();
    }

    /** The registry behind the HTTP server, for clients in this JVM; shares ids with {@link #registryUrl()}. */
    public SchemaRegistry schemas() {
        return schemas;
    }

    /** The topics. */
    public StackTopics topics() {
        return topics;
    }

    /** The data directory (temporary unless given). */
    public Path dataDir() {
        return dataDir;
    }

    /** Whether the data directory was given, and so is kept at {@link #close()}. */
    public boolean keepsData() {
        return !temporary;
    }

    /** Whether PostgreSQL, the Connect worker and the sink run. */
    public boolean hasSink() {
        return connect != null;
    }

    /**
     * PostgreSQL's JDBC URL, without credentials ({@code jdbc:postgresql://127.0.0.1:<port>/postgres}).
     *
     * @throws IllegalStateException without the sink
     */
    public String jdbcUrl() {
        return requireSink().jdbcUrl();
    }

    /**
     * A PostgreSQL connection URI with the credentials, as {@code psql} and most clients take it:
     * {@code postgresql://postgres:postgres@127.0.0.1:<port>/postgres}.
     *
     * @throws IllegalStateException without the sink
     */
    public String postgresUri() {
        final EmbeddedPostgresServer pg = requireSink();
        return "postgresql://" + pg.user() + ":" + pg.password() + "@" + HOST + ":" + pg.port() + "/"
                + EmbeddedPostgresServer.DATABASE;
    }

    /**
     * Connections to PostgreSQL with the credentials set.
     *
     * @throws IllegalStateException without the sink
     */
    public DataSource dataSource() {
        return requireSink().dataSource();
    }

    /**
     * The Connect worker's REST URL, {@code http://127.0.0.1:<port>/}.
     *
     * @throws IllegalStateException without the sink
     */
    public String connectUrl() {
        return requireConnect().restUrl().toString();
    }

    /**
     * The sink connector's status now.
     *
     * @throws IllegalStateException without the sink
     */
    public ConnectorStatus sinkStatus() {
        return requireConnect().connectorStatus(SINK_CONNECTOR);
    }

    /**
     * The rows in {@value #SINK_TABLE}: 0 before the sink has created it.
     *
     * @throws IllegalStateException without the sink
     * @throws UncheckedIOException wrapping the SQL error if PostgreSQL cannot be asked
     */
    public long countRows() {
        try (Connection c = dataSource().getConnection(); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT count(*) FROM " + SINK_TABLE)) {
            r.next();
            return r.getLong(1);
        } catch (SQLException e) {
            if ("42P01".equals(e.getSQLState())) {
                return 0;
            }
            throw new UncheckedIOException(new IOException("Cannot count the rows of " + SINK_TABLE + ": "
                    + e.getMessage(), e));
        }
    }

    /**
     * Runs one SQL query on PostgreSQL and returns its result as {@code psql} prints it.
     *
     * @throws IllegalStateException without the sink
     * @throws SQLException as PostgreSQL answers
     */
    public String query(String sql) throws SQLException {
        try (Connection c = dataSource().getConnection(); Statement s = c.createStatement();
             ResultSet r = s.executeQuery(sql)) {
            return PsqlTable.format(r);
        }
    }

    /**
     * Waits until {@value #SINK_TABLE} holds at least {@code expected} rows, or the timeout passes,
     * or the sink has failed.
     *
     * @return the rows counted last
     * @throws IllegalStateException without the sink
     * @throws InterruptedException if interrupted while waiting
     */
    public long awaitRows(long expected, Duration timeout) throws InterruptedException {
        final long deadline = System.nanoTime() + timeout.toNanos();
        long rows = countRows();
        while (rows < expected && System.nanoTime() < deadline && !sinkStatus().hasFailed()) {
            Thread.sleep(200);
            rows = countRows();
        }
        return rows;
    }

    /**
     * Stops Connect, PostgreSQL, the registry and the broker, in that order, and deletes a
     * temporary data directory. A part that fails to stop is logged and the others are still
     * stopped. Idempotent.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        Utils.closeQuietly(connect, "Connect worker");
        Utils.closeQuietly(postgres, "PostgreSQL");
        Utils.closeQuietly(registry, "schema registry");
        Utils.closeQuietly(kafka, "Kafka broker");
        if (temporary) {
            try {
                Utils.delete(dataDir.toFile());
            } catch (IOException e) {
                LOG.warn("Cannot delete the local stack's temporary directory {}", dataDir, e);
            }
        }
    }

    @Override
    public String toString() {
        return "LocalStack[" + (kafka == null ? "not started" : bootstrapServers()) + (isSecured() ? " SASL_SSL" : "")
                + ", data " + dataDir + "]";
    }

    private EmbeddedPostgresServer requireSink() {
        final EmbeddedPostgresServer pg = postgres;
        if (pg == null) {
            throw new IllegalStateException("This local stack runs without the sink (no PostgreSQL)");
        }
        return pg;
    }

    private ConnectWorker requireConnect() {
        final ConnectWorker worker = connect;
        if (worker == null) {
            throw new IllegalStateException("This local stack runs without the sink (no Connect worker)");
        }
        return worker;
    }

    /** The sink connector's configuration for this stack (see the class documentation). */
    Map<String, String> sinkConfig() {
        final EmbeddedPostgresServer pg = requireSink();
        final Map<String, String> c = new LinkedHashMap<>();
        c.put("connector.class", "io.scorestream.connectors.jdbc.JdbcSinkConnector");
        c.put("tasks.max", Integer.toString(topics.partitions()));
        c.put("topics", topics.scores());
        c.put("connection.url", pg.jdbcUrl());
        c.put("connection.user", pg.user());
        c.put("connection.password", pg.password());
        c.put("table.name.format", SINK_TABLE);
        c.put("insert.mode", "upsert");
        c.put("retry.backoff.ms", "1000");
        c.put("max.retries", "100");
        c.put("key.converter", "org.apache.kafka.connect.storage.StringConverter");
        c.put("value.converter", "io.scorestream.connectors.avro.AvroConverter");
        c.put("value.converter.schema.registry.url", registry.url());
        c.put("errors.tolerance", "all");
        c.put("errors.deadletterqueue.topic.name", topics.sinkDeadLetters());
        c.put("errors.deadletterqueue.topic.replication.factor", "1");
        c.put("errors.deadletterqueue.context.headers.enable", "true");
        return c;
    }

    private void startParts(StackPorts ports, boolean withSink) {
        // PostgreSQL is a child process that takes seconds (initdb on a new directory): start it
        // beside the broker.
        final CompletableFuture<EmbeddedPostgresServer> pg = withSink
                ? CompletableFuture.supplyAsync(() -> EmbeddedPostgresServer.start(dataDir.resolve("postgres"),
                        ports.postgres()), runnable -> new Thread(runnable, "local-stack-postgres-start").start())
                : null;
        RuntimeException failure = null;
        try {
            final EmbeddedKafka.Builder broker = EmbeddedKafka.builder().dataDir(dataDir.resolve("kafka"))
                    .brokerPort(ports.kafka());
            kafka = (isSecured() ? broker.secured() : broker).start();
            kafka.createTopic(topics.input(), topics.partitions(), KEEP_FOREVER);
            kafka.createTopic(topics.scores(), topics.partitions(), KEEP_FOREVER);
            kafka.createTopic(topics.deadLetters(), 1, KEEP_FOREVER);
            kafka.createCompactedTopic(topics.models(), 1);
            final List<String> known;
            if (temporary) {
                schemas = new InMemorySchemaRegistry();
                known = List.of();
            } else {
                final JournaledSchemaRegistry journaled = JournaledSchemaRegistry.open(dataDir.resolve(SCHEMA_JOURNAL));
                schemas = journaled;
                known = journaled.subjects();
            }
            registry = SchemaRegistryServer.start(schemas, HOST, ports.registry(), known);
        } catch (RuntimeException e) {
            failure = e;
        }
        if (pg != null) {
            // Awaited also after a failure, so that close() stops it.
            try {
                postgres = awaitPostgres(pg);
            } catch (RuntimeException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
        if (!withSink) {
            return;
        }
        kafka.createTopic(topics.sinkDeadLetters(), 1, Map.of());
        final Map<String, String> worker = new LinkedHashMap<>();
        worker.put("group.id", CONNECT_GROUP);
        worker.put("listeners", "http://" + HOST + ":" + ports.connect());
        // Scores are written in exactly-once transactions: the sink reads committed ones only.
        worker.put("consumer.isolation.level", "read_committed");
        if (isSecured()) {
            final KafkaSecurity security = kafka.security();
            security.createScramUser(CONNECT_USER, connectPassword);
            security.createAcls(connectAcls("User:" + CONNECT_USER, topics));
            // The worker's own clients take the top-level settings; the sink's consumer, the
            // dead-letter producer and admin their prefixed copies.
            final Map<String, Object> client = security.scramClientConfig(CONNECT_USER, connectPassword);
            client.remove(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG);
            for (String prefix : List.of("", "consumer.", "producer.", "admin.")) {
                client.forEach((k, v) -> worker.put(prefix + k, String.valueOf(v)));
            }
        }
        connect = ConnectWorker.startDistributed(kafka.bootstrapServers(), worker);
        // Creates the connector, or (a kept stack) gives it this start's ports.
        connect.createConnector(SINK_CONNECTOR, sinkConfig());
        connect.awaitConnectorRunning(SINK_CONNECTOR, SINK_START_TIMEOUT);
    }

    private static EmbeddedPostgresServer awaitPostgres(CompletableFuture<EmbeddedPostgresServer> start) {
        try {
            return start.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            // It may still come up: make sure it does not outlive the stack.
            start.thenAccept(EmbeddedPostgresServer::close);
            throw new IllegalStateException("Interrupted while PostgreSQL was starting", e);
        } catch (ExecutionException e) {
            final Throwable cause = e.getCause();
            throw cause instanceof RuntimeException r ? r : new IllegalStateException(cause);
        }
    }

    /** Fails with {@link PortTakenException} if a fixed port is taken now. */
    private static void checkPortsFree(StackPorts ports) {
        for (Part part : Part.values()) {
            final int port = ports.of(part);
            if (port == 0) {
                continue;
            }
            // A listener on this port (also one bound to every interface) makes the bind fail.
            try (ServerSocket probe = new ServerSocket(port, 1, InetAddress.getByName(HOST))) {
                probe.setReuseAddress(true);
            } catch (IOException e) {
                throw new PortTakenException(part, port, e);
            }
        }
    }

    /** Configures a {@link LocalStack}. Not thread-safe. */
    public static final class Builder {

        private StackPorts ports = StackPorts.DEFAULTS;
        private StackTopics topics = StackTopics.DEFAULTS;
        private Path dataDir;
        private boolean sink = true;
        private String connectPassword;

        private Builder() {
        }

        /** The ports; {@link StackPorts#ANY_FREE} for tests and the demo. */
        public Builder ports(StackPorts ports) {
            this.ports = Objects.requireNonNull(ports, "ports");
            return this;
        }

        /** The topics' names and partitions. */
        public Builder topics(StackTopics topics) {
            this.topics = Objects.requireNonNull(topics, "topics");
            return this;
        }

        /**
         * Keeps everything in {@code dir} (created if missing), to be found again by the next stack
         * started on it; the caller's, never deleted. Default: a temporary directory.
         */
        public Builder dataDir(Path dir) {
            this.dataDir = Objects.requireNonNull(dir, "dir");
            return this;
        }

        /** Whether to run PostgreSQL, the Connect worker and the sink (default {@code true}). */
        public Builder sink(boolean sink) {
            this.sink = sink;
            return this;
        }

        /**
         * Runs the secured broker ({@code SASL_SSL}, SCRAM, ACLs enforced); the Connect worker, with
         * the sink, logs in as {@code User:}{@value LocalStack#CONNECT_USER} with {@code connectPassword}
         * and holds {@link LocalStack#connectAcls}. The password stays the caller's secret: the
         * stack never logs or prints it.
         *
         * @throws IllegalArgumentException if the password is blank
         */
        public Builder secured(final String connectPassword) {
            if (Objects.requireNonNull(connectPassword, "connectPassword").isBlank()) {
                throw new IllegalArgumentException("the Connect worker's password must not be blank");
            }
            this.connectPassword = connectPassword;
            return this;
        }

        /**
         * Starts the parts and returns once the broker serves the topics, the registry answers
         * and (with the sink) the sink's tasks run.
         *
         * @return the running stack, owned by the caller
         * @throws PortTakenException if a fixed port is taken, before anything is started
         * @throws IllegalArgumentException if the data directory is a file
         * @throws RuntimeException what a part throws when it fails to start; what was started is closed
         */
        public LocalStack start() {
            checkPortsFree(ports);
            final long startNanos = System.nanoTime();
            final boolean temporary = dataDir == null;
            final Path dir;
            try {
                if (!temporary && Files.exists(dataDir) && !Files.isDirectory(dataDir)) {
                    throw new IllegalArgumentException("The data directory is a file: " + dataDir);
                }
                dir = temporary ? Files.createTempDirectory("scorestream-local-")
                        : Files.createDirectories(dataDir.toAbsolutePath());
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot create the data directory " + dataDir, e);
            }
            final LocalStack stack = new LocalStack(dir, temporary, topics, connectPassword);
            try {
                stack.startParts(ports, sink);
            } catch (RuntimeException e) {
                stack.close();
                throw e;
            }
            LOG.info("Local stack started in {} ms: {}", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos),
                    stack);
            return stack;
        }
    }
}
