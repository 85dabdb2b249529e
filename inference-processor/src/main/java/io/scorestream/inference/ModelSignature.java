package io.scorestream.inference;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The inputs and outputs of a loaded model, in the model's order. Immutable. */
public final class ModelSignature {

    private final Map<String, ValueSpec> inputs;
    private final Map<String, ValueSpec> outputs;

    public ModelSignature(List<ValueSpec> inputs, List<ValueSpec> outputs) {
        this.inputs = index(inputs);
        this.outputs = index(outputs);
    }

    private static Map<String, ValueSpec> index(List<ValueSpec> specs) {
        final Map<String, ValueSpec> m = new LinkedHashMap<>();
        for (ValueSpec s : specs) {
            m.put(s.name(), s);
        }
        return Collections.unmodifiableMap(m);
    }

    public List<ValueSpec> inputs() {
        return List.copyOf(inputs.values());
    }

    public List<ValueSpec> outputs() {
        return List.copyOf(outputs.values());
    }

    public Optional<ValueSpec> input(String name) {
        return Optional.ofNullable(inputs.get(name));
    }

    public Optional<ValueSpec> output(String name) {
        return Optional.ofNullable(outputs.get(name));
    }

    public List<String> inputNames() {
        return List.copyOf(inputs.keySet());
    }

    public List<String> outputNames() {
        return List.copyOf(outputs.keySet());
    }

    @Override
    public String toString() {
        return "inputs " + inputs.values() + ", outputs " + outputs.values();
    }
}
