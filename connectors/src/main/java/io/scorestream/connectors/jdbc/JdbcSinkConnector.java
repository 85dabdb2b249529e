package io.scorestream.connectors.jdbc;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.sink.SinkConnector;

/**
 * A Kafka Connect sink that writes records (scorestream's {@code ScoreResult}s, or any flat record
 * with a struct value) to PostgreSQL tables, one row per record, upserted by a primary key.
 *
 * <h2>Configuration</h2>
 * Every key is in {@link JdbcSinkConfig#CONFIG_DEF}. A ready-to-use example:
 * <pre>
 * name=scores-to-postgres
 * connector.class=io.scorestream.connectors.jdbc.JdbcSinkConnector
 * tasks.max=2
 * topics=scores,shadow-scores
 * connection.url=jdbc:postgresql://postgres:5432/scores
 * connection.user=scorestream
 * connection.password=${file:/etc/kafka-connect/secrets.properties:postgres.password}
 * # table per topic (default ${topic}): tables scores and shadow_scores
 * table.name.format=${topic}
 * insert.mode=upsert
 * pk.fields=event_id,model_name,model_version,role
 * key.converter=org.apache.kafka.connect.storage.StringConverter
 * value.converter=io.scorestream.connectors.avro.AvroConverter
 * value.converter.schema.registry.url=http://schema-registry:8081
 * # records the database rejects go to a dead-letter topic, the others are written
 * errors.tolerance=all
 * errors.deadletterqueue.topic.name=scores-jdbc-dlq
 * errors.deadletterqueue.context.headers.enable=true
 * </pre>
 *
 * <h2>Tables</h2>
 * With {@code auto.create}, a missing table is created from the record's value schema: int8/int16 →
 * smallint, int32 → integer, int64 → bigint, float32 → real, float64 → double precision, boolean,
 * string → text, bytes → bytea, Timestamp → timestamptz, Date → date, Time → time, Decimal → numeric,
 * map/array/struct → jsonb (timestamps inside as ISO-8601 strings); required fields and
 * {@code pk.fields} are NOT NULL, and {@code pk.fields} is the primary key. With {@code auto.evolve},
 * a new optional field (or a required one with a default) becomes a new nullable column, and a field
 * that became optional loses its NOT NULL. A new required field without a default, or a field whose
 * type does not fit its existing column, fails the task with a message naming table, column and
 * both types. The record key is not written; the primary key comes from the value.
 *
 * <h2>Delivery guarantees</h2>
 * Connect delivers records at least once: it commits a partition's consumer offset only after the
 * task's {@code put} of the records before it returned (and {@code flush}/{@code preCommit}), and
 * after a crash or rebalance it delivers again from the last committed offset. The task commits each
 * {@code put} as one database transaction before returning, and buffers nothing across puts, so a
 * committed offset always covers rows that are durable in the table. A record delivered again (its
 * offset was not committed yet) is upserted on the same primary key with the same values: the row ends
 * as it was. The effect in the table is therefore exactly once, for {@code insert.mode=upsert}, with
 * these limits:
 * <ul>
 *   <li>Records with the same key (primary-key values) in one partition end as the last of them.
 *       Records with the same key in different partitions have no defined order.</li>
 *   <li>{@code insert.mode=insert}: a record delivered again violates the primary key and is reported
 *       as errant; the table holds it once, the dead-letter queue may hold it too.</li>
 *   <li>Errant records are reported after the transaction commits; if the task dies between the commit
 *       and the report, or is redelivered after, a record may reach the dead-letter queue twice (at
 *       least once, never lost).</li>
 *   <li>Table DDL (create, add column) is committed on its own, before the rows of a put.</li>
 * </ul>
 *
 * <p>Stateless apart from its settings; Connect calls it from one thread.
 */
public final class JdbcSinkConnector extends SinkConnector {

    /** This plugin's version: the jar's Implementation-Version, else {@code unknown}. */
    static final String VERSION = versionOf(JdbcSinkConnector.class);

    private Map<String, String> props;

    @Override
    public String version() {
        return VERSION;
    }

    /** Keeps {@code props} for the tasks, after checking them. */
    @Override
    public void start(final Map<String, String> props) {
        new JdbcSinkConfig(props);
        this.props = Map.copyOf(props);
    }

    @Override
    public Class<? extends Task> taskClass() {
        return JdbcSinkTask.class;
    }

    /** {@code maxTasks} tasks with the connector's settings: Connect shares the topic partitions among them. */
    @Override
    public List<Map<String, String>> taskConfigs(final int maxTasks) {
        final List<Map<String, String>> configs = new ArrayList<>(maxTasks);
        for (int i = 0; i < maxTasks; i++) {
            configs.add(props);
        }
        return configs;
    }

    @Override
    public void stop() {
        // Nothing to release: the tasks own their connections.
    }

    /** {@link JdbcSinkConfig#CONFIG_DEF}: Connect's {@code validate} attaches each problem to its key. */
    @Override
    public ConfigDef config() {
        return JdbcSinkConfig.CONFIG_DEF;
    }

    private static String versionOf(final Class<?> type) {
        final String version = type.getPackage() == null ? null : type.getPackage().getImplementationVersion();
        return version == null ? "unknown" : version;
    }
}
