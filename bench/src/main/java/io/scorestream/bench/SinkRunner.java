package io.scorestream.bench;

import io.scorestream.schemas.ScoreResult;
import io.scorestream.schemas.registry.SchemaRegistry;
import io.scorestream.schemas.serde.ConfluentAvroDeserializer;
import io.scorestream.testkit.ConnectWorker;
import io.scorestream.testkit.ConnectorStatus;
import io.scorestream.testkit.EmbeddedKafka;
import io.scorestream.testkit.EmbeddedPostgresServer;
import io.scorestream.testkit.SchemaRegistryServer;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;
import org.apache.kafka.common.utils.Utils;

/**
 * The sink mode: scores into PostgreSQL through the JDBC sink connector, against plain JDBC.
 *
 * <p>{@link #start} brings up a real PostgreSQL 14 ({@code track_commit_timestamp} on), a schema
 * registry over HTTP on the harness's registry, and one distributed Connect worker in this JVM, and
 * pre-loads {@code rows} scores ({@link ScorePool}) on a topic of {@code partitions} partitions (and
 * {@code warmupRows} on a warm-up topic). {@link #run} then, unmeasured, lets a connector sink the
 * warm-up topic (it creates the table every later table copies, and the JIT compiles the path) and
 * the ceiling write the same rows; then, {@code repetitions} times, back to back:
 * <ol>
 *   <li><b>ceiling</b>: {@link JdbcCeiling} writes the pre-loaded scores' bytes from memory into a
 *       fresh table (single connection, {@code batch.size} rows per batch and transaction);</li>
 *   <li><b>connector</b>: a new connector (new consumer group, so from the beginning) sinks the topic
 *       into a fresh table; measured from its creation to the commit time of its last row, read from
 *       {@code pg_xact_commit_timestamp}. Completion is detected by polling
 *       {@code pg_stat_user_tables.n_tup_ins} every 200 ms and confirming with {@code count(*)}.</li>
 * </ol>
 * Both fresh tables are created before the windows ({@code CREATE TABLE .. (LIKE warm-up table
 * INCLUDING ALL)}), so no DDL is measured. After each repetition both tables must hold the same
 * rows, column for column; then they are dropped.
 *
 * <p>Owns everything it starts; {@link #close} stops it. Driven by one thread.
 */
final class SinkRunner implements AutoCloseable {

    static final String TOPIC = "bench-scores";
    static final String WARMUP_TOPIC = "bench-scores-warmup";
    static final String DEAD_LETTERS = "bench-sink-dlq";
    static final String WARMUP_TABLE = "bench_sink_warmup";
    static final String CONNECTOR_CLASS = "io.scorestream.connectors.jdbc.JdbcSinkConnector";
    /** The sink's default {@code pk.fields}. */
    static final String DEFAULT_PK_FIELDS = "event_id,model_name,model_version,role";

    private static final Duration POLL = Duration.ofMillis(200);
    private static final long STALL_NANOS = 1_000_000_000L;

    private final EmbeddedKafka kafka;
    private final SinkOptions options;
    private final int partitions;
    private final SchemaRegistry schemas;
    private final ResourceMeter meter;
    private final PrintStream log;
    private final List<AutoCloseable> owned = new ArrayList<>();
    private final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private EmbeddedPostgresServer postgres;
    private SchemaRegistryServer registry;
    private ConnectWorker worker;
    private PostgresProbe probe;
    private ScorePool pool;
    private ScorePool warmupPool;
    private String jdbcUrl;

    private SinkRunner(EmbeddedKafka kafka, SinkOptions options, int partitions, SchemaRegistry schemas,
                       ResourceMeter meter, PrintStream log) {
        this.kafka = kafka;
        this.options = options;
        this.partitions = partitions;
        this.schemas = schemas;
        this.meter = meter;
        this.log = log;
    }

    /**
     * Starts PostgreSQL, the registry server and the Connect worker, and pre-loads the topics.
     *
     * @param kafka the broker, owned by the caller
     * @param schemas the registry the scores are registered in (served over HTTP to the converter)
     * @return the runner, owning what it started
     */
    static SinkRunner start(EmbeddedKafka kafka, SinkOptions options, int partitions, SchemaRegistry schemas,
                            ResourceMeter meter, PrintStream log, long seed) throws SQLException {
        final SinkRunner r = new SinkRunner(kafka, options, partitions, schemas, meter, log);
        try {
            r.startParts(seed);
        } catch (SQLException | RuntimeException e) {
            r.close();
            throw e;
        }
        return r;
    }

    private void startParts(long seed) throws SQLException {
        final long t0 = System.nanoTime();
        postgres = own(EmbeddedPostgresServer.start());
        PostgresProbe.enableCommitTimestamps(postgres);
        probe = own(PostgresProbe.connect(postgres));
        jdbcUrl = postgres.jdbcUrl() + urlParams(options.jdbcUrlParams());
        registry = own(SchemaRegistryServer.start(schemas));
        kafka.createTopic(TOPIC, partitions, Map.of());
        kafka.createTopic(WARMUP_TOPIC, partitions, Map.of());
        kafka.createTopic(DEAD_LETTERS, 1, Map.of());
        pool = ScorePool.generate(schemas, TOPIC, "ev", (int) options.rows(), seed);
        pool.produce(kafka.bootstrapServers(), TOPIC);
        warmupPool = ScorePool.generate(schemas, WARMUP_TOPIC, "warm", (int) options.warmupRows(), seed + 1);
        warmupPool.produce(kafka.bootstrapServers(), WARMUP_TOPIC);
        worker = own(ConnectWorker.startDistributed(kafka.bootstrapServers(), options.workerOverrides()));
        log.printf(Locale.ROOT, "bench: sink: PostgreSQL, registry and Connect worker up, %,d scores pre-loaded on "
                + "%d partitions, in %.1f s%n", options.rows(), partitions, (System.nanoTime() - t0) / 1e9);
    }

    /** The warm-up, then {@code repetitions} of ceiling and connector, back to back. */
    Samples.Sink run(int repetitions) throws Exception {
        warmUp();
        final List<Samples.SinkSide> ceiling = new ArrayList<>();
        final List<Samples.SinkSide> connector = new ArrayList<>();
        for (int rep = 1; rep <= repetitions; rep++) {
            final String ceilingTable = "bench_ceiling_r" + rep;
            final String sinkTable = "bench_sink_r" + rep;
            probe.createLike(ceilingTable, WARMUP_TABLE);
            probe.createLike(sinkTable, WARMUP_TABLE);
            final Samples.SinkSide c = ceiling(ceilingTable, pool, TOPIC);
            progress("ceiling  ", rep, c);
            ceiling.add(c);
            final Samples.SinkSide s = connector("bench-sink-r" + rep, TOPIC, sinkTable, pool.size());
            progress("connector", rep, s);
            connector.add(s);
            final long differing = probe.rowsMissingFrom(sinkTable, ceilingTable);
            if (differing != 0) {
                throw new IllegalStateException(differing + " rows of " + sinkTable + " are not in " + ceilingTable
                        + ": the two sides did not write the same rows");
            }
            probe.drop(ceilingTable);
            probe.drop(sinkTable);
        }
        return new Samples.Sink(options.rows(), partitions, options.tasksFor(partitions), options.batchSize(),
                masked(connectorConfig(TOPIC, "bench_sink_r<n>")), options.workerOverrides(), ceiling, connector);
    }

    private void warmUp() throws Exception {
        final long t0 = System.nanoTime();
        connector("bench-sink-warmup", WARMUP_TOPIC, WARMUP_TABLE, warmupPool.size());
        probe.createLike("bench_ceiling_warmup", WARMUP_TABLE);
        ceiling("bench_ceiling_warmup", warmupPool, WARMUP_TOPIC);
        log.printf(Locale.ROOT, "bench: sink: warm-up of both sides on %,d scores took %.1f s (not measured)%n",
                warmupPool.size(), (System.nanoTime() - t0) / 1e9);
    }

    private void progress(String side, int rep, Samples.SinkSide s) {
        log.printf(Locale.ROOT, "bench: sink %s rep %d: %,10.0f rows/s  %5.1f s (first row %.2f s)  %,d tx  "
                        + "JVM %.2f, writers %.2f, PostgreSQL %.2f CPU s/M  others %3.0f%%%n", side, rep,
                s.rowsPerSecond(), s.seconds(), s.firstRowSeconds(), s.transactions(), s.jvmCpuSecondsPerMillion(),
                s.writerCpuSecondsPerMillion(), s.postgresCpuSecondsPerMillion(), 100 * s.otherProcessesCpuShare());
    }

    // ---- the two sides -------------------------------------------------------------------------

    private Samples.SinkSide ceiling(String table, ScorePool scores, String topic) throws SQLException {
        try (Connection c = DriverManager.getConnection(jdbcUrl, postgres.user(), postgres.password())) {
            final JdbcCeiling writer = new JdbcCeiling(c, table, pkFields(), options.batchSize(),
                    ConfluentAvroDeserializer.specific(schemas, ScoreResult.class, false));
            final long pg0 = probe.cpuNanos();
            final long cpu0 = meter.currentThreadCpuNanos();
            final long alloc0 = meter.currentThreadAllocatedBytes();
            final long wall0 = System.nanoTime();
            meter.start();
            final JdbcCeiling.Result r = writer.write(scores, topic);
            final ResourceMeter.Usage usage = meter.stop();
            final double wall = (System.nanoTime() - wall0) / 1e9;
            final long pg = probe.cpuNanos() - pg0;
            final long rows = probe.rowCount(table);
            if (rows != scores.size()) {
                throw new IllegalStateException("the ceiling left " + rows + " rows in " + table + ", not "
                        + scores.size());
            }
            final double seconds = r.nanos() / 1e9;
            return side(scores.size(), seconds, r.firstCommitNanos() / 1e9, r.transactions(), r.decodeNanos() / 1e9,
                    usage, meter.currentThreadCpuNanos() - cpu0, meter.currentThreadAllocatedBytes() - alloc0, pg,
                    wall);
        }
    }

    private Samples.SinkSide connector(String name, String topic, String table, long n) throws Exception {
        final Map<Long, long[]> before = threadCounters();
        final long pg0 = probe.cpuNanos();
        final long wall0 = System.nanoTime();
        meter.start();
        final Instant created = Instant.now();
        worker.createConnector(name, connectorConfig(topic, table));
        awaitRows(name, table, n);
        final ResourceMeter.Usage usage = meter.stop();
        final double wall = (System.nanoTime() - wall0) / 1e9;
        final long pg = probe.cpuNanos() - pg0;
        final long[] writers = taskThreadCounters(name, before);
        worker.deleteConnector(name);
        awaitTasksGone(name);
        final PostgresProbe.Commits commits = probe.commits(table);
        if (commits.last() == null) {
            throw new IllegalStateException("no commit time on the rows of " + table
                    + " (track_commit_timestamp is off?)");
        }
        final double seconds = Duration.between(created, commits.last()).toNanos() / 1e9;
        return side(n, seconds, Duration.between(created, commits.first()).toNanos() / 1e9, commits.transactions(),
                Double.NaN, usage, writers[0], writers[1], pg, wall);
    }

    private Samples.SinkSide side(long rows, double seconds, double firstRowSeconds, long transactions,
                                  double decodeSeconds, ResourceMeter.Usage usage, long writerCpuNanos,
                                  long writerAllocated, long postgresCpuNanos, double wallSeconds) {
        final double perMillion = 1e6 / rows / 1e9;
        final double pgShare = postgresCpuNanos < 0 ? 0
                : postgresCpuNanos / 1e9 / (wallSeconds * Runtime.getRuntime().availableProcessors());
        return new Samples.SinkSide(rows, seconds, rows / seconds, firstRowSeconds, transactions, decodeSeconds,
                usage.processCpuNanos() * perMillion, writerCpuNanos * perMillion, (double) writerAllocated / rows,
                postgresCpuNanos < 0 ? Double.NaN : postgresCpuNanos * perMillion,
                Math.max(0, usage.otherProcessesCpuShare() - pgShare));
    }

    /**
     * Waits until {@code table} holds {@code n} rows: {@code n_tup_ins} every 200 ms, confirmed by
     * {@code count(*)} once it says so or once it has not moved for a second (the statistics of a
     * backend that went idle may not be reported at once).
     */
    private void awaitRows(String connector, String table, long n) throws Exception {
        final long deadline = System.nanoTime() + Duration.ofSeconds(120 + n / 500).toNanos();
        long lastInserted = -1;
        long lastChange = System.nanoTime();
        int polls = 0;
        while (true) {
            Thread.sleep(POLL.toMillis());
            final long inserted = probe.insertedRows(table);
            final long now = System.nanoTime();
            if (inserted != lastInserted) {
                lastInserted = inserted;
                lastChange = now;
            }
            if (inserted >= n || now - lastChange > STALL_NANOS) {
                final long rows = probe.rowCount(table);
                if (rows >= n) {
                    return;
                }
                lastChange = now;
                if (now > deadline) {
                    throw new IllegalStateException("connector " + connector + " wrote " + rows + " of " + n
                            + " rows into " + table + " in time");
                }
            }
            if (++polls % 25 == 0) {
                final ConnectorStatus status = worker.connectorStatus(connector);
                if (status.hasFailed()) {
                    throw new IllegalStateException("connector " + connector + " failed: " + status);
                }
            }
        }
    }

    /** The connector's settings: the sink as docs/CONNECTORS.md shows it, then the overrides. */
    Map<String, String> connectorConfig(String topic, String table) {
        final Map<String, String> c = new LinkedHashMap<>();
        c.put("connector.class", CONNECTOR_CLASS);
        c.put("tasks.max", Integer.toString(options.tasksFor(partitions)));
        c.put("topics", topic);
        c.put("connection.url", jdbcUrl);
        c.put("connection.user", postgres.user());
        c.put("connection.password", postgres.password());
        c.put("table.name.format", table);
        c.put("insert.mode", "upsert");
        c.put("pk.fields", DEFAULT_PK_FIELDS);
        c.put("batch.size", Integer.toString(options.batchSize()));
        c.put("key.converter", "org.apache.kafka.connect.storage.StringConverter");
        c.put("value.converter", "io.scorestream.connectors.avro.AvroConverter");
        c.put("value.converter.schema.registry.url", registry.url());
        c.put("errors.tolerance", "all");
        c.put("errors.deadletterqueue.topic.name", DEAD_LETTERS);
        c.put("errors.deadletterqueue.topic.replication.factor", "1");
        c.put("errors.deadletterqueue.context.headers.enable", "true");
        c.putAll(options.connectorOverrides());
        return c;
    }

    private List<String> pkFields() {
        final String pk = options.connectorOverrides().getOrDefault("pk.fields", DEFAULT_PK_FIELDS);
        return Arrays.stream(pk.split(",")).map(String::trim).toList();
    }

    private static Map<String, String> masked(Map<String, String> config) {
        final Map<String, String> m = new LinkedHashMap<>(config);
        m.computeIfPresent("connection.password", (k, v) -> "********");
        return m;
    }

    private static String urlParams(Map<String, String> params) {
        if (params.isEmpty()) {
            return "";
        }
        final StringJoiner j = new StringJoiner("&", "?", "");
        params.forEach((k, v) -> j.add(k + "=" + v));
        return j.toString();
    }

    // ---- the sink's task threads ---------------------------------------------------------------

    /** CPU nanoseconds and allocated bytes of every live thread, by id. */
    private Map<Long, long[]> threadCounters() {
        final long[] ids = threads.getAllThreadIds();
        final long[] cpu = threads.getThreadCpuTime(ids);
        final long[] alloc = threads.getThreadAllocatedBytes(ids);
        final Map<Long, long[]> m = new HashMap<>();
        for (int i = 0; i < ids.length; i++) {
            m.put(ids[i], new long[] {cpu[i], alloc[i]});
        }
        return m;
    }

    /**
     * CPU nanoseconds and allocated bytes, since {@code before}, of the threads now running a task of
     * {@code connector} (Connect names them {@code task-thread-<connector>-<n>} while they run it;
     * they come from a pool, so they may be older than the connector).
     */
    private long[] taskThreadCounters(String connector, Map<Long, long[]> before) {
        long cpu = 0;
        long alloc = 0;
        for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (info == null || !info.getThreadName().startsWith("task-thread-" + connector + "-")) {
                continue;
            }
            final long[] then = before.getOrDefault(info.getThreadId(), new long[] {0, 0});
            cpu += threads.getThreadCpuTime(info.getThreadId()) - then[0];
            alloc += threads.getThreadAllocatedBytes(info.getThreadId()) - then[1];
        }
        return new long[] {cpu, alloc};
    }

    /** Waits (up to 60 s) until no thread runs a task of {@code connector} any more. */
    private void awaitTasksGone(String connector) throws InterruptedException {
        final long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            boolean running = false;
            for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
                running |= info != null && info.getThreadName().startsWith("task-thread-" + connector + "-");
            }
            if (!running) {
                return;
            }
            Thread.sleep(100);
        }
        log.printf(Locale.ROOT, "bench: sink: the tasks of %s still run 60 s after it was deleted%n", connector);
    }

    private <T extends AutoCloseable> T own(T part) {
        owned.add(part);
        return part;
    }

    /** Stops the worker, the registry server and PostgreSQL, in that order. Idempotent. */
    @Override
    public void close() {
        for (int i = owned.size() - 1; i >= 0; i--) {
            Utils.closeQuietly(owned.get(i), owned.get(i).getClass().getSimpleName());
        }
        owned.clear();
    }
}
