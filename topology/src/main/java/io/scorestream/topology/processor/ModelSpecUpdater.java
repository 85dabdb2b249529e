package io.scorestream.topology.processor;

import io.scorestream.inference.registry.ModelRegistry;
import io.scorestream.inference.registry.RegistryListener;
import io.scorestream.schemas.ModelSpec;
import java.util.Objects;
import java.util.function.Consumer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the global model store in step with the compacted model topic and hands every spec to the
 * {@link ModelRegistry}, which loads, checks and swaps versions off this thread. A tombstone retires
 * the model. A value that is not a decodable {@link ModelSpec} is refused (logged and reported to
 * the listener) and leaves the store and the live version untouched.
 *
 * <p>Runs on Kafka Streams' global thread; one instance per application instance.
 */
public final class ModelSpecUpdater implements Processor<String, byte[], Void, Void> {

    private static final Logger LOG = LoggerFactory.getLogger(ModelSpecUpdater.class);

    private final String storeName;
    private final ModelRegistry registry;
    private final Deserializer<ModelSpec> specs;
    private final RegistryListener listener;
    private final String topic;
    private final Consumer<String> beforeSubmit;
    private KeyValueStore<String, byte[]> store;

    public ModelSpecUpdater(String topic, String storeName, ModelRegistry registry, Deserializer<ModelSpec> specs,
                            RegistryListener listener) {
        this(topic, storeName, registry, specs, listener, name -> { });
    }

    /**
     * @param beforeSubmit called with the model name on this thread before each spec of that model is
     *     handed to the registry, e.g. to {@linkplain ModelRegistry#registerFeatureSchema register} the
     *     feature schemas now registered for its input topics, so that the version is checked against
     *     them whether or not a record of them was seen; must not throw
     */
    public ModelSpecUpdater(String topic, String storeName, ModelRegistry registry, Deserializer<ModelSpec> specs,
                            RegistryListener listener, Consumer<String> beforeSubmit) {
        this.topic = topic;
        this.storeName = storeName;
        this.registry = registry;
        this.specs = specs;
        this.listener = listener;
        this.beforeSubmit = Objects.requireNonNull(beforeSubmit, "beforeSubmit");
    }

    @Override
    public void init(ProcessorContext<Void, Void> context) {
        store = context.getStateStore(storeName);
        // The store was restored from the topic before this runs: hand every known spec over.
        try (KeyValueIterator<String, byte[]> it = store.all()) {
            while (it.hasNext()) {
                final var kv = it.next();
                submit(kv.key, kv.value);
            }
        }
    }

    @Override
    public void process(Record<String, byte[]> record) {
        final String name = record.key();
        if (name == null) {
            LOG.warn("Ignoring a model-topic record without a key: the key must be the model name");
            return;
        }
        if (record.value() == null) {
            store.delete(name);
            LOG.info("Model '{}' retired by a tombstone", name);
            registry.submit(name, null);
            return;
        }
        if (submit(name, record.value())) {
            store.put(name, record.value());
        }
    }

    private boolean submit(String name, byte[] value) {
        final ModelSpec spec;
        try {
            spec = specs.deserialize(topic, value);
        } catch (RuntimeException e) {
            LOG.warn("Refusing a model-topic value for '{}': it is not a ModelSpec ({})", name, e.getMessage());
            listener.onRefused(name, "unknown", "invalid_spec", e.getMessage());
            return false;
        }
        beforeSubmit.accept(name);
        registry.submit(name, spec);
        return true;
    }
}
