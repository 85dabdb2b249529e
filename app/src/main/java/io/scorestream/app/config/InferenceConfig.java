package io.scorestream.app.config;

import io.scorestream.inference.Device;
import io.scorestream.inference.InferenceSettings;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;

/**
 * The keys of group {@value #GROUP}: where and how ONNX Runtime runs the models (device, thread
 * pools, graph optimisation, spinning, custom-op libraries), read into {@link InferenceSettings}.
 *
 * <p>An instance is the typed reading of these keys for one {@link ScorestreamConfig}
 * ({@link ScorestreamConfig#inference()}). Immutable and thread-safe.
 */
public final class InferenceConfig {

    /** The group of these keys in the definition and the documentation. */
    public static final String GROUP = "Inference";

    public static final String INFERENCE_DEVICE_CONFIG = "inference.device";
    private static final String INFERENCE_DEVICE_DOC = "Where models run. auto: CUDA device 0 if usable, else "
            + "the CPU with one warning. cuda or cuda:N: that GPU, failing at model load when it is not usable. "
            + "cpu: never CUDA.";

    public static final String INFERENCE_INTRA_OP_THREADS_CONFIG = "inference.intra.op.threads";
    private static final String INFERENCE_INTRA_OP_THREADS_DOC = "ONNX Runtime threads inside one operator, per "
            + "model session. 0 = one per core; the default 1 leaves the cores to the stream threads.";

    public static final String INFERENCE_INTER_OP_THREADS_CONFIG = "inference.inter.op.threads";
    private static final String INFERENCE_INTER_OP_THREADS_DOC = "ONNX Runtime threads across operators, per "
            + "model session. 0 = ONNX Runtime's default.";

    public static final String INFERENCE_OPTIMIZATION_LEVEL_CONFIG = "inference.optimization.level";
    private static final String INFERENCE_OPTIMIZATION_LEVEL_DOC = "ONNX Runtime graph optimisation level.";

    public static final String INFERENCE_ALLOW_SPINNING_CONFIG = "inference.allow.spinning";
    private static final String INFERENCE_ALLOW_SPINNING_DOC = "Let ONNX Runtime's threads busy-wait between "
            + "runs: lower latency, at the cost of CPU the stream threads may need.";

    public static final String INFERENCE_CUSTOM_OP_LIBRARIES_CONFIG = "inference.custom.op.libraries";
    private static final String INFERENCE_CUSTOM_OP_LIBRARIES_DOC = "Paths of ONNX Runtime custom-op shared "
            + "libraries to register in every session; empty = none. Only list libraries you trust: they run "
            + "native code.";

    private final Device device;
    private final InferenceSettings settings;

    /**
     * @throws ConfigException naming {@value #INFERENCE_CUSTOM_OP_LIBRARIES_CONFIG} when a listed
     *     library does not exist: the one check the {@link ConfigDef} cannot make
     */
    InferenceConfig(final ConfigValues values) {
        this.device = Device.parse(values.string(INFERENCE_DEVICE_CONFIG));
        final InferenceSettings.Builder builder = InferenceSettings.builder()
                .device(device)
                .intraOpThreads(values.integer(INFERENCE_INTRA_OP_THREADS_CONFIG))
                .interOpThreads(values.integer(INFERENCE_INTER_OP_THREADS_CONFIG))
                .optimizationLevel(InferenceSettings.OptimizationLevel.parse(
                        values.string(INFERENCE_OPTIMIZATION_LEVEL_CONFIG)))
                .allowSpinning(values.bool(INFERENCE_ALLOW_SPINNING_CONFIG))
                .customOpLibraries(values.list(INFERENCE_CUSTOM_OP_LIBRARIES_CONFIG));
        try {
            this.settings = builder.build();
        } catch (IllegalArgumentException e) {
            throw new ConfigException(INFERENCE_CUSTOM_OP_LIBRARIES_CONFIG,
                    values.get(INFERENCE_CUSTOM_OP_LIBRARIES_CONFIG),
                    e.getMessage() + values.where(INFERENCE_CUSTOM_OP_LIBRARIES_CONFIG));
        }
    }

    /** Adds the keys of group {@value #GROUP} to {@code def}. */
    static void define(final ConfigDef def) {
        new ConfigGroup(def, GROUP)
                .define(INFERENCE_DEVICE_CONFIG, Type.STRING, "auto", Validators.device(), Importance.HIGH,
                        INFERENCE_DEVICE_DOC)
                .define(INFERENCE_INTRA_OP_THREADS_CONFIG, Type.INT, 1, Range.atLeast(0), Importance.MEDIUM,
                        INFERENCE_INTRA_OP_THREADS_DOC)
                .define(INFERENCE_INTER_OP_THREADS_CONFIG, Type.INT, 0, Range.atLeast(0), Importance.LOW,
                        INFERENCE_INTER_OP_THREADS_DOC)
                .define(INFERENCE_OPTIMIZATION_LEVEL_CONFIG, Type.STRING, "all",
                        Validators.anyCase("none", "basic", "extended", "all"), Importance.LOW,
                        INFERENCE_OPTIMIZATION_LEVEL_DOC)
                .define(INFERENCE_ALLOW_SPINNING_CONFIG, Type.BOOLEAN, false, null, Importance.LOW,
                        INFERENCE_ALLOW_SPINNING_DOC)
                .define(INFERENCE_CUSTOM_OP_LIBRARIES_CONFIG, Type.LIST, "", Validators.filePaths(),
                        Importance.LOW, INFERENCE_CUSTOM_OP_LIBRARIES_DOC);
    }

    /** {@code inference.device}, parsed. */
    public Device device() {
        return device;
    }

    /** Device, thread pools, optimisation level, spinning and custom ops, for ONNX Runtime sessions. */
    public InferenceSettings settings() {
        return settings;
    }
}
