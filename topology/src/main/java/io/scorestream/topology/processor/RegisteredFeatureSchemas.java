package io.scorestream.topology.processor;

import io.scorestream.inference.ModelLoadException;
import io.scorestream.inference.registry.ModelRegistry;
import io.scorestream.inference.registry.RolloutLease;
import io.scorestream.schemas.registry.SchemaRegistry;
import io.scorestream.schemas.registry.SchemaRegistryException;
import io.scorestream.schemas.registry.TopicNameStrategy;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;
import org.apache.avro.Schema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Before a version of a model is loaded, tells the {@link ModelRegistry} the value schemas now
 * registered for the model's input topics ({@code <topic>-value}, latest version), so the version's
 * input mapping is checked against them at load time: a mapping those records cannot fill is
 * refused before the first record arrives, not after, and whatever the timing. The registry also
 * learns schemas from the records it sees; this adds what the schema registry already knows.
 *
 * <p>With a version live, a latest schema that the live version cannot read either is not used (an
 * older producer's schema registered last must not block every new version; its records fail
 * whichever version is live). With none live, the latest schema is binding: the first version
 * must fit what the producers registered.
 *
 * <p>A subject not registered yet is skipped (nothing to check against); a registry that cannot
 * be read is logged and skipped, so an outage of the schema registry never holds a model back.
 * Called on Kafka Streams' global thread, once per model-topic record: one registry read per input
 * topic of that model.
 */
public final class RegisteredFeatureSchemas implements Consumer<String> {

    private static final Logger LOG = LoggerFactory.getLogger(RegisteredFeatureSchemas.class);

    private final Map<String, Set<String>> inputTopicsByModel;
    private final SchemaRegistry schemas;
    private final ModelRegistry registry;

    /**
     * @param inputTopicsByModel each model name and the topics its records come from
     */
    public RegisteredFeatureSchemas(Map<String, ? extends List<String>> inputTopicsByModel, SchemaRegistry schemas,
                                    ModelRegistry registry) {
        final Map<String, Set<String>> copy = new LinkedHashMap<>();
        inputTopicsByModel.forEach((model, topics) -> copy.computeIfAbsent(model, m -> new LinkedHashSet<>())
                .addAll(topics));
        this.inputTopicsByModel = copy;
        this.schemas = Objects.requireNonNull(schemas, "schemas");
        this.registry = Objects.requireNonNull(registry, "registry");
    }

    @Override
    public void accept(String modelName) {
        for (String topic : inputTopicsByModel.getOrDefault(modelName, Set.of())) {
            final String subject = TopicNameStrategy.subject(topic, false);
            try {
                final Schema latest = schemas.latest(subject).schema();
                if (liveVersionCannotRead(modelName, latest, topic)) {
                    continue;
                }
                registry.registerFeatureSchema(modelName, latest);
            } catch (SchemaRegistryException e) {
                if (!e.isNotFound()) {
                    LOG.warn("Cannot read the latest schema of '{}' (input topic '{}' of model '{}') from the schema "
                            + "registry; the model's next version is checked against the schemas seen so far: {}",
                            subject, topic, modelName, e.getMessage());
                }
            } catch (RuntimeException e) {
                LOG.warn("Cannot check model '{}' against the registered schema of input topic '{}': {}", modelName,
                        topic, e.toString());
            }
        }
    }

    /**
     * Whether a version of {@code modelName} is live and cannot read {@code latest} either. Such a
     * schema (an older producer's, say, registered after the current one) is not what the live
     * version scores, so it must not decide whether the next version may go live: the records
     * written with it are dead-lettered whichever version is live.
     */
    private boolean liveVersionCannotRead(String modelName, Schema latest, String topic) {
        try (RolloutLease lease = registry.acquireRollout(modelName)) {
            if (lease == null) {
                return false;
            }
            try {
                lease.stable().model().validateFeatureSchema(latest);
                return false;
            } catch (ModelLoadException e) {
                LOG.info("The latest schema registered for input topic '{}' ({}) cannot feed the live version '{}' of "
                        + "model '{}' either; new versions are not checked against it", topic, latest.getFullName(),
                        lease.stable().model().version(), modelName);
                return true;
            }
        }
    }
}
