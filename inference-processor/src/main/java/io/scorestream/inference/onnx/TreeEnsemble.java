package io.scorestream.inference.onnx;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * A binary-classification tree ensemble in the shape a random-forest converter emits: every tree
 * is a set of {@code BRANCH_LEQ} splits ({@code x[feature] <= threshold} goes to the true child)
 * ending in leaves that hold P(class 1); the ensemble's probability is the mean over trees.
 *
 * <p>{@link #predictProbability(double[])} is the Java reference. It compares features and
 * thresholds as float32, as ONNX Runtime does for a float input, so that rows on a threshold go the
 * same way in both. {@link #toOnnx(boolean)} exports an {@code ai.onnx.ml TreeEnsembleClassifier}
 * (optionally followed by {@code ZipMap}).
 *
 * <p>Immutable and thread-safe.
 */
public final class TreeEnsemble {

    /** Name of the label output: int64 [N]. */
    public static final String LABEL = "label";
    /** Name of the probability tensor output: float [N, 2]. */
    public static final String PROBABILITIES = "probabilities";
    /** Name of the ZipMap output: seq(map(int64, float)). */
    public static final String ZIPMAP_OUTPUT = "output_probability";

    /** One tree node: either a {@code BRANCH_LEQ} split or a leaf. Immutable. */
    public static final class Node {
        private final boolean leaf;
        private final int feature;
        private final float threshold;
        private final int trueChild;
        private final int falseChild;
        private final float probability;

        private Node(final boolean leaf, final int feature, final float threshold, final int trueChild,
                     final int falseChild, final float probability) {
            this.leaf = leaf;
            this.feature = feature;
            this.threshold = threshold;
            this.trueChild = trueChild;
            this.falseChild = falseChild;
            this.probability = probability;
        }

        /** A split: rows with {@code x[feature] <= threshold} go to {@code trueChild}, others to {@code falseChild}. */
        public static Node branch(final int feature, final float threshold, final int trueChild,
                                  final int falseChild) {
            if (feature < 0) {
                throw new IllegalArgumentException("feature index must be >= 0");
            }
            return new Node(false, feature, threshold, trueChild, falseChild, 0f);
        }

        /** A leaf holding P(class 1) in [0, 1]. */
        public static Node leaf(final float probability) {
            if (!(probability >= 0f && probability <= 1f)) {
                throw new IllegalArgumentException("leaf probability must be in [0, 1], got " + probability);
            }
            return new Node(true, -1, 0f, -1, -1, probability);
        }

        public boolean isLeaf() {
            return leaf;
        }
    }

    /** One tree: nodes indexed from 0 (the root); children must have larger indices than parents. */
    public static final class Tree {
        private final Node[] nodes;

        /**
         * @throws IllegalArgumentException if a child index is out of range or not after its parent
         */
        public Tree(final List<Node> nodes) {
            this.nodes = Objects.requireNonNull(nodes, "nodes").toArray(new Node[0]);
            if (this.nodes.length == 0) {
                throw new IllegalArgumentException("a tree needs at least one node");
            }
            for (int i = 0; i < this.nodes.length; i++) {
                final Node n = Objects.requireNonNull(this.nodes[i], "node");
                if (!n.leaf && (n.trueChild <= i || n.falseChild <= i
                        || n.trueChild >= this.nodes.length || n.falseChild >= this.nodes.length)) {
                    throw new IllegalArgumentException("node " + i + " has children " + n.trueChild + ", "
                            + n.falseChild + "; children must come after their parent and exist");
                }
            }
        }

        int size() {
            return nodes.length;
        }

        float leafProbability(final double[] row) {
            int i = 0;
            while (!nodes[i].leaf) {
                final Node n = nodes[i];
                i = (float) row[n.feature] <= n.threshold ? n.trueChild : n.falseChild;
            }
            return nodes[i].probability;
        }
    }

    private final int inputWidth;
    private final Tree[] trees;

    /**
     * @param inputWidth number of input columns; every split's feature must be below it
     * @param trees at least one tree
     */
    public TreeEnsemble(final int inputWidth, final List<Tree> trees) {
        this.inputWidth = inputWidth;
        this.trees = Objects.requireNonNull(trees, "trees").toArray(new Tree[0]);
        if (this.trees.length == 0) {
            throw new IllegalArgumentException("an ensemble needs at least one tree");
        }
        for (final Tree t : this.trees) {
            for (final Node n : t.nodes) {
                if (!n.leaf && n.feature >= inputWidth) {
                    throw new IllegalArgumentException("split on feature " + n.feature + " but inputWidth is "
                            + inputWidth);
                }
            }
        }
    }

    /**
     * A random ensemble of full binary trees of the given depth, with thresholds drawn for
     * standard-normal features and leaf probabilities drawn from [0, 1]. Seeded, reproducible.
     */
    public static TreeEnsemble random(final long seed, final int inputWidth, final int trees, final int depth) {
        if (inputWidth <= 0 || trees <= 0 || depth < 0 || depth > 20) {
            throw new IllegalArgumentException("need inputWidth > 0, trees > 0 and depth in [0, 20]");
        }
        final SplittableRandom rnd = new SplittableRandom(seed);
        final List<Tree> list = new ArrayList<>(trees);
        final int branches = (1 << depth) - 1;
        final int size = (1 << (depth + 1)) - 1;
        for (int t = 0; t < trees; t++) {
            final List<Node> nodes = new ArrayList<>(size);
            for (int i = 0; i < size; i++) {
                if (i < branches) {
                    // Breadth-first numbering: children of i are 2i+1 and 2i+2.
                    nodes.add(Node.branch(rnd.nextInt(inputWidth), (float) (rnd.nextDouble(-1.5, 1.5)),
                            2 * i + 1, 2 * i + 2));
                } else {
                    nodes.add(Node.leaf((float) rnd.nextDouble()));
                }
            }
            list.add(new Tree(nodes));
        }
        return new TreeEnsemble(inputWidth, list);
    }

    /** Number of input columns. */
    public int inputWidth() {
        return inputWidth;
    }

    /** Number of trees. */
    public int treeCount() {
        return trees.length;
    }

    /**
     * P(class 1): the sum over trees of each reached leaf's {@code float(p / trees)}, the exact
     * per-leaf weights the exported model carries, accumulated in double.
     */
    public double predictProbability(final double[] row) {
        if (row.length != inputWidth) {
            throw new IllegalArgumentException("expected " + inputWidth + " features, got " + row.length);
        }
        double sum = 0.0;
        for (final Tree t : trees) {
            sum += leafWeight(t.leafProbability(row));
        }
        return sum;
    }

    /** The label ONNX Runtime reports: 1 when P(class 1) is above 0.5, else 0. */
    public long predictLabel(final double[] row) {
        return predictProbability(row) > 0.5 ? 1L : 0L;
    }

    private float leafWeight(final float probability) {
        return probability / trees.length;
    }

    /**
     * The model: input "features" float [N, in] → {@code TreeEnsembleClassifier} (classlabels 0, 1;
     * one weight per leaf, class_id 0, holding P(class 1) / trees; post_transform NONE) → outputs
     * {@value #LABEL} int64 [N] and {@value #PROBABILITIES} float [N, 2] ({@code [1 - p, p]}).
     *
     * @param zipMap when true, the probabilities go through {@code ZipMap} and the graph's second
     *     output is instead {@value #ZIPMAP_OUTPUT}, {@code seq(map(int64, float))} with keys 0 and 1
     *     (the sklearn-converter shape)
     */
    public byte[] toOnnx(final boolean zipMap) {
        int total = 0;
        int leaves = 0;
        for (final Tree t : trees) {
            total += t.size();
            for (final Node n : t.nodes) {
                leaves += n.leaf ? 1 : 0;
            }
        }
        final long[] treeIds = new long[total];
        final long[] nodeIds = new long[total];
        final long[] featureIds = new long[total];
        final String[] modes = new String[total];
        final float[] values = new float[total];
        final long[] trueIds = new long[total];
        final long[] falseIds = new long[total];
        final long[] classTreeIds = new long[leaves];
        final long[] classNodeIds = new long[leaves];
        final long[] classIds = new long[leaves];
        final float[] classWeights = new float[leaves];
        int k = 0;
        int leaf = 0;
        for (int t = 0; t < trees.length; t++) {
            final Node[] nodes = trees[t].nodes;
            for (int i = 0; i < nodes.length; i++, k++) {
                final Node n = nodes[i];
                treeIds[k] = t;
                nodeIds[k] = i;
                if (n.leaf) {
                    modes[k] = "LEAF";
                    classTreeIds[leaf] = t;
                    classNodeIds[leaf] = i;
                    classIds[leaf] = 0;
                    classWeights[leaf] = leafWeight(n.probability);
                    leaf++;
                } else {
                    modes[k] = "BRANCH_LEQ";
                    featureIds[k] = n.feature;
                    values[k] = n.threshold;
                    trueIds[k] = n.trueChild;
                    falseIds[k] = n.falseChild;
                }
            }
        }
        final OnnxGraphBuilder b = new OnnxGraphBuilder("tree_ensemble")
                .input(Mlp.INPUT, ElementType.FLOAT, -1, inputWidth)
                .output(LABEL, ElementType.INT64, -1);
        if (zipMap) {
            b.sequenceOfMapsOutput(ZIPMAP_OUTPUT, ElementType.INT64, ElementType.FLOAT);
        } else {
            b.output(PROBABILITIES, ElementType.FLOAT, -1, 2);
        }
        b.node(OnnxGraphBuilder.ML_DOMAIN, "TreeEnsembleClassifier", List.of(Mlp.INPUT),
                List.of(LABEL, PROBABILITIES),
                OnnxAttribute.ints("classlabels_int64s", 0, 1),
                OnnxAttribute.ints("nodes_treeids", treeIds),
                OnnxAttribute.ints("nodes_nodeids", nodeIds),
                OnnxAttribute.ints("nodes_featureids", featureIds),
                OnnxAttribute.strings("nodes_modes", modes),
                OnnxAttribute.floats("nodes_values", values),
                OnnxAttribute.ints("nodes_truenodeids", trueIds),
                OnnxAttribute.ints("nodes_falsenodeids", falseIds),
                OnnxAttribute.ints("class_treeids", classTreeIds),
                OnnxAttribute.ints("class_nodeids", classNodeIds),
                OnnxAttribute.ints("class_ids", classIds),
                OnnxAttribute.floats("class_weights", classWeights),
                OnnxAttribute.stringAttr("post_transform", "NONE"));
        if (zipMap) {
            b.node(OnnxGraphBuilder.ML_DOMAIN, "ZipMap", List.of(PROBABILITIES), List.of(ZIPMAP_OUTPUT),
                    OnnxAttribute.ints("classlabels_int64s", 0, 1));
        }
        return b.build();
    }
}
