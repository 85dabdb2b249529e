package io.scorestream.topology.processor;

import io.scorestream.inference.registry.ModelRegistry;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Before a version of a model is loaded, tells the {@link ModelRegistry} the value schemas now
 * registered for the model's input topics ({@code <topic>-value}, latest version), so the version's
 * input mapping is checked against them at load time: a mapping those records cannot fill is
 * refused before the first record arrives, not after, and whatever the timing. The registry also
 * learns schemas from the records it sees; this adds what the schema registry already knows.
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
                registry.registerFeatureSchema(modelName, schemas.latest(subject).schema());
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
}
