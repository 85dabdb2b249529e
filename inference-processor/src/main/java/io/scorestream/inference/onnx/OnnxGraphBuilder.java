package io.scorestream.inference.onnx;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Builds a complete ONNX model ({@code ModelProto} bytes) from graph inputs, outputs, constant
 * initializers and nodes, without any protobuf or ONNX library.
 *
 * <p>Nodes must be added in topological order (each node may only consume graph inputs,
 * initializers and outputs of nodes added before it). {@link #build()} checks this and that every
 * graph output is produced, and throws {@link IllegalStateException} naming the offending value.
 *
 * <p>Shapes: a dimension of {@code -1} is written as the symbolic batch dimension {@value #BATCH_DIM};
 * any other dimension must be non-negative and is written as a fixed size. The {@link Dim} overloads
 * declare symbolic dimensions of other names (e.g. a sequence length {@code T}). The model imports opset
 * {@value #DEFAULT_OPSET} of the default domain and, if any node uses it, opset {@value #ML_OPSET} of
 * {@value #ML_DOMAIN}; {@link #opset(String, long)} overrides either or adds another domain.
 *
 * <p>Not thread-safe. Arrays passed in are copied; {@link #build()} may be called more than once.
 */
public final class OnnxGraphBuilder {

    /** IR version written into every model (IR 8 is the IR of opset 17, ONNX 1.12). */
    public static final long IR_VERSION = 8;
    /** Opset of the default ({@code ai.onnx}) domain. */
    public static final long DEFAULT_OPSET = 17;
    /** The classical-ML operator domain (tree ensembles, ZipMap, ...). */
    public static final String ML_DOMAIN = "ai.onnx.ml";
    /** Opset of {@value #ML_DOMAIN} matching default opset 17 (TreeEnsembleClassifier-3, ZipMap-1). */
    public static final long ML_OPSET = 3;
    /** Name of the symbolic dimension written for a {@code -1} dimension. */
    public static final String BATCH_DIM = "N";
    /** Producer name written into every model. */
    public static final String PRODUCER = "scorestream";

    // ModelProto
    private static final int MODEL_IR_VERSION = 1;
    private static final int MODEL_PRODUCER_NAME = 2;
    private static final int MODEL_GRAPH = 7;
    private static final int MODEL_OPSET_IMPORT = 8;
    // OperatorSetIdProto
    private static final int OPSET_DOMAIN = 1;
    private static final int OPSET_VERSION = 2;
    // GraphProto
    private static final int GRAPH_NODE = 1;
    private static final int GRAPH_NAME = 2;
    private static final int GRAPH_INITIALIZER = 5;
    private static final int GRAPH_INPUT = 11;
    private static final int GRAPH_OUTPUT = 12;
    // NodeProto
    private static final int NODE_INPUT = 1;
    private static final int NODE_OUTPUT = 2;
    private static final int NODE_NAME = 3;
    private static final int NODE_OP_TYPE = 4;
    private static final int NODE_ATTRIBUTE = 5;
    private static final int NODE_DOMAIN = 7;
    // ValueInfoProto
    private static final int VALUE_INFO_NAME = 1;
    private static final int VALUE_INFO_TYPE = 2;
    // TypeProto
    private static final int TYPE_TENSOR = 1;
    private static final int TYPE_SEQUENCE = 4;
    private static final int TYPE_MAP = 5;
    // TypeProto.Tensor
    private static final int TENSOR_ELEM_TYPE = 1;
    private static final int TENSOR_SHAPE = 2;
    // TypeProto.Sequence
    private static final int SEQUENCE_ELEM_TYPE = 1;
    // TypeProto.Map
    private static final int MAP_KEY_TYPE = 1;
    private static final int MAP_VALUE_TYPE = 2;
    // TensorShapeProto and its Dimension
    private static final int SHAPE_DIM = 1;
    private static final int DIM_VALUE = 1;
    private static final int DIM_PARAM = 2;

    private final String graphName;
    private final List<ValueInfo> inputs = new ArrayList<>();
    private final List<ValueInfo> outputs = new ArrayList<>();
    private final List<TensorValue> initializers = new ArrayList<>();
    private final List<Node> nodes = new ArrayList<>();
    private final Map<String, Long> opsets = new LinkedHashMap<>();

    /**
     * Starts an empty graph.
     *
     * @param graphName the {@code GraphProto.name}; non-empty
     */
    public OnnxGraphBuilder(final String graphName) {
        this.graphName = requireName(graphName, "graph name");
    }

    /** Declares a tensor graph input; a dimension of {@code -1} is the symbolic batch dimension. */
    public OnnxGraphBuilder input(final String name, final ElementType type, final long... dims) {
        inputs.add(ValueInfo.tensor(requireName(name, "input name"), Objects.requireNonNull(type, "type"),
                checkDims(name, dims)));
        return this;
    }

    /** Declares a tensor graph output; a dimension of {@code -1} is the symbolic batch dimension. */
    public OnnxGraphBuilder output(final String name, final ElementType type, final long... dims) {
        outputs.add(ValueInfo.tensor(requireName(name, "output name"), Objects.requireNonNull(type, "type"),
                checkDims(name, dims)));
        return this;
    }

    /** Declares a tensor graph input whose dimensions are fixed or symbolic with names of their own. */
    public OnnxGraphBuilder input(final String name, final ElementType type, final Dim... dims) {
        inputs.add(ValueInfo.tensor(requireName(name, "input name"), Objects.requireNonNull(type, "type"),
                List.of(dims)));
        return this;
    }

    /** Declares a tensor graph output whose dimensions are fixed or symbolic with names of their own. */
    public OnnxGraphBuilder output(final String name, final ElementType type, final Dim... dims) {
        outputs.add(ValueInfo.tensor(requireName(name, "output name"), Objects.requireNonNull(type, "type"),
                List.of(dims)));
        return this;
    }

    /** One dimension of a declared shape: a fixed size, or a symbolic one named like {@code N} or {@code T}. */
    public static final class Dim {
        private final long size;
        private final String param;

        private Dim(final long size, final String param) {
            this.size = size;
            this.param = param;
        }

        /** A fixed dimension of {@code size} (0 or more). */
        public static Dim of(final long size) {
            if (size < 0) {
                throw new IllegalArgumentException("a fixed dimension must be >= 0, got " + size);
            }
            return new Dim(size, null);
        }

        /** A symbolic dimension called {@code name} (dimensions sharing a name have the same size at run time). */
        public static Dim symbolic(final String name) {
            return new Dim(-1, requireName(name, "dimension name"));
        }

        /** Dimensions for {@code dims} as the {@code long...} methods read them: -1 is {@link #BATCH_DIM}. */
        static List<Dim> ofAll(final long[] dims) {
            final List<Dim> out = new ArrayList<>(dims.length);
            for (final long d : dims) {
                out.add(d == -1 ? symbolic(BATCH_DIM) : of(d));
            }
            return out;
        }

        @Override
        public String toString() {
            return param != null ? param : Long.toString(size);
        }
    }

    /**
     * Declares a graph output of type {@code seq(map(keyType, tensor(valueType)))}, the type of a
     * {@code ZipMap} output.
     */
    public OnnxGraphBuilder sequenceOfMapsOutput(final String name, final ElementType keyType,
                                                 final ElementType valueType) {
        outputs.add(ValueInfo.sequenceOfMaps(requireName(name, "output name"),
                Objects.requireNonNull(keyType, "keyType"), Objects.requireNonNull(valueType, "valueType")));
        return this;
    }

    /** Adds a constant float tensor; the product of {@code dims} must equal {@code data.length}. */
    public OnnxGraphBuilder initializer(final String name, final float[] data, final long... dims) {
        initializers.add(TensorValue.ofFloats(requireName(name, "initializer name"), data, dims));
        return this;
    }

    /** Adds a constant double tensor; the product of {@code dims} must equal {@code data.length}. */
    public OnnxGraphBuilder initializer(final String name, final double[] data, final long... dims) {
        initializers.add(TensorValue.ofDoubles(requireName(name, "initializer name"), data, dims));
        return this;
    }

    /** Adds a constant int64 tensor; the product of {@code dims} must equal {@code data.length}. */
    public OnnxGraphBuilder initializer(final String name, final long[] data, final long... dims) {
        initializers.add(TensorValue.ofLongs(requireName(name, "initializer name"), data, dims));
        return this;
    }

    /**
     * Adds a node of the default ({@code ai.onnx}) domain. An empty string among {@code inputs}
     * stands for an omitted optional input, as in ONNX.
     */
    public OnnxGraphBuilder node(final String opType, final List<String> inputs, final List<String> outputs,
                                 final OnnxAttribute... attrs) {
        return node("", opType, inputs, outputs, attrs);
    }

    /** Adds a node of the given operator domain ({@code ""} for the default domain). */
    public OnnxGraphBuilder node(final String domain, final String opType, final List<String> inputs,
                                 final List<String> outputs, final OnnxAttribute... attrs) {
        Objects.requireNonNull(domain, "domain");
        requireName(opType, "op type");
        final List<String> in = List.copyOf(inputs);
        final List<String> out = List.copyOf(outputs);
        if (out.isEmpty()) {
            throw new IllegalArgumentException(opType + " node must have at least one output");
        }
        for (final String o : out) {
            requireName(o, opType + " output name");
        }
        final Set<String> attrNames = new HashSet<>();
        for (final OnnxAttribute a : attrs) {
            if (!attrNames.add(Objects.requireNonNull(a, "attribute").name())) {
                throw new IllegalArgumentException(opType + " node has attribute '" + a.name() + "' twice");
            }
        }
        nodes.add(new Node(domain, opType, opType.toLowerCase(Locale.ROOT) + "_" + nodes.size(),
                in, out, List.of(attrs)));
        return this;
    }

    /** Imports (or overrides the imported version of) an operator set. */
    public OnnxGraphBuilder opset(final String domain, final long version) {
        if (version <= 0) {
            throw new IllegalArgumentException("opset version must be positive, got " + version);
        }
        opsets.put(Objects.requireNonNull(domain, "domain"), version);
        return this;
    }

    /**
     * Validates the graph and encodes the model.
     *
     * @return the serialized {@code ModelProto}, ready for {@code OrtEnvironment.createSession(byte[])}
     * @throws IllegalStateException if a node consumes a value nothing defines, a value is defined
     *     twice, a graph output is never produced, there are no outputs, or a node's domain has no
     *     known opset
     */
    public byte[] build() {
        final Map<String, Long> imports = validate();

        final ProtoWriter graph = new ProtoWriter();
        for (final Node n : nodes) {
            graph.message(GRAPH_NODE, n.encode());
        }
        graph.string(GRAPH_NAME, graphName);
        for (final TensorValue t : initializers) {
            graph.message(GRAPH_INITIALIZER, t.encode());
        }
        for (final ValueInfo v : inputs) {
            graph.message(GRAPH_INPUT, v.encode());
        }
        for (final ValueInfo v : outputs) {
            graph.message(GRAPH_OUTPUT, v.encode());
        }

        final ProtoWriter model = new ProtoWriter();
        model.int64(MODEL_IR_VERSION, IR_VERSION);
        model.string(MODEL_PRODUCER_NAME, PRODUCER);
        model.message(MODEL_GRAPH, graph);
        for (final Map.Entry<String, Long> e : imports.entrySet()) {
            final ProtoWriter opset = new ProtoWriter();
            opset.string(OPSET_DOMAIN, e.getKey());
            opset.int64(OPSET_VERSION, e.getValue());
            model.message(MODEL_OPSET_IMPORT, opset);
        }
        return model.toByteArray();
    }

    private Map<String, Long> validate() {
        if (outputs.isEmpty()) {
            throw new IllegalStateException("graph '" + graphName + "' declares no outputs");
        }
        final Set<String> defined = new HashSet<>();
        for (final ValueInfo v : inputs) {
            define(defined, v.name, "graph input");
        }
        for (final TensorValue t : initializers) {
            define(defined, t.name(), "initializer");
        }
        final Map<String, Long> imports = new LinkedHashMap<>();
        imports.put("", opsets.getOrDefault("", DEFAULT_OPSET));
        for (final Node n : nodes) {
            for (final String in : n.inputs) {
                if (!in.isEmpty() && !defined.contains(in)) {
                    throw new IllegalStateException("node " + n.name + " (" + n.opType + ") consumes '" + in
                            + "', which is not a graph input, an initializer or the output of an earlier node");
                }
            }
            for (final String out : n.outputs) {
                define(defined, out, "output of node " + n.name);
            }
            if (!imports.containsKey(n.domain)) {
                Long version = opsets.get(n.domain);
                if (version == null && ML_DOMAIN.equals(n.domain)) {
                    version = ML_OPSET;
                }
                if (version == null) {
                    throw new IllegalStateException("node " + n.name + " uses domain '" + n.domain
                            + "', which has no opset; call opset(domain, version)");
                }
                imports.put(n.domain, version);
            }
        }
        for (final Map.Entry<String, Long> e : opsets.entrySet()) {
            imports.putIfAbsent(e.getKey(), e.getValue());
        }
        final Set<String> outputNames = new HashSet<>();
        for (final ValueInfo v : outputs) {
            if (!outputNames.add(v.name)) {
                throw new IllegalStateException("graph output '" + v.name + "' is declared twice");
            }
            if (!defined.contains(v.name)) {
                throw new IllegalStateException("graph output '" + v.name + "' is not produced by any node,"
                        + " input or initializer");
            }
        }
        return imports;
    }

    private static void define(final Set<String> defined, final String name, final String what) {
        if (!defined.add(name)) {
            throw new IllegalStateException("value '" + name + "' is defined twice (again as " + what + ")");
        }
    }

    private static long[] checkDims(final String name, final long[] dims) {
        for (final long d : dims) {
            if (d < -1) {
                throw new IllegalArgumentException("value '" + name + "' has an invalid dimension " + d
                        + " in " + Arrays.toString(dims) + "; use -1 for the batch dimension");
            }
        }
        return dims.clone();
    }

    private static String requireName(final String name, final String what) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException(what + " must be non-empty");
        }
        return name;
    }

    private static ProtoWriter tensorType(final ElementType type, final List<Dim> dims) {
        final ProtoWriter tensor = new ProtoWriter();
        tensor.int64(TENSOR_ELEM_TYPE, type.code());
        if (dims != null) {
            final ProtoWriter shape = new ProtoWriter();
            for (final Dim d : dims) {
                final ProtoWriter dim = new ProtoWriter();
                if (d.param != null) {
                    dim.string(DIM_PARAM, d.param);
                } else {
                    dim.int64(DIM_VALUE, d.size);
                }
                shape.message(SHAPE_DIM, dim);
            }
            tensor.message(TENSOR_SHAPE, shape);
        }
        return new ProtoWriter().message(TYPE_TENSOR, tensor);
    }

    /** A graph input or output: a name and a type. */
    private static final class ValueInfo {
        final String name;
        final ProtoWriter type;

        private ValueInfo(final String name, final ProtoWriter type) {
            this.name = name;
            this.type = type;
        }

        static ValueInfo tensor(final String name, final ElementType type, final long[] dims) {
            return tensor(name, type, Dim.ofAll(dims));
        }

        static ValueInfo tensor(final String name, final ElementType type, final List<Dim> dims) {
            return new ValueInfo(name, tensorType(type, dims));
        }

        static ValueInfo sequenceOfMaps(final String name, final ElementType key, final ElementType value) {
            final ProtoWriter map = new ProtoWriter();
            map.int64(MAP_KEY_TYPE, key.code());
            map.message(MAP_VALUE_TYPE, tensorType(value, null));
            final ProtoWriter mapType = new ProtoWriter().message(TYPE_MAP, map);
            final ProtoWriter sequence = new ProtoWriter().message(SEQUENCE_ELEM_TYPE, mapType);
            return new ValueInfo(name, new ProtoWriter().message(TYPE_SEQUENCE, sequence));
        }

        ProtoWriter encode() {
            return new ProtoWriter().string(VALUE_INFO_NAME, name).message(VALUE_INFO_TYPE, type);
        }
    }

    /** One operator invocation. */
    private static final class Node {
        final String domain;
        final String opType;
        final String name;
        final List<String> inputs;
        final List<String> outputs;
        final List<OnnxAttribute> attributes;

        Node(final String domain, final String opType, final String name, final List<String> inputs,
             final List<String> outputs, final List<OnnxAttribute> attributes) {
            this.domain = domain;
            this.opType = opType;
            this.name = name;
            this.inputs = inputs;
            this.outputs = outputs;
            this.attributes = attributes;
        }

        ProtoWriter encode() {
            final ProtoWriter w = new ProtoWriter();
            for (final String in : inputs) {
                w.string(NODE_INPUT, in);
            }
            for (final String out : outputs) {
                w.string(NODE_OUTPUT, out);
            }
            w.string(NODE_NAME, name);
            w.string(NODE_OP_TYPE, opType);
            for (final OnnxAttribute a : attributes) {
                w.message(NODE_ATTRIBUTE, a.encode());
            }
            if (!domain.isEmpty()) {
                w.string(NODE_DOMAIN, domain);
            }
            return w;
        }
    }
}
