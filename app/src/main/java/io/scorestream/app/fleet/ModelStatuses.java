package io.scorestream.app.fleet;

import io.scorestream.app.config.FleetStatusConfig;
import io.scorestream.inference.registry.LiveModelInfo;
import io.scorestream.inference.registry.LiveRollout;
import io.scorestream.inference.registry.Refusal;
import io.scorestream.schemas.ModelRefusal;
import io.scorestream.schemas.ModelStatus;
import io.scorestream.schemas.RolloutRole;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * Builds the records of the status topic: one {@link ModelStatus} per model an instance serves,
 * and its key. Pure functions of what they are given; stateless and thread-safe.
 */
public final class ModelStatuses {

    private ModelStatuses() {
    }

    /**
     * The status topic's key of one model of one instance:
     * {@code <applicationId>/<instanceId>/<model>}.
     */
    public static String key(final String applicationId, final String instanceId, final String model) {
        return applicationId + FleetStatusConfig.KEY_SEPARATOR + instanceId + FleetStatusConfig.KEY_SEPARATOR + model;
    }

    /**
     * What one instance serves for one model now.
     *
     * @param rolloutOrNull what is live for {@code model}; null when nothing is
     * @param refusalOrNull the last version of {@code model} the instance refused; null when none
     * @param configuredDevice the configured {@code inference.device} (e.g. {@code auto}), reported
     *     while nothing is live; otherwise the stable version's execution device is
     * @param pipelines the instance's pipelines scoring with {@code model}; copied
     * @param heartbeat when the record is written
     * @param intervalMs how often the instance writes its status
     * @return a new record the caller owns
     */
    public static ModelStatus of(final String applicationId, final String instanceId, final String model,
            final LiveRollout rolloutOrNull, final Refusal refusalOrNull, final String configuredDevice,
            final List<String> pipelines, final Instant heartbeat, final long intervalMs) {
        Objects.requireNonNull(configuredDevice, "configuredDevice");
        final ModelStatus.Builder b = ModelStatus.newBuilder()
                .setApplicationId(Objects.requireNonNull(applicationId, "applicationId"))
                .setInstanceId(Objects.requireNonNull(instanceId, "instanceId"))
                .setModel(Objects.requireNonNull(model, "model"))
                .setStableVersion(null)
                .setCandidateVersion(null)
                .setRole(null)
                .setCanaryPercent(null)
                .setDevice(configuredDevice)
                .setLastRefusal(null)
                .setHeartbeat(Objects.requireNonNull(heartbeat, "heartbeat"))
                .setIntervalMs(intervalMs)
                .setPipelines(List.copyOf(pipelines));
        if (rolloutOrNull != null) {
            final LiveModelInfo stable = rolloutOrNull.stable();
            b.setStableVersion(stable.version()).setDevice(stable.executionDevice());
            final LiveModelInfo candidate = rolloutOrNull.candidate();
            if (candidate != null) {
                final boolean canary = rolloutOrNull.role() == RolloutRole.CANARY;
                b.setCandidateVersion(candidate.version())
                        .setRole(canary ? "canary" : "shadow")
                        .setCanaryPercent(canary ? rolloutOrNull.canaryPercent() : null);
            }
        }
        if (refusalOrNull != null) {
            b.setLastRefusal(ModelRefusal.newBuilder()
                    .setVersion(refusalOrNull.version())
                    .setReason(refusalOrNull.reasonTag())
                    .setMessage(refusalOrNull.message())
                    .setAt(refusalOrNull.at())
                    .build());
        }
        return b.build();
    }
}
