package io.scorestream.inference.registry;

import java.util.Objects;

/**
 * Hears what the {@link ModelRegistry} does, e.g. to count loads and refusals and to show the live
 * version in metrics and health. Every method has a no-op default.
 *
 * <p>Threading: called on the registry's loader thread, one call at a time, after the change is
 * visible through the registry. Keep it quick; a listener that throws is logged and otherwise
 * ignored.
 */
public interface RegistryListener {

    /** A listener that does nothing. */
    RegistryListener NONE = new RegistryListener() {
    };

    /**
     * A listener that tells {@code first}, then {@code second}, of every event. When one throws,
     * the other is still told, and the first exception is rethrown.
     */
    static RegistryListener both(RegistryListener first, RegistryListener second) {
        Objects.requireNonNull(first, "first");
        Objects.requireNonNull(second, "second");
        return new RegistryListener() {
            @Override
            public void onLoaded(String name, String version, long loadNanos, String device) {
                try {
                    first.onLoaded(name, version, loadNanos, device);
                } finally {
                    second.onLoaded(name, version, loadNanos, device);
                }
            }

            @Override
            public void onRefused(String name, String version, String reasonTag, String message) {
                try {
                    first.onRefused(name, version, reasonTag, message);
                } finally {
                    second.onRefused(name, version, reasonTag, message);
                }
            }

            @Override
            public void onRetired(String name, String version) {
                try {
                    first.onRetired(name, version);
                } finally {
                    second.onRetired(name, version);
                }
            }

            @Override
            public void onSwapped(String name, String oldVersionOrNull, String newVersion) {
                try {
                    first.onSwapped(name, oldVersionOrNull, newVersion);
                } finally {
                    second.onSwapped(name, oldVersionOrNull, newVersion);
                }
            }

            @Override
            public void onRolloutChanged(String name, LiveRollout nowOrNull) {
                try {
                    first.onRolloutChanged(name, nowOrNull);
                } finally {
                    second.onRolloutChanged(name, nowOrNull);
                }
            }
        };
    }

    /**
     * A version was fetched, verified, validated, warmed up and made live.
     *
     * @param loadNanos wall time from the start of its fetch to the swap
     * @param device {@code cpu} or {@code cuda:N}
     */
    default void onLoaded(String name, String version, long loadNanos, String device) {
    }

    /**
     * A version was refused; the previous version, if any, keeps serving.
     *
     * @param version the refused version as the spec named it
     * @param reasonTag e.g. {@code sha256_mismatch}, see {@code ModelLoadException.Reason#tag()}
     * @param message the whole explanation, free of credentials
     */
    default void onRefused(String name, String version, String reasonTag, String message) {
    }

    /** A tombstone retired the live {@code version}; nothing of {@code name} is live any more. */
    default void onRetired(String name, String version) {
    }

    /**
     * {@code newVersion} replaced {@code oldVersionOrNull} (null when nothing was live). Follows the
     * {@link #onLoaded} of {@code newVersion}.
     */
    default void onSwapped(String name, String oldVersionOrNull, String newVersion) {
    }

    /**
     * What is live for {@code name} changed: a new stable version, a candidate added, promoted or
     * rolled back, a new canary percentage; null when a tombstone retired the model. Follows the
     * {@link #onLoaded} and {@link #onSwapped} calls of the same change.
     */
    default void onRolloutChanged(String name, LiveRollout nowOrNull) {
    }
}
