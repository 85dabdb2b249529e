package io.scorestream.inference.registry;

import io.scorestream.schemas.RolloutRole;
import java.util.Objects;

/**
 * What is live for one model name: its stable version and, during a gray release, a candidate.
 *
 * @param stable the stable version: scores every record that is not routed to a canary
 * @param candidate the candidate version, or null when no rollout is in progress
 * @param role CANARY or SHADOW; null when there is no candidate
 * @param canaryPercent share of keys (0 to 100) the candidate scores in CANARY role; 0 otherwise
 */
public record LiveRollout(LiveModelInfo stable, LiveModelInfo candidate, RolloutRole role, double canaryPercent) {

    public LiveRollout {
        Objects.requireNonNull(stable, "stable");
        if ((candidate == null) != (role == null)) {
            throw new IllegalArgumentException("a candidate needs a role and a role needs a candidate");
        }
        if (role != RolloutRole.CANARY) {
            canaryPercent = 0;
        }
    }

    /** Whether a candidate runs beside the stable version. */
    public boolean hasCandidate() {
        return candidate != null;
    }

    @Override
    public String toString() {
        if (candidate == null) {
            return stable.name() + "@" + stable.version();
        }
        return stable.name() + "@" + stable.version() + " + " + candidate.version() + " as "
                + (role == RolloutRole.CANARY ? "canary for " + canaryPercent + "% of keys" : "shadow");
    }
}
