package io.scorestream.inference;

import java.util.Locale;
import java.util.Objects;

/**
 * How ONNX Runtime sessions are created: device, thread pools, graph optimisation. Immutable;
 * build with {@link #builder()}, which validates in {@link Builder#build()}.
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

    private InferenceSettings(Builder b) {
        this.device = b.device;
        this.intraOpThreads = b.intraOpThreads;
        this.interOpThreads = b.interOpThreads;
        this.optimizationLevel = b.optimizationLevel;
        this.allowSpinning = b.allowSpinning;
    }

    /** CPU-or-GPU auto, ORT's default thread counts, all optimisations, no spinning. */
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

    @Override
    public String toString() {
        return "InferenceSettings{device=" + device + ", intraOpThreads=" + intraOpThreads
                + ", interOpThreads=" + interOpThreads + ", optimizationLevel=" + optimizationLevel
                + ", allowSpinning=" + allowSpinning + '}';
    }

    /** Mutable builder; not thread-safe. */
    public static final class Builder {
        private Device device = Device.AUTO;
        private int intraOpThreads;
        private int interOpThreads;
        private OptimizationLevel optimizationLevel = OptimizationLevel.ALL;
        private boolean allowSpinning;

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

        /** @throws IllegalArgumentException for negative thread counts */
        public InferenceSettings build() {
            if (intraOpThreads < 0) {
                throw new IllegalArgumentException("intraOpThreads must be >= 0 (0 = ONNX Runtime's default), got "
                        + intraOpThreads);
            }
            if (interOpThreads < 0) {
                throw new IllegalArgumentException("interOpThreads must be >= 0 (0 = ONNX Runtime's default), got "
                        + interOpThreads);
            }
            return new InferenceSettings(this);
        }
    }
}
