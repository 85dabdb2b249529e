package io.scorestream.bench;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.scorestream.schemas.ClassProbability;
import io.scorestream.schemas.ScoreResult;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.avro.Schema;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * The ceiling of the sink mode: scores written into PostgreSQL by plain JDBC, with nothing of
 * Kafka Connect. One connection; for each {@code batchSize} serialized scores: decode them (the
 * project's Confluent-wire-format deserializer), bind each to the same upsert the sink runs
 * ({@code INSERT ... ON CONFLICT (pk) DO UPDATE SET} every other column, JSON columns through
 * {@code CAST(? AS jsonb)}, timestamps as UTC {@code OffsetDateTime}s), {@code executeBatch},
 * commit. Binding is written out for {@link ScoreResult}: the least work a hand-written writer does.
 *
 * <p>Not thread-safe; the caller owns the connection (which this class sets to manual commit).
 */
final class JdbcCeiling {

    /** Columns of a {@code jsonb} type: the record's maps, arrays and nested records. */
    private static final Set<Schema.Type> JSON_TYPES = Set.of(Schema.Type.MAP, Schema.Type.ARRAY,
            Schema.Type.RECORD);
    private static final JsonFactory JSON = new JsonFactory();

    /** The fields {@link #bind} sets, in parameter order. */
    static final List<String> BOUND_FIELDS = List.of("event_id", "key", "model_name", "model_version", "score",
            "decision", "label", "class_probabilities", "event_time", "scored_at", "batch_size", "inference_micros",
            "latency_ms", "source_topic", "source_partition", "source_offset", "role", "top_classes", "features");

    private final Connection connection;
    private final String sql;
    private final int batchSize;
    private final Deserializer<ScoreResult> values;

    /** What one {@link #write} did. */
    record Result(long rows, long nanos, long decodeNanos, long transactions, long firstCommitNanos) {
    }

    /**
     * @param connection an open connection, used by this writer alone while it writes
     * @param table the table, with a column per field of {@link ScoreResult} and a unique key on {@code pkFields}
     * @param pkFields the conflict target
     * @param batchSize rows per JDBC batch and per transaction
     * @param values the deserializer of the serialized scores
     */
    JdbcCeiling(Connection connection, String table, List<String> pkFields, int batchSize,
                Deserializer<ScoreResult> values) {
        this.connection = connection;
        this.sql = upsertSql(table, ScoreResult.getClassSchema(), pkFields);
        this.batchSize = batchSize;
        this.values = values;
    }

    /**
     * The upsert of one row of {@code schema}'s fields, in field order: the statement the JDBC sink
     * builds for a table it created from that schema.
     */
    static String upsertSql(String table, Schema schema, List<String> pkFields) {
        final StringBuilder columns = new StringBuilder();
        final StringBuilder params = new StringBuilder();
        final StringBuilder updates = new StringBuilder();
        for (Schema.Field f : schema.getFields()) {
            final String column = quote(f.name());
            final boolean json = JSON_TYPES.contains(nonNull(f.schema()).getType());
            columns.append(columns.length() == 0 ? "" : ", ").append(column);
            params.append(params.length() == 0 ? "" : ", ").append(json ? "CAST(? AS jsonb)" : "?");
            if (!pkFields.contains(f.name())) {
                updates.append(updates.length() == 0 ? "" : ", ").append(column).append(" = EXCLUDED.").append(column);
            }
        }
        final StringBuilder target = new StringBuilder();
        for (String pk : pkFields) {
            target.append(target.length() == 0 ? "" : ", ").append(quote(pk));
        }
        return "INSERT INTO " + quote(table) + " (" + columns + ") VALUES (" + params + ") ON CONFLICT (" + target
                + ") DO UPDATE SET " + updates;
    }

    /**
     * Writes {@code pool}'s scores, {@code batchSize} per transaction, and returns how long it took:
     * from the first decode to the last commit.
     */
    Result write(ScorePool pool, String topic) throws SQLException {
        connection.setAutoCommit(false);
        final ScoreResult[] batch = new ScoreResult[batchSize];
        long decodeNanos = 0;
        long transactions = 0;
        long firstCommit = -1;
        final long t0 = System.nanoTime();
        try (PreparedStatement ps = connection.prepareStatement(sql)) {
            for (int from = 0; from < pool.size(); from += batchSize) {
                final int n = Math.min(batchSize, pool.size() - from);
                final long d0 = System.nanoTime();
                for (int i = 0; i < n; i++) {
                    batch[i] = values.deserialize(topic, pool.value(from + i));
                }
                decodeNanos += System.nanoTime() - d0;
                for (int i = 0; i < n; i++) {
                    bind(ps, batch[i]);
                    ps.addBatch();
                }
                ps.executeBatch();
                connection.commit();
                transactions++;
                if (firstCommit < 0) {
                    firstCommit = System.nanoTime() - t0;
                }
            }
        } catch (SQLException | RuntimeException e) {
            connection.rollback();
            throw e;
        }
        return new Result(pool.size(), System.nanoTime() - t0, decodeNanos, transactions, firstCommit);
    }

    /** Binds {@code r}'s fields in schema order (checked against the schema by {@code JdbcCeilingTest}). */
    private static void bind(PreparedStatement ps, ScoreResult r) throws SQLException {
        ps.setString(1, r.getEventId());
        text(ps, 2, r.getKey());
        ps.setString(3, r.getModelName());
        ps.setString(4, r.getModelVersion());
        ps.setDouble(5, r.getScore());
        ps.setBoolean(6, r.getDecision());
        text(ps, 7, r.getLabel());
        text(ps, 8, r.getClassProbabilities() == null ? null : json(r.getClassProbabilities()));
        ps.setObject(9, utc(r.getEventTime()));
        ps.setObject(10, utc(r.getScoredAt()));
        ps.setInt(11, r.getBatchSize());
        ps.setLong(12, r.getInferenceMicros());
        ps.setLong(13, r.getLatencyMs());
        text(ps, 14, r.getSourceTopic());
        if (r.getSourcePartition() == null) {
            ps.setNull(15, Types.INTEGER);
        } else {
            ps.setInt(15, r.getSourcePartition());
        }
        if (r.getSourceOffset() == null) {
            ps.setNull(16, Types.BIGINT);
        } else {
            ps.setLong(16, r.getSourceOffset());
        }
        text(ps, 17, r.getRole());
        text(ps, 18, r.getTopClasses() == null ? null : json(r.getTopClasses()));
        text(ps, 19, r.getFeatures() == null ? null : json(r.getFeatures()));
    }

    private static void text(PreparedStatement ps, int index, String value) throws SQLException {
        if (value == null) {
            ps.setNull(index, Types.VARCHAR);
        } else {
            ps.setString(index, value);
        }
    }

    private static OffsetDateTime utc(Instant t) {
        return OffsetDateTime.ofInstant(t, ZoneOffset.UTC);
    }

    private static String json(Map<String, Double> map) {
        final StringWriter out = new StringWriter(64);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            for (Map.Entry<String, Double> e : map.entrySet()) {
                g.writeFieldName(e.getKey());
                if (e.getValue() == null) {
                    g.writeNull(); // an aggregate with no value (features)
                } else {
                    g.writeNumber(e.getValue());
                }
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    private static String json(List<ClassProbability> classes) {
        final StringWriter out = new StringWriter(64);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartArray();
            for (ClassProbability c : classes) {
                g.writeStartObject();
                g.writeStringField("class_label", c.getClassLabel());
                g.writeNumberField("probability", c.getProbability());
                g.writeEndObject();
            }
            g.writeEndArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    private static Schema nonNull(Schema s) {
        if (s.getType() != Schema.Type.UNION) {
            return s;
        }
        for (Schema branch : s.getTypes()) {
            if (branch.getType() != Schema.Type.NULL) {
                return branch;
            }
        }
        return s;
    }

    /** A PostgreSQL identifier in double quotes. */
    static String quote(String name) {
        return "\"" + name.replace("\"", "\"\"") + "\"";
    }
}
