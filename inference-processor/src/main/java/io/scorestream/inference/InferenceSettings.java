package io.scorestream.inference;

import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * How ONNX Runtime sessions are created: device, thread pools, graph optimisation, custom-op
 * libraries. Immutable; build with {@link #builder()}, which validates in {@link Builder#build()}.
 */
public final class InferenceSettings {

    /** Graph optimisation level, mapped onto ONNX Runtime's. */
    public enum OptimizationLevel {
        NONE, BASIC, EXTENDED, ALL;

        /** Parses {@code none|basic|extended|all} (case-insensitive). */
        public static OptimizationLevel parse(String text) {
            try {
                return valueOf(text.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException | NullPointerException e) {
                throw new IllegalArgumentException("Invalid optimisation level '" + text
                        + "': expected none, basic, extended or all", e);
            }
        }
    }

    private final Device device;
    private final int intraOpThreads;
    private final int interOpThreads;
    private final OptimizationLevel optimizationLevel;
    private final boolean allowSpinning;
    private final List<String> customOpLibraries;

    private InferenceSettings(Builder b, List<String> customOpLibraries) {
        this.device = b.device;
        this.intraOpThreads = b.intraOpThreads;
        this.interOpThreads = b.interOpThreads;
        this.optimizationLevel = b.optimizationLevel;
        this.allowSpinning = b.allowSpinning;
        this.customOpLibraries = customOpLibraries;
    }

    /** CPU-or-GPU auto, ORT's default thread counts, all optimisations, no spinning, no custom ops. */
    public static InferenceSettings defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public Device device() {
        return device;
    }

    /** Threads inside one operator; 0 lets ONNX Runtime choose (one per core). */
    public int intraOpThreads() {
        return intraOpThreads;
    }

    /** Threads across operators; 0 lets ONNX Runtime choose. */
    public int interOpThreads() {
        return interOpThreads;
    }

    public OptimizationLevel optimizationLevel() {
        return optimizationLevel;
    }

    /**
     * Whether ORT's intra-op threads busy-wait between runs. Off by default: on a small machine the
     * Kafka threads need those cycles more than ORT needs the lower wake-up latency.
     */
    public boolean allowSpinning() {
        return allowSpinning;
    }

    /**
     * Paths of ONNX Runtime custom-op shared libraries registered in every session, in order; empty
     * (the default) registers none. Each existed as a regular file when the settings were built.
     * They run native code inside this process: list only libraries you trust. Unmodifiable.
     */
    public List<String> customOpLibraries() {
        return customOpLibraries;
    }

    @Override
    public String toString() {
        return "InferenceSettings{device=" + device + ", intraOpThreads=" + intraOpThreads
                + ", interOpThreads=" + interOpThreads + ", optimizationLevel=" + optimizationLevel
                + ", allowSpinning=" + allowSpinning + ", customOpLibraries=" + customOpLibraries + '}';
    }

    /** Mutable builder; not thread-safe. */
    public static final class Builder {
        private Device device = Device.AUTO;
        private int intraOpThreads;
        private int interOpThreads;
        private OptimizationLevel optimizationLevel = OptimizationLevel.ALL;
        private boolean allowSpinning;
        private List<String> customOpLibraries = new ArrayList<>();

        private Builder() {
        }

        public Builder device(Device device) {
            this.device = Objects.requireNonNull(device, "device");
            return this;
        }

        public Builder intraOpThreads(int threads) {
            this.intraOpThreads = threads;
            return this;
        }

        public Builder interOpThreads(int threads) {
            this.interOpThreads = threads;
            return this;
        }

        public Builder optimizationLevel(OptimizationLevel level) {
            this.optimizationLevel = Objects.requireNonNull(level, "optimizationLevel");
            return this;
        }

        public Builder allowSpinning(boolean allowSpinning) {
            this.allowSpinning = allowSpinning;
            return this;
        }

        /**
         * Replaces the custom-op libraries (paths of shared libraries) registered in every session;
         * empty, the default, registers none.
         */
        public Builder customOpLibraries(List<String> paths) {
            this.customOpLibraries = new ArrayList<>(Objects.requireNonNull(paths, "customOpLibraries"));
            return this;
        }

        /**
         * @throws IllegalArgumentException for negative thread counts, or a custom-op library path
         *     that is blank or names no regular file (the message names the path)
         */
        public InferenceSettings build() {
            if (intraOpThreads < 0) {
                throw new IllegalArgumentException("intraOpThreads must be >= 0 (0 = ONNX Runtime's default), got "
                        + intraOpThreads);
            }
            if (interOpThreads < 0) {
                throw new IllegalArgumentException("interOpThreads must be >= 0 (0 = ONNX Runtime's default), got "
                        + interOpThreads);
            }
            for (String path : customOpLibraries) {
                checkLibrary(path);
            }
            return new InferenceSettings(this, List.copyOf(customOpLibraries));
        }

        private static void checkLibrary(String path) {
            if (path == null || path.isBlank()) {
                throw new IllegalArgumentException("customOpLibraries: a library path must not be blank");
            }
            final boolean file;
            try {
                file = Files.isRegularFile(Path.of(path));
            } catch (InvalidPathException e) {
                throw new IllegalArgumentException("customOpLibraries: '" + path + "' is not a valid path ("
                        + e.getReason() + ")", e);
            }
            if (!file) {
                throw new IllegalArgumentException("customOpLibraries: custom-op library '" + path
                        + "' does not exist or is not a regular file");
            }
        }
    }
}
