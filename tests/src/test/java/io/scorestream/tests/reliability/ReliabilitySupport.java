package io.scorestream.tests.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import io.scorestream.schemas.ScoreResult;
import io.scorestream.app.cli.ScorestreamApp;
import io.scorestream.app.config.ScorestreamConfig;
import io.scorestream.app.config.MetricsConfig;
import io.scorestream.app.config.KafkaStreamsConfig;
import io.scorestream.tests.it.ScoringItSupport;
import io.scorestream.tests.it.ScoringItSupport.Score;
import io.scorestream.tests.it.ScoringItSupport.ScoreReader;
import io.scorestream.tests.it.ScoringItSupport.TransactionFeed;
import io.scorestream.topology.processor.ScoringProcessor;
import io.scorestream.topology.processor.ScoringProcessorSupplier;
import java.io.IOException;
import java.io.Writer;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.LoggerFactory;

/**
 * What the fault-injection tests share beyond {@link ScoringItSupport}: a scorer in a child JVM
 * that can be SIGKILLed, a capture of the "buffered record(s) restored" log lines of in-process
 * scorers, bounded waits, and the per-partition checks on the scores. Public for the crash test of
 * {@code io.scorestream.tests.it} ({@code CrashRecoveryIT}).
 */
public final class ReliabilitySupport {

    private static final org.slf4j.Logger LOG = LoggerFactory.getLogger(ReliabilitySupport.class);

    /** What {@link ScoringProcessor} logs when a task starts with records restored into its batch buffer. */
    static final Pattern RESTORED =
            Pattern.compile("Task (\\d+)_(\\d+): (\\d+) buffered record\\(s\\) restored from the changelog");

    private ReliabilitySupport() {
    }

    /** Kafka settings for fast failure detection: a member that vanishes (kill -9, no LeaveGroup) is dropped in 6 s. */
    public static void fastGroupFailureDetection(Map<String, Object> settings) {
        settings.put(KafkaStreamsConfig.KAFKA_PREFIX + "session.timeout.ms", "6000");
        settings.put(KafkaStreamsConfig.KAFKA_PREFIX + "heartbeat.interval.ms", "1000");
    }

    /**
     * Waits until {@code condition} holds, checking every 100 ms; fails after {@code timeout} with
     * {@code what} and the current {@code state} (counts).
     */
    static void await(String what, Duration timeout, BooleanSupplier condition, Supplier<String> state)
            throws InterruptedException {
        final long start = System.nanoTime();
        final long deadline = start + timeout.toNanos();
        long nextReport = start + TimeUnit.SECONDS.toNanos(5);
        while (!condition.getAsBoolean()) {
            final long now = System.nanoTime();
            if (now > deadline) {
                fail(what + " did not happen within " + timeout + ": " + state.get());
            }
            if (now > nextReport) {
                LOG.info("still waiting for {} after {} s: {}", what, TimeUnit.NANOSECONDS.toSeconds(now - start),
                        state.get());
                nextReport = now + TimeUnit.SECONDS.toNanos(5);
            }
            Thread.sleep(100);
        }
    }

    /**
     * The committed records on the buffer changelog of the single-pipeline scorer {@code applicationId}
     * ({@code <application.id>-scoring-buffer-changelog}). With {@code batch.flush.at.commit=true} (the
     * default) nothing but the records of a paused pipeline is ever written there.
     */
    public static long bufferChangelogRecords(String bootstrapServers, String applicationId) {
        return ScoringItSupport.countCommittedRecords(bootstrapServers,
                applicationId + "-" + ScoringProcessorSupplier.BUFFER_STORE + "-changelog", Duration.ofSeconds(30));
    }

    /**
     * Committed scores, as the sum of the last stable offsets of the scores topic, or -1 if the
     * broker does not answer. Cheap, and a slight over-count under exactly_once_v2: each committed
     * transaction also leaves one commit marker per partition it wrote. Good for progress checks,
     * not for accounting (that is {@link ScoringItSupport.ScoreReader}'s job).
     */
    static long committedScores(Admin admin) {
        try {
            return ScoringItSupport.committedRecordCount(admin, ScoringItSupport.SCORES);
        } catch (Exception e) {
            return -1;
        }
    }

    /**
     * Reads every committed score into {@code scores}: until all {@code expected} ids are seen, or
     * the input is all consumed and no new score arrives for {@link ScoreReader#QUIET}. Slowness is
     * logged, not failed (the test's {@code @Timeout} is the backstop); a missing or duplicated score
     * is for the caller to fail on. Then waits for the group to commit the end of the input, waits
     * {@code settle} (longer than a batch wait plus a commit interval, so that a late duplicate would
     * be committed by then) and reads on to the end.
     */
    static void readAllScores(ScoreReader scores, int expected, TransactionFeed feed, Admin admin, String groupId,
                              Runnable healthCheck, Duration settle) throws Exception {
        readAllScores(scores, expected, feed::finished, admin, groupId, healthCheck, settle);
    }

    /** As {@link #readAllScores(ScoreReader, int, TransactionFeed, Admin, String, Runnable, Duration)}, for any feed. */
    static void readAllScores(ScoreReader scores, int expected, BooleanSupplier feedFinished, Admin admin,
                              String groupId, Runnable healthCheck, Duration settle) throws Exception {
        final long start = System.nanoTime();
        final boolean all = scores.readUntilDistinct(expected, Duration.ofMinutes(3), healthCheck,
                () -> feedFinished.getAsBoolean()
                        && ScoringItSupport.groupCaughtUp(admin, groupId, ScoringItSupport.TRANSACTIONS));
        if (!all) {
            LOG.warn("not every transaction was scored within {} s: {}",
                    TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start), scores.accounting(expected));
        }
        ScoringItSupport.awaitGroupCaughtUp(admin, groupId, ScoringItSupport.TRANSACTIONS, Duration.ofMinutes(3));
        if (scores.distinct() < expected) {
            scores.readUntilDistinct(expected, Duration.ofSeconds(60), healthCheck, () -> true);
        }
        Thread.sleep(settle.toMillis());
        scores.readToEnd(Duration.ofSeconds(60));
        LOG.info("read all committed scores in {} s: {}", TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start),
                scores.accounting(expected));
    }

    /** Offsets of the input topic committed by consumer group {@code groupId}, by partition (absent: none). */
    static Map<Integer, Long> committedInputOffsets(Admin admin, String groupId) throws Exception {
        final Map<Integer, Long> out = new TreeMap<>();
        admin.listConsumerGroupOffsets(groupId).partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS)
                .forEach((tp, om) -> {
                    if (tp.topic().equals(ScoringItSupport.TRANSACTIONS) && om != null) {
                        out.put(tp.partition(), om.offset());
                    }
                });
        return out;
    }

    /**
     * The input partitions whose committed offset in group {@code groupId} stays at {@code atClose}
     * for {@code quiet}, checked every 100 ms. Right after a Kafka Streams instance closed (it sends no
     * LeaveGroup, so its partitions move only after the session timeout) while transactions flow,
     * these are the ones it owned: the other members go on committing theirs. {@code quiet} must be
     * shorter than the session timeout; a member too slow to commit within it adds its partitions.
     */
    static Set<Integer> unmovedPartitions(Admin admin, String groupId, Map<Integer, Long> atClose, Duration quiet)
            throws Exception {
        final Set<Integer> unmoved = new TreeSet<>(atClose.keySet());
        final long end = System.nanoTime() + quiet.toNanos();
        while (System.nanoTime() < end && !unmoved.isEmpty()) {
            final Map<Integer, Long> now = committedInputOffsets(admin, groupId);
            unmoved.removeIf(p -> now.getOrDefault(p, -1L) > atClose.get(p));
            Thread.sleep(100);
        }
        return unmoved;
    }

    /**
     * The scores of the records an instance that closed between {@code closeStartMillis} and
     * {@code closedMillis} scored in its close: on its {@code partitions}, below its final committed
     * offsets {@code committedAtClose}, scored at or after the close began. Fails if one of those was
     * scored after the close returned (it was not the closing instance's then).
     */
    static List<ScoreResult> scoredByTheClose(List<Score> scores, Set<Integer> partitions,
                                              Map<Integer, Long> committedAtClose, long closeStartMillis,
                                              long closedMillis) {
        final List<ScoreResult> out = new ArrayList<>();
        for (Score s : scores) {
            final ScoreResult v = s.value();
            if (partitions.contains(v.getSourcePartition())
                    && v.getSourceOffset() < committedAtClose.get(v.getSourcePartition())
                    && v.getScoredAt().toEpochMilli() >= closeStartMillis - 1) {
                out.add(v);
                assertTrue(v.getScoredAt().toEpochMilli() <= closedMillis, v.getEventId() + " of partition "
                        + v.getSourcePartition() + " (below the final offset of the closed instance) was scored at "
                        + v.getScoredAt() + ", after its close returned");
            }
        }
        return out;
    }

    /** End offsets of the input topic by partition. */
    static Map<Integer, Long> inputEndOffsets(Admin admin) throws Exception {
        final Map<TopicPartition, OffsetSpec> latest = new java.util.HashMap<>();
        for (TopicPartition tp : ScoringItSupport.partitions(admin, ScoringItSupport.TRANSACTIONS)) {
            latest.put(tp, OffsetSpec.latest());
        }
        final Map<Integer, Long> end = new TreeMap<>();
        admin.listOffsets(latest).all().get(30, TimeUnit.SECONDS)
                .forEach((tp, info) -> end.put(tp.partition(), info.offset()));
        return end;
    }

    /**
     * Checks the scores of each input partition, in source-offset order: exactly one per offset
     * {@code 0 .. end-1} (no gap, no repeat), the version header equal to the version field, and
     * the model version never going back (e.g. no "1" after a "2"). Versions compare as numbers.
     *
     * @return per partition, the offset of the first score by each version (for the log)
     */
    static Map<Integer, Map<String, Long>> assertGapFreeAndVersionsMonotonicPerPartition(List<Score> scores,
                                                                                      Map<Integer, Long> endOffsets) {
        final Map<Integer, List<ScoreResult>> byPartition = new TreeMap<>();
        for (Score s : scores) {
            assertEquals(s.value().getModelVersion(), s.versionHeader(), "version header of " + s.eventId());
            byPartition.computeIfAbsent(s.value().getSourcePartition(), p -> new ArrayList<>()).add(s.value());
        }
        assertEquals(endOffsets.keySet(), byPartition.keySet(), "input partitions that have scores");
        final Map<Integer, Map<String, Long>> firstOffsetByVersion = new TreeMap<>();
        for (Map.Entry<Integer, List<ScoreResult>> e : byPartition.entrySet()) {
            final int partition = e.getKey();
            final List<ScoreResult> rs = e.getValue();
            rs.sort(Comparator.comparingLong(ScoreResult::getSourceOffset));
            assertEquals(endOffsets.get(partition).longValue(), rs.size(), "scores of input partition " + partition);
            final Map<String, Long> firsts = new TreeMap<>();
            long highest = Long.MIN_VALUE;
            String highestVersion = null;
            long highestAt = -1;
            for (int i = 0; i < rs.size(); i++) {
                final ScoreResult r = rs.get(i);
                assertEquals(i, r.getSourceOffset().longValue(), "input partition " + partition
                        + ": offset gap or repeat at score " + i + " (" + r.getEventId() + ")");
                final long v = Long.parseLong(r.getModelVersion());
                firsts.putIfAbsent(r.getModelVersion(), r.getSourceOffset());
                if (v < highest) {
                    fail(String.format(Locale.ROOT, "input partition %d: offset %d (%s) was scored by version %s "
                                    + "after offset %d was scored by version %s; first offset per version: %s",
                            partition, r.getSourceOffset(), r.getEventId(), r.getModelVersion(), highestAt,
                            highestVersion, firsts));
                }
                if (v > highest) {
                    highest = v;
                    highestVersion = r.getModelVersion();
                    highestAt = r.getSourceOffset();
                }
            }
            firstOffsetByVersion.put(partition, firsts);
        }
        return firstOffsetByVersion;
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    /** {@code target/it-logs} of the module, created. */
    public static Path itLogDir() throws IOException {
        final Path dir = Path.of(System.getProperty("basedir", "."), "target", "it-logs");
        Files.createDirectories(dir);
        return dir;
    }

    /** Writes {@code settings} as a properties file. */
    public static Path writeProperties(Path file, Map<String, Object> settings, String comment) throws IOException {
        final Properties props = new Properties();
        settings.forEach((k, v) -> props.setProperty(k, v.toString()));
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            props.store(w, comment);
        }
        return file;
    }

    /**
     * The classpath of this test JVM, spelled out: Failsafe's {@code surefire.test.class.path}
     * (its {@code java.class.path} is a manifest-only jar by default), else {@code java.class.path}.
     */
    private static String testClasspath() {
        final String surefire = System.getProperty("surefire.test.class.path");
        if (surefire != null && !surefire.isBlank()) {
            return surefire;
        }
        return System.getProperty("java.class.path");
    }

    /**
     * One {@code scorestream run --config FILE} child JVM ({@code -Xmx768m} and the given JVM
     * options) with its output in a log file and its metrics port free, chosen at start. The test
     * that starts it owns it: {@link #close()} ends it (SIGTERM, then SIGKILL) if still running.
     */
    public static final class ChildScorer implements AutoCloseable {

        private final Process process;
        private final Path log;
        private final int metricsPort;
        private final String name;

        private ChildScorer(Process process, Path log, int metricsPort, String name) {
            this.process = process;
            this.log = log;
            this.metricsPort = metricsPort;
            this.name = name;
        }

        /**
         * Starts {@code scorestream run --config config}, its output in {@code log}.
         *
         * @param name what the test's messages call it
         * @param jvmOptions further options of the child JVM, e.g. {@code -XX:+UseSerialGC}
         */
        public static ChildScorer start(Path config, Path log, String name, String... jvmOptions)
                throws IOException {
            final int metricsPort = freePort();
            final List<String> command = new ArrayList<>(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx768m"));
            command.addAll(List.of(jvmOptions));
            command.addAll(List.of(
                    "-Dfile.encoding=UTF-8",
                    "-cp", testClasspath(),
                    ScorestreamApp.class.getName(),
                    "run", "--config", config.toString(),
                    "--set", MetricsConfig.METRICS_PORT_CONFIG + "=" + metricsPort));
            final Process p = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
            LOG.info("Started {} as pid {} (metrics port {}), output in {}", name, p.pid(), metricsPort, log);
            return new ChildScorer(p, log, metricsPort, name);
        }

        public String name() {
            return name;
        }

        public long pid() {
            return process.pid();
        }

        /** Whether {@code /readyz} answers 200 now: Kafka Streams RUNNING and the model live. */
        public boolean ready() {
            try {
                final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
                final HttpRequest ready = HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + metricsPort + "/readyz")).timeout(Duration.ofSeconds(5))
                        .build();
                return http.send(ready, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
            } catch (ConnectException e) {
                return false;
            } catch (IOException e) {
                return false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }

        /** Waits until {@link #ready()}; fails if the child exits or the timeout passes. */
        public void awaitReady(Duration timeout) throws InterruptedException {
            final long deadline = System.nanoTime() + timeout.toNanos();
            while (!ready()) {
                assertAlive();
                if (System.nanoTime() > deadline) {
                    fail(name + " (pid " + process.pid() + ") not ready within " + timeout + "; log " + log
                            + ", tail:\n" + tail(40));
                }
                Thread.sleep(200);
            }
        }

        public void assertAlive() {
            if (!process.toHandle().isAlive()) {
                fail(name + " (pid " + process.pid() + ") exited with " + process.exitValue() + "; log " + log
                        + ", tail:\n" + tail(40));
            }
        }

        /** Waits for the child to exit by itself and returns its exit code; fails (with its log's tail) after {@code timeout}. */
        public int awaitExit(Duration timeout) throws InterruptedException {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                fail(name + " (pid " + process.pid() + ") still running after " + timeout + "; log " + log
                        + ", tail:\n" + tail(40));
            }
            return process.exitValue();
        }

        /** SIGKILL ({@code kill -9}, via {@code destroyForcibly}); returns the exit code. */
        public int kill() throws InterruptedException {
            process.destroyForcibly();
            assertTrue(process.waitFor(30, TimeUnit.SECONDS), name + " (pid " + process.pid() + ") survived SIGKILL");
            assertFalse(process.toHandle().isAlive(), name + " (pid " + process.pid() + ") still alive");
            return process.exitValue();
        }

        /** SIGTERM: the scorer closes Kafka Streams and exits; SIGKILL if it takes over a minute. */
        public void stop() throws InterruptedException {
            process.destroy();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            }
        }

        /** Records restored into batch buffers at task start, as this child logged them. */
        public long restoredRecords() throws IOException {
            long n = 0;
            for (String line : lines()) {
                final Matcher m = RESTORED.matcher(line);
                if (m.find()) {
                    n += Long.parseLong(m.group(3));
                }
            }
            return n;
        }

        /** The log's lines; lenient about bytes that are not UTF-8 (native code writes there too). */
        private List<String> lines() throws IOException {
            return new String(Files.readAllBytes(log), StandardCharsets.UTF_8).lines().toList();
        }

        public String tail(int lines) {
            try {
                final List<String> all = lines();
                return String.join(System.lineSeparator(), all.subList(Math.max(0, all.size() - lines), all.size()));
            } catch (IOException e) {
                return "(cannot read " + log + ": " + e + ")";
            }
        }

        public Path log() {
            return log;
        }

        @Override
        public void close() throws InterruptedException {
            if (process.isAlive()) {
                stop();
            }
        }
    }

    /** A task that started with records restored into its batch buffer, as an in-process scorer logged it. */
    record Restore(long atMillis, String thread, int subtopology, int partition, long records) {
    }

    /**
     * Captures the "N buffered record(s) restored from the changelog" lines that in-process
     * {@link ScoringProcessor}s log, with their time and thread. {@link #close()} detaches it.
     */
    static final class RestoreLog extends AppenderBase<ILoggingEvent> implements AutoCloseable {

        private final Logger logger = (Logger) LoggerFactory.getLogger(ScoringProcessor.class);
        private final ConcurrentLinkedQueue<Restore> restores = new ConcurrentLinkedQueue<>();

        static RestoreLog attach() {
            final RestoreLog log = new RestoreLog();
            log.setName("reliability-restore-log");
            log.setContext(log.logger.getLoggerContext());
            log.start();
            log.logger.addAppender(log);
            return log;
        }

        @Override
        protected void append(ILoggingEvent event) {
            final Matcher m = RESTORED.matcher(event.getFormattedMessage());
            if (m.find()) {
                restores.add(new Restore(event.getTimeStamp(), event.getThreadName(), Integer.parseInt(m.group(1)),
                        Integer.parseInt(m.group(2)), Long.parseLong(m.group(3))));
            }
        }

        /** Restores logged at or after {@code epochMillis}, in the order logged. */
        List<Restore> since(long epochMillis) {
            final List<Restore> out = new ArrayList<>();
            for (Restore r : restores) {
                if (r.atMillis() >= epochMillis) {
                    out.add(r);
                }
            }
            return out;
        }

        static long records(List<Restore> restores) {
            return restores.stream().mapToLong(Restore::records).sum();
        }

        @Override
        public void close() {
            logger.detachAppender(this);
            stop();
        }
    }
}
