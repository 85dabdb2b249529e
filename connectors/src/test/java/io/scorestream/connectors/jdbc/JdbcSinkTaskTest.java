package io.scorestream.connectors.jdbc;

import static io.scorestream.connectors.jdbc.ScoreStructs.EVENT_TIME_MS;
import static io.scorestream.connectors.jdbc.ScoreStructs.fullScore;
import static io.scorestream.connectors.jdbc.ScoreStructs.record;
import static io.scorestream.connectors.jdbc.ScoreStructs.score;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.connect.data.Date;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Time;
import org.apache.kafka.connect.data.Timestamp;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link JdbcSinkTask} against a real PostgreSQL server (embedded binaries, one server for the
 * class; each test writes its own topic, so its own table). The task is driven as Connect drives it:
 * {@code initialize}, {@code start}, {@code put}, {@code stop}.
 */
// A separate thread: a put blocked on a lock or a dead socket fails the test instead of hanging the build.
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class JdbcSinkTaskTest {

    private static EmbeddedPostgres server;
    private static Postgres db;

    private final List<JdbcSinkTask> tasks = new ArrayList<>();

    @BeforeAll
    static void startPostgres() throws Exception {
        server = EmbeddedPostgres.builder().start();
        db = new Postgres(server.getPostgresDatabase());
    }

    @AfterAll
    static void stopPostgres() throws Exception {
        server.close();
    }

    @AfterEach
    void stopTasks() {
        tasks.forEach(JdbcSinkTask::stop);
    }

    private JdbcSinkTask task(final RecordingSinkTaskContext context, final String... props) {
        final JdbcSinkTask task = new JdbcSinkTask();
        task.initialize(context);
        task.start(Postgres.taskProps(server.getPort(), props));
        tasks.add(task);
        return task;
    }

    private JdbcSinkTask task(final String... props) {
        return task(new RecordingSinkTaskContext(true), props);
    }

    @Test
    void writesScoreResultsAsTypedRowsCommittedWhenPutReturns() throws Exception {
        // given
        final JdbcSinkTask task = task();

        // when
        task.put(List.of(record("scores_typed", 0, fullScore("e-1", 0.93)),
                record("scores_typed", 1, score("e-2", 0.12))));

        // then the rows are visible to another connection: committed
        assertEquals(2, db.count("scores_typed"));
        final List<Object> full = db.rows("SELECT event_id, key, model_name, model_version, score, decision, label, "
                + "class_probabilities->>'fraud', jsonb_typeof(class_probabilities), event_time, scored_at, batch_size, "
                + "inference_micros, latency_ms, source_topic, source_partition, source_offset, role, "
                + "top_classes->0->>'class_label', (top_classes->1->>'probability')::float8, jsonb_array_length(top_classes) "
                + "FROM scores_typed WHERE event_id = 'e-1'").get(0);
        final long n = "e-1".hashCode() & 0xffffL;
        assertEquals(List.of("e-1", "card-42", "fraud", "3", 0.93, true, "fraud", "0.93", "object"), full.subList(0, 9));
        assertEquals(Instant.ofEpochMilli(EVENT_TIME_MS + n), ((java.sql.Timestamp) full.get(9)).toInstant());
        assertEquals(Instant.ofEpochMilli(EVENT_TIME_MS + n + 7), ((java.sql.Timestamp) full.get(10)).toInstant());
        assertEquals(List.of(64, 1234L, 7L, "transactions", 2, 99L, "stable", "fraud", 1 - 0.93, 2),
                full.subList(11, 21));

        // and absent optional fields are SQL NULLs, not JSON nulls
        assertEquals(java.util.Arrays.asList("e-2", null, null, null, null, null, null, null),
                db.rows("SELECT event_id, key, label, class_probabilities, source_topic, source_partition, "
                        + "source_offset, top_classes FROM scores_typed WHERE event_id = 'e-2'").get(0));

        // and the columns have the types of their fields, the primary key is pk.fields
        final Map<String, String> types = db.columnTypes("scores_typed");
        assertEquals("text", types.get("event_id"));
        assertEquals("double precision", types.get("score"));
        assertEquals("boolean", types.get("decision"));
        assertEquals("jsonb", types.get("class_probabilities"));
        assertEquals("jsonb", types.get("top_classes"));
        assertEquals("timestamp with time zone", types.get("event_time"));
        assertEquals("integer", types.get("batch_size"));
        assertEquals("bigint", types.get("inference_micros"));
        assertEquals(List.of("event_id", "model_name", "model_version", "role"), db.primaryKey("scores_typed"));
    }

    @Test
    void theSameRecordsDeliveredTwiceLeaveOneRowEach() throws Exception {
        // given
        final JdbcSinkTask task = task();
        final List<SinkRecord> batch = List.of(record("scores_twice", 0, fullScore("e-1", 0.9)),
                record("scores_twice", 1, score("e-2", 0.2)), record("scores_twice", 2, score("e-3", 0.3)));
        task.put(batch);

        // when Connect delivers them again (offsets not committed before a crash)
        task.put(batch);

        // then
        assertEquals(3, db.count("scores_twice"));
        assertEquals(0.9, db.one("SELECT score FROM scores_twice WHERE event_id = 'e-1'"));

        // and a later score of the same event, model version and role replaces the row
        task.put(List.of(record("scores_twice", 3, score("e-1", 0.4))));
        assertEquals(3, db.count("scores_twice"));
        assertEquals(List.of(0.4, false), db.rows("SELECT score, decision FROM scores_twice WHERE event_id = 'e-1'")
                .get(0));
        // and a score of another role is another row
        task.put(List.of(record("scores_twice", 4, score("e-1", 0.8).put("role", "shadow"))));
        assertEquals(4, db.count("scores_twice"));
    }

    @Test
    void insertModeReportsARedeliveredRecordAsErrantAndWritesTheNewOnes() throws Exception {
        // given
        final RecordingSinkTaskContext context = new RecordingSinkTaskContext(true);
        final JdbcSinkTask task = task(context, "insert.mode", "insert");
        final SinkRecord first = record("scores_insert", 0, score("e-1", 0.1));
        task.put(List.of(first));

        // when
        final SinkRecord again = record("scores_insert", 0, score("e-1", 0.1));
        final SinkRecord next = record("scores_insert", 1, score("e-2", 0.2));
        task.put(List.of(again, next));

        // then
        assertEquals(1, context.reports.size());
        assertTrue(context.reports.get(0).record() == again);
        assertTrue(context.reports.get(0).error().getMessage().contains("SQLSTATE 23505"),
                context.reports.get(0).error().getMessage());
        assertEquals(2, db.count("scores_insert"));
    }

    @Test
    void autoCreateGivesEachConnectTypeItsColumnType() throws Exception {
        // given a record with a field of every type
        final Schema nested = SchemaBuilder.struct().name("Nested")
                .field("at", Timestamp.SCHEMA).field("n", Schema.INT32_SCHEMA).build();
        final Schema schema = SchemaBuilder.struct().name("Everything")
                .field("id", Schema.STRING_SCHEMA)
                .field("i8", Schema.INT8_SCHEMA)
                .field("i16", Schema.INT16_SCHEMA)
                .field("i32", Schema.INT32_SCHEMA)
                .field("i64", Schema.INT64_SCHEMA)
                .field("f32", Schema.FLOAT32_SCHEMA)
                .field("f64", Schema.FLOAT64_SCHEMA)
                .field("bool", Schema.BOOLEAN_SCHEMA)
                .field("str", Schema.STRING_SCHEMA)
                .field("bytes", Schema.BYTES_SCHEMA)
                .field("ts", Timestamp.SCHEMA)
                .field("date", Date.SCHEMA)
                .field("time", Time.SCHEMA)
                .field("dec", Decimal.schema(2))
                .field("map", SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.INT64_SCHEMA).build())
                .field("array", SchemaBuilder.array(Schema.FLOAT32_SCHEMA).build())
                .field("struct", nested)
                .build();
        final long day = 20_000L * 86_400_000L;
        final Struct value = new Struct(schema).put("id", "x").put("i8", (byte) -8).put("i16", (short) 16)
                .put("i32", 32).put("i64", 1L << 40).put("f32", 0.5f).put("f64", 0.25).put("bool", true)
                .put("str", "grüße").put("bytes", new byte[] {1, 2, 3})
                .put("ts", new java.util.Date(day + 3_723_004L)).put("date", new java.util.Date(day))
                .put("time", new java.util.Date(3_723_004L)).put("dec", new BigDecimal("12.34"))
                .put("map", Map.of("a", 1L)).put("array", List.of(1.5f, 2.5f))
                .put("struct", new Struct(nested).put("at", new java.util.Date(day + 1)).put("n", 7));

        // when
        task("pk.fields", "id").put(List.of(record("every_type", 0, value)));

        // then
        final Map<String, String> expected = Map.ofEntries(Map.entry("id", "text"), Map.entry("i8", "smallint"),
                Map.entry("i16", "smallint"), Map.entry("i32", "integer"), Map.entry("i64", "bigint"),
                Map.entry("f32", "real"), Map.entry("f64", "double precision"), Map.entry("bool", "boolean"),
                Map.entry("str", "text"), Map.entry("bytes", "bytea"), Map.entry("ts", "timestamp with time zone"),
                Map.entry("date", "date"), Map.entry("time", "time without time zone"), Map.entry("dec", "numeric"),
                Map.entry("map", "jsonb"), Map.entry("array", "jsonb"), Map.entry("struct", "jsonb"));
        assertEquals(expected, db.columnTypes("every_type"));
        assertEquals(List.of("id"), db.primaryKey("every_type"));
        final List<Object> row = db.rows("SELECT i8, i16, i32, i64, f32, f64, bool, str, bytes, ts, date, time, dec, "
                + "\"map\"::text, \"array\"::text, struct::text FROM every_type").get(0);
        assertEquals(List.of(-8, 16, 32, 1L << 40, 0.5f, 0.25, true, "grüße"), row.subList(0, 8));
        assertArrayEquals(new byte[] {1, 2, 3}, (byte[]) row.get(8));
        assertEquals(Instant.ofEpochMilli(day + 3_723_004L), ((java.sql.Timestamp) row.get(9)).toInstant());
        assertEquals(LocalDate.ofEpochDay(20_000), ((java.sql.Date) row.get(10)).toLocalDate());
        assertEquals(LocalTime.of(1, 2, 3), ((java.sql.Time) row.get(11)).toLocalTime());
        assertEquals("01:02:03.004", db.one("SELECT time::text FROM every_type"));
        assertEquals(new BigDecimal("12.34"), row.get(12));
        assertEquals("{\"a\": 1}", row.get(13));
        assertEquals("[1.5, 2.5]", row.get(14));
        assertEquals("{\"n\": 7, \"at\": \"" + Instant.ofEpochMilli(day + 1) + "\"}", row.get(15));
    }

    @Test
    void autoEvolveAddsANullableColumnForANewOptionalField() throws Exception {
        // given a table made for the first schema
        final JdbcSinkTask task = task();
        task.put(List.of(record("scores_evolve", 0, score("e-1", 0.1))));

        // when records of a schema with one more, optional, field arrive
        final Schema v2 = withField(ScoreStructs.SCORE_RESULT, "explanation", Schema.OPTIONAL_STRING_SCHEMA);
        final Struct withExplanation = copy(score("e-2", 0.7), v2).put("explanation", "amount far above usual");
        task.put(List.of(record("scores_evolve", 1, withExplanation),
                record("scores_evolve", 2, score("e-3", 0.3))));

        // then
        assertEquals("YES", db.one("SELECT is_nullable FROM information_schema.columns "
                + "WHERE table_name = 'scores_evolve' AND column_name = 'explanation'"));
        assertEquals("text", db.columnTypes("scores_evolve").get("explanation"));
        assertEquals(java.util.Arrays.asList(null, "amount far above usual", null),
                db.rows("SELECT explanation FROM scores_evolve ORDER BY event_id").stream().map(r -> r.get(0))
                        .collect(Collectors.toList()));
    }

    @Test
    void aFieldThatBecameOptionalLosesItsNotNull() throws Exception {
        // given
        final JdbcSinkTask task = task();
        task.put(List.of(record("scores_relaxed", 0, score("e-1", 0.1))));
        assertEquals("NO", db.one("SELECT is_nullable FROM information_schema.columns "
                + "WHERE table_name = 'scores_relaxed' AND column_name = 'batch_size'"));

        // when
        final SchemaBuilder relaxed = SchemaBuilder.struct().name(ScoreStructs.SCORE_RESULT.name());
        ScoreStructs.SCORE_RESULT.fields().forEach(f -> relaxed.field(f.name(),
                f.name().equals("batch_size") ? Schema.OPTIONAL_INT32_SCHEMA : f.schema()));
        final Struct value = copy(score("e-2", 0.2), relaxed.build()).put("batch_size", null);
        task.put(List.of(record("scores_relaxed", 1, value)));

        // then
        assertEquals(2, db.count("scores_relaxed"));
        assertNull(db.one("SELECT batch_size FROM scores_relaxed WHERE event_id = 'e-2'"));
    }

    @Test
    void aNewRequiredFieldWithoutDefaultStopsTheTask() throws Exception {
        // given
        final JdbcSinkTask task = task();
        task.put(List.of(record("scores_required", 0, score("e-1", 0.1))));

        // when
        final Schema v2 = withField(ScoreStructs.SCORE_RESULT, "region", Schema.STRING_SCHEMA);
        final Struct value = copy(score("e-2", 0.2), v2).put("region", "eu");
        final ConnectException e = assertThrows(ConnectException.class,
                () -> task.put(List.of(record("scores_required", 1, value))));

        // then the task stops (not retried)
        assertFalse(e instanceof RetriableException);
        assertTrue(e.getMessage().contains("public.scores_required") && e.getMessage().contains("'region'")
                && e.getMessage().contains("required field"), e.getMessage());
        assertNull(db.columnTypes("scores_required").get("region"));
        assertEquals(1, db.count("scores_required"));
    }

    @Test
    void aFieldWhoseTypeChangedStopsTheTaskNamingTableColumnAndBothTypes() throws Exception {
        // given a table whose score column is double precision
        final JdbcSinkTask task = task();
        task.put(List.of(record("scores_retyped", 0, score("e-1", 0.1))));

        // when a schema makes score a string
        final SchemaBuilder retyped = SchemaBuilder.struct().name(ScoreStructs.SCORE_RESULT.name());
        ScoreStructs.SCORE_RESULT.fields().forEach(f -> retyped.field(f.name(),
                f.name().equals("score") ? Schema.STRING_SCHEMA : f.schema()));
        final Struct value = copy(score("e-2", 0.2), retyped.build(), "score").put("score", "high");
        final ConnectException e = assertThrows(ConnectException.class,
                () -> task.put(List.of(record("scores_retyped", 1, score("e-3", 0.3)),
                        record("scores_retyped", 2, value))));

        // then the task stops (not retried), and nothing of the put is written
        assertFalse(e instanceof RetriableException);
        final String message = e.getMessage();
        assertTrue(message.contains("public.scores_retyped") && message.contains("\"score\"")
                && message.contains("double precision") && message.contains("STRING"), message);
        assertEquals(1, db.count("scores_retyped"));
    }

    @Test
    void aRecordWithoutAPrimaryKeyFieldFailsNamingTheFieldAndTheTable() {
        // given
        final SchemaBuilder noRole = SchemaBuilder.struct().name(ScoreStructs.SCORE_RESULT.name());
        ScoreStructs.SCORE_RESULT.fields().stream().filter(f -> !f.name().equals("role"))
                .forEach(f -> noRole.field(f.name(), f.schema()));
        final Struct value = copy(score("e-1", 0.1), noRole.build(), "role");

        // when
        final ConnectException e = assertThrows(ConnectException.class,
                () -> task().put(List.of(record("scores_no_role", 0, value))));

        // then
        assertTrue(e.getMessage().contains("'role'") && e.getMessage().contains("public.scores_no_role"),
                e.getMessage());
    }

    @Test
    void recordsTheDatabaseRejectsAreReportedAndTheirNeighboursWritten() throws Exception {
        // given a table with a constraint, and batches of 3
        final RecordingSinkTaskContext context = new RecordingSinkTaskContext(true);
        final JdbcSinkTask task = task(context, "batch.size", "3");
        task.put(List.of(record("scores_poison", 0, score("e-0", 0.5))));
        db.execute("ALTER TABLE scores_poison ADD CONSTRAINT probability CHECK (score BETWEEN 0 AND 1)");

        // when
        final List<SinkRecord> records = List.of(
                record("scores_poison", 1, score("e-1", 0.1)),
                record("scores_poison", 2, score("e-2\u0000", 0.2)),
                record("scores_poison", 3, score("e-3", 0.3)),
                record("scores_poison", 4, score("e-4", 1.5)),
                record("scores_poison", 5, score("e-5", 0.5)),
                record("scores_poison", 6, score("e-6", 0.6).put("role", null)),
                record("scores_poison", 7, null),
                record("scores_poison", 8, score("e-8", 0.8)));
        task.put(records);

        // then
        final Map<Long, String> reported = context.reports.stream().collect(Collectors.toMap(
                r -> r.record().kafkaOffset(), r -> r.error().getMessage()));
        assertEquals(Set.of(2L, 4L, 6L, 7L), reported.keySet());
        assertTrue(reported.get(2L).contains("SQLSTATE 22021"), reported.get(2L));
        assertTrue(reported.get(4L).contains("SQLSTATE 23514"), reported.get(4L));
        assertTrue(reported.get(6L).contains("'role'"), reported.get(6L));
        assertTrue(reported.get(7L).contains("tombstone"), reported.get(7L));
        assertTrue(reported.values().stream().allMatch(m -> m.contains("public.scores_poison")));
        assertEquals(List.of("e-0", "e-1", "e-3", "e-5", "e-8"), db.rows("SELECT event_id FROM scores_poison "
                + "ORDER BY event_id").stream().map(r -> r.get(0)).collect(Collectors.toList()));
    }

    @Test
    void withoutAReporterARejectedRecordFailsThePutAndWritesNothingOfIt() throws Exception {
        // given errors.tolerance=none: no reporter
        final JdbcSinkTask task = task(new RecordingSinkTaskContext(false));
        task.put(List.of(record("scores_strict", 0, score("e-0", 0.5))));

        // when
        final ConnectException e = assertThrows(ConnectException.class, () -> task.put(List.of(
                record("scores_strict", 1, score("e-1", 0.1)),
                record("scores_strict", 2, score("e-2\u0000", 0.2)),
                record("scores_strict", 3, score("e-3", 0.3)))));

        // then the put was one transaction: rolled back as a whole
        assertTrue(e.getMessage().contains("scores_strict-0@2") && e.getMessage().contains("errors.tolerance"),
                e.getMessage());
        assertEquals(1, db.count("scores_strict"));
    }

    @Test
    void aTableDroppedUnderTheTaskIsReadAgainAndCreatedOnTheRetry() throws Exception {
        // given a task that knows its table
        final RecordingSinkTaskContext context = new RecordingSinkTaskContext(true);
        final JdbcSinkTask task = task(context, "retry.backoff.ms", "20");
        task.put(List.of(record("scores_dropped", 0, score("e-0", 0.1))));

        // when the table is dropped behind its back
        db.execute("DROP TABLE scores_dropped");
        final List<SinkRecord> batch = List.of(record("scores_dropped", 1, score("e-1", 0.2)));
        final RetriableException e = assertThrows(RetriableException.class, () -> task.put(batch));
        task.put(batch);

        // then the first put is retried after the backoff, and the retry creates the table again
        assertTrue(e.getMessage().contains("SQLSTATE 42P01"), e.getMessage());
        assertEquals(List.of(20L), context.timeouts);
        assertEquals("e-1", db.one("SELECT string_agg(event_id, ',') FROM scores_dropped"));
    }

    @Test
    void tableNameFormatSubstitutesTheTopicAndMakesItAnIdentifier() throws Exception {
        // when
        task("table.name.format", "sink_${topic}").put(List.of(record("Fraud-Scores.v2", 0, score("e-1", 0.1))));

        // then
        assertEquals(1, db.count("sink_fraud_scores_v2"));
    }

    @Test
    void aNulInsideAJsonbValueIsRejectedAsOneRecord() throws Exception {
        // given
        final RecordingSinkTaskContext context = new RecordingSinkTaskContext(true);
        final JdbcSinkTask task = task(context);

        // when
        task.put(List.of(record("scores_json", 0, fullScore("e-1", 0.1)),
                record("scores_json", 1, fullScore("e-2", 0.2).put("class_probabilities", Map.of("a\u0000", 1.0)))));

        // then
        assertEquals(1, context.reports.size());
        assertEquals(1L, context.reports.get(0).record().kafkaOffset());
        assertTrue(context.reports.get(0).error().getMessage().contains("SQLSTATE 22P05"),
                context.reports.get(0).error().getMessage());
        assertEquals("e-1", db.one("SELECT string_agg(event_id, ',') FROM scores_json"));
    }

    /** {@code schema} with one more field, {@code name}, at the end. */
    private static Schema withField(final Schema schema, final String name, final Schema fieldSchema) {
        final SchemaBuilder builder = SchemaBuilder.struct().name(schema.name());
        schema.fields().forEach(f -> builder.field(f.name(), f.schema()));
        return builder.field(name, fieldSchema).build();
    }

    /** The fields of {@code value} that {@code schema} has, except {@code skip}, in a struct of {@code schema}. */
    private static Struct copy(final Struct value, final Schema schema, final String... skip) {
        final Struct copy = new Struct(schema);
        final Set<String> skipped = Set.of(skip);
        value.schema().fields().stream()
                .filter(f -> schema.field(f.name()) != null && !skipped.contains(f.name()))
                .forEach(f -> copy.put(f.name(), value.get(f)));
        return copy;
    }
}
