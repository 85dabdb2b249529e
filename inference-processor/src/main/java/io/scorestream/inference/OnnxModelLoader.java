package io.scorestream.inference;

import ai.onnxruntime.MapInfo;
import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.SequenceInfo;
import ai.onnxruntime.TensorInfo;
import ai.onnxruntime.ValueInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns verified ONNX bytes into a {@link LoadedModel}: checks the SHA-256, chooses the device,
 * applies the session options, reads the signature.
 *
 * <p>Device choice: {@code cpu} uses the CPU provider only. {@code cuda:N} adds the CUDA execution
 * provider and fails fast, with a message saying why, where it cannot be used. {@code auto} tries
 * CUDA and falls back to the CPU with one warning naming the reason; the outcome of that probe is
 * remembered per device for the life of the JVM, so later loads neither retry the (slow, ~5 s)
 * probe nor warn again.
 *
 * <p>Custom operators: the shared libraries of {@link InferenceSettings#customOpLibraries()} are
 * registered in every session, and no others; by default there are none. A library that cannot be
 * registered refuses the load ({@code UNSUPPORTED_MODEL}) with a message naming it.
 *
 * <p>Thread-safe: loads may run concurrently (the model registry loads off the stream threads).
 */
public final class OnnxModelLoader {

    private static final Logger LOG = LoggerFactory.getLogger(OnnxModelLoader.class);

    /** Why CUDA device N is unusable in this JVM, once probed. */
    private static final Map<Integer, String> CUDA_UNUSABLE = new ConcurrentHashMap<>();

    /**
     * Native stack for ONNX Runtime's environment and session creation. Parsing and optimising a
     * graph can need more than the JVM's default 1 MiB thread stack; on this project's machines it
     * overflowed it (a SIGSEGV that kills the JVM) once the process had many files mapped, e.g. next
     * to an embedded Kafka broker. So every such call runs on a thread of this module's own.
     */
    static final long NATIVE_STACK_BYTES = 32L * 1024 * 1024;

    private static final ExecutorService NATIVE = Executors.newCachedThreadPool(task -> {
        final Thread t = new Thread(null, task, "scorestream-ort-loader", NATIVE_STACK_BYTES);
        t.setDaemon(true);
        return t;
    });

    private final InferenceSettings settings;
    private final OrtEnvironment env;

    public OnnxModelLoader(InferenceSettings settings) {
        this.settings = settings;
        this.env = onBigStack(OrtEnvironment::getEnvironment);
    }

    /** Runs {@code call} on a thread with {@link #NATIVE_STACK_BYTES} of stack and returns its result. */
    static <T> T onBigStack(Callable<T> call) {
        final Future<T> f = NATIVE.submit(call);
        try {
            return f.get();
        } catch (InterruptedException e) {
            f.cancel(true);
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while ONNX Runtime was loading a model", e);
        } catch (ExecutionException e) {
            final Throwable c = e.getCause();
            if (c instanceof RuntimeException r) {
                throw r;
            }
            if (c instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(c);
        }
    }

    public InferenceSettings settings() {
        return settings;
    }

    /**
     * Loads one model version.
     *
     * @param name model name, for messages
     * @param version model version, for messages
     * @param bytes the ONNX file
     * @param expectedSha256 hex SHA-256 the bytes must have; null only when verification is
     *     deliberately disabled by the caller
     * @return a model the caller owns and must close
     * @throws ModelLoadException naming the model and the problem: SHA-256 mismatch, bytes that are
     *     not a loadable ONNX model, or a CUDA device that cannot be used under {@code cuda:N}
     */
    public LoadedModel load(String name, String version, byte[] bytes, String expectedSha256) {
        return onBigStack(() -> loadHere(name, version, bytes, expectedSha256));
    }

    private LoadedModel loadHere(String name, String version, byte[] bytes, String expectedSha256) {
        final String actual = Sha256.hex(bytes);
        if (expectedSha256 != null && !actual.equalsIgnoreCase(expectedSha256.trim())) {
            throw new ModelLoadException(name, version, ModelLoadException.Reason.SHA256_MISMATCH,
                    "sha256 mismatch: the spec says " + expectedSha256.trim().toLowerCase(Locale.ROOT)
                            + " but the " + bytes.length + " artifact bytes hash to " + actual);
        }
        final Device device = settings.device();
        OrtSession session;
        String executionDevice;
        switch (device.kind()) {
            case CPU -> {
                session = createSession(name, version, bytes, false, device.cudaDeviceId());
                executionDevice = "cpu";
            }
            case CUDA -> {
                final String known = CUDA_UNUSABLE.get(device.cudaDeviceId());
                if (known != null) {
                    throw cudaUnavailable(name, version, device, known, null);
                }
                try {
                    session = createSession(name, version, bytes, true, device.cudaDeviceId());
                } catch (CudaUnavailable e) {
                    CUDA_UNUSABLE.putIfAbsent(device.cudaDeviceId(), e.getMessage());
                    throw cudaUnavailable(name, version, device, e.getMessage(), e.getCause());
                }
                executionDevice = device.toString();
            }
            case AUTO -> {
                final String known = CUDA_UNUSABLE.get(device.cudaDeviceId());
                if (known == null) {
                    OrtSession cudaSession = null;
                    try {
                        cudaSession = createSession(name, version, bytes, true, device.cudaDeviceId());
                    } catch (CudaUnavailable e) {
                        if (CUDA_UNUSABLE.putIfAbsent(device.cudaDeviceId(), e.getMessage()) == null) {
                            LOG.warn("inference.device=auto: CUDA device {} cannot be used ({}); "
                                    + "scoring on the CPU instead", device.cudaDeviceId(), e.getMessage());
                        }
                    }
                    if (cudaSession != null) {
                        session = cudaSession;
                        executionDevice = "cuda:" + device.cudaDeviceId();
                        break;
                    }
                }
                session = createSession(name, version, bytes, false, device.cudaDeviceId());
                executionDevice = "cpu";
            }
            default -> throw new IllegalStateException("unknown device kind " + device.kind());
        }
        try {
            return new LoadedModel(name, version, actual, executionDevice,
                    CUDA_UNUSABLE.get(device.cudaDeviceId()), session, signatureOf(session));
        } catch (OrtException | RuntimeException e) {
            closeQuietly(session);
            throw new ModelLoadException(name, version, ModelLoadException.Reason.UNSUPPORTED_MODEL,
                    "cannot read the model's inputs and outputs: " + e.getMessage(), e);
        }
    }

    /**
     * Why CUDA device {@code id} was found unusable in this JVM, or null if it was never probed or
     * works.
     */
    public static String cudaUnusableReason(int id) {
        return CUDA_UNUSABLE.get(id);
    }

    private static ModelLoadException cudaUnavailable(String name, String version, Device device,
                                                      String why, Throwable cause) {
        return new ModelLoadException(name, version, ModelLoadException.Reason.DEVICE_UNAVAILABLE,
                "inference.device=" + device + " was requested but the CUDA execution provider cannot be used: "
                        + why + ". Use inference.device=auto to fall back to the CPU, or inference.device=cpu.",
                cause);
    }

    private OrtSession createSession(String name, String version, byte[] bytes, boolean cuda, int cudaId) {
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            configure(options);
            registerCustomOps(name, version, options);
            if (cuda) {
                try {
                    options.addCUDA(cudaId);
                } catch (OrtException | RuntimeException | UnsatisfiedLinkError e) {
                    throw new CudaUnavailable(describe(e), e);
                }
            }
            try {
                return env.createSession(bytes, options);
            } catch (OrtException e) {
                if (cuda && mentionsCuda(e)) {
                    throw new CudaUnavailable(describe(e), e);
                }
                if (cuda) {
                    // Not clearly a device problem: let the CPU attempt decide whether the model is bad.
                    throw new CudaUnavailable("session creation with the CUDA provider failed: " + describe(e), e);
                }
                throw new ModelLoadException(name, version, ModelLoadException.Reason.CORRUPT_MODEL,
                        "ONNX Runtime cannot load the " + bytes.length + " artifact bytes as a model: "
                                + describe(e), e);
            }
        } catch (OrtException e) {
            throw new ModelLoadException(name, version, ModelLoadException.Reason.UNSUPPORTED_MODEL,
                    "invalid session options " + settings + ": " + describe(e), e);
        }
    }

    private void configure(OrtSession.SessionOptions options) throws OrtException {
        if (settings.intraOpThreads() > 0) {
            options.setIntraOpNumThreads(settings.intraOpThreads());
        }
        if (settings.interOpThreads() > 0) {
            options.setInterOpNumThreads(settings.interOpThreads());
        }
        options.setOptimizationLevel(switch (settings.optimizationLevel()) {
            case NONE -> OrtSession.SessionOptions.OptLevel.NO_OPT;
            case BASIC -> OrtSession.SessionOptions.OptLevel.BASIC_OPT;
            case EXTENDED -> OrtSession.SessionOptions.OptLevel.EXTENDED_OPT;
            case ALL -> OrtSession.SessionOptions.OptLevel.ALL_OPT;
        });
        options.addConfigEntry("session.intra_op.allow_spinning", settings.allowSpinning() ? "1" : "0");
        options.addConfigEntry("session.inter_op.allow_spinning", settings.allowSpinning() ? "1" : "0");
    }

    /**
     * Registers the configured custom-op libraries, and nothing else: with none configured (the
     * default) no native code besides ONNX Runtime's own is loaded into the process.
     */
    private void registerCustomOps(String name, String version, OrtSession.SessionOptions options) {
        for (String library : settings.customOpLibraries()) {
            try {
                options.registerCustomOpLibrary(library);
            } catch (OrtException | RuntimeException | UnsatisfiedLinkError e) {
                throw new ModelLoadException(name, version, ModelLoadException.Reason.UNSUPPORTED_MODEL,
                        "cannot register custom-op library '" + library + "' (inference.custom.op.libraries): "
                                + describe(e), e);
            }
        }
    }

    private static boolean mentionsCuda(Throwable e) {
        final String m = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
        return m.contains("cuda") || m.contains("cudnn") || m.contains("cublas") || m.contains("gpu");
    }

    private static String describe(Throwable e) {
        final String m = e.getMessage();
        return m == null ? e.getClass().getSimpleName() : m.replace('\n', ' ').trim();
    }

    static ModelSignature signatureOf(OrtSession session) throws OrtException {
        return new ModelSignature(specs(session.getInputInfo()), specs(session.getOutputInfo()));
    }

    private static List<ValueSpec> specs(Map<String, NodeInfo> infos) {
        final List<ValueSpec> out = new ArrayList<>(infos.size());
        for (NodeInfo n : infos.values()) {
            out.add(spec(n.getName(), n.getInfo()));
        }
        return out;
    }

    private static ValueSpec spec(String name, ValueInfo info) {
        if (info instanceof TensorInfo t) {
            return new ValueSpec(name, ValueSpec.Kind.TENSOR, t.type.name(), null, t.getShape(), t.getDimensionNames());
        }
        if (info instanceof SequenceInfo s) {
            if (s.isSequenceOfMaps()) {
                final MapInfo m = s.mapInfo;
                return new ValueSpec(name, ValueSpec.Kind.SEQUENCE_OF_MAPS, m.valueType.name(), m.keyType.name(),
                        null);
            }
            return new ValueSpec(name, ValueSpec.Kind.SEQUENCE, s.sequenceType.name(), null, null);
        }
        if (info instanceof MapInfo m) {
            return new ValueSpec(name, ValueSpec.Kind.MAP, m.valueType.name(), m.keyType.name(), null);
        }
        return new ValueSpec(name, ValueSpec.Kind.OTHER, String.valueOf(info), null, null);
    }

    private static void closeQuietly(OrtSession session) {
        try {
            session.close();
        } catch (OrtException e) {
            LOG.debug("closing a session that failed to load", e);
        }
    }

    /** Internal signal: the CUDA provider could not be attached or used. */
    private static final class CudaUnavailable extends RuntimeException {
        private static final long serialVersionUID = 1L;

        CudaUnavailable(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
