package io.scorestream.inference;

import java.util.Locale;
import java.util.Objects;

/**
 * Where a model runs: {@code auto}, {@code cpu}, or {@code cuda[:N]}.
 *
 * <p>{@code auto} tries the CUDA execution provider on device 0 and falls back to the CPU with one
 * warning naming the reason; {@code cuda[:N]} fails fast when CUDA device N cannot be used;
 * {@code cpu} never touches CUDA. Immutable.
 */
public final class Device {

    /** The kind of device requested. */
    public enum Kind { AUTO, CPU, CUDA }

    public static final Device AUTO = new Device(Kind.AUTO, 0);
    public static final Device CPU = new Device(Kind.CPU, 0);

    private final Kind kind;
    private final int cudaDeviceId;

    private Device(Kind kind, int cudaDeviceId) {
        this.kind = kind;
        this.cudaDeviceId = cudaDeviceId;
    }

    /** CUDA device {@code id} (0-based). */
    public static Device cuda(int id) {
        if (id < 0) {
            throw new IllegalArgumentException("CUDA device id must be >= 0, got " + id);
        }
        return new Device(Kind.CUDA, id);
    }

    /**
     * Parses {@code auto}, {@code cpu}, {@code cuda} or {@code cuda:N} (case-insensitive).
     *
     * @throws IllegalArgumentException naming the text and the accepted forms
     */
    public static Device parse(String text) {
        Objects.requireNonNull(text, "device");
        final String t = text.trim().toLowerCase(Locale.ROOT);
        if (t.equals("auto")) {
            return AUTO;
        }
        if (t.equals("cpu")) {
            return CPU;
        }
        if (t.equals("cuda")) {
            return cuda(0);
        }
        if (t.startsWith("cuda:")) {
            try {
                return cuda(Integer.parseInt(t.substring("cuda:".length())));
            } catch (IllegalArgumentException e) {
                // falls through to the common message
            }
        }
        throw new IllegalArgumentException("Invalid device '" + text
                + "': expected auto, cpu, cuda or cuda:N with N a device number >= 0");
    }

    public Kind kind() {
        return kind;
    }

    /** The CUDA device number tried ({@code auto}, {@code cuda:N}); 0 for {@code cpu}. */
    public int cudaDeviceId() {
        return cudaDeviceId;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Device d && d.kind == kind && d.cudaDeviceId == cudaDeviceId;
    }

    @Override
    public int hashCode() {
        return kind.hashCode() * 31 + cudaDeviceId;
    }

    @Override
    public String toString() {
        return switch (kind) {
            case AUTO -> "auto";
            case CPU -> "cpu";
            case CUDA -> "cuda:" + cudaDeviceId;
        };
    }
}
