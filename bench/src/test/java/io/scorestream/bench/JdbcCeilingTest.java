package io.scorestream.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.scorestream.schemas.ScoreResult;
import java.util.List;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

/** The ceiling's statement and binding order, against the score schema, in memory. */
class JdbcCeilingTest {

    @Test
    void bindsEveryFieldOfTheScoreSchemaInSchemaOrder() {
        // A field added to ScoreResult must be bound by the ceiling too, or it writes less than the sink.
        assertEquals(ScoreResult.getClassSchema().getFields().stream().map(Schema.Field::name).toList(),
                JdbcCeiling.BOUND_FIELDS);
    }

    @Test
    void upsertIsTheSinksStatementShape() {
        final String sql = JdbcCeiling.upsertSql("t", ScoreResult.getClassSchema(),
                List.of("event_id", "model_name", "model_version", "role"));

        assertEquals("INSERT INTO \"t\" (\"event_id\", \"key\", \"model_name\", \"model_version\", \"score\", "
                + "\"decision\", \"label\", \"class_probabilities\", \"event_time\", \"scored_at\", \"batch_size\", "
                + "\"inference_micros\", \"latency_ms\", \"source_topic\", \"source_partition\", \"source_offset\", "
                + "\"role\", \"top_classes\", \"features\") VALUES (?, ?, ?, ?, ?, ?, ?, CAST(? AS jsonb), ?, ?, ?, ?, ?, ?, "
                + "?, ?, ?, CAST(? AS jsonb), CAST(? AS jsonb)) ON CONFLICT (\"event_id\", \"model_name\", \"model_version\", \"role\") DO UPDATE "
                + "SET \"key\" = EXCLUDED.\"key\", \"score\" = EXCLUDED.\"score\", \"decision\" = EXCLUDED.\"decision\", "
                + "\"label\" = EXCLUDED.\"label\", \"class_probabilities\" = EXCLUDED.\"class_probabilities\", "
                + "\"event_time\" = EXCLUDED.\"event_time\", \"scored_at\" = EXCLUDED.\"scored_at\", "
                + "\"batch_size\" = EXCLUDED.\"batch_size\", \"inference_micros\" = EXCLUDED.\"inference_micros\", "
                + "\"latency_ms\" = EXCLUDED.\"latency_ms\", \"source_topic\" = EXCLUDED.\"source_topic\", "
                + "\"source_partition\" = EXCLUDED.\"source_partition\", \"source_offset\" = EXCLUDED.\"source_offset\", "
                + "\"top_classes\" = EXCLUDED.\"top_classes\", \"features\" = EXCLUDED.\"features\"", sql);
    }
}
